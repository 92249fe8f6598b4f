// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/pages.c, checked against Linux 6.12 and
 * 7.3: iopt_pages, the user memory behind a map, as pin_user_pages(
 * FOLL_LONGTERM) sees it; the memlock accounting of what is pinned; filling
 * and unfilling domains; access ranges and reads/writes through them. 7.x
 * adds pages of a file (IOAS_MAP_FILE: pinned by memfd_pin_folios(), which
 * takes shmem and hugetlbfs files only, below their size) and of a dma-buf
 * (no pins, no accounting; the exporter can revoke it, for good).
 *
 * Model: a page is "pinned" while any holder needs it: the domains of an
 * area (together, once) or an access range. Each page is pinned once per
 * iopt_pages however many domains and areas hold it, as the kernel does, and
 * that is what MD_CHECK_REFS counts. The pin rules themselves (EFAULT for
 * unmapped, read-only, VM_IO/VM_PFNMAP memory, ...) are umem.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>

#include "iommufd_private.h"

#define HOLDER_CHUNK 4096

/*
 * In the arena, shared with the children of fork() (arena.h): pages
 * accounted in IOPT_PAGES_ACCOUNT_USER and _MM modes; every iopt_pages by
 * user VA, for MD_CHECK_REFS; every iopt_pages of a file, for MD_CHECK_REFS
 * through a mapping of it.
 */
#define g_user_locked_vm (mock_shared()->user_locked_vm)
#define g_mm_locked_vm (mock_shared()->mm_locked_vm)
#define g_pages_by_uva (mock_shared()->pages_by_uva)
#define g_file_pages (mock_shared()->file_pages)
#define g_nfile_pages (mock_shared()->nfile_pages)

static uint64_t memlock_limit_pages(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur / umem_page_size();
}

#define g_vm_charges (mock_shared()->vm_charges)
#define g_nvm_charges (mock_shared()->nvm_charges)

static struct mock_vm_charge *vm_charge_find(int pid)
{
	for (size_t i = 0; i < g_nvm_charges; i++)
		if (g_vm_charges[i].pid == pid)
			return &g_vm_charges[i];
	return NULL;
}

/*
 * mm->pinned_vm of pid's mm moves with every pin (atomic64_add() in
 * iopt_pages_update_pinned()), mm->locked_vm with those of
 * IOPT_PAGES_ACCOUNT_MM (__account_locked_vm()). Only what /proc shows:
 * a count the arena has no room for is not kept.
 */
static void vm_charge_update(int pid, enum iopt_pages_account_mode mode,
			     uint64_t npages, bool inc)
{
	int64_t delta = inc ? (int64_t)npages : -(int64_t)npages;
	struct mock_vm_charge *c;

	if (!pid || !npages)
		return;
	c = vm_charge_find(pid);
	if (!c) {
		struct mock_vm_charge *n = mock_realloc(
			g_vm_charges, (g_nvm_charges + 1) * sizeof(*n));

		if (!n)
			return;
		g_vm_charges = n;
		c = &n[g_nvm_charges++];
		*c = (struct mock_vm_charge){ .pid = pid };
	}
	c->pinned_vm += delta;
	if (mode == IOPT_PAGES_ACCOUNT_MM)
		c->locked_vm += delta;
	if (!c->pinned_vm && !c->locked_vm) {
		*c = g_vm_charges[--g_nvm_charges];
		if (!g_nvm_charges) {
			mock_free(g_vm_charges);
			g_vm_charges = NULL;
		}
	}
}

bool iopt_vm_charge(int pid, int64_t *pinned_vm, int64_t *locked_vm)
{
	struct mock_vm_charge *c = vm_charge_find(pid);

	if (!c)
		return false;
	*pinned_vm = c->pinned_vm;
	*locked_vm = c->locked_vm;
	return true;
}

