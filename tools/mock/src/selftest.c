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
