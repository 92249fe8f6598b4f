// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/selftest.c, checked against Linux 6.12 and
 * 7.3 (CONFIG_IOMMUFD_TEST): the mock iommu driver (its paging and nested
 * domains, its devices) and the IOMMU_TEST_CMD ops of iommufd_test.h.
 *
 * The kernels' mock drivers differ (IOMMUFD_MOCK_GENERIC_PT, personality.h):
 *  - 6.12's domain is an xarray of 2 KiB IO pages, each with a dirty bit,
 *    and takes no driver data; a MOCK_FLAGS_DEVICE_HUGE_IOVA device's
 *    domains add 1 MiB pages;
 *  - 7.x's is the generic page table (AMDv1 with a 2 KiB granule, every
 *    power of two up to 64 GiB as a leaf) and takes IOMMU_HWPT_DATA_SELFTEST
 *    with pagetable_type on paging HWPT_ALLOC: MOCK_IOMMUPT_HUGE is a table
 *    of 1 MiB and CPU pages without the mock aperture. A dirty bit belongs
 *    to a leaf.
 *  In both, a leaf is as large as iommu_map() made it over physically
 *  contiguous memory (iopt_area_leaf(), io_pagetable_dirty.h): a huge
 *  IOPTE where a hugetlb page backs the IOVA, CPU pages elsewhere.
 *
 * Model, where it departs from the kernel:
 *  - a mock domain stores no page table (struct mock_iommu_domain): an entry
 *    exists where the IOAS has an area, and only dirty bits are kept;
 *  - a "physical address" is the user VA of the page, or (device, inode,
 *    offset) for a shared file page: MD_CHECK_MAP and ACCESS_PAGES compare
 *    those where the kernel compares struct pages;
 *  - the selftest access is a real fd, as the kernel's is (selftest_access.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

/* The mock domain's IOPTE: half a CPU page, as in the kernel's selftest. */
#define MOCK_IO_PAGE_SIZE (umem_page_size() / 2)
#define MOCK_IO_HUGE_SIZE (512 * MOCK_IO_PAGE_SIZE)
/* 7.x: the AMDv1 mock's leaf sizes, 2 KiB to 64 GiB (max VA 2^38) */
#define MOCK_PT_PGSIZES (((1ULL << 37) - 1) & ~((1ULL << 11) - 1))
#define MOCK_PT_VA_LAST ((1ULL << 38) - 1)
/* iommufd_test_memory_limit's floor: sizeof(unsigned long) + sizeof(u32). */
#define MOCK_MEMORY_LIMIT_MIN (sizeof(unsigned long) + sizeof(uint32_t))

/*
 * A dirty entry of a mock domain, in dirty_unit (2 KiB): 6.12, one xarray
 * entry [index, index]; 7.x, a whole leaf.
 */
struct mock_dirty_entry {
	struct itree_node node;
};

/* struct selftest_obj: holds the bound mock device. */
struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_device *idev;
};

