// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The 7.x objects of a VMM's vIOMMU (LIBIOMMUFD_0.2): vIOMMU, vDEVICE,
 * vEVENTQ (and a decoder for what its fd returns), HW queue. Each is
 * compiled where the uapi headers have its ioctl number; on older headers,
 * and on kernels that answer ENOTTY, the call returns -EOPNOTSUPP naming
 * the feature. Kernel versions are the ones that introduced the ioctls.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iommufd.h>

#include "internal.h"
#include "trace.h"

IOMMUFD_EXPORT
int iommufd_backend_alloc_viommu(struct iommufd_backend *be, uint32_t dev_id,
				 uint32_t viommu_type, uint32_t hwpt_id,
				 void *data, uint32_t data_len,
				 uint32_t *out_viommu_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "alloc_viommu");
	if (fd < 0)
		return fd;
	if (!out_viommu_id || (data_len && !data)) {
		iommufd_error(be, "alloc_viommu", EINVAL,
			      "fd=%d dev=%u type=%u hwpt=%u: %s", fd, dev_id,
			      viommu_type, hwpt_id,
			      !out_viommu_id ? "out_viommu_id is NULL" :
					       "data is NULL");
		return -EINVAL;
	}
#ifndef IOMMU_VIOMMU_ALLOC
	/* Traced like a call the kernel refused, so every probe exists. */
	trace_alloc_viommu(fd, dev_id, viommu_type, hwpt_id, data_len, 0,
			   -EOPNOTSUPP);
	return iommufd_missing(be, "alloc_viommu", fd, "IOMMU_VIOMMU_ALLOC",
			       "6.13", true);
#else
	{
		struct iommu_viommu_alloc cmd = {
			.size = sizeof(cmd),
			.type = viommu_type,
			.dev_id = dev_id,
			.hwpt_id = hwpt_id,
			.data_len = data_len,
			.data_uptr = (uintptr_t)data,
		};

		ret = ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd) ? -errno : 0;
		trace_alloc_viommu(fd, dev_id, viommu_type, hwpt_id, data_len,
				   ret ? 0 : cmd.out_viommu_id, ret);
		if (!ret) {
			*out_viommu_id = cmd.out_viommu_id;
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "alloc_viommu", fd,
				       "IOMMU_VIOMMU_ALLOC", "6.13", false);
	iommufd_error(be, "alloc_viommu", -ret,
		      "fd=%d dev=%u type=%u hwpt=%u data_len=%u: IOMMU_VIOMMU_ALLOC failed%s",
		      fd, dev_id, viommu_type, hwpt_id, data_len,
		      ret == -EOPNOTSUPP ? " (a vIOMMU type this IOMMU driver does not offer)" :
		      ret == -EINVAL ? " (hwpt must be a paging HWPT allocated with IOMMUFD_HWPT_ALLOC_NEST_PARENT)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_alloc_vdev(struct iommufd_backend *be, uint32_t dev_id,
			       uint32_t viommu_id, uint64_t virt_id,
			       uint32_t *out_vdev_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "alloc_vdev");
	if (fd < 0)
		return fd;
	if (!out_vdev_id) {
		iommufd_error(be, "alloc_vdev", EINVAL,
			      "fd=%d dev=%u viommu=%u: out_vdev_id is NULL", fd,
			      dev_id, viommu_id);
		return -EINVAL;
	}
#ifndef IOMMU_VDEVICE_ALLOC
	trace_alloc_vdev(fd, dev_id, viommu_id, virt_id, 0, -EOPNOTSUPP);
	return iommufd_missing(be, "alloc_vdev", fd, "IOMMU_VDEVICE_ALLOC",
			       "6.13", true);
#else
	{
		struct iommu_vdevice_alloc cmd = {
			.size = sizeof(cmd),
			.viommu_id = viommu_id,
			.dev_id = dev_id,
			.virt_id = virt_id,
		};

		ret = ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd) ? -errno : 0;
		trace_alloc_vdev(fd, dev_id, viommu_id, virt_id,
				 ret ? 0 : cmd.out_vdevice_id, ret);
		if (!ret) {
			*out_vdev_id = cmd.out_vdevice_id;
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "alloc_vdev", fd,
				       "IOMMU_VDEVICE_ALLOC", "6.13", false);
	iommufd_error(be, "alloc_vdev", -ret,
		      "fd=%d dev=%u viommu=%u virt_id=0x%" PRIx64 ": IOMMU_VDEVICE_ALLOC failed%s",
		      fd, dev_id, viommu_id, virt_id,
		      ret == -EEXIST ? " (the device or the virtual id has a vDEVICE already)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_alloc_veventq(struct iommufd_backend *be,
				  uint32_t viommu_id, uint32_t type,
				  uint32_t depth, uint32_t *out_veventq_id,
				  int *out_fd)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "alloc_veventq");
	if (fd < 0)
		return fd;
	if (!out_veventq_id || !out_fd) {
		iommufd_error(be, "alloc_veventq", EINVAL,
			      "fd=%d viommu=%u type=%u: %s is NULL", fd,
			      viommu_id, type,
			      !out_veventq_id ? "out_veventq_id" : "out_fd");
		return -EINVAL;
	}
