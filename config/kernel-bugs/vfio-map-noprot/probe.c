// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for vfio-map-noprot: does VFIO_IOMMU_MAP_DMA on /dev/iommu accept a
 * map with neither VFIO_DMA_MAP_FLAG_READ nor _WRITE? Exit 0: the bug is
 * there (the map answers 0); 1: it is refused (EINVAL); 4: cannot tell (no
 * /dev/iommu, no compat IOAS, or another answer). Maps on a compat IOAS
 * without a domain, where the accepted area warns nowhere, and closes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

enum { PRESENT = 0, ABSENT = 1, UNKNOWN = 4 };

int main(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_vfio_ioas compat = { .size = sizeof(compat),
					  .op = IOMMU_VFIO_IOAS_SET };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map),
						.flags = 0,
						.iova = 1UL << 24 };
	long psize = sysconf(_SC_PAGESIZE);
	void *buf;
	int fd, ret;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return UNKNOWN;
	buf = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ioctl(fd, IOMMU_IOAS_ALLOC, &alloc))
		return UNKNOWN;
	compat.ioas_id = alloc.out_ioas_id;
	if (ioctl(fd, IOMMU_VFIO_IOAS, &compat))
		return UNKNOWN;
	map.vaddr = (uintptr_t)buf;
	map.size = psize;
	ret = ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
	printf("VFIO_IOMMU_MAP_DMA without READ or WRITE: %d (%s)\n", ret,
	       ret ? "refused" : "accepted");
	if (!ret)
		return PRESENT;
	return errno == EINVAL ? ABSENT : UNKNOWN;
}
