// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the access half of drivers/iommu/iommufd/selftest.c, checked
 * against Linux 6.12 and 7.3 (the same in both): the selftest driver's
 * accesses (CREATE_ACCESS and its fd, ACCESS_PAGES, DESTROY_ACCESS_PAGES,
 * ACCESS_RW, ACCESS_REPLACE_IOAS) and the syzkaller IOVA conversion. Split
 * from selftest.c by subject to keep files small; the ops are dispatched
 * by iommufd_test() there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

_Static_assert((unsigned int)MOCK_ACCESS_RW_WRITE == IOMMUFD_ACCESS_RW_WRITE,
	       "access rw flags");
_Static_assert((unsigned int)MOCK_ACCESS_RW_SLOW_PATH ==
		       __IOMMUFD_ACCESS_RW_SLOW_PATH,
	       "access rw flags");
_Static_assert((unsigned int)MOCK_FLAGS_ACCESS_WRITE == IOMMUFD_ACCESS_RW_WRITE,
	       "access pin flags");


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
	mock_free(staccess->items);
	mock_free(staccess);
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
int iommufd_test_access_item_destroy(unsigned int access_id,
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
int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
				      unsigned int ioas_id, unsigned int flags,
				      struct iommu_test_cmd *cmd)
{
	struct selftest_access *staccess;
	struct iommufd_access *access;
	int rc, fdno;

	if (flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	staccess = mock_calloc(1, sizeof(*staccess));
	if (!staccess)
		return -ENOMEM;
	access = iommufd_access_create(
		ucmd->ictx,
		(flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) ?
			&selftest_access_ops_pin :
			&selftest_access_ops,
		staccess);
	if (!access) {
		mock_free(staccess);
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
	mock_free(staccess);
	return rc;
}

/* iommufd_test_access_replace_ioas() */
int iommufd_test_access_replace_ioas(unsigned int access_id,
					    unsigned int ioas_id)
{
	struct selftest_access *staccess;
	int rc;

	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	return iommufd_access_replace(staccess->access, ioas_id);
}

/*
 * iommufd_test_check_pages(): the pages behind uptr are the pages pinned
 * (get_user_pages_fast() and a struct page compare): the same page seen
 * through another mapping (a memfd mapped twice, the file of a MAP_FILE
 * area) is the same page. For syzkaller a NULL uptr skips it.
 */
static int iommufd_test_check_pages(uint64_t uptr,
				    const struct umem_page_id *pages,
				    uint64_t npages)
{
	uint64_t ps = umem_page_size();

	for (uint64_t i = 0; i < npages; i++, uptr += ps) {
		struct umem_page_id have;
		int rc = umem_check_pin(uptr, 1, false, false);

		if (!rc)
			rc = umem_page_id(uptr, &have);
		if (rc)
			return rc;
		if (!umem_page_id_eq(&have, &pages[i]))
			return -EBADE;
	}
	return 0;
}

/* iommufd_test_access_pages(): pins, checks and keeps them as an item. */
int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
				     unsigned int access_id, uint64_t iova,
				     uint64_t length, uint64_t uptr,
				     uint32_t flags, struct iommu_test_cmd *cmd)
{
	uint64_t ps = umem_page_size(), npages;
	struct selftest_access_item *items;
	struct selftest_access *staccess;
	struct umem_page_id *pages;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	staccess = iommufd_access_get(access_id, &rc);
	if (!staccess)
		return rc;
	if (!iommufd_access_ops(staccess->access)->needs_pin_pages)
		return -EOPNOTSUPP;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_conv_iova(staccess->access, iova);
	npages = (((iova + length + ps - 1) & ~(ps - 1)) - (iova & ~(ps - 1))) /
		 ps;
	pages = mock_calloc(npages ? npages : 1, sizeof(*pages));
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
	items = mock_realloc(staccess->items,
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
	mock_free(pages);
	return rc;
}

/* iommufd_test_access_rw(): through a kernel buffer, like the kernel. */
int iommufd_test_access_rw(unsigned int access_id, uint64_t iova,
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
	tmp = mock_calloc(1, length ? length : 1);
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
	mock_free(tmp);
	return rc;
}

