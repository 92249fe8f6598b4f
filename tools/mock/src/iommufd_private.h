/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of libiommufd_mock.so and the functions one file offers
 * another. Mirrors drivers/iommu/iommufd/iommufd_private.h (with
 * io_pagetable.h folded in) of Linux 6.12 and 7.3: the same structures
 * under the same names, holding what the mock needs of them. Where the mock
 * departs from the kernel's data structures the structure says so.
 *
 * Files (each mirrors the kernel file of the same name unless noted):
 *   main.c          context, object ids, destroy, copy_struct_from_user, the
 *                   ioctl table
 *   ioas.c          the IOAS ioctls
 *   io_pagetable.c  areas, reserved and allowed ranges, IOVA allocation,
 *                   domains and accesses of an io_pagetable
 *   pages.c         iopt_pages: pins, memlock accounting, access ranges
 *   pages_check.c   which page a pin holds, as the selftest checks ask
 *   proc.c          /proc/<pid>/status and /proc/vmstat with the mock's pins
 *   hw_pagetable.c  paging and nested HWPTs, dirty tracking, invalidation
 *   device.c        devices and their attachment, accesses, GET_HW_INFO
 *   eventq.c        the fault queue (6.12's fault.c, eventq.c since 6.14),
 *                   the vEVENTQ (7.x)
 *   viommu.c        the vIOMMU, vDEVICEs, HW queues (7.x)
 *   selftest.c      the mock iommu driver and the IOMMU_TEST_CMD ops
 *   selftest_access.c  the selftest driver's accesses (from selftest.c)
 *   selftest_pasid.c   the selftest PASID ops (from selftest.c, 7.x)
 *   driver.c        the mmap windows of driver objects (7.x)
 *   vfio_compat.c   VFIO type1 on /dev/iommu
 *   file.c          struct file and the fd table (the VFS's part)
 *   intercept.c     the interposed libc functions
 *   umem.c          the process's memory as the kernel sees it
 *   itree.c         the interval tree the above is built on
 *   personality.c   the kernels the mock speaks and what each has
 *
 * Everything here is called with the mock's lock held (file.c).
 */
#ifndef IOMMUFD_MOCK_PRIVATE_H
#define IOMMUFD_MOCK_PRIVATE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#include "arena.h"
#include "itree.h"
#include "personality.h"

#define MOCK_HIDDEN __attribute__((visibility("hidden")))

#define container_of(ptr, type, member)                                      \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define offsetofend(type, member)                                            \
	(offsetof(type, member) + sizeof(((type *)0)->member))

struct iommufd_ctx;
struct iommufd_object;
struct umem_page_id;
struct iommufd_ioas;
struct iommufd_hw_pagetable;
struct iommufd_hwpt_paging;
struct iommufd_device;
struct iommufd_access;
struct iommufd_fault;
struct mock_iommu_domain;

#include "iommufd_file.h"

/* ---- main.c: the context and its objects ---- */

enum iopt_pages_account_mode {
	IOPT_PAGES_ACCOUNT_NONE,
	IOPT_PAGES_ACCOUNT_USER,
	IOPT_PAGES_ACCOUNT_MM,
};

struct iommufd_ctx {
	int refs;		/* its file plus live accesses and fault queues */
	enum iopt_pages_account_mode account_mode;
	/* ctx->objects: an id array plus a min-heap of freed ids */
	struct iommufd_object **objs;	/* indexed by id */
	uint32_t objs_cap;
	uint32_t next_fresh;	/* lowest id never handed out */
	uint32_t *free_ids;	/* min-heap of freed ids below next_fresh */
	uint32_t nfree, free_cap;
	uint64_t nobjs;
	/* finished ioctls: what the running one made is not finalized yet */
	uint64_t ioctl_seq;
	struct iommufd_ioas *vfio_ioas;
	/* ctx->mt_mmap: the mmap windows of driver objects, by offset (7.x) */
	struct iommufd_mmap **mmaps;
	size_t nmmaps;
	/* the last attach handle made (struct iommufd_attach_handle) */
	uint64_t attach_handles;
};

struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	uint64_t ubuffer;
	uint32_t user_size;
	void *cmd;
};

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_HW_QUEUE,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_MAX,
};

