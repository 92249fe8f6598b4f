/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the library's source files share and users never see. */
#ifndef LIBIOMMUFD_INTERNAL_H
#define LIBIOMMUFD_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <iommufd/backend.h>

/* Everything is hidden (-fvisibility=hidden) unless marked here. */
#define IOMMUFD_EXPORT __attribute__((visibility("default")))

#define IOMMUFD_DEV_PATH "/dev/iommu"

/* For a result that only the branch built with newer uapi headers uses. */
#define IOMMUFD_MAYBE_UNUSED __attribute__((unused))

struct iommufd_backend {
	/*
	 * lock serialises connect, disconnect and the setters. fd and users
	 * are also read without it (with atomics) by the DMA operations, which
	 * are only meaningful while the caller holds a connection.
	 */
	pthread_mutex_t lock;
	int fd;
	bool owned;
	bool strict_unmap;
	uint32_t users;
	uint32_t max_users;
	/*
	 * has_report: this backend's own hook (possibly NULL) replaces the
	 * process one. The three are written and read together under
	 * report_lock, never under lock: reports are made while lock is held
	 * (connect, the setters), and a hook and its opaque read apart could
	 * pair one caller's hook with another's pointer. report_lock is taken
	 * through a const backend too (iommufd_report()), as a C++ "mutable".
	 */
	pthread_mutex_t report_lock;
	bool has_report;
	iommufd_report_fn report_fn;
	void *report_opaque;
};

/* Reports through be's hook, or the process hook when be is NULL or has none. */
void iommufd_report(const struct iommufd_backend *be,
		    enum iommufd_report_level level, const char *op, int err,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define iommufd_error(be, op, err, ...)                                      \
	iommufd_report(be, IOMMUFD_REPORT_ERROR, op, err, __VA_ARGS__)
#define iommufd_warn(be, op, err, ...)                                       \
	iommufd_report(be, IOMMUFD_REPORT_WARNING, op, err, __VA_ARGS__)

/*
 * The fd of a backend a DMA operation may use: NULL and unconnected
 * backends are reported and refused. Returns the fd or a negative errno.
 * Inline: it sits on the map/unmap fast path, in front of every ioctl.
 */
static inline int iommufd_backend_fd_for(const struct iommufd_backend *be,
					 const char *op)
{
	if (__builtin_expect(!be, 0)) {
		iommufd_error(NULL, op, EINVAL, "backend is NULL");
		return -EINVAL;
	}
	if (__builtin_expect(!__atomic_load_n(&be->users, __ATOMIC_ACQUIRE), 0)) {
		iommufd_error(be, op, EBADF,
			      "backend is not connected (call iommufd_backend_connect() first)");
		return -EBADF;
	}
	return __atomic_load_n(&be->fd, __ATOMIC_RELAXED);
}

/*
 * The one answer for an ioctl the kernel (ENOTTY) or the build (headers
 * without it) lacks: -EOPNOTSUPP, reported with the feature and the kernel
 * version that introduced it. Returns -EOPNOTSUPP.
 */
int iommufd_missing(const struct iommufd_backend *be, const char *op, int fd,
		    const char *what, const char *since, bool in_build);

/*
 * The same for a kernel that says "missing" with another answer than
 * ENOTTY (mmap's ENODEV, VFIO's EINVAL for an unknown flag): obj names the
 * object ("fd=3 device_fd=5 pasid=1"), kernel_answer what the kernel said.
 * Returns -EOPNOTSUPP.
 */
int iommufd_missing_as(const struct iommufd_backend *be, const char *op,
		       const char *obj, const char *what, const char *since,
		       const char *kernel_answer);

/*
 * A caller's string made safe to echo in a report: at most
 * IOMMUFD_QUOTE_MAX of its bytes, between double quotes, with control
 * characters, DEL, bytes >= 0x80, '"' and '\\' written as C escapes (\n,
 * \x1b, ...) and "..." after the quote when it was cut. A raw newline from
 * the caller would otherwise split the report's line in a log, or forge a
 * second one. buf needs IOMMUFD_QUOTE_BUF bytes. Returns buf.
 */
#define IOMMUFD_QUOTE_MAX 64
#define IOMMUFD_QUOTE_BUF (4 * IOMMUFD_QUOTE_MAX + 6)
const char *iommufd_quote(char *buf, const char *str);

/*
 * Why an fd a caller handed over answers EBADF to ioctl(): not open at all,
 * or an O_PATH fd (open, so fcntl(F_GETFD) succeeds, but a path handle has
 * no file operations and every ioctl on it is EBADF, the ioctl
 * syscall's fd class lookup, fdget(), skips FMODE_PATH files: fs/ioctl.c:892
 * and fs/file.c:1136 in 6.12, fs/ioctl.c:583 and fs/file.c:1209 in 7.3). Returns a phrase for a
 * message.
 */
const char *iommufd_fd_ebadf_why(int fd);

#endif /* LIBIOMMUFD_INTERNAL_H */
