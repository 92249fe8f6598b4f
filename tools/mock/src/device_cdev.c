// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/device_cdev.c, checked against Linux 6.12 and 7.3:
 * VFIO_DEVICE_BIND_IOMMUFD (one binding per device, the iommufd taken from
 * an fd), and the cdev-only VFIO_DEVICE_ATTACH_IOMMUFD_PT and
 * VFIO_DEVICE_DETACH_IOMMUFD_PT, with 7.x's PASID flag. The order of the
 * checks is the kernel's, so the errno of a call with several faults is too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio.h"

/*
 * The bind argument as 7.x has it (6.12's ends at out_devid): 7.x added
 * token_uuid_ptr for VFIO_DEVICE_BIND_FLAG_TOKEN.
 */
struct vfio_mock_bind_iommufd {
	uint32_t argsz;
	uint32_t flags;
	int32_t iommufd;
	uint32_t out_devid;
	uint64_t token_uuid_ptr;
};

/* The attach and detach arguments with 7.x's pasid (6.12's end before it). */
struct vfio_mock_attach_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pt_id;
	uint32_t pasid;
};

struct vfio_mock_detach_pt {
	uint32_t argsz;
	uint32_t flags;
	uint32_t pasid;
};

/*
 * iommufd_ctx_from_fd(): fget() fails for an fd that is not open (EBADF);
 * a file that is not an iommufd is EBADFD.
 */
static struct iommufd_ctx *iommufd_ctx_from_fd(int fd, int *rc)
{
	struct iommufd_ctx *ictx;

	if (syscall(SYS_fcntl, fd, F_GETFD) < 0) {
		*rc = -EBADF;
		return NULL;
	}
	ictx = iommufd_file_private(fd, &iommufd_fops);
	if (!ictx) {
		*rc = -EBADFD;
		return NULL;
	}
	iommufd_ctx_get(ictx);
	return ictx;
}

/* vfio_df_open() and vfio_df_device_first_open() of the cdev path */
static int vfio_df_open(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	int rc;

	/* Only the group path opens a device twice. */
	vfio_device_reap(device);
	if (device->open_count)
		return -EINVAL;
	rc = vfio_iommufd_physical_bind(device, df->iommufd, &df->devid);
	if (rc)
		return rc;
	device->open_count = 1;
	device->bound = df;
	/* ops->open_device: vfio_pci_open_device() enables the device */
	vfio_pci_core_enable(device);
	return 0;
}

/* vfio_df_close() and vfio_df_device_last_close() */
static void vfio_df_close(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;

	vfio_pci_core_disable(device);
	vfio_iommufd_physical_unbind(device);
	device->open_count = 0;
	device->bound = NULL;
}

long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df, void *arg)
{
	const uint32_t valid_flags =
		iommufd_mock_has(IOMMUFD_MOCK_VFIO_BIND_TOKEN) ?
			VFIO_DEVICE_BIND_FLAG_TOKEN : 0;
	size_t minsz = offsetofend(struct vfio_mock_bind_iommufd, out_devid);
	struct vfio_mock_bind_iommufd bind = {};
	uint32_t user_size;
	int rc;

	if (!iommufd_mock_has(IOMMUFD_MOCK_VFIO_BIND_TOKEN)) {
		/* 6.12: the struct up to out_devid, any flag EINVAL */
		if (umem_copy_from(&bind, (uintptr_t)arg, minsz))
			return -EFAULT;
		if (bind.argsz < minsz || bind.flags || bind.iommufd < 0)
			return -EINVAL;
	} else {
		/* 7.x: copy_struct_from_user() of the struct with the token */
		if (umem_copy_from(&user_size, (uintptr_t)arg,
				   sizeof(user_size)))
			return -EFAULT;
		if (user_size < minsz)
			return -EINVAL;
		rc = copy_struct_from_user(&bind, sizeof(bind), (uintptr_t)arg,
					   user_size);
		if (rc)
			return rc;
		if (bind.iommufd < 0 || (bind.flags & ~valid_flags))
			return -EINVAL;
	}
	/* one device cannot be bound twice */
	if (df->access_granted)
		return -EINVAL;
	/*
	 * vfio_df_check_token(): vfio-pci's match_token_uuid takes a token
	 * only for a PF with VFs (SR-IOV); without one a given token is
	 * refused and none is fine.
	 */
	if (bind.flags & VFIO_DEVICE_BIND_FLAG_TOKEN)
		return -EINVAL;
	df->iommufd = iommufd_ctx_from_fd(bind.iommufd, &rc);
	if (!df->iommufd)
		return rc;
	rc = vfio_df_open(df);
	if (rc)
		goto out_put;
	rc = umem_copy_to((uintptr_t)arg + offsetof(struct vfio_mock_bind_iommufd,
						     out_devid),
			  &df->devid, sizeof(df->devid));
	if (rc) {
		rc = -EFAULT;
		goto out_close;
	}
	df->access_granted = true;
	return 0;

out_close:
	vfio_df_close(df);
out_put:
	iommufd_ctx_put(df->iommufd);
	df->iommufd = NULL;
	return rc;
}

