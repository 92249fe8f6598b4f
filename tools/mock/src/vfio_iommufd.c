// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/iommufd.c (the physical device's half), checked
 * against Linux 6.12 and 7.3: a vfio-pci device binds to an iommufd
 * context as an iommufd_device, attaches (or replaces) its RID and, on
 * 7.x, PASIDs, and unbinding detaches whatever is still attached.
 *
 * The iommufd_device is the mock's (device.c); what marks it as a PCI
 * device is idev->pci_device, which gives it the mock PCI IOMMU's domains
 * (pci_iommu.c) instead of the selftest driver's.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "vfio.h"

/* ida_exists(&vdev->pasids): the idev's own list of attached PASIDs */
static bool vfio_pasid_attached(struct iommufd_device *idev, uint32_t pasid)
{
	for (size_t i = 0; i < idev->npasid_attach; i++)
		if (idev->pasid_attach[i].pasid == pasid)
			return true;
	return false;
}

int vfio_iommufd_physical_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, uint32_t *out_device_id)
{
	struct iommufd_device *idev = iommufd_device_bind(ictx, 0);

	if (!idev)
		return -ENOMEM;
	idev->pci_device = vdev;
	vdev->idev = idev;
	*out_device_id = idev->obj.id;
	return 0;
}

void vfio_iommufd_physical_unbind(struct vfio_device *vdev)
{
	struct iommufd_device *idev = vdev->idev;

	if (!idev)
		return;
	while (idev->npasid_attach)
		iommufd_device_pasid_detach(idev, idev->pasid_attach[0].pasid);
	if (idev->hwpt)
		iommufd_device_detach(idev);
	iommufd_device_unbind(idev);
	vdev->idev = NULL;
}

/* vfio_iommufd_physical_attach_ioas(): attached already, it replaces */
int vfio_iommufd_physical_attach_ioas(struct vfio_device *vdev, uint32_t *pt_id)
{
	if (!vdev->idev)
		return -EINVAL;
	if (vdev->idev->hwpt)
		return iommufd_device_replace(vdev->idev, pt_id);
	return iommufd_device_attach(vdev->idev, pt_id);
}

/* vfio_iommufd_physical_detach_ioas(): a detached device stays so */
void vfio_iommufd_physical_detach_ioas(struct vfio_device *vdev)
{
	if (!vdev->idev || !vdev->idev->hwpt)
		return;
	iommufd_device_detach(vdev->idev);
}

int vfio_iommufd_physical_pasid_attach_ioas(struct vfio_device *vdev,
					    uint32_t pasid, uint32_t *pt_id)
{
	if (!vdev->idev)
		return -EINVAL;
	if (vfio_pasid_attached(vdev->idev, pasid))
		return iommufd_device_pasid_replace(vdev->idev, pasid, pt_id);
	return iommufd_device_pasid_attach(vdev->idev, pasid, pt_id);
}

void vfio_iommufd_physical_pasid_detach_ioas(struct vfio_device *vdev,
					     uint32_t pasid)
{
	if (!vdev->idev)
		return;
	if (vfio_pasid_attached(vdev->idev, pasid))
		iommufd_device_pasid_detach(vdev->idev, pasid);
}
