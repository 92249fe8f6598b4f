// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the dirty-tracking half of drivers/iommu/iommufd/io_pagetable.c
 * (split from io_pagetable.c to keep each file to one subject), checked
 * against Linux 6.12 and 7.3: reading and clearing the dirty bits of a
 * domain over the areas of an io_pagetable into the user's bitmap
 * (iova_bitmap.c's part of it: setting the bits), starting to track.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/*
 * iova_bitmap_set() (iova_bitmap.c): ORs the bits of [iova, iova + length)
 * into the user's bitmap, silently giving up on a bad pointer as the kernel's
 * pinned bitmap pages would never see the write.
 */
void iova_bitmap_set(struct iova_bitmap *bitmap, uint64_t iova,
		     uint64_t length)
{
	uint64_t bit = (iova - bitmap->iova) >> bitmap->pgshift;
	uint64_t last = (iova + length - 1 - bitmap->iova) >> bitmap->pgshift;

	for (; bit <= last; bit++) {
		uint8_t byte;

		if (umem_copy_from(&byte, bitmap->data + bit / 8, 1))
			return;
		byte |= 1u << (bit % 8);
		if (umem_copy_to(bitmap->data + bit / 8, &byte, 1))
			return;
	}
}

/* iommu_read_and_clear_dirty() and __iommu_read_and_clear_dirty() */
static int iommu_read_and_clear_dirty(struct mock_iommu_domain *domain,
				      struct io_pagetable *iopt, uint32_t flags,
				      struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	uint64_t last = bitmap->iova + bitmap->length - 1;
	struct iopt_area_contig_iter iter;
	struct iova_bitmap iova_bitmap;
	struct iopt_area *area;

	if (!domain->dirty_ops)
		return -EOPNOTSUPP;
	iova_bitmap.iova = bitmap->iova;
	iova_bitmap.data = bitmap->data;
	iova_bitmap.pgshift = __builtin_ctzll(bitmap->page_size);
	/*
	 * 6.12 ignores what iova_bitmap_for_each() returns: a domain that is
	 * not tracking, or a range with holes, still answers 0.
	 */
	iopt_for_each_contig_area(&iter, area, iopt, bitmap->iova, last) {
		uint64_t l = last < iopt_area_last_iova(area) ?
				     last : iopt_area_last_iova(area);

		if (mock_domain_read_and_clear_dirty(domain, iter.cur_iova,
						     l - iter.cur_iova + 1,
						     flags, &iova_bitmap))
			break;
	}
	return 0;
}

/* iommufd_check_iova_range() */
int iommufd_check_iova_range(struct io_pagetable *iopt,
			     struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	uint64_t iommu_pgsize = iopt->iova_alignment, last_iova;

	if (!bitmap->length)
		return -EINVAL;
	if (__builtin_add_overflow(bitmap->iova, bitmap->length - 1, &last_iova))
		return -EOVERFLOW;
	if ((bitmap->iova & (iommu_pgsize - 1)) ||
	    ((last_iova + 1) & (iommu_pgsize - 1)))
		return -EINVAL;
	if (!bitmap->page_size)
		return -EINVAL;
	if ((bitmap->iova & (bitmap->page_size - 1)) ||
	    ((last_iova + 1) & (bitmap->page_size - 1)))
		return -EINVAL;
	return 0;
}

/* iopt_read_and_clear_dirty_data() */
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct mock_iommu_domain *domain,
				   uint32_t flags,
				   struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	int rc = iommufd_check_iova_range(iopt, bitmap);

	if (rc)
		return rc;
	return iommu_read_and_clear_dirty(domain, iopt, flags, bitmap);
}

/* iopt_clear_dirty_data(): a clean snapshot to start tracking from. */
static void iopt_clear_dirty_data(struct io_pagetable *iopt,
				  struct mock_iommu_domain *domain)
{
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(area, 0, UINT64_MAX))
		mock_domain_read_and_clear_dirty(domain, iopt_area_iova(area),
						 iopt_area_length(area), 0,
						 NULL);
}

/* iopt_set_dirty_tracking() */
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct mock_iommu_domain *domain, bool enable)
{
	if (!domain->dirty_ops)
		return -EOPNOTSUPP;
	if (enable)
		iopt_clear_dirty_data(iopt, domain);
	mock_domain_set_dirty_tracking(domain, enable);
	return 0;
}
