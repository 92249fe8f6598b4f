/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What umem.c offers (the calling process's memory, and another process's
 * after fork(), as the kernel's copy_{from,to}_user() and GUP see them) and
 * what the files do when a process forks or exits (the kernel's fork()
 * taking a reference on every file, exit() dropping them and the mm).
 * Included by iommufd_private.h.
 */
#ifndef IOMMUFD_MOCK_UMEM_H
#define IOMMUFD_MOCK_UMEM_H

/* ---- umem.c: copy_{from,to}_user and what pin_user_pages() refuses ---- */

int umem_copy_from(void *dst, uint64_t uptr, size_t len) MOCK_HIDDEN;
int umem_copy_to(uint64_t uptr, const void *src, size_t len) MOCK_HIDDEN;
/*
 * Up to len bytes from uptr, stopping at the first page the caller cannot
 * read: how many were copied (0 where the first cannot be read, or where
 * only the pipe fallback is there). A fast path only: the kernel's answer
 * for what it did not copy comes from umem_copy_from().
 */
size_t umem_copy_from_prefix(void *dst, uint64_t uptr, size_t len) MOCK_HIDDEN;
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
/* The same in process pid's memory (0 or the caller's pid: ours). */
int umem_page_id_pid(int pid, uint64_t va, struct umem_page_id *id) MOCK_HIDDEN;
/* The same for the n pages from va, into ids[0..n-1]: 0 or -EFAULT. */
int umem_page_ids_pid(int pid, uint64_t va, uint64_t n,
		      struct umem_page_id *ids) MOCK_HIDDEN;
static inline bool umem_page_id_eq(const struct umem_page_id *a,
				   const struct umem_page_id *b)
{
	return a->dev == b->dev && a->inode == b->inode &&
	       a->offset == b->offset;
}
/*
 * The VAs where our shared mappings show the file page id (id->inode not
 * 0): the first max of them into vas; how many there are.
 */
size_t umem_file_page_vas(const struct umem_page_id *id, uint64_t *vas,
			  size_t max) MOCK_HIDDEN;
/*
 * Whether va is in a shared mapping of a hugetlbfs file: a compound page,
 * which MD_CHECK_REFS does not count (PageCompound() in selftest.c).
 */
bool umem_page_is_hugetlb(uint64_t va) MOCK_HIDDEN;
/*
 * Loads the VMAs of [va, va + len) of ours at once, so that page by page
 * questions about them (MD_CHECK_REFS) read the maps once: 0 or -errno.
 */
int umem_snapshot_load(uint64_t va, uint64_t len) MOCK_HIDDEN;
/* Ends a call: forgets its VMA snapshot, closes its copy pipe. */
void umem_snapshot_drop(void) MOCK_HIDDEN;
/* VmLck of this process in pages (mlock()ed memory the kernel counts). */
uint64_t umem_vmlck_pages(void) MOCK_HIDDEN;

/*
 * The same for the memory of process pid (an iopt_pages' source process,
 * pages->source_mm); pid may be the caller's. A process that is gone has
 * no memory: -EFAULT.
 */
int umem_copy_from_pid(int pid, void *dst, uint64_t uptr,
		       size_t len) MOCK_HIDDEN;
int umem_copy_to_pid(int pid, uint64_t uptr, const void *src,
		     size_t len) MOCK_HIDDEN;
int umem_check_pin_pid(int pid, uint64_t uptr, uint64_t len, bool write,
		       bool longterm) MOCK_HIDDEN;
/*
 * The size of the naturally aligned physically contiguous block holding
 * address va of process pid: the huge page size of a hugetlb VMA (smaps
 * KernelPageSize), else a CPU page (also for a process that is gone).
 */
uint64_t umem_contig_block(int pid, uint64_t va) MOCK_HIDDEN;
/* Whether pid runs (neither gone nor a zombie). */
bool umem_pid_alive(int pid) MOCK_HIDDEN;

/*
 * file.c: the calling process's pid, as the mock last learnt it (at its
 * first use, and in fork()'s child handler): the kernel's current->mm
 * without a getpid() system call per use (a map with a domain asked for it
 * four times; under TCG each call counts). A child made without the fork
 * handlers (a raw clone) is not supported anyway (README.md, "fork").
 */
int iommufd_mock_pid(void) MOCK_HIDDEN;

/* ---- pages_exit.c: a process's pins when it exits ---- */

struct iopt_pages;
struct itree;
/* The first page at or after idx someone holds, or UINT64_MAX (pages.c). */
uint64_t iopt_pages_next_held(const struct iopt_pages *pages,
			      uint64_t idx) MOCK_HIDDEN;
/*
 * Process pid (the caller) exits: the pages of its memory that are pinned
 * stay what the kernel pinned (they outlive the mm), so their contents move
 * into the arena, where reads and writes through an access find them.
 */
void iopt_pages_mm_exit(struct itree *pages_by_uva, int pid) MOCK_HIDDEN;
/* Reads or writes through those copies: -EFAULT where none is pinned. */
int iopt_pages_rw_copies(struct iopt_pages *pages, uint64_t start_byte,
			 uint8_t *data, uint64_t length, bool write) MOCK_HIDDEN;

#endif
