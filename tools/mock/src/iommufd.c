// SPDX-License-Identifier: GPL-2.0
/*
 * The object families of the mock (pages, io_pagetable, ioas, vfio_compat,
 * hw_pagetable, device, eventq, selftest), each section already in its
 * kernel file's shape; the commits that follow give each its own file.
 */
// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/pages.c, checked against Linux 6.12:
 * iopt_pages, the user memory behind a map, as pin_user_pages(FOLL_LONGTERM)
 * sees it; the memlock accounting of what is pinned; filling and unfilling
 * domains; access ranges and reads/writes through them.
 *
 * Model: a page is "pinned" while any holder needs it: the domains of an
 * area (together, once) or an access range. Each page is pinned once per
 * iopt_pages however many domains and areas hold it, as the kernel does, and
 * that is what MD_CHECK_REFS counts. The pin rules themselves (EFAULT for
 * unmapped, read-only, VM_IO/VM_PFNMAP memory, ...) are umem.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <linux/capability.h>

#include "iommufd_private.h"

#define HOLDER_CHUNK 4096

/* Pages accounted in IOPT_PAGES_ACCOUNT_USER and _MM modes, process wide. */
static uint64_t g_user_locked_vm, g_mm_locked_vm;
/* Every iopt_pages of the process by user VA, for MD_CHECK_REFS. */
static struct itree g_pages_by_uva;

static uint64_t memlock_limit_pages(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur / umem_page_size();
}

/*
 * do_update_pinned(): USER mode is per user (incr_user_locked_vm()), MM mode
 * per mm including mlock()ed memory (update_mm_locked_vm()).
 */
static int do_update_pinned(struct iopt_pages *pages, uint64_t npages,
			    bool inc)
{
	uint64_t *ctr;

	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		return 0;
	case IOPT_PAGES_ACCOUNT_USER:
		ctr = &g_user_locked_vm;
		if (inc && *ctr + npages > memlock_limit_pages())
			return -ENOMEM;
		break;
	case IOPT_PAGES_ACCOUNT_MM:
		ctr = &g_mm_locked_vm;
		if (inc && umem_vmlck_pages() + *ctr + npages >
				   memlock_limit_pages())
			return -ENOMEM;
		break;
	default:
		return -EINVAL;
	}
	if (inc)
		*ctr += npages;
	else
		*ctr -= npages;
	return 0;
}

/* ---- who holds each page (the kernel's pinned_pfns xarray and domains) ---- */

static uint32_t holder_get(const struct iopt_pages *pages, uint64_t idx)
{
	const uint32_t *chunk;

	if (!pages->holders)
		return 0;
	chunk = pages->holders[idx / HOLDER_CHUNK];
	return chunk ? chunk[idx % HOLDER_CHUNK] : 0;
}

static int holder_add(struct iopt_pages *pages, uint64_t idx, int delta)
{
	uint32_t **slot;

	if (!pages->holders) {
		pages->holders = calloc((pages->npages + HOLDER_CHUNK - 1) /
						HOLDER_CHUNK,
					sizeof(*pages->holders));
		if (!pages->holders)
			return -ENOMEM;
	}
	slot = &pages->holders[idx / HOLDER_CHUNK];
	if (!*slot) {
		*slot = calloc(HOLDER_CHUNK, sizeof(**slot));
		if (!*slot)
			return -ENOMEM;
	}
	(*slot)[idx % HOLDER_CHUNK] += delta;
	return 0;
}

/*
 * Pins pages [first, last] for one more holder. Pages nobody held yet are
 * pinned now: pin_user_pages() rules (EFAULT) and then the memlock
 * accounting (ENOMEM), the order pfn_reader_fill_span() meets them.
 */
static int iopt_pages_pin(struct iopt_pages *pages, uint64_t first,
			  uint64_t last)
{
	uint64_t ps = umem_page_size(), idx, newly = 0;
	int rc;

	for (idx = first; idx <= last;) {
		uint64_t run;

		if (holder_get(pages, idx)) {
			idx++;
			continue;
		}
		for (run = idx; run <= last && !holder_get(pages, run); run++)
			;
		rc = umem_check_pin(pages->uptr + idx * ps, (run - idx) * ps,
				    pages->writable, true);
		if (rc)
			return rc;
		newly += run - idx;
		idx = run;
	}
	rc = do_update_pinned(pages, newly, true);
	if (rc)
		return rc;
	for (idx = first; idx <= last; idx++) {
		rc = holder_add(pages, idx, 1);
		if (rc) {
			while (idx-- > first)
				holder_add(pages, idx, -1);
			do_update_pinned(pages, newly, false);
			return rc;
		}
	}
	pages->npinned += newly;
	return 0;
}

/* The holder of [first, last] lets go; pages nobody holds are unpinned. */
static void iopt_pages_unpin(struct iopt_pages *pages, uint64_t first,
			     uint64_t last)
{
	uint64_t idx, released = 0;

	for (idx = first; idx <= last; idx++) {
		holder_add(pages, idx, -1);
		if (!holder_get(pages, idx))
			released++;
	}
	pages->npinned -= released;
	do_update_pinned(pages, released, false);
}

/* iopt_alloc_pages() */
struct iopt_pages *iopt_alloc_pages(uint64_t uptr, uint64_t length,
				    bool writable, int *rc)
{
	uint64_t ps = umem_page_size(), end;
	struct iopt_pages *pages;

	if (length > SIZE_MAX - ps || length == 0) {
		*rc = -EINVAL;
		return NULL;
	}
	if (__builtin_add_overflow(uptr, length, &end)) {
		*rc = -EOVERFLOW;
		return NULL;
	}
	pages = calloc(1, sizeof(*pages));
	if (!pages) {
		*rc = -ENOMEM;
		return NULL;
	}
	pages->refs = 1;
	pages->uptr = uptr & ~(ps - 1);
	pages->npages = (length + (uptr - pages->uptr) + ps - 1) / ps;
	pages->writable = writable;
	pages->account_mode = capable(CAP_IPC_LOCK) ? IOPT_PAGES_ACCOUNT_NONE :
						      IOPT_PAGES_ACCOUNT_USER;
	pages->uva_node.start = pages->uptr;
	pages->uva_node.last = pages->uptr + pages->npages * ps - 1;
	itree_insert(&g_pages_by_uva, &pages->uva_node);
	return pages;
}

/* iopt_put_pages(): kref_put(), iopt_release_pages() with the last one. */
void iopt_put_pages(struct iopt_pages *pages)
{
	if (--pages->refs)
		return;
	itree_remove(&g_pages_by_uva, &pages->uva_node);
	if (pages->holders) {
		for (uint64_t i = 0;
		     i < (pages->npages + HOLDER_CHUNK - 1) / HOLDER_CHUNK; i++)
			free(pages->holders[i]);
		free(pages->holders);
	}
	free(pages);
}

/*
 * iopt_area_fill_domains(): the first domain pins the area's pages; every
 * further domain shares those pins (area->storage_domain).
 */
int iopt_area_fill_domains(struct iopt_area *area)
{
	int rc;

	if (area->storage_domain)
		return 0;
	rc = iopt_pages_pin(area->pages, iopt_area_index(area),
			    iopt_area_last_index(area));
	if (!rc)
		area->storage_domain = true;
	return rc;
}

/* The pins the domains held (iopt_area_unpin_domain()). */
void iopt_area_unpin_domains(struct iopt_area *area)
{
	if (!area->storage_domain)
		return;
	iopt_pages_unpin(area->pages, iopt_area_index(area),
			 iopt_area_last_index(area));
	area->storage_domain = false;
}

/* iopt_area_unfill_domains(): every domain loses the area's entries. */
void iopt_area_unfill_domains(struct iopt_area *area, struct io_pagetable *iopt)
{
	for (size_t i = 0; i < iopt->ndomains; i++)
		mock_domain_unmap_pages(iopt->domains[i], iopt_area_iova(area),
					iopt_area_length(area));
	iopt_area_unpin_domains(area);
}

/*
 * iopt_pages_rw_access(): the data moves through the user VA. The fast path
 * is copy_to/from_user (EFAULT on a bad VA); the slow path goes through
 * pinning, which applies the pin_user_pages() rules to the pages touched.
 */
int iopt_pages_rw_access(struct iopt_pages *pages, uint64_t start_byte,
			 uint8_t *data, uint64_t length, uint32_t flags)
{
	uint64_t ps = umem_page_size(), va = pages->uptr + start_byte;
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	if (flags & __IOMMUFD_ACCESS_RW_SLOW_PATH) {
		uint64_t first = va & ~(ps - 1);
		uint64_t end = (va + length + ps - 1) & ~(ps - 1);
		bool single = start_byte / ps == (start_byte + length - 1) / ps;

		/*
		 * iopt_pages_rw_page() pins one page with FOLL_WRITE only
		 * for a write; iopt_pages_rw_slow() reads through the pfn
		 * reader, which pins with FOLL_WRITE when the pages are
		 * writable.
		 */
		rc = umem_check_pin(first, end - first,
				    single ? write : pages->writable, !single);
		if (rc)
			return rc;
	}
	return write ? umem_copy_to(va, data, length) :
		       umem_copy_from(data, va, length);
}

