// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the PASID half of drivers/iommu/iommufd/selftest.c, checked
 * against Linux 7.3 (the ops came with 6.15; 6.12's personality answers
 * EOPNOTSUPP, selftest.c): IOMMU_TEST_OP_PASID_ATTACH, _REPLACE, _DETACH
 * and _CHECK_HWPT on the mock device of a selftest object. The attachment
 * rules are device.c's (iommufd_device_pasid_*()).
 *
 * PASID 0 is IOMMU_NO_PASID, the RID: the kernel's iommufd_device_attach()
 * and friends take it as the RID's attachment, and so does the mock.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "iommufd_private.h"

/* iommufd_test_pasid_attach(): the pt_id it got is copied back. */
static int iommufd_test_pasid_attach(struct iommufd_ucmd *ucmd,
				     struct iommufd_device *idev,
				     struct iommu_test_cmd *cmd)
{
	uint32_t pasid = cmd->pasid_attach.pasid;
	int rc;

	if (pasid == IOMMU_NO_PASID)
		/* the RID is attached from its creation on: device_array */
		rc = idev->hwpt ? -EBUSY :
				  iommufd_device_attach(idev,
							&cmd->pasid_attach.pt_id);
	else
		rc = iommufd_device_pasid_attach(idev, pasid,
						 &cmd->pasid_attach.pt_id);
	if (rc)
		return rc;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		if (pasid == IOMMU_NO_PASID)
			iommufd_device_detach(idev);
		else
			iommufd_device_pasid_detach(idev, pasid);
	}
	return rc;
}

/* iommufd_test_pasid_replace() */
static int iommufd_test_pasid_replace(struct iommufd_ucmd *ucmd,
				      struct iommufd_device *idev,
				      struct iommu_test_cmd *cmd)
{
	uint32_t pasid = cmd->pasid_attach.pasid;
	int rc;

	if (pasid == IOMMU_NO_PASID)
		rc = iommufd_device_replace(idev, &cmd->pasid_attach.pt_id);
	else
		rc = iommufd_device_pasid_replace(idev, pasid,
						  &cmd->pasid_attach.pt_id);
	if (rc)
		return rc;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * iommufd_test_pasid_check_hwpt(): hwpt_id 0 asks whether the PASID is
 * detached; else it must name a HWPT (ENOENT, or EINVAL for another type)
 * and be the PASID's.
 */
static int iommufd_test_pasid_check_hwpt(struct iommufd_ucmd *ucmd,
					 struct iommufd_device *idev,
					 struct iommu_test_cmd *cmd)
{
	struct iommufd_hw_pagetable *attached =
		iommufd_device_pasid_hwpt(idev, cmd->pasid_check.pasid);
	struct iommufd_object *pt_obj;

	if (!cmd->pasid_check.hwpt_id)
		return attached ? -EINVAL : 0;
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pasid_check.hwpt_id,
				    IOMMUFD_OBJ_ANY);
	if (!pt_obj)
		return -ENOENT;
	if (pt_obj->type != IOMMUFD_OBJ_HWPT_NESTED &&
	    pt_obj->type != IOMMUFD_OBJ_HWPT_PAGING)
		return -EINVAL;
	if (attached != container_of(pt_obj, struct iommufd_hw_pagetable, obj))
		return -EINVAL;
	return 0;
}

int iommufd_test_pasid(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_device *idev =
		iommufd_test_get_selftest_idev(ucmd->ictx, cmd->id);

	if (!idev)
		return -ENOENT;
	switch (cmd->op) {
	case IOMMU_TEST_OP_PASID_ATTACH:
		return iommufd_test_pasid_attach(ucmd, idev, cmd);
	case IOMMU_TEST_OP_PASID_REPLACE:
		return iommufd_test_pasid_replace(ucmd, idev, cmd);
	case IOMMU_TEST_OP_PASID_DETACH:
		/* iommufd_test_pasid_detach(): nothing attached is no error */
		if (cmd->pasid_detach.pasid == IOMMU_NO_PASID) {
			if (idev->hwpt)
				iommufd_device_detach(idev);
		} else {
			iommufd_device_pasid_detach(idev,
						    cmd->pasid_detach.pasid);
		}
		return 0;
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return iommufd_test_pasid_check_hwpt(ucmd, idev, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