/* mock_domain_nop_attach(): a NO_DIRTY device refuses a dirty domain. */
int mock_domain_nop_attach(struct mock_iommu_domain *domain,
			   struct iommufd_device *idev)
{
	if (domain->dirty_ops && (idev->dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	/*
	 * A vIOMMU's nested domain: only with a vDEVICE on that vIOMMU. The
	 * device then reports its events to that vIOMMU under the vDEVICE's
	 * virtual id, and to none once on another domain (7.3 selftest.c,
	 * mock_domain_nop_attach(): mdev->viommu, mdev->vdev_id).
	 */
	if (iommufd_mock_has(IOMMUFD_MOCK_VEVENTQ)) {
		uint64_t vdev_id = 0;

		if (domain->viommu) {
			int rc = iommufd_viommu_get_vdev_id(domain->viommu,
							    idev, &vdev_id);

			if (rc)
				return rc;
		}
		idev->mock_viommu = domain->viommu;
		idev->mock_vdev_id = vdev_id;
	}
	return 0;
}

/*
 * mock_domain_set_dev_pasid_nop() (7.3): PASID 1024 (IOMMU_TEST_PASID_RESERVED)
 * fails every second call after an attach to a real domain with -ENOMEM, so
 * tests can see the core roll a replace back; the blocking domain (a
 * detach) starts it over.
 */
int mock_domain_set_dev_pasid(struct iommufd_device *idev, uint32_t pasid,
			      bool blocked)
{
	/* a PCI device without PASIDs (vfio.h) never reaches set_dev_pasid */
	if (pasid != 1024 || idev->pci_device)
		return 0;
	if (blocked) {
		idev->pasid_1024_fake_error = false;
	} else if (idev->pasid_1024_fake_error) {
		idev->pasid_1024_fake_error = false;
		return -ENOMEM;
	} else {
		idev->pasid_1024_fake_error = true;
	}
	return 0;
}

/* mock_domain_set_dirty_tracking() */
void mock_domain_set_dirty_tracking(struct mock_iommu_domain *domain,
				    bool enable)
{
	domain->dirty_tracking = enable;
}

/* Removes the dirty entries of [first, last] (in dirty_unit), if any. */
static bool mock_dirty_clear(struct mock_iommu_domain *domain, uint64_t first,
			     uint64_t last, bool clear)
{
	struct itree_node *n = itree_first(&domain->dirty, first, last);
	bool dirty = n;

	while (n && clear) {
		itree_remove(&domain->dirty, n);
		mock_free(container_of(n, struct mock_dirty_entry, node));
		n = itree_first(&domain->dirty, first, last);
	}
	return dirty;
}

/*
 * 6.12's mock_domain_read_and_clear_dirty(): it steps through its xarray
 * from iova, 2 KiB at a time; an entry of a huge IOPTE (MOCK_PFN_HUGE_IOVA)
 * makes it test and clear every entry of that 1 MiB IOPTE
 * (mock_test_and_clear_dirty()), record 1 MiB *from where it stands*, and
 * step 1 MiB on. Entered in the middle of a huge IOPTE (a range starting
 * there), it reports 1 MiB shifted by that offset and walks every following
 * huge IOPTE at the same offset, skipping what small IOPTEs that offset
 * jumps over. From a leaf's head on, it sees each leaf whole.
 */
static void mock_read_and_clear_dirty_612(struct mock_iommu_domain *domain,
					  struct iopt_area *area, uint64_t iova,
					  uint64_t size, bool clear,
					  struct iova_bitmap *bitmap)
{
	uint64_t u = domain->dirty_unit, last = iova + size - 1, p = iova;
	uint64_t last_u, leaf_u;
	struct iopt_leaf leaf;
	struct itree_node *n;

	for (;;) {
		iopt_area_leaf(area, domain->pgsize_bitmap, p, &leaf);
		if (leaf.size == u || leaf.head == p)
			break;
		if (mock_dirty_clear(domain, leaf.head / u,
				     (leaf.head + leaf.size - 1) / u, clear) &&
		    bitmap)
			iova_bitmap_set(bitmap, p, leaf.size);
		if (__builtin_add_overflow(p, leaf.size, &p) || p > last)
			return;
	}
	/* Only dirty entries matter; up to the end of the last leaf touched. */
	iopt_area_leaf(area, domain->pgsize_bitmap, last, &leaf);
	last_u = (leaf.head + leaf.size - 1) / u;
	for (n = itree_first(&domain->dirty, p / u, last_u); n;
	     n = itree_first(&domain->dirty, leaf_u + 1, last_u)) {
		iopt_area_leaf(area, domain->pgsize_bitmap, n->start * u, &leaf);
		leaf_u = (leaf.head + leaf.size - 1) / u;
		if (bitmap)
			iova_bitmap_set(bitmap, leaf.head, leaf.size);
		mock_dirty_clear(domain, leaf.head / u, leaf_u, clear);
		if (leaf_u >= last_u)
			break;
	}
}

/*
 * mock_domain_read_and_clear_dirty() over [iova, iova + size) of area; a
 * NULL bitmap only clears (iopt_clear_dirty_data()). 7.x's is the generic
 * page table's read_and_clear_dirty(): every leaf the range touches that is
 * dirty is recorded whole, from its own start (record_dirty()), and cleared.
 */
int mock_domain_read_and_clear_dirty(struct mock_iommu_domain *domain,
				     struct iopt_area *area, uint64_t iova,
				     uint64_t size, uint32_t flags,
				     struct iova_bitmap *bitmap)
{
	bool clear = !(flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	uint64_t u = domain->dirty_unit, first = iova / u;
	uint64_t last = (iova + size - 1) / u;
	struct itree_node *n, *next;

	if (!domain->dirty_tracking && bitmap)
		return -EINVAL;
	if (!iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT)) {
		mock_read_and_clear_dirty_612(domain, area, iova, size, clear,
					      bitmap);
		return 0;
	}
	/* The generic table keeps one entry per dirty leaf; walk those. */
	for (n = itree_first(&domain->dirty, first, last); n; n = next) {
		next = itree_next(n, first, last);
		if (bitmap)
			iova_bitmap_set(bitmap, n->start * u,
					(n->last - n->start + 1) * u);
		if (clear) {
			itree_remove(&domain->dirty, n);
			mock_free(container_of(n, struct mock_dirty_entry, node));
		}
	}
	return 0;
}

/*
 * 7.x's mock_domain_alloc_paging_flags() and mock_domain_alloc_pgtable():
 * the driver data, if any, names the page table's type.
 */
static int mock_domain_alloc_pgtable(struct mock_iommu_domain *domain,
				     struct iommufd_device *idev,
				     uint32_t flags,
				     const struct iommu_hwpt_alloc *cmd)
{
	/* 7.x's struct iommu_hwpt_selftest: iotlb, then pagetable_type */
	struct {
		uint32_t iotlb;
		uint32_t pagetable_type;
	} cfg = {};
	const uint32_t paging_flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				      IOMMU_HWPT_ALLOC_NEST_PARENT |
				      IOMMU_HWPT_ALLOC_PASID;
	int rc;

	if ((flags & ~paging_flags) ||
	    ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	     (idev->dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY)))
		return -EOPNOTSUPP;
	if (cmd) {
		if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST &&
		    cmd->data_type != IOMMU_HWPT_DATA_NONE)
			return -EOPNOTSUPP;
		/* iommu_copy_struct_from_user(..., iotlb) */
		if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST ||
		    cmd->data_len < sizeof(cfg.iotlb) ||
		    sizeof(cfg) < cmd->data_len)
			return -EINVAL;
		rc = copy_struct_from_user(&cfg, sizeof(cfg), cmd->data_uptr,
					   cmd->data_len);
		if (rc)
			return rc;
	}
	switch (cfg.pagetable_type) {
	case MOCK_IOMMUPT_DEFAULT:
		domain->pgsize_bitmap = MOCK_PT_PGSIZES;
		domain->aperture_start = MOCK_APERTURE_START;
		domain->aperture_end = MOCK_APERTURE_LAST;
		break;
	case MOCK_IOMMUPT_HUGE:
		/* userspace maps huge pages only; PAGE_SIZE for iommufd */
		domain->pgsize_bitmap = MOCK_HUGE_PAGE_SIZE | umem_page_size();
		domain->aperture_start = 0;
		domain->aperture_end = MOCK_PT_VA_LAST;
		break;
	default:
		return -EOPNOTSUPP;
	}
	domain->dirty_unit = MOCK_IO_PAGE_SIZE;	/* the granule, the least leaf */
	domain->dirty_ops = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	return 0;
}

