// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/device.c, checked against Linux 6.12 and 7.3
 * (7.x: GET_HW_INFO input type, ATS and PASID capabilities): a
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
	/* mock_dev_create(): the mock device caches, for vIOMMU invalidation */
	for (int i = 0; i < MOCK_DEV_CACHE_NUM; i++)
		idev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	idev->obj.users++;
	/* 6.12/7.3 device.c iommufd_device_bind(): finalized at bind */
	iommufd_object_finalize(&idev->obj);
	return idev;
}

/* iommufd_device_unbind() */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_device_pre_destroy(idev);
	iommufd_object_destroy_user(idev->ictx, &idev->obj);
}

/*
 * iommufd_hwpt_pasid_compat() for the RID (7.x): while a PASID is attached
 * the RID's domain must be IOMMU_HWPT_ALLOC_PASID too.
 */
static int iommufd_hwpt_rid_pasid_compat(struct iommufd_hw_pagetable *hwpt,
					 struct iommufd_device *idev)
{
	return !hwpt->pasid_compat && idev->npasid_attach ? -EINVAL : 0;
}

/* iommufd_hw_pagetable_attach(): a device has one hwpt at a time. */
int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev)
{
	int rc;

	if (idev->hwpt && idev->hwpt != hwpt)
		return -EINVAL;
	rc = iommufd_hwpt_rid_pasid_compat(hwpt, idev);
	if (rc)
		return rc;
	rc = mock_domain_nop_attach(&hwpt->domain, idev);
	if (rc)
		return rc;
	if (idev->hwpt != hwpt)
		idev->rid_handle = ++idev->ictx->attach_handles;
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
	rc = iommufd_hwpt_rid_pasid_compat(hwpt, idev);
	if (rc)
		return rc;
	rc = mock_domain_nop_attach(&hwpt->domain, idev);
	if (rc)
		return rc;
	*old = idev->hwpt;
	iommufd_auto_response_faults(*old, idev->rid_handle);
	idev->hwpt = hwpt;
	idev->rid_handle = ++idev->ictx->attach_handles;
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
						!replace, NULL, &rc);
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
	/* iommufd_device_auto_get_domain() finalizes it once attached */
	iommufd_object_finalize(&hwpt_paging->common.obj);
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
	iommufd_auto_response_faults(hwpt, idev->rid_handle);
	/* the blocking domain it goes to is behind no vIOMMU */
	idev->mock_viommu = NULL;
	idev->mock_vdev_id = 0;
	iommufd_hw_pagetable_put(idev->ictx, hwpt);
	idev->obj.users--;
}

static struct iommufd_pasid_attach *
iommufd_device_pasid_find(struct iommufd_device *idev, uint32_t pasid)
{
	for (size_t i = 0; i < idev->npasid_attach; i++)
		if (idev->pasid_attach[i].pasid == pasid)
			return &idev->pasid_attach[i];
	return NULL;
}

struct iommufd_hw_pagetable *
iommufd_device_pasid_hwpt(struct iommufd_device *idev, uint32_t pasid)
{
	struct iommufd_pasid_attach *attach;

	if (pasid == IOMMU_NO_PASID)
		return idev->hwpt;
	attach = iommufd_device_pasid_find(idev, pasid);
	return attach ? attach->hwpt : NULL;
}

struct iommufd_hw_pagetable *
iommufd_device_fault_handler(struct iommufd_device *idev, uint32_t pasid,
			     uint64_t *handle)
{
	struct iommufd_pasid_attach *attach = NULL;
	struct iommufd_hw_pagetable *hwpt = idev->hwpt;

	*handle = idev->rid_handle;
	if (pasid != IOMMU_NO_PASID) {
		attach = iommufd_device_pasid_find(idev, pasid);
		if (attach) {
			hwpt = attach->hwpt;
			*handle = attach->handle;
		} else if (hwpt && hwpt->obj.type != IOMMUFD_OBJ_HWPT_NESTED) {
			/*
			 * The selftest driver has a user-managed PASID table
			 * (mock_ops.user_pasid_table): a PASID with no domain
			 * of its own faults through the nested domain of the
			 * RID, and through nothing else.
			 */
			hwpt = NULL;
		}
	}
	/* only a domain with a fault queue has an iopf_handler */
	return hwpt && hwpt->fault ? hwpt : NULL;
}

/*
 * iommufd_hwpt_pasid_compat() for a PASID: its domain and the RID's must
 * both be IOMMU_HWPT_ALLOC_PASID ones.
 */