struct iommufd_object {
	enum iommufd_object_type type;
	uint32_t id;
	/* obj->users: 1 for the id table, plus one per holder */
	int users;
	/* ictx->ioctl_seq at allocation (main.c); finalized: UINT64_MAX */
	uint64_t born;
};

/* The /dev/iommu file: its open makes a context and installs an fd. */
extern const struct iommufd_file_ops iommufd_fops MOCK_HIDDEN;
int iommufd_fops_open(bool cloexec) MOCK_HIDDEN;
void iommufd_ctx_get(struct iommufd_ctx *ictx) MOCK_HIDDEN;
void iommufd_ctx_put(struct iommufd_ctx *ictx) MOCK_HIDDEN;

void *_iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size,
			    enum iommufd_object_type type) MOCK_HIDDEN;
void iommufd_object_abort(struct iommufd_ctx *ictx,
			  struct iommufd_object *obj) MOCK_HIDDEN;
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj) MOCK_HIDDEN;
void iommufd_object_finalize(struct iommufd_object *obj) MOCK_HIDDEN;
/* iommufd_object_tombstone_user(): destroyed, its id never handed out again */
void iommufd_object_tombstone(struct iommufd_ctx *ictx,
			      struct iommufd_object *obj) MOCK_HIDDEN;
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type) MOCK_HIDDEN;

/*
 * iommufd_object_destroy_user(): the kernel waits for short-term users and
 * checks the refcount; under the mock's one lock there are none to wait for.
 */
static inline void iommufd_object_destroy_user(struct iommufd_ctx *ictx,
					       struct iommufd_object *obj)
{
	iommufd_object_abort_and_destroy(ictx, obj);
}

int copy_struct_from_user(void *dst, size_t ksize, uint64_t src,
			  size_t usize) MOCK_HIDDEN;
/* capable(): the calling thread's effective capability set. */
bool capable(int cap) MOCK_HIDDEN;

int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len) MOCK_HIDDEN;

/* The kernel's xarrays of pointers, where order and count are all we need. */
static inline int ptr_array_add(void *arrayp, size_t *n, void *elm)
{
	void ***array = arrayp;
	void **na = mock_realloc(*array, (*n + 1) * sizeof(void *));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = elm;
	*array = na;
	return 0;
}

static inline void ptr_array_del(void *arrayp, size_t *n, void *elm)
{
	void **array = *(void ***)arrayp;

	for (size_t i = 0; i < *n; i++) {
		if (array[i] == elm) {
			memmove(&array[i], &array[i + 1],
				(*n - i - 1) * sizeof(void *));
			(*n)--;
			return;
		}
	}
}

/* ---- pages.c, io_pagetable.c: the IOVA to user page map ---- */

/* pages->type: IOAS_MAP's user VA, or IOAS_MAP_FILE's file or dma-buf */
enum iopt_address_type {
	IOPT_ADDRESS_USER,
	IOPT_ADDRESS_FILE,
	IOPT_ADDRESS_DMABUF,
};

/*
 * The pins of one user range a MAP created (the kernel's iopt_pages). Each
 * page is pinned once however many domains and areas hold it; holders[i]
 * counts who needs page i (the domains of one area count once, accesses each).
 */
struct iopt_pages {
	int refs;		/* kref */
	uint64_t uptr;		/* page aligned */
	uint64_t npages;
	bool writable;
	enum iopt_pages_account_mode account_mode;
	uint64_t npinned;
	/*
	 * npages counters in chunks of HOLDER_CHUNK, allocated when first
	 * touched and kept sorted by chunk index: sparse like the kernel's
	 * pinned_pfns xarray, so pinning one page of a huge mapping costs one
	 * chunk (pages.c).
	 */
	struct iopt_pages_holders *holders;
	size_t nholders;
	struct itree access_itree;	/* struct iopt_pages_access, page indexes */
	struct itree_node uva_node;	/* in pages.c's tree of every iopt_pages */
	enum iopt_address_type type;
	int source_pid;		/* pages->source_mm: whose pins these are */
	/*
	 * The mm its pins are counted in (pinned_vm, locked_vm): source_pid,
	 * but for an exited process's pages reached through an heir (0: the
	 * mm is gone, and the count with it).
	 */
	int charge_pid;
	/*
	 * USER, once its process exited (iopt_pages_mm_exit()): the mm is
	 * gone, the pinned pages live on as copies in the arena, sorted by
	 * page index.
	 */
	bool mm_gone;
	struct iopt_pages_copy *copies;
	size_t ncopies;
	uint64_t start;		/* FILE, DMABUF: byte of page index 0 */
	/* FILE: see io_pagetable_file.h; file_fd and pin_map are file_pid's */
	int file_fd, file_pid;
	uint64_t file_dev, file_inode;
	char *pin_map;
	uint64_t pin_map_len, pin_map_skip;
	/* DMABUF: the buffer, the areas filled into domains (tracker) */
	struct iommufd_test_dma_buf *dmabuf;
	bool dmabuf_revoked;	/* pages->dmabuf.phys.len == 0: for good */
	struct iopt_area **dmabuf_tracker;
	size_t ndmabuf_tracker;
};

