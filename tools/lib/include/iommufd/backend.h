/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libiommufd: the lifecycle of one shared /dev/iommu file descriptor.
 *
 * A struct iommufd_backend stands for one iommufd context. Several users
 * (a VFIO device, a vDPA device, a userspace driver) connect to it; the
 * first connect opens /dev/iommu unless the caller handed over a pre-opened
 * fd, the last disconnect closes what the library opened and never what it
 * was given. In between, users allocate IOASes and map and unmap DMA.
 *
 * Conventions, for every function here:
 *  - functions returning int return 0 on success or a negative errno;
 *    errno itself is left as the last system call set it;
 *  - a failure is also reported through the report hook (see
 *    iommufd_report_set_fn()), with the operation, the object (fd, id,
 *    IOVA range) and the errno, so callers need not format messages;
 *  - nothing aborts or exits; a NULL backend is an error (-EINVAL), not a
 *    crash.
 *
 * This header needs only the C library: no uapi header is required to use
 * the library.
 */
#ifndef LIBIOMMUFD_BACKEND_H
#define LIBIOMMUFD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct iommufd_backend;

/**
 * enum iommufd_report_level - how bad a reported event is
 * @IOMMUFD_REPORT_ERROR: the operation failed
 * @IOMMUFD_REPORT_WARNING: the operation failed for a reason the caller
 *	may expect and handle (e.g. mapping a PCI BAR)
 */
enum iommufd_report_level {
	IOMMUFD_REPORT_ERROR,
	IOMMUFD_REPORT_WARNING,
};

/**
 * typedef iommufd_report_fn - receives every message of the library
 * @opaque: the pointer given with the hook
 * @level: error or warning
 * @op: the operation, e.g. "map_dma", "connect"
 * @err: the positive errno of the failure, 0 when there is none
 * @msg: the object and what happened, e.g. "fd=3 ioas=1 iova=0x1000
 *	size=0x2000: IOMMU_IOAS_MAP failed"; never NULL
 *
 * Called synchronously from the failing call, possibly from several
 * threads at once; @op and @msg live only for the duration of the call.
 */
typedef void (*iommufd_report_fn)(void *opaque,
				  enum iommufd_report_level level,
				  const char *op, int err, const char *msg);

/**
 * iommufd_report_stderr() - the default report hook
 * @opaque: unused
 * @level: error or warning
 * @op: the operation
 * @err: positive errno, or 0
 * @msg: the message
 *
 * Writes one line "iommufd: [warning: ]<op>: <msg>[: <strerror(err)>]" to
 * stderr. Exported so a caller that replaced the hook can chain to it or
 * put it back.
 *
 * Return: nothing; a failed write to stderr is ignored.
 */
void iommufd_report_stderr(void *opaque, enum iommufd_report_level level,
			   const char *op, int err, const char *msg);

/**
 * iommufd_report_set_fn() - replace the process-wide report hook
 * @fn: the new hook, or NULL to silence the library
 * @opaque: passed to @fn
 *
 * Backends without a hook of their own (iommufd_backend_set_report_fn())
 * and failures that have no backend (a NULL backend) report here.
 * Thread-safe: a report always gets a hook together with its own @opaque.
 * A report already under way in another thread may still reach the
 * previous hook, so keep a replaced hook's @opaque valid.
 *
 * Return: nothing; it cannot fail.
 */
void iommufd_report_set_fn(iommufd_report_fn fn, void *opaque);

/**
 * iommufd_backend_new() - allocate a backend
 *
 * The backend starts unconnected, with no fd, owning the fd it will open,
 * with a user limit of UINT32_MAX and in the default (non-strict) unmap
 * mode.
 *
 * Return: the backend, or NULL with errno ENOMEM (also reported).
 */
struct iommufd_backend *iommufd_backend_new(void);

/**
 * iommufd_backend_destroy() - free a backend that has no users
 * @be: the backend, or NULL
 *
 * A pre-opened fd (iommufd_backend_set_fd()) is never closed: it belongs
 * to whoever opened it. An fd the library opened is already closed, since
 * it is closed by the last disconnect.
 *
 * Return: 0 when @be was freed or is NULL; -EBUSY (reported, @be left
 * intact and usable) while users are connected.
 */
int iommufd_backend_destroy(struct iommufd_backend *be);

/**
 * iommufd_backend_set_report_fn() - give one backend its own report hook
 * @be: the backend
 * @fn: the hook, or NULL to silence this backend
 * @opaque: passed to @fn
 *
 * Thread-safe, also against reports of this backend in other threads,
 * with the same caveat as iommufd_report_set_fn(): a report under way may
 * still reach the previous hook.
 *
 * Return: 0, or -EINVAL if @be is NULL (reported to the process hook).
 */
int iommufd_backend_set_report_fn(struct iommufd_backend *be,
				  iommufd_report_fn fn, void *opaque);

