// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hardware page tables: HWPT allocation, device (IOMMU) info, dirty
 * tracking and cache invalidation (LIBIOMMUFD_0.2).
 *
 * Each ioctl is compiled where the uapi headers have it (its IOMMU_* number
 * is a macro, so #ifdef is the probe); flags that are enum members only are
 * probed by the Makefile (IOMMUFD_KHDR_*). What the running kernel offers is
 * decided at run time: an ioctl number the kernel does not know is ENOTTY.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/iommufd.h>

#include "internal.h"
#include "trace.h"

#define HWPT_KNOWN_FLAGS                                                     \
	(IOMMUFD_HWPT_ALLOC_NEST_PARENT | IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING | \
	 IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID | IOMMUFD_HWPT_ALLOC_PASID)

/* The public flags are the kernel's values, passed through unchanged. */
#ifdef IOMMU_HWPT_ALLOC
_Static_assert(IOMMUFD_HWPT_ALLOC_NEST_PARENT == IOMMU_HWPT_ALLOC_NEST_PARENT,
	       "NEST_PARENT differs from the kernel's");
#endif
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP
_Static_assert(IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING == IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	       "DIRTY_TRACKING differs from the kernel's");
_Static_assert(IOMMUFD_DIRTY_BITMAP_NO_CLEAR == IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR,
	       "NO_CLEAR differs from the kernel's");
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC
_Static_assert(IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID == IOMMU_HWPT_FAULT_ID_VALID,
	       "FAULT_ID_VALID differs from the kernel's");
#endif
#ifdef IOMMUFD_KHDR_HWPT_ALLOC_PASID
_Static_assert(IOMMUFD_HWPT_ALLOC_PASID == IOMMU_HWPT_ALLOC_PASID,
	       "PASID differs from the kernel's");
#endif

/* Which flags the headers the library was built with can express. */
static uint32_t hwpt_buildable_flags(void)
{
	uint32_t f = 0;

#ifdef IOMMU_HWPT_ALLOC
	f |= IOMMUFD_HWPT_ALLOC_NEST_PARENT;
#endif
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP
	f |= IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING;
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC
	f |= IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID;
#endif
#ifdef IOMMUFD_KHDR_HWPT_ALLOC_PASID
	f |= IOMMUFD_HWPT_ALLOC_PASID;
#endif
	return f;
}

IOMMUFD_EXPORT
int iommufd_backend_alloc_hwpt(struct iommufd_backend *be, uint32_t dev_id,
			       uint32_t pt_id, uint32_t flags,
			       uint32_t data_type, uint32_t data_len,
			       const void *data, uint32_t fault_id,
			       uint32_t *out_hwpt_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "alloc_hwpt");
	if (fd < 0)
		return fd;
	if (!out_hwpt_id || (flags & ~HWPT_KNOWN_FLAGS) ||
	    (data_len && !data) || (!data_type != !data_len)) {
		iommufd_error(be, "alloc_hwpt", EINVAL,
			      "fd=%d dev=%u pt=%u flags=0x%x data_type=%u data_len=%u: %s",
			      fd, dev_id, pt_id, flags, data_type, data_len,
			      !out_hwpt_id ? "out_hwpt_id is NULL" :
			      (flags & ~HWPT_KNOWN_FLAGS) ? "unknown flags" :
			      (data_len && !data) ? "data is NULL" :
			      "data_type and data_len must both be 0 (paging) or both set (nested)");
		return -EINVAL;
	}
#ifndef IOMMU_HWPT_ALLOC
	/* Traced like a call the kernel refused, so every probe exists. */
	trace_alloc_hwpt(fd, dev_id, pt_id, flags, data_type, data_len,
			 fault_id, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "alloc_hwpt", fd, "IOMMU_HWPT_ALLOC", "6.6",
			       true);
#else
	if (flags & ~hwpt_buildable_flags())
		return iommufd_missing(be, "alloc_hwpt", fd,
				       flags & IOMMUFD_HWPT_ALLOC_PASID ?
				       "IOMMU_HWPT_ALLOC_PASID" :
				       flags & IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID ?
				       "IOMMU_HWPT_FAULT_ID_VALID" :
				       "IOMMU_HWPT_ALLOC_DIRTY_TRACKING",
				       flags & IOMMUFD_HWPT_ALLOC_PASID ? "6.15" :
				       flags & IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID ? "6.11" :
				       "6.7", true);
	{
		struct iommu_hwpt_alloc cmd = {
			.size = sizeof(cmd),
			.flags = flags,
			.dev_id = dev_id,
			.pt_id = pt_id,
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP /* data_type came with 6.7 too */
			.data_type = data_type,
			.data_len = data_len,
			.data_uptr = (uintptr_t)data,
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC
			.fault_id = fault_id,
#endif
		};

		ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd) ? -errno : 0;
		trace_alloc_hwpt(fd, dev_id, pt_id, flags, data_type, data_len,
				 fault_id, ret ? 0 : cmd.out_hwpt_id, ret);
		if (!ret) {
			*out_hwpt_id = cmd.out_hwpt_id;
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "alloc_hwpt", fd,
				       "IOMMU_HWPT_ALLOC", "6.6", false);
	/*
	 * EOPNOTSUPP: a flag the kernel does not know (FAULT_ID_VALID before
	 * 6.11, PASID before 6.15), or one this IOMMU cannot honour (dirty
	 * tracking without hardware support, a fault queue on a nest parent).
	 */
	iommufd_error(be, "alloc_hwpt", -ret,
		      "fd=%d dev=%u pt=%u flags=0x%x data_type=%u data_len=%u fault=%u: IOMMU_HWPT_ALLOC failed%s",
		      fd, dev_id, pt_id, flags, data_type, data_len, fault_id,
		      ret == -EOPNOTSUPP ?
		      " (a flag this kernel or IOMMU does not support: dirty tracking needs IOMMU support, fault queues 6.11, PASID 6.15)" :
		      ret == -ENOENT ? " (no such device)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_get_device_info(struct iommufd_backend *be,
				    uint32_t dev_id, uint32_t in_type,
				    void *data, uint32_t *data_len,
				    uint32_t *out_type, uint64_t *out_caps,
				    uint8_t *out_max_pasid_log2)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "get_device_info");
	if (fd < 0)
		return fd;
	if (data && !data_len) {
		iommufd_error(be, "get_device_info", EINVAL,
			      "fd=%d dev=%u: data without data_len", fd, dev_id);
		return -EINVAL;
	}