/*
 * A paging domain: 6.12's mock_domain_alloc_user() takes no driver data
 * (cmd: the HWPT_ALLOC carrying some, else NULL).
 */
int mock_domain_alloc_paging(struct mock_iommu_domain *domain,
			     struct iommufd_device *idev, uint32_t flags,
			     const struct iommu_hwpt_alloc *cmd)
{
	/* a VFIO PCI device is behind another IOMMU (pci_iommu.c) */
	if (idev->pci_device)
		return pci_iommu_domain_alloc_paging(domain, idev, flags, cmd);
	if (iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT))
		return mock_domain_alloc_pgtable(domain, idev, flags, cmd);
	if (cmd)
		return -EOPNOTSUPP;
	domain->pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (idev->dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA_612)
		domain->pgsize_bitmap |= MOCK_IO_HUGE_SIZE;
	domain->aperture_start = MOCK_APERTURE_START;
	domain->aperture_end = MOCK_APERTURE_LAST;
	domain->dirty_unit = MOCK_IO_PAGE_SIZE;
	domain->dirty_ops = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	return 0;
}

/* mock_domain_free(): its dirty bits go with it. */
void mock_domain_free(struct mock_iommu_domain *domain)
{
	struct itree_node *n;

	while ((n = itree_min(&domain->dirty))) {
		itree_remove(&domain->dirty, n);
		mock_free(container_of(n, struct mock_dirty_entry, node));
	}
}