/**
 * iommufd_backend_set_fd() - use a pre-opened /dev/iommu fd
 * @be: the backend, not connected
 * @fd: an open file descriptor of /dev/iommu
 *
 * The fd must be open (checked with fcntl(F_GETFD)) and must be an iommufd
 * (checked with an IOMMU_DESTROY of id 0, which an iommufd answers with
 * ENOENT and any other file with ENOTTY). From then on connect does not open
 * and disconnect and destroy do not close: the caller keeps ownership.
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @fd; -EBADF if @fd is not
 * open, or is an O_PATH fd (open, but it cannot do ioctls); -ENOTTY if @fd is not an iommufd (the probe's errno if it fails
 * otherwise); -EBUSY while users are connected. Every failure is reported.
 */
int iommufd_backend_set_fd(struct iommufd_backend *be, int fd);

/**
 * iommufd_backend_set_fd_str() - use a pre-opened fd given as text
 * @be: the backend, not connected
 * @str: "N" or "fd=N", N a decimal number, as a user writes it on a
 *	command line
 *
 * Parses @str and calls iommufd_backend_set_fd(); every message names
 * @str, quoted, with control characters escaped (a "3\n" is reported as
 * "3\\n", so a caller's string can neither split nor forge a log line) and
 * cut after 64 bytes.
 *
 * Return: 0; -EINVAL for a NULL @be or @str, or a string that is not a
 * non-negative decimal int (e.g. "abc", "-1", "3x"); otherwise what
 * iommufd_backend_set_fd() returns (-EBADF for "99999").
 */
int iommufd_backend_set_fd_str(struct iommufd_backend *be, const char *str);

/**
 * iommufd_backend_set_max_users() - lower (or raise) the connection limit
 * @be: the backend
 * @max_users: how many connects may be outstanding; default UINT32_MAX
 *
 * Return: 0; -EINVAL for a NULL @be; -EBUSY (reported) if more than
 * @max_users users are connected already.
 */
int iommufd_backend_set_max_users(struct iommufd_backend *be,
				  uint32_t max_users);

/**
 * iommufd_backend_set_strict_unmap() - choose how unmap treats ENOENT
 * @be: the backend
 * @strict: false (default) or true
 *
 * IOMMU_IOAS_UNMAP fails with ENOENT in three situations: nothing is mapped
 * in the range; the range cuts an existing mapping (area) in two, in which
 * case that mapping stays entirely in place (areas wholly inside the range
 * and before the cut may have been unmapped already); or the IOAS id does
 * not exist. In the default mode iommufd_backend_unmap_dma() returns 0 for
 * all of them, as QEMU does, because a vIOMMU emits many redundant unmaps;
 * the trace still shows them. In strict mode they are reported as errors and
 * -ENOENT is returned.
 *
 * Return: 0, or -EINVAL for a NULL @be.
 */
int iommufd_backend_set_strict_unmap(struct iommufd_backend *be, bool strict);

/**
 * iommufd_backend_connect() - become a user of the backend
 * @be: the backend
 *
 * The first user of a backend without a pre-opened fd opens /dev/iommu
 * O_RDWR | O_CLOEXEC. Thread-safe against connect and disconnect.
 *
 * Return: 0; -EINVAL for a NULL @be; -E2BIG ("too many connections") at the
 * limit; the negative errno of open() ("/dev/iommu opening failed"). Every
 * failure is reported and leaves the user count unchanged.
 */
int iommufd_backend_connect(struct iommufd_backend *be);

/**
 * iommufd_backend_disconnect() - stop being a user
 * @be: the backend, or NULL
 *
 * The last user closes the fd if the library opened it. Without users (or
 * with a NULL @be) this does nothing. Thread-safe against connect and
 * disconnect.
 *
 * Return: nothing; it cannot fail (an error from close() is not reported:
 * the fd is released either way).
 */
void iommufd_backend_disconnect(struct iommufd_backend *be);

/**
 * iommufd_backend_users() - how many users are connected
 * @be: the backend
 *
 * Return: the count; 0 for a NULL @be.
 */
uint32_t iommufd_backend_users(const struct iommufd_backend *be);

/**
 * iommufd_backend_fd() - the /dev/iommu fd, for ioctls the library lacks
 * @be: the backend
 *
 * Return: the fd (valid while a user is connected, or for as long as the
 * caller keeps a pre-opened fd open); -1 if there is none or @be is NULL.
 */
int iommufd_backend_fd(const struct iommufd_backend *be);

/**
 * iommufd_backend_owned() - whether the library opens and closes the fd
 * @be: the backend
 *
 * Return: true unless a pre-opened fd was set (false for a NULL @be).
 */
bool iommufd_backend_owned(const struct iommufd_backend *be);

