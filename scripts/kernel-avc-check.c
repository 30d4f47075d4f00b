/*
 * kernel-avc-check.c - count the anon_vma and anon_vma_chain objects the
 * running Linux kernel allocates for three process trees, so that
 * rmapbench's anonvma-avc strategy can be checked against the real thing.
 * Built and driven by scripts/kernel-avc-check.sh; see that script for the
 * comparison and the expected formulas.
 *
 * Usage: kernel-avc-check -t live|siblings|exitchain|idle -v VMAS -d DEPTH
 *                         [-r RUNS] [-p PAGES] [-s] [-a ADDR]
 *
 * One "measurer" process (this program's main process, M) does, per run:
 *
 *   1. sample anon_vma and anon_vma_chain active_objs in /proc/slabinfo;
 *   2. fork P0, which maps VMAS private anonymous VMAs of PAGES pages at
 *      ADDR + i*(PAGES+1) pages (one unmapped page between neighbours, so
 *      they can neither merge nor share an anon_vma: find_mergeable_anon_vma
 *      only looks at VMAs that touch), writes one byte in every page (the
 *      first write fault runs anon_vma_prepare: one anon_vma and one chain
 *      per VMA), then builds the tree:
 *        live      P0 forks P1, P1 forks P2, ... P(D-1) forks PD; all stay;
 *        siblings  P0 forks P1..PD; all stay;
 *        exitchain P0 forks P1 and exits, P1 (once P0 is gone) forks P2 and
 *                  exits, ...; only PD lives;
 *        idle      nothing (P0 only signals ready): measures the noise of a
 *                  sample pair with nothing of ours in between;
 *   3. wait until the tree is complete and sample again ("during");
 *   4. release the tree (close the hold pipe), reap every process, and
 *      sample a third time ("after": should be back to "before"; the
 *      difference is noise, or a leak).
 *
 * It prints one line per run:
 *   RUN i av_before av_during av_after avc_before avc_during avc_after
 * and the script combines the runs' deltas (the most frequent pair, else
 * the medians).
 *
 * With -s it writes 1 to /sys/kernel/slab/{anon_vma,anon_vma_chain}/shrink
 * just before each sample. SLUB counts every object of a per-cpu slab (and
 * of per-cpu partial slabs) as active, so active_objs is "in use, plus the
 * free objects sitting in per-cpu slabs"; shrinking flushes the per-cpu
 * slabs back to the node lists, which makes active_objs the exact number
 * in use at that instant (other processes' allocations in the short window
 * before the read are the only noise left). It is harmless: it only gives
 * empty slab pages back.
 *
 * Safety: every process this program creates dies with it. M is a child
 * subreaper, so orphans of the exit chain are reparented to M (and reaped
 * by it); every tree process blocks in read() on a "hold" pipe whose only
 * write end M owns, so M's exit (normal or killed) gives them EOF; each
 * process also sets PR_SET_PDEATHSIG(SIGKILL) against its parent (live
 * chain, siblings) or against M once reparented (exit chain), so a killed
 * parent takes its children with it. The script additionally runs this
 * program in its own process group and kills that group on exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

enum tree { LIVE, SIBLINGS, EXITCHAIN, IDLE };

static enum tree tree = LIVE;
static long nvmas = 20, depth = 100, runs = 5, pages = 2;
static int shrink;
/* Far from the heap (0x55.., 0x56..) and the mmap area (0x7f..) of an
 * x86-64 process, and the same address the generated rmaptrace uses. */
static uintptr_t base = 0x100000000000UL;
static long pagesz;

static pid_t measurer;
static int hold_rd = -1, hold_wr = -1, ready_rd = -1, ready_wr = -1;

struct sample {
	long av, avc;
};

static void die(const char *what)
{
	fprintf(stderr, "kernel-avc-check: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A tree process that fails tells M through the ready pipe ('E') and
 * exits; M then aborts the run. */
static void child_fail(const char *what)
{
	char c = 'E';
	fprintf(stderr, "kernel-avc-check[%d]: %s: %s\n", (int)getpid(), what,
		strerror(errno));
	if (ready_wr >= 0 && write(ready_wr, &c, 1) < 0) {
		/* nothing more we can do */
	}
	_exit(1);
}

static void write_shrink(const char *cache)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "/sys/kernel/slab/%s/shrink", cache);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		die(path);
	if (write(fd, "1", 1) != 1)
		die(path);
	close(fd);
}

