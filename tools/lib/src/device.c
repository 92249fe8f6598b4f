// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The VFIO device side, for userspace drivers and tests: bind a VFIO
 * device cdev to the backend's iommufd, attach it to (or replace) an IOAS
 * or HWPT, detach it (LIBIOMMUFD_0.2); map a device's BAR for peer DMA
 * (LIBIOMMUFD_0.3).
 *
 * These ioctls go to the device fd, not to /dev/iommu. ENOTTY there has two
 * causes the library cannot tell apart: the fd is not a VFIO device at all
 * (/dev/null, a socket), or the kernel lacks VFIO's cdev interface
 * (CONFIG_VFIO_DEVICE_CDEV, 6.6). The errno is kept (-ENOTTY, "not a VFIO
 * device"), the report names both.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "internal.h"
#include "trace.h"

#define DEVICE_ENOTTY_WHY                                                    \
	"not a VFIO device cdev (/dev/vfio/devices/vfioN), or a kernel without CONFIG_VFIO_DEVICE_CDEV (6.6)"

/*
 * The reason appended to a failed device ioctl's report: ENOTTY and EBADF
 * (a closed or O_PATH fd) are about the fd; other errnos get the caller's
 * hint. buf needs DEVICE_WHY_LEN bytes.
 */
#define DEVICE_WHY_LEN 160
static const char *device_why(char *buf, int device_fd, int ret,
			      const char *hint)
{
	if (ret == -ENOTTY)
		return ": " DEVICE_ENOTTY_WHY;
	if (ret == -EBADF) {
		snprintf(buf, DEVICE_WHY_LEN, ": device_fd is %s",
			 iommufd_fd_ebadf_why(device_fd));
		return buf;
	}
	return hint;
}

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
	{
		char why[DEVICE_WHY_LEN];

		iommufd_error(be, "bind_device", -ret,
			      "fd=%d device_fd=%d: VFIO_DEVICE_BIND_IOMMUFD failed%s", fd,
			      device_fd,
			      device_why(why, device_fd, ret,
					 ret == -EINVAL ? " (a device fd opened through a VFIO group, or bound already?)" :
					 ret == -EBUSY ? " (the device is in use through its VFIO group?)" : ""));
	}
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
	{
		char why[DEVICE_WHY_LEN];

		iommufd_error(be, "attach_device", -ret,
			      "fd=%d device_fd=%d pt=%u: VFIO_DEVICE_ATTACH_IOMMUFD_PT failed%s",
			      fd, device_fd, pt_id,
			      device_why(why, device_fd, ret,
					 ret == -ENOENT ? " (no such IOAS or HWPT)" :
					 ret == -EINVAL ? " (device not bound with iommufd_backend_bind_device(), or a page table of another kind or IOMMU)" : ""));
	}
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
	{
		char why[DEVICE_WHY_LEN];

		iommufd_error(be, "detach_device", -ret,
			      "fd=%d device_fd=%d: VFIO_DEVICE_DETACH_IOMMUFD_PT failed%s",
			      fd, device_fd,
			      device_why(why, device_fd, ret,
					 ret == -EINVAL ? " (device not bound, or not attached)" : ""));
	}
	return ret;
#endif
}

/*
 * PASID attach and detach (VFIO_DEVICE_ATTACH_PASID / _DETACH_PASID flags,
 * Linux 6.15). A kernel before them refuses any flag with a bare EINVAL
 * (6.12: drivers/vfio/device_cdev.c:175 and :210 test flags together with
 * argsz), the answer a newer kernel also gives for an unbound device or an
 * unsuitable HWPT. After an EINVAL two harmless questions tell them apart:
 *  - a PASID detach of PASID 0xffffffff: 7.3 answers 0 without doing
 *    anything (vfio_iommufd_physical_pasid_detach_ioas() returns when the
 *    PASID is not in its ida, drivers/vfio/iommufd.c:223, and ida_exists()
 *    never finds an id above INT_MAX, lib/idr.c:503; PASIDs are 20 bits),
 *    6.12 answers EINVAL for the flag;
 *  - VFIO_DEVICE_GET_INFO, which fails with EINVAL on a cdev that is not
 *    bound yet (access_granted: drivers/vfio/vfio_main.c:1280 in 6.12,
 *    :1381 in 7.3).
 * A VFIO driver without PASID support answers the attach itself with
 * EOPNOTSUPP (drivers/vfio/device_cdev.c:224 in 7.3), before any EINVAL.
 */
