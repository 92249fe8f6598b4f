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

#define BENCH_SKIP 4
#define BENCH_IOVA (1ULL << 24)
#define BENCH_MAX_ROUNDS 1000

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-n PAIRS] [-r ROUNDS] [-p PAGES]\n"
		"  -n PAIRS   map+unmap pairs per round and side (default 5000)\n"
		"  -r ROUNDS  alternating library/raw rounds, at most 1000 (default 40)\n"
		"  -p PAGES   pages per mapping (default 1)\n",
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

/* Returns seconds for n pairs, or a negative errno. */
static double round_lib(struct iommufd_backend *be, uint32_t ioas, void *buf,
			uint64_t len, unsigned long n)
{
	double t0 = now_s();
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = iommufd_backend_map_dma(be, ioas, BENCH_IOVA, len, buf,
					      false);
		if (!ret)
			ret = iommufd_backend_unmap_dma(be, ioas, BENCH_IOVA,
							len);
		if (ret)
			return ret;
	}
	return now_s() - t0;
}

static double round_raw(int fd, uint32_t ioas, void *buf, uint64_t len,
			unsigned long n)
{
	double t0 = now_s();
	unsigned long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = raw_map(fd, ioas, BENCH_IOVA, buf, len);
		if (!ret)
			ret = raw_unmap(fd, ioas, BENCH_IOVA, len);
		if (ret)
			return ret;
	}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	unsigned long pairs = 5000, rounds = 40, pages = 1, r;
	double t_lib = 0, t_raw = 0, best_lib = 1e30, best_raw = 1e30, t;
	static double ratio[BENCH_MAX_ROUNDS];
	double round_t[2] = { 1, 1 };
	struct iommufd_backend *be;
	uint32_t ioas;
	uint64_t len;
	void *buf;
	int opt, fd, ret = 1;

	while ((opt = getopt(argc, argv, "n:r:p:h")) != -1) {
		switch (opt) {
		case 'n': pairs = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 'p': pages = strtoul(optarg, NULL, 0); break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (optind != argc || !pairs || !rounds || rounds > BENCH_MAX_ROUNDS ||
	    !pages) {
		usage(stderr, argv[0]);
		return 2;
	}

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV)) {
		printf("bench_backend: SKIP: /dev/iommu: %s (kernel without CONFIG_IOMMUFD?)\n",
		       strerror(errno));
		return BENCH_SKIP;
	}
	if (fd < 0) {
		perror("bench_backend: open /dev/iommu");
		return 1;
	}

	len = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	be = iommufd_backend_new();
	if (buf == MAP_FAILED || !be)
		return 1;
	/* One fd for both sides: the library gets it pre-opened. */
	if (iommufd_backend_set_fd(be, fd) || iommufd_backend_connect(be) ||
	    iommufd_backend_alloc_ioas(be, &ioas))
		goto out;

	/* Warm-up, not counted: first faults, slab caches, branch predictors. */
	if (round_lib(be, ioas, buf, len, pairs / 10 + 1) < 0 ||
	    round_raw(fd, ioas, buf, len, pairs / 10 + 1) < 0)
		goto out;

	for (r = 0; r < rounds; r++) {
		/* Alternate who goes first, so neither always follows the other. */
		int lib_first = !(r & 1), side;

		for (side = 0; side < 2; side++) {
			bool lib = side == 0 ? lib_first : !lib_first;

			t = lib ? round_lib(be, ioas, buf, len, pairs) :
				  round_raw(fd, ioas, buf, len, pairs);
			if (t < 0) {
				fprintf(stderr, "bench_backend: %s round %lu failed: %s\n",
					lib ? "library" : "raw", r, strerror((int)-t));
				goto out;
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

	printf("bench_backend: %lu rounds x %lu map+unmap pairs of %lu page(s), no domain attached\n",
	       rounds, pairs, pages);
	printf("  raw ioctl: %10.0f pairs/s  (best round %10.0f)\n",
	       rounds * pairs / t_raw, pairs / best_raw);
	printf("  library:   %10.0f pairs/s  (best round %10.0f)\n",
	       rounds * pairs / t_lib, pairs / best_lib);
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
	ret = 0;
out:
	iommufd_backend_disconnect(be);
	iommufd_backend_destroy(be);
	close(fd);
	return ret;
}
