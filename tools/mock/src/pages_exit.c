// SPDX-License-Identifier: GPL-2.0
/*
 * What becomes of a process's pinned pages when it exits while a context
 * another process shares (after fork()) still holds them. No iommufd file
 * mirrors this; in the kernel a pin holds the page itself, so the page
 * outlives the mm it was pinned from, and pages.c's iopt_pages_rw_slow()
 * reads it through the pin once mmget_not_zero() on the gone mm fails
 * (pages.c, iopt_pages_rw_access(), 6.12 and 7.3).
 *
 * The mock reads a page through its VA in the owning process, which is gone
 * after its exit. So the exiting process (its destructor, file.c) copies
 * each page of its memory that is pinned into the arena, and reads and
 * writes through an access go to those copies from then on. What was not
 * pinned is lost with the mm: pinning it later is EFAULT, as in the kernel.
 * A process that ends without running destructors (_exit(), a signal)
 * hands nothing over: its pinned pages read as EFAULT afterwards (README.md,
 * "Not emulated").
 */
#include <string.h>
#include <unistd.h>

#include "iommufd_private.h"

/* The copy of pinned page idx of an exited process's pages, or NULL. */
static uint8_t *iopt_pages_copy_of(struct iopt_pages *pages, uint64_t idx)
{
	size_t lo = 0, hi = pages->ncopies;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pages->copies[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pages->ncopies || pages->copies[lo].idx != idx)
		return NULL;
	/* Unpinned since: the page went with the last pin. */
	if (iopt_pages_next_held(pages, idx) != idx)
		return NULL;
	return pages->copies[lo].data;
}

int iopt_pages_rw_copies(struct iopt_pages *pages, uint64_t start_byte,
			 uint8_t *data, uint64_t length, bool write)
{
	uint64_t ps = umem_page_size();

	while (length) {
		uint64_t off = start_byte % ps, n = ps - off;
		uint64_t idx = start_byte / ps;
		uint8_t *page = iopt_pages_copy_of(pages, idx);
		int rc = 0;

		if (n > length)
			n = length;
		if (page && write)
			memcpy(page + off, data, n);
		else if (page)
			memcpy(data, page + off, n);
		else if (pages->ncopies ||
			 iopt_pages_next_held(pages, idx) != idx)
			return -EFAULT;
		else if (write)	/* a shared page the heir maps too */
			rc = umem_copy_to_pid(pages->source_pid,
					      pages->uptr + start_byte, data, n);
		else
			rc = umem_copy_from_pid(pages->source_pid, data,
						pages->uptr + start_byte, n);
		if (rc)
			return rc;
		start_byte += n;
		data += n;
		length -= n;
	}
	return 0;
}

/* Copies page idx of pages (this process's memory) into the arena. */
static void iopt_pages_copy_page(struct iopt_pages *pages, uint64_t idx)
{
	uint64_t ps = umem_page_size();
	struct iopt_pages_copy *c;
	uint8_t *data = mock_malloc(ps);

	/* Out of memory, or unreadable now: the page reads as EFAULT. */
	if (!data || umem_copy_from(data, pages->uptr + idx * ps, ps)) {
		mock_free(data);
		return;
	}
	c = mock_realloc(pages->copies, (pages->ncopies + 1) * sizeof(*c));
	if (!c) {
		mock_free(data);
		return;
	}
	pages->copies = c;
	c[pages->ncopies++] = (struct iopt_pages_copy){ idx, data };
}

/*
 * Whether process heir maps the same pages at the same VAs: a shared
 * mapping (a file, shmem, MAP_SHARED|MAP_ANONYMOUS) inherited across
 * fork(). The pins hold those very pages, which the heir keeps alive.
 */
static bool iopt_pages_shared_with(struct iopt_pages *pages, int heir)
{
	uint64_t ps = umem_page_size();

	for (uint64_t idx = iopt_pages_next_held(pages, 0); idx < pages->npages;
	     idx = iopt_pages_next_held(pages, idx + 1)) {
		struct umem_page_id mine, theirs;
		uint64_t va = pages->uptr + idx * ps;

		if (umem_page_id(va, &mine) || !mine.inode ||
		    umem_page_id_pid(heir, va, &theirs) ||
		    mine.dev != theirs.dev || mine.inode != theirs.inode ||
		    mine.offset != theirs.offset)
			return false;
	}
	return true;
}

void iopt_pages_mm_exit(struct itree *pages_by_uva, int pid)
{
	int heir = getppid();

	struct itree_node *n;

	/* mm->pinned_vm and locked_vm go with the mm */
	iopt_vm_charge_exit(pid);

	for (n = itree_first(pages_by_uva, 0, UINT64_MAX); n;
	     n = itree_next(n, 0, UINT64_MAX)) {
		struct iopt_pages *pages =
			container_of(n, struct iopt_pages, uva_node);

		if (pages->mm_gone || pages->source_pid != pid)
			continue;
		/*
		 * Pinned pages of a shared mapping the parent maps too are the
		 * parent's pages as well: they are reached through it now.
		 */
		pages->mm_gone = true;
		if (heir > 1 && iopt_pages_next_held(pages, 0) < pages->npages &&
		    iopt_pages_shared_with(pages, heir)) {
			pages->source_pid = heir;
			continue;
		}
		/* in index order, so the copies stay sorted */
		for (uint64_t idx = iopt_pages_next_held(pages, 0);
		     idx < pages->npages;
		     idx = iopt_pages_next_held(pages, idx + 1))
			iopt_pages_copy_page(pages, idx);
	}
}
