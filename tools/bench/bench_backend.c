// SPDX-License-Identifier: GPL-2.0
/*
 * bench_backend: what libiommufd costs on top of the raw ioctls.
 *
 * Times N IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP pairs through
 * iommufd_backend_map_dma()/unmap_dma() and through bare ioctl() on the
 * same fd and IOAS, in alternating rounds so that frequency changes, cache
 * state and other tenants of the machine hit both sides alike. The IOAS has
 * no domain attached, so the kernel does not pin: the numbers are the
 * syscall plus iommufd's bookkeeping, where a library's overhead shows most.
 *
 * Then, where IOMMU_TEST_CMD offers a mock device, the same comparison for
 * IOMMU_HWPT_GET_DIRTY_BITMAP reads through get_dirty_bitmap() of a
 * dirty-tracking HWPT with the buffer mapped (-d 0 leaves it out).
 *
 * Exit: 0 measured, 1 error, 2 usage, 4 skipped (no /dev/iommu).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include <iommufd/backend.h>
#include "iommufd_test.h"

#define BENCH_SKIP 4
#define BENCH_IOVA (1ULL << 24)
#define BENCH_MAX_ROUNDS 1000

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-n PAIRS] [-r ROUNDS] [-p PAGES] [-d DIRTY_PAGES]\n"
		"  -n PAIRS   map+unmap pairs per round and side (default 5000)\n"
		"  -r ROUNDS  alternating library/raw rounds, at most 1000 (default 40)\n"
		"  -p PAGES   pages per mapping (default 1)\n"
		"  -d PAGES   pages of the dirty-bitmap reads, PAIRS/5 per round (default 512, 0: none)\n",
		prog);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int raw_map(int fd, uint32_t ioas, uint64_t iova, void *buf,
		   uint64_t len)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

static int raw_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd) ? -errno : 0;
}

/* What one round does, through the library or through bare ioctls. */
struct bench_ctx {
	struct iommufd_backend *be;
	int fd;
	uint32_t ioas, hwpt;
	void *buf;
	uint64_t len;
	uint64_t *bitmap;
	uint64_t io_page; /* the mock domain's IO page: half a CPU page */
	bool dirty; /* false: map+unmap pairs; true: dirty-bitmap reads */
};

static int raw_dirty(const struct bench_ctx *c)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = c->hwpt,
		.iova = BENCH_IOVA,
		.length = c->len,
		.page_size = c->io_page,
		.data = (uintptr_t)c->bitmap,
	};

	return ioctl(c->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd) ? -errno : 0;
}

/* Returns seconds for n operations, or a negative errno. */
static double round_run(const struct bench_ctx *c, bool lib, unsigned long n)
{
	double t0 = now_s();
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		if (c->dirty)
			ret = lib ? iommufd_backend_get_dirty_bitmap(c->be, c->hwpt,
					BENCH_IOVA, c->len, c->io_page,
					0, c->bitmap) :
				    raw_dirty(c);
		else if (lib) {
			ret = iommufd_backend_map_dma(c->be, c->ioas, BENCH_IOVA,
						      c->len, c->buf, false);
			if (!ret)
				ret = iommufd_backend_unmap_dma(c->be, c->ioas,
								BENCH_IOVA, c->len);
		} else {
			ret = raw_map(c->fd, c->ioas, BENCH_IOVA, c->buf, c->len);
			if (!ret)
				ret = raw_unmap(c->fd, c->ioas, BENCH_IOVA, c->len);
		}
		if (ret)
			return ret;
	}
	return now_s() - t0;
}

/*
 * Alternating library/raw rounds after an uncounted warm-up; prints the
 * rates and overheads. Returns 0, or -1 after a failed round.
 */
static int measure(const struct bench_ctx *c, const char *what,
		   unsigned long n, unsigned long rounds)
{
	double t_lib = 0, t_raw = 0, best_lib = 1e30, best_raw = 1e30, t;
	static double ratio[BENCH_MAX_ROUNDS];
	double round_t[2] = { 1, 1 };
	unsigned long r;

	/* Warm-up, not counted: first faults, slab caches, branch predictors. */
	if (round_run(c, true, n / 10 + 1) < 0 ||
	    round_run(c, false, n / 10 + 1) < 0)
		return -1;

	for (r = 0; r < rounds; r++) {
		/* Alternate who goes first, so neither always follows the other. */
		int lib_first = !(r & 1), side;

		for (side = 0; side < 2; side++) {
			bool lib = side == 0 ? lib_first : !lib_first;

			t = round_run(c, lib, n);
			if (t < 0) {
				fprintf(stderr, "bench_backend: %s round %lu failed: %s\n",
					lib ? "library" : "raw", r, strerror((int)-t));
				return -1;
			}
			round_t[lib] = t;
			if (lib) {
				t_lib += t;
				best_lib = t < best_lib ? t : best_lib;
			} else {
				t_raw += t;
				best_raw = t < best_raw ? t : best_raw;
			}
		}
		/* Each round pairs a library and a raw run made back to back. */
		ratio[r] = round_t[1] / round_t[0];
	}
	qsort(ratio, rounds, sizeof(ratio[0]), cmp_double);

	printf("bench_backend: %lu rounds x %lu %s\n", rounds, n, what);
	printf("  raw ioctl: %10.0f ops/s  (best round %10.0f)\n",
	       rounds * n / t_raw, n / best_raw);
	printf("  library:   %10.0f ops/s  (best round %10.0f)\n",
	       rounds * n / t_lib, n / best_lib);
	printf("  ratio library/raw time: %.4f  overhead: %+.2f%%  (best rounds: %+.2f%%)\n",
	       t_lib / t_raw, (t_lib / t_raw - 1) * 100,
	       (best_lib / best_raw - 1) * 100);
	/*
	 * The median of the per-round ratios resists what a shared or
	 * emulated machine does to a single round; it is the figure to quote.
	 */
	printf("  median per-round overhead: %+.2f%%  (quartiles %+.2f%% .. %+.2f%%)\n",
	       (ratio[rounds / 2] - 1) * 100, (ratio[rounds / 4] - 1) * 100,
	       (ratio[rounds * 3 / 4] - 1) * 100);
	return 0;
}

