// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/viommu.c, checked against Linux 7.3 (the
 * vIOMMU came with 6.13; 6.12 has none, so its personality answers ENOTTY,
 * main.c): IOMMU_VIOMMU_ALLOC of the selftest type over a NEST_PARENT
 * paging HWPT, and, from selftest.c, the mock vIOMMU's cache invalidation
 * that IOMMU_HWPT_INVALIDATE dispatches to.
 *
 * vDEVICEs (IOMMU_VDEVICE_ALLOC) and their tombstones live here too, and
 * HW queues (IOMMU_HW_QUEUE_ALLOC, with the selftest driver's
 * mock_hw_queue_init_phys() rules); nested HWPTs on a vIOMMU are in
 * hw_pagetable.c, vEVENTQs in eventq.c, the driver data's mmap window in
 * driver.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_private.h"

/* iommufd_viommu_destroy(): the hold on the parent HWPT goes. */
void iommufd_viommu_destroy(struct iommufd_object *obj)
{
	struct iommufd_viommu *viommu =
		container_of(obj, struct iommufd_viommu, obj);

	viommu->hwpt->common.obj.users--;
	mock_free(viommu->vdevs);
	mock_free(viommu->veventqs);
	if (viommu->mmap_offset)
		iommufd_viommu_destroy_mmap(viommu, viommu->mmap_offset);
}

/*
 * mock_viommu_init() with driver data: a loopback of in_data, and an mmap
 * window of two pages whose first u32 holds in_data too.
 */
static int mock_viommu_init(struct iommufd_viommu *viommu,
			    const struct iommu_viommu_alloc *cmd)
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
	rc = iommufd_viommu_alloc_mmap(viommu, 2 * umem_page_size(),
				       &data.in_data, sizeof(data.in_data),
				       &viommu->mmap_offset);
	if (rc)
		return rc;
	data.out_data = data.in_data;
	data.out_mmap_length = 2 * umem_page_size();
	data.out_mmap_offset = viommu->mmap_offset;
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
	rc = mock_viommu_init(viommu, cmd);
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
 * struct iommufd_hw_queue with the selftest's struct mock_hw_queue: a queue
 * of guest memory the hardware reads by physical address, through pages an
 * internal access pins (and locks against unmap).
 */
struct iommufd_hw_queue {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_access *access;
	uint32_t type;
	uint64_t base_addr, length;
	/* mock_hw_queue: set by mock_hw_queue_init_phys() */
	bool initialized;
	uint32_t index;
	struct iommufd_hw_queue *prev;
};

_Static_assert(sizeof(((struct iommufd_viommu *)0)->hw_queue) /
			       sizeof(struct iommufd_hw_queue *) ==
		       IOMMU_TEST_HW_QUEUE_MAX,
	       "one slot per selftest HW queue index");

/* iommufd_hw_queue_destroy_access(): unpin, detach, destroy */
static void iommufd_hw_queue_destroy_access(struct iommufd_ctx *ictx,
					    struct iommufd_access *access,
					    uint64_t base_iova, uint64_t length)
{
	uint64_t ps = umem_page_size();
	uint64_t aligned_iova = base_iova & ~(ps - 1);
	uint64_t offset = base_iova - aligned_iova;

	iommufd_access_unpin_pages(access, aligned_iova,
				   (length + offset + ps - 1) & ~(ps - 1));
	iommufd_access_destroy_internal(ictx, access);
}

/*
 * iommufd_hw_queue_destroy() with the driver's mock_hw_queue_destroy():
 * the queue leaves its index and stops holding the one before it
 * (iommufd_hw_queue_undepend()).
 */
void iommufd_hw_queue_destroy(struct iommufd_object *obj)
{
	struct iommufd_hw_queue *hw_queue =
		container_of(obj, struct iommufd_hw_queue, obj);

	if (hw_queue->initialized) {
		hw_queue->viommu->hw_queue[hw_queue->index] = NULL;
		if (hw_queue->prev)
			hw_queue->prev->obj.users--;
	}
	if (hw_queue->access)
		iommufd_hw_queue_destroy_access(hw_queue->viommu->ictx,
						hw_queue->access,
						hw_queue->base_addr,
						hw_queue->length);
	if (hw_queue->viommu)
		hw_queue->viommu->obj.users--;
}

/* what iommufd_hw_queue_destroy() lets go of (invariants.c counts it) */
void iommufd_hw_queue_holds(const struct iommufd_object *obj,
			    iommufd_hold_fn *hold, void *arg)
{
	const struct iommufd_hw_queue *hw_queue =
		container_of(obj, struct iommufd_hw_queue, obj);

	if (hw_queue->initialized && hw_queue->prev)
		hold(arg, &hw_queue->prev->obj);
	if (hw_queue->viommu)
		hold(arg, &hw_queue->viommu->obj);
}