/* mock_domain_unmap_pages(): the IOPTEs, and so their dirty bits, go. */
void mock_domain_unmap_pages(struct mock_iommu_domain *domain, uint64_t iova,
			     uint64_t length)
{
	uint64_t io = domain->dirty_unit;
	uint64_t first = iova / io, last = (iova + length - 1) / io;
	struct itree_node *n;

	if (!io)	/* a nested domain maps nothing */
		return;
	while ((n = itree_first(&domain->dirty, first, last))) {
		itree_remove(&domain->dirty, n);
		mock_free(container_of(n, struct mock_dirty_entry, node));
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
	/* iotlb only, until the generic table added pagetable_type */
	size_t size = iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT) ?
			      sizeof(data) : offsetofend(typeof(data), iotlb);
	int rc;

	if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST)
		return -EOPNOTSUPP;
	/* iommu_copy_struct_from_user(): len within [min, sizeof] */
	if (cmd->data_len < sizeof(data.iotlb) || size < cmd->data_len)
		return -EINVAL;
	rc = copy_struct_from_user(&data, size, cmd->data_uptr, cmd->data_len);
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

/* The area whose IOPTEs the domain holds at iova, or NULL. */
static struct iopt_area *mock_domain_entry(struct iommufd_hwpt_paging *hwpt_paging,
					   uint64_t iova)
{
	struct iopt_area *area =
		iopt_area_iter_first(&hwpt_paging->ioas->iopt, iova, iova);

	return area && iopt_area_translated(area) ? area : NULL;
}

/*
 * Marks a leaf dirty. 6.12: the one 2 KiB xarray entry at iova gets
 * MOCK_PFN_DIRTY_IOVA, and a read tests every entry of a huge IOPTE. 7.x:
 * the generic page table's set_dirty() dirties the leaf holding iova, kept
 * as one entry spanning the leaf.
 */
int mock_domain_dirty_set(struct mock_iommu_domain *domain,
			  struct iopt_area *area, uint64_t iova)
{
	uint64_t first = iova / domain->dirty_unit, last = first;
	struct mock_dirty_entry *entry;

	if (iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT)) {
		struct iopt_leaf leaf;

		iopt_area_leaf(area, domain->pgsize_bitmap, iova, &leaf);
		first = leaf.head / domain->dirty_unit;
		last = (leaf.head + leaf.size - 1) / domain->dirty_unit;
	}
	if (itree_first(&domain->dirty, first, last))
		return 0;
	entry = mock_calloc(1, sizeof(*entry));
	if (!entry)
		return -ENOMEM;
	entry->node.start = first;
	entry->node.last = last;
	itree_insert(&domain->dirty, &entry->node);
	return 0;
}