#ifndef IOMMU_VEVENTQ_ALLOC
	trace_alloc_veventq(fd, viommu_id, type, depth, 0, -1, -EOPNOTSUPP);
	return iommufd_missing(be, "alloc_veventq", fd, "IOMMU_VEVENTQ_ALLOC",
			       "6.15", true);
#else
	{
		struct iommu_veventq_alloc cmd = {
			.size = sizeof(cmd),
			.viommu_id = viommu_id,
			.type = type,
			.veventq_depth = depth,
		};

		ret = ioctl(fd, IOMMU_VEVENTQ_ALLOC, &cmd) ? -errno : 0;
		trace_alloc_veventq(fd, viommu_id, type, depth,
				    ret ? 0 : cmd.out_veventq_id,
				    ret ? -1 : (int)cmd.out_veventq_fd, ret);
		if (!ret) {
			*out_veventq_id = cmd.out_veventq_id;
			*out_fd = (int)cmd.out_veventq_fd;
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "alloc_veventq", fd,
				       "IOMMU_VEVENTQ_ALLOC", "6.15", false);
	iommufd_error(be, "alloc_veventq", -ret,
		      "fd=%d viommu=%u type=%u depth=%u: IOMMU_VEVENTQ_ALLOC failed%s",
		      fd, viommu_id, type, depth,
		      ret == -EEXIST ? " (the vIOMMU has a vEVENTQ of this type already)" :
		      ret == -EINVAL ? " (depth 0, or a type this vIOMMU does not know)" : "");
	return ret;
#endif
}

IOMMUFD_EXPORT
int iommufd_backend_alloc_hw_queue(struct iommufd_backend *be,
				   uint32_t viommu_id, uint32_t type,
				   uint32_t index, uint64_t base_iova,
				   uint64_t length, uint32_t *out_hw_queue_id)
{
	int fd, ret IOMMUFD_MAYBE_UNUSED;

	fd = iommufd_backend_fd_for(be, "alloc_hw_queue");
	if (fd < 0)
		return fd;
	if (!out_hw_queue_id) {
		iommufd_error(be, "alloc_hw_queue", EINVAL,
			      "fd=%d viommu=%u: out_hw_queue_id is NULL", fd,
			      viommu_id);
		return -EINVAL;
	}
#ifndef IOMMU_HW_QUEUE_ALLOC
	trace_alloc_hw_queue(fd, viommu_id, type, index, base_iova, length, 0,
			     -EOPNOTSUPP);
	return iommufd_missing(be, "alloc_hw_queue", fd, "IOMMU_HW_QUEUE_ALLOC",
			       "6.17", true);
#else
	{
		struct iommu_hw_queue_alloc cmd = {
			.size = sizeof(cmd),
			.viommu_id = viommu_id,
			.type = type,
			.index = index,
			.nesting_parent_iova = base_iova,
			.length = length,
		};

		ret = ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &cmd) ? -errno : 0;
		trace_alloc_hw_queue(fd, viommu_id, type, index, base_iova,
				     length, ret ? 0 : cmd.out_hw_queue_id, ret);
		if (!ret) {
			*out_hw_queue_id = cmd.out_hw_queue_id;
			return 0;
		}
	}
	if (ret == -ENOTTY)
		return iommufd_missing(be, "alloc_hw_queue", fd,
				       "IOMMU_HW_QUEUE_ALLOC", "6.17", false);
	iommufd_error(be, "alloc_hw_queue", -ret,
		      "fd=%d viommu=%u type=%u index=%u iova=0x%" PRIx64 " length=0x%" PRIx64
		      ": IOMMU_HW_QUEUE_ALLOC failed%s",
		      fd, viommu_id, type, index, base_iova, length,
		      ret == -EOPNOTSUPP ? " (a queue type this vIOMMU does not offer)" : "");
	return ret;
#endif
}

/*
 * A vIOMMU's MMIO window (e.g. Tegra241 CMDQV's VINTF page0, or the
 * selftest vIOMMU's two pages) is mmap'ed from the iommufd fd itself, at the
 * offset and length IOMMU_VIOMMU_ALLOC wrote into the driver's data. The
 * kernel (7.3 drivers/iommu/iommufd/main.c:587, iommufd_fops_mmap, since
 * 6.17) insists on MAP_SHARED (EINVAL otherwise), no PROT_EXEC (EPERM), a
 * page-aligned length, and exactly the offset and length it handed out
 * (ENXIO for anything else, also a part of the window). A kernel without
 * the interface has no mmap in the iommufd's file operations, so mmap(2)
 * answers ENODEV (6.12 mm/mmap.c:423). The mapping holds a reference on
 * the vIOMMU: IOMMU_DESTROY of it is EBUSY until munmap().
 */
