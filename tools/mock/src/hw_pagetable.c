// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/hw_pagetable.c, checked against Linux 6.12
 * and 7.3 (the personality, main.c, picks the behaviour where they differ):
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

	/* a vIOMMU's nested HWPT holds the vIOMMU, which holds the parent */
	if (hwpt_nested->viommu)
		hwpt_nested->viommu->obj.users--;
	else
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
			  bool immediate_attach,
			  const struct iommu_hwpt_alloc *user_cmd, int *rc)
{
	uint32_t valid_flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_hw_pagetable *hwpt;

	if (iommufd_mock_has(IOMMUFD_MOCK_HWPT_PAGING_FAULT))
		valid_flags |= IOMMU_HWPT_FAULT_ID_VALID;
	if (iommufd_mock_has(IOMMUFD_MOCK_PASID))
		valid_flags |= IOMMU_HWPT_ALLOC_PASID;
	if (flags & ~valid_flags) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !mock_domain_capable_dirty(idev)) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_FAULT_ID_VALID) &&
	    (flags & IOMMU_HWPT_ALLOC_NEST_PARENT)) {
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
	hwpt->pasid_compat = flags & IOMMU_HWPT_ALLOC_PASID;
	*rc = mock_domain_alloc_paging(&hwpt->domain, idev,
				       flags & ~IOMMU_HWPT_FAULT_ID_VALID,
				       user_cmd && user_cmd->data_len ?
					       user_cmd : NULL);
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
	uint32_t valid_flags = IOMMU_HWPT_FAULT_ID_VALID;
	struct iommufd_hwpt_nested *hwpt_nested;

	if (iommufd_mock_has(IOMMUFD_MOCK_PASID))
		valid_flags |= IOMMU_HWPT_ALLOC_PASID;
	if ((cmd->flags & ~valid_flags) || !cmd->data_len) {
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
	hwpt_nested->common.pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID;
	*rc = mock_domain_alloc_nested(&hwpt_nested->common.domain, cmd);
	if (*rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt_nested->common.obj);
		return NULL;
	}
	return hwpt_nested;
}

/*
 * iommufd_viommu_alloc_hwpt_nested(): the parent is the vIOMMU's; the
 * driver's mock_viommu_alloc_domain_nested() takes the selftest data.
 */
static struct iommufd_hwpt_nested *
iommufd_viommu_alloc_hwpt_nested(struct iommufd_ctx *ictx,
				 struct iommufd_viommu *viommu,
				 const struct iommu_hwpt_alloc *cmd, int *rc)
{
	struct iommufd_hwpt_nested *hwpt_nested;

	if ((cmd->flags & ~(IOMMU_HWPT_FAULT_ID_VALID |
			    IOMMU_HWPT_ALLOC_PASID)) ||
	    !cmd->data_len) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	hwpt_nested = _iommufd_object_alloc(ictx, sizeof(*hwpt_nested),
					    IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt_nested) {
		*rc = -ENOMEM;
		return NULL;
	}
	hwpt_nested->viommu = viommu;
	viommu->obj.users++;
	hwpt_nested->parent = viommu->hwpt;
	hwpt_nested->common.pasid_compat = cmd->flags & IOMMU_HWPT_ALLOC_PASID;
	*rc = mock_domain_alloc_nested(&hwpt_nested->common.domain, cmd);
	if (*rc) {
		iommufd_object_abort_and_destroy(ictx, &hwpt_nested->common.obj);
		return NULL;
	}
	hwpt_nested->common.domain.viommu = viommu;
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
			idev, cmd->flags, false, cmd, &rc);
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
	} else if (pt_obj->type == IOMMUFD_OBJ_VIOMMU) {
		struct iommufd_hwpt_nested *hwpt_nested;

		hwpt_nested = iommufd_viommu_alloc_hwpt_nested(
			ictx, container_of(pt_obj, struct iommufd_viommu, obj),
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
		/*
		 * 6.12 looks up a nested HWPT only: anything else is not
		 * found. 6.13 (for vIOMMUs) looks up any object and
		 * dispatches on its type: a type without invalidation, a
		 * paging HWPT say, is EINVAL.
		 */
		struct iommufd_object *obj =
			iommufd_get_object(ucmd->ictx, cmd->hwpt_id,
					   IOMMUFD_OBJ_ANY);

		rc = -ENOENT;
		if (!iommufd_mock_has(IOMMUFD_MOCK_VIOMMU) || !obj)
			goto out;
		if (obj->type == IOMMUFD_OBJ_VIOMMU)
			rc = iommufd_viommu_cache_invalidate(
				container_of(obj, struct iommufd_viommu, obj),
				cmd, &done);
		else
			rc = -EINVAL;
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
