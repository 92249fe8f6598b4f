// SPDX-License-Identifier: LGPL-2.1-or-later
/* IOAS allocation, object destruction, and DMA map/unmap. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/iommufd.h>

#include "internal.h"
#include "trace.h"

IOMMUFD_EXPORT
int iommufd_backend_alloc_ioas(struct iommufd_backend *be, uint32_t *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int fd, ret;

	fd = iommufd_backend_fd_for(be, "alloc_ioas");
	if (fd < 0)
		return fd;
	if (!ioas_id) {
		iommufd_error(be, "alloc_ioas", EINVAL, "fd=%d: ioas_id is NULL",
			      fd);
		return -EINVAL;
	}
	ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd) ? -errno : 0;
	trace_alloc_ioas(fd, cmd.out_ioas_id, ret);
	if (ret) {
		iommufd_error(be, "alloc_ioas", -ret,
			      "fd=%d: IOMMU_IOAS_ALLOC failed", fd);
		return ret;
	}
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

IOMMUFD_EXPORT
int iommufd_backend_free_id(struct iommufd_backend *be, uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };
	int fd, ret;

	fd = iommufd_backend_fd_for(be, "free_id");
	if (fd < 0)
		return fd;
	ret = ioctl(fd, IOMMU_DESTROY, &cmd) ? -errno : 0;
	trace_free_id(fd, id, ret);
	if (ret == -ENOENT)
		iommufd_error(be, "free_id", ENOENT,
			      "fd=%d id=%u: IOMMU_DESTROY failed: no such object",
			      fd, id);
	else if (ret == -EBUSY)
		iommufd_error(be, "free_id", EBUSY,
			      "fd=%d id=%u: IOMMU_DESTROY failed: object in use (a device, domain or access still attached?)",
			      fd, id);
	else if (ret)
		iommufd_error(be, "free_id", -ret,
			      "fd=%d id=%u: IOMMU_DESTROY failed", fd, id);
	return ret;
}

IOMMUFD_EXPORT
int iommufd_backend_map_dma(struct iommufd_backend *be, uint32_t ioas_id,
			    uint64_t iova, uint64_t size, void *vaddr,
			    bool readonly)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};
	int fd, ret;

	fd = iommufd_backend_fd_for(be, "map_dma");
	if (fd < 0)
		return fd;
	if (!readonly)
		cmd.flags |= IOMMU_IOAS_MAP_WRITEABLE;
	ret = ioctl(fd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
	trace_map_dma(fd, ioas_id, iova, size, (uintptr_t)vaddr, readonly, ret);
	if (!ret)
		return 0;
	/*
	 * EFAULT: pinning the pages failed. pin_user_pages() refuses VM_IO and
	 * VM_PFNMAP mappings (a PCI BAR mmap'ed from sysfs or from a VFIO
	 * region), holes and PROT_NONE memory. A VMM meets the BAR case
	 * whenever a guest maps another device's BAR for peer-to-peer DMA,
	 * which iommufd cannot do this way: a warning, not an error.
	 */
	if (ret == -EFAULT)
		iommufd_warn(be, "map_dma", EFAULT,
			     "fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64
			     " vaddr=%p: IOMMU_IOAS_MAP failed: memory cannot be pinned (a PCI BAR or other VM_IO/VM_PFNMAP mapping? unmapped or PROT_NONE?)",
			     fd, ioas_id, iova, size, vaddr);
	else
		iommufd_error(be, "map_dma", -ret,
			      "fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64
			      " vaddr=%p readonly=%d: IOMMU_IOAS_MAP failed",
			      fd, ioas_id, iova, size, vaddr, readonly);
	return ret;
}