#ifndef IOMMU_GET_HW_INFO
	(void)out_type; (void)out_caps; (void)out_max_pasid_log2;
	trace_get_device_info(fd, dev_id, in_type, 0, 0, 0, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "get_device_info", fd, "IOMMU_GET_HW_INFO",
			       "6.6", true);
#else
	{
		struct iommu_hw_info cmd = {
			.size = sizeof(cmd),
			.dev_id = dev_id,
			.data_len = data ? *data_len : 0,
			.data_uptr = (uintptr_t)data,
		};

		if (in_type != IOMMUFD_HW_INFO_TYPE_DEFAULT) {
#ifdef IOMMUFD_KHDR_HW_INFO_INPUT_TYPE
			cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
			cmd.in_data_type = in_type;
#else
			return iommufd_missing(be, "get_device_info", fd,
					       "IOMMU_HW_INFO_FLAG_INPUT_TYPE",
					       "6.17", true);
#endif
		}
		ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd) ? -errno : 0;
		trace_get_device_info(fd, dev_id, in_type,
				      ret ? 0 : cmd.out_data_type,
				      ret ? 0 : cmd.data_len,
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP /* out_capabilities: 6.7 */
				      ret ? 0 : cmd.out_capabilities,
#else
				      0,
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC /* out_max_pasid_log2: 6.11's header has it */
				      ret ? 0 : cmd.out_max_pasid_log2,
#else
				      0,
#endif
				      ret);
		if (!ret) {
			if (data_len)
				*data_len = cmd.data_len;
			if (out_type)
				*out_type = cmd.out_data_type;
			if (out_caps)
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP
				*out_caps = cmd.out_capabilities;
#else
				*out_caps = 0;
#endif
			if (out_max_pasid_log2)
#ifdef IOMMU_FAULT_QUEUE_ALLOC
				*out_max_pasid_log2 = cmd.out_max_pasid_log2;
#else
				*out_max_pasid_log2 = 0;
#endif
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "get_device_info", fd,
				       "IOMMU_GET_HW_INFO", "6.6", false);
	/*
	 * Kernels before the input type refuse any flag with EOPNOTSUPP, and
	 * newer ones an input type the IOMMU does not offer the same way.
	 */
	if (ret == -EOPNOTSUPP && in_type != IOMMUFD_HW_INFO_TYPE_DEFAULT)
		iommufd_error(be, "get_device_info", EOPNOTSUPP,
			      "fd=%d dev=%u in_type=%u: IOMMU_GET_HW_INFO failed: the kernel lacks IOMMU_HW_INFO_FLAG_INPUT_TYPE (6.17) or the IOMMU offers no info of that type",
			      fd, dev_id, in_type);
	else
		iommufd_error(be, "get_device_info", -ret,
			      "fd=%d dev=%u in_type=%u data_len=%u: IOMMU_GET_HW_INFO failed%s",
			      fd, dev_id, in_type, data ? *data_len : 0,
			      ret == -ENOENT ? " (no such device)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_set_dirty_tracking(struct iommufd_backend *be,
				       uint32_t hwpt_id, bool enable)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "set_dirty_tracking");
	if (fd < 0)
		return fd;