void vfio_df_unbind_iommufd(struct vfio_device_file *df)
{
	if (!df->access_granted)
		return;
	vfio_df_close(df);
	iommufd_ctx_put(df->iommufd);
	df->iommufd = NULL;
	df->access_granted = false;
}

long vfio_df_ioctl_attach_pt(struct vfio_device_file *df, void *arg)
{
	size_t minsz = offsetofend(struct vfio_mock_attach_pt, pt_id), xend = 0;
	struct vfio_mock_attach_pt attach = {};
	struct vfio_device *device = df->device;
	uint32_t valid = iommufd_mock_has(IOMMUFD_MOCK_VFIO_PASID) ?
				 VFIO_DEVICE_ATTACH_PASID : 0;
	int rc;

	if (umem_copy_from(&attach, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz)
		return -EINVAL;
	if (attach.flags & ~valid)
		return -EINVAL;
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID)
		xend = offsetofend(struct vfio_mock_attach_pt, pasid);
	if (xend) {
		if (attach.argsz < xend)
			return -EINVAL;
		if (umem_copy_from((char *)&attach + minsz,
				   (uintptr_t)arg + minsz, xend - minsz))
			return -EFAULT;
	}
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID)
		rc = vfio_iommufd_physical_pasid_attach_ioas(device, attach.pasid,
							     &attach.pt_id);
	else
		rc = vfio_iommufd_physical_attach_ioas(device, &attach.pt_id);
	if (rc)
		return rc;
	if (umem_copy_to((uintptr_t)arg + offsetof(struct vfio_mock_attach_pt,
						    pt_id),
			 &attach.pt_id, sizeof(attach.pt_id))) {
		/* out_detach: the kernel detaches the RID, whatever was asked */
		vfio_iommufd_physical_detach_ioas(device);
		return -EFAULT;
	}
	return 0;
}

long vfio_df_ioctl_detach_pt(struct vfio_device_file *df, void *arg)
{
	size_t minsz = offsetofend(struct vfio_mock_detach_pt, flags), xend = 0;
	struct vfio_mock_detach_pt detach = {};
	uint32_t valid = iommufd_mock_has(IOMMUFD_MOCK_VFIO_PASID) ?
				 VFIO_DEVICE_DETACH_PASID : 0;

	if (umem_copy_from(&detach, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz)
		return -EINVAL;
	if (detach.flags & ~valid)
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID)
		xend = offsetofend(struct vfio_mock_detach_pt, pasid);
	if (xend) {
		if (detach.argsz < xend)
			return -EINVAL;
		if (umem_copy_from((char *)&detach + minsz,
				   (uintptr_t)arg + minsz, xend - minsz))
			return -EFAULT;
	}
	if (detach.flags & VFIO_DEVICE_DETACH_PASID)
		vfio_iommufd_physical_pasid_detach_ioas(df->device, detach.pasid);
	else
		vfio_iommufd_physical_detach_ioas(df->device);
	return 0;
}
