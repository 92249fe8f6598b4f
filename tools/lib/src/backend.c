// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The backend object: an optional pre-opened fd, a counted set of users,
 * and the fd the first user opens and the last one closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "internal.h"
#include "trace.h"

IOMMUFD_EXPORT
struct iommufd_backend *iommufd_backend_new(void)
{
	struct iommufd_backend *be = calloc(1, sizeof(*be));

	if (!be) {
		iommufd_error(NULL, "new", ENOMEM, "cannot allocate a backend");
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&be->lock, NULL);
	pthread_mutex_init(&be->report_lock, NULL);
	be->fd = -1;
	be->owned = true;
	be->max_users = UINT32_MAX;
	return be;
}

IOMMUFD_EXPORT
int iommufd_backend_destroy(struct iommufd_backend *be)
{
	uint32_t users;
	int fd;

	if (!be)
		return 0;
	pthread_mutex_lock(&be->lock);
	users = be->users;
	fd = be->fd; /* connect may change it once the lock is dropped */
	pthread_mutex_unlock(&be->lock);
	if (users) {
		iommufd_error(be, "destroy", EBUSY,
			      "fd=%d: backend still has %u user(s); disconnect them first",
			      fd, users);
		return -EBUSY;
	}
	/*
	 * Nothing to close: an owned fd went with the last user, and a
	 * pre-opened one belongs to the caller.
	 */
	pthread_mutex_destroy(&be->report_lock);
	pthread_mutex_destroy(&be->lock);
	free(be);
	return 0;
}

IOMMUFD_EXPORT
int iommufd_backend_set_report_fn(struct iommufd_backend *be,
				  iommufd_report_fn fn, void *opaque)
{
	if (!be) {
		iommufd_error(NULL, "set_report_fn", EINVAL, "backend is NULL");
		return -EINVAL;
	}
	/* report_lock, not lock: see struct iommufd_backend. */
	pthread_mutex_lock(&be->report_lock);
	be->has_report = true;
	be->report_fn = fn;
	be->report_opaque = opaque;
	pthread_mutex_unlock(&be->report_lock);
	return 0;
}

/*
 * Whether fd is an iommufd. IOMMU_DESTROY of id 0 is harmless: ids start at
 * 1, so an iommufd answers ENOENT and destroys nothing, while any other file
 * answers ENOTTY for an ioctl number it does not know (ENOTTY is what the
 * VFS returns when no handler claims the command). fstat() against
 * /dev/iommu's rdev would miss fds from a userspace mock and devices
 * renamed by udev; the ioctl asks the file itself.
 */
static int iommufd_fd_probe(int fd)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = 0 };

	if (ioctl(fd, IOMMU_DESTROY, &cmd) == 0)
		return -EIO; /* nothing may answer success for id 0 */
	return errno == ENOENT ? 0 : -errno;
}