/**
 * iommufd_backend_alloc_ioas() - allocate an I/O address space
 * @be: a connected backend
 * @ioas_id: receives the new IOAS id
 *
 * Return: 0 with *@ioas_id set; -EINVAL for a NULL @be or @ioas_id; -EBADF
 * if @be has no users; the negative errno of IOMMU_IOAS_ALLOC. Failures
 * are reported.
 */
int iommufd_backend_alloc_ioas(struct iommufd_backend *be, uint32_t *ioas_id);

/**
 * iommufd_backend_free_id() - destroy an iommufd object (IOAS, HWPT, ...)
 * @be: a connected backend
 * @id: the object id
 *
 * Return: 0; -EINVAL for a NULL @be; -EBADF if @be has no users; the
 * negative errno of IOMMU_DESTROY, reported: -ENOENT for an unknown id,
 * -EBUSY for an object still in use (an IOAS a domain or device is
 * attached to).
 */
int iommufd_backend_free_id(struct iommufd_backend *be, uint32_t id);

/**
 * iommufd_backend_map_dma() - map user memory at a fixed IOVA
 * @be: a connected backend
 * @ioas_id: the IOAS
 * @iova: where the device sees it
 * @size: bytes, a multiple of the page size
 * @vaddr: the memory, page-aligned
 * @readonly: map readable only; otherwise readable and writeable
 *
 * Return: 0; -EINVAL for a NULL @be; -EBADF if @be has no users; the
 * negative errno of IOMMU_IOAS_MAP. -EFAULT (the memory cannot be pinned:
 * a PCI BAR or other VM_IO/VM_PFNMAP mapping, unmapped or PROT_NONE
 * memory) is reported as a warning, everything else as an error. The kernel
 * pins pages only once a domain or access needs them, so without an
 * attached domain such memory may map successfully.
 */
int iommufd_backend_map_dma(struct iommufd_backend *be, uint32_t ioas_id,
			    uint64_t iova, uint64_t size, void *vaddr,
			    bool readonly);

/**
 * iommufd_backend_unmap_dma() - remove mappings from an IOAS
 * @be: a connected backend
 * @ioas_id: the IOAS
 * @iova: start of the range
 * @size: bytes; (0, UINT64_MAX) removes everything
 *
 * See iommufd_backend_set_strict_unmap() for what ENOENT means and how each
 * mode treats it.
 *
 * Return: 0, including (in the default mode) the kernel's ENOENT; -EINVAL
 * for a NULL @be; -EBADF if @be has no users; otherwise the negative errno
 * of IOMMU_IOAS_UNMAP, reported (-ENOENT only in strict mode).
 */
int iommufd_backend_unmap_dma(struct iommufd_backend *be, uint32_t ioas_id,
			      uint64_t iova, uint64_t size);

/*
 * ---- LIBIOMMUFD_0.2: hardware page tables, dirty tracking, invalidation,
 * device info, and the VFIO device side ----
 *
 * Each call names the kernel version that introduced its ioctl. A kernel
 * without the ioctl answers ENOTTY; the library turns that into -EOPNOTSUPP
 * with a report naming the missing feature, decided at run time. A library
 * built against uapi headers that lack the ioctl or flag returns
 * -EOPNOTSUPP too (reported: "built without ...").
 */

/*
 * Flags of iommufd_backend_alloc_hwpt(): the values of the kernel's
 * enum iommufd_hwpt_alloc_flags (the library checks they match).
 */
/* A paging HWPT that can be the parent of nested ones (6.6). */
#define IOMMUFD_HWPT_ALLOC_NEST_PARENT		(1u << 0)
/* A paging HWPT whose IOMMU tracks dirty pages (6.7). */
#define IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING	(1u << 1)
/* @fault_id names a fault queue (IOMMU_FAULT_QUEUE_ALLOC, 6.11). */
#define IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID	(1u << 2)
/* A domain usable with PASIDs (after 6.12; needs headers that have it). */
#define IOMMUFD_HWPT_ALLOC_PASID		(1u << 3)

/* iommufd_backend_get_device_info() @in_type: let the kernel choose (0). */
#define IOMMUFD_HW_INFO_TYPE_DEFAULT		0u

/* Flags of iommufd_backend_get_dirty_bitmap(). */
/* Read the dirty bits without clearing them (6.7). */
#define IOMMUFD_DIRTY_BITMAP_NO_CLEAR		(1u << 0)