IOMMUFD_EXPORT
int iommufd_backend_viommu_mmap(struct iommufd_backend *be, uint32_t viommu_id,
				uint64_t offset, uint64_t length,
				void **out_addr)
{
	void *addr;
	int fd, ret;

	fd = iommufd_backend_fd_for(be, "viommu_mmap");
	if (fd < 0)
		return fd;
	if (!out_addr || !length || offset > (uint64_t)INT64_MAX ||
	    length > (uint64_t)SIZE_MAX) {
		iommufd_error(be, "viommu_mmap", EINVAL,
			      "fd=%d viommu=%u offset=0x%" PRIx64 " length=0x%" PRIx64 ": %s",
			      fd, viommu_id, offset, length,
			      !out_addr ? "out_addr is NULL" :
			      !length ? "zero length" :
					"offset or length beyond what mmap() takes");
		trace_viommu_mmap(fd, viommu_id, offset, length, 0, -EINVAL);
		return -EINVAL;
	}
	addr = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, (off_t)offset);
	ret = addr == MAP_FAILED ? -errno : 0;
	trace_viommu_mmap(fd, viommu_id, offset, length,
			  ret ? 0 : (uint64_t)(uintptr_t)addr, ret);
	if (!ret) {
		*out_addr = addr;
		return 0;
	}
	if (ret == -ENODEV) {
		char obj[48];

		snprintf(obj, sizeof(obj), "fd=%d viommu=%u", fd, viommu_id);
		return iommufd_missing_as(be, "viommu_mmap", obj,
					  "mmap of the iommufd (vIOMMU MMIO windows)",
					  "6.17", "ENODEV from mmap()");
	}
	iommufd_error(be, "viommu_mmap", -ret,
		      "fd=%d viommu=%u offset=0x%" PRIx64 " length=0x%" PRIx64 ": mmap of the iommufd failed%s",
		      fd, viommu_id, offset, length,
		      ret == -ENXIO ? " (not an offset and length IOMMU_VIOMMU_ALLOC handed out, or its vIOMMU is gone)" :
		      ret == -EINVAL ? " (length not a multiple of the page size, or offset not page-aligned)" : "");
	return ret;
}

/*
 * The layout read(2) returns from a vEVENTQ fd (7.x uAPI, struct
 * iommufd_vevent_header): back-to-back {flags, sequence} headers, each
 * followed by the type's data unless flags has LOST_EVENTS (bit 0). Every
 * event the kernel generates takes the next sequence number, 31 bits wide
 * (iommufd_vevent_handler() masks with INT_MAX), delivered or not: a gap
 * before an event counts the events dropped, and a LOST_EVENTS header (at
 * the tail of the queue) carries the number of the last event dropped. The
 * layout is restated here so that the decoder builds with any headers; the
 * assertions tie it to the kernel's where they have it.
 */
#define VEVENT_SEQ_MASK 0x7fffffffu
#define VEVENT_HEADER_SIZE 8u
#define VEVENT_FLAG_LOST_EVENTS 1u
#ifdef IOMMU_VEVENTQ_ALLOC
_Static_assert(sizeof(struct iommufd_vevent_header) == VEVENT_HEADER_SIZE,
	       "vEVENT header size");
_Static_assert(IOMMU_VEVENTQ_FLAG_LOST_EVENTS == VEVENT_FLAG_LOST_EVENTS,
	       "LOST_EVENTS differs from the kernel's");
#endif

IOMMUFD_EXPORT
int iommufd_vevent_next(const void *buf, size_t len, size_t *pos,
			size_t data_len, uint32_t *next_seq,
			uint32_t *out_seq, uint32_t *out_lost,
			const void **out_data)
{
	const unsigned char *p = buf;
	uint32_t flags, seq;

	if (!buf || !pos || !next_seq || !out_seq || !out_lost || !out_data ||
	    *pos > len) {
		iommufd_error(NULL, "vevent_next", EINVAL,
			      "a NULL argument, or pos past len");
		return -EINVAL;
	}
	if (*pos == len)
		return 0;
	if (len - *pos < VEVENT_HEADER_SIZE) {
		iommufd_error(NULL, "vevent_next", EINVAL,
			      "pos=%zu len=%zu: a truncated vEVENT header", *pos,
			      len);
		return -EINVAL;
	}
	memcpy(&flags, p + *pos, 4);
	memcpy(&seq, p + *pos + 4, 4);
	*out_seq = seq;
	if (flags & VEVENT_FLAG_LOST_EVENTS) {
		/* *next_seq up to and including seq were dropped. */
		*out_lost = ((seq - *next_seq) & VEVENT_SEQ_MASK) + 1;
		*out_data = NULL;
		*pos += VEVENT_HEADER_SIZE;
		*next_seq = (seq + 1) & VEVENT_SEQ_MASK;
		return 1;
	}
	*out_lost = (seq - *next_seq) & VEVENT_SEQ_MASK;
	if (len - *pos - VEVENT_HEADER_SIZE < data_len) {
		iommufd_error(NULL, "vevent_next", EINVAL,
			      "pos=%zu len=%zu seq=%u: vEVENT data shorter than %zu bytes",
			      *pos, len, seq, data_len);
		return -EINVAL;
	}
	*out_data = p + *pos + VEVENT_HEADER_SIZE;
	*pos += VEVENT_HEADER_SIZE + data_len;
	*next_seq = (seq + 1) & VEVENT_SEQ_MASK;
	return 1;
}
