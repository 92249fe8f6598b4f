// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/io_pagetable.c, checked against Linux 6.12
 * (and 7.3 for IOAS_MAP_FILE's iopt_map_file_pages() and dma-buf areas):
 * the IOVA side of an IOAS. Areas, reserved and allowed ranges, IOVA
 * allocation, mapping and unmapping, the domains and accesses of an
 * io_pagetable, dirty-bitmap reads.
 *
 * Model: the areas and the union of the reserved ranges share one interval
 * tree (iopt->used), augmented with the largest gap per subtree, so lookup,
 * overlap checks, insertion, removal and a kernel-chosen IOVA are
 * logarithmic in the number of mappings. reserved_itree keeps the ranges
 * themselves, which may overlap; iopt->resv_segs is their union as nodes of
 * "used", rebuilt when a range comes or goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/* HPAGE_SIZE caps the alignment iopt_alloc_iova() asks for (x86-64: 2 MiB). */
#define IOPT_HPAGE_SIZE (2ULL << 20)

/* iopt_area_contig_init(): the area holding iova, if any. */
struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					uint64_t iova, uint64_t last_iova)
{
	iter->cur_iova = iova;
	iter->last_iova = last_iova;
	iter->area = iopt_area_iter_first(iopt, iova, iova);
	return iter->area;
}

/* iopt_area_contig_next(): the next area if it starts where this one ends. */
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter)
{
	uint64_t last;

	if (!iter->area)
		return NULL;
	last = iopt_area_last_iova(iter->area);
	if (iter->last_iova <= last)
		return NULL;
	iter->cur_iova = last + 1;
	iter->area = iopt_area_iter_next(iter->area, iter->cur_iova,
					 iter->last_iova);
	if (iter->area && iopt_area_iova(iter->area) != iter->cur_iova)
		iter->area = NULL;
	return iter->area;
}

struct iopt_alloc_iova_arg {
	uint64_t length, align, page_offset;
};

/* __alloc_iova_check_range() */
static bool __alloc_iova_check_range(uint64_t *start, uint64_t last,
				     void *argp)
{
	struct iopt_alloc_iova_arg *arg = argp;
	uint64_t aligned;

	if (__builtin_add_overflow(*start, arg->align - 1, &aligned))
		return false;
	aligned &= ~(arg->align - 1);
	aligned |= arg->page_offset;
	if (aligned >= last || last - aligned < arg->length - 1)
		return false;
	*start = aligned;
	return true;
}

static uint64_t lowest_bit(uint64_t v)
{
	return v & -v;
}

static uint64_t roundup_pow2(uint64_t v)
{
	return v <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(v - 1));
}

/* iopt_alloc_iova(): the lowest fitting hole, allowed spans first. */
static int iopt_alloc_iova(struct io_pagetable *iopt, uint64_t *iova,
			   uint64_t uptr, uint64_t length)
{
	uint64_t ps = umem_page_size();
	struct iopt_alloc_iova_arg arg = {
		.length = length, .page_offset = uptr % ps
	};
	struct itree_node *n;
	uint64_t lo = ps, hi = UINT64_MAX - ps;

	if (length == 0 || length >= UINT64_MAX / 2)
		return -EOVERFLOW;
	arg.align = roundup_pow2(length);
	if (uptr && lowest_bit(uptr) < arg.align)
		arg.align = lowest_bit(uptr);
	if (arg.align >= IOPT_HPAGE_SIZE)
		arg.align = IOPT_HPAGE_SIZE;
	if (arg.align < iopt->iova_alignment)
		return -EINVAL;

	n = itree_min(&iopt->allowed_itree);
	if (!n) {
		uint64_t start = lo;

		if (__alloc_iova_check_range(&start, hi, &arg) &&
		    itree_find_hole(&iopt->used, start, hi, length,
				    __alloc_iova_check_range, &arg, iova))
			return 0;
		return -ENOSPC;
	}
	/* Allowed ranges never overlap; adjacent ones form one span. */
	while (n) {
		uint64_t s = n->start, l = n->last;

		for (n = itree_succ(n); n && l != UINT64_MAX &&
					n->start <= l + 1; n = itree_succ(n))
			if (n->last > l)
				l = n->last;
		if (l < lo || s > hi)
			continue;
		if (s < lo)
			s = lo;
		if (l > hi)
			l = hi;
		if (!__alloc_iova_check_range(&s, l, &arg))
			continue;
		if (itree_find_hole(&iopt->used, s, l, length,
				    __alloc_iova_check_range, &arg, iova))
			return 0;
	}
	return -ENOSPC;
}