/**
 * iommufd_backend_alloc_hwpt() - allocate a hardware page table (HWPT)
 * @be: a connected backend
 * @dev_id: the device (its iommufd device id, from
 *	iommufd_backend_bind_device()) whose IOMMU the HWPT is for
 * @pt_id: an IOAS for a paging HWPT, or a paging HWPT allocated with
 *	IOMMUFD_HWPT_ALLOC_NEST_PARENT for a nested one
 * @flags: IOMMUFD_HWPT_ALLOC_* (0 for a plain paging HWPT)
 * @data_type: the kernel's enum iommu_hwpt_data_type; 0 (none) for paging,
 *	the driver's type (e.g. IOMMU_HWPT_DATA_VTD_S1) for nested
 * @data_len: bytes at @data; 0 exactly when @data_type is 0
 * @data: the driver's page-table data, or NULL
 * @fault_id: a fault queue id, used only with
 *	IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID
 * @out_hwpt_id: receives the new HWPT id
 *
 * IOMMU_HWPT_ALLOC came with Linux 6.6; nested data 6.8; fault queues 6.11.
 *
 * Return: 0 with *@out_hwpt_id set; -EINVAL for a NULL @be or @out_hwpt_id,
 * flags the library does not know, or @data_len and @data disagreeing;
 * -EBADF if @be has no users; -EOPNOTSUPP when the kernel (or the headers
 * the library was built with) lacks IOMMU_HWPT_ALLOC or a flag, or the
 * IOMMU cannot do what a flag asks (e.g. dirty tracking); otherwise the
 * negative errno of IOMMU_HWPT_ALLOC (-ENOENT for an unknown @dev_id,
 * -EINVAL for a @pt_id that is neither). Failures are reported.
 */
int iommufd_backend_alloc_hwpt(struct iommufd_backend *be, uint32_t dev_id,
			       uint32_t pt_id, uint32_t flags,
			       uint32_t data_type, uint32_t data_len,
			       const void *data, uint32_t fault_id,
			       uint32_t *out_hwpt_id);

/**
 * iommufd_backend_get_device_info() - what the device's IOMMU offers
 * @be: a connected backend
 * @dev_id: the iommufd device id
 * @in_type: IOMMUFD_HW_INFO_TYPE_DEFAULT, or the info type wanted from an
 *	IOMMU that offers several (the kernel's IOMMU_HW_INFO_FLAG_INPUT_TYPE,
 *	after 6.12; needs headers that have it)
 * @data: buffer for the driver's info structure (e.g. struct
 *	iommu_hw_info_vtd), or NULL
 * @data_len: in: bytes at @data (0 with a NULL @data); out: bytes the
 *	kernel's structure has (it fills at most the input length and zeroes
 *	the rest of the buffer); may be NULL when @data is NULL
 * @out_type: receives the info type (enum iommu_hw_info_type), or NULL
 * @out_caps: receives the capabilities (IOMMU_HW_CAP_*, 6.7), or NULL
 * @out_max_pasid_log2: receives the PASID width, 0 without PASID support
 *	(6.12), or NULL
 *
 * IOMMU_GET_HW_INFO came with Linux 6.6.
 *
 * Return: 0 with the outputs set; -EINVAL for a NULL @be or a @data without
 * @data_len; -EBADF if @be has no users; -EOPNOTSUPP when the kernel lacks
 * IOMMU_GET_HW_INFO or (for a non-default @in_type) the input type; otherwise
 * the negative errno of IOMMU_GET_HW_INFO (-ENOENT for an unknown device).
 * Failures are reported.
 */
int iommufd_backend_get_device_info(struct iommufd_backend *be,
				    uint32_t dev_id, uint32_t in_type,
				    void *data, uint32_t *data_len,
				    uint32_t *out_type, uint64_t *out_caps,
				    uint8_t *out_max_pasid_log2);

/**
 * iommufd_backend_set_dirty_tracking() - start or stop dirty tracking
 * @be: a connected backend
 * @hwpt_id: a paging HWPT allocated with IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING
 * @enable: start (true) or stop (false)
 *
 * IOMMU_HWPT_SET_DIRTY_TRACKING came with Linux 6.7.
 *
 * Return: 0; -EINVAL for a NULL @be; -EBADF if @be has no users;
 * -EOPNOTSUPP when the kernel lacks the ioctl or the HWPT cannot track;
 * otherwise the negative errno of the ioctl (-ENOENT for an unknown HWPT).
 * Failures are reported.
 */
int iommufd_backend_set_dirty_tracking(struct iommufd_backend *be,
				       uint32_t hwpt_id, bool enable);

/**
 * iommufd_backend_get_dirty_bitmap() - read (and clear) dirty bits
 * @be: a connected backend
 * @hwpt_id: a paging HWPT with dirty tracking
 * @iova: start of the range, aligned to @page_size
 * @size: bytes, a multiple of @page_size
 * @page_size: the granule one bit stands for, a power of two; any size from
 *	the IOMMU's smallest page up
 * @flags: 0 (clear the bits read) or IOMMUFD_DIRTY_BITMAP_NO_CLEAR
 * @bitmap: one bit per page, bit n of word n / 64 for @iova + n *
 *	@page_size; (@size / @page_size + 63) / 64 words, 8-byte aligned. The
 *	kernel only sets bits: clear the bitmap first
 *
 * IOMMU_HWPT_GET_DIRTY_BITMAP came with Linux 6.7. Linux 6.12 answers 0
 * with nothing set for a HWPT that is not tracking.
 *
 * Return: 0; -EINVAL for a NULL @be or @bitmap, a @page_size that is not a
 * power of two, an unaligned or empty range, or unknown @flags; -EBADF if
 * @be has no users; -EOPNOTSUPP when the kernel lacks the ioctl; otherwise
 * its negative errno. Failures are reported.
 */
