// SPDX-License-Identifier: GPL-2.0
/*
 * Description: many threads and forks on shared mock contexts, for
 * ThreadSanitizer ("make -C tools/mock tsan" builds the mock and this test
 * with -fsanitize=thread and runs it with the mock preloaded). Four phases,
 * each started on a barrier so the threads collide:
 *
 *   open_close   each thread opens its own context, allocates, destroys,
 *                closes: every fresh context hands out id 1 (no state leaks
 *                between contexts that share the fd table and the lock);
 *   map_unmap    one context, one IOAS with a mock domain (so every map pins
 *                and fills the domain): each thread maps and unmaps its own
 *                slice and checks the domain's translation in between, one
 *                thread unmaps a window nothing maps (ENOENT every time);
 *                afterwards no page is left pinned;
 *   dup_close    threads dup, dup2 and F_DUPFD the shared fd, use and close
 *                their copies while the main thread closes the original: the
 *                context lives while any copy does, and is released (its
 *                memfd closed) with the last;
 *   fork_map     threads map and unmap while another forks: each child uses
 *                the inherited fd (the parent's context, shared as the
 *                kernel's struct file is) while the parent's threads go on,
 *                and must exit on its own: a fork while a thread holds the
 *                mock's lock must not leave the child waiting for ever.
 *
 * Besides what TSan reports, every return value is checked. A deadlock is
 * caught by alarm(). Exit: 0 clean, 1 a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "check.h"

#define RACE_THREADS_MAX 64
/* Slices each thread maps: PAGES pages at IOVA RACE_IOVA + i * RACE_SLICE. */
#define RACE_PAGES 4
#define RACE_SLICE (1ULL << 24)
#define RACE_IOVA (1ULL << 24)
/* A window no thread maps: unmapping it is ENOENT whatever the others do. */
#define RACE_EMPTY_IOVA (RACE_IOVA + (RACE_THREADS_MAX + 1) * RACE_SLICE)
#define RACE_DUP_FD_BASE 700

static unsigned int threads = 16, rounds = 100;
static pthread_barrier_t start;
static size_t page;

/* ---- the raw ioctls ---- */

static int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	*id = rc ? 0 : cmd.out_ioas_id;
	return rc;
}

static int destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static int map_fixed(int fd, __u32 ioas, void *buf, size_t len, __u64 iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static int unmap(int fd, __u32 ioas, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.length = len,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
}

static int mock_domain(int fd, __u32 ioas, __u32 *stdev_id, __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};
	int rc = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	*stdev_id = rc ? 0 : cmd.mock_domain.out_stdev_id;
	*hwpt_id = rc ? 0 : cmd.mock_domain.out_hwpt_id;
	return rc;
}

static int check_map(int fd, __u32 hwpt, __u64 iova, void *buf, size_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = { .iova = iova, .length = len,
			       .uptr = (uintptr_t)buf },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int check_refs(int fd, void *buf, size_t len, unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd), .op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = len, .uptr = (uintptr_t)buf,
				.refs = refs },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

/* ---- the phases ---- */

struct worker {
	pthread_t thread;
	unsigned int index;
	int fd;
	__u32 ioas, hwpt;
	char *buf;
};

static struct worker workers[RACE_THREADS_MAX];

static void *open_close(void *arg)
{
	struct worker *w = arg;
	unsigned int r;
	__u32 id;

	pthread_barrier_wait(&start);
	for (r = 0; r != rounds; r++) {
		int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

		CHECK(fd >= 0, "thread %u: open", w->index);
		if (fd < 0)
			continue;
		CHECK(!ioas_alloc(fd, &id) && id == 1,
		      "thread %u: a fresh context's first id is %u", w->index,
		      id);
		CHECK(!destroy(fd, id), "thread %u: destroy", w->index);
		CHECK(!close(fd), "thread %u: close", w->index);
	}
	return NULL;
}

/* Maps, checks the domain's translation, unmaps its own slice. */
static void map_unmap_rounds(struct worker *w)
{
	__u64 iova = RACE_IOVA + w->index * RACE_SLICE;
	size_t len = RACE_PAGES * page;
	unsigned int r;

	for (r = 0; r != rounds; r++) {
		CHECK(!map_fixed(w->fd, w->ioas, w->buf, len, iova),
		      "thread %u: map", w->index);
		CHECK(!check_map(w->fd, w->hwpt, iova, w->buf, len),
		      "thread %u: the domain translates the slice", w->index);
		CHECK(!unmap(w->fd, w->ioas, iova, len),
		      "thread %u: unmap", w->index);
	}
}

static void *map_unmap(void *arg)
{
	struct worker *w = arg;
	unsigned int r;

	pthread_barrier_wait(&start);
	if (w->index)
		map_unmap_rounds(w);
	else
		for (r = 0; r != rounds; r++)
			CHECK(unmap(w->fd, w->ioas, RACE_EMPTY_IOVA, page) &&
			      errno == ENOENT,
			      "unmap of a window nothing maps is ENOENT");
	return NULL;
}

