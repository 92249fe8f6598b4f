// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the VFIO type1 container ioctls that /dev/iommu answers for
 * software written against VFIO: IOMMU_VFIO_IOAS (get/set/clear the compat
 * IOAS), VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU,
 * VFIO_IOMMU_GET_INFO with its capability chain, VFIO_IOMMU_MAP_DMA and
 * VFIO_IOMMU_UNMAP_DMA (type1 semantics: unmapping nothing is not an error;
 * TYPE1 v1 may unmap inside a mapping).
 */
#include <stddef.h>
#include <linux/vfio.h>

#include "iommufd_probes.h"

#ifdef IOMMUFD_HAVE_UAPI

FIXTURE(vfio_compat)
{
	int fd;
	__u32 ioas_id;
	size_t psize;
	size_t length;
	char *buffer;
};

FIXTURE_SETUP(vfio_compat)
{
	iommufd_open_or_skip(&self->fd);
	self->psize = iommufd_page_size();
	self->length = 16 * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	test_cmd_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(vfio_compat)
{
	close(self->fd);
	munmap(self->buffer, self->length);
}

#define PG(n) ((size_t)(n) * self->psize)
#define IOVA(n) ((__u64)MOCK_APERTURE_START + PG(n))

static int compat_map(int fd, void *buf, __u64 size, __u64 iova, __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

/* Returns the ioctl result; *unmapped gets what the kernel reports. */
static int compat_unmap(int fd, __u64 iova, __u64 size, __u32 flags,
			__u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret = ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);

	if (unmapped)
		*unmapped = unmap.size;
	return ret;
}

#define VFIO_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

#define compat_set_ioas()                                                    \
	test_cmd_vfio_ioas(IOMMU_VFIO_IOAS_SET, &self->ioas_id)

TEST_F(vfio_compat, vfio_ioas_get_set_clear)
{
	__u32 id = 0, other;

	/* No compat IOAS until one is chosen. */
	test_err_vfio_ioas(ENODEV, IOMMU_VFIO_IOAS_GET, &id);
	compat_set_ioas();
	test_cmd_vfio_ioas(IOMMU_VFIO_IOAS_GET, &id);
	ASSERT_EQ(self->ioas_id, id);
	/* Setting another one replaces it. */
	test_cmd_ioas_alloc(&other);
	test_cmd_vfio_ioas(IOMMU_VFIO_IOAS_SET, &other);
	test_cmd_vfio_ioas(IOMMU_VFIO_IOAS_GET, &id);
	ASSERT_EQ(other, id);
	test_cmd_vfio_ioas(IOMMU_VFIO_IOAS_CLEAR, NULL);
	test_err_vfio_ioas(ENODEV, IOMMU_VFIO_IOAS_GET, &id);
	/* Unknown ids and ops. */
	id = self->ioas_id + 1000;
	test_err_vfio_ioas(ENOENT, IOMMU_VFIO_IOAS_SET, &id);
	test_err_vfio_ioas(EOPNOTSUPP, 3, &id);
}

TEST_F(vfio_compat, destroyed_compat_ioas_is_gone)
{
	__u32 id = 0;

	compat_set_ioas();
	/* Being the compat IOAS does not keep it alive. */
	test_cmd_destroy(self->ioas_id);
	test_err_vfio_ioas(ENODEV, IOMMU_VFIO_IOAS_GET, &id);
	test_err(ENODEV, compat_map(self->fd, self->buffer, PG(1), IOVA(0),
				    VFIO_RW));
}

/*
 * 6.12's <linux/vfio.h> has it, 7.3's no longer does (the nesting type was
 * never usable); the number stays taken and the compat layer must still
 * report it absent.
 */
#ifndef VFIO_TYPE1_NESTING_IOMMU
#define VFIO_TYPE1_NESTING_IOMMU 6
#endif

TEST_F(vfio_compat, api_version_and_extensions)
{
	struct vfio_iommu_type1_dirty_bitmap db = { .argsz = sizeof(db) };

	ASSERT_EQ(VFIO_API_VERSION, ioctl(self->fd, VFIO_GET_API_VERSION));
	ASSERT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL));
	/* Obsolete or unsafe to emulate: reported as absent. */
	ASSERT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1_NESTING_IOMMU));
	ASSERT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR));
	ASSERT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, 12345));
	/* Cache coherency is a property of the compat IOAS's domains. */
	test_err(ENODEV, ioctl(self->fd, VFIO_CHECK_EXTENSION,
			       VFIO_DMA_CC_IOMMU));
	compat_set_ioas();
	ASSERT_EQ(1, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
	/* The dirty page ioctl is not emulated. */
	test_err(ENOTTY, ioctl(self->fd, VFIO_IOMMU_DIRTY_PAGES, &db));
}