int iommufd_backend_get_dirty_bitmap(struct iommufd_backend *be,
				     uint32_t hwpt_id, uint64_t iova,
				     uint64_t size, uint64_t page_size,
				     uint32_t flags, uint64_t *bitmap);

/**
 * iommufd_backend_invalidate_cache() - flush a nested HWPT's caches
 * @be: a connected backend
 * @id: a nested HWPT (or, on kernels after 6.12, a vIOMMU)
 * @data_type: the driver's enum iommu_hwpt_invalidate_data_type
 * @entry_len: bytes of one request structure
 * @entry_num: in: requests at @data; out: how many the kernel handled,
 *	also on failure (the kernel stops at the first request it cannot
 *	handle and says how far it got)
 * @data: the requests, back to back
 *
 * IOMMU_HWPT_INVALIDATE came with Linux 6.8. An @entry_num of 0 only
 * checks that @data_type is supported.
 *
 * Return: 0 with all requests handled; -EINVAL for a NULL @be or
 * @entry_num, or requests without @data; -EBADF if @be has no users;
 * -EOPNOTSUPP when the kernel lacks the ioctl or the data type; otherwise
 * its negative errno, *@entry_num saying how many went through. Failures
 * are reported with both counts.
 */
int iommufd_backend_invalidate_cache(struct iommufd_backend *be, uint32_t id,
				     uint32_t data_type, uint32_t entry_len,
				     uint32_t *entry_num, const void *data);

/**
 * iommufd_backend_bind_device() - bind a VFIO device cdev to the backend
 * @be: a connected backend
 * @device_fd: an open VFIO device cdev (/dev/vfio/devices/vfioN)
 * @out_dev_id: receives the iommufd device id
 *
 * VFIO_DEVICE_BIND_IOMMUFD came with Linux 6.6 (CONFIG_VFIO_DEVICE_CDEV).
 * The binding lasts until @device_fd is closed: VFIO has no unbind.
 * The device starts blocked from DMA until it is attached.
 *
 * Return: 0 with *@out_dev_id set; -EINVAL for a NULL @be or @out_dev_id,
 * a negative @device_fd, or a VFIO device fd that came from a group (the
 * kernel's answer); -EBADF if @be has no users or @device_fd is not open;
 * -ENOTTY if @device_fd is not a VFIO device (reported with the reason,
 * including a kernel without VFIO cdev support); otherwise the negative
 * errno of the ioctl. Failures are reported.
 */
int iommufd_backend_bind_device(struct iommufd_backend *be, int device_fd,
				uint32_t *out_dev_id);

/**
 * iommufd_backend_attach_device() - attach (or re-attach) a bound device
 * @be: the connected backend the device is bound to
 * @device_fd: the bound VFIO device cdev
 * @pt_id: an IOAS (the kernel finds or makes a paging HWPT for it) or a
 *	HWPT
 * @out_hwpt_id: receives the HWPT the device now uses (for an IOAS, the
 *	one the kernel chose), or NULL
 *
 * Attaching a device that is attached already replaces its page table
 * without a window of blocked DMA (VFIO_DEVICE_ATTACH_IOMMUFD_PT is then a
 * replace, 6.6).
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @device_fd; -EBADF if @be
 * has no users; -ENOTTY if @device_fd is not a VFIO device; otherwise the
 * negative errno of VFIO_DEVICE_ATTACH_IOMMUFD_PT (-ENOENT for an unknown
 * @pt_id, -EINVAL for a device not bound, or a HWPT of another IOMMU).
 * Failures are reported.
 */
int iommufd_backend_attach_device(struct iommufd_backend *be, int device_fd,
				  uint32_t pt_id, uint32_t *out_hwpt_id);

/**
 * iommufd_backend_detach_device() - detach a device from its page table
 * @be: the connected backend the device is bound to
 * @device_fd: the bound, attached VFIO device cdev
 *
 * Afterwards the device's DMA is blocked. VFIO_DEVICE_DETACH_IOMMUFD_PT
 * came with Linux 6.6.
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @device_fd; -EBADF if @be
 * has no users; -ENOTTY if @device_fd is not a VFIO device; otherwise the
 * negative errno of the ioctl. Failures are reported.
 */
int iommufd_backend_detach_device(struct iommufd_backend *be, int device_fd);