/* iopt_check_iova() */
static int iopt_check_iova(struct io_pagetable *iopt, uint64_t iova,
			   uint64_t length)
{
	uint64_t last;

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (itree_first(&iopt->reserved_itree, iova, last))
		return -EINVAL;
	if (iopt_area_iter_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/* iopt_insert_area(): the area of one element at iova, in the tree. */
static int iopt_insert_area(struct io_pagetable *iopt,
			    struct iopt_pages_list *elm, uint64_t iova,
			    int iommu_prot)
{
	struct iopt_area *area;

	if ((iommu_prot & IOMMU_IOAS_MAP_WRITEABLE) && !elm->pages->writable)
		return -EPERM;
	if ((elm->start_byte % umem_page_size()) & (iopt->iova_alignment - 1))
		return -EINVAL;
	area = mock_calloc(1, sizeof(*area));
	if (!area)
		return -ENOMEM;
	area->kind = IOPT_USED_AREA;
	area->iommu_prot = iommu_prot;
	area->start_byte = elm->start_byte;
	area->node.start = iova;
	if (__builtin_add_overflow(iova, elm->length - 1, &area->node.last)) {
		mock_free(area);
		return -EOVERFLOW;
	}
	area->pages = elm->pages;
	area->iopt = iopt;
	itree_insert(&iopt->used, &area->node);
	elm->area = area;
	return 0;
}

/* iopt_map_pages(): reserve IOVA, insert areas, fill domains. */
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   size_t nlist, uint64_t length, uint64_t *dst_iova,
		   int iommu_prot, unsigned int flags)
{
	uint64_t iova;
	size_t i;
	int rc = 0;

	if ((length & (iopt->iova_alignment - 1)) || !length)
		return -EINVAL;
	if (flags & IOPT_ALLOC_IOVA) {
		/* The first element guesses the ideal alignment. */
		rc = iopt_alloc_iova(iopt, dst_iova,
				     iopt_pages_first_byte(list[0].pages,
							   list[0].start_byte),
				     length);
		if (rc)
			return rc;
		if (iopt_check_iova(iopt, *dst_iova, length))
			return -EINVAL;
	} else {
		rc = iopt_check_iova(iopt, *dst_iova, length);
		if (rc)
			return rc;
	}
	iova = *dst_iova;
	for (i = 0; i < nlist; i++) {
		rc = iopt_insert_area(iopt, &list[i], iova, iommu_prot);
		if (rc)
			break;
		iova += list[i].length;
	}
	/* iopt_fill_domains_pages() */
	for (i = 0; !rc && i < nlist && iopt->ndomains; i++)
		rc = iopt_area_fill_domains(list[i].area);
	if (rc) {
		for (i = 0; i < nlist; i++) {
			if (!list[i].area)
				continue;
			iopt_area_unpin_domains(list[i].area);
			itree_remove(&iopt->used, &list[i].area->node);
			mock_free(list[i].area);
			list[i].area = NULL;
		}
		return rc;
	}
	for (i = 0; i < nlist; i++) {
		list[i].pages->refs++;
		iopt->nareas++;
	}
	return 0;
}

/* iopt_map_common(): one new iopt_pages, one area. */
static int iopt_map_common(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			   struct iopt_pages *pages, uint64_t *iova,
			   uint64_t length, uint64_t start_byte,
			   int iommu_prot, unsigned int flags)
{
	struct iopt_pages_list elm = {};
	int rc;

	elm.pages = pages;
	elm.start_byte = start_byte;
	if (ictx->account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    elm.pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
		elm.pages->account_mode = IOPT_PAGES_ACCOUNT_MM;
	elm.length = length;
	rc = iopt_map_pages(iopt, &elm, 1, length, iova, iommu_prot, flags);
	/* The area took its own reference; this one was the list's. */
	iopt_put_pages(elm.pages);
	return rc;
}

/* iopt_map_user_pages(): one new iopt_pages over [uptr, uptr + length). */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			uint64_t *iova, uint64_t uptr, uint64_t length,
			int iommu_prot, unsigned int flags)
{
	struct iopt_pages *pages;
	int rc;

	pages = iopt_alloc_pages(uptr, length,
				 iommu_prot & IOMMU_IOAS_MAP_WRITEABLE, &rc);
	if (!pages)
		return rc;
	return iopt_map_common(ictx, iopt, pages, iova, length,
			       uptr - pages->uptr, iommu_prot, flags);
}

/*
 * iopt_map_file_pages() (7.x): a dma-buf if fd is one (dma_buf_get()),
 * else any file fget() finds. Nothing about the file is checked here: a
 * file that cannot be pinned fails when its pages are pinned (pages.c).
 */
int iopt_map_file_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			uint64_t *iova, int fd, uint64_t start, uint64_t length,
			int iommu_prot, unsigned int flags)
{
	bool writable = iommu_prot & IOMMU_IOAS_MAP_WRITEABLE;
	struct iommufd_test_dma_buf *dmabuf;
	struct iopt_pages *pages;
	uint64_t start_byte, last;
	int rc;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	start_byte = start % umem_page_size();
	dmabuf = dma_buf_get(fd, &rc);
	if (dmabuf) {
		pages = iopt_alloc_dmabuf_pages(dmabuf, start_byte, start,
						length, writable, &rc);
		if (!pages) {
			dma_buf_put(dmabuf);
			return rc;
		}
	} else {
		pages = iopt_alloc_file_pages(fd, start_byte, start, length,
					      writable, &rc);
		if (!pages)
			return rc;
	}
	return iopt_map_common(ictx, iopt, pages, iova, length, start_byte,
			       iommu_prot, flags);
}

