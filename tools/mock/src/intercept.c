// SPDX-License-Identifier: GPL-2.0
/*
 * The libc side of the mock: every way a program may open /dev/iommu, and
 * every call that can duplicate, use or close the fd it got back. No kernel
 * file mirrors this; it stands where the system call boundary is.
 *
 * These wrappers only recognise paths and forward fds to the fd-table API
 * (iommufd_mock_fd.h, file.c), which holds the lock and calls the emulation.
 * Everything that is not ours goes to the next definition
 * (dlsym(RTLD_NEXT)), usually libc, or a sanitizer's interceptor.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "intercept.h"
#include "iommufd_mock_fd.h"

#define MOCK_DEV_PATH "/dev/iommu"

/*
 * Lets a program tell the mock from a kernel, for the few behaviours the mock
 * cannot reproduce (README.md, "Not emulated"):
 *   dlsym(RTLD_DEFAULT, "iommufd_mock_version") != NULL
 */
MOCK_EXPORT const char iommufd_mock_version[] = "iommufd-mock 6.12";

/* ---- the next definitions ---- */

DEFINE_REAL(int, open, const char *, int, ...)
DEFINE_REAL(int, open64, const char *, int, ...)
DEFINE_REAL(int, openat, int, const char *, int, ...)
DEFINE_REAL(int, openat64, int, const char *, int, ...)
DEFINE_REAL(int, __open_2, const char *, int)
DEFINE_REAL(int, __open64_2, const char *, int)
DEFINE_REAL(int, __openat_2, int, const char *, int)
DEFINE_REAL(int, __openat64_2, int, const char *, int)
DEFINE_REAL(int, creat, const char *, mode_t)
DEFINE_REAL(int, creat64, const char *, mode_t)
DEFINE_REAL(int, close, int)
DEFINE_REAL(int, dup, int)
DEFINE_REAL(int, dup2, int, int)
DEFINE_REAL(int, dup3, int, int, int)
DEFINE_REAL(int, fcntl, int, int, ...)
DEFINE_REAL(int, fcntl64, int, int, ...)
DEFINE_REAL(int, ioctl, int, unsigned long, ...)
DEFINE_REAL(ssize_t, read, int, void *, size_t)
DEFINE_REAL(void *, mmap, void *, size_t, int, int, int, off_t)
DEFINE_REAL(void *, mmap64, void *, size_t, int, int, int, off64_t)
DEFINE_REAL(int, munmap, void *, size_t)
DEFINE_REAL(ssize_t, __read_chk, int, void *, size_t, size_t)
DEFINE_REAL(ssize_t, write, int, const void *, size_t)
DEFINE_REAL(int, close_range, unsigned int, unsigned int, int)
DEFINE_REAL(void, closefrom, int)
DEFINE_REAL(int, access, const char *, int)
DEFINE_REAL(int, faccessat, int, const char *, int, int)
DEFINE_REAL(int, euidaccess, const char *, int)
DEFINE_REAL(int, eaccess, const char *, int)
DEFINE_REAL(int, stat, const char *, struct stat *)
DEFINE_REAL(int, stat64, const char *, struct stat64 *)
DEFINE_REAL(int, lstat, const char *, struct stat *)
DEFINE_REAL(int, lstat64, const char *, struct stat64 *)
DEFINE_REAL(int, fstat, int, struct stat *)
DEFINE_REAL(int, fstat64, int, struct stat64 *)
DEFINE_REAL(int, fstatat, int, const char *, struct stat *, int)
DEFINE_REAL(int, fstatat64, int, const char *, struct stat64 *, int)
DEFINE_REAL(int, statx, int, const char *, int, unsigned int, struct statx *)
DEFINE_REAL(pid_t, fork, void)
DEFINE_REAL(ssize_t, readlink, const char *, char *, size_t)

/* ---- recognising /dev/iommu ---- */

/* A NULL path is legal for the AT_EMPTY_PATH calls; glibc says nonnull. */
bool is_empty(const char *path)
{
	const char *volatile p = path;

	return !p || !*p;
}

