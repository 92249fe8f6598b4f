// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for dirty-bitmap-walk-error: does IOMMU_HWPT_GET_DIRTY_BITMAP answer
 * 0 for a range that starts on a hole? A page is mapped one page into the
 * mock aperture, on a dirty-tracking HWPT of a mock device, and the two
 * pages from the aperture's start are read. Exit 0: the bug is there (0);
 * 1: the range is refused (EINVAL); 4: cannot tell (no /dev/iommu, no mock
 * device or dirty tracking, headers before 6.7, or another answer).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"

enum { PRESENT = 0, ABSENT = 1, UNKNOWN = 4 };

int main(void)
{
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP
	long psize = sysconf(_SC_PAGESIZE);
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_test_cmd mock = { .size = sizeof(mock),
				       .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	struct iommu_hwpt_set_dirty_tracking track = {
		.size = sizeof(track),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.iova = MOCK_APERTURE_START + psize,
		.length = psize,
	};
	uint64_t bits = 0;
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.iova = MOCK_APERTURE_START,
		.length = 2 * psize,
		.page_size = psize,
		.data = (uintptr_t)&bits,
	};
	void *buf;
	int fd, ret;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return UNKNOWN;
	buf = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ioctl(fd, IOMMU_IOAS_ALLOC, &alloc))
		return UNKNOWN;
	mock.id = alloc.out_ioas_id;
	if (ioctl(fd, IOMMU_TEST_CMD, &mock))
		return UNKNOWN;
	hwpt.dev_id = mock.mock_domain.out_idev_id;
	hwpt.pt_id = alloc.out_ioas_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt))
		return UNKNOWN;
	track.hwpt_id = hwpt.out_hwpt_id;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	if (ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &track) ||
	    ioctl(fd, IOMMU_IOAS_MAP, &map))
		return UNKNOWN;
	get.hwpt_id = hwpt.out_hwpt_id;
	ret = ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get);
	printf("GET_DIRTY_BITMAP of a hole then a mapped page: %d (%s)\n", ret,
	       ret ? "refused" : "accepted");
	if (!ret)
		return PRESENT;
	return errno == EINVAL ? ABSENT : UNKNOWN;
#else
	return UNKNOWN;
#endif
}