/*
 * iopt_get_pages(): the pages behind [iova, iova + length), one element per
 * area, which must cover it without a gap. *list is the caller's to free.
 */
int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **list, size_t *nlist)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last;

	*list = NULL;
	*nlist = 0;
	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	iopt_for_each_contig_area(&iter, area, iopt, iova, last) {
		uint64_t alast = last < iopt_area_last_iova(area) ?
					 last : iopt_area_last_iova(area);
		struct iopt_pages_list *n =
			mock_realloc(*list, (*nlist + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		*list = n;
		n[*nlist].pages = area->pages;
		n[*nlist].start_byte = iopt_area_start_byte(area, iter.cur_iova);
		n[*nlist].length = alast - iter.cur_iova + 1;
		n[*nlist].area = NULL;
		(*nlist)++;
	}
	if (!iopt_area_contig_done(&iter))
		return -ENOENT;
	return 0;
}

/* Removes one area that has no accesses; the caller checked the rules. */
static void iopt_remove_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	iopt_area_unfill_domains(area, iopt);
	itree_remove(&iopt->used, &area->node);
	iopt->nareas--;
	iopt_put_pages(area->pages);
	mock_free(area);
}

/* iopt_unmap_iova_range(): whole areas only; accesses are asked to let go. */
static int iopt_unmap_iova_range(struct io_pagetable *iopt, uint64_t start,
				 uint64_t last, uint64_t *unmapped)
{
	uint64_t done = 0;
	unsigned int tries = 0;
	struct iopt_area *area;
	int rc = 0;

	while ((area = iopt_area_iter_first(iopt, start, last))) {
		uint64_t area_first = iopt_area_iova(area);
		uint64_t area_last = iopt_area_last_iova(area);

		/* 7.x: locked by an object that has not been destroyed */
		if (area->num_locks) {
			rc = -EBUSY;
			break;
		}
		if (area_first < start || area_last > last) {
			rc = -ENOENT;
			break;
		}
		if (area_first != start)
			tries = 0;
		if (area->num_accesses) {
			start = area_first;
			area->prevent_access = true;
			iommufd_access_notify_unmap(iopt, area_first,
						    area_last - area_first + 1);
			if (++tries > 100) {
				rc = -EDEADLK;
				break;
			}
			continue;
		}
		iopt_remove_area(iopt, area);
		done += area_last - area_first + 1;
		if (area_last >= last)
			break;
		start = area_last + 1;
	}
	if (unmapped)
		*unmapped = done;
	return rc;
}

/* iopt_unmap_iova(): whole areas inside [iova, iova + length). */
int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped)
{
	uint64_t last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

/* iopt_unmap_all(): succeeds on an empty IOAS. */
int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped)
{
	return iopt_unmap_iova_range(iopt, 0, UINT64_MAX, unmapped);
}

