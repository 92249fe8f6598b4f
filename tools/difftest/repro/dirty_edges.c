// SPDX-License-Identifier: GPL-2.0
/*
 * What IOMMU_HWPT_GET_DIRTY_BITMAP answers at the edges (issue 22, item 6),
 * on a CONFIG_IOMMUFD_TEST kernel: a mock device on a dirty-tracking HWPT,
 * one page mapped at the top of the mock domain's aperture and dirtied.
 * Prints one line per read: the range, the answer, the bitmap's first word.
 *   1. the dirtied page alone;
 *   2. the top of the 64-bit IOVA space, [2^64 - 4 KiB, 2^64 - 1], where no
 *      area can be (the walk's "iova + size" would wrap to 0 there);
 *   3. a range whose first page has nothing mapped, then the dirty page: the walk
 *      (io_pagetable.c __iommu_read_and_clear_dirty()) returns -EINVAL for
 *      the hole, and iommu_read_and_clear_dirty() drops that return;
 *   4. the same page with tracking off: the mock driver refuses to read
 *      (6.12 selftest.c mock_domain_read_and_clear_dirty(): -EINVAL), and
 *      the answer is again dropped.
 * Build: cc -I$KHDR/include -I$KSRC/drivers/iommu/iommufd dirty_edges.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_test.h"

static int fd;

static void die(const char *what)
{
	printf("%s: %s\n", what, strerror(errno));
	_exit(1);
}

static void get_dirty(const char *name, uint32_t hwpt, uint64_t iova, uint64_t len)
{
	uint64_t bitmap[4] = { 0 };
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = hwpt, .iova = iova, .length = len,
		.page_size = 4096, .data = (uintptr_t)bitmap,
	};
	int rc = ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);

	printf("%-28s [%#llx, %#llx]: %s bitmap=%#llx\n", name, (unsigned long long)iova,
	       (unsigned long long)(iova + len - 1), rc ? strerror(errno) : "0",
	       (unsigned long long)bitmap[0]);
}

static void make_dirty(struct iommu_test_cmd *dirty)
{
	if (ioctl(fd, IOMMU_TEST_CMD, dirty))
		die("TEST_OP_DIRTY");
	printf("TEST_OP_DIRTY of the aperture's last page: nr_dirty=%llu\n",
	       (unsigned long long)dirty->dirty.out_nr_dirty);
}

static void set_tracking(uint32_t hwpt, int on)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s), .hwpt_id = hwpt,
		.flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
	};

	if (ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &s))
		die("SET_DIRTY_TRACKING");
}

int main(void)
{
	const uint64_t top = (uint64_t)MOCK_APERTURE_LAST + 1 - 4096;
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_alloc h = { .size = sizeof(h),
				      .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING };
	struct iommu_test_cmd rep = { .size = sizeof(rep),
				      .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	uint64_t bits = ~0ULL;
	struct iommu_test_cmd dirty = { .size = sizeof(dirty), .op = IOMMU_TEST_OP_DIRTY };
	struct iommu_ioas_map m = { .size = sizeof(m),
				    .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
					     IOMMU_IOAS_MAP_WRITEABLE,
				    .iova = top, .length = 4096 };
	void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || buf == MAP_FAILED)
		die("open /dev/iommu");
	memset(buf, 1, 4096);
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &a))
		die("IOAS_ALLOC");
	md.id = a.out_ioas_id;
	if (ioctl(fd, IOMMU_TEST_CMD, &md))
		die("MOCK_DOMAIN");
	h.dev_id = md.mock_domain.out_idev_id;
	h.pt_id = a.out_ioas_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &h))
		die("HWPT_ALLOC");
	rep.id = md.mock_domain.out_stdev_id;
	rep.mock_domain_replace.pt_id = h.out_hwpt_id;
	if (ioctl(fd, IOMMU_TEST_CMD, &rep))
		die("MOCK_DOMAIN_REPLACE");
	m.ioas_id = a.out_ioas_id;
	m.user_va = (uintptr_t)buf;
	if (ioctl(fd, IOMMU_IOAS_MAP, &m))
		die("IOAS_MAP");
	set_tracking(h.out_hwpt_id, 1);
	dirty.id = h.out_hwpt_id;
	dirty.dirty.iova = top;
	dirty.dirty.length = 4096;
	/* 2 KiB: 6.12's TEST_OP_DIRTY indexes its 2 KiB IO pages by iova / page_size */
	dirty.dirty.page_size = MOCK_PAGE_SIZE;
	dirty.dirty.uptr = (uintptr_t)&bits;
	make_dirty(&dirty);
	get_dirty("1. the dirty page", h.out_hwpt_id, top, 4096);
	make_dirty(&dirty);
	get_dirty("2. top of the IOVA space", h.out_hwpt_id, -4096ULL, 4096);
	get_dirty("3. a hole, then the page", h.out_hwpt_id, top - 4096, 8192);
	get_dirty("   the page alone after 3", h.out_hwpt_id, top, 4096);
	make_dirty(&dirty);
	set_tracking(h.out_hwpt_id, 0);
	get_dirty("4. tracking off", h.out_hwpt_id, top, 4096);
	return 0;
}