void iopt_vm_charge_exit(int pid)
{
	struct mock_vm_charge *c = vm_charge_find(pid);
	struct itree_node *n;

	if (c) {
		*c = g_vm_charges[--g_nvm_charges];
		if (!g_nvm_charges) {
			mock_free(g_vm_charges);
			g_vm_charges = NULL;
		}
	}
	for (n = itree_first(&g_pages_by_uva, 0, UINT64_MAX); n;
	     n = itree_next(n, 0, UINT64_MAX)) {
		struct iopt_pages *pages =
			container_of(n, struct iopt_pages, uva_node);

		if (pages->charge_pid == pid)
			pages->charge_pid = 0;
	}
	for (size_t i = 0; i < g_nfile_pages; i++)
		if (g_file_pages[i]->charge_pid == pid)
			g_file_pages[i]->charge_pid = 0;
}

/*
 * do_update_pinned(): USER mode is per user (incr_user_locked_vm()), MM mode
 * per mm including mlock()ed memory (update_mm_locked_vm()); every mode
 * counts in the mm's pinned_vm.
 */
int iopt_update_pinned(int pid, enum iopt_pages_account_mode mode,
		       uint64_t npages, bool inc)
{
	uint64_t *ctr;

	switch (mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
		vm_charge_update(pid, mode, npages, inc);
		return 0;
	case IOPT_PAGES_ACCOUNT_USER:
		ctr = &g_user_locked_vm;
		if (inc && *ctr + npages > memlock_limit_pages())
			return -ENOMEM;
		break;
	case IOPT_PAGES_ACCOUNT_MM:
		ctr = &g_mm_locked_vm;
		if (inc && umem_vmlck_pages() + *ctr + npages >
				   memlock_limit_pages())
			return -ENOMEM;
		break;
	default:
		return -EINVAL;
	}
	if (inc)
		*ctr += npages;
	else
		*ctr -= npages;
	vm_charge_update(pid, mode, npages, inc);
	return 0;
}

static int do_update_pinned(struct iopt_pages *pages, uint64_t npages,
			    bool inc)
{
	return iopt_update_pinned(pages->charge_pid, pages->account_mode,
				  npages, inc);
}

/* ---- the file behind IOPT_ADDRESS_FILE pages ---- */

/*
 * mmap()/munmap() as raw system calls: the emulation never calls an
 * interposed libc function (file.c), and the mock interposes these two for
 * the mmap window of /dev/iommu.
 */
static void *raw_mmap(size_t len, int prot, int fd, off_t off)
{
	long addr = syscall(SYS_mmap, NULL, len, prot, MAP_SHARED, fd, off);

	return addr == -1 ? MAP_FAILED : (void *)addr;
}

static void raw_munmap(void *addr, size_t len)
{
	syscall(SYS_munmap, addr, len);
}

/* statx() of the mock's descriptor (fstat() is interposed: raw call). */
static int file_statx(int fd, struct statx *stx)
{
	if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH,
		    STATX_TYPE | STATX_SIZE | STATX_INO, stx))
		return -errno;
	return 0;
}

/*
 * memfd_pin_folios() (7.3 mm/gup.c:3436), which pfn_reader_user_pin()
 * calls for a file: EINVAL unless the file is shmem or hugetlbfs (memfds of
 * either kind, files on tmpfs or hugetlbfs) and the pages up to index last
 * end below its size. It looks at nothing else: not the seals, not the
 * open mode.
 */
static int iopt_pages_file_check_pin(struct iopt_pages *pages, uint64_t last)
{
	uint64_t end = pages->start + (last + 1) * umem_page_size() - 1;
	struct statx stx;
	struct statfs sfs;

	/*
	 * The file is held through the fd of the process that mapped it; a
	 * process that did not inherit it cannot reach the file (README.md).
	 */
	if (pages->file_pid != iommufd_mock_pid())
		return -EFAULT;
	if (file_statx(pages->file_fd, &stx) || !S_ISREG(stx.stx_mode))
		return -EINVAL;
	if (syscall(SYS_fstatfs, pages->file_fd, &sfs) ||
	    ((unsigned long)sfs.f_type != TMPFS_MAGIC &&
	     (unsigned long)sfs.f_type != HUGETLBFS_MAGIC))
		return -EINVAL;
	if (end >= stx.stx_size)
		return -EINVAL;
	return 0;
}