/* iopt_pages_get_exact_access(): the access range [index, last], if any. */
static struct iopt_pages_access *
iopt_pages_get_exact_access(struct iopt_pages *pages, uint64_t index,
			    uint64_t last)
{
	struct itree_node *n;

	for (n = itree_first(&pages->access_itree, index, last); n;
	     n = itree_next(n, index, last))
		if (n->start == index && n->last == last)
			return container_of(n, struct iopt_pages_access, node);
	return NULL;
}

/* iopt_area_add_access() */
int iopt_area_add_access(struct iopt_area *area, uint64_t start_index,
			 uint64_t last_index, bool write)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	access = iopt_pages_get_exact_access(pages, start_index, last_index);
	if (access) {
		access->users++;
		area->num_accesses++;
		return 0;
	}
	access = calloc(1, sizeof(*access));
	if (!access)
		return -ENOMEM;
	rc = iopt_pages_pin(pages, start_index, last_index);
	if (rc) {
		free(access);
		return rc;
	}
	access->node.start = start_index;
	access->node.last = last_index;
	access->users = 1;
	itree_insert(&pages->access_itree, &access->node);
	area->num_accesses++;
	return 0;
}

/* iopt_area_remove_access() */
void iopt_area_remove_access(struct iopt_area *area, uint64_t start_index,
			     uint64_t last_index)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;

	access = iopt_pages_get_exact_access(pages, start_index, last_index);
	if (!access)
		return;
	area->num_accesses--;
	if (--access->users)
		return;
	itree_remove(&pages->access_itree, &access->node);
	iopt_pages_unpin(pages, start_index, last_index);
	free(access);
}

/* The page's refcount over GUP_PIN_COUNTING_BIAS, as MD_CHECK_REFS reads it. */
unsigned int iopt_pages_count_pins(uint64_t uva)
{
	uint64_t ps = umem_page_size();
	unsigned int pins = 0;
	struct itree_node *n;

	for (n = itree_first(&g_pages_by_uva, uva, uva); n;
	     n = itree_next(n, uva, uva)) {
		struct iopt_pages *pages =
			container_of(n, struct iopt_pages, uva_node);

		if (holder_get(pages, (uva - pages->uptr) / ps))
			pins++;
	}
	return pins;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/io_pagetable.c, checked against Linux 6.12:
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
	area = calloc(1, sizeof(*area));
	if (!area)
		return -ENOMEM;
	area->kind = IOPT_USED_AREA;
	area->iommu_prot = iommu_prot;
	area->start_byte = elm->start_byte;
	area->node.start = iova;
	if (__builtin_add_overflow(iova, elm->length - 1, &area->node.last)) {
		free(area);
		return -EOVERFLOW;
	}
	area->pages = elm->pages;
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
		rc = iopt_alloc_iova(iopt, dst_iova,
				     list[0].pages->uptr + list[0].start_byte,
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
			free(list[i].area);
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

/* iopt_map_user_pages(): one new iopt_pages over [uptr, uptr + length). */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			uint64_t *iova, uint64_t uptr, uint64_t length,
			int iommu_prot, unsigned int flags)
{
	struct iopt_pages_list elm = {};
	int rc;

	elm.pages = iopt_alloc_pages(uptr, length,
				     iommu_prot & IOMMU_IOAS_MAP_WRITEABLE, &rc);
	if (!elm.pages)
		return rc;
	if (ictx->account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    elm.pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
		elm.pages->account_mode = IOPT_PAGES_ACCOUNT_MM;
	elm.start_byte = uptr - elm.pages->uptr;
	elm.length = length;
	rc = iopt_map_pages(iopt, &elm, 1, length, iova, iommu_prot, flags);
	/* The area took its own reference; this one was the list's. */
	iopt_put_pages(elm.pages);
	return rc;
}

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
			realloc(*list, (*nlist + 1) * sizeof(*n));

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
	free(area);
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
		free((char *)n - offset);
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
			ns = realloc(segs, cap * sizeof(*ns));
			if (!ns) {
				free(segs);
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
	free(iopt->resv_segs);
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
	reserved = calloc(1, sizeof(*reserved));
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
			free(reserved);
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
	free(iopt->resv_segs);
	free(iopt->domains);
	free(iopt->access_list);
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
	if ((new_start & (align - 1)) ||
	    (iopt_area_start_byte(area, new_start) & (align - 1)))
		return -EINVAL;
	if (area->num_accesses)
		return -EINVAL;
	if (area->storage_domain && !iopt->disable_large_pages)
		return -EINVAL;
	lhs = calloc(1, sizeof(*lhs));
	rhs = calloc(1, sizeof(*rhs));
	if (!lhs || !rhs) {
		free(lhs);
		free(rhs);
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
			free(lhs);
			free(rhs);
			return rc;
		}
		iopt_area_unpin_domains(area);
	}
	itree_remove(&iopt->used, &area->node);
	itree_insert(&iopt->used, &lhs->node);
	itree_insert(&iopt->used, &rhs->node);
	area->pages->refs++;
	iopt->nareas++;
	free(area);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/ioas.c, checked against Linux 6.12: the
 * IOAS object and its ioctls (IOAS_ALLOC, IOVA_RANGES, ALLOW_IOVAS, MAP,
 * COPY, UNMAP) and the IOMMU_OPTION handlers that belong to an IOAS or to
 * the context's accounting. The order of checks, and so which errno wins
 * when several apply, is the kernel's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "iommufd_private.h"

/* iommufd_ioas_destroy() */
void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_destroy_table(&ioas->iopt);
	free(ioas->hwpt_list);
}

/* iommufd_ioas_alloc() */
static struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = _iommufd_object_alloc(ictx, sizeof(*ioas), IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return NULL;
	iopt_init_table(&ioas->iopt);
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (!ioas)
		return -ENOMEM;
	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort(ucmd->ictx, &ioas->obj);
	return rc;
}

struct iova_ranges_out {
	uint64_t uptr;
	uint32_t max, count;
};

static int iova_ranges_fill(void *arg, uint64_t start, uint64_t last)
{
	struct iova_ranges_out *out = arg;
	struct iommu_iova_range range = { .start = start, .last = last };
	int rc;

	if (out->count < out->max) {
		rc = umem_copy_to(out->uptr +
					  (uint64_t)out->count * sizeof(range),
				  &range, sizeof(range));
		if (rc)
			return rc;
	}
	out->count++;
	return 0;
}

/* iommufd_ioas_iova_ranges(): the holes, EMSGSIZE after responding. */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iova_ranges_out out = {
		.uptr = cmd->allowed_iovas, .max = cmd->num_iovas
	};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	rc = iopt_for_each_reserved_hole(&ioas->iopt, iova_ranges_fill, &out);
	if (rc)
		return rc;
	cmd->num_iovas = out.count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	return out.count > out.max ? -EMSGSIZE : 0;
}

static void free_allowed(struct itree *itree)
{
	struct itree_node *n;

	while ((n = itree_min(itree))) {
		itree_remove(itree, n);
		free(container_of(n, struct iopt_allowed, node));
	}
}