/* A pinned page whose process exited: its contents, kept by the arena. */
struct iopt_pages_copy {
	uint64_t idx;
	uint8_t *data;
};

/* An access's exact pinned range inside an iopt_pages. */
struct iopt_pages_access {
	struct itree_node node;
	unsigned int users;
};

/*
 * The mock keeps the areas and the union of the reserved ranges in one tree
 * (iopt->used), so that one augmented walk finds a free IOVA; each node says
 * which it is.
 */
enum iopt_used_kind { IOPT_USED_AREA, IOPT_USED_RESERVED };

struct iopt_area {
	struct itree_node node;	/* [iova, last] in iopt->used */
	enum iopt_used_kind kind;
	struct iopt_pages *pages;
	struct io_pagetable *iopt;
	uint64_t start_byte;	/* offset of iova inside pages */
	int iommu_prot;
	unsigned int num_accesses;
	bool prevent_access;
	/* locked by an internal access (a HW queue's): unmap is EBUSY (7.x) */
	unsigned int num_locks;
	/* area->storage_domain != NULL: holds pins because the iopt has domains */
	bool storage_domain;
};

struct iopt_reserved {
	struct itree_node node;
	const void *owner;
};

struct iopt_allowed {
	struct itree_node node;
};

struct io_pagetable {
	struct itree used;	/* area_itree plus the union of reserved_itree */
	struct itree reserved_itree;	/* struct iopt_reserved, may overlap */
	struct itree allowed_itree;	/* struct iopt_allowed */
	struct iopt_area *resv_segs;	/* the union's nodes in used, in order */
	size_t nresv_segs;
	uint64_t nareas;
	uint64_t iova_alignment;
	bool disable_large_pages;
	struct mock_iommu_domain **domains;
	size_t ndomains;
	struct iommufd_access **access_list;
	size_t naccess;
};

/* One element of what iopt_map_pages() maps (the kernel's list). */
struct iopt_pages_list {
	struct iopt_pages *pages;
	uint64_t start_byte, length;
	struct iopt_area *area;
};

uint64_t umem_page_size(void) MOCK_HIDDEN;

static inline struct iopt_area *to_iopt_area(struct itree_node *node)
{
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static inline uint64_t iopt_area_iova(const struct iopt_area *area)
{
	return area->node.start;
}

static inline uint64_t iopt_area_last_iova(const struct iopt_area *area)
{
	return area->node.last;
}

static inline uint64_t iopt_area_length(const struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

static inline uint64_t iopt_area_start_byte(const struct iopt_area *area,
					    uint64_t iova)
{
	return area->start_byte + (iova - iopt_area_iova(area));
}

static inline uint64_t iopt_area_iova_to_index(const struct iopt_area *area,
					       uint64_t iova)
{
	return iopt_area_start_byte(area, iova) / umem_page_size();
}

static inline uint64_t iopt_area_index(const struct iopt_area *area)
{
	return area->start_byte / umem_page_size();
}

static inline uint64_t iopt_area_last_index(const struct iopt_area *area)
{
	return (area->start_byte + iopt_area_length(area) - 1) /
	       umem_page_size();
}

/* iopt_area_iter_first()/next(): areas only, skipping reserved segments. */
static inline struct iopt_area *iopt_area_iter_first(struct io_pagetable *iopt,
						     uint64_t start,
						     uint64_t last)
{
	struct itree_node *n = itree_first(&iopt->used, start, last);

	while (n && to_iopt_area(n)->kind != IOPT_USED_AREA)
		n = itree_next(n, start, last);
	return to_iopt_area(n);
}

static inline struct iopt_area *iopt_area_iter_next(struct iopt_area *area,
						    uint64_t start,
						    uint64_t last)
{
	struct itree_node *n = itree_next(&area->node, start, last);

	while (n && to_iopt_area(n)->kind != IOPT_USED_AREA)
		n = itree_next(n, start, last);
	return to_iopt_area(n);
}

/* iopt_area_contig_iter: areas that cover [iova, last] without a gap. */
struct iopt_area_contig_iter {
	uint64_t cur_iova, last_iova;
	struct iopt_area *area;
};

struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *iter,
					struct io_pagetable *iopt,
					uint64_t iova, uint64_t last_iova) MOCK_HIDDEN;
struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *iter) MOCK_HIDDEN;