/* The file's page granule: a huge page for hugetlbfs, else a CPU page. */
static uint64_t file_granule(int fd)
{
	uint64_t ps = umem_page_size();
	struct statx stx;

	if (!file_statx(fd, &stx) && stx.stx_blksize > ps &&
	    !(stx.stx_blksize & (stx.stx_blksize - 1)))
		return stx.stx_blksize;
	return ps;
}

/*
 * Stands for the pin of pages [first, last]: maps the iopt_pages' range
 * into the mock once and faults those pages in, allocating them in the file
 * as memfd_pin_folios() does. Without the mapping (mmap refused) the mock
 * cannot tell a replaced page from the pinned one, and does not try.
 */
static void iopt_pages_file_hold(struct iopt_pages *pages, uint64_t first,
				 uint64_t last)
{
	uint64_t ps = umem_page_size(), gran, base;

	if (!pages->pin_map) {
		gran = file_granule(pages->file_fd);
		base = pages->start & ~(gran - 1);
		pages->pin_map_skip = pages->start - base;
		pages->pin_map_len = (pages->pin_map_skip + pages->npages * ps +
				      gran - 1) & ~(gran - 1);
		pages->pin_map = raw_mmap(pages->pin_map_len, PROT_READ,
					  pages->file_fd, (off_t)base);
		if (pages->pin_map == MAP_FAILED) {
			pages->pin_map = NULL;
			return;
		}
	}
	for (uint64_t idx = first; idx <= last; idx++)
		(void)*(volatile char *)(pages->pin_map + pages->pin_map_skip +
					 idx * ps);
}

/* Whether pinned page idx still backs the file (see pin_map). */
bool iopt_pages_file_page_current(struct iopt_pages *pages, uint64_t idx)
{
	uint64_t entry = 0, va;
	int fd;

	if (!pages->pin_map)
		return true;
	va = (uint64_t)(uintptr_t)(pages->pin_map + pages->pin_map_skip +
				   idx * umem_page_size());
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/pagemap",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	if (syscall(SYS_pread64, fd, &entry, sizeof(entry),
		    (off_t)(va / umem_page_size() * sizeof(entry))) !=
	    sizeof(entry))
		entry = 1ULL << 63;
	syscall(SYS_close, fd);
	return entry >> 63;	/* PM_PRESENT */
}

/*
 * Copies to or from the file's pages (iopt_pages_rw_slow(): through the
 * pinned folios) via a transient shared mapping of the file in the mock,
 * at the file's own page granule (a huge page for hugetlbfs, which cannot
 * be written with write(2)).
 */
static int iopt_pages_file_rw(struct iopt_pages *pages, uint64_t start_byte,
			      uint8_t *data, uint64_t length, bool write)
{
	uint64_t off = pages->start + start_byte;
	uint64_t gran = file_granule(pages->file_fd), base, mlen;
	char *map;

	base = off & ~(gran - 1);
	mlen = (off + length - base + gran - 1) & ~(gran - 1);
	map = raw_mmap(mlen, PROT_READ | (write ? PROT_WRITE : 0),
		       pages->file_fd, (off_t)base);
	if (map == MAP_FAILED)
		return -EFAULT;
	if (write)
		memcpy(map + (off - base), data, length);
	else
		memcpy(data, map + (off - base), length);
	raw_munmap(map, mlen);
	return 0;
}

/* ---- who holds each page (the kernel's pinned_pfns xarray and domains) ---- */

struct iopt_pages_holders {
	uint64_t chunk;		/* page index / HOLDER_CHUNK */
	uint32_t *count;	/* HOLDER_CHUNK counters */
};

