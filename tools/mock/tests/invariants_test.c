// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the invariant checker (src/invariants.c) passes a healthy
 * context and names each kind of damage done to one on purpose: a users
 * count, the object count, an interval tree's max-gap augmentation, a
 * pinned page count, and a pin left after the last context is gone.
 * Links the mock's objects (no interposition): ioctls go through
 * src/iommufd_mock_fd.h like the fuzzer's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"
#include "invariants.h"

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "invariants_test: %s:%d: ", __func__, \
				__LINE__);                                   \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			failures++;                                          \
		}                                                            \
	} while (0)

static int mock_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret = -1;

	if (!iommufd_mock_fd_ioctl(fd, cmd, arg, &ret))
		return -1;
	return ret;
}

/* The check fails naming what; then the damage is undone by the caller. */
static void expect_broken(struct iommufd_ctx *ictx, const char *what)
{
	char why[256] = "";

	CHECK(iommufd_mock_check_ctx(ictx, why, sizeof(why)) == -1 &&
		      strstr(why, what),
	      "wanted a report of '%s', got '%s'", what, why);
}

int main(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE), len = 4 * ps;
	uint8_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd dom = {
		.size = sizeof(dom), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.length = len,
	};
	struct iommufd_ioas *ioas;
	struct iopt_area *area;
	struct iommufd_ctx *ictx;
	char why[256] = "";
	int fd;

	fd = iommufd_mock_fd_open(true);
	CHECK(fd >= 0 && buf != MAP_FAILED, "open or mmap failed");
	if (fd < 0 || buf == MAP_FAILED)
		return 1;
	ictx = iommufd_file_private(fd, &iommufd_fops);
	CHECK(!mock_ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), "IOAS_ALLOC");
	dom.id = alloc.out_ioas_id;
	CHECK(!mock_ioctl(fd, IOMMU_TEST_CMD, &dom), "MOCK_DOMAIN");
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	CHECK(!mock_ioctl(fd, IOMMU_IOAS_MAP, &map), "IOAS_MAP");
	CHECK(!iommufd_mock_check_fd(fd, why, sizeof(why)),
	      "a healthy context fails: %s", why);

	ioas = iommufd_get_ioas(ictx, alloc.out_ioas_id);
	area = to_iopt_area(itree_min(&ioas->iopt.used));
	while (area && area->kind != IOPT_USED_AREA)
		area = to_iopt_area(itree_succ(&area->node));
	CHECK(ioas && area, "no IOAS or no area");
	if (!ioas || !area)
		return 1;

	ioas->obj.users++;
	expect_broken(ictx, "users");
	ioas->obj.users--;

	ictx->nobjs++;
	expect_broken(ictx, "nobjs");
	ictx->nobjs--;

	area->node.sub_max_gap++;
	expect_broken(ictx, "max gap");
	area->node.sub_max_gap--;

	area->pages->npinned--;
	expect_broken(ictx, "npinned");
	area->pages->npinned++;

	CHECK(!iommufd_mock_check_ctx(ictx, why, sizeof(why)),
	      "undoing the damage did not heal it: %s", why);
	CHECK(iommufd_mock_check_unpinned((uintptr_t)buf, len, why,
					  sizeof(why)) == -1,
	      "a domain's pins went unseen");

	iommufd_mock_fd_close(fd);
	close(fd);
	CHECK(!iommufd_mock_check_unpinned((uintptr_t)buf, len, why,
					   sizeof(why)),
	      "pins left after the last close: %s", why);
	if (failures) {
		printf("not ok invariants_test: %d failures\n", failures);
		return 1;
	}
	printf("ok invariants_test\n");
	return 0;
}