#ifndef IOMMU_HWPT_SET_DIRTY_TRACKING
	trace_set_dirty_tracking(fd, hwpt_id, enable, -EOPNOTSUPP);
	return iommufd_missing(be, "set_dirty_tracking", fd,
			       "IOMMU_HWPT_SET_DIRTY_TRACKING", "6.7", true);
#else
	{
		struct iommu_hwpt_set_dirty_tracking cmd = {
			.size = sizeof(cmd),
			.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
			.hwpt_id = hwpt_id,
		};

		ret = ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd) ? -errno : 0;
	}
	trace_set_dirty_tracking(fd, hwpt_id, enable, ret);
	if (!ret)
		return 0;
	if (ret == -ENOTTY)
		return iommufd_missing(be, "set_dirty_tracking", fd,
				       "IOMMU_HWPT_SET_DIRTY_TRACKING", "6.7",
				       false);
	iommufd_error(be, "set_dirty_tracking", -ret,
		      "fd=%d hwpt=%u enable=%d: IOMMU_HWPT_SET_DIRTY_TRACKING failed%s",
		      fd, hwpt_id, enable,
		      ret == -EOPNOTSUPP ? " (HWPT not allocated with IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING?)" :
		      ret == -ENOENT ? " (no such paging HWPT)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_get_dirty_bitmap(struct iommufd_backend *be,
				     uint32_t hwpt_id, uint64_t iova,
				     uint64_t size, uint64_t page_size,
				     uint32_t flags, uint64_t *bitmap)
{
	const char *bad = NULL;
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "get_dirty_bitmap");
	if (fd < 0)
		return fd;
	/* The kernel says EINVAL for each of these; say which one. */
	if (!bitmap)
		bad = "bitmap is NULL";
	else if (!page_size || (page_size & (page_size - 1)))
		bad = "page_size is not a power of two";
	else if (!size || (iova | size) & (page_size - 1))
		bad = "iova and size must be non-zero multiples of page_size";
	else if (flags & ~IOMMUFD_DIRTY_BITMAP_NO_CLEAR)
		bad = "unknown flags";
	if (bad) {
		iommufd_error(be, "get_dirty_bitmap", EINVAL,
			      "fd=%d hwpt=%u iova=0x%" PRIx64 " size=0x%" PRIx64
			      " page_size=0x%" PRIx64 " flags=0x%x: %s",
			      fd, hwpt_id, iova, size, page_size, flags, bad);
		return -EINVAL;
	}