TEST_F(vfio_compat, set_iommu)
{
	/* VFIO fails SET_IOMMU without a group; here, without compat IOAS. */
	test_err(ENODEV, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	compat_set_ioas();
	test_err(EINVAL, ioctl(self->fd, VFIO_SET_IOMMU, 77));
	ASSERT_EQ(0, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
}

TEST_F(vfio_compat, map_and_unmap_dma)
{
	__u64 unmapped = 99;

	compat_set_ioas();
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(4), IOVA(0),
				VFIO_RW));
	/* The mapping is in the compat IOAS, visible to the iommufd API. */
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, self->buffer, PG(1),
				IOVA(1));
	/* type1 v2: no unmapping inside a mapping. */
	test_err(ENOENT, compat_unmap(self->fd, IOVA(1), PG(1), 0, NULL));
	ASSERT_EQ(0, compat_unmap(self->fd, IOVA(0), PG(4), 0, &unmapped));
	ASSERT_EQ(PG(4), unmapped);
	/* Unlike IOMMU_IOAS_UNMAP, nothing to unmap is success, 0 bytes. */
	unmapped = 99;
	ASSERT_EQ(0, compat_unmap(self->fd, IOVA(0), PG(4), 0, &unmapped));
	ASSERT_EQ(0, unmapped);
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(4));
}

TEST_F(vfio_compat, map_dma_rejects_bad_arguments)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = offsetof(struct vfio_iommu_type1_dma_map, size),
		.flags = VFIO_RW,
		.vaddr = (uintptr_t)self->buffer,
		.iova = IOVA(0),
		.size = PG(1),
	};

	/* No compat IOAS yet. */
	test_err(ENODEV, compat_map(self->fd, self->buffer, PG(1), IOVA(0),
				    VFIO_RW));
	compat_set_ioas();
	test_err(EINVAL, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	test_err(EINVAL, compat_map(self->fd, self->buffer, PG(1), IOVA(0),
				    VFIO_RW | (1U << 5)));
	test_err(EINVAL, compat_map(self->fd, self->buffer, 0, IOVA(0),
				    VFIO_RW));
	test_err(EFAULT, ioctl(self->fd, VFIO_IOMMU_MAP_DMA, NULL));
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(2), IOVA(0),
				VFIO_RW));
	test_err(EEXIST, compat_map(self->fd, self->buffer, PG(2), IOVA(1),
				    VFIO_RW));
}

/*
 * A mapping the device can neither read nor write is refused: type1 says
 * EINVAL for a prot of 0 (vfio_dma_do_map(), unless it is a
 * VFIO_DMA_MAP_FLAG_VADDR update, which the compat layer does not offer),
 * as IOMMU_IOAS_MAP does without READABLE or WRITEABLE. Linux 6.2 to 7.3
 * (at least) accept it: config/kernel-bugs/vfio-map-noprot.
 */
TEST_F(vfio_compat, map_dma_needs_read_or_write)
{
	compat_set_ioas();
	test_err(EINVAL, compat_map(self->fd, self->buffer, PG(1), IOVA(0), 0));
	/* Nothing was mapped. */
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(1));
	/* Either permission alone is enough. */
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(1), IOVA(0),
				VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(1), IOVA(1),
				VFIO_DMA_MAP_FLAG_WRITE));
}

/*
 * The same with domains: a device attached after the refused map still
 * attaches (an accepted area would be mapped into its new domain, which
 * the generic page table refuses with a WARN_ON, failing the attach), and
 * the map is refused with a domain attached too (where 6.x's mock domain
 * maps such an area, with no permission).
 */
TEST_F(vfio_compat, map_dma_needs_read_or_write_with_domains)
{
	iommufd_mock_domain_or_skip(self->fd);
	compat_set_ioas();
	/*
	 * EXPECT, not ASSERT: where the map is accepted, the attach below
	 * shows what that does to the IOAS.
	 */
	errno = 0;
	EXPECT_EQ(-1, compat_map(self->fd, self->buffer, PG(1), IOVA(0), 0));
	EXPECT_EQ(EINVAL, errno);
	test_cmd_mock_domain(self->ioas_id, NULL, NULL, NULL);
	test_err(EINVAL, compat_map(self->fd, self->buffer, PG(1), IOVA(4), 0));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(8));
	test_cmd_md_check_refs(self->buffer, PG(1), 0);
}

TEST_F(vfio_compat, unmap_all)
{
	__u64 unmapped = 0;

	compat_set_ioas();
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(2), IOVA(0),
				VFIO_RW));
	ASSERT_EQ(0, compat_map(self->fd, self->buffer + PG(4), PG(3),
				IOVA(100), VFIO_RW));
	/* UNMAP_FLAG_ALL wants iova and size zero. */
	test_err(EINVAL, compat_unmap(self->fd, IOVA(0), 0,
				      VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	test_err(EINVAL, compat_unmap(self->fd, 0, PG(1),
				      VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	test_err(EINVAL, compat_unmap(self->fd, 0, 0, 1U << 7, NULL));
	ASSERT_EQ(0, compat_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				  &unmapped));
	ASSERT_EQ(PG(5), unmapped);
}

TEST_F(vfio_compat, type1_v1_unmaps_inside_a_mapping)
{
	__u64 unmapped = 0;

	compat_set_ioas();
	/*
	 * TYPE1 (v1) allowed unmapping part of a mapping; iommufd emulates it
	 * by turning off large pages and cutting the area.
	 */
	ASSERT_EQ(0, ioctl(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(8), IOVA(0),
				VFIO_RW));
	ASSERT_EQ(0, compat_unmap(self->fd, IOVA(2), PG(3), 0, &unmapped));
	ASSERT_EQ(PG(3), unmapped);
	/* Head and tail remain as areas of their own. */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(2), PG(2));
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(5), PG(3), PG(3));
	{
		__u64 val = 1;

		/* That is the huge-pages option of the IOAS, now off. */
		test_cmd_option_get(IOMMU_OPTION_HUGE_PAGES, self->ioas_id,
				    &val);
		ASSERT_EQ(0, val);
	}
}