static inline bool iopt_area_contig_done(const struct iopt_area_contig_iter *iter)
{
	return iter->area && iter->last_iova <= iopt_area_last_iova(iter->area);
}

#define iopt_for_each_contig_area(iter, area, iopt, iova, last_iova)         \
	for (area = iopt_area_contig_init(iter, iopt, iova, last_iova); area; \
	     area = iopt_area_contig_next(iter))

/* io_pagetable.c */
enum { IOPT_ALLOC_IOVA = 1 << 0 };
void iopt_init_table(struct io_pagetable *iopt) MOCK_HIDDEN;
void iopt_destroy_table(struct io_pagetable *iopt) MOCK_HIDDEN;
int iopt_get_pages(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		   struct iopt_pages_list **list, size_t *nlist) MOCK_HIDDEN;
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			uint64_t *iova, uint64_t uptr, uint64_t length,
			int iommu_prot, unsigned int flags) MOCK_HIDDEN;
int iopt_map_pages(struct io_pagetable *iopt, struct iopt_pages_list *list,
		   size_t nlist, uint64_t length, uint64_t *dst_iova,
		   int iommu_prot, unsigned int flags) MOCK_HIDDEN;
int iopt_unmap_iova(struct io_pagetable *iopt, uint64_t iova, uint64_t length,
		    uint64_t *unmapped) MOCK_HIDDEN;
int iopt_unmap_all(struct io_pagetable *iopt, uint64_t *unmapped) MOCK_HIDDEN;

int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct mock_iommu_domain *domain) MOCK_HIDDEN;
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct mock_iommu_domain *domain) MOCK_HIDDEN;
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct itree *allowed_iova) MOCK_HIDDEN;
int iopt_reserve_iova(struct io_pagetable *iopt, uint64_t start,
		      uint64_t last, const void *owner) MOCK_HIDDEN;
void iopt_remove_reserved_iova(struct io_pagetable *iopt,
			       const void *owner) MOCK_HIDDEN;
/*
 * interval_tree_for_each_span() over the reserved ranges, holes only: fn
 * sees every allowed [start, last] in order; a non-zero return stops the
 * walk and is returned.
 */
int iopt_for_each_reserved_hole(struct io_pagetable *iopt,
				int (*fn)(void *arg, uint64_t start,
					  uint64_t last),
				void *arg) MOCK_HIDDEN;
int iopt_cut_iova(struct io_pagetable *iopt, uint64_t *iovas,
		  size_t num_iovas) MOCK_HIDDEN;
void iopt_enable_large_pages(struct io_pagetable *iopt) MOCK_HIDDEN;
int iopt_disable_large_pages(struct io_pagetable *iopt) MOCK_HIDDEN;
int iopt_add_access(struct io_pagetable *iopt,
		    struct iommufd_access *access) MOCK_HIDDEN;
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access) MOCK_HIDDEN;

/* pages.c */
struct iopt_pages *iopt_alloc_pages(uint64_t uptr, uint64_t length,
				    bool writable, int *rc) MOCK_HIDDEN;
void iopt_put_pages(struct iopt_pages *pages) MOCK_HIDDEN;
int iopt_area_fill_domains(struct iopt_area *area) MOCK_HIDDEN;
void iopt_area_unpin_domains(struct iopt_area *area) MOCK_HIDDEN;
void iopt_area_unfill_domains(struct iopt_area *area,
			      struct io_pagetable *iopt) MOCK_HIDDEN;
int iopt_pages_rw_access(struct iopt_pages *pages, uint64_t start_byte,
			 uint8_t *data, uint64_t length, uint32_t flags) MOCK_HIDDEN;
