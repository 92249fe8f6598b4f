/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty tracking: what io_pagetable_dirty.c, pages.c, selftest.c and umem.c
 * offer each other for it (the dirty half of
 * drivers/iommu/iommufd/io_pagetable.h and iommufd_private.h, Linux 6.12
 * and 7.3), kept apart so that iommufd_private.h stays short. Included at
 * the end of iommufd_private.h; include that one.
 *
 * A dirty bit belongs to a leaf IOPTE, and a leaf is as large as iommu_map()
 * made it: the largest page size of the domain that the IOVA and the
 * physical address are both aligned to, inside one run of physically
 * contiguous memory (pages.c batches). The mock sees no physical address;
 * what it knows to be contiguous is one CPU page, or one hugetlb page
 * (naturally aligned, so the physical address's alignment inside it is the
 * VA's or file offset's). Memory that happens to be contiguous beyond that
 * (adjacent hugetlb pages, THP, luck) is taken as not contiguous.
 */
#ifndef IOMMUFD_MOCK_IO_PAGETABLE_DIRTY_H
#define IOMMUFD_MOCK_IO_PAGETABLE_DIRTY_H

/* iova_bitmap: the user's dirty bitmap, one bit per page_size from iova. */
struct iova_bitmap {
	uint64_t iova, length, data;
	unsigned int pgshift;
};

/* io_pagetable_dirty.c (iova_bitmap.c, io_pagetable.c, iommu.c) */
void iova_bitmap_set(struct iova_bitmap *bitmap, uint64_t iova,
		     uint64_t length) MOCK_HIDDEN;
int iommufd_check_iova_range(struct io_pagetable *iopt,
			     struct iommu_hwpt_get_dirty_bitmap *bitmap) MOCK_HIDDEN;
int iopt_read_and_clear_dirty_data(struct io_pagetable *iopt,
				   struct mock_iommu_domain *domain,
				   uint32_t flags,
				   struct iommu_hwpt_get_dirty_bitmap *bitmap) MOCK_HIDDEN;
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct mock_iommu_domain *domain, bool enable) MOCK_HIDDEN;

/* A leaf IOPTE: [head, head + size), size a power of two. */
struct iopt_leaf {
	uint64_t head, size;
};
/*
 * The leaf of a domain with page sizes pgsize_bitmap that holds iova of
 * area (which the domain maps): iommu_pgsize() / pt_compute_best_pgsize()
 * applied over pages.c's run.
 */
void iopt_area_leaf(struct iopt_area *area, uint64_t pgsize_bitmap,
		    uint64_t iova, struct iopt_leaf *leaf) MOCK_HIDDEN;

/*
 * pages.c, batch_to_domain(): the run [*start, *start + *len) of the area
 * that one iommu_map() maps iova with, and *phys_off, its first byte's
 * offset inside the naturally aligned contiguous block it lies in (all the
 * mock knows of its physical address's alignment).
 */
void iopt_area_run(struct iopt_area *area, uint64_t iova, uint64_t *start,
		   uint64_t *len, uint64_t *phys_off) MOCK_HIDDEN;

/* selftest.c: the mock domain's dirty_ops */
void mock_domain_set_dirty_tracking(struct mock_iommu_domain *domain,
				    bool enable) MOCK_HIDDEN;
/* Over [iova, iova + size) of area; a NULL bitmap only clears. */
int mock_domain_read_and_clear_dirty(struct mock_iommu_domain *domain,
				     struct iopt_area *area, uint64_t iova,
				     uint64_t size, uint32_t flags,
				     struct iova_bitmap *bitmap) MOCK_HIDDEN;

#endif