/* Resolves ".", ".." and repeated slashes of an absolute path, in place. */
static void path_normalise(char *path)
{
	char *out = path, *in = path;

	while (*in) {
		char *seg;
		size_t len;

		while (*in == '/')
			in++;
		seg = in;
		while (*in && *in != '/')
			in++;
		len = in - seg;
		if (!len || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, seg, len);
		out += len;
	}
	if (out == path)
		*out++ = '/';
	*out = 0;
}

/*
 * (dirfd, path) as an absolute, normalised path in buf (PATH_MAX * 2
 * bytes): relative paths against the cwd or dirfd. False if it cannot be
 * told (too long, a dirfd that is gone).
 */
bool path_absolute(int dirfd, const char *path, char *buf)
{
	if (path[0] == '/') {
		if (strlen(path) >= PATH_MAX * 2)
			return false;
		strcpy(buf, path);
	} else {
		char proc[64];
		ssize_t len;

		if (dirfd == AT_FDCWD) {
			if (!getcwd(buf, PATH_MAX))
				return false;
		} else {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
			len = resolve_readlink()(proc, buf, PATH_MAX - 1);
			if (len <= 0)
				return false;
			buf[len] = 0;
		}
		if (strlen(buf) + 1 + strlen(path) >= PATH_MAX * 2)
			return false;
		strcat(buf, "/");
		strcat(buf, path);
	}
	path_normalise(buf);
	return true;
}

/* Whether path's last component is base (the cheap filter of each open). */
static bool path_ends_with(const char *path, const char *base)
{
	size_t blen = strlen(base), n = strlen(path);

	while (n && path[n - 1] == '/')
		n--;
	return n >= blen && !strncmp(path + n - blen, base, blen) &&
	       (n == blen || path[n - blen - 1] == '/');
}

bool path_names(int dirfd, const char *path, const char *target)
{
	char buf[PATH_MAX * 2];

	return path && path_ends_with(path, strrchr(target, '/') + 1) &&
	       path_absolute(dirfd, path, buf) && !strcmp(buf, target);
}

/*
 * The mock VFIO devices' paths (vfio_sysfs.c): which kind (dirfd, path)
 * is, with its absolute form in abs and, for the sysfs tree, the path
 * there in tree (PATH_MAX bytes). Nothing is looked up while
 * IOMMUFD_MOCK_VFIO is unset.
 */
int vfio_path(int dirfd, const char *path, char *abs, char *tree)
{
	if (!iommufd_mock_fd_vfio_configured() || is_empty(path) ||
	    !path_absolute(dirfd, path, abs))
		return IOMMUFD_MOCK_VFIO_NONE;
	return iommufd_mock_fd_vfio_lookup(abs, tree, PATH_MAX);
}

/* Whether (dirfd, path) names /dev/iommu. */
static bool is_iommu_path(int dirfd, const char *path)
{
	return path_names(dirfd, path, MOCK_DEV_PATH);
}

bool proc_open(int dirfd, const char *path, int flags, int *fd)
{
	char buf[PATH_MAX * 2];

	if ((flags & O_ACCMODE) != O_RDONLY ||
	    (flags & (O_CREAT | O_DIRECTORY | O_PATH)) || is_empty(path) ||
	    !(path_ends_with(path, "status") ||
	      path_ends_with(path, "vmstat")) ||
	    !path_absolute(dirfd, path, buf))
		return false;
	*fd = iommufd_mock_fd_proc_open(buf, flags);
	return *fd != -2;
}

/* iommufd_fops_open(): a fresh context per open, like the kernel. */
static int mock_open(const char *path, int flags)
{
	/* "/dev/iommu/" or O_DIRECTORY: the node is not a directory. */
	if ((flags & O_DIRECTORY) || path[strlen(path) - 1] == '/') {
		errno = ENOTDIR;
		return -1;
	}
	if ((flags & O_CREAT) && (flags & O_EXCL)) {
		errno = EEXIST;
		return -1;
	}
	return iommufd_mock_fd_open(flags & O_CLOEXEC);
}

static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* /proc/<pid>/status and /proc/vmstat with the mock's pins (proc.c) */
#define PROC_OPEN(dirfdv, pathv, flagsv)                                     \
	do {                                                                 \
		int __pfd;                                                   \
		if (proc_open(dirfdv, pathv, flagsv, &__pfd))                \
			return __pfd;                                        \
	} while (0)