/* Reads the active_objs column of the two caches. The line format is
 * "name active_objs num_objs objsize objperslab pagesperslab : ...". */
static struct sample read_slab_once(void)
{
	struct sample s = { -1, -1 };
	char line[512], name[64];
	long active;
	FILE *f;

	if (shrink) {
		write_shrink("anon_vma");
		write_shrink("anon_vma_chain");
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		die("/proc/slabinfo");
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		if (strcmp(name, "anon_vma") == 0)
			s.av = active;
		else if (strcmp(name, "anon_vma_chain") == 0)
			s.avc = active;
	}
	fclose(f);
	if (s.av < 0 || s.avc < 0) {
		fprintf(stderr, "kernel-avc-check: no anon_vma/anon_vma_chain "
				"line in /proc/slabinfo\n");
		exit(1);
	}
	return s;
}

/* With -s, shrink-and-read until two reads in a row agree (at most 10).
 * On 6.18 the first read of a process was sometimes ~90 anon_vma and
 * ~60-160 chain objects higher than a second shrink-and-read 2 ms later
 * (not every time: other processes' activity, or frees still in flight
 * on another cpu); requiring agreement skips such a read, and a read
 * that raced with another process's fork or exit. Without -s one raw
 * read is taken: per-cpu slabs make it noisy anyway. */
static struct sample read_slab(void)
{
	struct sample prev, cur;

	cur = read_slab_once();
	if (!shrink)
		return cur;
	for (int i = 0; i < 10; i++) {
		prev = cur;
		cur = read_slab_once();
		if (cur.av == prev.av && cur.avc == prev.avc)
			break;
	}
	return cur;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&ts, NULL);
}

/* Called first thing in every forked tree process: die with the parent
 * (which must still be `parent`, else it died before prctl took effect). */
static void die_with(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		_exit(1);
}

/* Blocks until M closes the hold pipe (or dies), then exits. Nothing here
 * touches memory that would COW or fault in a new anon_vma. A holder lets
 * go of the ready pipe first: if the process that is to signal "ready"
 * dies, M then sees EOF instead of waiting for ever. */
