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
 * open; -ENOTTY if @fd is not an iommufd (the probe's errno if it fails
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
 * @str.
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

#ifdef __cplusplus
}
#endif

#endif /* LIBIOMMUFD_BACKEND_H */