/*
 * The open() family: /dev/iommu, then the VFIO devices' nodes (opened
 * here) and sysfs tree (opened there, by the next definition); everything
 * else as it is. real_call sees dirfd and path, which the tree replaces.
 */
#define OPEN_BODY(real_call)                                                 \
	do {                                                                 \
		mode_t mode = 0;                                             \
		if (needs_mode(flags)) {                                     \
			va_list ap;                                          \
			va_start(ap, flags);                                 \
			mode = va_arg(ap, mode_t);                           \
			va_end(ap);                                          \
		}                                                            \
		if (is_iommu_path(dirfd, path))                              \
			return mock_open(path, flags);                       \
		PROC_OPEN(dirfd, path, flags);                               \
		{                                                            \
			VFIO_REDIRECT(dirfd, path);                          \
			if (__vkind == IOMMUFD_MOCK_VFIO_NODE ||             \
			    __vkind == IOMMUFD_MOCK_VFIO_RESOURCE)           \
				return iommufd_mock_fd_vfio_open(__vabs,     \
								 flags);     \
			return real_call;                                    \
		}                                                            \
	} while (0)

MOCK_EXPORT int open(const char *path, int flags, ...)
{
	int dirfd = AT_FDCWD;

	OPEN_BODY(resolve_open()(path, flags, mode));
}

MOCK_EXPORT int open64(const char *path, int flags, ...)
{
	int dirfd = AT_FDCWD;

	OPEN_BODY(resolve_open64()(path, flags, mode));
}

MOCK_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	OPEN_BODY(resolve_openat()(dirfd, path, flags, mode));
}

MOCK_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	OPEN_BODY(resolve_openat64()(dirfd, path, flags, mode));
}

/* The _FORTIFY_SOURCE entry points (open() without O_CREAT). */
#define OPEN2_BODY(real_call)                                                \
	do {                                                                 \
		if (is_iommu_path(dirfd, path))                              \
			return mock_open(path, flags);                       \
		PROC_OPEN(dirfd, path, flags);                               \
		{                                                            \
			VFIO_REDIRECT(dirfd, path);                          \
			if (__vkind == IOMMUFD_MOCK_VFIO_NODE ||             \
			    __vkind == IOMMUFD_MOCK_VFIO_RESOURCE)           \
				return iommufd_mock_fd_vfio_open(__vabs,     \
								 flags);     \
			return real_call;                                    \
		}                                                            \
	} while (0)

MOCK_EXPORT int __open_2(const char *path, int flags)
{
	int dirfd = AT_FDCWD;

	OPEN2_BODY(resolve___open_2()(path, flags));
}

MOCK_EXPORT int __open64_2(const char *path, int flags)
{
	int dirfd = AT_FDCWD;

	OPEN2_BODY(resolve___open64_2()(path, flags));
}

MOCK_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	OPEN2_BODY(resolve___openat_2()(dirfd, path, flags));
}

MOCK_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	OPEN2_BODY(resolve___openat64_2()(dirfd, path, flags));
}

/* creat() is open(O_CREAT|O_WRONLY|O_TRUNC): an existing device opens. */
MOCK_EXPORT int creat(const char *path, mode_t mode)
{
	if (is_iommu_path(AT_FDCWD, path))
		return mock_open(path, O_WRONLY);
	return resolve_creat()(path, mode);
}

MOCK_EXPORT int creat64(const char *path, mode_t mode)
{
	if (is_iommu_path(AT_FDCWD, path))
		return mock_open(path, O_WRONLY);
	return resolve_creat64()(path, mode);
}

/* ---- using, duplicating and closing ---- */

MOCK_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (iommufd_mock_fd_active() &&
	    iommufd_mock_fd_ioctl(fd, request, arg, &ret))
		return ret;
	return resolve_ioctl()(fd, request, arg);
}

/*
 * read(2) of a fault queue's or a vEVENTQ's fd hands out whole records
 * (eventq.c); every other fd, mock or not, reads as itself.
 * _FORTIFY_SOURCE builds call __read_chk.
 */
MOCK_EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	long ret;

	if (iommufd_mock_fd_read(fd, buf, count, &ret))
		return ret;
	return resolve_read()(fd, buf, count);
}