static int iommufd_hwpt_pasid_compat(struct iommufd_hw_pagetable *hwpt,
				     struct iommufd_device *idev)
{
	if (!hwpt->pasid_compat)
		return -EINVAL;
	if (idev->hwpt && !idev->hwpt->pasid_compat)
		return -EINVAL;
	return 0;
}

/*
 * The PASID's HWPT (pt_id) as iommufd_device_change_pt() finds it: an IOAS
 * stands for an automatic domain, which is allocated without
 * IOMMU_HWPT_ALLOC_PASID, so never usable for a PASID: the kernel tries
 * each (and a new one) and ends in the attach's own error, EBUSY for an
 * attached PASID or EINVAL (*hwpt stays NULL, rc is that error).
 */
static int iommufd_device_pasid_get_pt(struct iommufd_device *idev,
				       uint32_t pasid, uint32_t pt_id,
				       bool replace,
				       struct iommufd_hw_pagetable **hwpt)
{
	struct iommufd_object *pt_obj;

	*hwpt = NULL;
	pt_obj = iommufd_get_object(idev->ictx, pt_id, IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;
	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		*hwpt = container_of(pt_obj, struct iommufd_hw_pagetable, obj);
		return 0;
	case IOMMUFD_OBJ_IOAS:
		if (!replace && iommufd_device_pasid_find(idev, pasid))
			return -EBUSY;
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * iommufd_device_attach() of a PASID: iommufd_hw_pagetable_attach() (an
 * attached PASID is EBUSY: the device is already in its device_array),
 * iommufd_hwpt_attach_device() (the PASID rules), then the core's
 * iommu_attach_device_pasid() (past the device's max_pasids: EINVAL; a
 * device without "pasid-num-bits" has max_pasids 1) and the driver.
 */
int iommufd_device_pasid_attach(struct iommufd_device *idev, uint32_t pasid,
				uint32_t *pt_id)
{
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_pasid_attach *n;
	uint64_t max_pasids;
	int rc;

	rc = iommufd_device_pasid_get_pt(idev, pasid, *pt_id, false, &hwpt);
	if (rc)
		return rc;
	if (iommufd_device_pasid_find(idev, pasid))
		return -EBUSY;
	rc = iommufd_hwpt_pasid_compat(hwpt, idev);
	if (rc)
		return rc;
	max_pasids = idev->dev_flags & MOCK_FLAGS_DEVICE_PASID ?
			     1ULL << MOCK_PASID_WIDTH : 1;
	/*
	 * A PCI device without a PASID capability (the mock's edu) has
	 * max_pasids 0: the core keeps the attachment as bookkeeping and
	 * programs nothing (7.3 iommu.c, __iommu_set_group_pasid())
	 */
	if (idev->pci_device)
		max_pasids = 0;
	if (max_pasids && pasid >= max_pasids)
		return -EINVAL;
	rc = mock_domain_set_dev_pasid(idev, pasid, false);
	if (rc)
		return rc;
	n = mock_realloc(idev->pasid_attach,
		    (idev->npasid_attach + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	idev->pasid_attach = n;
	n[idev->npasid_attach++] = (struct iommufd_pasid_attach){
		.pasid = pasid, .hwpt = hwpt,
		.handle = ++idev->ictx->attach_handles,
	};
	hwpt->obj.users++;
	idev->obj.users++;
	return 0;
}

/*
 * iommufd_device_replace() of a PASID: iommufd_device_do_replace() (only
 * an attached PASID; to its own HWPT nothing happens), the PASID rules,
 * then iommu_replace_device_pasid(): if the driver fails, the PASID stays
 * where it was.
 */
int iommufd_device_pasid_replace(struct iommufd_device *idev, uint32_t pasid,
				 uint32_t *pt_id)
{
	struct iommufd_pasid_attach *attach;
	struct iommufd_hw_pagetable *hwpt, *old;
	int rc;

	rc = iommufd_device_pasid_get_pt(idev, pasid, *pt_id, true, &hwpt);
	if (rc)
		return rc;
	attach = iommufd_device_pasid_find(idev, pasid);
	if (!attach)
		return -EINVAL;
	if (attach->hwpt == hwpt)
		return 0;
	rc = iommufd_hwpt_pasid_compat(hwpt, idev);
	if (rc)
		return rc;
	rc = mock_domain_set_dev_pasid(idev, pasid, false);
	if (rc)
		return rc;
	old = attach->hwpt;
	iommufd_auto_response_faults(old, attach->handle);
	attach->hwpt = hwpt;
	attach->handle = ++idev->ictx->attach_handles;
	hwpt->obj.users++;
	iommufd_hw_pagetable_put(idev->ictx, old);
	return 0;
}

/* iommufd_device_detach() of a PASID: quietly nothing if not attached. */
void iommufd_device_pasid_detach(struct iommufd_device *idev, uint32_t pasid)
{
	struct iommufd_pasid_attach *attach;
	struct iommufd_hw_pagetable *hwpt;

	attach = iommufd_device_pasid_find(idev, pasid);
	if (!attach)
		return;
	hwpt = attach->hwpt;
	/* the PASID goes to the blocking domain */
	mock_domain_set_dev_pasid(idev, pasid, true);
	iommufd_auto_response_faults(hwpt, attach->handle);
	*attach = idev->pasid_attach[--idev->npasid_attach];
	if (!idev->npasid_attach) {
		mock_free(idev->pasid_attach);
		idev->pasid_attach = NULL;
	}
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
		if (iommufd_access_ops(access)->unmap)
			iommufd_access_ops(access)->unmap(access->data, 0, UINT64_MAX);
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
	access->ops = mock_so_off(ops);
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? umem_page_size() : 1;
	access->obj.users++;
	access->ictx = ictx;
	iommufd_ctx_get(ictx);
	iommufd_object_finalize(&access->obj);	/* as iommufd_access_create() */
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

static const struct iommufd_access_ops iommufd_access_internal_ops = {
	.needs_pin_pages = true,
};

/* iommufd_access_create_internal(): iova_alignment PAGE_SIZE */
struct iommufd_access *iommufd_access_create_internal(struct iommufd_ctx *ictx)
{
	struct iommufd_access *access;

	access = _iommufd_object_alloc(ictx, sizeof(*access),
				       IOMMUFD_OBJ_ACCESS);
	if (!access)
		return NULL;
	access->ops = mock_so_off(&iommufd_access_internal_ops);
	access->iova_alignment = umem_page_size();
	access->obj.users++;
	iommufd_object_finalize(&access->obj);
	return access;
}

/* iommufd_access_attach_internal() */
int iommufd_access_attach_internal(struct iommufd_access *access,
				   struct iommufd_ioas *ioas)
{
	return iommufd_access_change_ioas(access, ioas);
}

/* iommufd_access_detach_internal() + iommufd_access_destroy_internal() */
void iommufd_access_destroy_internal(struct iommufd_ctx *ictx,
				     struct iommufd_access *access)
{
	access->obj.users--;
	iommufd_object_abort_and_destroy(ictx, &access->obj);
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

		/* 7.x: internal accesses lock their areas instead */
		if (!access->ictx)
			continue;
		iommufd_access_ops(access)->unmap(access->data, iova, length);
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
		if (!access->ictx)
			area->num_locks--;
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
			     uint64_t length, struct umem_page_id *out_pages,
			     uint32_t flags)
{
	uint64_t last_iova;
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
		if (!access->ictx)
			area->num_locks++;
		iopt_pages_page_ids(area->pages, index,
				    last_index - index + 1, out_pages);
		out_pages += last_index - index + 1;
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
			if (!access->ictx)
				area->num_locks--;
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
	uint32_t supported_flags = 0, in_type = 0;
	struct iommufd_device *idev;
	uint32_t copy_len;
	int rc;

	/*
	 * Flag bit 0 says in_data_type, which shares its field with
	 * out_data_type, asks for a type; without it the field is ignored
	 * (IOMMU_HW_INFO_TYPE_DEFAULT).
	 */
	if (iommufd_mock_has(IOMMUFD_MOCK_HW_INFO_INPUT_TYPE)) {
		supported_flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
			in_type = cmd->in_data_type;
	}
	if ((cmd->flags & ~supported_flags) || cmd->__reserved[0] ||
	    cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	/* mock_domain_hw_info(): the default or its own type only */
	if (in_type && in_type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return -EOPNOTSUPP;
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
	/* the mock iommu cannot do ATS, which kernels report since 7.1 */
	if (iommufd_mock_has(IOMMUFD_MOCK_HW_INFO_ATS))
		cmd->out_capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
	/* a PASID device's pasid-num-bits; others have 1 PASID */
	if (iommufd_mock_has(IOMMUFD_MOCK_PASID) &&
	    (idev->dev_flags & MOCK_FLAGS_DEVICE_PASID))
		cmd->out_max_pasid_log2 = MOCK_PASID_WIDTH;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}
