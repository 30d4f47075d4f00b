// forkwrite: the program behind testdata/forkwrite.txt.gz. It maps and
// writes anonymous memory, writes a shared file mapping, lets a thread
// write into its memory, grows a mapping with mremap, then forks two
// children that write part of what their parent wrote (copy-on-write
// breaks); the second child execs /bin/true. Recorded with
//
//	gcc -O1 -pthread -o /tmp/forkwrite forkwrite.c
//	PERF_OUT=forkwrite.txt.gz scripts/capture-perf.sh /tmp/forkwrite
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { KiB = 1024, ANON = 256 * KiB, FILESZ = 64 * KiB };

static void *worker(void *p)
{
	memset(p, 7, 64 * KiB);
	return NULL;
}

int main(void)
{
	char *a = mmap(NULL, ANON, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 1;
	memset(a, 1, ANON);

	char *heap = malloc(96 * KiB);
	memset(heap, 4, 96 * KiB);

	int fd = open("/tmp/forkwrite.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, FILESZ) != 0)
		return 1;
	char *f = mmap(NULL, FILESZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		return 1;
	memset(f, 2, FILESZ);
	close(fd);

	pthread_t t;
	if (pthread_create(&t, NULL, worker, a) != 0 || pthread_join(t, NULL) != 0)
		return 1;

	a = mremap(a, ANON, 2 * ANON, MREMAP_MAYMOVE);
	if (a == MAP_FAILED)
		return 1;
	memset(a + ANON, 3, ANON);

	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			memset(a, 5, ANON / 2);
			f[0] = 6;
			if (i == 1)
				execl("/bin/true", "true", (char *)NULL);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	munmap(f, FILESZ);
	munmap(a, 2 * ANON);
	unlink("/tmp/forkwrite.dat");
	return 0;
}