static void *dup_close(void *arg)
{
	struct worker *w = arg;
	unsigned int r;
	__u32 id;

	/* w->fd: this thread's own copy, taken before the original closes. */
	pthread_barrier_wait(&start);
	for (r = 0; r != rounds; r++) {
		int d;

		switch (r % 3) {
		case 0:
			d = dup(w->fd);
			break;
		case 1:
			d = dup2(w->fd, RACE_DUP_FD_BASE + w->index);
			break;
		default:
			/* Above every thread's dup2() slot: never closed
			 * under another thread by its dup2(). */
			d = fcntl(w->fd, F_DUPFD_CLOEXEC,
				  RACE_DUP_FD_BASE + RACE_THREADS_MAX);
			break;
		}
		CHECK(d >= 0, "thread %u: dup #%u", w->index, r % 3);
		if (d < 0)
			continue;
		CHECK(!ioas_alloc(d, &id), "thread %u: alloc through a copy",
		      w->index);
		CHECK(!destroy(w->fd, id),
		      "thread %u: the copies share one context", w->index);
		CHECK(!close(d), "thread %u: close of a copy", w->index);
	}
	CHECK(!close(w->fd), "thread %u: close of its own copy", w->index);
	return NULL;
}

static void *fork_map(void *arg)
{
	struct worker *w = arg;
	unsigned int r;

	pthread_barrier_wait(&start);
	if (w->index) {
		map_unmap_rounds(w);
		return NULL;
	}
	for (r = 0; r != rounds / 10 + 1; r++) {
		int status = -1;
		pid_t pid = fork();
		__u32 id;

		if (!pid) {
			/*
			 * The parent's context (README.md, "fork"), beside
			 * the parent's threads: an IOAS of its own in it, gone
			 * again before the child is. It must not hang on a
			 * lock some parent thread held at fork().
			 */
			alarm(20);
			_exit(ioas_alloc(w->fd, &id) ||
			      map_fixed(w->fd, id, w->buf, page,
					RACE_EMPTY_IOVA) ||
			      unmap(w->fd, id, 0, UINT64_MAX) ||
			      destroy(w->fd, id) ? 1 : 0);
		}
		CHECK(pid > 0, "fork");
		if (pid <= 0)
			continue;
		CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status),
		      "child %d of round %u ended with status 0x%x", pid, r,
		      status);
	}
	return NULL;
}

static void run_phase(const char *name, void *(*fn)(void *))
{
	unsigned int i;

	pthread_barrier_init(&start, NULL, threads);
	for (i = 0; i != threads; i++)
		CHECK(!pthread_create(&workers[i].thread, NULL, fn,
				      &workers[i]),
		      "%s: pthread_create", name);
	for (i = 0; i != threads; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_barrier_destroy(&start);
	printf("race_test: %-10s %u threads x %u rounds, %lu failures so far\n",
	       name, threads, rounds, failures);
}

/* One context, one IOAS with a mock domain, shared by every worker. */
static void shared_context(int *fd, __u32 *ioas, __u32 *stdev, char *buf)
{
	__u32 hwpt;
	unsigned int i;

	*fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	CHECK(*fd >= 0, "open");
	CHECK(!ioas_alloc(*fd, ioas), "ioas_alloc");
	CHECK(!mock_domain(*fd, *ioas, stdev, &hwpt), "mock domain");
	for (i = 0; i != threads; i++)
		workers[i] = (struct worker){
			.index = i, .fd = *fd, .ioas = *ioas, .hwpt = hwpt,
			.buf = buf + (size_t)i * RACE_PAGES * page,
		};
}

static void on_alarm(int sig)
{
	static const char msg[] = "race_test: still running after the "
				  "deadline: a deadlock\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

int main(int argc, char **argv)
{
	int opt, fd, fds_before;
	unsigned int i;
	__u32 ioas, stdev;
	char *buf;

	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		switch (opt) {
		case 't':
			threads = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-t threads (2..%d)] "
				"[-r rounds]\n", argv[0], RACE_THREADS_MAX);
			return 2;
		}
	}
	if (threads < 2 || threads > RACE_THREADS_MAX || !rounds) {
		fprintf(stderr, "race_test: -t must be 2..%d, -r at least 1\n",
			RACE_THREADS_MAX);
		return 2;
	}
	signal(SIGALRM, on_alarm);
	alarm(600);
	page = sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, (size_t)threads * RACE_PAGES * page,
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("race_test: mmap");
		return 1;
	}
	memset(buf, 0x5a, (size_t)threads * RACE_PAGES * page);
	fds_before = count_fds();

	run_phase("open_close", open_close);

	shared_context(&fd, &ioas, &stdev, buf);
	run_phase("map_unmap", map_unmap);
	CHECK(!check_refs(fd, buf, (size_t)threads * RACE_PAGES * page, 0),
	      "no page stays pinned after every slice is unmapped");
	CHECK(!close(fd), "close");

	shared_context(&fd, &ioas, &stdev, buf);
	for (i = 0; i != threads; i++) {
		workers[i].fd = dup(fd);
		CHECK(workers[i].fd >= 0, "dup for thread %u", i);
	}
	/* The original goes first: the copies keep the context alive. */
	CHECK(!close(fd), "close of the original");
	run_phase("dup_close", dup_close);
	CHECK(count_fds() == fds_before,
	      "the context is released with its last fd (%d fds, %d before)",
	      count_fds(), fds_before);

	shared_context(&fd, &ioas, &stdev, buf);
	run_phase("fork_map", fork_map);
	CHECK(!check_refs(fd, buf, (size_t)threads * RACE_PAGES * page, 0),
	      "no page stays pinned after forks and unmaps");
	CHECK(!close(fd), "close");
	CHECK(count_fds() == fds_before, "no fd leaked (%d, %d before)",
	      count_fds(), fds_before);

	munmap(buf, (size_t)threads * RACE_PAGES * page);
	printf("race_test: %s\n", failures ? "FAILED" : "clean");
	return failures ? 1 : 0;
}