/* The position of chunk in pages->holders, or where it would go. */
static size_t holder_find(const struct iopt_pages *pages, uint64_t chunk)
{
	size_t lo = 0, hi = pages->nholders;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pages->holders[mid].chunk < chunk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t iopt_pages_held(const struct iopt_pages *pages, uint64_t idx)
{
	size_t i = holder_find(pages, idx / HOLDER_CHUNK);

	if (i == pages->nholders || pages->holders[i].chunk != idx / HOLDER_CHUNK)
		return 0;
	return pages->holders[i].count[idx % HOLDER_CHUNK];
}

/* The first page at or after idx that someone holds, or UINT64_MAX. */
uint64_t iopt_pages_next_held(const struct iopt_pages *pages, uint64_t idx)
{
	for (size_t i = holder_find(pages, idx / HOLDER_CHUNK);
	     i < pages->nholders; i++) {
		uint64_t base = pages->holders[i].chunk * HOLDER_CHUNK;

		for (uint64_t j = idx > base ? idx - base : 0; j < HOLDER_CHUNK;
		     j++)
			if (pages->holders[i].count[j])
				return base + j;
	}
	return UINT64_MAX;
}

static int holder_add(struct iopt_pages *pages, uint64_t idx, int delta)
{
	uint64_t chunk = idx / HOLDER_CHUNK;
	size_t i = holder_find(pages, chunk);

	if (i == pages->nholders || pages->holders[i].chunk != chunk) {
		struct iopt_pages_holders *n;
		uint32_t *count = mock_calloc(HOLDER_CHUNK, sizeof(*count));

		if (!count)
			return -ENOMEM;
		n = mock_realloc(pages->holders,
			    (pages->nholders + 1) * sizeof(*n));
		if (!n) {
			mock_free(count);
			return -ENOMEM;
		}
		pages->holders = n;
		memmove(&n[i + 1], &n[i], (pages->nholders - i) * sizeof(*n));
		n[i] = (struct iopt_pages_holders){ .chunk = chunk,
						    .count = count };
		pages->nholders++;
	}
	pages->holders[i].count[idx % HOLDER_CHUNK] += delta;
	return 0;
}

/*
 * Pins pages [first, last] for one more holder. Pages nobody held yet are
 * pinned now: pin_user_pages() rules (EFAULT) and then the memlock
 * accounting (ENOMEM), the order pfn_reader_fill_span() meets them.
 */
static int iopt_pages_pin(struct iopt_pages *pages, uint64_t first,
			  uint64_t last)
{
	uint64_t ps = umem_page_size(), idx, newly = 0;
	int rc;

	for (idx = first; idx <= last;) {
		uint64_t run;

		if (iopt_pages_held(pages, idx)) {
			idx++;
			continue;
		}
		for (run = idx; run <= last && !iopt_pages_held(pages, run); run++)
			;
		if (pages->type == IOPT_ADDRESS_FILE)
			rc = iopt_pages_file_check_pin(pages, run - 1);
		else if (pages->mm_gone)
			rc = -EFAULT;	/* its process exited: nothing to pin */
		else
			rc = umem_check_pin_pid(pages->source_pid,
						pages->uptr + idx * ps,
						(run - idx) * ps,
						pages->writable, true);
		if (rc)
			return rc;
		if (pages->type == IOPT_ADDRESS_FILE)
			iopt_pages_file_hold(pages, idx, run - 1);
		newly += run - idx;
		idx = run;
	}
	rc = do_update_pinned(pages, newly, true);
	if (rc)
		return rc;
	for (idx = first; idx <= last; idx++) {
		rc = holder_add(pages, idx, 1);
		if (rc) {
			while (idx-- > first)
				holder_add(pages, idx, -1);
			do_update_pinned(pages, newly, false);
			return rc;
		}
	}
	pages->npinned += newly;
	return 0;
}

/* The holder of [first, last] lets go; pages nobody holds are unpinned. */
static void iopt_pages_unpin(struct iopt_pages *pages, uint64_t first,
			     uint64_t last)
{
	uint64_t idx, released = 0;

	for (idx = first; idx <= last; idx++) {
		holder_add(pages, idx, -1);
		if (!iopt_pages_held(pages, idx))
			released++;
	}
	pages->npinned -= released;
	do_update_pinned(pages, released, false);
}

/* iopt_alloc_pages(): what every type shares. */
static struct iopt_pages *__iopt_alloc_pages(uint64_t start_byte,
					     uint64_t length, bool writable,
					     int *rc)
{
	uint64_t ps = umem_page_size();
	struct iopt_pages *pages;

	if (length > SIZE_MAX - ps || length == 0) {
		*rc = -EINVAL;
		return NULL;
	}
	pages = mock_calloc(1, sizeof(*pages));
	if (!pages) {
		*rc = -ENOMEM;
		return NULL;
	}
	pages->refs = 1;
	pages->npages = (length + start_byte + ps - 1) / ps;
	pages->writable = writable;
	pages->account_mode = capable(CAP_IPC_LOCK) ? IOPT_PAGES_ACCOUNT_NONE :
						      IOPT_PAGES_ACCOUNT_USER;
	pages->source_pid = iommufd_mock_pid();
	pages->charge_pid = pages->source_pid;
	pages->file_fd = -1;
	return pages;
}

uint64_t iopt_pages_npinned_all(void)
{
	uint64_t n = 0;

	for (struct itree_node *it = itree_first(&g_pages_by_uva, 0, UINT64_MAX);
	     it; it = itree_next(it, 0, UINT64_MAX))
		n += container_of(it, struct iopt_pages, uva_node)->npinned;
	for (size_t i = 0; i < g_nfile_pages; i++)
		n += g_file_pages[i]->npinned;
	return n;
}

/* iopt_alloc_user_pages() (the mock keeps 6.12's name) */
struct iopt_pages *iopt_alloc_pages(uint64_t uptr, uint64_t length,
				    bool writable, int *rc)
{
	uint64_t ps = umem_page_size(), end;
	struct iopt_pages *pages;

	if (__builtin_add_overflow(uptr, length, &end)) {
		*rc = -EOVERFLOW;
		return NULL;
	}
	pages = __iopt_alloc_pages(uptr % ps, length, writable, rc);
	if (!pages)
		return NULL;
	pages->type = IOPT_ADDRESS_USER;
	pages->uptr = uptr & ~(ps - 1);
	pages->uva_node.start = pages->uptr;
	pages->uva_node.last = pages->uptr + pages->npages * ps - 1;
	itree_insert(&g_pages_by_uva, &pages->uva_node);
	return pages;
}

/*
 * A descriptor of the file for the mock alone, standing for the kernel's
 * get_file(): above the program's usual range, so that the lowest free
 * number a program expects from its next open stays free.
 */
int file_get(int fd)
{
	struct rlimit rl;
	long min = 0, nfd;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur >= 64)
		min = (long)rl.rlim_cur / 2;
	nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min);
	if (nfd < 0 && errno != EBADF)
		nfd = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
	return nfd < 0 ? -errno : (int)nfd;
}

