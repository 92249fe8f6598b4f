// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/viommu.c, checked against Linux 7.3 (the
 * vIOMMU came with 6.13; 6.12 has none, so its personality answers ENOTTY,
 * main.c): IOMMU_VIOMMU_ALLOC of the selftest type over a NEST_PARENT
 * paging HWPT, and, from selftest.c, the mock vIOMMU's cache invalidation
 * that IOMMU_HWPT_INVALIDATE dispatches to.
 *
 * vDEVICEs (IOMMU_VDEVICE_ALLOC) and their tombstones live here too, and
 * nested HWPTs on a vIOMMU in hw_pagetable.c. Not emulated (README.md): the
 * driver data's mmap page (offset and length are answered, the page cannot
 * be mapped), HW queues, vEVENTQs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommufd_private.h"

#if IOMMUFD_MOCK_HAVE_7X

/* iommufd_viommu_destroy(): the hold on the parent HWPT goes. */
void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu =
		container_of(obj, struct iommufd_viommu, obj);

	viommu->hwpt->common.obj.users--;
	free(viommu->vdevs);
	free(viommu->veventqs);
}

/*
 * mock_viommu_init() with driver data: a loopback of in_data, and the mmap
 * window of its two pages.
 */
static int mock_viommu_init(const struct iommu_viommu_alloc *cmd)
{
	struct iommu_viommu_selftest data;
	size_t len;
	int rc;

	if (!cmd->data_len)
		return 0;
	/* iommu_copy_struct_from_user(..., out_data) */
	if (cmd->data_len < offsetofend(typeof(data), out_data) ||
	    sizeof(data) < cmd->data_len)
		return -EINVAL;
	rc = copy_struct_from_user(&data, sizeof(data), cmd->data_uptr,
				   cmd->data_len);
	if (rc)
		return rc;
	data.out_data = data.in_data;
	data.out_mmap_length = 2 * umem_page_size();
	data.out_mmap_offset = 0;
	/* iommu_copy_struct_to_user(): as much as the user gave */
	len = cmd->data_len < sizeof(data) ? cmd->data_len : sizeof(data);
	return umem_copy_to(cmd->data_uptr, &data, len);
}

int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt_paging;
	struct iommufd_viommu *viommu;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!iommufd_get_device(ucmd->ictx, cmd->dev_id))
		return -ENOENT;
	/* mock_get_viommu_size(): the selftest type only */
	if (cmd->type != IOMMU_VIOMMU_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	hwpt_paging = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt_paging)
		return -ENOENT;
	if (!hwpt_paging->nest_parent)
		return -EINVAL;
	viommu = _iommufd_object_alloc(ucmd->ictx, sizeof(*viommu),
				       IOMMUFD_OBJ_VIOMMU);
	if (!viommu)
		return -ENOMEM;
	viommu->ictx = ucmd->ictx;
	viommu->type = cmd->type;
	viommu->hwpt = hwpt_paging;
	hwpt_paging->common.obj.users++;
	rc = mock_viommu_init(cmd);
	if (rc)
		goto out_abort;
	cmd->out_viommu_id = viommu->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	return 0;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &viommu->obj);
	return rc;
}

/* iommufd_viommu_find_dev(): the vDEVICE of virt_id, or NULL */
static struct iommufd_vdevice *iommufd_viommu_find(struct iommufd_viommu *viommu,
						   uint64_t virt_id)
{
	for (size_t i = 0; i < viommu->nvdevs; i++)
		if (viommu->vdevs[i]->virt_id == virt_id)
			return viommu->vdevs[i];
	return NULL;
}

int iommufd_viommu_get_vdev_id(struct iommufd_viommu *viommu,
			       struct iommufd_device *idev, uint64_t *vdev_id)
{
	for (size_t i = 0; i < viommu->nvdevs; i++) {
		if (viommu->vdevs[i]->idev == idev) {
			*vdev_id = viommu->vdevs[i]->virt_id;
			return 0;
		}
	}
	return -ENOENT;
}

/* iommufd_vdevice_destroy() (iommufd_vdevice_abort()) */
void iommufd_vdevice_destroy(struct iommufd_object *obj)
{
	struct iommufd_vdevice *vdev =
		container_of(obj, struct iommufd_vdevice, obj);

	ptr_array_del(&vdev->viommu->vdevs, &vdev->viommu->nvdevs, vdev);
	vdev->viommu->obj.users--;
	vdev->idev->vdev = NULL;
}

/*
 * iommufd_device_pre_destroy(): a device that goes takes its vDEVICE with
 * it, and the vDEVICE's id stays behind as a tombstone (IOMMU_VDEVICE_ALLOC
 * kernel-doc): destroying it is ENOENT, and it is never reused.
 */
void iommufd_device_pre_destroy(struct iommufd_device *idev)
{
	if (idev->vdev)
		iommufd_object_tombstone(idev->ictx, &idev->vdev->obj);
}

int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct iommufd_vdevice *vdev;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (!obj)
		return -ENOENT;
	viommu = container_of(obj, struct iommufd_viommu, obj);
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	/* one vDEVICE per device; one device per virt_id on a vIOMMU */
	if (idev->vdev || iommufd_viommu_find(viommu, cmd->virt_id))
		return -EEXIST;
	vdev = _iommufd_object_alloc(ucmd->ictx, sizeof(*vdev),
				     IOMMUFD_OBJ_VDEVICE);
	if (!vdev)
		return -ENOMEM;
	vdev->virt_id = cmd->virt_id;
	vdev->viommu = viommu;
	vdev->idev = idev;
	rc = ptr_array_add(&viommu->vdevs, &viommu->nvdevs, vdev);
	if (rc) {
		iommufd_object_abort(ucmd->ictx, &vdev->obj);
		return rc;
	}
	viommu->obj.users++;
	idev->vdev = vdev;
	cmd->out_vdevice_id = vdev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort_and_destroy(ucmd->ictx, &vdev->obj);
	return rc;
}

/*
 * mock_viommu_cache_invalidate(); *done counts the entries handled. An
 * empty array of the selftest type validates the type only.
 */
int iommufd_viommu_cache_invalidate(struct iommufd_viommu *viommu,
				    struct iommu_hwpt_invalidate *cmd,
				    uint32_t *done)
{
	struct iommu_viommu_invalidate_selftest inv;
	int rc;

	if (!cmd->entry_num &&
	    cmd->data_type == IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
		return 0;
	/* iommu_copy_struct_from_full_user_array(): all entries first */
	if (cmd->data_type != IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST ||
	    !cmd->entry_num)
		return -EINVAL;
	for (uint32_t i = 0; i < cmd->entry_num; i++) {
		rc = copy_struct_from_user(&inv, sizeof(inv),
					   cmd->data_uptr +
						   (uint64_t)i * cmd->entry_len,
					   cmd->entry_len);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < cmd->entry_num; i++, (*done)++) {
		struct iommufd_vdevice *vdev;

		rc = copy_struct_from_user(&inv, sizeof(inv),
					   cmd->data_uptr +
						   (uint64_t)i * cmd->entry_len,
					   cmd->entry_len);
		if (rc)
			return rc;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL)
			return -EOPNOTSUPP;
		if (inv.cache_id > MOCK_DEV_CACHE_ID_MAX)
			return -EINVAL;
		vdev = iommufd_viommu_find(viommu, inv.vdev_id);
		if (!vdev)
			return -EINVAL;
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
			memset(vdev->idev->cache, 0, sizeof(vdev->idev->cache));
		else
			vdev->idev->cache[inv.cache_id] = 0;
	}
	return 0;
}

#endif