static void iopt_free_itree(struct itree *tree, size_t offset)
{
	struct itree_node *n;

	while ((n = itree_min(tree))) {
		itree_remove(tree, n);
		mock_free((char *)n - offset);
	}
}

/* iopt_set_allow_iova(): takes over *allowed_iova, or leaves it EADDRINUSE. */
int iopt_set_allow_iova(struct io_pagetable *iopt, struct itree *allowed_iova)
{
	struct itree_node *n;
	struct itree tmp;

	for (n = itree_min(allowed_iova); n; n = itree_succ(n))
		if (itree_first(&iopt->reserved_itree, n->start, n->last))
			return -EADDRINUSE;
	tmp = iopt->allowed_itree;
	iopt->allowed_itree = *allowed_iova;
	*allowed_iova = tmp;
	return 0;
}

/* Rebuilds the union of the reserved ranges inside the "used" tree. */
static int iopt_reserved_rebuild(struct io_pagetable *iopt)
{
	struct itree_node *n;
	struct iopt_area *segs = NULL;
	size_t nsegs = 0, cap = 0, i;

	for (n = itree_min(&iopt->reserved_itree); n; n = itree_succ(n)) {
		if (nsegs && (segs[nsegs - 1].node.last == UINT64_MAX ||
			      n->start <= segs[nsegs - 1].node.last + 1)) {
			if (n->last > segs[nsegs - 1].node.last)
				segs[nsegs - 1].node.last = n->last;
			continue;
		}
		if (nsegs == cap) {
			struct iopt_area *ns;

			cap = cap ? cap * 2 : 8;
			ns = mock_realloc(segs, cap * sizeof(*ns));
			if (!ns) {
				mock_free(segs);
				return -ENOMEM;
			}
			segs = ns;
		}
		memset(&segs[nsegs], 0, sizeof(segs[nsegs]));
		segs[nsegs].kind = IOPT_USED_RESERVED;
		segs[nsegs].node.start = n->start;
		segs[nsegs].node.last = n->last;
		nsegs++;
	}
	for (i = 0; i < iopt->nresv_segs; i++)
		itree_remove(&iopt->used, &iopt->resv_segs[i].node);
	mock_free(iopt->resv_segs);
	iopt->resv_segs = segs;
	iopt->nresv_segs = nsegs;
	for (i = 0; i < nsegs; i++)
		itree_insert(&iopt->used, &segs[i].node);
	return 0;
}

/* iopt_reserve_iova() */
int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start, uint64_t last,
		      const void *owner)
{
	struct iopt_reserved *reserved;

	if (iopt_area_iter_first(iopt, start, last) ||
	    itree_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	reserved = mock_calloc(1, sizeof(*reserved));
	if (!reserved)
		return -ENOMEM;
	reserved->node.start = start;
	reserved->node.last = last;
	reserved->owner = owner;
	itree_insert(&iopt->reserved_itree, &reserved->node);
	return iopt_reserved_rebuild(iopt);
}

/* iopt_remove_reserved_iova() */
void iopt_remove_reserved_iova(struct io_pagetable *iopt, const void *owner)
{
	struct itree_node *n, *next;

	for (n = itree_min(&iopt->reserved_itree); n; n = next) {
		struct iopt_reserved *reserved =
			container_of(n, struct iopt_reserved, node);

		next = itree_succ(n);
		if (reserved->owner == owner) {
			itree_remove(&iopt->reserved_itree, n);
			mock_free(reserved);
		}
	}
	iopt_reserved_rebuild(iopt);
}

/*
 * The holes of interval_tree_for_each_span() over reserved_itree, which is
 * what IOMMU_IOAS_IOVA_RANGES and VFIO's IOVA-range capability report.
 */
int iopt_for_each_reserved_hole(struct io_pagetable *iopt,
				int (*fn)(void *arg, uint64_t start,
					  uint64_t last),
				void *arg)
{
	uint64_t next = 0;
	bool exhausted = false;
	int rc;

	for (size_t i = 0; i <= iopt->nresv_segs && !exhausted; i++) {
		uint64_t start = next, last = UINT64_MAX;

		if (i < iopt->nresv_segs) {
			const struct itree_node *seg = &iopt->resv_segs[i].node;

			if (seg->last == UINT64_MAX)
				exhausted = true;
			else
				next = seg->last + 1;
			if (seg->start <= start)
				continue;
			last = seg->start - 1;
		}
		rc = fn(arg, start, last);
		if (rc)
			return rc;
	}
	return 0;
}

/* iopt_init_table() */
void iopt_init_table(struct io_pagetable *iopt)
{
	memset(iopt, 0, sizeof(*iopt));
	iopt->iova_alignment = 1;
}

/* iopt_destroy_table(): what is left once the areas are gone. */
void iopt_destroy_table(struct io_pagetable *iopt)
{
	iopt_unmap_iova_range(iopt, 0, UINT64_MAX, NULL);
	iopt_free_itree(&iopt->reserved_itree,
			offsetof(struct iopt_reserved, node));
	iopt_reserved_rebuild(iopt);
	iopt_free_itree(&iopt->allowed_itree,
			offsetof(struct iopt_allowed, node));
	mock_free(iopt->resv_segs);
	mock_free(iopt->domains);
	mock_free(iopt->access_list);
}

/* iopt_unfill_domain(): the last domain takes the areas' pins with it. */
static void iopt_unfill_domain(struct io_pagetable *iopt)
{
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(area, 0, UINT64_MAX))
		iopt_area_unpin_domains(area);
}