/* iopt_alloc_file_pages(): fget() fails with EBADF, nothing else is checked. */
struct iopt_pages *iopt_alloc_file_pages(int fd, uint64_t start_byte,
					 uint64_t start, uint64_t length,
					 bool writable, int *rc)
{
	struct iopt_pages *pages;
	struct statx stx;
	int nfd;

	nfd = fd < 0 ? -EBADF : file_get(fd);
	if (nfd < 0) {
		*rc = nfd;
		return NULL;
	}
	pages = __iopt_alloc_pages(start_byte, length, writable, rc);
	if (!pages || ptr_array_add(&g_file_pages, &g_nfile_pages, pages)) {
		if (pages) {
			mock_free(pages);
			*rc = -ENOMEM;
		}
		syscall(SYS_close, nfd);
		return NULL;
	}
	pages->type = IOPT_ADDRESS_FILE;
	pages->start = start - start_byte;
	pages->file_fd = nfd;
	pages->file_pid = pages->source_pid;
	if (!file_statx(nfd, &stx)) {
		pages->file_dev = ((uint64_t)stx.stx_dev_major << 32) |
				  stx.stx_dev_minor;
		pages->file_inode = stx.stx_ino;
	}
	return pages;
}

/*
 * iopt_alloc_dmabuf_pages(): the range must lie inside the buffer; no pin
 * accounting; attaching to a revoked buffer is ENODEV. Takes over the
 * caller's reference on dmabuf when it succeeds.
 */