int iopt_area_add_access(struct iopt_area *area, uint64_t start_index,
			 uint64_t last_index, bool write) MOCK_HIDDEN;
void iopt_area_remove_access(struct iopt_area *area, uint64_t start_index,
			     uint64_t last_index) MOCK_HIDDEN;
/*
 * iopt_pages_update_pinned() for a mode, counted in process pid's mm: 0 or
 * -ENOMEM past the limit.
 */
int iopt_update_pinned(int pid, enum iopt_pages_account_mode mode,
		       uint64_t npages, bool inc) MOCK_HIDDEN;
/*
 * What pid's mm counts of the mock's pins, in pages (struct
 * mock_vm_charge): false if it counts none.
 */
bool iopt_vm_charge(int pid, int64_t *pinned_vm, int64_t *locked_vm) MOCK_HIDDEN;
/* The mm of pid is gone: its counts go, and no pin is counted there again. */
void iopt_vm_charge_exit(int pid) MOCK_HIDDEN;
/* Every page the mock holds pinned, machine-wide (proc.c's vmstat). */
uint64_t iopt_pages_npinned_all(void) MOCK_HIDDEN;
/* How many holders pages' page idx has: 0 when it is not pinned. */
uint32_t iopt_pages_held(const struct iopt_pages *pages, uint64_t idx) MOCK_HIDDEN;
/* Whether a file page pinned at idx is still the file's (pages.c). */
bool iopt_pages_file_page_current(struct iopt_pages *pages,
				  uint64_t idx) MOCK_HIDDEN;
/* pages_check.c: */
/* How many iopt_pages hold a pin on the page at uva (page_ref / BIAS). */
unsigned int iopt_pages_count_pins(uint64_t uva) MOCK_HIDDEN;
/* What stands for the struct page of pages' index idx.. idx + n - 1. */
void iopt_pages_page_ids(struct iopt_pages *pages, uint64_t idx, uint64_t n,
			 struct umem_page_id *ids) MOCK_HIDDEN;
#include "io_pagetable_file.h"

/* ---- ioas.c ---- */

struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable iopt;
	/* ioas->hwpt_list: the paging HWPTs on this IOAS, oldest first */
	struct iommufd_hwpt_paging **hwpt_list;
	size_t nhwpt;
};

static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_IOAS);

	return obj ? container_of(obj, struct iommufd_ioas, obj) : NULL;
}

void iommufd_ioas_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_map(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
/* Without CONFIG_IOMMUFD_NOIOMMU (our kernels): a stub, EOPNOTSUPP. */
int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_ioas_option(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_option_rlimit_mode(struct iommu_option *cmd,
			       struct iommufd_ctx *ictx) MOCK_HIDDEN;
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;

/* ---- hw_pagetable.c, and the mock driver's domain ---- */

/*
 * The mock driver's domain: struct iommu_domain's fields the core reads
 * plus selftest.c's mock_iommu_domain(_nested). It stores no page table:
 * every domain attached to an IOAS holds exactly that IOAS's areas (the
 * kernel fills and unfills domains synchronously), so an entry is looked up
 * through the area tree; only per-entry dirty bits are stored.
 */
struct mock_iommu_domain {
	uint64_t pgsize_bitmap;
	/*
	 * What one dirty bit covers (a leaf IOPTE): 6.12's xarray mock keeps
	 * one per 2 KiB IO page; 7.x's generic page table one per leaf, and
	 * iommufd maps each CPU page as one leaf (see selftest.c).
	 */
	uint64_t dirty_unit;
	uint64_t aperture_start, aperture_end;	/* domain->geometry */
	bool dirty_ops;		/* domain->dirty_ops is set */
	bool dirty_tracking;	/* MOCK_DIRTY_TRACK */
	struct itree dirty;	/* struct mock_dirty_entry, per dirty_unit */
	uint32_t iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];	/* nested only */
	struct iommufd_viommu *viommu;	/* mock_nested->mock_viommu (7.x) */
};

struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	/* the kernel points to its domain; the mock's lives and dies with it */
	struct mock_iommu_domain domain;
	struct iommufd_fault *fault;
	bool pasid_compat;	/* IOMMU_HWPT_ALLOC_PASID (7.x) */
};

struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	bool auto_domain;
	bool nest_parent;
};

