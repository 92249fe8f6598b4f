// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOMMU_MAP_DMA without VFIO_DMA_MAP_FLAG_READ or _WRITE on the
 * iommufd fd (found by difftest: --run 1 9421 0,1,13,20 of the grammar of
 * that day). IOMMU_IOAS_MAP, _COPY and _MAP_FILE refuse a map that is
 * neither readable nor writeable (ioas.c: "if (!(cmd->flags &
 * (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE))) return -EINVAL"),
 * and VFIO's own type1 driver refuses prot 0; iommufd's compat layer
 * (vfio_compat.c iommufd_vfio_map_dma()) passes prot = IOMMU_CACHE alone
 * to iopt_map_user_pages(), and a domain's map gets a request with
 * neither IOMMU_READ nor IOMMU_WRITE: Linux 7.3's generic page table
 * (generic_pt/iommu_pt.h map_range(): WARN_ON(!(prot & (IOMMU_READ |
 * IOMMU_WRITE)))) warns, from an unprivileged ioctl.
 *   a. with a domain attached: the map warns and fails;
 *   b. without one: the map succeeds, and the warning comes when a device
 *      attaches and the domain is filled.
 * Prints each call's answer; the kernel log tells whether it warned.
 * Build: cc -I$KHDR/include -I$KSRC/drivers/iommu/iommufd vfio_map_noprot.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_test.h"

static const char *answer(int rc)
{
	return rc ? strerror(errno) : "0";
}

static uint32_t ioas_with_compat(int fd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_vfio_ioas v = { .size = sizeof(v), .op = IOMMU_VFIO_IOAS_SET };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &a))
		return 0;
	v.ioas_id = a.out_ioas_id;
	if (ioctl(fd, IOMMU_VFIO_IOAS, &v))
		return 0;
	return a.out_ioas_id;
}

static int mock_domain(int fd, uint32_t ioas)
{
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN,
				     .id = ioas };

	return ioctl(fd, IOMMU_TEST_CMD, &md);
}

static int map_noprot(int fd, void *buf)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .flags = 0,
					      .vaddr = (uintptr_t)buf,
					      .iova = MOCK_APERTURE_START, .size = 4096 };

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &m);
}

int main(void)
{
	void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/dev/iommu", O_RDWR), rc;
	uint32_t ioas;

	if (fd < 0 || buf == MAP_FAILED) {
		printf("open /dev/iommu: %s\n", strerror(errno));
		return 1;
	}
	memset(buf, 1, 4096);
	ioas = ioas_with_compat(fd);
	rc = mock_domain(fd, ioas);
	printf("a. compat IOAS %u, MOCK_DOMAIN: %s\n", ioas, answer(rc));
	rc = map_noprot(fd, buf);
	printf("a. VFIO_IOMMU_MAP_DMA flags=0 with a domain: %s\n", answer(rc));

	ioas = ioas_with_compat(fd);
	rc = map_noprot(fd, buf);
	printf("b. compat IOAS %u, VFIO_IOMMU_MAP_DMA flags=0, no domain: %s\n", ioas,
	       answer(rc));
	rc = mock_domain(fd, ioas);
	printf("b. then MOCK_DOMAIN (fills the domain): %s\n", answer(rc));
	return 0;
}