/* iommufd_ioas_load_iovas(): ranges must be well formed and disjoint. */
static int iommufd_ioas_load_iovas(struct itree *itree, uint64_t uptr,
				   uint32_t num)
{
	for (uint32_t i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct iopt_allowed *allowed;
		int rc;

		rc = umem_copy_from(&range, uptr + i * sizeof(range),
				    sizeof(range));
		if (rc)
			return rc;
		if (range.start >= range.last ||
		    itree_first(itree, range.start, range.last))
			return -EINVAL;
		allowed = calloc(1, sizeof(*allowed));
		if (!allowed)
			return -ENOMEM;
		allowed->node.start = range.start;
		allowed->node.last = range.last;
		itree_insert(itree, &allowed->node);
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct itree allowed_iova = {};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	rc = iommufd_ioas_load_iovas(&allowed_iova, cmd->allowed_iovas,
				     cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allow_iova(&ioas->iopt, &allowed_iova);
	free_allowed(&allowed_iova);
	return rc;
}

/* conv_iommu_prot(): the mock keeps the uAPI's READABLE/WRITEABLE bits. */
static int conv_iommu_prot(uint32_t map_flags)
{
	return map_flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE);
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	unsigned int flags = 0;
	struct iommufd_ioas *ioas;
	uint64_t iova = cmd->iova;
	int rc;

	if ((cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
			    IOMMU_IOAS_MAP_WRITEABLE |
			    IOMMU_IOAS_MAP_READABLE)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(ucmd->ictx, &ioas->iopt, &iova, cmd->user_va,
				 cmd->length, conv_iommu_prot(cmd->flags),
				 flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iopt_pages_list *list = NULL;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	unsigned int flags = 0;
	size_t nlist = 0;
	uint64_t iova;
	int rc;

	iommufd_test_syz_conv_iova_id(ucmd, cmd->src_ioas_id, &cmd->src_iova,
				      &cmd->flags);
	if (cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			   IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src_ioas)
		return -ENOENT;
	rc = iopt_get_pages(&src_ioas->iopt, cmd->src_iova, cmd->length, &list,
			    &nlist);
	if (rc)
		goto out_free;
	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst_ioas) {
		rc = -ENOENT;
		goto out_free;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	iova = cmd->dst_iova;
	rc = iopt_map_pages(&dst_ioas->iopt, list, nlist, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_free;
	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	free(list);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		if (rc)
			return rc;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
			return -EOVERFLOW;
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		if (rc)
			return rc;
		if (!unmapped)
			return -ENOENT;
	}
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* iommufd_option_rlimit_mode(): per user, or per mm after SET 1. */
int iommufd_option_rlimit_mode(struct iommu_option *cmd,
			       struct iommufd_ctx *ictx)
{
	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (!capable(CAP_SYS_RESOURCE))
			return -EPERM;
		if (ictx->nobjs)
			return -EBUSY;
		if (cmd->val64 == 0)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
		else if (cmd->val64 == 1)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
		else
			return -EINVAL;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int iommufd_ioas_option_huge_pages(struct iommu_option *cmd,
					  struct iommufd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(&ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(&ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	return -EOPNOTSUPP;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	return iommufd_ioas_option_huge_pages(cmd, ioas);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/vfio_compat.c, checked against Linux 6.12:
 * IOMMU_VFIO_IOAS (the compat IOAS) and the VFIO type1 container ioctls
 * answered on /dev/iommu (GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU,
 * IOMMU_GET_INFO with its capabilities, MAP_DMA, UNMAP_DMA). No-iommu mode
 * is not built (as with CONFIG_VFIO_NOIOMMU=n).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "iommufd_private.h"

/* get_compat_ioas(): ENODEV until IOMMU_VFIO_IOAS set one. */
static struct iommufd_ioas *get_compat_ioas(struct iommufd_ctx *ictx, int *rc)
{
	if (!ictx->vfio_ioas)
		*rc = -ENODEV;
	return ictx->vfio_ioas;
}

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ucmd->ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ucmd->ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* iommufd_vfio_map_dma(): a fixed-IOVA map into the compat IOAS. */
static int iommufd_vfio_map_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	const uint32_t supported_flags = VFIO_DMA_MAP_FLAG_READ |
					 VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	struct iommufd_ioas *ioas;
	int iommu_prot = 0, rc;
	uint64_t iova;

	if (umem_copy_from(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~supported_flags))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		iommu_prot |= IOMMU_IOAS_MAP_READABLE;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		iommu_prot |= IOMMU_IOAS_MAP_WRITEABLE;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	iova = map.iova;
	return iopt_map_user_pages(ictx, &ioas->iopt, &iova, map.vaddr,
				   map.size, iommu_prot, 0);
}

/* iommufd_vfio_unmap_dma(): reports what it removed even when it fails. */
static int iommufd_vfio_unmap_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	if (umem_copy_from(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova != 0 || unmap.size != 0)
			return -EINVAL;
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (ioas->iopt.disable_large_pages) {
			/*
			 * Cut at the last byte of the range and before its
			 * first (no cut is needed before IOVA 0).
			 */
			uint64_t iovas[] = { unmap.iova + unmap.size - 1,
					     unmap.iova - 1 };

			rc = iopt_cut_iova(&ioas->iopt, iovas,
					   unmap.iova ? 2 : 1);
			if (rc)
				return rc;
		}
		rc = iopt_unmap_iova(&ioas->iopt, unmap.iova, unmap.size,
				     &unmapped);
	}
	unmap.size = unmapped;
	if (umem_copy_to(arg, &unmap, minsz))
		rc = -EFAULT;
	return rc;
}

/*
 * iommufd_vfio_cc_iommu(): a mock device cannot enforce cache coherency,
 * so any HWPT on the compat IOAS says no.
 */
static int iommufd_vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	int rc;

	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	return ioas->nhwpt ? 0 : 1;
}

static long iommufd_vfio_check_extension(struct iommufd_ctx *ictx,
					 unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		return iommufd_vfio_cc_iommu(ictx);
	default:
		/* NOIOMMU (not built), TYPE1_NESTING, UPDATE_VADDR, unknown */
		return 0;
	}
}

static int iommufd_vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommufd_ioas *ioas;
	int rc;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	/* Type1 v1 unmaps inside mappings: no large IOPTEs that can't split. */
	if (type == VFIO_TYPE1_IOMMU)
		return iopt_disable_large_pages(&ioas->iopt);
	return 0;
}

/* iommufd_get_pagesizes() */
static uint64_t iommufd_get_pagesizes(struct iommufd_ioas *ioas)
{
	uint64_t ps = umem_page_size(), pgsize_bitmap = UINT64_MAX;
	struct io_pagetable *iopt = &ioas->iopt;

	for (size_t i = 0; i < iopt->ndomains; i++)
		pgsize_bitmap &= iopt->domains[i]->pgsize_bitmap;
	if (pgsize_bitmap & (ps - 1)) {
		pgsize_bitmap &= ~(ps - 1);
		pgsize_bitmap |= ps;
	}
	return pgsize_bitmap > iopt->iova_alignment ? pgsize_bitmap :
						      iopt->iova_alignment;
}

struct fill_cap_iova_arg {
	uint64_t cur, avail;
	struct vfio_iommu_type1_info_cap_iova_range *cap;
};

static int fill_cap_iova_range(void *argp, uint64_t start, uint64_t last)
{
	struct fill_cap_iova_arg *arg = argp;
	struct vfio_iova_range range = { .start = start, .end = last };
	size_t range_off = offsetof(typeof(*arg->cap), iova_ranges);
	uint32_t nr = arg->cap->nr_iovas;

	if (arg->avail >= sizeof(*arg->cap) + (nr + 1) * sizeof(range) &&
	    umem_copy_to(arg->cur + range_off + nr * sizeof(range), &range,
			 sizeof(range)))
		return -EFAULT;
	arg->cap->nr_iovas++;
	return 0;
}

/* iommufd_fill_cap_iova(): the holes between reserved ranges. */
static int iommufd_fill_cap_iova(struct iommufd_ioas *ioas, uint64_t cur,
				 uint64_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	struct fill_cap_iova_arg arg = { .cur = cur, .avail = avail, .cap = &cap };
	int rc;

	rc = iopt_for_each_reserved_hole(&ioas->iopt, fill_cap_iova_range, &arg);
	if (rc)
		return rc;
	if (avail >= sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range) &&
	    umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range);
}

/* iommufd_fill_cap_dma_avail(): U32_MAX, as s390 QEMU needs. */
static int iommufd_fill_cap_dma_avail(struct iommufd_ioas *ioas, uint64_t cur,
				      uint64_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap) && umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int iommufd_vfio_iommu_get_info(struct iommufd_ctx *ictx, uint64_t arg)
{
	int (*const fill_fns[])(struct iommufd_ioas *, uint64_t, uint64_t) = {
		iommufd_fill_cap_dma_avail, iommufd_fill_cap_iova,
	};
	struct vfio_iommu_type1_info info = {};
	size_t minsz = offsetofend(typeof(info), iova_pgsizes);
	uint64_t total_cap_size = sizeof(info), last_cap = 0;
	bool have_last = false;
	struct iommufd_ioas *ioas;
	int rc;

	if (umem_copy_from(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = iommufd_get_pagesizes(ioas);
	info.cap_offset = 0;
	for (size_t i = 0; i < sizeof(fill_fns) / sizeof(fill_fns[0]); i++) {
		int cap_size = info.argsz > total_cap_size ?
				       fill_fns[i](ioas, arg + total_cap_size,
						   info.argsz - total_cap_size) :
				       fill_fns[i](ioas, 0, 0);

		if (cap_size < 0)
			return cap_size;
		cap_size = (cap_size + 7) & ~7;
		if (have_last && info.argsz >= total_cap_size) {
			uint32_t next = (uint32_t)total_cap_size;

			if (umem_copy_to(last_cap +
						 offsetof(struct vfio_info_cap_header,
							  next),
					 &next, sizeof(next)))
				return -EFAULT;
		}
		last_cap = arg + total_cap_size;
		have_last = true;
		total_cap_size += cap_size;
	}
	if (info.argsz >= total_cap_size)
		info.cap_offset = sizeof(info);
	info.argsz = total_cap_size;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	return umem_copy_to(arg, &info, minsz);
}

/* iommufd_vfio_ioctl(): the type1 container ioctls on /dev/iommu. */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
			uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return iommufd_vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommufd_vfio_iommu_get_info(ictx, arg);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_vfio_map_dma(ictx, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_vfio_unmap_dma(ictx, arg);
	default:
		return -ENOTTY;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/hw_pagetable.c, checked against Linux 6.12:
 * paging HWPTs (a domain on an IOAS, automatic or user allocated), nested
 * HWPTs over a NEST_PARENT paging one, and their ioctls (HWPT_ALLOC,
 * SET_DIRTY_TRACKING, GET_DIRTY_BITMAP, INVALIDATE). The domains are the
 * mock driver's (selftest.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/* __iommufd_hwpt_destroy() */
static void __iommufd_hwpt_destroy(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->fault)
		hwpt->fault->obj.users--;
	mock_domain_free(&hwpt->domain);
}

/* iommufd_hwpt_paging_destroy(): off the IOAS, then the domain goes. */
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt_paging =
		to_hwpt_paging(container_of(obj, struct iommufd_hw_pagetable, obj));
	struct iommufd_ioas *ioas = hwpt_paging->ioas;

	ptr_array_del(&ioas->hwpt_list, &ioas->nhwpt, hwpt_paging);
	iopt_table_remove_domain(&ioas->iopt, &hwpt_paging->common.domain);
	ioas->obj.users--;
	__iommufd_hwpt_destroy(&hwpt_paging->common);
}

/* iommufd_hwpt_nested_destroy() */
void iommufd_hwpt_nested_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_nested *hwpt_nested =
		to_hwpt_nested(container_of(obj, struct iommufd_hw_pagetable, obj));

	hwpt_nested->parent->common.obj.users--;
	__iommufd_hwpt_destroy(&hwpt_nested->common);
}

/*
 * iommufd_hwpt_paging_alloc(): the driver's paging domain, attached to idev
 * first when immediate_attach (the automatic domain of an attach), then
 * added to the IOAS, which fills it.
 */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, uint32_t flags,
			  bool immediate_attach, bool has_user_data, int *rc)
{
	const uint32_t valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
				     IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_hw_pagetable *hwpt;

	if (flags & ~valid_flags) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !mock_domain_capable_dirty(idev)) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	hwpt_paging = _iommufd_object_alloc(ictx, sizeof(*hwpt_paging),
					    IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt_paging) {
		*rc = -ENOMEM;
		return NULL;
	}
	hwpt = &hwpt_paging->common;
	ioas->obj.users++;
	hwpt_paging->ioas = ioas;
	hwpt_paging->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	*rc = mock_domain_alloc_paging(&hwpt->domain, idev, flags,
				       has_user_data);
	if (*rc)
		goto out_abort;
	if (immediate_attach) {
		*rc = iommufd_hw_pagetable_attach(hwpt, idev);
		if (*rc)
			goto out_abort;
	}
	*rc = iopt_table_add_domain(&ioas->iopt, &hwpt->domain);
	if (*rc)
		goto out_detach;
	*rc = ptr_array_add(&ioas->hwpt_list, &ioas->nhwpt, hwpt_paging);
	if (*rc) {
		iopt_table_remove_domain(&ioas->iopt, &hwpt->domain);
		goto out_detach;
	}
	return hwpt_paging;

out_detach:
	if (immediate_attach) {
		idev->hwpt = NULL;
		hwpt->obj.users--;
	}
out_abort:
	ioas->obj.users--;
	iommufd_object_abort(ictx, &hwpt->obj);
	return NULL;
}