/**
 * iommufd_backend_attach_device_pasid() - attach (or replace) one PASID
 * @be: the connected backend the device is bound to
 * @device_fd: the bound VFIO device cdev
 * @pasid: the PASID whose DMA goes to @pt_id (not 0, IOMMU_NO_PASID: that
 *	is iommufd_backend_attach_device())
 * @pt_id: an IOAS, or a HWPT allocated with IOMMUFD_HWPT_ALLOC_PASID
 * @out_hwpt_id: receives the HWPT the PASID now uses, or NULL
 *
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT with VFIO_DEVICE_ATTACH_PASID came with
 * Linux 6.15. Attaching a PASID that is attached already replaces its page
 * table. The device needs a PASID capability and its IOMMU PASID support
 * (iommufd_backend_get_device_info()'s max_pasid_log2 is non-zero), and the
 * device's own (RID) attachment must be PASID-compatible too. A kernel
 * without the flag answers a bare EINVAL; the library then asks the device
 * two harmless questions (a PASID detach of PASID 0xffffffff, which 6.15+
 * ignores, and VFIO_DEVICE_GET_INFO, which works only once bound) to tell
 * "kernel too old" from "device not bound" and from the kernel's own EINVAL.
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @device_fd; -EBADF if @be
 * has no users or @device_fd is closed or O_PATH; -ENOTTY if @device_fd is
 * not a VFIO device; -EOPNOTSUPP when the kernel or the library's headers
 * lack PASID attach, or the VFIO driver or IOMMU has no PASID support;
 * otherwise the ioctl's negative errno (-EINVAL for a device not bound, a
 * HWPT without IOMMUFD_HWPT_ALLOC_PASID, or a PASID the device cannot
 * issue; -ENOENT for an unknown @pt_id). Failures are reported.
 */
int iommufd_backend_attach_device_pasid(struct iommufd_backend *be,
					int device_fd, uint32_t pasid,
					uint32_t pt_id, uint32_t *out_hwpt_id);

/**
 * iommufd_backend_detach_device_pasid() - detach one PASID
 * @be: the connected backend the device is bound to
 * @device_fd: the bound VFIO device cdev
 * @pasid: the PASID; its DMA is blocked afterwards
 *
 * VFIO_DEVICE_DETACH_IOMMUFD_PT with VFIO_DEVICE_DETACH_PASID came with
 * Linux 6.15. The kernel answers 0 for a PASID that is not attached.
 *
 * Return: 0; -EINVAL for a NULL @be, a negative @device_fd or a device not
 * bound; -EBADF if @be has no users or @device_fd is closed or O_PATH;
 * -ENOTTY if @device_fd is not a VFIO device; -EOPNOTSUPP when the kernel
 * or the library's headers lack PASID detach, or the VFIO driver has no
 * PASID support. Failures are reported.
 */
int iommufd_backend_detach_device_pasid(struct iommufd_backend *be,
					int device_fd, uint32_t pasid);

/*
 * ---- LIBIOMMUFD_0.2, the ioctls after 6.12: vIOMMU objects, file
 * mappings, moving an iommufd to another process ----
 *
 * Built only where the uapi headers have them; on older headers or older
 * kernels each returns -EOPNOTSUPP with a report naming the missing ioctl
 * and the kernel version that introduced it.
 */

/**
 * iommufd_backend_alloc_viommu() - allocate a virtual IOMMU object
 * @be: a connected backend
 * @dev_id: a device behind the physical IOMMU the vIOMMU stands for
 * @viommu_type: the kernel's enum iommu_viommu_type (e.g.
 *	IOMMU_VIOMMU_TYPE_ARM_SMMUV3)
 * @hwpt_id: a paging HWPT allocated with IOMMUFD_HWPT_ALLOC_NEST_PARENT
 *	(the stage-2 page table the vIOMMU nests on)
 * @data: the driver's vIOMMU data (in and out: the kernel may write back,
 *	e.g. an mmap offset), or NULL
 * @data_len: bytes at @data
 * @out_viommu_id: receives the vIOMMU id
 *
 * IOMMU_VIOMMU_ALLOC came with Linux 6.13. A vIOMMU id is also a valid @id
 * of iommufd_backend_invalidate_cache() on those kernels.
 *
 * Return: 0; -EINVAL for a NULL @be or @out_viommu_id, or @data_len without
 * @data; -EBADF if @be has no users; -EOPNOTSUPP without the ioctl (kernel
 * or headers) or for a type the IOMMU driver does not offer; otherwise the
 * ioctl's negative errno. Failures are reported.
 */
int iommufd_backend_alloc_viommu(struct iommufd_backend *be, uint32_t dev_id,
				 uint32_t viommu_type, uint32_t hwpt_id,
				 void *data, uint32_t data_len,
				 uint32_t *out_viommu_id);