TEST_F(vfio_compat, get_info_and_caps)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	struct vfio_iommu_type1_info_cap_iova_range *ranges;
	struct vfio_iommu_type1_info_dma_avail *avail;
	bool saw_ranges = false, saw_avail = false;
	size_t big = 4096;
	__u32 off;

	info = calloc(1, big);
	ASSERT_NE(NULL, info);
	info->argsz = sizeof(*info);
	test_err(ENODEV, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	compat_set_ioas();

	/* Too small for the fixed part. */
	info->argsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes);
	test_err(EINVAL, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));

	/* Just the fixed part: argsz comes back as the size with the caps. */
	info->argsz = sizeof(*info);
	ASSERT_EQ(0, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	ASSERT_LT(sizeof(*info), info->argsz);
	ASSERT_EQ(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS, info->flags);
	ASSERT_EQ(0, info->cap_offset);
	/* No domain: any page-aligned size (the CPU page and up). */
	ASSERT_EQ((__u64)~(self->psize - 1), info->iova_pgsizes);

	/* Room for everything: walk the chain. */
	ASSERT_LE(info->argsz, big);
	memset(info, 0, big);
	info->argsz = big;
	ASSERT_EQ(0, ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	ASSERT_EQ(sizeof(*info), info->cap_offset);
	for (off = info->cap_offset; off; off = hdr->next) {
		ASSERT_LT(off, big);
		hdr = (void *)((char *)info + off);
		ASSERT_EQ(1, hdr->version);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			ranges = (void *)hdr;
			ASSERT_EQ(1, ranges->nr_iovas);
			ASSERT_EQ(0, ranges->iova_ranges[0].start);
			ASSERT_EQ(UINT64_MAX, ranges->iova_ranges[0].end);
			saw_ranges = true;
		} else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			avail = (void *)hdr;
			/* iommufd leaves the limit to cgroups. */
			ASSERT_EQ(UINT32_MAX, avail->avail);
			saw_avail = true;
		}
	}
	ASSERT_TRUE(saw_ranges);
	ASSERT_TRUE(saw_avail);
	free(info);
}

TEST_F(vfio_compat, get_info_with_mock_domain)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	__u64 pgsizes;

	iommufd_mock_domain_or_skip(self->fd);
	compat_set_ioas();
	/*
	 * iova_pgsizes is the domains' pgsize_bitmap with sizes below the CPU
	 * page folded into the CPU page, as VFIO does (iommufd_get_pagesizes(),
	 * vfio_compat.c; the same code in 6.12 and 7.3). What changed is the
	 * mock domain's bitmap, with its move to the generic page table
	 * (probed by the HWPT_ALLOC driver data that came with it):
	 * - 6.x: the 2 KiB IO page alone, reported as the CPU page;
	 * - 7.x: an AMDv1 table with 2 KiB granules and 4 KiB tables of 512
	 *   entries, started at level 2 (mock_domain_alloc_pgtable(),
	 *   selftest.c): a 2^(11 + 3 * 9) = 2^38 byte IOVA space, in which
	 *   every power of two is a page size (amdv1pt_possible_sizes(),
	 *   generic_pt/fmt/amdv1.h) up to 2^36: a whole top-level table is
	 *   not a page (NS(get_info)(), generic_pt/iommu_pt.h). Folded: every
	 *   power of two from the CPU page to 64 GiB, 0x1ffffff000 on 4 KiB
	 *   pages. The mock tells the truth about its table now; 6.x's 4096
	 *   was as true for its own.
	 */
	if (iommufd_mock_generic_pt_or_skip(self->fd, self->ioas_id))
		pgsizes = ((1ULL << 37) - 1) & ~((__u64)self->psize - 1);
	else
		pgsizes = self->psize;
	test_cmd_mock_domain(self->ioas_id, NULL, NULL, NULL);
	ASSERT_EQ(0, ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	ASSERT_EQ(pgsizes, info.iova_pgsizes);
	/* Maps through the compat path reach the domain. */
	ASSERT_EQ(0, compat_map(self->fd, self->buffer, PG(2), IOVA(0),
				VFIO_RW));
	test_cmd_md_check_refs(self->buffer, PG(2), 1);
	/*
	 * The mock device does not claim IOMMU_CAP_ENFORCE_CACHE_COHERENCY,
	 * so its domain does not enforce coherency and the compat IOAS stops
	 * being "cache coherent" for VFIO.
	 */
	ASSERT_EQ(0, ioctl(self->fd, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU));
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