static int iommufd_backend_set_fd_named(struct iommufd_backend *be, int fd,
					const char *str)
{
	char what[IOMMUFD_QUOTE_BUF + 16], q[IOMMUFD_QUOTE_BUF];
	int ret;

	if (str)
		snprintf(what, sizeof(what), "fd string %s", iommufd_quote(q, str));
	else
		snprintf(what, sizeof(what), "fd=%d", fd);

	if (!be) {
		iommufd_error(NULL, "set_fd", EINVAL, "%s: backend is NULL", what);
		return -EINVAL;
	}
	if (fd < 0) {
		ret = -EINVAL;
		iommufd_error(be, "set_fd", -ret, "%s: negative file descriptor",
			      what);
		goto out;
	}
	if (fcntl(fd, F_GETFD) < 0) {
		ret = -errno;
		iommufd_error(be, "set_fd", -ret, "%s: not an open file descriptor",
			      what);
		goto out;
	}
	/*
	 * An O_PATH fd is open but cannot do ioctls: the probe below would
	 * get EBADF and blame the probe, so name the real problem first.
	 */
	if (fcntl(fd, F_GETFL) & O_PATH) {
		ret = -EBADF;
		iommufd_error(be, "set_fd", EBADF, "%s: %s", what,
			      iommufd_fd_ebadf_why(fd));
		goto out;
	}
	ret = iommufd_fd_probe(fd);
	if (ret) {
		iommufd_error(be, "set_fd", -ret,
			      "%s: not a %s file descriptor (IOMMU_DESTROY probe)",
			      what, IOMMUFD_DEV_PATH);
		goto out;
	}
	pthread_mutex_lock(&be->lock);
	if (be->users) {
		ret = -EBUSY;
		iommufd_error(be, "set_fd", EBUSY,
			      "%s: backend has %u user(s) on fd=%d; cannot change its fd",
			      what, be->users, be->fd);
	} else {
		__atomic_store_n(&be->fd, fd, __ATOMIC_RELAXED);
		__atomic_store_n(&be->owned, false, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&be->lock);
out:
	trace_set_fd(fd, ret);
	return ret;
}

IOMMUFD_EXPORT
int iommufd_backend_set_fd(struct iommufd_backend *be, int fd)
{
	return iommufd_backend_set_fd_named(be, fd, NULL);
}

IOMMUFD_EXPORT
int iommufd_backend_set_fd_str(struct iommufd_backend *be, const char *str)
{
	char q[IOMMUFD_QUOTE_BUF];
	const char *digits;
	char *end;
	long v;

	if (!be || !str) {
		iommufd_error(be, "set_fd", EINVAL, "%s is NULL",
			      be ? "fd string" : "backend");
		return -EINVAL;
	}
	digits = strncmp(str, "fd=", 3) == 0 ? str + 3 : str;
	/* strtol() would accept " 3", "+3" and "-3": only plain digits here. */
	if (*digits < '0' || *digits > '9') {
		iommufd_error(be, "set_fd", EINVAL,
			      "fd string %s: expected \"N\" or \"fd=N\" with N a decimal number >= 0",
			      iommufd_quote(q, str));
		trace_set_fd(-1, -EINVAL);
		return -EINVAL;
	}
	errno = 0;
	v = strtol(digits, &end, 10);
	if (*end || errno || v > INT_MAX) {
		iommufd_error(be, "set_fd", EINVAL,
			      "fd string %s: %s", iommufd_quote(q, str),
			      *end ? "trailing characters after the number" :
				     "number out of range for a file descriptor");
		trace_set_fd(-1, -EINVAL);
		return -EINVAL;
	}
	return iommufd_backend_set_fd_named(be, (int)v, str);
}

IOMMUFD_EXPORT
int iommufd_backend_set_max_users(struct iommufd_backend *be,
				  uint32_t max_users)
{
	int ret = 0;

	if (!be) {
		iommufd_error(NULL, "set_max_users", EINVAL, "backend is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&be->lock);
	if (be->users > max_users) {
		ret = -EBUSY;
		iommufd_error(be, "set_max_users", EBUSY,
			      "fd=%d: %u user(s) connected, more than the new limit %u",
			      be->fd, be->users, max_users);
	} else {
		be->max_users = max_users;
	}
	pthread_mutex_unlock(&be->lock);
	return ret;
}

IOMMUFD_EXPORT
int iommufd_backend_set_strict_unmap(struct iommufd_backend *be, bool strict)
{
	if (!be) {
		iommufd_error(NULL, "set_strict_unmap", EINVAL, "backend is NULL");
		return -EINVAL;
	}
	__atomic_store_n(&be->strict_unmap, strict, __ATOMIC_RELAXED);
	return 0;
}

IOMMUFD_EXPORT
int iommufd_backend_connect(struct iommufd_backend *be)
{
	int fd, ret = 0, opened = 0;

	if (!be) {
		iommufd_error(NULL, "connect", EINVAL, "backend is NULL");
		return -EINVAL;
	}
	pthread_mutex_lock(&be->lock);
	if (be->users >= be->max_users) {
		ret = -E2BIG;
		iommufd_error(be, "connect", E2BIG,
			      "fd=%d users=%u limit=%u: too many connections",
			      be->fd, be->users, be->max_users);
		goto out;
	}
	if (be->owned && !be->users) {
		fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			iommufd_error(be, "connect", -ret,
				      "%s opening failed", IOMMUFD_DEV_PATH);
			goto out;
		}
		__atomic_store_n(&be->fd, fd, __ATOMIC_RELAXED);
		opened = 1;
	}
	__atomic_store_n(&be->users, be->users + 1, __ATOMIC_RELEASE);
out:
	trace_connect(be->fd, be->owned, be->users, opened, ret);
	pthread_mutex_unlock(&be->lock);
	return ret;
}

IOMMUFD_EXPORT
void iommufd_backend_disconnect(struct iommufd_backend *be)
{
	int closed = 0, fd;

	if (!be)
		return;
	pthread_mutex_lock(&be->lock);
	fd = be->fd;
	/* A disconnect without users is harmless, like QEMU's. */
	if (be->users) {
		__atomic_store_n(&be->users, be->users - 1, __ATOMIC_RELEASE);
		if (!be->users && be->owned) {
			/*
			 * close() errors cannot be acted on: the fd is gone
			 * either way (Linux never keeps it open after EINTR).
			 */
			close(be->fd);
			__atomic_store_n(&be->fd, -1, __ATOMIC_RELAXED);
			closed = 1;
		}
	}
	trace_disconnect(fd, be->owned, be->users, closed);
	pthread_mutex_unlock(&be->lock);
}

IOMMUFD_EXPORT
uint32_t iommufd_backend_users(const struct iommufd_backend *be)
{
	return be ? __atomic_load_n(&be->users, __ATOMIC_ACQUIRE) : 0;
}

IOMMUFD_EXPORT
int iommufd_backend_fd(const struct iommufd_backend *be)
{
	return be ? __atomic_load_n(&be->fd, __ATOMIC_RELAXED) : -1;
}

IOMMUFD_EXPORT
bool iommufd_backend_owned(const struct iommufd_backend *be)
{
	return be ? __atomic_load_n(&be->owned, __ATOMIC_RELAXED) : false;
}