/**
 * iommufd_backend_viommu_mmap() - map a vIOMMU's MMIO window
 * @be: a connected backend
 * @viommu_id: the vIOMMU the window belongs to (for reports and traces:
 *	the kernel finds the window by @offset)
 * @offset: the mmap offset IOMMU_VIOMMU_ALLOC wrote into the driver's data
 *	(e.g. struct iommu_viommu_tegra241_cmdqv's out_vintf_mmap_offset)
 * @length: the length it wrote there; the whole window, nothing less
 * @out_addr: receives the mapping (shared, readable and writeable); the
 *	caller unmaps it with munmap(*@out_addr, @length)
 *
 * An mmap() of the iommufd fd; the interface came with Linux 6.17. While
 * mapped, the vIOMMU cannot be destroyed (IOMMU_DESTROY is -EBUSY).
 *
 * Return: 0 with *@out_addr set; -EINVAL for a NULL @be or @out_addr, a
 * zero @length, a @length not a multiple of the page size or an @offset
 * not aligned to it; -EBADF if @be has no users; -EOPNOTSUPP when the
 * kernel has no mmap on the iommufd (ENODEV); -ENXIO for an @offset and
 * @length the kernel did not hand out; otherwise mmap()'s negative errno.
 * Failures are reported.
 */
int iommufd_backend_viommu_mmap(struct iommufd_backend *be, uint32_t viommu_id,
				uint64_t offset, uint64_t length,
				void **out_addr);

/**
 * iommufd_backend_alloc_vdev() - tell a vIOMMU a device's virtual id
 * @be: a connected backend
 * @dev_id: the iommufd device
 * @viommu_id: the vIOMMU
 * @virt_id: the device's id as the guest sees it (e.g. a virtual StreamID
 *	or RID)
 * @out_vdev_id: receives the vDEVICE id
 *
 * IOMMU_VDEVICE_ALLOC came with Linux 6.13.
 *
 * Return: 0; -EINVAL for a NULL @be or @out_vdev_id; -EBADF if @be has no
 * users; -EOPNOTSUPP without the ioctl; otherwise its negative errno
 * (-EEXIST for a device or virtual id that has a vDEVICE already).
 * Failures are reported.
 */
int iommufd_backend_alloc_vdev(struct iommufd_backend *be, uint32_t dev_id,
			       uint32_t viommu_id, uint64_t virt_id,
			       uint32_t *out_vdev_id);

/**
 * iommufd_backend_alloc_veventq() - a queue of a vIOMMU's events, as an fd
 * @be: a connected backend
 * @viommu_id: the vIOMMU
 * @type: the kernel's enum iommu_veventq_type
 * @depth: events the queue holds before it drops (and counts) new ones
 * @out_veventq_id: receives the vEVENTQ id (free it with
 *	iommufd_backend_free_id() after closing the fd)
 * @out_fd: receives the fd to poll and read; the caller closes it.
 *	iommufd_vevent_next() decodes what read() returns
 *
 * IOMMU_VEVENTQ_ALLOC came with Linux 6.15.
 *
 * Return: 0; -EINVAL for a NULL @be, @out_veventq_id or @out_fd; -EBADF if
 * @be has no users; -EOPNOTSUPP without the ioctl; otherwise its negative
 * errno (-EEXIST: the vIOMMU has a queue of this type already). Failures
 * are reported.
 */
int iommufd_backend_alloc_veventq(struct iommufd_backend *be,
				  uint32_t viommu_id, uint32_t type,
				  uint32_t depth, uint32_t *out_veventq_id,
				  int *out_fd);

/**
 * iommufd_vevent_next() - decode the next event of a vEVENTQ read
 * @buf: what read() on the vEVENTQ fd returned
 * @len: its length
 * @pos: in: where to decode (0 for a fresh buffer); out: past the event
 * @data_len: the size of one event's data for the queue's type (e.g.
 *	sizeof(struct iommu_vevent_arm_smmuv3))
 * @next_seq: the sequence number expected next: 0 for a new queue, kept by
 *	the caller across reads and advanced here
 * @out_seq: receives the event's sequence number
 * @out_lost: receives how many events were dropped just before this one
 *	(a gap in the sequence numbers), or, for a lost-events marker, how
 *	many were dropped up to it (at least 1)
 * @out_data: receives the event's data, or NULL for a lost-events marker
 *	(the kernel's IOMMU_VEVENTQ_FLAG_LOST_EVENTS header: the queue
 *	overflowed after the last event delivered)
 *
 * Needs no kernel: it only parses (the 7.x layout, whatever headers the
 * library was built with). Sequence numbers are 31 bits and wrap.
 *
 * Return: 1 with an event (or marker) decoded; 0 at the end of @buf;
 * -EINVAL for a NULL argument, @pos past @len, or a truncated header or
 * event (reported to the process hook).
 */
int iommufd_vevent_next(const void *buf, size_t len, size_t *pos,
			size_t data_len, uint32_t *next_seq,
			uint32_t *out_seq, uint32_t *out_lost,
			const void **out_data);