#ifndef IOMMU_HWPT_GET_DIRTY_BITMAP
	trace_get_dirty_bitmap(fd, hwpt_id, iova, size, page_size, flags,
			       (uintptr_t)bitmap, -EOPNOTSUPP);
	return iommufd_missing(be, "get_dirty_bitmap", fd,
			       "IOMMU_HWPT_GET_DIRTY_BITMAP", "6.7", true);
#else
	{
		struct iommu_hwpt_get_dirty_bitmap cmd = {
			.size = sizeof(cmd),
			.hwpt_id = hwpt_id,
			.flags = flags,
			.iova = iova,
			.length = size,
			.page_size = page_size,
			.data = (uintptr_t)bitmap,
		};

		ret = ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd) ? -errno : 0;
	}
	trace_get_dirty_bitmap(fd, hwpt_id, iova, size, page_size, flags,
			       (uintptr_t)bitmap, ret);
	if (!ret)
		return 0;
	if (ret == -ENOTTY)
		return iommufd_missing(be, "get_dirty_bitmap", fd,
				       "IOMMU_HWPT_GET_DIRTY_BITMAP", "6.7",
				       false);
	iommufd_error(be, "get_dirty_bitmap", -ret,
		      "fd=%d hwpt=%u iova=0x%" PRIx64 " size=0x%" PRIx64
		      " page_size=0x%" PRIx64 " flags=0x%x: IOMMU_HWPT_GET_DIRTY_BITMAP failed%s",
		      fd, hwpt_id, iova, size, page_size, flags,
		      ret == -EOPNOTSUPP ? " (HWPT without dirty tracking?)" :
		      ret == -ENOENT ? " (no such paging HWPT)" :
		      ret == -EINVAL ? " (range outside the mappings, or page_size below the IOMMU's)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_invalidate_cache(struct iommufd_backend *be, uint32_t id,
				     uint32_t data_type, uint32_t entry_len,
				     uint32_t *entry_num, const void *data)
{
	uint32_t wanted;
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "invalidate_cache");
	if (fd < 0)
		return fd;
	if (!entry_num || (*entry_num && !data)) {
		iommufd_error(be, "invalidate_cache", EINVAL,
			      "fd=%d id=%u data_type=%u: %s", fd, id, data_type,
			      !entry_num ? "entry_num is NULL" :
					   "requests without data");
		return -EINVAL;
	}
	wanted = *entry_num;
#ifndef IOMMU_HWPT_INVALIDATE
	trace_invalidate_cache(fd, id, data_type, entry_len, wanted, 0,
			       -EOPNOTSUPP);
	*entry_num = 0;
	return iommufd_missing(be, "invalidate_cache", fd,
			       "IOMMU_HWPT_INVALIDATE", "6.8", true);
#else
	{
		struct iommu_hwpt_invalidate cmd = {
			.size = sizeof(cmd),
			.hwpt_id = id,
			.data_uptr = (uintptr_t)data,
			.data_type = data_type,
			.entry_len = entry_len,
			.entry_num = wanted,
		};

		ret = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd) ? -errno : 0;
		/*
		 * The kernel writes back how many requests it handled, on
		 * failure too: it stops at the first one it cannot handle.
		 * An ioctl it does not know leaves the count untouched.
		 */
		*entry_num = ret == -ENOTTY ? 0 : cmd.entry_num;
	}
	trace_invalidate_cache(fd, id, data_type, entry_len, wanted, *entry_num,
			       ret);
	if (!ret)
		return 0;
	if (ret == -ENOTTY)
		return iommufd_missing(be, "invalidate_cache", fd,
				       "IOMMU_HWPT_INVALIDATE", "6.8", false);
	iommufd_error(be, "invalidate_cache", -ret,
		      "fd=%d id=%u data_type=%u entry_len=%u: IOMMU_HWPT_INVALIDATE failed after %u of %u requests%s",
		      fd, id, data_type, entry_len, *entry_num, wanted,
		      ret == -EOPNOTSUPP ? " (data type not supported by this IOMMU)" :
		      ret == -ENOENT ? " (no such nested HWPT)" : "");
	return ret;
#endif
}