MOCK_EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	long ret;

	if (count <= buflen && iommufd_mock_fd_read(fd, buf, count, &ret))
		return ret;
	return resolve___read_chk()(fd, buf, count, buflen);
}

/*
 * write(2) of a fault queue's fd takes responses (eventq.c); every other
 * fd writes as itself (glibc has no fortified write).
 */
MOCK_EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	long ret;

	if (iommufd_mock_fd_write(fd, buf, count, &ret))
		return ret;
	return resolve_write()(fd, buf, count);
}

/*
 * mmap(2) of /dev/iommu maps a window a driver object offers (7.3's vIOMMU
 * driver data, driver.c); munmap(2) ends the holds of what it unmapped.
 */
MOCK_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	void *ret;

	if (fd >= 0 && iommufd_mock_fd_mmap(fd, addr, len, prot, flags, off,
					    &ret))
		return ret;
	return resolve_mmap()(addr, len, prot, flags, fd, off);
}

MOCK_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
			 off64_t off)
{
	void *ret;

	if (fd >= 0 && iommufd_mock_fd_mmap(fd, addr, len, prot, flags, off,
					    &ret))
		return ret;
	return resolve_mmap64()(addr, len, prot, flags, fd, off);
}

MOCK_EXPORT int munmap(void *addr, size_t len)
{
	int rc = resolve_munmap()(addr, len);

	if (!rc)
		iommufd_mock_fd_munmap(addr, len);
	return rc;
}

MOCK_EXPORT int close(int fd)
{
	iommufd_mock_fd_close(fd);
	return resolve_close()(fd);
}

/*
 * fork(): pthread_atfork() handlers (file.c) give the child its share of
 * every mock file; only here is it known whether there was a child.
 */
MOCK_EXPORT pid_t fork(void)
{
	pid_t pid = resolve_fork()();

	if (pid)
		iommufd_mock_fd_forked(pid < 0);
	return pid;
}

MOCK_EXPORT int dup(int old)
{
	int fd = resolve_dup()(old);

	if (fd >= 0)
		iommufd_mock_fd_dup(old, fd);
	return fd;
}

MOCK_EXPORT int dup2(int old, int new)
{
	int fd = resolve_dup2()(old, new);

	if (fd >= 0 && old != new)
		iommufd_mock_fd_dup(old, fd);
	return fd;
}

