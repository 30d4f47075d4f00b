/*
 * kernel-baseline: what the real kernel spends per PTE on fork + exit +
 * wait of a process with 256 MiB of written private anonymous memory.
 *
 * The region is mapped with MADV_NOHUGEPAGE so that it is made of 4 KiB
 * PTEs, as in the simulator (a transparent huge page would make fork copy
 * one PMD for 512 pages). Every page is written first, so every PTE is
 * present, private and writable: fork write-protects and copies each, the
 * child's exit zaps each. The child exits at once without touching
 * anything. Prints the median over ROUNDS of (fork + _exit + waitpid) / PTEs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 65536;
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	size_t len = (size_t)pages * 4096;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	double *ns = calloc(rounds, sizeof *ns);
	for (int r = 0; r < rounds; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t c = fork();
		if (c < 0) {
			perror("fork");
			return 1;
		}
		if (c == 0)
			_exit(0);
		if (waitpid(c, NULL, 0) != c) {
			perror("waitpid");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns[r] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / pages;
	}
	qsort(ns, rounds, sizeof *ns, cmp);
	printf("%.1f\n", rounds % 2 ? ns[rounds / 2] : (ns[rounds / 2 - 1] + ns[rounds / 2]) / 2);
	return 0;
}
