// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the dirty-tracking half of drivers/iommu/iommufd/io_pagetable.c
 * (split from io_pagetable.c to keep each file to one subject), checked
 * against Linux 6.12 and 7.3: reading and clearing the dirty bits of a
 * domain over the areas of an io_pagetable into the user's bitmap
 * (iova_bitmap.c's part of it: setting the bits), starting to track; and
 * which leaf IOPTE a dirty bit belongs to (the page size drivers/iommu/
 * iommu.c's iommu_pgsize() or the 7.x generic page table picks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/*
 * iova_bitmap_set() (iova_bitmap.c): ORs the bits of [iova, iova + length)
 * into the user's bitmap, silently giving up on a bad pointer as the kernel's
 * pinned bitmap pages would never see the write. The kernel writes through
 * the user pages it pinned from the word holding iova on: enough pages for
 * the bitmap's remaining words, one more if that word is not page aligned,
 * at most a page of struct page pointers (iova_bitmap_get()). A leaf that
 * reaches past the range (a huge IOPTE read in part) therefore sets bits past
 * the bitmap's end, up to the end of those pages; one that starts before the
 * bitmap's iova sets nothing at all (the index underflows past the last word,
 * iova_bitmap_advance_to() fails). Both kernels, 6.12 and 7.3.
 */
void iova_bitmap_set(struct iova_bitmap *bitmap, uint64_t iova,
		     uint64_t length)
{
	const uint64_t ps = umem_page_size(), max_pages = ps / sizeof(void *);
	uint64_t total = ((bitmap->length - 1) >> bitmap->pgshift) / 64 + 1;
	uint64_t last;

	if (__builtin_add_overflow(iova, length - 1, &last))
		last = UINT64_MAX;
	for (;;) {
		uint64_t word, addr, npages, limit, bit, last_bit;

		if (iova < bitmap->iova)
			return;
		word = ((iova - bitmap->iova) >> bitmap->pgshift) / 64;
		if (word >= total)
			return;
		addr = bitmap->data + word * 8;
		npages = ((total - word) * 8 + ps - 1) / ps + !!(addr % ps);
		if (npages > max_pages)
			npages = max_pages;
		limit = (addr & ~(ps - 1)) + npages * ps;
		bit = (iova - bitmap->iova) >> bitmap->pgshift;
		last_bit = (last - bitmap->iova) >> bitmap->pgshift;
		for (; bit <= last_bit && bitmap->data + bit / 8 < limit; bit++) {
			uint8_t byte;

			if (umem_copy_from(&byte, bitmap->data + bit / 8, 1))
				return;
			byte |= 1u << (bit % 8);
			if (umem_copy_to(bitmap->data + bit / 8, &byte, 1))
				return;
		}
		if (bit > last_bit)
			return;
		/* past the pinned pages: pin on from the next bit's word */
		iova = bitmap->iova + (bit << bitmap->pgshift);
	}
}

/*
 * The leaf iommu_map() makes at iova: iommu_pgsize() (6.12's core, for
 * drivers with map_pages) and pt_compute_best_pgsize() (7.x's generic page
 * table) both take, at each IOVA of a run, the largest page size of the
 * domain that the IOVA and the physical address are aligned to and that
 * fits in what remains of the run. That greedy walk makes the largest such
 * aligned block inside the run the leaf holding iova, which is computed
 * here directly instead of walking from the run's start.
 */
void iopt_area_leaf(struct iopt_area *area, uint64_t pgsize_bitmap,
		    uint64_t iova, struct iopt_leaf *leaf)
{
	uint64_t start, len, phys_off, sizes = pgsize_bitmap;

	if (!(sizes & (sizes - 1))) {	/* one page size: nothing to pick */
		leaf->size = sizes;
		leaf->head = iova & ~(sizes - 1);
		return;
	}
	iopt_area_run(area, iova, &start, &len, &phys_off);
	while (sizes) {
		uint64_t size = 1ULL << (63 - __builtin_clzll(sizes));
		uint64_t head = iova & ~(size - 1);

		sizes &= ~size;
		/* the physical address of head, as far as alignment goes */
		if (head < start || head - start > len ||
		    len - (head - start) < size ||
		    ((head - start + phys_off) & (size - 1)))
			continue;
		leaf->head = head;
		leaf->size = size;
		return;
	}
	/* not reached for a mapped IOVA; the smallest page then */
	leaf->size = pgsize_bitmap & -pgsize_bitmap;
	leaf->head = iova & ~(leaf->size - 1);
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
	iova_bitmap.length = bitmap->length;
	iova_bitmap.data = bitmap->data;
	iova_bitmap.pgshift = __builtin_ctzll(bitmap->page_size);
	/*
	 * 6.12 ignores what iova_bitmap_for_each() returns: a domain that is
	 * not tracking, or a range with holes, still answers 0.
	 */
	iopt_for_each_contig_area(&iter, area, iopt, bitmap->iova, last) {
		uint64_t l = last < iopt_area_last_iova(area) ?
				     last : iopt_area_last_iova(area);

		if (mock_domain_read_and_clear_dirty(domain, area, iter.cur_iova,
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
		mock_domain_read_and_clear_dirty(domain, area, iopt_area_iova(area),
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