MOCK_EXPORT int dup3(int old, int new, int flags)
{
	int fd = resolve_dup3()(old, new, flags);

	if (fd >= 0)
		iommufd_mock_fd_dup(old, fd);
	return fd;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd,
			unsigned long arg)
{
	int rc = real(fd, cmd, arg);

	if (rc >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		iommufd_mock_fd_dup(fd, rc);
	return rc;
}

MOCK_EXPORT int fcntl(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl_common(resolve_fcntl(), fd, cmd, arg);
}

MOCK_EXPORT int fcntl64(int fd, int cmd, ...)
{
	unsigned long arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fcntl_common(resolve_fcntl64(), fd, cmd, arg);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

MOCK_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	int rc = resolve_close_range()(first, last, flags);

	if (!rc && !(flags & CLOSE_RANGE_CLOEXEC))
		iommufd_mock_fd_close_range(first, last);
	return rc;
}

MOCK_EXPORT void closefrom(int lowfd)
{
	resolve_closefrom()(lowfd);
	iommufd_mock_fd_close_range(lowfd < 0 ? 0 : (unsigned int)lowfd,
				    UINT_MAX);
}

/*
 * ---- the device node ----
 *
 * Programs probe for /dev/iommu with access() or stat() before opening it;
 * the mock's node answers as the kernel's misc device does: a character
 * device, mode 0660, owned by root (misc major 10; the minor is dynamic in
 * the kernel, any value will do). Our fds fstat() as that device too.
 */
#define MOCK_DEV_MAJOR 10
#define MOCK_DEV_MINOR 124

/*
 * The bus of CONFIG_IOMMUFD_TEST's mock devices (selftest.c,
 * iommufd_mock_bus_type, "iommufd_mock"; 6.4 on), which 7.x selftests look
 * for before they use the mock domain. The mock answers stat() and
 * access() of its directory, not opendir() (nothing is listed in it).
 */
#define MOCK_BUS_PATH "/sys/bus/iommufd_mock"

enum mock_node { MOCK_NODE_NONE, MOCK_NODE_DEV, MOCK_NODE_BUS, MOCK_NODE_VFIO };

/*
 * Which of the mock's nodes (*dirfd, *path) names; a path of the VFIO
 * devices' sysfs tree becomes the tree's (abs, tree: PATH_MAX * 2 and
 * PATH_MAX bytes; abs keeps a VFIO node's path).
 */
static enum mock_node mock_node_at(int *dirfd, const char **path, char *abs,
				   char *tree)
{
	int kind;

	if (is_iommu_path(*dirfd, *path))
		return MOCK_NODE_DEV;
	if (path_names(*dirfd, *path, MOCK_BUS_PATH) &&
	    iommufd_mock_fd_has_mock_bus())
		return MOCK_NODE_BUS;
	kind = vfio_path(*dirfd, *path, abs, tree);
	if (kind == IOMMUFD_MOCK_VFIO_NODE)
		return MOCK_NODE_VFIO;
	if (kind == IOMMUFD_MOCK_VFIO_TREE || kind == IOMMUFD_MOCK_VFIO_RESOURCE) {
		*path = tree;
		*dirfd = AT_FDCWD;
	}
	return MOCK_NODE_NONE;
}

#define MOCK_NODE(dirfdv, pathv)                                             \
	char __nabs[PATH_MAX * 2], __ntree[PATH_MAX];                        \
	enum mock_node node = mock_node_at(&dirfdv, &pathv, __nabs, __ntree)

/*
 * A VFIO device node: a character device the administrator gave the
 * caller (vfio_sysfs.c).
 */
static void mock_fill_stat(struct stat *st, enum mock_node node,
			   const char *abs)
{
	unsigned int major = 0, minor = 0;

	if (node == MOCK_NODE_VFIO && !abs) {
		major = major(st->st_rdev);
		minor = minor(st->st_rdev);
	}
	memset(st, 0, sizeof(*st));
	st->st_blksize = 4096;
	if (node == MOCK_NODE_BUS) {
		/* a sysfs directory: root's, 0755 */
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return;
	}
	if (node == MOCK_NODE_VFIO) {
		/* abs: the node's path; NULL: an fd, whose number st_rdev has */
		if (abs)
			iommufd_mock_fd_vfio_node_stat(abs, &major, &minor);
		st->st_mode = S_IFCHR | 0600;
		st->st_nlink = 1;
		st->st_uid = geteuid();
		st->st_gid = getegid();
		st->st_rdev = makedev(major, minor);
		return;
	}
	st->st_mode = S_IFCHR | 0660;
	st->st_nlink = 1;
	st->st_rdev = makedev(MOCK_DEV_MAJOR, MOCK_DEV_MINOR);
}

/*
 * Only root or the group may open a 0660 root:root node; X never. The bus
 * directory (0755) is everyone's to read and search, root's to write. A
 * VFIO node is the caller's own (0600).
 */
static int mock_access(enum mock_node node, int mode)
{
	if (node == MOCK_NODE_BUS) {
		if ((mode & W_OK) && geteuid() != 0) {
			errno = EACCES;
			return -1;
		}
		return 0;
	}
	if ((mode & X_OK) || (node == MOCK_NODE_DEV && geteuid() != 0 &&
			      getegid() != 0 && (mode & (R_OK | W_OK)))) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

MOCK_EXPORT int access(const char *path, int mode)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	if (node)
		return mock_access(node, mode);
	return resolve_access()(path, mode);
}

MOCK_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	MOCK_NODE(dirfd, path);

	if (node)
		return mock_access(node, mode);
	return resolve_faccessat()(dirfd, path, mode, flags);
}

MOCK_EXPORT int euidaccess(const char *path, int mode)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	if (node)
		return mock_access(node, mode);
	return resolve_euidaccess()(path, mode);
}

MOCK_EXPORT int eaccess(const char *path, int mode)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	if (node)
		return mock_access(node, mode);
	return resolve_eaccess()(path, mode);
}

