// SPDX-License-Identifier: GPL-2.0
/*
 * The libc side of the mock's VFIO devices (vfio_sysfs.c) and of VmPin
 * (proc.c): directory listings, links and stdio opens of the devices'
 * sysfs tree go there (glibc's opendir() and fopen() open their files
 * internally, past the interposed open()); /proc/<pid>/status and
 * /proc/vmstat opened with fopen() show the mock's pins, and the links of
 * /proc/<pid>/fd its device nodes; pread/pwrite of a VFIO device's fd
 * reach its regions. Like intercept.c, this calls only iommufd_mock_fd.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "intercept.h"

DEFINE_REAL(ssize_t, pread, int, void *, size_t, off_t)
DEFINE_REAL(ssize_t, pread64, int, void *, size_t, off64_t)
DEFINE_REAL(ssize_t, pwrite, int, const void *, size_t, off_t)
DEFINE_REAL(ssize_t, pwrite64, int, const void *, size_t, off64_t)
DEFINE_REAL(ssize_t, __pread_chk, int, void *, size_t, off_t, size_t)
DEFINE_REAL(ssize_t, __pread64_chk, int, void *, size_t, off64_t, size_t)
DEFINE_REAL(DIR *, opendir, const char *)
DEFINE_REAL(ssize_t, readlinkat, int, const char *, char *, size_t)
DEFINE_REAL(FILE *, fopen, const char *, const char *)
DEFINE_REAL(FILE *, fopen64, const char *, const char *)
DEFINE_REAL(ssize_t, readlink, const char *, char *, size_t)

/*
 * fopen() of /proc/<pid>/status or /proc/vmstat: the copy with the mock's
 * pins, as a stream (stdio opens through glibc's own open, which no
 * wrapper sees).
 */
static bool proc_fopen(const char *path, const char *mode, FILE **f)
{
	int fd, err;

	if (!mode || mode[0] != 'r' || strchr(mode, '+') ||
	    !proc_open(AT_FDCWD, path,
		       O_RDONLY | (strchr(mode, 'e') ? O_CLOEXEC : 0), &fd))
		return false;
	*f = fd < 0 ? NULL : fdopen(fd, mode);
	if (fd >= 0 && !*f) {
		err = errno;
		close(fd);
		errno = err;
	}
	return true;
}

MOCK_EXPORT DIR *opendir(const char *path)
{
	int dirfd = AT_FDCWD;
	VFIO_REDIRECT(dirfd, path);

	(void)dirfd;
	return resolve_opendir()(path);
}

/*
 * /proc/<pid>/fd/N of a mock fd names the memfd that stands for it; the
 * kernel names the device node: "/dev/iommu", "/dev/vfio/devices/vfioN"
 * (qemu_iommufd_client counts QEMU's /dev/iommu fds so).
 */
static ssize_t proc_fd_link(const char *path, char *buf, size_t len, ssize_t n)
{
	static const char iommufd[] = "/memfd:iommufd-mock (deleted)";
	static const char vfio[] = "/memfd:vfio-device:";
	char node[64];
	unsigned int idx;
	size_t m;

	if (n <= 0 || (size_t)n >= len || strncmp(path, "/proc/", 6) ||
	    !strstr(path, "/fd/"))
		return n;
	if ((size_t)n == sizeof(iommufd) - 1 && !memcmp(buf, iommufd, n))
		snprintf(node, sizeof(node), "/dev/iommu");
	else if ((size_t)n > sizeof(vfio) - 1 && !memcmp(buf, vfio, sizeof(vfio) - 1) &&
		 sscanf(buf + sizeof(vfio) - 1, "%u", &idx) == 1)
		snprintf(node, sizeof(node), "/dev/vfio/devices/vfio%u", idx);
	else
		return n;
	m = strlen(node) < len ? strlen(node) : len;
	memcpy(buf, node, m);
	return m;
}

MOCK_EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
	int dirfd = AT_FDCWD;
	VFIO_REDIRECT(dirfd, path);

	(void)dirfd;
	return proc_fd_link(path, buf, len, resolve_readlink()(path, buf, len));
}

MOCK_EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf,
			       size_t len)
{
	VFIO_REDIRECT(dirfd, path);

	return proc_fd_link(path, buf, len,
			    resolve_readlinkat()(dirfd, path, buf, len));
}

MOCK_EXPORT FILE *fopen(const char *path, const char *mode)
{
	int dirfd = AT_FDCWD;
	FILE *f;

	if (proc_fopen(path, mode, &f))
		return f;
	VFIO_REDIRECT(dirfd, path);

	(void)dirfd;
	return resolve_fopen()(path, mode);
}

MOCK_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	int dirfd = AT_FDCWD;
	FILE *f;

	if (proc_fopen(path, mode, &f))
		return f;
	VFIO_REDIRECT(dirfd, path);

	(void)dirfd;
	return resolve_fopen64()(path, mode);
}

#define RW_BODY(write, real_call)                                            \
	do {                                                                 \
		long ret;                                                    \
									     \
		if (iommufd_mock_fd_rw(fd, (void *)buf, count, pos, write,   \
				       &ret))                                \
			return ret;                                          \
		return real_call;                                            \
	} while (0)

MOCK_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t pos)
{
	RW_BODY(false, resolve_pread()(fd, buf, count, pos));
}

MOCK_EXPORT ssize_t pread64(int fd, void *buf, size_t count, off64_t pos)
{
	RW_BODY(false, resolve_pread64()(fd, buf, count, pos));
}

MOCK_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t count, off_t pos,
				size_t buflen)
{
	if (count > buflen)
		return resolve___pread_chk()(fd, buf, count, pos, buflen);
	RW_BODY(false, resolve___pread_chk()(fd, buf, count, pos, buflen));
}

MOCK_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t count,
				  off64_t pos, size_t buflen)
{
	if (count > buflen)
		return resolve___pread64_chk()(fd, buf, count, pos, buflen);
	RW_BODY(false, resolve___pread64_chk()(fd, buf, count, pos, buflen));
}

MOCK_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t pos)
{
	RW_BODY(true, resolve_pwrite()(fd, buf, count, pos));
}

MOCK_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count,
			     off64_t pos)
{
	RW_BODY(true, resolve_pwrite64()(fd, buf, count, pos));
}
