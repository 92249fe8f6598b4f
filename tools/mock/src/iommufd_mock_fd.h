/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fd-table API of libiommufd_mock.so: all that intercept.c (the libc
 * interposition) may call. Each function takes the mock's lock itself, so
 * the interposed wrappers never hold it and the emulation behind it never
 * calls back into them (it uses raw system calls where it needs the kernel).
 *
 * The fast check iommufd_mock_fd_active() lets the wrappers pass every call
 * straight through while no fd of the process is a mock file.
 *
 * The lock is shared by every process that inherited the mock's arena
 * through fork() (arena.h); the fd table behind these calls is this
 * process's own, as in the kernel.
 */
#ifndef IOMMUFD_MOCK_FD_H
#define IOMMUFD_MOCK_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOMMUFD_MOCK_HIDDEN __attribute__((visibility("hidden")))

/**
 * iommufd_mock_fd_active() - whether any fd of the process is a mock file
 *
 * Read without the lock: a stale answer only sends a call through the
 * slow path, or past the mock for an fd that is not (yet) ours.
 *
 * Return: true if at least one fd is tracked.
 */
bool iommufd_mock_fd_active(void) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_open() - open /dev/iommu: a new iommufd context and its fd
 * @cloexec: O_CLOEXEC was given
 *
 * Return: the new fd, or -1 with errno set (ENOMEM, or the memfd's errno).
 */
int iommufd_mock_fd_open(bool cloexec) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_ioctl() - an ioctl on fd, if fd is a mock file
 * @fd: the fd the program passed
 * @request: the ioctl number
 * @arg: its argument
 * @ret: the ioctl's result as libc returns it (-1 with errno set on error)
 *
 * Return: false if fd is not a mock file (nothing was done), else true.
 */
bool iommufd_mock_fd_ioctl(int fd, unsigned long request, void *arg,
			   int *ret) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_read() - read(2) of fd, if fd is a mock file with a read
 * method (a fault queue or a vEVENTQ: whole records, as the kernel's file
 * hands them out)
 * @fd: the fd the program passed
 * @buf: its buffer
 * @count: its size
 * @ret: the result as libc returns it (-1 with errno set on error)
 *
 * Return: false if fd is not such a file (nothing was done), else true.
 */
bool iommufd_mock_fd_read(int fd, void *buf, size_t count,
			  long *ret) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_write() - write(2) of fd, if fd is a mock file with a
 * write method (a fault queue: the responses to the faults read)
 * @fd: the fd the program passed
 * @buf: its buffer
 * @count: its size
 * @ret: the result as libc returns it (-1 with errno set on error)
 *
 * Return: false if fd is not such a file (nothing was done), else true.
 */
bool iommufd_mock_fd_write(int fd, const void *buf, size_t count,
			   long *ret) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_mmap() - mmap(2) of fd, if fd is a mock file with an mmap
 * method (7.x's /dev/iommu: the mmap windows of driver objects)
 * @fd: the fd the program passed
 * @addr: @len: @prot: @flags: @off: its arguments
 * @ret: the result as libc returns it (MAP_FAILED with errno set on error)
 *
 * Return: false if the call is not the mock's (nothing was done), else true.
 */
bool iommufd_mock_fd_mmap(int fd, void *addr, size_t len, int prot, int flags,
			  long off, void **ret) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_munmap() - [addr, addr + len) was just unmapped
 * @addr: start
 * @len: length
 *
 * The mock's VMAs there close (or shrink, or split), dropping their holds.
 */
void iommufd_mock_fd_munmap(void *addr, size_t len) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_close() - forget fd, which the caller is about to close
 * @fd: any fd; one that is not ours is ignored
 *
 * The file is released when this was its last fd.
 */
void iommufd_mock_fd_close(int fd) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_close_range() - forget every tracked fd in [first, last]
 * @first: lowest fd
 * @last: highest fd
 */
void iommufd_mock_fd_close_range(unsigned int first,
				 unsigned int last) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_dup() - newfd, just made by dup()/dup2()/dup3()/F_DUPFD
 * from oldfd, now refers to the same file (or to none, if oldfd is not ours)
 * @oldfd: the source fd
 * @newfd: the new fd (whatever it referred to before is forgotten)
 */
void iommufd_mock_fd_dup(int oldfd, int newfd) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_forked() - fork() returned in the parent
 * @failed: it made no child
 *
 * The references the fork took for the child's copies of the mock's fds
 * (pthread_atfork()) are given back when there is no child.
 */
void iommufd_mock_fd_forked(bool failed) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_is_iommufd() - whether fd is an open /dev/iommu of the mock
 * @fd: any fd
 *
 * Access and fault-queue fds are mock files too, but not the device node.
 *
 * Return: true for an iommufd context's fd.
 */
bool iommufd_mock_fd_is_iommufd(int fd) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_has_mock_bus() - whether /sys/bus/iommufd_mock exists
 *
 * CONFIG_IOMMUFD_TEST's mock device bus, in the 7.3 personality (read from
 * IOMMUFD_MOCK_KERNEL now if no /dev/iommu was opened yet).
 *
 * Return: true where the kernel the mock answers as has the bus.
 */
bool iommufd_mock_fd_has_mock_bus(void) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_rw() - pread(2)/pwrite(2) of fd, if fd is a mock file
 * with a positional read/write method (a VFIO device: its regions)
 * @fd: the fd the program passed
 * @buf: its buffer
 * @count: its size
 * @pos: the offset
 * @write: pwrite
 * @ret: the result as libc returns it (-1 with errno set on error)
 *
 * Return: false if fd is not such a file (nothing was done), else true.
 */
bool iommufd_mock_fd_rw(int fd, void *buf, size_t count, uint64_t pos,
			bool write, long *ret) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_used() - whether the mock was used in this process (its
 * arena is there, maybe with other processes' pins)
 *
 * Return: true once the mock made or joined its arena here.
 */
bool iommufd_mock_fd_used(void) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_call_locked() - run fn(arg) under the mock's lock
 * @fn: an entry point of another file (vfio_sysfs.c, mmio_trap.c)
 * @arg: its argument
 *
 * Nothing runs if the mock has no arena.
 */
void iommufd_mock_call_locked(void (*fn)(void *arg), void *arg) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_proc_open() - open /proc/<pid>/status with the mock's
 * pins in VmPin and VmLck, or /proc/vmstat with them in
 * nr_foll_pin_acquired (proc.c)
 * @path: an absolute, normalised path
 * @flags: open()'s flags (O_CLOEXEC is honoured)
 *
 * Return: an fd of a copy (a memfd), -1 with errno set, or -2 when the
 * path is not such a file or the mock counts no pins there (the caller
 * opens the real file).
 */
int iommufd_mock_fd_proc_open(const char *path, int flags) IOMMUFD_MOCK_HIDDEN;

/* ---- IOMMUFD_MOCK_VFIO's devices (vfio_sysfs.c) ---- */

/**
 * iommufd_mock_fd_vfio_configured() - whether IOMMUFD_MOCK_VFIO is set
 *
 * Read once; while it is unset no path is looked up.
 *
 * Return: true if the variable is set (its devices may still be refused).
 */
bool iommufd_mock_fd_vfio_configured(void) IOMMUFD_MOCK_HIDDEN;

enum {
	IOMMUFD_MOCK_VFIO_NONE,		/* the real filesystem's */
	IOMMUFD_MOCK_VFIO_NODE,		/* a device node: open it here */
	IOMMUFD_MOCK_VFIO_RESOURCE,	/* sysfs resource0: open it here */
	IOMMUFD_MOCK_VFIO_TREE,		/* in the mock's sysfs tree */
};

/**
 * iommufd_mock_fd_vfio_lookup() - where an absolute, normalised path lives
 * @path: the path
 * @tree: receives the path in the mock's tree (IOMMUFD_MOCK_VFIO_TREE)
 * @len: size of @tree
 *
 * Makes the devices at the first call that needs them.
 *
 * Return: one of the IOMMUFD_MOCK_VFIO_* kinds.
 */
int iommufd_mock_fd_vfio_lookup(const char *path, char *tree,
				size_t len) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_vfio_open() - open a device node or resource0
 * @path: a path of kind IOMMUFD_MOCK_VFIO_NODE or _RESOURCE
 * @flags: open()'s flags (O_CLOEXEC is honoured)
 *
 * Return: the fd, or -1 with errno set (ENODEV: IOMMUFD_MOCK_VFIO was
 * refused; EACCES: resource0 without root).
 */
int iommufd_mock_fd_vfio_open(const char *path, int flags) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_vfio_devnum() - the device number of a VFIO device's fd
 * @fd: any fd
 * @major: receives its major
 * @minor: receives its minor
 *
 * Return: true if fd is an open VFIO device node of the mock.
 */
bool iommufd_mock_fd_vfio_devnum(int fd, unsigned int *major,
				 unsigned int *minor) IOMMUFD_MOCK_HIDDEN;

/**
 * iommufd_mock_fd_vfio_node_stat() - the device number of a device node
 * @path: a path of kind IOMMUFD_MOCK_VFIO_NODE
 * @major: receives its major
 * @minor: receives its minor
 */
void iommufd_mock_fd_vfio_node_stat(const char *path, unsigned int *major,
				    unsigned int *minor) IOMMUFD_MOCK_HIDDEN;

#endif