/*
 * A mock device on the IOAS, a dirty-tracking HWPT for it with tracking on
 * and the buffer mapped. Returns 0, or a reason to skip in why.
 */
static int dirty_setup(struct bench_ctx *c, char *why, size_t wlen)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = c->ioas,
	};

	if (ioctl(c->fd, IOMMU_TEST_CMD, &cmd)) {
		snprintf(why, wlen, "IOMMU_TEST_OP_MOCK_DOMAIN: %s (no CONFIG_IOMMUFD_TEST mock device)",
			 strerror(errno));
		return -1;
	}
	c->bitmap = calloc(c->len / c->io_page / 64 + 1, 8);
	if (!c->bitmap ||
	    iommufd_backend_alloc_hwpt(c->be, cmd.mock_domain.out_idev_id,
				       c->ioas, IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING,
				       0, 0, NULL, 0, &c->hwpt) ||
	    iommufd_backend_map_dma(c->be, c->ioas, BENCH_IOVA, c->len, c->buf,
				    false)) {
		snprintf(why, wlen, "dirty-tracking HWPT or its mapping failed (reported above)");
		return -1;
	}
	/* Move the mock device there: the domain then holds the mapping. */
	cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	cmd.id = cmd.mock_domain.out_stdev_id;
	cmd.mock_domain_replace.pt_id = c->hwpt;
	if (ioctl(c->fd, IOMMU_TEST_CMD, &cmd) ||
	    iommufd_backend_set_dirty_tracking(c->be, c->hwpt, true)) {
		snprintf(why, wlen, "mock domain replace or dirty tracking: %s", strerror(errno));
		return -1;
	}
	c->dirty = true;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long pairs = 5000, rounds = 40, pages = 1, dirty_pages = 512;
	struct bench_ctx c = { .fd = -1 };
	char what[160], why[160];
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "n:r:p:d:h")) != -1) {
		switch (opt) {
		case 'n': pairs = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'p': pages = strtoul(optarg, NULL, 0); break;
		case 'd': dirty_pages = strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc || !pairs || !rounds || rounds > BENCH_MAX_ROUNDS ||
	    !pages) {
		usage(stderr, argv[0]);
		return 2;
	}

	c.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c.fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV)) {
		printf("bench_backend: SKIP: /dev/iommu: %s (kernel without CONFIG_IOMMUFD?)\n",
		       strerror(errno));
		return BENCH_SKIP;
	}
	if (c.fd < 0) {
		perror("bench_backend: open /dev/iommu");
		return 1;
	}

	c.len = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	c.io_page = sysconf(_SC_PAGESIZE) / 2;
	c.buf = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	c.be = iommufd_backend_new();
	if (c.buf == MAP_FAILED || !c.be)
		return 1;
	/* One fd for both sides: the library gets it pre-opened. */
	if (iommufd_backend_set_fd(c.be, c.fd) || iommufd_backend_connect(c.be) ||
	    iommufd_backend_alloc_ioas(c.be, &c.ioas))
		goto out;

	snprintf(what, sizeof(what),
		 "map+unmap pairs of %lu page(s), no domain attached", pages);
	if (measure(&c, what, pairs, rounds))
		goto out;

	if (dirty_pages) {
		munmap(c.buf, c.len);
		c.len = dirty_pages * (uint64_t)sysconf(_SC_PAGESIZE);
		c.buf = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (c.buf == MAP_FAILED)
			goto out;
		if (dirty_setup(&c, why, sizeof(why))) {
			printf("bench_backend: dirty-bitmap reads skipped: %s\n", why);
		} else {
			snprintf(what, sizeof(what),
				 "dirty-bitmap reads of %lu page(s) (%lu bits), mock domain",
				 dirty_pages, (unsigned long)(c.len / c.io_page));
			if (measure(&c, what, pairs / 5 + 1, rounds))
				goto out;
		}
	}
	ret = 0;
out:
	iommufd_backend_disconnect(c.be);
	iommufd_backend_destroy(c.be);
	free(c.bitmap);
	close(c.fd);
	return ret;
}