struct iopt_pages *iopt_alloc_dmabuf_pages(struct iommufd_test_dma_buf *dmabuf,
					   uint64_t start_byte, uint64_t start,
					   uint64_t length, bool writable,
					   int *rc)
{
	struct iopt_pages *pages;

	if (dma_buf_size(dmabuf) <= start + length - 1) {
		*rc = -EINVAL;
		return NULL;
	}
	pages = __iopt_alloc_pages(start_byte, length, writable, rc);
	if (!pages)
		return NULL;
	pages->account_mode = IOPT_PAGES_ACCOUNT_NONE;
	pages->type = IOPT_ADDRESS_DMABUF;
	pages->start = start - start_byte;
	*rc = iommufd_test_dma_buf_attach(dmabuf, pages);
	if (*rc) {
		mock_free(pages);
		return NULL;
	}
	pages->dmabuf = dmabuf;
	return pages;
}

uint64_t iopt_pages_first_byte(const struct iopt_pages *pages,
			       uint64_t start_byte)
{
	return (pages->type == IOPT_ADDRESS_USER ? pages->uptr : pages->start) +
	       start_byte;
}

/* iopt_put_pages(): kref_put(), iopt_release_pages() with the last one. */
void iopt_put_pages(struct iopt_pages *pages)
{
	if (--pages->refs)
		return;
	switch (pages->type) {
	case IOPT_ADDRESS_USER:
		itree_remove(&g_pages_by_uva, &pages->uva_node);
		break;
	case IOPT_ADDRESS_FILE:
		ptr_array_del(&g_file_pages, &g_nfile_pages, pages);
		/* Only the process that mapped the file holds these. */
		if (pages->file_pid != iommufd_mock_pid())
			break;
		if (pages->pin_map)
			raw_munmap(pages->pin_map, pages->pin_map_len);
		syscall(SYS_close, pages->file_fd);
		break;
	case IOPT_ADDRESS_DMABUF:
		iommufd_test_dma_buf_detach(pages->dmabuf, pages);
		dma_buf_put(pages->dmabuf);
		mock_free(pages->dmabuf_tracker);
		break;
	}
	for (size_t i = 0; i < pages->ncopies; i++)
		mock_free(pages->copies[i].data);
	mock_free(pages->copies);
	for (size_t i = 0; i < pages->nholders; i++)
		mock_free(pages->holders[i].count);
	mock_free(pages->holders);
	mock_free(pages);
}

/*
 * batch_to_domain(): the kernel merges physically contiguous PFNs into one
 * batch entry and maps each entry with one iommu_map() (page_offset for the
 * area's first page); with IOMMU_OPTION_HUGE_PAGES 0 it maps a CPU page at a
 * time (batch_iommu_map_small()). The mock's contiguous blocks: a hugetlb
 * page (of the VMA, or of a hugetlbfs file), else a CPU page; a dma-buf's
 * pages are taken one by one.
 */