/*
 * iommufd_hw_queue_alloc_phys(): pins the page-aligned span of the queue
 * through an internal access on the vIOMMU's parent IOAS, and requires the
 * pages to be physically contiguous. The mock's "physical address" is the
 * user VA (README.md, "Not emulated"), so contiguous means consecutive VAs.
 */
static int iommufd_hw_queue_alloc_phys(struct iommu_hw_queue_alloc *cmd,
				       struct iommufd_viommu *viommu,
				       struct iommufd_access **out)
{
	uint64_t ps = umem_page_size();
	uint64_t aligned_iova = cmd->nesting_parent_iova & ~(ps - 1);
	uint64_t offset = cmd->nesting_parent_iova - aligned_iova;
	struct iommufd_access *access;
	uint64_t length, max_npages;
	struct umem_page_id *pages;
	int rc;

	if (__builtin_add_overflow(offset, cmd->length, &length) ||
	    __builtin_add_overflow(length, ps - 1, &length))
		return -ERANGE;
	max_npages = length / ps;
	length = max_npages * ps;
	pages = mock_calloc(max_npages, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	access = iommufd_access_create_internal(viommu->ictx);
	if (!access) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = iommufd_access_attach_internal(access, viommu->hwpt->ioas);
	if (rc)
		goto out_destroy;
	rc = iommufd_access_pin_pages(access, aligned_iova, length, pages, 0);
	if (rc)
		goto out_destroy;
	for (uint64_t i = 1; i < max_npages; i++) {
		if (pages[i].dev == pages[i - 1].dev &&
		    pages[i].inode == pages[i - 1].inode &&
		    pages[i].offset == pages[i - 1].offset + ps)
			continue;
		rc = -EFAULT;
		iommufd_access_unpin_pages(access, aligned_iova, length);
		goto out_destroy;
	}
	mock_free(pages);
	*out = access;
	return 0;

out_destroy:
	iommufd_access_destroy_internal(viommu->ictx, access);
out_free:
	mock_free(pages);
	return rc;
}

/*
 * mock_hw_queue_init_phys(): index 0 or 1, one queue each, and queue 1
 * only after queue 0, which it then holds (iommufd_hw_queue_depend()).
 */
static int mock_hw_queue_init_phys(struct iommufd_hw_queue *hw_queue,
				   uint32_t index)
{
	struct iommufd_viommu *viommu = hw_queue->viommu;
	struct iommufd_hw_queue *prev = NULL;

	if (index >= IOMMU_TEST_HW_QUEUE_MAX)
		return -EINVAL;
	if (viommu->hw_queue[index])
		return -EEXIST;
	if (index) {
		prev = viommu->hw_queue[index - 1];
		if (!prev)
			return -EIO;
		prev->obj.users++;
	}
	hw_queue->prev = prev;
	hw_queue->index = index;
	hw_queue->initialized = true;
	viommu->hw_queue[index] = hw_queue;
	return 0;
}

int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	struct iommufd_hw_queue *hw_queue;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	uint64_t last;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->nesting_parent_iova, cmd->length - 1,
				   &last))
		return -EOVERFLOW;
	obj = iommufd_get_object(ucmd->ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (!obj)
		return -ENOENT;
	viommu = container_of(obj, struct iommufd_viommu, obj);
	/* mock_viommu_get_hw_queue_size(): the selftest type only */
	if (cmd->type != IOMMU_HW_QUEUE_TYPE_SELFTEST)
		return -EOPNOTSUPP;
	hw_queue = _iommufd_object_alloc(ucmd->ictx, sizeof(*hw_queue),
					 IOMMUFD_OBJ_HW_QUEUE);
	if (!hw_queue)
		return -ENOMEM;
	rc = iommufd_hw_queue_alloc_phys(cmd, viommu, &hw_queue->access);
	if (rc)
		goto out_abort;
	hw_queue->viommu = viommu;
	viommu->obj.users++;
	hw_queue->type = cmd->type;
	hw_queue->length = cmd->length;
	hw_queue->base_addr = cmd->nesting_parent_iova;
	rc = mock_hw_queue_init_phys(hw_queue, cmd->index);
	if (rc)
		goto out_abort;
	cmd->out_hw_queue_id = hw_queue->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	return 0;

out_abort:
	/* the kernel's ucmd->new_obj: aborted with its destroy */
	iommufd_object_abort_and_destroy(ucmd->ictx, &hw_queue->obj);
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