/* iommufd_test_mock_domain(): a mock device bound and attached to pt_id. */
static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	uint32_t pt_id = cmd->id, dev_flags = 0, valid_dev_flags;
	struct iommufd_device *idev;
	struct selftest_obj *sobj;
	int rc;

	sobj = _iommufd_object_alloc(ictx, sizeof(*sobj), IOMMUFD_OBJ_SELFTEST);
	if (!sobj)
		return -ENOMEM;
	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	/*
	 * mock_dev_create(): PASID devices came with PASID attachment; the
	 * generic table took huge pages per domain instead of per device.
	 */
	valid_dev_flags = MOCK_FLAGS_DEVICE_NO_DIRTY;
	if (iommufd_mock_has(IOMMUFD_MOCK_PASID))
		valid_dev_flags |= MOCK_FLAGS_DEVICE_PASID;
	if (!iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT))
		valid_dev_flags |= MOCK_FLAGS_DEVICE_HUGE_IOVA_612;
	if (dev_flags & ~valid_dev_flags) {
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

/* iommufd_test_get_selftest_obj(): the mock device of a selftest object */
struct iommufd_device *iommufd_test_get_selftest_idev(struct iommufd_ctx *ictx,
						      uint32_t id)
{
	struct iommufd_object *dev_obj;

	dev_obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_SELFTEST);
	return dev_obj ? container_of(dev_obj, struct selftest_obj, obj)->idev :
			 NULL;
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

/*
 * iommufd_test_md_check_pa(): each IOPTE of the domain's smallest page size
 * (6.12: the 2 KiB IO page; 7.x: 1 << __ffs(pgsize_bitmap)) maps the page
 * at uptr.
 */
static int iommufd_test_md_check_pa(struct iommufd_ucmd *ucmd,
				    unsigned int mockpt_id, uint64_t iova,
				    uint64_t length, uint64_t uptr)
{
	uint64_t io, ps = umem_page_size(), end;
	struct iommufd_hwpt_paging *hwpt_paging;
	int rc;

	/* 6.12 checks the arguments first, the generic table's domain first */
	hwpt_paging = get_md_pagetable(ucmd->ictx, mockpt_id);
	if (!hwpt_paging && iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT))
		return -ENOENT;
	io = hwpt_paging ? hwpt_paging->common.domain.pgsize_bitmap &
				   -hwpt_paging->common.domain.pgsize_bitmap :
			   MOCK_IO_PAGE_SIZE;
	if (iova % io || length % io || uptr % io ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	if (!hwpt_paging)
		return -ENOENT;
	for (; length; length -= io, iova += io, uptr += io) {
		struct iopt_area *area;

		/* get_user_pages_fast(uptr & PAGE_MASK, 1, 0) */
		rc = umem_check_pin(uptr & ~(ps - 1), ps, false, false);
		if (rc)
			return rc;
		area = iopt_area_iter_first(&hwpt_paging->ioas->iopt, iova, iova);
		if (!area || !iopt_area_maps_uva(area, iova, uptr))
			return -EINVAL;
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
	/* one look at the maps for the whole range; each page asks it */
	umem_snapshot_load(uptr, length);
	for (; length; length -= ps, uptr += ps) {
		rc = umem_check_pin(uptr, ps, false, false);
		if (rc)
			return rc;
		/* !PageCompound(): a hugetlbfs page is not counted. */
		if (!umem_page_is_hugetlb(uptr) &&
		    iopt_pages_count_pins(uptr) != refs)
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

/* iommufd_test_dirty(): marks the IOPTEs of the set bits dirty. */
static int iommufd_test_dirty(struct iommufd_ucmd *ucmd, unsigned int mockpt_id,
			      uint64_t iova, uint64_t length,
			      uint64_t page_size, uint64_t uptr,
			      struct iommu_test_cmd *cmd)
{
	struct iommufd_hwpt_paging *hwpt_paging;
	struct mock_iommu_domain *domain;
	struct iopt_area *area;
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
	bits = mock_calloc(1, (max + 63) / 64 * 8);
	if (!bits)
		return -ENOMEM;
	rc = umem_copy_from(bits, uptr, (max + 7) / 8);
	if (rc)
		goto out;
	for (i = 0; i < max; i++) {
		uint64_t cur = iova + i * page_size;

		if (!(bits[i / 8] & (1u << (i % 8))))
			continue;
		/*
		 * 6.12 looks up its xarray at cur / page_size, the index of
		 * a 2 KiB IO page only when page_size is 2 KiB, and counts the
		 * entries it found. The generic table sets the leaf at cur, if
		 * there is one, and counts every bit asked for.
		 */
		if (!iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT))
			cur = cur / page_size * MOCK_IO_PAGE_SIZE;
		area = mock_domain_entry(hwpt_paging, cur);
		if (area) {
			rc = mock_domain_dirty_set(domain, area, cur);
			if (rc)
				goto out;
		} else if (!iommufd_mock_has(IOMMUFD_MOCK_GENERIC_PT)) {
			continue;
		}
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	mock_free(bits);
	return rc;
}

/*
 * iommufd_test_trigger_iopf(): one page request, the last of its group,
 * through iommu_report_device_fault() to the fault queue of the domain
 * that takes it (iommufd_device_fault_handler()); where none does, the
 * core answers it and drops it. The op returns 0 either way.
 */
static int iommufd_test_trigger_iopf(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	struct iommu_hwpt_pgfault msg = {
		.flags = IOMMU_PGFAULT_FLAGS_LAST_PAGE,
		.pasid = cmd->trigger_iopf.pasid,
		.grpid = cmd->trigger_iopf.grpid,
		.perm = cmd->trigger_iopf.perm,
		.addr = cmd->trigger_iopf.addr,
	};
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_device *idev;
	uint64_t handle;

	idev = iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id);
	if (!idev)
		return -ENOENT;
	if (msg.pasid != IOMMU_NO_PASID)
		msg.flags |= IOMMU_PGFAULT_FLAGS_PASID_VALID;
	msg.dev_id = idev->obj.id;
	hwpt = iommufd_device_fault_handler(idev, msg.pasid, &handle);
	if (hwpt)
		iommufd_fault_iopf_handler(hwpt, handle, &msg);
	return 0;
}

/*
 * iommufd_test_trigger_vevent(): the device reports one selftest event to
 * the vIOMMU it sits behind; ENOENT when behind none (or with virtual id
 * 0), EOPNOTSUPP when that vIOMMU has no queue of the selftest type.
 */
static int iommufd_test_trigger_vevent(struct iommufd_ucmd *ucmd,
				       struct iommu_test_cmd *cmd)
{
	struct iommu_viommu_event_selftest test = {};
	struct iommufd_device *idev;

	idev = iommufd_get_device(ucmd->ictx, cmd->trigger_vevent.dev_id);
	if (!idev)
		return -ENOENT;
	if (!idev->mock_viommu || !idev->mock_vdev_id)
		return -ENOENT;
	test.virt_id = idev->mock_vdev_id;
	return iommufd_viommu_report_event(idev->mock_viommu,
					   IOMMU_VEVENTQ_TYPE_SELFTEST, &test,
					   sizeof(test));
}

/* iommufd_selftest_destroy(): the mock device is detached and unbound. */
void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	/*
	 * 7.3 detaches only the RID here and WARNs about a PASID left
	 * attached; the mock lets them go so that nothing leaks.
	 */
	while (sobj->idev->npasid_attach)
		iommufd_device_pasid_detach(sobj->idev,
					    sobj->idev->pasid_attach[0].pasid);
	if (sobj->idev->hwpt)
		iommufd_device_detach(sobj->idev);
	iommufd_device_unbind(sobj->idev);
}

/*
 * The ops that came after the oldest kernel the mock speaks, with the
 * feature each came with (personality.h); without it an op is unknown.
 */
static const enum iommufd_mock_feature iommufd_test_op_feature[] = {
	[IOMMU_TEST_OP_DEV_CHECK_CACHE] = IOMMUFD_MOCK_VIOMMU,
	[IOMMU_TEST_OP_TRIGGER_VEVENT] = IOMMUFD_MOCK_VEVENTQ,
	[IOMMU_TEST_OP_PASID_ATTACH] = IOMMUFD_MOCK_PASID,
	[IOMMU_TEST_OP_PASID_REPLACE] = IOMMUFD_MOCK_PASID,
	[IOMMU_TEST_OP_PASID_DETACH] = IOMMUFD_MOCK_PASID,
	[IOMMU_TEST_OP_PASID_CHECK_HWPT] = IOMMUFD_MOCK_PASID,
	[IOMMU_TEST_OP_DMABUF_GET] = IOMMUFD_MOCK_DMABUF,
	[IOMMU_TEST_OP_DMABUF_REVOKE] = IOMMUFD_MOCK_DMABUF,
};

int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->op < sizeof(iommufd_test_op_feature) /
			      sizeof(iommufd_test_op_feature[0]) &&
	    !iommufd_mock_has(iommufd_test_op_feature[cmd->op]))
		return -EOPNOTSUPP;
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
	case IOMMU_TEST_OP_TRIGGER_VEVENT:
		return iommufd_test_trigger_vevent(ucmd, cmd);
	case IOMMU_TEST_OP_PASID_ATTACH:
	case IOMMU_TEST_OP_PASID_REPLACE:
	case IOMMU_TEST_OP_PASID_DETACH:
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return iommufd_test_pasid(ucmd, cmd);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE: {
		/* iommufd_test_dev_check_cache(): id is the idev */
		struct iommufd_device *idev;

		idev = iommufd_get_device(ucmd->ictx, cmd->id);
		if (!idev)
			return -ENOENT;
		if (cmd->check_dev_cache.id > MOCK_DEV_CACHE_ID_MAX ||
		    idev->cache[cmd->check_dev_cache.id] !=
			    cmd->check_dev_cache.cache)
			return -EINVAL;
		return 0;
	}
	case IOMMU_TEST_OP_DMABUF_GET:
		return iommufd_test_dmabuf_get(ucmd, cmd->dmabuf_get.open_flags,
					       cmd->dmabuf_get.length);
	case IOMMU_TEST_OP_DMABUF_REVOKE:
		return iommufd_test_dmabuf_revoke(ucmd,
						  cmd->dmabuf_revoke.dmabuf_fd,
						  cmd->dmabuf_revoke.revoked);
	default:
		return -EOPNOTSUPP;
	}
}
