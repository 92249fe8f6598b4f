/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of libiommufd_mock.so, a userspace /dev/iommu.
 *
 * intercept.c  libc entry points, the fd table, fork handling
 * iommufd.c    the iommufd context: objects, IOAS, areas, pins, test ops
 * umem.c       the process's own memory as the kernel sees it (VMA rules,
 *              copy_from_user/copy_to_user that fail with EFAULT)
 * itree.c      the interval tree everything above is built on
 *
 * One process-wide mutex (mock_lock) serialises every call into the mock; it
 * is what the kernel's many locks collapse to when all callers share one
 * address space.
 */
#ifndef IOMMUFD_MOCK_H
#define IOMMUFD_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MOCK_HIDDEN __attribute__((visibility("hidden")))

struct mock_ctx;

/* file.c: struct file and the fd table, for the emulation (lock held) */
struct iommufd_file_ops {
	const char *name;	/* of the memfd that stands for the file */
	/* NULL: no ioctl method (ENOTTY); else 0 or more, or a -errno */
	long (*ioctl)(void *private_data, unsigned long cmd, void *arg);
	/* the last fd of the file is gone */
	void (*release)(void *private_data);
};

/* Creates an fd for a new file (get_unused_fd + fd_install): fd or -errno. */
int iommufd_file_install(const struct iommufd_file_ops *fops,
			 void *private_data, bool cloexec) MOCK_HIDDEN;
/* The private_data of fd if it is a file with these fops, else NULL. */
void *iommufd_file_private(int fd, const struct iommufd_file_ops *fops) MOCK_HIDDEN;
/*
 * Takes back an fd that was installed but never handed to the program (an
 * ioctl failed after creating it): forgets it, puts the file, closes it.
 */
void iommufd_file_discard(int fd) MOCK_HIDDEN;

/* iommufd.c; all called with the lock held */
/* The /dev/iommu file: its open makes a context and installs an fd. */
extern const struct iommufd_file_ops iommufd_fops MOCK_HIDDEN;
int iommufd_fops_open(bool cloexec) MOCK_HIDDEN;

/* umem.c */
int umem_copy_from(void *dst, uint64_t uptr, size_t len) MOCK_HIDDEN;
int umem_copy_to(uint64_t uptr, const void *src, size_t len) MOCK_HIDDEN;
/* The rules get/pin_user_pages applies to [uptr, uptr + len): 0 or -EFAULT. */
int umem_check_pin(uint64_t uptr, uint64_t len, bool write, bool longterm) MOCK_HIDDEN;
/*
 * What stands for a struct page: (device, inode, file offset) for a page of
 * a shared file mapping, which every mapping of that file sees, else the VA.
 */
struct umem_page_id {
	uint64_t dev, inode, offset;
};
int umem_page_id(uint64_t va, struct umem_page_id *id) MOCK_HIDDEN;
/* Ends a call: forgets its VMA snapshot, closes its copy pipe. */
void umem_snapshot_drop(void) MOCK_HIDDEN;
uint64_t umem_page_size(void) MOCK_HIDDEN;
/* VmLck of this process in pages (mlock()ed memory the kernel counts). */
uint64_t umem_vmlck_pages(void) MOCK_HIDDEN;

#endif