/* iommufd_hwpt_nested_alloc(): the driver's nested domain over parent. */
static struct iommufd_hwpt_nested *
iommufd_hwpt_nested_alloc(struct iommufd_ctx *ictx,
			  struct iommufd_hwpt_paging *parent,
			  const struct iommu_hwpt_alloc *cmd, int *rc)
{
	struct iommufd_hwpt_nested *hwpt_nested;

	if ((cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !cmd->data_len) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	if (parent->auto_domain || !parent->nest_parent) {
		*rc = -EINVAL;
		return NULL;
	}
	hwpt_nested = _iommufd_object_alloc(ictx, sizeof(*hwpt_nested),
					    IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt_nested) {
		*rc = -ENOMEM;
		return NULL;
	}
	parent->common.obj.users++;
	hwpt_nested->parent = parent;
	*rc = mock_domain_alloc_nested(&hwpt_nested->common.domain, cmd);
	if (*rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt_nested->common.obj);
		return NULL;
	}
	return hwpt_nested;
}

int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_device *idev;
	struct iommufd_object *pt_obj;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	pt_obj = iommufd_get_object(ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -EINVAL;
	if (pt_obj->type == IOMMUFD_OBJ_IOAS) {
		struct iommufd_hwpt_paging *hwpt_paging;

		hwpt_paging = iommufd_hwpt_paging_alloc(
			ictx, container_of(pt_obj, struct iommufd_ioas, obj),
			idev, cmd->flags, false, cmd->data_len != 0, &rc);
		if (!hwpt_paging)
			return rc;
		hwpt = &hwpt_paging->common;
	} else if (pt_obj->type == IOMMUFD_OBJ_HWPT_PAGING) {
		struct iommufd_hwpt_nested *hwpt_nested;

		hwpt_nested = iommufd_hwpt_nested_alloc(
			ictx,
			to_hwpt_paging(container_of(
				pt_obj, struct iommufd_hw_pagetable, obj)),
			cmd, &rc);
		if (!hwpt_nested)
			return rc;
		hwpt = &hwpt_nested->common;
	} else {
		return -EINVAL;
	}
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_object *fault_obj;

		fault_obj = iommufd_get_object(ictx, cmd->fault_id,
					       IOMMUFD_OBJ_FAULT);
		if (!fault_obj) {
			rc = -ENOENT;
			goto out_hwpt;
		}
		hwpt->fault = container_of(fault_obj, struct iommufd_fault, obj);
		fault_obj->users++;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_hwpt;
	return 0;

out_hwpt:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	return rc;
}

int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	bool enable;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt_paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	return iopt_set_dirty_tracking(&hwpt_paging->ioas->iopt,
				       &hwpt_paging->common.domain, enable);
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt_paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	return iopt_read_and_clear_dirty_data(&hwpt_paging->ioas->iopt,
					      &hwpt_paging->common.domain,
					      cmd->flags, cmd);
}

/* iommufd_hwpt_invalidate(): entry_num says how far the driver got. */
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	struct iommufd_hwpt_nested *hwpt_nested;
	uint32_t done = 0;
	int rc = 0;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len ||
	     cmd->entry_len > umem_page_size() || cmd->entry_num > (1U << 19))) {
		rc = -EINVAL;
		goto out;
	}
	hwpt_nested = iommufd_get_hwpt_nested(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_nested) {
		rc = -ENOENT;
		goto out;
	}
	rc = mock_domain_cache_invalidate_user(&hwpt_nested->common.domain, cmd,
					       &done);
out:
	cmd->entry_num = done;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/*
 * iommufd_hw_pagetable_put(): an automatic domain dies with its last
 * device (iommufd_object_put_and_try_destroy()), a user's HWPT does not.
 */
void iommufd_hw_pagetable_put(struct iommufd_ctx *ictx,
			      struct iommufd_hw_pagetable *hwpt)
{
	hwpt->obj.users--;
	if (hwpt_is_paging(hwpt) && to_hwpt_paging(hwpt)->auto_domain &&
	    hwpt->obj.users == 1)
		iommufd_object_destroy_user(ictx, &hwpt->obj);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/device.c, checked against Linux 6.12: a
 * device bound to the context and its attachment to a HWPT (or to an IOAS
 * through an automatic domain), accesses (the in-kernel users of an IOAS
 * that pin pages or read and write through it), and GET_HW_INFO.
 *
 * Every device is a mock device of selftest.c, each in its own group, so
 * the group's hwpt is the device's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/* iommufd_device_bind(): the calling driver holds a reference until unbind. */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   uint32_t dev_flags)
{
	struct iommufd_device *idev;

	idev = _iommufd_object_alloc(ictx, sizeof(*idev), IOMMUFD_OBJ_DEVICE);
	if (!idev)
		return NULL;
	idev->ictx = ictx;
	idev->dev_flags = dev_flags;
	idev->obj.users++;
	return idev;
}

/* iommufd_device_unbind() */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_object_destroy_user(idev->ictx, &idev->obj);
}

/* iommufd_hw_pagetable_attach(): a device has one hwpt at a time. */
int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev)
{
	int rc;

	if (idev->hwpt && idev->hwpt != hwpt)
		return -EINVAL;
	rc = mock_domain_nop_attach(&hwpt->domain, idev);
	if (rc)
		return rc;
	hwpt->obj.users++;
	idev->hwpt = hwpt;
	return 0;
}

/* iommufd_device_do_replace(); *old is the hwpt the caller must put. */
static int iommufd_device_do_replace(struct iommufd_device *idev,
				     struct iommufd_hw_pagetable *hwpt,
				     struct iommufd_hw_pagetable **old)
{
	int rc;

	*old = NULL;
	if (!idev->hwpt)
		return -EINVAL;
	if (hwpt == idev->hwpt)
		return 0;
	rc = mock_domain_nop_attach(&hwpt->domain, idev);
	if (rc)
		return rc;
	*old = idev->hwpt;
	idev->hwpt = hwpt;
	hwpt->obj.users++;
	return 0;
}

static int iommufd_device_do_attach_or_replace(struct iommufd_device *idev,
					       struct iommufd_hw_pagetable *hwpt,
					       bool replace,
					       struct iommufd_hw_pagetable **old)
{
	if (replace)
		return iommufd_device_do_replace(idev, hwpt, old);
	return iommufd_hw_pagetable_attach(hwpt, idev);
}

/*
 * iommufd_device_auto_get_domain(): an automatic domain of the IOAS that
 * takes the device, else a new one.
 */
static int iommufd_device_auto_get_domain(struct iommufd_device *idev,
					  struct iommufd_ioas *ioas,
					  uint32_t *pt_id, bool replace,
					  struct iommufd_hw_pagetable **old)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	int rc;

	for (size_t i = 0; i < ioas->nhwpt; i++) {
		hwpt_paging = ioas->hwpt_list[i];
		if (!hwpt_paging->auto_domain)
			continue;
		rc = iommufd_device_do_attach_or_replace(
			idev, &hwpt_paging->common, replace, old);
		if (rc == -EINVAL)
			continue;
		if (rc)
			return rc;
		*pt_id = hwpt_paging->common.obj.id;
		return 0;
	}
	hwpt_paging = iommufd_hwpt_paging_alloc(idev->ictx, ioas, idev, 0,
						!replace, false, &rc);
	if (!hwpt_paging)
		return rc;
	if (replace) {
		rc = iommufd_device_do_replace(idev, &hwpt_paging->common, old);
		if (rc) {
			iommufd_object_abort_and_destroy(idev->ictx,
							 &hwpt_paging->common.obj);
			return rc;
		}
	}
	hwpt_paging->auto_domain = true;
	*pt_id = hwpt_paging->common.obj.id;
	return 0;
}

