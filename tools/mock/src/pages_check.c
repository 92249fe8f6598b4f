// SPDX-License-Identifier: GPL-2.0
/*
 * The struct page of drivers/iommu/iommufd/pages.c and selftest.c, as the
 * mock names it (umem.h, struct umem_page_id): a page of a file, however
 * many mappings show it, or a page of a process's memory by its VA. What
 * the selftest's checks ask of pinned pages: which page an iopt_pages pins
 * (ACCESS_PAGES' struct page compare), how many pins a page has
 * (MD_CHECK_REFS' page_ref_count() / GUP_PIN_COUNTING_BIAS), whether an
 * IOPTE holds the page a VA shows (MD_CHECK_MAP). Split from pages.c, which
 * keeps the pins themselves.
 */
#define _GNU_SOURCE
#include "iommufd_private.h"

#define g_pages_by_uva (mock_shared()->pages_by_uva)
#define g_file_pages (mock_shared()->file_pages)
#define g_nfile_pages (mock_shared()->nfile_pages)

/*
 * The physical page iopt_pages pins at index idx, as the mock names it
 * (umem_page_id): a page of its file, or what the VA of its process shows
 * (a page of a file again for a shared file mapping). A process that is
 * gone leaves the VA as the name. n pages from idx into ids.
 */
void iopt_pages_page_ids(struct iopt_pages *pages, uint64_t idx, uint64_t n,
			 struct umem_page_id *ids)
{
	uint64_t ps = umem_page_size();

	if (pages->type == IOPT_ADDRESS_FILE) {
		for (uint64_t i = 0; i < n; i++)
			ids[i] = (struct umem_page_id){
				.dev = pages->file_dev,
				.inode = pages->file_inode,
				.offset = pages->start + (idx + i) * ps,
			};
		return;
	}
	if (pages->type == IOPT_ADDRESS_USER &&
	    !umem_page_ids_pid(pages->source_pid, pages->uptr + idx * ps, n,
			       ids))
		return;
	for (uint64_t i = 0; i < n; i++)
		ids[i] = (struct umem_page_id){
			.offset = pages->uptr + (idx + i) * ps,
		};
}

/* The pins a USER iopt_pages of our process holds through VA uva. */
static unsigned int count_user_pins_at(uint64_t uva)
{
	uint64_t ps = umem_page_size();
	unsigned int pins = 0;
	struct itree_node *n;

	for (n = itree_first(&g_pages_by_uva, uva, uva); n;
	     n = itree_next(n, uva, uva)) {
		struct iopt_pages *pages =
			container_of(n, struct iopt_pages, uva_node);

		/* The same VA in another process (after fork()) is not ours. */
		if (pages->source_pid != iommufd_mock_pid())
			continue;
		if (iopt_pages_held(pages, (uva - pages->uptr) / ps))
			pins++;
	}
	return pins;
}

/*
 * The page's refcount over GUP_PIN_COUNTING_BIAS, as MD_CHECK_REFS reads it:
 * the pins of the physical page uva shows, whoever took them through what.
 * A private page: the pins through this VA. A page of a file (a shared
 * mapping): those of every file iopt_pages holding it, of ours through
 * every VA where a shared mapping shows it (a memfd mapped twice is one
 * page), and of another process (after fork()) through this VA where its
 * inherited mapping shows the same page.
 */
unsigned int iopt_pages_count_pins(uint64_t uva)
{
	uint64_t ps = umem_page_size(), vas[16];
	struct umem_page_id id, other;
	unsigned int pins = 0;
	struct itree_node *n;
	size_t nvas;

	uva &= ~(ps - 1);
	/* nothing pinned anywhere: nothing to look up */
	if (!g_nfile_pages && !itree_first(&g_pages_by_uva, 0, UINT64_MAX))
		return 0;
	if (umem_page_id(uva, &id) || !id.inode)
		return count_user_pins_at(uva);
	for (size_t i = 0; i < g_nfile_pages; i++) {
		struct iopt_pages *pages = g_file_pages[i];

		if (pages->file_inode != id.inode ||
		    pages->file_dev != id.dev || id.offset < pages->start ||
		    (id.offset - pages->start) / ps >= pages->npages)
			continue;
		if (iopt_pages_held(pages, (id.offset - pages->start) / ps))
			pins++;
	}
	nvas = umem_file_page_vas(&id, vas, sizeof(vas) / sizeof(vas[0]));
	if (nvas > sizeof(vas) / sizeof(vas[0]))
		nvas = sizeof(vas) / sizeof(vas[0]);
	for (size_t i = 0; i < nvas; i++)
		pins += count_user_pins_at(vas[i]);
	for (n = itree_first(&g_pages_by_uva, uva, uva); n;
	     n = itree_next(n, uva, uva)) {
		struct iopt_pages *pages =
			container_of(n, struct iopt_pages, uva_node);

		if (pages->source_pid == iommufd_mock_pid() ||
		    !iopt_pages_held(pages, (uva - pages->uptr) / ps) ||
		    umem_page_id_pid(pages->source_pid, uva, &other) ||
		    !umem_page_id_eq(&id, &other))
			continue;
		pins++;
	}
	return pins;
}

/*
 * MD_CHECK_MAP's question: does the IOPTE at iova hold the page the user
 * sees at uva (the same physical page, at the same offset)? The mock names
 * a page by VA, or for a shared file mapping by (device, inode, offset),
 * which is what a page of a file area is; a dma-buf's memory has no user
 * address.
 */
bool iopt_area_maps_uva(struct iopt_area *area, uint64_t iova, uint64_t uva)
{
	struct iopt_pages *pages = area->pages;
	uint64_t ps = umem_page_size();
	uint64_t byte = iopt_pages_first_byte(pages,
					      iopt_area_start_byte(area, iova));
	struct umem_page_id want, have;

	if (!iopt_area_translated(area) || byte % ps != uva % ps)
		return false;
	switch (pages->type) {
	case IOPT_ADDRESS_USER:
		/* another process's page (after fork()) is none of ours */
		if (pages->source_pid != iommufd_mock_pid())
			return false;
		if (byte == uva)
			return true;
		if (umem_page_id(byte, &have))
			return false;
		break;
	case IOPT_ADDRESS_FILE:
		/* A pinned page the file has since dropped is no page of it. */
		if (!iopt_pages_file_page_current(
			    pages, (byte - pages->start) / ps))
			return false;
		have.dev = pages->file_dev;
		have.inode = pages->file_inode;
		have.offset = byte & ~(ps - 1);
		break;
	default:
		return false;
	}
	return !umem_page_id(uva, &want) && want.dev == have.dev &&
	       want.inode == have.inode && want.offset == have.offset;
}
