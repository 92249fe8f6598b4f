// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Description: many threads on few backends, built with ThreadSanitizer by
 * "make -C tools/lib tsan": connect, disconnect, alloc_ioas, map_dma,
 * unmap_dma, free_id, and the report hooks (per backend and process-wide)
 * replaced while other threads report through them.
 *
 * Besides what TSan sees, it checks what a race would garble: every provoked
 * failure reaches exactly one hook, and each hook is called with the opaque
 * pointer it was installed with (a hook and an opaque read apart could pair
 * one hook with another's pointer).
 *
 * Needs an iommufd: /dev/iommu, or the userspace mock preloaded (the make
 * target does that). Exit: 0 clean, 1 a check failed, 4 no /dev/iommu.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iommufd/backend.h>

#define STRESS_SKIP 4
#define STRESS_BACKENDS 4
#define STRESS_IOVA (1ULL << 24)
/* An id no context of this test reaches: IOMMU_DESTROY answers ENOENT. */
#define STRESS_BOGUS_ID 0x7ffffff0u

/* What a hook checks its opaque against: it must be one of its own. */
struct stress_sink {
	const void *owner; /* the hook function this sink belongs to */
	unsigned long calls;
};

static struct stress_sink sinks_a[2], sinks_b[2];
static unsigned long total_reports, bad_pairs, bad_reports;
static unsigned int threads = 64, iterations = 200;
static struct iommufd_backend *backends[STRESS_BACKENDS];
static pthread_barrier_t start;

static void stress_check(const struct stress_sink *s, const void *self,
			 const char *op, int err)
{
	if (!s || s->owner != self)
		__atomic_add_fetch(&bad_pairs, 1, __ATOMIC_RELAXED);
	/* The only failures this test provokes. */
	if (!((!strcmp(op, "free_id") && err == ENOENT) ||
	      (!strcmp(op, "connect") && err == EINVAL)))
		__atomic_add_fetch(&bad_reports, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&total_reports, 1, __ATOMIC_RELAXED);
}

static void hook_a(void *opaque, enum iommufd_report_level level,
		   const char *op, int err, const char *msg)
{
	struct stress_sink *s = opaque;

	(void)level;
	(void)msg;
	stress_check(s, (const void *)hook_a, op, err);
	if (s)
		__atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
}

static void hook_b(void *opaque, enum iommufd_report_level level,
		   const char *op, int err, const char *msg)
{
	struct stress_sink *s = opaque;

	(void)level;
	(void)msg;
	stress_check(s, (const void *)hook_b, op, err);
	if (s)
		__atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
}

static void set_hook(struct iommufd_backend *be, unsigned int n)
{
	iommufd_report_fn fn = n & 1 ? hook_b : hook_a;
	struct stress_sink *s = n & 1 ? &sinks_b[(n >> 1) & 1] :
					&sinks_a[(n >> 1) & 1];

	if (be)
		iommufd_backend_set_report_fn(be, fn, s);
	else
		iommufd_report_set_fn(fn, s);
}

struct stress_thread {
	pthread_t tid;
	unsigned int index;
	void *buffer;
	size_t length;
	int failed; /* a call that must succeed did not */
};

static void *stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct iommufd_backend *be = backends[t->index % STRESS_BACKENDS];
	unsigned int i;
	uint32_t ioas;

	pthread_barrier_wait(&start);
	for (i = 0; i < iterations && !t->failed; i++) {
		/* Two threads in eight replace hooks while the rest report. */
		if (t->index % 8 == 0)
			set_hook(NULL, i + t->index);
		else if (t->index % 8 == 1)
			set_hook(be, i + t->index);

		if (iommufd_backend_connect(be)) {
			t->failed = 1;
			break;
		}
		if (iommufd_backend_alloc_ioas(be, &ioas) ||
		    iommufd_backend_map_dma(be, ioas, STRESS_IOVA, t->length,
					    t->buffer, i & 1) ||
		    iommufd_backend_unmap_dma(be, ioas, STRESS_IOVA, t->length) ||
		    iommufd_backend_free_id(be, ioas))
			t->failed = 1;
		/* Reported through the backend's hook: ENOENT. */
		if (iommufd_backend_free_id(be, STRESS_BOGUS_ID) != -ENOENT)
			t->failed = 1;
		/* Reported through the process hook: no backend, EINVAL. */
		if (iommufd_backend_connect(NULL) != -EINVAL)
			t->failed = 1;
		iommufd_backend_disconnect(be);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct stress_thread *ts;
	unsigned long expected;
	size_t page = sysconf(_SC_PAGESIZE);
	unsigned int i;
	int ret = 0;

	if (argc > 1)
		threads = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		iterations = strtoul(argv[2], NULL, 0);
	if (!threads || !iterations) {
		fprintf(stderr, "usage: %s [THREADS [ITERATIONS]]\n", argv[0]);
		return 2;
	}
	if (access("/dev/iommu", F_OK)) {
		printf("stress_threads: SKIP: no /dev/iommu (preload the mock: make -C tools/lib tsan)\n");
		return STRESS_SKIP;
	}
	for (i = 0; i < 2; i++) {
		sinks_a[i].owner = (const void *)hook_a;
		sinks_b[i].owner = (const void *)hook_b;
	}
	iommufd_report_set_fn(hook_a, &sinks_a[0]);
	for (i = 0; i < STRESS_BACKENDS; i++) {
		backends[i] = iommufd_backend_new();
		if (!backends[i])
			return 1;
		/* Half the backends report through the process hook throughout. */
		if (i & 1)
			iommufd_backend_set_report_fn(backends[i], hook_b,
						      &sinks_b[0]);
	}

	ts = calloc(threads, sizeof(*ts));
	if (!ts || pthread_barrier_init(&start, NULL, threads))
		return 1;
	for (i = 0; i < threads; i++) {
		ts[i].index = i;
		ts[i].length = 2 * page;
		ts[i].buffer = mmap(NULL, ts[i].length, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ts[i].buffer == MAP_FAILED ||
		    pthread_create(&ts[i].tid, NULL, stress_thread_fn, &ts[i])) {
			fprintf(stderr, "stress_threads: cannot start thread %u\n", i);
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(ts[i].tid, NULL);
		if (ts[i].failed) {
			fprintf(stderr, "stress_threads: thread %u: a call failed\n", i);
			ret = 1;
		}
		munmap(ts[i].buffer, ts[i].length);
	}
	for (i = 0; i < STRESS_BACKENDS; i++) {
		if (iommufd_backend_users(backends[i]) ||
		    iommufd_backend_destroy(backends[i])) {
			fprintf(stderr, "stress_threads: backend %u still has users\n", i);
			ret = 1;
		}
	}

	expected = 2ul * threads * iterations;
	if (total_reports != expected || bad_pairs || bad_reports) {
		fprintf(stderr,
			"stress_threads: %lu reports (expected %lu), %lu with another hook's opaque, %lu unexpected\n",
			total_reports, expected, bad_pairs, bad_reports);
		ret = 1;
	}
	printf("stress_threads: %u threads x %u iterations on %d backends: %lu reports, %s\n",
	       threads, iterations, STRESS_BACKENDS, total_reports,
	       ret ? "FAILED" : "ok");
	free(ts);
	return ret;
}
