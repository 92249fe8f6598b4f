// SPDX-License-Identifier: GPL-2.0
/*
 * Description: map+unmap rate of one IOAS that already holds N mappings,
 * for N = 1e3, 1e5, 1e6 (or the Ns given as arguments). Whatever /dev/iommu
 * the process opens is measured: the kernel's, or the userspace mock's when
 * run as LD_PRELOAD=libiommufd_mock.so bench_mock (make -C tools/mock bench).
 * Running both in the same guest compares the two.
 *
 * For each N: N one-page mappings at fixed IOVAs two pages apart, then
 *   fixed:  map one page into a random hole at a fixed IOVA, unmap it;
 *   auto:   map one page at a kernel-chosen IOVA, unmap it;
 *   domain: the fixed pair again with a mock domain attached (pins pages),
 *           if IOMMU_TEST_CMD is there.
 * Per-op cost that grows no faster than log2(N) shows as a flat ns/log2(N).
 * Exit 4 (skip) when /dev/iommu cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#define BENCH_SKIP 4
/* Mappings start inside the mock domain's aperture. */
#define BENCH_BASE (1ULL << 24)
#define BENCH_OPS 20000

static size_t psize;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int map_page(int fd, uint32_t ioas, void *buf, uint64_t *iova,
		    bool fixed)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE |
			 (fixed ? IOMMU_IOAS_MAP_FIXED_IOVA : 0),
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = psize,
		.iova = fixed ? *iova : 0,
	};
	int rc = ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	*iova = cmd.iova;
	return rc;
}

static int unmap_page(int fd, uint32_t ioas, uint64_t iova)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = psize,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_mock: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ns per map+unmap pair; fixed IOVAs go into the holes between mappings. */
static double measure(int fd, uint32_t ioas, void *buf, uint64_t n, bool fixed)
{
	uint64_t seed = 88172645463325252ULL;
	double t0 = now_ns();

	for (int i = 0; i < BENCH_OPS; i++) {
		uint64_t iova;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		iova = BENCH_BASE + (2 * (seed % n) + 1) * psize;
		if (map_page(fd, ioas, buf, &iova, fixed))
			die("map");
		if (unmap_page(fd, ioas, iova))
			die("unmap");
	}
	return (now_ns() - t0) / BENCH_OPS;
}

static bool attach_mock_domain(int fd, uint32_t ioas, uint32_t *stdev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return false;
	*stdev = cmd.mock_domain.out_stdev_id;
	return true;
}

static void bench_one(int fd, void *buf, uint64_t n)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	double fixed, autoiova, domain = NAN, t0, fill;
	uint32_t stdev;

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOAS_ALLOC");
	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t iova = BENCH_BASE + 2 * i * psize;

		if (map_page(fd, alloc.out_ioas_id, buf, &iova, true))
			die("fill map");
	}
	fill = (now_ns() - t0) / n;
	measure(fd, alloc.out_ioas_id, buf, n, true);	/* warm up */
	fixed = measure(fd, alloc.out_ioas_id, buf, n, true);
	autoiova = measure(fd, alloc.out_ioas_id, buf, n, false);
	if (attach_mock_domain(fd, alloc.out_ioas_id, &stdev)) {
		domain = measure(fd, alloc.out_ioas_id, buf, n, true);
		destroy.id = stdev;
		if (ioctl(fd, IOMMU_DESTROY, &destroy))
			die("DESTROY mock device");
	}
	printf("%9llu %10.0f %10.0f %10.0f ", (unsigned long long)n, fill, fixed,
	       autoiova);
	/* Past 2 GiB of IOVA the mock domain's aperture cannot take them. */
	if (isnan(domain))
		printf("%10s", "-");
	else
		printf("%10.0f", domain);
	printf(" %12.1f %12.0f\n", fixed / log2((double)n), 1e9 / fixed);
	fflush(stdout);
	destroy.id = alloc.out_ioas_id;
	if (ioctl(fd, IOMMU_DESTROY, &destroy))
		die("DESTROY ioas");
}

int main(int argc, char **argv)
{
	uint64_t defaults[] = { 1000, 100000, 1000000 };
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	const char *mock = getenv("LD_PRELOAD");
	void *buf;

	if (fd < 0) {
		printf("# SKIP bench_mock: /dev/iommu: %s\n", strerror(errno));
		return BENCH_SKIP;
	}
	psize = sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	printf("# /dev/iommu: %s\n",
	       mock && strstr(mock, "libiommufd_mock") ? "userspace mock" :
							 "kernel");
	printf("# ns per map+unmap pair of one page, %d pairs each, "
	       "N existing one-page mappings\n", BENCH_OPS);
	printf("%9s %10s %10s %10s %10s %12s %12s\n", "N", "fill/map",
	       "fixed", "auto", "domain", "fixed/lg2N", "pairs/s");
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bench_one(fd, buf, strtoull(argv[i], NULL, 0));
	} else {
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
			bench_one(fd, buf, defaults[i]);
	}
	close(fd);
	return 0;
}