/* iommufd_device_change_pt(): to a hwpt, or to an IOAS's automatic domain. */
static int iommufd_device_change_pt(struct iommufd_device *idev,
				    uint32_t *pt_id, bool replace)
{
	struct iommufd_hw_pagetable *old = NULL;
	struct iommufd_object *pt_obj;
	int rc;

	pt_obj = iommufd_get_object(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;
	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		rc = iommufd_device_do_attach_or_replace(
			idev,
			container_of(pt_obj, struct iommufd_hw_pagetable, obj),
			replace, &old);
		break;
	case IOMMUFD_OBJ_IOAS:
		rc = iommufd_device_auto_get_domain(
			idev, container_of(pt_obj, struct iommufd_ioas, obj),
			pt_id, replace, &old);
		break;
	default:
		return -EINVAL;
	}
	if (rc)
		return rc;
	if (old)
		iommufd_hw_pagetable_put(idev->ictx, old);
	return 0;
}

/* iommufd_device_attach(): on success the attachment holds the device. */
int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id)
{
	int rc = iommufd_device_change_pt(idev, pt_id, false);

	if (rc)
		return rc;
	idev->obj.users++;
	return 0;
}

/* iommufd_device_replace() */
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id)
{
	return iommufd_device_change_pt(idev, pt_id, true);
}

/* iommufd_device_detach() */
void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt = idev->hwpt;

	idev->hwpt = NULL;
	iommufd_hw_pagetable_put(idev->ictx, hwpt);
	idev->obj.users--;
}

/*
 * iommufd_access_change_ioas(): joins the new IOAS (its alignment must
 * allow the access's) before leaving the old one, whose ranges the access's
 * owner is asked to drop.
 */
static int iommufd_access_change_ioas(struct iommufd_access *access,
				      struct iommufd_ioas *new_ioas)
{
	struct iommufd_ioas *cur_ioas = access->ioas;
	int rc;

	if (cur_ioas == new_ioas)
		return 0;
	if (new_ioas) {
		rc = iopt_add_access(&new_ioas->iopt, access);
		if (rc)
			return rc;
		new_ioas->obj.users++;
	}
	if (cur_ioas) {
		if (access->ops->unmap)
			access->ops->unmap(access->data, 0, UINT64_MAX);
		iopt_remove_access(&cur_ioas->iopt, access);
		cur_ioas->obj.users--;
	}
	access->ioas = new_ioas;
	return 0;
}

/* iommufd_access_destroy_object() */
void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	iommufd_access_change_ioas(access, NULL);
}

/*
 * iommufd_access_create(): the driver holds the object until
 * iommufd_access_destroy(), and the object holds the context.
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data)
{
	struct iommufd_access *access;

	access = _iommufd_object_alloc(ictx, sizeof(*access),
				       IOMMUFD_OBJ_ACCESS);
	if (!access)
		return NULL;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? umem_page_size() : 1;
	access->obj.users++;
	access->ictx = ictx;
	iommufd_ctx_get(ictx);
	return access;
}

/* iommufd_access_destroy() */
void iommufd_access_destroy(struct iommufd_access *access)
{
	struct iommufd_ctx *ictx = access->ictx;

	access->obj.users--;
	iommufd_object_abort_and_destroy(ictx, &access->obj);
	iommufd_ctx_put(ictx);
}

/* iommufd_access_attach() */
int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas = iommufd_get_ioas(access->ictx, ioas_id);

	if (!ioas)
		return -ENOENT;
	return iommufd_access_change_ioas(access, ioas);
}

/* iommufd_access_replace(): only an attached access can move. */
int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id)
{
	struct iommufd_ioas *ioas;

	if (!access->ioas)
		return -ENOENT;
	ioas = iommufd_get_ioas(access->ictx, ioas_id);
	if (!ioas)
		return -ENOENT;
	return iommufd_access_change_ioas(access, ioas);
}

/* iommufd_access_notify_unmap(): every access of the IOAS is told. */
void iommufd_access_notify_unmap(struct io_pagetable *iopt, uint64_t iova,
				 uint64_t length)
{
	for (size_t i = 0; i < iopt->naccess; i++) {
		struct iommufd_access *access = iopt->access_list[i];

		access->ops->unmap(access->data, iova, length);
	}
}

/* iommufd_access_unpin_pages() */
void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length)
{
	uint64_t last_iova = iova + length - 1;
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;

	if (!access->ioas)
		return;
	iopt_for_each_contig_area(&iter, area, &access->ioas->iopt, iova,
				  last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ?
					last_iova : iopt_area_last_iova(area);

		iopt_area_remove_access(area,
					iopt_area_iova_to_index(area,
								iter.cur_iova),
					iopt_area_iova_to_index(area, last));
	}
}

/* iopt_area_contig_is_aligned() */
static bool iopt_area_contig_is_aligned(struct iopt_area_contig_iter *iter)
{
	uint64_t ps = umem_page_size();

	if (iopt_area_start_byte(iter->area, iter->cur_iova) % ps)
		return false;
	if (!iopt_area_contig_done(iter) &&
	    (iopt_area_start_byte(iter->area,
				  iopt_area_last_iova(iter->area)) % ps) !=
		    ps - 1)
		return false;
	return true;
}

static bool check_area_prot(struct iopt_area *area, uint32_t flags)
{
	if (flags & IOMMUFD_ACCESS_RW_WRITE)
		return area->iommu_prot & IOMMU_IOAS_MAP_WRITEABLE;
	return area->iommu_prot & IOMMU_IOAS_MAP_READABLE;
}

/* iommufd_access_pin_pages(): all or nothing over contiguous areas. */
int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, uint64_t *out_pages,
			     uint32_t flags)
{
	uint64_t last_iova, ps = umem_page_size();
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	iopt_for_each_contig_area(&iter, area, &access->ioas->iopt, iova,
				  last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ?
					last_iova : iopt_area_last_iova(area);
		uint64_t index = iopt_area_iova_to_index(area, iter.cur_iova);
		uint64_t last_index = iopt_area_iova_to_index(area, last);

		if (area->prevent_access ||
		    !iopt_area_contig_is_aligned(&iter)) {
			rc = -EINVAL;
			break;
		}
		if (!check_area_prot(area, flags)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_area_add_access(area, index, last_index, write);
		if (rc)
			break;
		for (uint64_t i = index; i <= last_index; i++)
			*out_pages++ = area->pages->uptr + i * ps;
	}
	if (!rc && !iopt_area_contig_done(&iter))
		rc = -ENOENT;
	if (rc && iova < iter.cur_iova) {
		uint64_t undo_last = iter.cur_iova - 1;
		struct iopt_area_contig_iter undo;

		iopt_for_each_contig_area(&undo, area, &access->ioas->iopt,
					  iova, undo_last) {
			uint64_t last = undo_last < iopt_area_last_iova(area) ?
						undo_last :
						iopt_area_last_iova(area);

			iopt_area_remove_access(
				area, iopt_area_iova_to_index(area, undo.cur_iova),
				iopt_area_iova_to_index(area, last));
		}
	}
	return rc;
}

/* iommufd_access_rw(): through the user VA of each area in turn. */
int iommufd_access_rw(struct iommufd_access *access, uint64_t iova,
		      uint8_t *data, uint64_t length, uint32_t flags)
{
	struct iopt_area_contig_iter iter;
	struct iopt_area *area;
	uint64_t last_iova;
	int rc;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last_iova))
		return -EOVERFLOW;
	if (!access->ioas)
		return -ENOENT;
	iopt_for_each_contig_area(&iter, area, &access->ioas->iopt, iova,
				  last_iova) {
		uint64_t last = last_iova < iopt_area_last_iova(area) ?
					last_iova : iopt_area_last_iova(area);
		uint64_t bytes = last - iter.cur_iova + 1;

		if (area->prevent_access)
			return -EINVAL;
		if (!check_area_prot(area, flags))
			return -EPERM;
		rc = iopt_pages_rw_access(area->pages,
					  iopt_area_start_byte(area,
							       iter.cur_iova),
					  data, bytes, flags);
		if (rc)
			return rc;
		data += bytes;
	}
	if (!iopt_area_contig_done(&iter))
		return -ENOENT;
	return 0;
}

