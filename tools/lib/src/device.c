// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VFIO device side, for userspace drivers and tests: bind a VFIO
 * device cdev to the backend's iommufd, attach it to (or replace) an IOAS
 * or HWPT, detach it (LIBIOMMUFD_0.2).
 *
 * These ioctls go to the device fd, not to /dev/iommu. ENOTTY there has two
 * causes the library cannot tell apart: the fd is not a VFIO device at all
 * (/dev/null, a socket), or the kernel lacks VFIO's cdev interface
 * (CONFIG_VFIO_DEVICE_CDEV, 6.6). The errno is kept (-ENOTTY, "not a VFIO
 * device"), the report names both.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "internal.h"
#include "trace.h"

#define DEVICE_ENOTTY_WHY                                                    \
	"not a VFIO device cdev (/dev/vfio/devices/vfioN), or a kernel without CONFIG_VFIO_DEVICE_CDEV (6.6)"

static int device_fd_check(const struct iommufd_backend *be, const char *op,
			   int fd, int device_fd)
{
	if (device_fd >= 0)
		return 0;
	iommufd_error(be, op, EINVAL, "fd=%d device_fd=%d: negative file descriptor",
		      fd, device_fd);
	return -EINVAL;
}

IOMMUFD_EXPORT
int iommufd_backend_bind_device(struct iommufd_backend *be, int device_fd,
				uint32_t *out_dev_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "bind_device");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "bind_device", fd, device_fd);
	if (ret)
		return ret;
	if (!out_dev_id) {
		iommufd_error(be, "bind_device", EINVAL,
			      "fd=%d device_fd=%d: out_dev_id is NULL", fd,
			      device_fd);
		return -EINVAL;
	}
#ifndef VFIO_DEVICE_BIND_IOMMUFD
	/* Traced like a call the kernel refused, so every probe exists. */
	trace_bind_device(fd, device_fd, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "bind_device", fd, "VFIO_DEVICE_BIND_IOMMUFD",
			       "6.6", true);
#else
	{
		struct vfio_device_bind_iommufd cmd = {
			.argsz = sizeof(cmd),
			.iommufd = fd,
		};

		ret = ioctl(device_fd, VFIO_DEVICE_BIND_IOMMUFD, &cmd) ? -errno : 0;
		trace_bind_device(fd, device_fd, ret ? 0 : cmd.out_devid, ret);
		if (!ret) {
			*out_dev_id = cmd.out_devid;
			return 0;
		}
	}
	iommufd_error(be, "bind_device", -ret,
		      "fd=%d device_fd=%d: VFIO_DEVICE_BIND_IOMMUFD failed%s", fd,
		      device_fd,
		      ret == -ENOTTY ? ": " DEVICE_ENOTTY_WHY :
		      ret == -EINVAL ? " (a device fd opened through a VFIO group, or bound already?)" :
		      ret == -EBUSY ? " (the device is in use through its VFIO group?)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_attach_device(struct iommufd_backend *be, int device_fd,
				  uint32_t pt_id, uint32_t *out_hwpt_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "attach_device");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "attach_device", fd, device_fd);
	if (ret)
		return ret;
#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
	(void)out_hwpt_id;
	trace_attach_device(fd, device_fd, pt_id, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "attach_device", fd,
			       "VFIO_DEVICE_ATTACH_IOMMUFD_PT", "6.6", true);
#else
	{
		struct vfio_device_attach_iommufd_pt cmd = {
			.argsz = sizeof(cmd),
			.pt_id = pt_id,
		};

		ret = ioctl(device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd) ? -errno : 0;
		/* The kernel writes back the HWPT it attached (for an IOAS, its choice). */
		trace_attach_device(fd, device_fd, pt_id, ret ? 0 : cmd.pt_id, ret);
		if (!ret) {
			if (out_hwpt_id)
				*out_hwpt_id = cmd.pt_id;
			return 0;
		}
	}
	iommufd_error(be, "attach_device", -ret,
		      "fd=%d device_fd=%d pt=%u: VFIO_DEVICE_ATTACH_IOMMUFD_PT failed%s",
		      fd, device_fd, pt_id,
		      ret == -ENOTTY ? ": " DEVICE_ENOTTY_WHY :
		      ret == -ENOENT ? " (no such IOAS or HWPT)" :
		      ret == -EINVAL ? " (device not bound with iommufd_backend_bind_device(), or a page table of another kind or IOMMU)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_detach_device(struct iommufd_backend *be, int device_fd)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "detach_device");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "detach_device", fd, device_fd);
	if (ret)
		return ret;
#ifndef VFIO_DEVICE_DETACH_IOMMUFD_PT
	trace_detach_device(fd, device_fd, -EOPNOTSUPP);
	return iommufd_missing(be, "detach_device", fd,
			       "VFIO_DEVICE_DETACH_IOMMUFD_PT", "6.6", true);
#else
	{
		struct vfio_device_detach_iommufd_pt cmd = {
			.argsz = sizeof(cmd),
		};

		ret = ioctl(device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd) ? -errno : 0;
	}
	trace_detach_device(fd, device_fd, ret);
	if (!ret)
		return 0;
	iommufd_error(be, "detach_device", -ret,
		      "fd=%d device_fd=%d: VFIO_DEVICE_DETACH_IOMMUFD_PT failed%s",
		      fd, device_fd,
		      ret == -ENOTTY ? ": " DEVICE_ENOTTY_WHY :
		      ret == -EINVAL ? " (device not bound, or not attached)" : "");
	return ret;
#endif
}
