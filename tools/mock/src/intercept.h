/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the interposed libc functions share (intercept.c, intercept_sysfs.c):
 * how they reach the next definition, and how a path is recognised.
 */
#ifndef IOMMUFD_MOCK_INTERCEPT_H
#define IOMMUFD_MOCK_INTERCEPT_H

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>

#include "iommufd_mock_fd.h"

#define MOCK_EXPORT __attribute__((visibility("default")))

/*
 * Resolved on first use, from any thread: two threads may both look the
 * symbol up (the same answer), but the pointer is read and written
 * atomically, or the first calls race (ThreadSanitizer reports it).
 */
#define DEFINE_REAL(ret, name, ...)                                          \
	static ret (*real_##name)(__VA_ARGS__);                              \
	static ret (*resolve_##name(void))(__VA_ARGS__)                      \
	{                                                                    \
		ret (*fn)(__VA_ARGS__) =                                     \
			__atomic_load_n(&real_##name, __ATOMIC_ACQUIRE);     \
									     \
		if (!fn) {                                                   \
			fn = dlsym(RTLD_NEXT, #name);                        \
			__atomic_store_n(&real_##name, fn, __ATOMIC_RELEASE); \
		}                                                            \
		return fn;                                                   \
	}

/* A NULL path is legal for the AT_EMPTY_PATH calls; glibc says nonnull. */
bool is_empty(const char *path) IOMMUFD_MOCK_HIDDEN;
/*
 * (dirfd, path) as an absolute, normalised path in buf (PATH_MAX * 2
 * bytes): relative paths against the cwd or dirfd. False if it cannot be
 * told (too long, a dirfd that is gone).
 */
bool path_absolute(int dirfd, const char *path, char *buf) IOMMUFD_MOCK_HIDDEN;
/* Whether (dirfd, path) names target (absolute, normalised). */
bool path_names(int dirfd, const char *path, const char *target) IOMMUFD_MOCK_HIDDEN;
/*
 * A read-only open of /proc/<pid>/status or /proc/vmstat while the mock
 * holds pins they count: *fd is the file as the kernel would show it
 * (proc.c), or -1 with errno set. False: not such a file, open what the
 * program asked for.
 */
bool proc_open(int dirfd, const char *path, int flags, int *fd) IOMMUFD_MOCK_HIDDEN;
/*
 * The mock VFIO devices' paths (vfio_sysfs.c): which kind (dirfd, path)
 * is, with its absolute form in abs and, for the sysfs tree, the path
 * there in tree (PATH_MAX bytes). Nothing is looked up while
 * IOMMUFD_MOCK_VFIO is unset.
 */
int vfio_path(int dirfd, const char *path, char *abs, char *tree) IOMMUFD_MOCK_HIDDEN;

/*
 * Sends a path of the sysfs tree there: (dirfdv, pathv) become the tree's
 * absolute path. Declares __vabs, __vtree and __vkind for what follows.
 */
#define VFIO_REDIRECT(dirfdv, pathv)                                         \
	char __vabs[PATH_MAX * 2], __vtree[PATH_MAX];                        \
	int __vkind = vfio_path(dirfdv, pathv, __vabs, __vtree);             \
	if (__vkind == IOMMUFD_MOCK_VFIO_TREE ||                             \
	    __vkind == IOMMUFD_MOCK_VFIO_RESOURCE) {                         \
		pathv = __vtree;                                             \
		dirfdv = AT_FDCWD;                                           \
	}

#endif