IOMMUFD_EXPORT
int iommufd_backend_unmap_dma(struct iommufd_backend *be, uint32_t ioas_id,
			      uint64_t iova, uint64_t size)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = size,
	};
	bool strict;
	int fd, ret;

	fd = iommufd_backend_fd_for(be, "unmap_dma");
	if (fd < 0)
		return fd;
	ret = ioctl(fd, IOMMU_IOAS_UNMAP, &cmd) ? -errno : 0;
	if (ret != -ENOENT) {
		/* On success the kernel wrote back how many bytes it removed. */
		trace_unmap_dma(fd, ioas_id, iova, size, ret ? 0 : cmd.length,
				ret);
		if (ret)
			iommufd_error(be, "unmap_dma", -ret,
				      "fd=%d ioas=%u iova=0x%" PRIx64
				      " size=0x%" PRIx64 ": IOMMU_IOAS_UNMAP failed",
				      fd, ioas_id, iova, size);
		return ret;
	}
	/*
	 * iommufd treats a mapping as an object: removing one that is not
	 * there is ENOENT, where VFIO type1 reported 0 bytes unmapped. The
	 * same ENOENT comes back when the range cuts an area in two (areas
	 * are never split by unmap; the cut area stays mapped) and when the
	 * IOAS id is unknown. A vIOMMU sends many redundant unmaps, so by
	 * default this is success, as in QEMU; strict mode reports it.
	 */
	strict = __atomic_load_n(&be->strict_unmap, __ATOMIC_RELAXED);
	trace_unmap_dma_nonexistent(fd, ioas_id, iova, size, strict);
	if (!strict)
		return 0;
	iommufd_error(be, "unmap_dma", ENOENT,
		      "fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64
		      ": IOMMU_IOAS_UNMAP failed: nothing mapped in the range, the range cuts a mapping in two (which stays mapped), or no such IOAS",
		      fd, ioas_id, iova, size);
	return -ENOENT;
}

IOMMUFD_EXPORT
int iommufd_backend_map_file_dma(struct iommufd_backend *be, uint32_t ioas_id,
				 uint64_t iova, uint64_t size, int mfd,
				 uint64_t start, bool readonly)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "map_file_dma");
	if (fd < 0)
		return fd;
	if (mfd < 0) {
		iommufd_error(be, "map_file_dma", EINVAL,
			      "fd=%d ioas=%u mfd=%d: negative file descriptor",
			      fd, ioas_id, mfd);
		return -EINVAL;
	}
#ifndef IOMMU_IOAS_MAP_FILE
	/* Traced like a call the kernel refused, so every probe exists. */
	trace_map_file_dma(fd, ioas_id, iova, size, mfd, start, readonly,
			   -EOPNOTSUPP);
	return iommufd_missing(be, "map_file_dma", fd, "IOMMU_IOAS_MAP_FILE",
			       "6.13", true);
#else
	{
		struct iommu_ioas_map_file cmd = {
			.size = sizeof(cmd),
			.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_FIXED_IOVA |
				 (readonly ? 0 : IOMMU_IOAS_MAP_WRITEABLE),
			.ioas_id = ioas_id,
			.fd = mfd,
			.start = start,
			.length = size,
			.iova = iova,
		};

		ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd) ? -errno : 0;
	}
	trace_map_file_dma(fd, ioas_id, iova, size, mfd, start, readonly, ret);
	if (!ret)
		return 0;
	if (ret == -ENOTTY)
		return iommufd_missing(be, "map_file_dma", fd,
				       "IOMMU_IOAS_MAP_FILE", "6.13", false);
	iommufd_error(be, "map_file_dma", -ret,
		      "fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64
		      " mfd=%d start=0x%" PRIx64 " readonly=%d: IOMMU_IOAS_MAP_FILE failed%s",
		      fd, ioas_id, iova, size, mfd, start, readonly,
		      ret == -EBADF ? " (mfd is not open)" :
		      ret == -EINVAL ? " (a file the kernel cannot pin: memfd, or a dma-buf it supports?)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_change_process(struct iommufd_backend *be)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "change_process");
	if (fd < 0)
		return fd;
#ifndef IOMMU_IOAS_CHANGE_PROCESS
	trace_change_process(fd, -EOPNOTSUPP);
	return iommufd_missing(be, "change_process", fd,
			       "IOMMU_IOAS_CHANGE_PROCESS", "6.14", true);
#else
	{
		struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };

		ret = ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd) ? -errno : 0;
	}
	trace_change_process(fd, ret);
	if (!ret)
		return 0;
	if (ret == -ENOTTY)
		return iommufd_missing(be, "change_process", fd,
				       "IOMMU_IOAS_CHANGE_PROCESS", "6.14", false);
	/*
	 * The kernel refuses (EINVAL) while any mapping comes from user
	 * memory (IOMMU_IOAS_MAP) rather than from a file (MAP_FILE).
	 */
	iommufd_error(be, "change_process", -ret,
		      "fd=%d: IOMMU_IOAS_CHANGE_PROCESS failed%s", fd,
		      ret == -EINVAL ? " (only file mappings (map_file_dma) can move to another process)" : "");
	return ret;
#endif
}