/* iopt_fill_domain(): the first domain pins every area; later ones share. */
static int iopt_fill_domain(struct io_pagetable *iopt)
{
	struct iopt_area *area, *undo;
	int rc;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(area, 0, UINT64_MAX)) {
		rc = iopt_area_fill_domains(area);
		if (rc) {
			for (undo = iopt_area_iter_first(iopt, 0, UINT64_MAX);
			     undo != area;
			     undo = iopt_area_iter_next(undo, 0, UINT64_MAX))
				iopt_area_unpin_domains(undo);
			return rc;
		}
	}
	return 0;
}

/* iopt_check_iova_alignment() */
static int iopt_check_iova_alignment(struct io_pagetable *iopt,
				     uint64_t new_iova_alignment)
{
	uint64_t mask = new_iova_alignment - 1;
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(area, 0, UINT64_MAX))
		if ((iopt_area_iova(area) & mask) ||
		    (iopt_area_length(area) & mask) ||
		    ((area->start_byte % umem_page_size()) & mask))
			return -EADDRINUSE;
	return 0;
}

/* iopt_table_add_domain(): aperture, alignment, then fill (pin). */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct mock_iommu_domain *domain)
{
	uint64_t new_iova_alignment = lowest_bit(domain->pgsize_bitmap);
	int rc;

	if (iopt->iova_alignment > new_iova_alignment)
		new_iova_alignment = iopt->iova_alignment;
	if (new_iova_alignment > umem_page_size())
		return -EINVAL;
	if (new_iova_alignment != iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, new_iova_alignment);
		if (rc)
			return rc;
	}
	if (domain->aperture_start) {
		rc = iopt_reserve_iova(iopt, 0, domain->aperture_start - 1,
				       domain);
		if (rc)
			goto out_reserved;
	}
	if (domain->aperture_end != UINT64_MAX) {
		rc = iopt_reserve_iova(iopt, domain->aperture_end + 1,
				       UINT64_MAX, domain);
		if (rc)
			goto out_reserved;
	}
	if (!iopt->ndomains) {
		rc = iopt_fill_domain(iopt);
		if (rc)
			goto out_reserved;
	}
	rc = ptr_array_add(&iopt->domains, &iopt->ndomains, domain);
	if (rc)
		goto out_unfill;
	iopt->iova_alignment = new_iova_alignment;
	return 0;

out_unfill:
	if (!iopt->ndomains)
		iopt_unfill_domain(iopt);
out_reserved:
	iopt_remove_reserved_iova(iopt, domain);
	return rc;
}

/* iopt_calculate_iova_alignment() */
static int iopt_calculate_iova_alignment(struct io_pagetable *iopt)
{
	uint64_t new_iova_alignment =
		iopt->disable_large_pages ? umem_page_size() : 1;
	size_t i;
	int rc;

	for (i = 0; i < iopt->ndomains; i++)
		if (lowest_bit(iopt->domains[i]->pgsize_bitmap) >
		    new_iova_alignment)
			new_iova_alignment =
				lowest_bit(iopt->domains[i]->pgsize_bitmap);
	for (i = 0; i < iopt->naccess; i++)
		if (iopt->access_list[i]->iova_alignment > new_iova_alignment)
			new_iova_alignment = iopt->access_list[i]->iova_alignment;
	if (new_iova_alignment > iopt->iova_alignment) {
		rc = iopt_check_iova_alignment(iopt, new_iova_alignment);
		if (rc)
			return rc;
	}
	iopt->iova_alignment = new_iova_alignment;
	return 0;
}

