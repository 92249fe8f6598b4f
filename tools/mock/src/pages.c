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