#if defined(VFIO_DEVICE_ATTACH_PASID) && defined(VFIO_DEVICE_DETACH_PASID)
#define PASID_WHAT "VFIO_DEVICE_ATTACH_PASID/DETACH_PASID"
static bool device_kernel_knows_pasid(int device_fd)
{
	struct vfio_device_detach_iommufd_pt probe = {
		.argsz = sizeof(probe),
		.flags = VFIO_DEVICE_DETACH_PASID,
		.pasid = UINT32_MAX,
	};

	return ioctl(device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &probe) == 0;
}

static bool device_is_bound(int device_fd)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	return ioctl(device_fd, VFIO_DEVICE_GET_INFO, &info) == 0;
}

/*
 * The report of a failed PASID ioctl; returns what the call returns: the
 * kernel's errno, or -EOPNOTSUPP for a kernel without the flags.
 */
static int device_pasid_failed(const struct iommufd_backend *be,
			       const char *op, int fd, int device_fd,
			       uint32_t pasid, uint32_t pt_id, int ret)
{
	char why[DEVICE_WHY_LEN], pt[24] = "";
	const char *hint = "";

	if (strcmp(op, "attach_device_pasid") == 0)
		snprintf(pt, sizeof(pt), " pt=%u", pt_id);
	if (ret == -EINVAL && !device_kernel_knows_pasid(device_fd)) {
		if (device_is_bound(device_fd)) {
			char obj[80];

			snprintf(obj, sizeof(obj), "fd=%d device_fd=%d pasid=%u%s",
				 fd, device_fd, pasid, pt);
			return iommufd_missing_as(be, op, obj, PASID_WHAT, "6.15",
						  "EINVAL for the flag");
		}
		hint = " (device not bound with iommufd_backend_bind_device())";
	} else if (ret == -EINVAL) {
		hint = " (a HWPT not allocated with IOMMUFD_HWPT_ALLOC_PASID, a device attached without one, or a PASID the device cannot issue)";
	} else if (ret == -EOPNOTSUPP) {
		hint = " (this VFIO driver, or the device's IOMMU, has no PASID support)";
	} else if (ret == -ENOENT) {
		hint = " (no such IOAS or HWPT)";
	}
	iommufd_error(be, op, -ret,
		      "fd=%d device_fd=%d pasid=%u%s: %s with %s failed%s", fd,
		      device_fd, pasid, pt,
		      *pt ? "VFIO_DEVICE_ATTACH_IOMMUFD_PT" : "VFIO_DEVICE_DETACH_IOMMUFD_PT",
		      *pt ? "VFIO_DEVICE_ATTACH_PASID" : "VFIO_DEVICE_DETACH_PASID",
		      device_why(why, device_fd, ret, hint));
	return ret;
}
#endif

IOMMUFD_EXPORT
int iommufd_backend_attach_device_pasid(struct iommufd_backend *be,
					int device_fd, uint32_t pasid,
					uint32_t pt_id, uint32_t *out_hwpt_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "attach_device_pasid");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "attach_device_pasid", fd, device_fd);
	if (ret)
		return ret;
#if !defined(VFIO_DEVICE_ATTACH_PASID) || !defined(VFIO_DEVICE_DETACH_PASID)
	(void)out_hwpt_id;
	trace_attach_device_pasid(fd, device_fd, pasid, pt_id, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "attach_device_pasid", fd,
			       "VFIO_DEVICE_ATTACH_PASID", "6.15", true);
#else
	{
		struct vfio_device_attach_iommufd_pt cmd = {
			.argsz = sizeof(cmd),
			.flags = VFIO_DEVICE_ATTACH_PASID,
			.pt_id = pt_id,
			.pasid = pasid,
		};

		ret = ioctl(device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd) ? -errno : 0;
		trace_attach_device_pasid(fd, device_fd, pasid, pt_id,
					  ret ? 0 : cmd.pt_id, ret);
		if (!ret) {
			if (out_hwpt_id)
				*out_hwpt_id = cmd.pt_id;
			return 0;
		}
	}
	return device_pasid_failed(be, "attach_device_pasid", fd, device_fd,
				   pasid, pt_id, ret);
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_detach_device_pasid(struct iommufd_backend *be,
					int device_fd, uint32_t pasid)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "detach_device_pasid");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "detach_device_pasid", fd, device_fd);
	if (ret)
		return ret;
#if !defined(VFIO_DEVICE_ATTACH_PASID) || !defined(VFIO_DEVICE_DETACH_PASID)
	trace_detach_device_pasid(fd, device_fd, pasid, -EOPNOTSUPP);
	return iommufd_missing(be, "detach_device_pasid", fd,
			       "VFIO_DEVICE_DETACH_PASID", "6.15", true);