struct iommufd_hwpt_nested {
	struct iommufd_hw_pagetable common;
	struct iommufd_hwpt_paging *parent;
	struct iommufd_viommu *viommu;	/* allocated on a vIOMMU (7.x) */
};

static inline bool hwpt_is_paging(struct iommufd_hw_pagetable *hwpt)
{
	return hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING;
}

static inline struct iommufd_hwpt_paging *
to_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_paging, common);
}

static inline struct iommufd_hwpt_nested *
to_hwpt_nested(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_nested, common);
}

static inline struct iommufd_hwpt_paging *
iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_PAGING);

	return obj ? to_hwpt_paging(container_of(obj, struct iommufd_hw_pagetable,
						 obj)) :
		     NULL;
}

static inline struct iommufd_hwpt_nested *
iommufd_get_hwpt_nested(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj =
		iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_NESTED);

	return obj ? to_hwpt_nested(container_of(obj, struct iommufd_hw_pagetable,
						 obj)) :
		     NULL;
}

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, uint32_t flags,
			  bool immediate_attach,
			  const struct iommu_hwpt_alloc *user_cmd,
			  int *rc) MOCK_HIDDEN;
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
void iommufd_hwpt_nested_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
void iommufd_hw_pagetable_put(struct iommufd_ctx *ictx,
			      struct iommufd_hw_pagetable *hwpt) MOCK_HIDDEN;

/* ---- device.c ---- */

/* A device of the mock bus; each is its own group (idev->igroup->hwpt). */
struct vfio_device;
int pci_iommu_domain_alloc_paging(struct mock_iommu_domain *domain,
				  struct iommufd_device *idev, uint32_t flags,
				  const struct iommu_hwpt_alloc *cmd) MOCK_HIDDEN;

struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	uint32_t dev_flags;	/* the mock_dev's MOCK_FLAGS_DEVICE_* */
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_vdevice *vdev;	/* idev->vdev (7.x) */
	uint32_t cache[4];	/* mock_dev->cache[MOCK_DEV_CACHE_NUM] (7.x) */
	/* mock_dev->viommu, ->vdev_id: set by attaching to a vIOMMU's domain */
	struct iommufd_viommu *mock_viommu;
	uint64_t mock_vdev_id;
	/*
	 * The kernel's struct iommufd_attach_handle of each attachment, by
	 * number (ictx->attach_handles): a fault remembers the handle it came
	 * through, and only that attachment's end answers it. The RID's here.
	 */
	uint64_t rid_handle;
	/* igroup->pasid_attach but for IOMMU_NO_PASID (that is hwpt) (7.x) */
	struct iommufd_pasid_attach *pasid_attach;
	size_t npasid_attach;
	bool pasid_1024_fake_error;	/* mock_dev->pasid_1024_fake_error */
	/* a VFIO PCI device's (vfio.h): behind the mock PCI IOMMU, not selftest's */
	struct vfio_device *pci_device;
};

/* include/linux/iommu.h: the RID's "PASID" */
#define IOMMU_NO_PASID 0U

/* One PASID of a device and the HWPT it is attached to. */
struct iommufd_pasid_attach {
	uint32_t pasid;
	struct iommufd_hw_pagetable *hwpt;
	uint64_t handle;	/* as idev->rid_handle */
};

static inline struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx,
							uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_DEVICE);

	return obj ? container_of(obj, struct iommufd_device, obj) : NULL;
}

struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   uint32_t dev_flags) MOCK_HIDDEN;
void iommufd_device_unbind(struct iommufd_device *idev) MOCK_HIDDEN;
int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt,
				struct iommufd_device *idev) MOCK_HIDDEN;
int iommufd_device_attach(struct iommufd_device *idev, uint32_t *pt_id) MOCK_HIDDEN;
int iommufd_device_replace(struct iommufd_device *idev, uint32_t *pt_id) MOCK_HIDDEN;
void iommufd_device_detach(struct iommufd_device *idev) MOCK_HIDDEN;
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
/* The HWPT pasid of idev is attached to (IOMMU_NO_PASID: the RID's), or NULL */
struct iommufd_hw_pagetable *
iommufd_device_pasid_hwpt(struct iommufd_device *idev, uint32_t pasid) MOCK_HIDDEN;
/*
 * find_fault_handler() (io-pgfault.c): the HWPT with a fault queue a fault
 * of idev at pasid (IOMMU_NO_PASID: none) goes to, and in *handle the
 * attachment it goes through; NULL where nothing takes it.
 */
