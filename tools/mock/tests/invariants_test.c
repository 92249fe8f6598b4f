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
#include "check.h"

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

/* Hold on id dropped: the check names it; then the hold comes back. */
static void expect_hold(struct iommufd_ctx *ictx, uint32_t id,
			const char *what)
{
	struct iommufd_object *obj = ictx->objs[id];

	obj->users--;
	expect_broken(ictx, "holders");
	if (failures)
		fprintf(stderr, "invariants_test: (%s)\n", what);
	obj->users++;
}

/*
 * The holds of the vIOMMU family: a vIOMMU held by its vEVENTQ and its two HW queues,
 * HW queue 0 by queue 1, the vEVENTQ by its fd.
 */
static void check_viommu_holds(int fd, struct iommufd_ctx *ictx, uint32_t ioas_id,
			   uint64_t iova, size_t ps)
{
	struct iommu_test_cmd dom = {
		.size = sizeof(dom), .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = ioas_id,
	};
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.pt_id = ioas_id,
	};
	struct iommu_viommu_alloc viommu = {
		.size = sizeof(viommu), .type = IOMMU_VIOMMU_TYPE_SELFTEST,
	};
	struct iommu_veventq_alloc veventq = {
		.size = sizeof(veventq), .type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = 2,
	};
	struct iommu_hw_queue_alloc q0 = {
		.size = sizeof(q0), .type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.nesting_parent_iova = iova, .length = ps,
	}, q1;
	char why[256] = "";

	CHECK(!mock_ioctl(fd, IOMMU_TEST_CMD, &dom), "MOCK_DOMAIN 2");
	hwpt.dev_id = dom.mock_domain.out_idev_id;
	CHECK(!mock_ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt), "HWPT_ALLOC");
	viommu.dev_id = hwpt.dev_id;
	viommu.hwpt_id = hwpt.out_hwpt_id;
	CHECK(!mock_ioctl(fd, IOMMU_VIOMMU_ALLOC, &viommu), "VIOMMU_ALLOC");
	veventq.viommu_id = viommu.out_viommu_id;
	CHECK(!mock_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &veventq), "VEVENTQ_ALLOC");
	q0.viommu_id = viommu.out_viommu_id;
	q1 = q0;
	q1.index = 1;
	q1.nesting_parent_iova = iova + ps;
	CHECK(!mock_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &q0), "HW_QUEUE_ALLOC 0");
	CHECK(!mock_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &q1), "HW_QUEUE_ALLOC 1");
	CHECK(!iommufd_mock_check_fd(fd, why, sizeof(why)),
	      "a healthy 7.x context fails: %s", why);
	if (failures)
		return;
	expect_hold(ictx, viommu.out_viommu_id, "vIOMMU");
	expect_hold(ictx, q0.out_hw_queue_id, "HW queue 0");
	/* the fd's hold is allowed to be absent once the fd is closed */
	ictx->objs[veventq.out_veventq_id]->users -= 2;
	expect_broken(ictx, "holders");
	ictx->objs[veventq.out_veventq_id]->users += 2;
	CHECK(!iommufd_mock_check_ctx(ictx, why, sizeof(why)),
	      "undoing the vIOMMU damage did not heal it: %s", why);
	/* the vEVENTQ's fd holds the context (iommufd_ctx_get()) */
	iommufd_mock_fd_close((int)veventq.out_veventq_fd);
	close((int)veventq.out_veventq_fd);
	CHECK(!iommufd_mock_check_ctx(ictx, why, sizeof(why)),
	      "the vEVENTQ's fd closed: %s", why);
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
	check_viommu_holds(fd, ictx, alloc.out_ioas_id, map.iova, ps);
	CHECK(iommufd_mock_check_unpinned((uintptr_t)buf, len, why,
					  sizeof(why)) == -1,
	      "a domain's pins went unseen");

	iommufd_mock_fd_close(fd);
	close(fd);
	CHECK(!iommufd_mock_check_unpinned((uintptr_t)buf, len, why,
					   sizeof(why)),
	      "pins left after the last close: %s", why);
	if (failures) {
		printf("not ok invariants_test: %lu failures\n", failures);
		return 1;
	}
	printf("ok invariants_test\n");
	return 0;
}