/**
 * iommufd_backend_alloc_hw_queue() - give a vIOMMU a hardware queue
 * @be: a connected backend
 * @viommu_id: the vIOMMU
 * @type: the kernel's enum iommu_hw_queue_type
 * @index: which queue of the vIOMMU
 * @base_iova: the queue's guest memory, as an IOVA of the vIOMMU's nesting
 *	parent (mapped in its IOAS)
 * @length: bytes of queue memory
 * @out_hw_queue_id: receives the HW queue id
 *
 * IOMMU_HW_QUEUE_ALLOC came with Linux 6.17.
 *
 * Return: 0; -EINVAL for a NULL @be or @out_hw_queue_id; -EBADF if @be has
 * no users; -EOPNOTSUPP without the ioctl or for a type the vIOMMU does not
 * offer; otherwise its negative errno. Failures are reported.
 */
int iommufd_backend_alloc_hw_queue(struct iommufd_backend *be,
				   uint32_t viommu_id, uint32_t type,
				   uint32_t index, uint64_t base_iova,
				   uint64_t length, uint32_t *out_hw_queue_id);

/**
 * iommufd_backend_map_file_dma() - map part of a file at a fixed IOVA
 * @be: a connected backend
 * @ioas_id: the IOAS
 * @iova: where the device sees it
 * @size: bytes, a multiple of the page size
 * @mfd: a memfd (or, on kernels that take them, a dma-buf fd)
 * @start: offset into the file, page-aligned
 * @readonly: map readable only
 *
 * IOMMU_IOAS_MAP_FILE came with Linux 6.13. Unlike map_dma, the pages are
 * the file's, not this process's: such mappings survive
 * iommufd_backend_change_process().
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @mfd; -EBADF if @be has
 * no users (or @mfd is not open, the kernel's answer); -EOPNOTSUPP without
 * the ioctl; otherwise its negative errno. Failures are reported.
 */
int iommufd_backend_map_file_dma(struct iommufd_backend *be, uint32_t ioas_id,
				 uint64_t iova, uint64_t size, int mfd,
				 uint64_t start, bool readonly);

/**
 * iommufd_backend_change_process() - charge the iommufd to this process
 * @be: a connected backend, e.g. inherited by a new VMM process in a live
 *	update
 *
 * Moves the pinned-memory accounting (and the mm) of every mapping to the
 * calling process. IOMMU_IOAS_CHANGE_PROCESS came with Linux 6.14; it works
 * only while every mapping is a file mapping (map_file_dma).
 *
 * Return: 0; -EINVAL for a NULL @be, or (the kernel's) while a mapping of
 * user memory exists; -EBADF if @be has no users; -EOPNOTSUPP without the
 * ioctl; otherwise its negative errno. Failures are reported.
 */
int iommufd_backend_change_process(struct iommufd_backend *be);

/*
 * ---- LIBIOMMUFD_0.3: a device's BAR for peer-to-peer DMA ----
 */

/**
 * iommufd_backend_map_device_bar() - map part of a VFIO device's BAR at a
 *	fixed IOVA, for other devices' DMA (peer-to-peer)
 * @be: a connected backend
 * @ioas_id: the IOAS
 * @iova: where the other devices see it
 * @size: bytes, a multiple of the page size
 * @device_fd: the VFIO device cdev whose BAR it is, bound (to any iommufd)
 * @region_index: the BAR's VFIO region (VFIO_PCI_BAR0_REGION_INDEX to BAR5)
 * @offset: into the BAR, page-aligned
 * @readonly: map readable only
 *
 * A BAR is no memory the kernel can pin: iommufd_backend_map_dma() of its
 * mmap fails with EFAULT (pin_user_pages() refuses VM_IO|VM_PFNMAP), which
 * is how a VMM meets a guest's BAR in its address space. Linux 7.x's
 * vfio-pci exports BAR ranges as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF,
 * in kernels built with CONFIG_VFIO_PCI_DMABUF, which needs PCI_P2PDMA),
 * and IOMMU_IOAS_MAP_FILE maps one: this does both, one range, and closes
 * the dma-buf's fd (the IOAS holds the buffer until the range is unmapped
 * with iommufd_backend_unmap_dma()). The exporter revokes the mapping for
 * good when the device's memory decoding is turned off or it is closed.
 *
 * Return: 0; -EINVAL for a NULL @be or a negative @device_fd; -EBADF if @be
 * has no users; -EOPNOTSUPP where the kernel exports no BAR as a dma-buf
 * (ENOTTY from VFIO_DEVICE_FEATURE; the report names the EFAULT of the mmap
 * path) or where the library was built without the uapi; otherwise the
 * negative errno of VFIO_DEVICE_FEATURE or of IOMMU_IOAS_MAP_FILE. Failures
 * are reported.
 */
int iommufd_backend_map_device_bar(struct iommufd_backend *be, uint32_t ioas_id,
				   uint64_t iova, uint64_t size, int device_fd,
				   uint32_t region_index, uint64_t offset,
				   bool readonly);

#ifdef __cplusplus
}
#endif

#endif /* LIBIOMMUFD_BACKEND_H */