void iopt_area_run(struct iopt_area *area, uint64_t iova, uint64_t *start,
		   uint64_t *len, uint64_t *phys_off)
{
	struct iopt_pages *pages = area->pages;
	uint64_t byte = iopt_pages_first_byte(pages,
					      iopt_area_start_byte(area, iova));
	uint64_t block = umem_page_size(), bstart, first, end;

	if (!area->iopt->disable_large_pages) {
		if (pages->type == IOPT_ADDRESS_USER)
			block = umem_contig_block(pages->source_pid, byte);
		else if (pages->type == IOPT_ADDRESS_FILE)
			block = file_granule(pages->file_fd);
	}
	bstart = byte & ~(block - 1);
	first = iova - (byte - bstart);
	if (first < iopt_area_iova(area) || first > iova)	/* or wrapped */
		first = iopt_area_iova(area);
	end = iova + (bstart + block - byte) - 1;
	if (end > iopt_area_last_iova(area) || end < iova)
		end = iopt_area_last_iova(area);
	*start = first;
	*len = end - first + 1;
	*phys_off = (byte - (iova - first)) - bstart;
}

/*
 * iopt_area_fill_domains(): the first domain pins the area's pages; every
 * further domain shares those pins (area->storage_domain).
 */
int iopt_area_fill_domains(struct iopt_area *area)
{
	struct iopt_pages *pages = area->pages;
	int rc;

	if (area->storage_domain)
		return 0;
	/*
	 * A dma-buf is read from the exporter's address, nothing is pinned;
	 * the area is tracked so that a revoke finds its domains. A revoked
	 * one is not mapped at all, yet the area counts as filled.
	 */
	if (pages->type == IOPT_ADDRESS_DMABUF) {
		rc = ptr_array_add(&pages->dmabuf_tracker,
				   &pages->ndmabuf_tracker, area);
		if (!rc)
			area->storage_domain = true;
		return rc;
	}
	rc = iopt_pages_pin(area->pages, iopt_area_index(area),
			    iopt_area_last_index(area));
	if (!rc)
		area->storage_domain = true;
	return rc;
}

/* The pins the domains held (iopt_area_unpin_domain()). */
void iopt_area_unpin_domains(struct iopt_area *area)
{
	if (!area->storage_domain)
		return;
	if (area->pages->type == IOPT_ADDRESS_DMABUF) {
		ptr_array_del(&area->pages->dmabuf_tracker,
			      &area->pages->ndmabuf_tracker, area);
		area->storage_domain = false;
		return;
	}
	iopt_pages_unpin(area->pages, iopt_area_index(area),
			 iopt_area_last_index(area));
	area->storage_domain = false;
}

/* iopt_area_unfill_domains(): every domain loses the area's entries. */
void iopt_area_unfill_domains(struct iopt_area *area, struct io_pagetable *iopt)
{
	for (size_t i = 0; i < iopt->ndomains; i++)
		mock_domain_unmap_pages(iopt->domains[i], iopt_area_iova(area),
					iopt_area_length(area));
	iopt_area_unpin_domains(area);
}

/*
 * iopt_pages_rw_access(): the data moves through the user VA. The fast path
 * is copy_to/from_user (EFAULT on a bad VA); the slow path goes through
 * pinning, which applies the pin_user_pages() rules to the pages touched.
 */