struct iommufd_hw_pagetable *
iommufd_device_fault_handler(struct iommufd_device *idev, uint32_t pasid,
			     uint64_t *handle) MOCK_HIDDEN;
/* iommufd_device_attach/replace/detach() of a pasid other than the RID */
int iommufd_device_pasid_attach(struct iommufd_device *idev, uint32_t pasid,
				uint32_t *pt_id) MOCK_HIDDEN;
int iommufd_device_pasid_replace(struct iommufd_device *idev, uint32_t pasid,
				 uint32_t *pt_id) MOCK_HIDDEN;
void iommufd_device_pasid_detach(struct iommufd_device *idev,
				 uint32_t pasid) MOCK_HIDDEN;

struct iommufd_access_ops {
	bool needs_pin_pages;
	void (*unmap)(void *data, uint64_t iova, uint64_t length);
};

struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	int64_t ops;	/* mock_so_off() of its iommufd_access_ops */
	void *data;
	uint64_t iova_alignment;
};

static inline const struct iommufd_access_ops *
iommufd_access_ops(const struct iommufd_access *access)
{
	return mock_so_ptr(access->ops);
}

struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data) MOCK_HIDDEN;
void iommufd_access_destroy(struct iommufd_access *access) MOCK_HIDDEN;
/*
 * 7.x's internal accesses (a HW queue's): an object without a context
 * reference (access->ictx stays NULL, iommufd_access_is_internal()), told
 * of no unmap, locking the areas it pins against unmap.
 */
struct iommufd_access *
iommufd_access_create_internal(struct iommufd_ctx *ictx) MOCK_HIDDEN;
int iommufd_access_attach_internal(struct iommufd_access *access,
				   struct iommufd_ioas *ioas) MOCK_HIDDEN;
void iommufd_access_destroy_internal(struct iommufd_ctx *ictx,
				     struct iommufd_access *access) MOCK_HIDDEN;