/* iopt_table_remove_domain() */
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct mock_iommu_domain *domain)
{
	ptr_array_del(&iopt->domains, &iopt->ndomains, domain);
	if (!iopt->ndomains)
		iopt_unfill_domain(iopt);
	iopt_remove_reserved_iova(iopt, domain);
	iopt_calculate_iova_alignment(iopt);
}

/*
 * iopt_area_split(): type1 (v1) may unmap inside a mapping, so the area is
 * cut in two at iova (iova becomes the last byte of the left half).
 */
static int iopt_area_split(struct io_pagetable *iopt, struct iopt_area *area,
			   uint64_t iova)
{
	uint64_t start = iopt_area_iova(area), last = iopt_area_last_iova(area);
	uint64_t new_start = iova + 1, align = iopt->iova_alignment;
	struct iopt_area *lhs, *rhs;
	int rc;

	if (iova == start || iova == last)
		return 0;
	if (area->prevent_access)
		return -EBUSY;
	/* 7.x: "Maintaining the domains_itree below is a bit complicated" */
	if (area->pages->type == IOPT_ADDRESS_DMABUF)
		return -EOPNOTSUPP;
	if ((new_start & (align - 1)) ||
	    (iopt_area_start_byte(area, new_start) & (align - 1)))
		return -EINVAL;
	if (area->num_accesses)
		return -EINVAL;
	if (area->storage_domain && !iopt->disable_large_pages)
		return -EINVAL;
	lhs = mock_calloc(1, sizeof(*lhs));
	rhs = mock_calloc(1, sizeof(*rhs));
	if (!lhs || !rhs) {
		mock_free(lhs);
		mock_free(rhs);
		return -ENOMEM;
	}
	*lhs = *area;
	*rhs = *area;
	lhs->node.last = iova;
	rhs->node.start = new_start;
	rhs->start_byte = iopt_area_start_byte(area, new_start);
	lhs->storage_domain = rhs->storage_domain = false;
	/* The halves take over the pins before the whole lets go of them. */
	if (area->storage_domain) {
		rc = iopt_area_fill_domains(lhs);
		if (!rc) {
			rc = iopt_area_fill_domains(rhs);
			if (rc)
				iopt_area_unpin_domains(lhs);
		}
		if (rc) {
			mock_free(lhs);
			mock_free(rhs);
			return rc;
		}
		iopt_area_unpin_domains(area);
	}
	itree_remove(&iopt->used, &area->node);
	itree_insert(&iopt->used, &lhs->node);
	itree_insert(&iopt->used, &rhs->node);
	area->pages->refs++;
	iopt->nareas++;
	mock_free(area);
	return 0;
}

/* iopt_cut_iova(): splits the areas holding each iova after that byte. */
int iopt_cut_iova(struct io_pagetable *iopt, uint64_t *iovas, size_t num_iovas)
{
	int rc = 0;

	for (size_t i = 0; i < num_iovas && !rc; i++) {
		struct iopt_area *area = iopt_area_iter_first(iopt, iovas[i],
							      iovas[i]);

		if (area)
			rc = iopt_area_split(iopt, area, iovas[i]);
	}
	return rc;
}

/* iopt_enable_large_pages() */
void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	iopt->disable_large_pages = false;
	iopt_calculate_iova_alignment(iopt);
}

/* iopt_disable_large_pages(): refused once domains hold areas. */
int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc;

	if (iopt->disable_large_pages)
		return 0;
	if (iopt->ndomains && iopt->nareas)
		return -EINVAL;
	iopt->disable_large_pages = true;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		iopt->disable_large_pages = false;
	return rc;
}

/* iopt_add_access(): the access's alignment joins the IOAS's. */
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access)
{
	int rc;

	rc = ptr_array_add(&iopt->access_list, &iopt->naccess, access);
	if (rc)
		return rc;
	rc = iopt_calculate_iova_alignment(iopt);
	if (rc)
		ptr_array_del(&iopt->access_list, &iopt->naccess, access);
	return rc;
}

/* iopt_remove_access() */
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access)
{
	ptr_array_del(&iopt->access_list, &iopt->naccess, access);
	iopt_calculate_iova_alignment(iopt);
}