#else
	{
		struct vfio_device_detach_iommufd_pt cmd = {
			.argsz = sizeof(cmd),
			.flags = VFIO_DEVICE_DETACH_PASID,
			.pasid = pasid,
		};

		ret = ioctl(device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd) ? -errno : 0;
	}
	trace_detach_device_pasid(fd, device_fd, pasid, ret);
	if (!ret)
		return 0;
	return device_pasid_failed(be, "detach_device_pasid", fd, device_fd,
				   pasid, 0, ret);
#endif
}

/*
 * LIBIOMMUFD_0.3: a BAR through its dma-buf. The mmap path a VMM tries first
 * (map_dma of the BAR's mapping) gives EFAULT; the kernel's answer to a BAR
 * is the dma-buf vfio-pci exports (7.x), mapped with IOMMU_IOAS_MAP_FILE.
 */
#define MAP_BAR_ENOTTY_WHY                                                   \
	"VFIO_DEVICE_FEATURE_DMA_BUF: the kernel's vfio-pci exports no BAR as a dma-buf (Linux 7.x built with CONFIG_VFIO_PCI_DMABUF, which needs PCI_P2PDMA); map_dma of the BAR's mmap fails with EFAULT instead (pin_user_pages() refuses VM_IO/VM_PFNMAP)"

IOMMUFD_EXPORT
int iommufd_backend_map_device_bar(struct iommufd_backend *be, uint32_t ioas_id,
				   uint64_t iova, uint64_t size, int device_fd,
				   uint32_t region_index, uint64_t offset,
				   bool readonly)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "map_device_bar");
	if (fd < 0)
		return fd;
	ret = device_fd_check(be, "map_device_bar", fd, device_fd);
	if (ret)
		return ret;
#if !defined(VFIO_DEVICE_FEATURE_DMA_BUF) || !defined(IOMMU_IOAS_MAP_FILE)
	(void)ioas_id, (void)iova, (void)size, (void)region_index,
	(void)offset, (void)readonly;
	trace_map_device_bar(fd, ioas_id, iova, size, device_fd, region_index,
			     offset, readonly, -EOPNOTSUPP);
	return iommufd_missing(be, "map_device_bar", fd,
			       "VFIO_DEVICE_FEATURE_DMA_BUF or IOMMU_IOAS_MAP_FILE",
			       "7.x", true);
#else
	{
		struct {
			struct vfio_device_feature feature;
			struct vfio_device_feature_dma_buf get;
			struct vfio_region_dma_range range;
		} arg = {
			.feature = {
				.argsz = sizeof(arg),
				.flags = VFIO_DEVICE_FEATURE_GET |
					 VFIO_DEVICE_FEATURE_DMA_BUF,
			},
			.get = {
				.region_index = region_index,
				.open_flags = O_RDWR | O_CLOEXEC,
				.nr_ranges = 1,
			},
			.range = { .offset = offset, .length = size },
		};
		const char *step = "VFIO_DEVICE_FEATURE_DMA_BUF";
		int buf = ioctl(device_fd, VFIO_DEVICE_FEATURE, &arg);

		ret = buf < 0 ? -errno : 0;
		if (!ret) {
			struct iommu_ioas_map_file cmd = {
				.size = sizeof(cmd),
				.flags = IOMMU_IOAS_MAP_READABLE |
					 IOMMU_IOAS_MAP_FIXED_IOVA |
					 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
				.ioas_id = ioas_id,
				.fd = buf,
				.length = size,
				.iova = iova,
			};

			step = "IOMMU_IOAS_MAP_FILE of the BAR's dma-buf";
			ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd) ? -errno : 0;
			/* The IOAS holds the buffer now; the fd was ours. */
			close(buf);
		}
		trace_map_device_bar(fd, ioas_id, iova, size, device_fd,
				     region_index, offset, readonly, ret);
		if (!ret)
			return 0;
		if (ret == -ENOTTY && buf < 0) {
			iommufd_error(be, "map_device_bar", EOPNOTSUPP,
				      "fd=%d device_fd=%d region=%u: %s", fd,
				      device_fd, region_index, MAP_BAR_ENOTTY_WHY);
			return -EOPNOTSUPP;
		}
		iommufd_error(be, "map_device_bar", -ret,
			      "fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64
			      " device_fd=%d region=%u offset=0x%" PRIx64
			      ": %s failed%s", fd, ioas_id, iova, size, device_fd,
			      region_index, offset, step,
			      buf < 0 && ret == -EINVAL ? " (a device fd not bound, offset or size not page aligned, or past the BAR?)" :
			      buf < 0 && ret == -ENODEV ? " (no such memory BAR)" :
			      buf >= 0 && ret == -ENODEV ? " (the device's memory decoding is off: the buffer is revoked)" :
			      buf >= 0 && ret == -EOPNOTSUPP ? " (this kernel's iommufd maps no dma-buf of this exporter)" : "");
		return ret;
	}
#endif
}