int iopt_pages_rw_access(struct iopt_pages *pages, uint64_t start_byte,
			 uint8_t *data, uint64_t length, uint32_t flags)
{
	uint64_t ps = umem_page_size(), va = pages->uptr + start_byte;
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	/* No struct pages to copy through. */
	if (pages->type == IOPT_ADDRESS_DMABUF)
		return -EINVAL;
	/* A file is always read through pins (iopt_pages_rw_slow()). */
	if (pages->type == IOPT_ADDRESS_FILE) {
		rc = iopt_pages_file_check_pin(pages,
					       (start_byte + length - 1) / ps);
		if (rc)
			return rc;
		return iopt_pages_file_rw(pages, start_byte, data, length,
					  write);
	}
	/*
	 * The process is gone (mmget_not_zero() fails): only what is pinned
	 * can be reached, through the pins (iopt_pages_rw_slow()).
	 */
	if (pages->mm_gone)
		return iopt_pages_rw_copies(pages, start_byte, data, length,
					    write);
	if (flags & __IOMMUFD_ACCESS_RW_SLOW_PATH) {
		uint64_t first = va & ~(ps - 1);
		uint64_t end = (va + length + ps - 1) & ~(ps - 1);
		bool single = start_byte / ps == (start_byte + length - 1) / ps;

		/*
		 * iopt_pages_rw_page() pins one page with FOLL_WRITE only
		 * for a write; iopt_pages_rw_slow() reads through the pfn
		 * reader, which pins with FOLL_WRITE when the pages are
		 * writable.
		 */
		rc = umem_check_pin_pid(pages->source_pid, first,
					end - first,
					single ? write : pages->writable,
					!single);
		if (rc)
			return rc;
	}
	/* Another process's memory after fork(): its mm, as kthread_use_mm(). */
	return write ? umem_copy_to_pid(pages->source_pid, va, data, length) :
		       umem_copy_from_pid(pages->source_pid, data, va, length);
}

/* iopt_pages_get_exact_access(): the access range [index, last], if any. */
static struct iopt_pages_access *
iopt_pages_get_exact_access(struct iopt_pages *pages, uint64_t index,
			    uint64_t last)
{
	struct itree_node *n;

	for (n = itree_first(&pages->access_itree, index, last); n;
	     n = itree_next(n, index, last))
		if (n->start == index && n->last == last)
			return container_of(n, struct iopt_pages_access, node);
	return NULL;
}

/* iopt_area_add_access() */
int iopt_area_add_access(struct iopt_area *area, uint64_t start_index,
			 uint64_t last_index, bool write)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	if (pages->type == IOPT_ADDRESS_DMABUF)
		return -EINVAL;
	access = iopt_pages_get_exact_access(pages, start_index, last_index);
	if (access) {
		access->users++;
		area->num_accesses++;
		return 0;
	}
	access = mock_calloc(1, sizeof(*access));
	if (!access)
		return -ENOMEM;
	rc = iopt_pages_pin(pages, start_index, last_index);
	if (rc) {
		mock_free(access);
		return rc;
	}
	access->node.start = start_index;
	access->node.last = last_index;
	access->users = 1;
	itree_insert(&pages->access_itree, &access->node);
	area->num_accesses++;
	return 0;
}

/* iopt_area_remove_access() */
void iopt_area_remove_access(struct iopt_area *area, uint64_t start_index,
			     uint64_t last_index)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_pages_access *access;

	access = iopt_pages_get_exact_access(pages, start_index, last_index);
	if (!access)
		return;
	area->num_accesses--;
	if (--access->users)
		return;
	itree_remove(&pages->access_itree, &access->node);
	iopt_pages_unpin(pages, start_index, last_index);
	mock_free(access);
}

/*
 * iopt_revoke_notify(): every domain of every tracked area loses the
 * buffer's IOVA; the pages stay revoked whatever the exporter does next.
 */
void iopt_dmabuf_revoke(struct iopt_pages *pages)
{
	if (pages->dmabuf_revoked)
		return;
	for (size_t i = 0; i < pages->ndmabuf_tracker; i++) {
		struct iopt_area *area = pages->dmabuf_tracker[i];

		for (size_t d = 0; d < area->iopt->ndomains; d++)
			mock_domain_unmap_pages(area->iopt->domains[d],
						iopt_area_iova(area),
						iopt_area_length(area));
	}
	pages->dmabuf_revoked = true;
}

bool iopt_area_translated(struct iopt_area *area)
{
	return !(area->pages->type == IOPT_ADDRESS_DMABUF &&
		 area->pages->dmabuf_revoked);
}