static void hold(void)
{
	char c;
	close(ready_wr);
	while (read(hold_rd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void signal_ready(void)
{
	char c = 'R';
	if (write(ready_wr, &c, 1) != 1)
		child_fail("write(ready)");
}

/* P0's setup: VMAS separate anonymous VMAs, every page written. */
static void map_vmas(void)
{
	size_t stride = (size_t)(pages + 1) * pagesz;
	size_t len = (size_t)pages * pagesz;
	/* The whole span plus one guard page on each side must be free, so
	 * that no existing VMA touches the first or the last of ours (a
	 * touching anonymous neighbour could lend it its anon_vma). Claim it
	 * with MAP_FIXED_NOREPLACE to check, then give it back. */
	size_t span = (size_t)nvmas * stride + pagesz;
	void *g = mmap((void *)(base - pagesz), span, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (g == MAP_FAILED || g != (void *)(base - pagesz))
		child_fail("address range for the VMAs is not free");
	if (munmap(g, span) != 0)
		child_fail("munmap(guard)");

	for (long i = 0; i < nvmas; i++) {
		char *a = (char *)(base + i * stride);
		void *p = mmap(a, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);
		if (p != a)
			child_fail("mmap(VMA)");
	}
	for (long i = 0; i < nvmas; i++)
		for (long j = 0; j < pages; j++)
			((volatile char *)(base + i * stride))[j * pagesz] = 1;
}

/* The exit-chain step: wait until our parent has exited (we have been
 * reparented to the subreaper M), then arm PDEATHSIG against M. Waiting
 * makes the order of events fork, exit, fork, exit... as in the trace; the
 * parent's mm has been torn down (exit_mm) before it is reparented away
 * from us (exit_notify). */
static void wait_orphaned(pid_t parent)
{
	pid_t pp;

	for (long n = 0; (pp = getppid()) == parent; n++) {
		if (n > 200000) /* ~10 s: something is wrong */
			child_fail("parent did not exit");
		sleep_us(50);
	}
	/* Reparented elsewhere than M: M has gone too. */
	if (pp != measurer)
		_exit(1);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		child_fail("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != measurer)
		_exit(1);
}

/* Runs in P0, which never returns. */
static void build_tree(void)
{
	pid_t self, pid;

	if (nvmas > 0)
		map_vmas();

	switch (tree) {
	case IDLE:
		signal_ready();
		hold();
		break;
	case LIVE:
		for (long k = 0; k < depth; k++) {
			self = getpid();
			pid = fork();
			if (pid < 0)
				child_fail("fork");
			if (pid > 0)
				hold(); /* P_k stays, blocked */
			die_with(self);
			/* now P_(k+1) */
		}
		signal_ready(); /* P_D: every fork has completed */
		hold();
		break;
	case SIBLINGS:
		self = getpid();
		for (long k = 0; k < depth; k++) {
			pid = fork();
			if (pid < 0)
				child_fail("fork");
			if (pid == 0) {
				die_with(self);
				hold();
			}
		}
		signal_ready(); /* fork() returned: the copies are done */
		hold();
		break;
	case EXITCHAIN:
		for (long k = 0; k < depth; k++) {
			self = getpid();
			pid = fork();
			if (pid < 0)
				child_fail("fork");
			if (pid > 0)
				_exit(0); /* P_k exits right after its fork */
			wait_orphaned(self);
		}
		signal_ready();
		hold();
		break;
	}
	_exit(0);
}

static void reap_all(void)
{
	/* Every process of the tree is M's child or was reparented to M,
	 * so waiting until ECHILD waits for all of them. The alarm is a last
	 * resort: M dies, and the hold pipe and PDEATHSIG take the rest. */
	alarm(30);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	alarm(0);
}

static struct sample before, during, after;

static int one_run(void)
{
	int hp[2], rp[2];
	pid_t p0;
	char c;
	ssize_t n;

	if (pipe2(hp, O_CLOEXEC) != 0 || pipe2(rp, O_CLOEXEC) != 0)
		die("pipe");
	hold_rd = hp[0];
	hold_wr = hp[1];
	ready_rd = rp[0];
	ready_wr = rp[1];

	before = read_slab();
	p0 = fork();
	if (p0 < 0)
		die("fork");
	if (p0 == 0) {
		close(hold_wr); /* only M may hold it: EOF when M goes */
		close(ready_rd);
		die_with(measurer);
		build_tree();
	}
	close(ready_wr);
	close(hold_rd);

	alarm(120); /* last resort, as in reap_all */
	n = read(ready_rd, &c, 1);
	while (n < 0 && errno == EINTR)
		n = read(ready_rd, &c, 1);
	alarm(0);
	if (n != 1 || c != 'R') {
		fprintf(stderr, "kernel-avc-check: the tree %s\n",
			n == 1 ? "reported an error" : "died before it was ready");
		close(hold_wr);
		reap_all();
		return -1;
	}
	during = read_slab();

	close(hold_wr); /* release the tree */
	reap_all();
	close(ready_rd);
	/* Exits free their objects synchronously (exit_mmap), but give RCU
	 * and the last reaped task a moment before the closing sample. */
	sleep_us(20000);
	after = read_slab();
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: kernel-avc-check -t live|siblings|exitchain|idle "
			"-v VMAS -d DEPTH [-r RUNS] [-p PAGES] [-s] [-a ADDR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "t:v:d:r:p:sa:")) != -1) {
		switch (opt) {
		case 't':
			if (!strcmp(optarg, "live"))
				tree = LIVE;
			else if (!strcmp(optarg, "siblings"))
				tree = SIBLINGS;
			else if (!strcmp(optarg, "exitchain"))
				tree = EXITCHAIN;
			else if (!strcmp(optarg, "idle"))
				tree = IDLE;
			else
				usage();
			break;
		case 'v': nvmas = atol(optarg); break;
		case 'd': depth = atol(optarg); break;
		case 'r': runs = atol(optarg); break;
		case 'p': pages = atol(optarg); break;
		case 's': shrink = 1; break;
		case 'a': base = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	pagesz = sysconf(_SC_PAGESIZE);
	if (optind != argc || nvmas < 0 || depth < 0 || runs < 1 || pages < 1 ||
	    base % pagesz || base < (uintptr_t)pagesz)
		usage();

	measurer = getpid();
	/* Orphans of the exit chain come to us, not to init: we can reap
	 * them, and they can tell that their parent has gone. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die("prctl(PR_SET_CHILD_SUBREAPER)");
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (long i = 0; i < runs; i++) {
		if (one_run() != 0)
			return 1;
		printf("RUN %ld %ld %ld %ld %ld %ld %ld\n", i, before.av,
		       during.av, after.av, before.avc, during.avc, after.avc);
	}
	return 0;
}