/* iommufd_get_hw_info(): the selftest type and register, zero filled. */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct iommu_test_hw_info info = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};
	struct iommufd_device *idev;
	uint32_t copy_len;
	int rc;

	if (cmd->flags || cmd->__reserved[0] || cmd->__reserved[1] ||
	    cmd->__reserved[2])
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	cmd->out_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	copy_len = cmd->data_len < sizeof(info) ? cmd->data_len : sizeof(info);
	rc = umem_copy_to(cmd->data_uptr, &info, copy_len);
	if (rc)
		return rc;
	if (copy_len < cmd->data_len) {
		static const unsigned char zeros[256];
		uint64_t pos = cmd->data_uptr + copy_len;
		uint64_t left = cmd->data_len - copy_len;

		while (left) {
			size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

			rc = umem_copy_to(pos, zeros, n);
			if (rc)
				return rc;
			pos += n;
			left -= n;
		}
	}
	cmd->data_len = sizeof(info);
	cmd->out_capabilities = 0;
	if (mock_domain_capable_dirty(idev))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	cmd->out_max_pasid_log2 = 0;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/fault.c of Linux 6.12 (since 6.14 the
 * fault queue lives in eventq.c, beside the vEVENTQ): IOMMU_FAULT_QUEUE_ALLOC
 * and the fault queue's file.
 *
 * Only the object and its fd exist: no fault is ever queued (the mock's
 * devices raise none; TRIGGER_IOPF drops its fault), so reading the fd reads
 * an empty memfd. See README.md, "Not emulated".
 */
#define _GNU_SOURCE
#include <errno.h>

#include "iommufd_private.h"

/* iommufd_fault_fops_release(): the fd's holds on the object and ctx go. */
static void iommufd_fault_fops_release(void *private_data)
{
	struct iommufd_fault *fault = private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	fault->obj.users--;
	iommufd_ctx_put(ictx);
}

static const struct iommufd_file_ops iommufd_fault_fops = {
	.name = "iommufd-mock-pgfault",
	.release = iommufd_fault_fops_release,
};

/* iommufd_fault_alloc(): an object and an fd that holds it and the ctx. */
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	int fdno, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fault = _iommufd_object_alloc(ucmd->ictx, sizeof(*fault),
				      IOMMUFD_OBJ_FAULT);
	if (!fault)
		return -ENOMEM;
	fault->ictx = ucmd->ictx;
	fdno = iommufd_file_install(&iommufd_fault_fops, fault, true);
	if (fdno < 0) {
		iommufd_object_abort(ucmd->ictx, &fault->obj);
		return -EMFILE;
	}
	fault->obj.users++;
	iommufd_ctx_get(ucmd->ictx);
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The fd was never handed out: discarding it drops its refs. */
		iommufd_file_discard(fdno);
		iommufd_object_abort_and_destroy(ucmd->ictx, &fault->obj);
	}
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/selftest.c, checked against Linux 6.12
 * (CONFIG_IOMMUFD_TEST): the mock iommu driver (its paging and nested
 * domains, its devices) and the IOMMU_TEST_CMD ops of iommufd_test.h.
 *
 * Model, where it departs from the kernel:
 *  - a mock domain stores no page table (struct mock_iommu_domain): an entry
 *    exists where the IOAS has an area, and only dirty bits are kept;
 *  - a "physical address" is the user VA of the page, or (device, inode,
 *    offset) for a shared file page: MD_CHECK_MAP and ACCESS_PAGES compare
 *    those where the kernel compares struct pages;
 *  - the selftest access is a real fd, as the kernel's is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/* The mock domain's IOPTE: half a CPU page, as in the kernel's selftest. */
#define MOCK_IO_PAGE_SIZE (umem_page_size() / 2)
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_IO_PAGE_SIZE)
/* iommufd_test_memory_limit's floor: sizeof(unsigned long) + sizeof(u32). */
#define MOCK_MEMORY_LIMIT_MIN (sizeof(unsigned long) + sizeof(uint32_t))

_Static_assert((unsigned int)MOCK_ACCESS_RW_WRITE == IOMMUFD_ACCESS_RW_WRITE,
	       "access rw flags");
_Static_assert((unsigned int)MOCK_ACCESS_RW_SLOW_PATH ==
		       __IOMMUFD_ACCESS_RW_SLOW_PATH,
	       "access rw flags");
_Static_assert((unsigned int)MOCK_FLAGS_ACCESS_WRITE == IOMMUFD_ACCESS_RW_WRITE,
	       "access pin flags");

/* A dirty IOPTE of a mock domain: [index, index] in 2K entries. */
struct mock_dirty_entry {
	struct itree_node node;
};

/* The selftest driver's side of an access (the fd's private data). */
struct selftest_access_item {
	uint64_t iova, length;
	unsigned int id;
};

struct selftest_access {
	struct iommufd_access *access;
	struct selftest_access_item *items;
	size_t nitems;
	unsigned int next_id;
};

/* struct selftest_obj: holds the bound mock device. */
struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_device *idev;
};

/* __iommufd_test_syz_conv_iova(): the nth area plus an offset. */
static uint64_t __iommufd_test_syz_conv_iova(struct io_pagetable *iopt,
					     uint64_t iova)
{
	uint32_t nth = (uint32_t)iova, offset = (uint32_t)(iova >> 32);
	struct iopt_area *area;

	for (area = iopt_area_iter_first(iopt, 0, UINT64_MAX); area;
	     area = iopt_area_iter_next(area, 0, UINT64_MAX))
		if (nth-- == 0)
			return iopt_area_iova(area) + offset;
	return 0;
}

static uint64_t iommufd_test_syz_conv_iova(struct iommufd_access *access,
					   uint64_t iova)
{
	return access->ioas ?
		       __iommufd_test_syz_conv_iova(&access->ioas->iopt, iova) :
		       0;
}

/* iommufd_test_syz_conv_iova_id(): for IOAS_COPY's MOCK_FLAGS_ACCESS_SYZ. */
void iommufd_test_syz_conv_iova_id(struct iommufd_ucmd *ucmd, uint32_t ioas_id,
				   __u64 *iova, __u32 *flags)
{
	struct iommufd_ioas *ioas;

	if (!(*flags & MOCK_FLAGS_ACCESS_SYZ))
		return;
	*flags &= ~(uint32_t)MOCK_FLAGS_ACCESS_SYZ;
	ioas = iommufd_get_ioas(ucmd->ictx, ioas_id);
	if (ioas)
		*iova = __iommufd_test_syz_conv_iova(&ioas->iopt, *iova);
}