void iommufd_access_destroy_object(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_access_attach(struct iommufd_access *access, uint32_t ioas_id) MOCK_HIDDEN;
int iommufd_access_replace(struct iommufd_access *access, uint32_t ioas_id) MOCK_HIDDEN;
void iommufd_access_notify_unmap(struct io_pagetable *iopt, uint64_t iova,
				 uint64_t length) MOCK_HIDDEN;
void iommufd_access_unpin_pages(struct iommufd_access *access, uint64_t iova,
				uint64_t length) MOCK_HIDDEN;
/* out_pages: what stands for each page's struct page (umem_page_id) */
int iommufd_access_pin_pages(struct iommufd_access *access, uint64_t iova,
			     uint64_t length, struct umem_page_id *out_pages,
			     uint32_t flags) MOCK_HIDDEN;
int iommufd_access_rw(struct iommufd_access *access, uint64_t iova,
		      uint8_t *data, uint64_t length, uint32_t flags) MOCK_HIDDEN;

/* include/linux/iommufd.h: the flags of iommufd_access_pin_pages()/_rw() */
enum {
	IOMMUFD_ACCESS_RW_READ = 0,
	IOMMUFD_ACCESS_RW_WRITE = 1 << 0,
	/* selftest only: go through pinning, as a kthread would */
	__IOMMUFD_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* ---- eventq.c ---- */

/*
 * One fault group as iommu_report_device_fault() hands it over: the
 * selftest driver reports single faults (IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE
 * set), so a group is one fault and no partial faults wait.
 */
struct iommufd_fault_group {
	uint64_t handle;	/* group->attach_handle */
	uint32_t cookie;	/* its index in fault->response, once read */
	struct iommu_hwpt_pgfault msg;	/* as read(), but for the cookie */
};

/* A fault queue (eventq.c): the faults its HWPTs' devices reported. */
struct iommufd_fault {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	/* fault->common.deliver: reported, not read yet, oldest first */
	struct iommufd_fault_group **deliver;
	size_t ndeliver;
	/* fault->response: read, not answered yet, by increasing cookie */
	struct iommufd_fault_group **response;
	size_t nresponse;
	bool signalled;	/* its fd's eventfd counter is not zero */
};

int iommufd_fault_alloc(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
void iommufd_fault_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
/*
 * iommufd_fault_iopf_handler(): a fault that came through the attachment
 * @handle of a HWPT with a fault queue joins the queue's deliver list.
 */
void iommufd_fault_iopf_handler(struct iommufd_hw_pagetable *hwpt,
				uint64_t handle,
				const struct iommu_hwpt_pgfault *msg) MOCK_HIDDEN;
/*
 * iommufd_auto_response_faults(): the faults of the attachment @handle of
 * @hwpt, read or not, are answered (IOMMU_PAGE_RESP_INVALID) and gone.
 */
void iommufd_auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				  uint64_t handle) MOCK_HIDDEN;

/* ---- selftest.c ---- */

int mock_domain_alloc_paging(struct mock_iommu_domain *domain,
			     struct iommufd_device *idev, uint32_t flags,
			     const struct iommu_hwpt_alloc *cmd) MOCK_HIDDEN;
int mock_domain_alloc_nested(struct mock_iommu_domain *domain,
			     const struct iommu_hwpt_alloc *cmd) MOCK_HIDDEN;
int mock_domain_nop_attach(struct mock_iommu_domain *domain,
			   struct iommufd_device *idev) MOCK_HIDDEN;
void mock_domain_free(struct mock_iommu_domain *domain) MOCK_HIDDEN;
void mock_domain_unmap_pages(struct mock_iommu_domain *domain, uint64_t iova,
			     uint64_t length) MOCK_HIDDEN;
int mock_domain_cache_invalidate_user(struct mock_iommu_domain *domain,
				      struct iommu_hwpt_invalidate *cmd,
				      uint32_t *done) MOCK_HIDDEN;
bool mock_domain_capable_dirty(struct iommufd_device *idev) MOCK_HIDDEN;
/* the dirty bit of the leaf holding iova, as the IOMMU sets it on a write */
int mock_domain_dirty_set(struct mock_iommu_domain *domain,
			  struct iopt_area *area, uint64_t iova) MOCK_HIDDEN;
/* mock_domain_set_dev_pasid_nop(): 0, or the fake -ENOMEM of PASID 1024 */
int mock_domain_set_dev_pasid(struct iommufd_device *idev, uint32_t pasid,
			      bool blocked) MOCK_HIDDEN;
/* iommufd_test_get_selftest_obj()'s device, or NULL (ENOENT) */
struct iommufd_device *iommufd_test_get_selftest_idev(struct iommufd_ctx *ictx,
						      uint32_t id) MOCK_HIDDEN;
void iommufd_selftest_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_test(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
void iommufd_test_syz_conv_iova_id(struct iommufd_ucmd *ucmd, uint32_t ioas_id,
				   __u64 *iova, __u32 *flags) MOCK_HIDDEN;

/* selftest_pasid.c: the PASID ops of iommufd_test() (7.x) */
int iommufd_test_pasid(struct iommufd_ucmd *ucmd,
		       struct iommu_test_cmd *cmd) MOCK_HIDDEN;

/* selftest_access.c: the access ops of iommufd_test() */
int iommufd_test_create_access(struct iommufd_ucmd *ucmd, unsigned int ioas_id,
			       unsigned int flags,
			       struct iommu_test_cmd *cmd) MOCK_HIDDEN;
int iommufd_test_access_replace_ioas(unsigned int access_id,
				     unsigned int ioas_id) MOCK_HIDDEN;
int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
			      unsigned int access_id, uint64_t iova,
			      uint64_t length, uint64_t uptr, uint32_t flags,
			      struct iommu_test_cmd *cmd) MOCK_HIDDEN;
int iommufd_test_access_rw(unsigned int access_id, uint64_t iova,
			   uint64_t length, uint64_t ubuf,
			   uint32_t flags) MOCK_HIDDEN;
int iommufd_test_access_item_destroy(unsigned int access_id,
				     unsigned int item_id) MOCK_HIDDEN;

/* ---- vfio_compat.c ---- */

long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
			uint64_t arg) MOCK_HIDDEN;

/* umem.c (copy_{from,to}_user, GUP) and the state fork() shares */
#include "umem.h"

/* the 7.x objects */
#include "iommufd_private_viommu.h"
/* dirty tracking: the bitmap, the leaves a dirty bit covers */
#include "io_pagetable_dirty.h"

#endif
