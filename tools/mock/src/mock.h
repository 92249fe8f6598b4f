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
struct mock_access;
struct mock_fault;

/* What a tracked fd refers to: an iommufd context or a selftest access. */
enum mock_file_kind {
	MOCK_FILE_NONE,
	MOCK_FILE_CTX,
	MOCK_FILE_ACCESS,
	MOCK_FILE_FAULT,
};

struct mock_file {
	enum mock_file_kind kind;
	union {
		struct mock_ctx *ctx;
		struct mock_access *access;
		struct mock_fault *fault;
	};
};

/* intercept.c */
void mock_lock(void) MOCK_HIDDEN;
void mock_unlock(void) MOCK_HIDDEN;
/* Creates a real fd standing for a mock file and tracks it (lock held). */
int mock_file_install(struct mock_file file, bool cloexec) MOCK_HIDDEN;
/* Looks up a tracked fd (lock held); kind NONE if it is not ours. */
struct mock_file mock_file_lookup(int fd) MOCK_HIDDEN;

/* iommufd.c; all called with the lock held */
struct mock_ctx *mock_ctx_new(void) MOCK_HIDDEN;
void mock_ctx_get(struct mock_ctx *ctx) MOCK_HIDDEN;
void mock_ctx_put(struct mock_ctx *ctx) MOCK_HIDDEN;
void mock_access_file_put(struct mock_access *access) MOCK_HIDDEN;
void mock_access_file_get(struct mock_access *access) MOCK_HIDDEN;
void mock_fault_file_get(struct mock_fault *fault) MOCK_HIDDEN;
void mock_fault_file_put(struct mock_fault *fault) MOCK_HIDDEN;
/* Returns 0 or a negative errno, as a kernel ioctl handler does. */
long mock_ctx_ioctl(struct mock_ctx *ctx, unsigned long cmd, void *arg) MOCK_HIDDEN;

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
