/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock's struct file and fd table (file.c, the VFS's part): what the
 * objects' files (/dev/iommu, an access, a fault queue, a vEVENTQ, a VFIO
 * device) offer, and what file.c offers them. Included by
 * iommufd_private.h; include that one.
 */
#ifndef IOMMUFD_MOCK_FILE_H
#define IOMMUFD_MOCK_FILE_H

/* ---- file.c: struct file and the fd table ---- */

struct iommufd_file_ops {
	const char *name;	/* of the memfd that stands for the file */
	/* NULL: no ioctl method (ENOTTY); else 0 or more, or a -errno */
	long (*ioctl)(void *private_data, unsigned long cmd, void *arg);
	/* NULL: read() acts on the fd itself; else bytes read, or a -errno */
	long (*read)(void *private_data, uint64_t ubuf, size_t count);
	/* NULL: write() acts on the fd itself; else bytes taken, or a -errno */
	long (*write)(void *private_data, uint64_t ubuf, size_t count);
	/*
	 * NULL (or 1 returned): mmap() acts on the fd itself; else 0 (file.c
	 * maps the fd's memfd and holds *owner and *ictx per VMA), or a -errno
	 */
	int (*mmap)(void *private_data, size_t length, int prot, int flags,
		    uint64_t offset, struct iommufd_object **owner,
		    struct iommufd_ctx **ictx);
	/* NULL: pread()/pwrite() act on the fd itself; else bytes, or -errno */
	long (*rw)(void *private_data, uint64_t ubuf, size_t count,
		   uint64_t pos, bool write);
	/*
	 * Set: mmap() is the file's own business (a VFIO device's trapped
	 * BAR), which maps and holds what it needs: the address, or
	 * MAP_FAILED with *err set
	 */
	void *(*mmap_region)(void *private_data, void *addr, size_t len,
			     int prot, int flags, uint64_t off, int *err);
	/* the last fd of the file is gone */
	void (*release)(void *private_data);
};

/* Creates an fd for a new file (get_unused_fd + fd_install): fd or -errno. */
int iommufd_file_install(const struct iommufd_file_ops *fops,
			 void *private_data, bool cloexec) MOCK_HIDDEN;
/*
 * The same for an fd the caller made (an eventfd that must wake poll()):
 * the file owns it from here on, also on failure (it is closed then).
 */
int iommufd_file_install_fd(const struct iommufd_file_ops *fops,
			    void *private_data, int fd) MOCK_HIDDEN;
/* The private_data of fd if it is a file with these fops, else NULL. */
void *iommufd_file_private(int fd, const struct iommufd_file_ops *fops) MOCK_HIDDEN;
/* The lowest fd of the file of these fops and private_data, or -1. */
int iommufd_file_fd(const struct iommufd_file_ops *fops,
		    void *private_data) MOCK_HIDDEN;
/*
 * Takes back an fd that was installed but never handed to the program (an
 * ioctl failed after creating it): forgets it, puts the file, closes it.
 */
void iommufd_file_discard(int fd) MOCK_HIDDEN;
/*
 * Who an object holds, told to the invariant checker (invariants.c) by the
 * file that takes the holds, so that one file knows them: hold(arg, obj)
 * once per users++ it keeps on obj.
 */
struct iommufd_object;
struct iommufd_ctx;
typedef void iommufd_hold_fn(void *arg, const struct iommufd_object *held);
/* the mmap windows (VMAs) of ictx: each holds its owner object */
void iommufd_file_vma_holds(const struct iommufd_ctx *ictx,
			    iommufd_hold_fn *hold, void *arg) MOCK_HIDDEN;

#endif