/*
 * What an fd of the mock's is to fstat(): the /dev/iommu node, a VFIO
 * device node (its number put in st->st_rdev for mock_fill_stat()), or
 * none of them.
 */
static enum mock_node mock_node_fd(int fd, struct stat *st)
{
	unsigned int major, minor;

	if (iommufd_mock_fd_is_iommufd(fd))
		return MOCK_NODE_DEV;
	if (iommufd_mock_fd_vfio_devnum(fd, &major, &minor)) {
		st->st_rdev = makedev(major, minor);
		return MOCK_NODE_VFIO;
	}
	return MOCK_NODE_NONE;
}

#define STAT_BODY(st, real_call)                                             \
	do {                                                                 \
		if (node) {                                                  \
			mock_fill_stat((struct stat *)(st), node, __nabs);   \
			return 0;                                            \
		}                                                            \
		return real_call;                                            \
	} while (0)

MOCK_EXPORT int stat(const char *path, struct stat *st)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	STAT_BODY(st, resolve_stat()(path, st));
}

MOCK_EXPORT int stat64(const char *path, struct stat64 *st)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	STAT_BODY(st, resolve_stat64()(path, st));
}

MOCK_EXPORT int lstat(const char *path, struct stat *st)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	STAT_BODY(st, resolve_lstat()(path, st));
}

MOCK_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	int dirfd = AT_FDCWD;
	MOCK_NODE(dirfd, path);

	STAT_BODY(st, resolve_lstat64()(path, st));
}

MOCK_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if ((flags & AT_EMPTY_PATH) && is_empty(path)) {
		enum mock_node node = mock_node_fd(dirfd, (struct stat *)st);

		if (node) {
			mock_fill_stat(st, node, NULL);
			return 0;
		}
		return resolve_fstatat()(dirfd, path, st, flags);
	}
	{
		MOCK_NODE(dirfd, path);

		STAT_BODY(st, resolve_fstatat()(dirfd, path, st, flags));
	}
}

MOCK_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st,
			  int flags)
{
	if ((flags & AT_EMPTY_PATH) && is_empty(path)) {
		enum mock_node node = mock_node_fd(dirfd, (struct stat *)st);

		if (node) {
			mock_fill_stat((struct stat *)st, node, NULL);
			return 0;
		}
		return resolve_fstatat64()(dirfd, path, st, flags);
	}
	{
		MOCK_NODE(dirfd, path);

		STAT_BODY(st, resolve_fstatat64()(dirfd, path, st, flags));
	}
}

MOCK_EXPORT int fstat(int fd, struct stat *st)
{
	enum mock_node node = mock_node_fd(fd, (struct stat *)st);

	if (node) {
		mock_fill_stat(st, node, NULL);
		return 0;
	}
	return resolve_fstat()(fd, st);
}

MOCK_EXPORT int fstat64(int fd, struct stat64 *st)
{
	enum mock_node node = mock_node_fd(fd, (struct stat *)st);

	if (node) {
		mock_fill_stat((struct stat *)st, node, NULL);
		return 0;
	}
	return resolve_fstat64()(fd, st);
}

MOCK_EXPORT int statx(int dirfd, const char *path, int flags,
		      unsigned int mask, struct statx *stx)
{
	char __nabs[PATH_MAX * 2], __ntree[PATH_MAX];
	enum mock_node node;
	struct stat st;

	bool by_fd = (flags & AT_EMPTY_PATH) && is_empty(path);

	node = by_fd ? mock_node_fd(dirfd, &st) :
		       mock_node_at(&dirfd, &path, __nabs, __ntree);
	if (node) {
		mock_fill_stat(&st, node, by_fd ? NULL : __nabs);
		memset(stx, 0, sizeof(*stx));
		stx->stx_mask = STATX_BASIC_STATS & ~STATX_BLOCKS;
		stx->stx_mode = st.st_mode;
		stx->stx_nlink = st.st_nlink;
		stx->stx_uid = st.st_uid;
		stx->stx_gid = st.st_gid;
		stx->stx_blksize = st.st_blksize;
		stx->stx_rdev_major = major(st.st_rdev);
		stx->stx_rdev_minor = minor(st.st_rdev);
		return 0;
	}
	return resolve_statx()(dirfd, path, flags, mask, stx);
}