/* mock_domain_nop_attach(): a NO_DIRTY device refuses a dirty domain. */
int mock_domain_nop_attach(struct mock_iommu_domain *domain,
			   struct iommufd_device *idev)
{
	if (domain->dirty_ops && (idev->dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

/* mock_domain_set_dirty_tracking() */
void mock_domain_set_dirty_tracking(struct mock_iommu_domain *domain,
				    bool enable)
{
	domain->dirty_tracking = enable;
}

/*
 * mock_domain_read_and_clear_dirty() over [iova, iova + size); a NULL
 * bitmap only clears (iopt_clear_dirty_data()).
 */
int mock_domain_read_and_clear_dirty(struct mock_iommu_domain *domain,
				     uint64_t iova, uint64_t size,
				     uint32_t flags, struct iova_bitmap *bitmap)
{
	uint64_t io = MOCK_IO_PAGE_SIZE, first = iova / io;
	uint64_t last = (iova + size - 1) / io;
	struct itree_node *n, *next;

	if (!domain->dirty_tracking && bitmap)
		return -EINVAL;
	/* Only dirty entries matter; walk them instead of every 2K entry. */
	for (n = itree_first(&domain->dirty, first, last); n; n = next) {
		next = itree_next(n, first, last);
		if (bitmap)
			iova_bitmap_set(bitmap, n->start * io, io);
		if (!(flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)) {
			itree_remove(&domain->dirty, n);
			free(container_of(n, struct mock_dirty_entry, node));
		}
	}
	return 0;
}

/* mock_domain_alloc_user() for a paging domain: no driver data. */
int mock_domain_alloc_paging(struct mock_iommu_domain *domain,
			     struct iommufd_device *idev, uint32_t flags,
			     bool has_user_data)
{
	if (has_user_data)
		return -EOPNOTSUPP;
	domain->pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (idev->dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		domain->pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	domain->aperture_start = MOCK_APERTURE_START;
	domain->aperture_end = MOCK_APERTURE_LAST;
	domain->dirty_ops = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	return 0;
}

/* mock_domain_free(): its dirty bits go with it. */
void mock_domain_free(struct mock_iommu_domain *domain)
{
	struct itree_node *n;

	while ((n = itree_min(&domain->dirty))) {
		itree_remove(&domain->dirty, n);
		free(container_of(n, struct mock_dirty_entry, node));
	}
}

/* mock_domain_unmap_pages(): the IOPTEs, and so their dirty bits, go. */
void mock_domain_unmap_pages(struct mock_iommu_domain *domain, uint64_t iova,
			     uint64_t length)
{
	uint64_t io = MOCK_IO_PAGE_SIZE;
	uint64_t first = iova / io, last = (iova + length - 1) / io;
	struct itree_node *n;

	while ((n = itree_first(&domain->dirty, first, last))) {
		itree_remove(&domain->dirty, n);
		free(container_of(n, struct mock_dirty_entry, node));
	}
}

/* mock_domain_capable(IOMMU_CAP_DIRTY_TRACKING) */
bool mock_domain_capable_dirty(struct iommufd_device *idev)
{
	return !(idev->dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
}

/* mock_domain_alloc_user() for a nested domain: IOMMU_HWPT_DATA_SELFTEST. */
int mock_domain_alloc_nested(struct mock_iommu_domain *domain,
			     const struct iommu_hwpt_alloc *cmd)
{
	struct iommu_hwpt_selftest data;
	int rc;

	if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST ||
	    (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID))
		return -EOPNOTSUPP;
	/* iommu_copy_struct_from_user(): len within [min, sizeof] */
	if (cmd->data_len < sizeof(data.iotlb) || sizeof(data) < cmd->data_len)
		return -EINVAL;
	rc = copy_struct_from_user(&data, sizeof(data), cmd->data_uptr,
				   cmd->data_len);
	if (rc)
		return rc;
	for (int i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		domain->iotlb[i] = data.iotlb;
	return 0;
}

/* mock_domain_cache_invalidate_user(); *done counts the entries handled. */
int mock_domain_cache_invalidate_user(struct mock_iommu_domain *domain,
				      struct iommu_hwpt_invalidate *cmd,
				      uint32_t *done)
{
	int rc = 0;

	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
		return -EINVAL;
	for (uint32_t i = 0; i < cmd->entry_num; i++) {
		struct iommu_hwpt_invalidate_selftest inv;

		/*
		 * iommu_copy_struct_from_user_array(): unlike the ioctl
		 * structs, an entry longer than the driver's is EINVAL even
		 * with a zero tail.
		 */
		if (cmd->entry_len < offsetofend(typeof(inv), iotlb_id) ||
		    sizeof(inv) < cmd->entry_len) {
			rc = -EINVAL;
			break;
		}
		rc = copy_struct_from_user(&inv, sizeof(inv),
					   cmd->data_uptr +
						   (uint64_t)i * cmd->entry_len,
					   cmd->entry_len);
		if (rc)
			break;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (inv.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
			memset(domain->iotlb, 0, sizeof(domain->iotlb));
		else
			domain->iotlb[inv.iotlb_id] = 0;
		(*done)++;
	}
	return rc;
}

/* get_md_pagetable(): a paging hwpt; every one in the mock is a mock domain. */
static struct iommufd_hwpt_paging *get_md_pagetable(struct iommufd_ctx *ictx,
						    uint32_t mockpt_id)
{
	return iommufd_get_hwpt_paging(ictx, mockpt_id);
}

/* Whether the domain has an IOPTE at index (index * 2K mapped). */
static bool mock_domain_has_entry(struct iommufd_hwpt_paging *hwpt_paging,
				  uint64_t index)
{
	uint64_t iova = index * MOCK_IO_PAGE_SIZE;

	return iopt_area_iter_first(&hwpt_paging->ioas->iopt, iova, iova) !=
	       NULL;
}

/* Marks the IOPTE at index dirty (MOCK_DIRTY in the kernel's xarray). */
static int mock_domain_dirty_set(struct mock_iommu_domain *domain,
				 uint64_t index)
{
	struct mock_dirty_entry *entry;

	if (itree_first(&domain->dirty, index, index))
		return 0;
	entry = calloc(1, sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->node.start = entry->node.last = index;
	itree_insert(&domain->dirty, &entry->node);
	return 0;
}

/* iommufd_test_mock_domain(): a mock device bound and attached to pt_id. */
static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	uint32_t pt_id = cmd->id, dev_flags = 0;
	struct iommufd_device *idev;
	struct selftest_obj *sobj;
	int rc;

	sobj = _iommufd_object_alloc(ictx, sizeof(*sobj), IOMMUFD_OBJ_SELFTEST);
	if (!sobj)
		return -ENOMEM;
	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	/* mock_dev_create() */
	if (dev_flags &
	    ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA)) {
		rc = -EINVAL;
		goto out_sobj;
	}
	idev = iommufd_device_bind(ictx, dev_flags);
	if (!idev) {
		rc = -ENOMEM;
		goto out_sobj;
	}
	sobj->idev = idev;
	rc = iommufd_device_attach(idev, &pt_id);
	if (rc)
		goto out_unbind;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_idev_id = idev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_device_detach(idev);
		goto out_unbind;
	}
	return 0;

out_unbind:
	iommufd_device_unbind(idev);
out_sobj:
	iommufd_object_abort(ictx, &sobj->obj);
	return rc;
}

/* iommufd_test_mock_domain_replace() */
static int iommufd_test_mock_domain_replace(struct iommufd_ucmd *ucmd,
					    unsigned int device_id,
					    uint32_t pt_id,
					    struct iommu_test_cmd *cmd)
{
	struct iommufd_object *dev_obj;
	struct selftest_obj *sobj;
	int rc;

	dev_obj = iommufd_get_object(ucmd->ictx, device_id,
				     IOMMUFD_OBJ_SELFTEST);
	if (!dev_obj)
		return -ENOENT;
	sobj = container_of(dev_obj, struct selftest_obj, obj);
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	if (rc)
		return rc;
	cmd->mock_domain_replace.pt_id = pt_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* iommufd_test_add_reserved() */
static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd,
				     unsigned int mockpt_id, uint64_t start,
				     uint64_t length)
{
	struct iommufd_ioas *ioas;
	uint64_t last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, mockpt_id);
	if (!ioas)
		return -ENOENT;
	return iopt_reserve_iova(&ioas->iopt, start, last, NULL);
}

/* iommufd_test_md_check_pa(): each 2K IOPTE maps the page at uptr. */
static int iommufd_test_md_check_pa(struct iommufd_ucmd *ucmd,
				    unsigned int mockpt_id, uint64_t iova,
				    uint64_t length, uint64_t uptr)
{
	uint64_t io = MOCK_IO_PAGE_SIZE, ps = umem_page_size(), end;
	struct iommufd_hwpt_paging *hwpt_paging;
	int rc;

	if (iova % io || length % io || uptr % io ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	hwpt_paging = get_md_pagetable(ucmd->ictx, mockpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	for (; length; length -= io, iova += io, uptr += io) {
		struct iopt_area *area;
		uint64_t mapped;

		/* get_user_pages_fast(uptr & PAGE_MASK, 1, 0) */
		rc = umem_check_pin(uptr & ~(ps - 1), ps, false, false);
		if (rc)
			return rc;
		area = iopt_area_iter_first(&hwpt_paging->ioas->iopt, iova, iova);
		if (!area)
			return -EINVAL;
		mapped = area->pages->uptr + iopt_area_start_byte(area, iova);
		if (mapped != uptr) {
			/* Another mapping of the same page still matches. */
			struct umem_page_id want, have;

			if (mapped % ps != uptr % ps ||
			    umem_page_id(uptr, &want) ||
			    umem_page_id(mapped, &have) ||
			    memcmp(&want, &have, sizeof(want)))
				return -EINVAL;
		}
	}
	return 0;
}

/* iommufd_test_md_check_refs(): every page pinned exactly refs times. */
static int iommufd_test_md_check_refs(uint64_t uptr, uint64_t length,
				      unsigned int refs)
{
	uint64_t ps = umem_page_size(), end;
	int rc;

	if (length % ps || uptr % ps ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= ps, uptr += ps) {
		rc = umem_check_pin(uptr, ps, false, false);
		if (rc)
			return rc;
		if (iopt_pages_count_pins(uptr) != refs)
			return -EIO;
	}
	return 0;
}

/* iommufd_test_md_check_iotlb() */
static int iommufd_test_md_check_iotlb(struct iommufd_ucmd *ucmd,
				       uint32_t mockpt_id, unsigned int iotlb_id,
				       uint32_t iotlb)
{
	struct iommufd_hwpt_nested *hwpt_nested;

	hwpt_nested = iommufd_get_hwpt_nested(ucmd->ictx, mockpt_id);
	if (!hwpt_nested)
		return -ENOENT;
	if (iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    hwpt_nested->common.domain.iotlb[iotlb_id] != iotlb)
		return -EINVAL;
	return 0;
}

static void iommufd_test_access_item_del(struct selftest_access *staccess,
					 size_t i)
{
	memmove(&staccess->items[i], &staccess->items[i + 1],
		(staccess->nitems - i - 1) * sizeof(*staccess->items));
	staccess->nitems--;
}

/* iommufd_test_access_unmap(): the driver drops the items that overlap. */
static void iommufd_test_access_unmap(void *data, uint64_t iova,
				      uint64_t length)
{
	struct selftest_access *staccess = data;
	uint64_t last = iova + length - 1;

	for (size_t i = 0; i < staccess->nitems;) {
		struct selftest_access_item *item = &staccess->items[i];

		if (iova > item->iova + item->length - 1 || last < item->iova) {
			i++;
			continue;
		}
		iommufd_access_unpin_pages(staccess->access, item->iova,
					   item->length);
		iommufd_test_access_item_del(staccess, i);
	}
}

/* iommufd_test_staccess_release(): the access file's last fd is gone. */
static void iommufd_test_staccess_release(void *private_data)
{
	struct selftest_access *staccess = private_data;

	iommufd_test_access_unmap(staccess, 0, UINT64_MAX);
	iommufd_access_destroy(staccess->access);
	free(staccess->items);
	free(staccess);
}

static const struct iommufd_file_ops iommufd_test_staccess_fops = {
	.name = "iommufd-mock-access",
	.release = iommufd_test_staccess_release,
};

/* iommufd_access_get(): the id is an fd of this process. */
static struct selftest_access *iommufd_access_get(uint32_t fd, int *rc)
{
	struct selftest_access *staccess =
		iommufd_file_private((int)fd, &iommufd_test_staccess_fops);

	if (!staccess)
		*rc = -EBADFD;
	return staccess;
}

/* iommufd_test_access_item_destroy() */
static int iommufd_test_access_item_destroy(unsigned int access_id,
					    unsigned int item_id)
{
	struct selftest_access *staccess;
	int rc;

	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	for (size_t i = 0; i < staccess->nitems; i++) {
		struct selftest_access_item *item = &staccess->items[i];

		if (item->id != item_id)
			continue;
		iommufd_access_unpin_pages(staccess->access, item->iova,
					   item->length);
		iommufd_test_access_item_del(staccess, i);
		return 0;
	}
	return -ENOENT;
}

static const struct iommufd_access_ops selftest_access_ops_pin = {
	.needs_pin_pages = true,
	.unmap = iommufd_test_access_unmap,
};

static const struct iommufd_access_ops selftest_access_ops = {
	.unmap = iommufd_test_access_unmap,
};

/* iommufd_test_create_access(): an access on ioas_id and its fd. */
static int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
				      unsigned int ioas_id, unsigned int flags,
				      struct iommu_test_cmd *cmd)
{
	struct selftest_access *staccess;
	struct iommufd_access *access;
	int rc, fdno;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	staccess = calloc(1, sizeof(*staccess));
	if (!staccess)
		return -ENOMEM;
	access = iommufd_access_create(
		ucmd->ictx,
		(flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) ?
			&selftest_access_ops_pin :
			&selftest_access_ops,
		staccess);
	if (!access) {
		free(staccess);
		return -ENOMEM;
	}
	staccess->access = access;
	rc = iommufd_access_attach(access, ioas_id);
	if (rc)
		goto out_destroy;
	fdno = iommufd_file_install(&iommufd_test_staccess_fops, staccess, true);
	if (fdno < 0) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	cmd->create_access.out_access_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The fd was never handed out; discarding it releases the access. */
		iommufd_file_discard(fdno);
		return rc;
	}
	return 0;

out_destroy:
	iommufd_access_destroy(access);
	free(staccess);
	return rc;
}

/* iommufd_test_access_replace_ioas() */
static int iommufd_test_access_replace_ioas(unsigned int access_id,
					    unsigned int ioas_id)
{
	struct selftest_access *staccess;
	int rc;

	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	return iommufd_access_replace(staccess->access, ioas_id);
}

/* iommufd_test_check_pages(): for syzkaller a NULL uptr skips it. */
static int iommufd_test_check_pages(uint64_t uptr, const uint64_t *pages,
				    uint64_t npages)
{
	uint64_t ps = umem_page_size();

	for (uint64_t i = 0; i < npages; i++, uptr += ps) {
		int rc = umem_check_pin(uptr, 1, false, false);

		if (rc)
			return rc;
		if ((uptr & ~(ps - 1)) != pages[i])
			return -EBADE;
	}
	return 0;
}

/* iommufd_test_access_pages(): pins, checks and keeps them as an item. */
static int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
				     unsigned int access_id, uint64_t iova,
				     uint64_t length, uint64_t uptr,
				     uint32_t flags, struct iommu_test_cmd *cmd)
{
	uint64_t ps = umem_page_size(), npages;
	struct selftest_access_item *items;
	struct selftest_access *staccess;
	uint64_t *pages;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	if (!staccess->access->ops->needs_pin_pages)
		return -EOPNOTSUPP;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_conv_iova(staccess->access, iova);
	npages = (((iova + length + ps - 1) & ~(ps - 1)) - (iova & ~(ps - 1))) /
		 ps;
	pages = calloc(npages ? npages : 1, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	rc = iommufd_access_pin_pages(staccess->access, iova, length, pages,
				      flags & MOCK_FLAGS_ACCESS_WRITE);
	if (rc)
		goto out_free_pages;
	if (uptr) {
		rc = iommufd_test_check_pages(uptr - (iova - (iova & ~(ps - 1))),
					      pages, npages);
		if (rc)
			goto out_unaccess;
	}
	items = realloc(staccess->items,
			(staccess->nitems + 1) * sizeof(*items));
	if (!items) {
		rc = -ENOMEM;
		goto out_unaccess;
	}
	staccess->items = items;
	items[staccess->nitems].iova = iova;
	items[staccess->nitems].length = length;
	items[staccess->nitems].id = staccess->next_id++;
	staccess->nitems++;
	cmd->access_pages.out_access_pages_id =
		items[staccess->nitems - 1].id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		staccess->nitems--;
		goto out_unaccess;
	}
	goto out_free_pages;

out_unaccess:
	iommufd_access_unpin_pages(staccess->access, iova, length);
out_free_pages:
	free(pages);
	return rc;
}

/* iommufd_test_access_rw(): through a kernel buffer, like the kernel. */
static int iommufd_test_access_rw(unsigned int access_id, uint64_t iova,
				  uint64_t length, uint64_t ubuf,
				  uint32_t flags)
{
	struct selftest_access *staccess;
	uint8_t *tmp;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	tmp = calloc(1, length ? length : 1);
	if (!tmp)
		return -ENOMEM;
	if (flags & MOCK_ACCESS_RW_WRITE) {
		rc = umem_copy_from(tmp, ubuf, length);
		if (rc)
			goto out_free;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_conv_iova(staccess->access, iova);
	rc = iommufd_access_rw(staccess->access, iova, tmp, length, flags);
	if (rc)
		goto out_free;
	if (!(flags & MOCK_ACCESS_RW_WRITE))
		rc = umem_copy_to(ubuf, tmp, length);
out_free:
	free(tmp);
	return rc;
}

/* iommufd_test_dirty(): marks the IOPTEs of the set bits dirty. */
static int iommufd_test_dirty(struct iommufd_ucmd *ucmd, unsigned int mockpt_id,
			      uint64_t iova, uint64_t length,
			      uint64_t page_size, uint64_t uptr,
			      struct iommu_test_cmd *cmd)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct mock_iommu_domain *domain;
	uint64_t max, count = 0, i;
	uint8_t *bits;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !uptr)
		return -EINVAL;
	max = length / page_size;
	if (max > 16ULL * 1024 * 1024 * 8)
		return -EOVERFLOW;
	hwpt_paging = get_md_pagetable(ucmd->ictx, mockpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	domain = &hwpt_paging->common.domain;
	if (!domain->dirty_tracking)
		return -EINVAL;
	bits = calloc(1, (max + 63) / 64 * 8);
	if (!bits)
		return -ENOMEM;
	rc = umem_copy_from(bits, uptr, (max + 7) / 8);
	if (rc)
		goto out;
	for (i = 0; i < max; i++) {
		/* 6.12 indexes the mock's page table by cur / page_size. */
		uint64_t index = (iova + i * page_size) / page_size;

		if (!(bits[i / 8] & (1u << (i % 8))))
			continue;
		if (!mock_domain_has_entry(hwpt_paging, index))
			continue;
		rc = mock_domain_dirty_set(domain, index);
		if (rc)
			goto out;
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	free(bits);
	return rc;
}

/*
 * iommufd_test_trigger_iopf(): the fault is reported to the device's
 * domain; with no fault queue attached (the mock has none) it is dropped
 * and the op still returns 0.
 */
static int iommufd_test_trigger_iopf(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	return iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id) ?
		       0 :
		       -ENOENT;
}

/* iommufd_selftest_destroy(): the mock device is detached and unbound. */
void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	if (sobj->idev->hwpt)
		iommufd_device_detach(sobj->idev);
	iommufd_device_unbind(sobj->idev);
}

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd->id,
						 cmd->add_reserved.start,
						 cmd->add_reserved.length);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return iommufd_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return iommufd_test_mock_domain_replace(
			ucmd, cmd->id, cmd->mock_domain_replace.pt_id, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return iommufd_test_md_check_pa(ucmd, cmd->id,
						cmd->check_map.iova,
						cmd->check_map.length,
						cmd->check_map.uptr);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return iommufd_test_md_check_refs(cmd->check_refs.uptr,
						  cmd->check_refs.length,
						  cmd->check_refs.refs);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return iommufd_test_md_check_iotlb(ucmd, cmd->id,
						   cmd->check_iotlb.id,
						   cmd->check_iotlb.iotlb);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd->id,
						  cmd->create_access.flags, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(
			cmd->id, cmd->access_replace_ioas.ioas_id);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(
			ucmd, cmd->id, cmd->access_pages.iova,
			cmd->access_pages.length, cmd->access_pages.uptr,
			cmd->access_pages.flags, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(cmd->id, cmd->access_rw.iova,
					      cmd->access_rw.length,
					      cmd->access_rw.uptr,
					      cmd->access_rw.flags);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_access_item_destroy(
			cmd->id, cmd->destroy_access_pages.access_pages_id);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/*
		 * Only sizes the kernel's internal batches, which the mock
		 * does not have: checked, then nothing changes.
		 */
		if (cmd->memory_limit.limit < MOCK_MEMORY_LIMIT_MIN)
			return -EINVAL;
		return 0;
	case IOMMU_TEST_OP_DIRTY:
		return iommufd_test_dirty(ucmd, cmd->id, cmd->dirty.iova,
					  cmd->dirty.length,
					  cmd->dirty.page_size,
					  cmd->dirty.uptr, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return iommufd_test_trigger_iopf(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}

