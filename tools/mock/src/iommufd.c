// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd context of the mock: objects, IOAS, areas, pinned pages, the
 * mock domain and the IOMMU_TEST_CMD ops.
 *
 * The specification is drivers/iommu/iommufd/ of Linux 6.12 (main.c, ioas.c,
 * io_pagetable.c, pages.c, device.c, hw_pagetable.c, selftest.c): the order of
 * checks, and so which errno wins when several apply, follows it. Comments
 * name the kernel function whose behaviour a piece reproduces.
 *
 * Model, and where it departs from the kernel's data structures:
 *  - object ids come from a lowest-free allocator starting at 1, as xa_alloc()
 *    on an XA_FLAGS_ALLOC1 xarray hands them out, so ids match the kernel's;
 *  - an IOAS keeps its areas and the union of its reserved ranges in one
 *    augmented interval tree ("used"), so lookup, overlap checks and IOVA
 *    allocation are logarithmic;
 *  - a mock domain stores no page table: every domain attached to an IOAS
 *    holds exactly that IOAS's areas (the kernel fills and unfills domains
 *    synchronously), so a domain entry is looked up through the area tree;
 *    only per-entry dirty bits are stored, in a tree per domain;
 *  - a "physical address" is the user VA of the page; MD_CHECK_MAP and
 *    ACCESS_PAGES compare VAs where the kernel compares struct pages;
 *  - pins are counted per page of each iopt_pages (the user range a MAP
 *    created), as the kernel pins each page once per iopt_pages no matter how
 *    many domains or areas hold it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_test.h"

#include "itree.h"
#include "iommufd_private.h"

#define MOCK_IO_PAGE_SIZE (umem_page_size() / 2)
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_IO_PAGE_SIZE)
/* HPAGE_SIZE caps the alignment iopt_alloc_iova() asks for (x86-64: 2 MiB). */
#define MOCK_HPAGE_SIZE (2ULL << 20)
/* iommufd_test_memory_limit's floor: sizeof(unsigned long) + sizeof(u32). */
#define MOCK_MEMORY_LIMIT_MIN (sizeof(unsigned long) + sizeof(uint32_t))
#define offsetofend(type, member)                                            \
	(offsetof(type, member) + sizeof(((type *)0)->member))

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_SELFTEST,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_ANY,
};

enum iopt_pages_account_mode {
	IOPT_PAGES_ACCOUNT_NONE,
	IOPT_PAGES_ACCOUNT_USER,
	IOPT_PAGES_ACCOUNT_MM,
};

struct iommufd_object {
	enum iommufd_object_type type;
	uint32_t id;
	/* The kernel's obj->users: 1 for the id table, plus one per holder. */
	int users;
};

/* The pins of one page range of the process (the kernel's iopt_pages). */
#define HOLDER_CHUNK 4096
struct iopt_pages {
	int refs;
	uint64_t uptr;		/* page aligned */
	uint64_t npages;
	bool writable;
	enum iopt_pages_account_mode account_mode;
	uint64_t npinned;
	/* holders[i]: how many areas-in-a-domain and accesses need page i */
	uint32_t **holders;
	struct itree accesses;	/* struct iopt_pages_access, in page indexes */
	struct itree_node uva_node;
};

/* An access's exact pinned range inside an iopt_pages (iopt_pages_access). */
struct iopt_pages_access {
	struct itree_node node;
	unsigned int users;
};

enum used_kind { USED_AREA, USED_RESV };

struct iommufd_ioas;

struct iopt_area {
	struct itree_node node;	/* [iova, last] in ioas->used */
	enum used_kind kind;
	struct iopt_pages *pages;
	uint64_t start_byte;	/* offset of iova inside pages */
	int prot;
	unsigned int num_accesses;
	bool prevent_access;
	bool domain_pinned;	/* holds pins because the IOAS has domains */
};

struct iopt_reserved {
	struct itree_node node;
	const void *owner;
};

struct iommufd_hw_pagetable;
struct iommufd_access;

struct iommufd_ioas {
	struct iommufd_object obj;
	struct itree used;	/* areas and the union of reserved ranges */
	struct itree reserved;	/* struct iopt_reserved, may overlap */
	struct itree allowed;	/* struct iopt_reserved (owner unused) */
	struct iopt_area *resv_segs;
	size_t nresv_segs;
	uint64_t nareas;
	uint64_t iova_alignment;
	bool disable_large_pages;
	/* ioas->hwpt_list and iopt->domains: the paging hwpts on this IOAS */
	struct iommufd_hw_pagetable **hwpts;
	size_t nhwpts;
	struct iommufd_access **accesses;
	size_t naccesses;
};

struct mock_dirty_entry {
	struct itree_node node;	/* [index, index] of a 2K domain entry */
};

struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;	/* paging */
	struct iommufd_hw_pagetable *parent;	/* nested */
	bool auto_domain;
	bool nest_parent;
	bool dirty_ops;
	bool dirty_tracking;
	uint64_t pgsize_bitmap;
	struct itree dirty;
	uint32_t iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
	struct iommufd_fault *fault;
};

struct iommufd_device {
	struct iommufd_object obj;
	uint32_t flags;
	struct iommufd_hw_pagetable *hwpt;
};

struct selftest_obj {
	struct iommufd_object obj;
	struct iommufd_device *idev;
};

struct selftest_access_item {
	uint64_t iova, length;
	unsigned int id;
};

struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	bool needs_pin;
	uint64_t iova_alignment;
	/* the selftest driver's side (struct selftest_access) */
	struct selftest_access_item *items;
	size_t nitems;
	unsigned int next_id;
};

/* A fault queue (iommufd_fault); events are not emulated, see README. */
struct iommufd_fault {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
};

struct iommufd_ctx {
	int refs;		/* fds plus live accesses (iommufd_ctx_get) */
	enum iopt_pages_account_mode account_mode;
	struct iommufd_object **objs;	/* indexed by id */
	uint32_t objs_cap;
	uint32_t next_fresh;	/* lowest id never handed out */
	uint32_t *free_ids;	/* min-heap of freed ids below next_fresh */
	uint32_t nfree, free_cap;
	uint64_t nobjs;
	struct iommufd_ioas *vfio_ioas;
};

/* Pages accounted in IOPT_PAGES_ACCOUNT_USER and _MM modes, process wide. */
static uint64_t g_user_locked_vm, g_mm_locked_vm;
/* Every iopt_pages of the process by user VA, for MD_CHECK_REFS. */
static struct itree g_pages_by_uva;
static size_t g_memory_limit = 65536;

/* ---------------------------------------------------------------- ids -- */

static void heap_push(struct iommufd_ctx *ictx, uint32_t id)
{
	uint32_t i;

	if (ictx->nfree == ictx->free_cap) {
		uint32_t ncap = ictx->free_cap ? ictx->free_cap * 2 : 64;
		uint32_t *n = realloc(ictx->free_ids, ncap * sizeof(*n));

		if (!n)
			abort();
		ictx->free_ids = n;
		ictx->free_cap = ncap;
	}
	i = ictx->nfree++;
	while (i && ictx->free_ids[(i - 1) / 2] > id) {
		ictx->free_ids[i] = ictx->free_ids[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	ictx->free_ids[i] = id;
}

static uint32_t heap_pop(struct iommufd_ctx *ictx)
{
	uint32_t top = ictx->free_ids[0], last = ictx->free_ids[--ictx->nfree];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= ictx->nfree)
			break;
		if (c + 1 < ictx->nfree && ictx->free_ids[c + 1] < ictx->free_ids[c])
			c++;
		if (ictx->free_ids[c] >= last)
			break;
		ictx->free_ids[i] = ictx->free_ids[c];
		i = c;
	}
	if (ictx->nfree)
		ictx->free_ids[i] = last;
	return top;
}

/* _iommufd_object_alloc(): xa_alloc() of the lowest free id >= 1. */
static void *_iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size, enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	uint32_t id;

	if (!ictx->nfree && ictx->next_fresh > INT32_MAX)
		return NULL;
	obj = calloc(1, size);
	if (!obj)
		return NULL;
	id = ictx->nfree ? heap_pop(ictx) : ictx->next_fresh++;
	if (id >= ictx->objs_cap) {
		uint32_t ncap = ictx->objs_cap ? ictx->objs_cap : 64;
		struct iommufd_object **n;

		while (ncap <= id)
			ncap *= 2;
		n = realloc(ictx->objs, ncap * sizeof(*n));
		if (!n)
			abort();
		memset(n + ictx->objs_cap, 0,
		       (ncap - ictx->objs_cap) * sizeof(*n));
		ictx->objs = n;
		ictx->objs_cap = ncap;
	}
	obj->type = type;
	obj->id = id;
	obj->users = 1;
	ictx->objs[id] = obj;
	ictx->nobjs++;
	return obj;
}

/* Removes the id and frees the object (iommufd_object_abort/remove). */
static void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	ictx->objs[obj->id] = NULL;
	ictx->nobjs--;
	heap_push(ictx, obj->id);
	free(obj);
}

/* iommufd_get_object(): wrong type or absent is ENOENT. */
static struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
			    enum iommufd_object_type type)
{
	struct iommufd_object *obj = id < ictx->objs_cap ? ictx->objs[id] : NULL;

	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type))
		return NULL;
	return obj;
}

/* --------------------------------------------------------- accounting -- */

static bool capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

static uint64_t memlock_limit_pages(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return UINT64_MAX;
	return rl.rlim_cur / umem_page_size();
}

/* do_update_pinned(): USER mode is per user, MM mode per mm (with mlock). */
static int do_update_pinned(struct iopt_pages *p, uint64_t npages, bool inc)
{
	uint64_t *ctr;

	switch (p->account_mode) {
	case IOPT_PAGES_ACCOUNT_NONE:
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
	return 0;
}

/* ------------------------------------------------------------- pages -- */

static uint32_t holder_get(const struct iopt_pages *p, uint64_t idx)
{
	const uint32_t *chunk;

	if (!p->holders)
		return 0;
	chunk = p->holders[idx / HOLDER_CHUNK];
	return chunk ? chunk[idx % HOLDER_CHUNK] : 0;
}

static int holder_add(struct iopt_pages *p, uint64_t idx, int delta)
{
	uint32_t **slot;

	if (!p->holders) {
		p->holders = calloc((p->npages + HOLDER_CHUNK - 1) / HOLDER_CHUNK,
				    sizeof(*p->holders));
		if (!p->holders)
			return -ENOMEM;
	}
	slot = &p->holders[idx / HOLDER_CHUNK];
	if (!*slot) {
		*slot = calloc(HOLDER_CHUNK, sizeof(**slot));
		if (!*slot)
			return -ENOMEM;
	}
	(*slot)[idx % HOLDER_CHUNK] += delta;
	return 0;
}

/* iopt_alloc_pages() */
static struct iopt_pages *iopt_alloc_pages(struct iommufd_ctx *ictx, uint64_t uptr,
				  uint64_t length, bool writable, int *rc)
{
	uint64_t ps = umem_page_size(), end;
	struct iopt_pages *p;

	if (length > SIZE_MAX - ps || length == 0) {
		*rc = -EINVAL;
		return NULL;
	}
	if (__builtin_add_overflow(uptr, length, &end)) {
		*rc = -EOVERFLOW;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*rc = -ENOMEM;
		return NULL;
	}
	p->refs = 1;
	p->uptr = uptr & ~(ps - 1);
	p->npages = (length + (uptr - p->uptr) + ps - 1) / ps;
	p->writable = writable;
	p->account_mode = capable(CAP_IPC_LOCK) ? IOPT_PAGES_ACCOUNT_NONE : IOPT_PAGES_ACCOUNT_USER;
	if (ictx->account_mode == IOPT_PAGES_ACCOUNT_MM &&
	    p->account_mode == IOPT_PAGES_ACCOUNT_USER)
		p->account_mode = IOPT_PAGES_ACCOUNT_MM;
	p->uva_node.start = p->uptr;
	p->uva_node.last = p->uptr + p->npages * ps - 1;
	itree_insert(&g_pages_by_uva, &p->uva_node);
	return p;
}

static void iopt_put_pages(struct iopt_pages *p)
{
	if (--p->refs)
		return;
	itree_remove(&g_pages_by_uva, &p->uva_node);
	if (p->holders) {
		for (uint64_t i = 0; i < (p->npages + HOLDER_CHUNK - 1) / HOLDER_CHUNK; i++)
			free(p->holders[i]);
		free(p->holders);
	}
	free(p);
}

/*
 * Pins pages [first, last] for one more holder. Pages nobody held yet are
 * "pinned" now: pin_user_pages() rules (EFAULT) and then the memlock
 * accounting (ENOMEM), the order pfn_reader_fill_span() meets them.
 */
static int iopt_pages_pin(struct iopt_pages *p, uint64_t first, uint64_t last)
{
	uint64_t ps = umem_page_size(), idx, newly = 0;
	int rc;

	for (idx = first; idx <= last;) {
		uint64_t run;

		if (holder_get(p, idx)) {
			idx++;
			continue;
		}
		for (run = idx; run <= last && !holder_get(p, run); run++)
			;
		rc = umem_check_pin(p->uptr + idx * ps, (run - idx) * ps,
				    p->writable, true);
		if (rc)
			return rc;
		newly += run - idx;
		idx = run;
	}
	rc = do_update_pinned(p, newly, true);
	if (rc)
		return rc;
	for (idx = first; idx <= last; idx++) {
		rc = holder_add(p, idx, 1);
		if (rc) {
			while (idx-- > first)
				holder_add(p, idx, -1);
			do_update_pinned(p, newly, false);
			return rc;
		}
	}
	p->npinned += newly;
	return 0;
}

static void iopt_pages_unpin(struct iopt_pages *p, uint64_t first, uint64_t last)
{
	uint64_t idx, released = 0;

	for (idx = first; idx <= last; idx++) {
		holder_add(p, idx, -1);
		if (!holder_get(p, idx))
			released++;
	}
	p->npinned -= released;
	do_update_pinned(p, released, false);
}

/* ------------------------------------------------------------- areas -- */

static struct iopt_area *to_iopt_area(struct itree_node *n)
{
	return n ? itree_entry(n, struct iopt_area, node) : NULL;
}

static uint64_t iopt_area_iova(const struct iopt_area *a)
{
	return a->node.start;
}

static uint64_t iopt_area_last_iova(const struct iopt_area *a)
{
	return a->node.last;
}

static uint64_t iopt_area_length(const struct iopt_area *a)
{
	return a->node.last - a->node.start + 1;
}

static uint64_t iopt_area_start_byte(const struct iopt_area *a, uint64_t iova)
{
	return a->start_byte + (iova - iopt_area_iova(a));
}

static uint64_t iopt_area_iova_to_index(const struct iopt_area *a, uint64_t iova)
{
	return iopt_area_start_byte(a, iova) / umem_page_size();
}

static uint64_t iopt_area_index(const struct iopt_area *a)
{
	return a->start_byte / umem_page_size();
}

static uint64_t iopt_area_last_index(const struct iopt_area *a)
{
	return (a->start_byte + iopt_area_length(a) - 1) / umem_page_size();
}

/* iopt_area_iter_first()/next(): areas only, skipping reserved segments. */
static struct iopt_area *iopt_area_iter_first(struct iommufd_ioas *ioas, uint64_t s, uint64_t l)
{
	struct itree_node *n = itree_first(&ioas->used, s, l);

	while (n && to_iopt_area(n)->kind != USED_AREA)
		n = itree_next(n, s, l);
	return to_iopt_area(n);
}

static struct iopt_area *iopt_area_iter_next(struct iopt_area *a, uint64_t s, uint64_t l)
{
	struct itree_node *n = itree_next(&a->node, s, l);

	while (n && to_iopt_area(n)->kind != USED_AREA)
		n = itree_next(n, s, l);
	return to_iopt_area(n);
}

/* iopt_area_contig_iter: areas that cover [iova, last] without a gap. */
struct iopt_area_contig_iter {
	struct iommufd_ioas *ioas;
	uint64_t cur, last;
	struct iopt_area *area;
};

static struct iopt_area *iopt_area_contig_init(struct iopt_area_contig_iter *c, struct iommufd_ioas *ioas,
				 uint64_t iova, uint64_t last)
{
	c->ioas = ioas;
	c->cur = iova;
	c->last = last;
	c->area = iopt_area_iter_first(ioas, iova, iova);
	return c->area;
}

static struct iopt_area *iopt_area_contig_next(struct iopt_area_contig_iter *c)
{
	uint64_t alast;

	if (!c->area)
		return NULL;
	alast = iopt_area_last_iova(c->area);
	if (c->last <= alast)
		return NULL;
	c->cur = alast + 1;
	c->area = iopt_area_iter_next(c->area, c->cur, c->last);
	if (c->area && iopt_area_iova(c->area) != c->cur)
		c->area = NULL;
	return c->area;
}

static bool iopt_area_contig_done(const struct iopt_area_contig_iter *c)
{
	return c->area && c->last <= iopt_area_last_iova(c->area);
}

#define iopt_for_each_contig_area(c, a, ioas, iova, last)                              \
	for (a = iopt_area_contig_init(c, ioas, iova, last); a; a = iopt_area_contig_next(c))

/* ------------------------------------------------------ reserved IOVA -- */

/* Rebuilds the union of the reserved ranges inside the "used" tree. */
static int iopt_reserved_rebuild(struct iommufd_ioas *ioas)
{
	struct itree_node *n;
	struct iopt_area *segs = NULL;
	size_t nsegs = 0, cap = 0, i;

	for (n = itree_min(&ioas->reserved); n; n = itree_succ(n)) {
		if (nsegs && (segs[nsegs - 1].node.last == UINT64_MAX ||
			      n->start <= segs[nsegs - 1].node.last + 1)) {
			if (n->last > segs[nsegs - 1].node.last)
				segs[nsegs - 1].node.last = n->last;
			continue;
		}
		if (nsegs == cap) {
			struct iopt_area *ns;

			cap = cap ? cap * 2 : 8;
			ns = realloc(segs, cap * sizeof(*ns));
			if (!ns) {
				free(segs);
				return -ENOMEM;
			}
			segs = ns;
		}
		memset(&segs[nsegs], 0, sizeof(segs[nsegs]));
		segs[nsegs].kind = USED_RESV;
		segs[nsegs].node.start = n->start;
		segs[nsegs].node.last = n->last;
		nsegs++;
	}
	for (i = 0; i < ioas->nresv_segs; i++)
		itree_remove(&ioas->used, &ioas->resv_segs[i].node);
	free(ioas->resv_segs);
	ioas->resv_segs = segs;
	ioas->nresv_segs = nsegs;
	for (i = 0; i < nsegs; i++)
		itree_insert(&ioas->used, &segs[i].node);
	return 0;
}

/* iopt_reserve_iova() */
static int iopt_reserve_iova(struct iommufd_ioas *ioas, uint64_t start, uint64_t last,
			const void *owner)
{
	struct iopt_reserved *r;

	if (iopt_area_iter_first(ioas, start, last) ||
	    itree_first(&ioas->allowed, start, last))
		return -EADDRINUSE;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->node.start = start;
	r->node.last = last;
	r->owner = owner;
	itree_insert(&ioas->reserved, &r->node);
	return iopt_reserved_rebuild(ioas);
}

/* __iopt_remove_reserved_iova() */
static void iopt_remove_reserved_iova(struct iommufd_ioas *ioas, const void *owner)
{
	struct itree_node *n, *next;

	for (n = itree_min(&ioas->reserved); n; n = next) {
		struct iopt_reserved *r = itree_entry(n, struct iopt_reserved, node);

		next = itree_succ(n);
		if (r->owner == owner) {
			itree_remove(&ioas->reserved, n);
			free(r);
		}
	}
	iopt_reserved_rebuild(ioas);
}

/* ------------------------------------------------------ domains & pins -- */

static void hwpt_dirty_clear_range(struct iommufd_hw_pagetable *hwpt, uint64_t first,
				   uint64_t last)
{
	struct itree_node *n;

	while ((n = itree_first(&hwpt->dirty, first, last))) {
		itree_remove(&hwpt->dirty, n);
		free(itree_entry(n, struct mock_dirty_entry, node));
	}
}

static int iopt_area_fill_domains(struct iopt_area *a)
{
	int rc;

	if (a->domain_pinned)
		return 0;
	rc = iopt_pages_pin(a->pages, iopt_area_index(a), iopt_area_last_index(a));
	if (!rc)
		a->domain_pinned = true;
	return rc;
}

static void iopt_area_unpin_domains(struct iopt_area *a)
{
	if (!a->domain_pinned)
		return;
	iopt_pages_unpin(a->pages, iopt_area_index(a), iopt_area_last_index(a));
	a->domain_pinned = false;
}

/* The domains lose the area's entries (iopt_area_unfill_domains()). */
static void iopt_area_unfill_domains(struct iommufd_ioas *ioas, struct iopt_area *a)
{
	uint64_t io = MOCK_IO_PAGE_SIZE;

	for (size_t i = 0; i < ioas->nhwpts; i++)
		hwpt_dirty_clear_range(ioas->hwpts[i], iopt_area_iova(a) / io,
				       iopt_area_last_iova(a) / io);
	iopt_area_unpin_domains(a);
}

/* iopt_check_iova_alignment() */
static int iopt_check_iova_alignment(struct iommufd_ioas *ioas, uint64_t align)
{
	uint64_t mask = align - 1;
	struct iopt_area *a;

	for (a = iopt_area_iter_first(ioas, 0, UINT64_MAX); a;
	     a = iopt_area_iter_next(a, 0, UINT64_MAX))
		if ((iopt_area_iova(a) & mask) || (iopt_area_length(a) & mask) ||
		    ((a->start_byte % umem_page_size()) & mask))
			return -EADDRINUSE;
	return 0;
}

static uint64_t lowest_bit(uint64_t v)
{
	return v & -v;
}

/* iopt_calculate_iova_alignment() */
static int iopt_calculate_iova_alignment(struct iommufd_ioas *ioas)
{
	uint64_t align = ioas->disable_large_pages ? umem_page_size() : 1;
	size_t i;
	int rc;

	for (i = 0; i < ioas->nhwpts; i++)
		if (lowest_bit(ioas->hwpts[i]->pgsize_bitmap) > align)
			align = lowest_bit(ioas->hwpts[i]->pgsize_bitmap);
	for (i = 0; i < ioas->naccesses; i++)
		if (ioas->accesses[i]->iova_alignment > align)
			align = ioas->accesses[i]->iova_alignment;
	if (align > ioas->iova_alignment) {
		rc = iopt_check_iova_alignment(ioas, align);
		if (rc)
			return rc;
	}
	ioas->iova_alignment = align;
	return 0;
}

static int ptr_array_add(void *arrayp, size_t *n, void *elm)
{
	void ***array = arrayp;
	void **na = realloc(*array, (*n + 1) * sizeof(void *));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = elm;
	*array = na;
	return 0;
}

static void ptr_array_del(void *arrayp, size_t *n, void *elm)
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

/* iopt_table_add_domain(): aperture, alignment, then fill (pin). */
static int iopt_table_add_domain(struct iommufd_ioas *ioas, struct iommufd_hw_pagetable *hwpt)
{
	uint64_t align = lowest_bit(hwpt->pgsize_bitmap);
	struct iopt_area *a, *b;
	int rc;

	if (ioas->iova_alignment > align)
		align = ioas->iova_alignment;
	if (align > umem_page_size())
		return -EINVAL;
	if (align != ioas->iova_alignment) {
		rc = iopt_check_iova_alignment(ioas, align);
		if (rc)
			return rc;
	}
	rc = iopt_reserve_iova(ioas, 0, MOCK_APERTURE_START - 1, hwpt);
	if (rc)
		goto out_unreserve;
	rc = iopt_reserve_iova(ioas, (uint64_t)MOCK_APERTURE_LAST + 1, UINT64_MAX,
			  hwpt);
	if (rc)
		goto out_unreserve;
	/* The first domain pins every area; later ones share those pins. */
	if (!ioas->nhwpts) {
		for (a = iopt_area_iter_first(ioas, 0, UINT64_MAX); a;
		     a = iopt_area_iter_next(a, 0, UINT64_MAX)) {
			rc = iopt_area_fill_domains(a);
			if (rc) {
				for (b = iopt_area_iter_first(ioas, 0, UINT64_MAX);
				     b != a; b = iopt_area_iter_next(b, 0, UINT64_MAX))
					iopt_area_unpin_domains(b);
				goto out_unreserve;
			}
		}
	}
	rc = ptr_array_add(&ioas->hwpts, &ioas->nhwpts, hwpt);
	if (rc)
		goto out_unreserve;
	ioas->iova_alignment = align;
	return 0;

out_unreserve:
	if (!ioas->nhwpts)
		for (a = iopt_area_iter_first(ioas, 0, UINT64_MAX); a;
		     a = iopt_area_iter_next(a, 0, UINT64_MAX))
			iopt_area_unpin_domains(a);
	iopt_remove_reserved_iova(ioas, hwpt);
	return rc;
}

/* iopt_table_remove_domain() */
static void iopt_table_remove_domain(struct iommufd_ioas *ioas, struct iommufd_hw_pagetable *hwpt)
{
	struct iopt_area *a;

	ptr_array_del(&ioas->hwpts, &ioas->nhwpts, hwpt);
	if (!ioas->nhwpts)
		for (a = iopt_area_iter_first(ioas, 0, UINT64_MAX); a;
		     a = iopt_area_iter_next(a, 0, UINT64_MAX))
			iopt_area_unpin_domains(a);
	iopt_remove_reserved_iova(ioas, hwpt);
	iopt_calculate_iova_alignment(ioas);
}

/* --------------------------------------------------------- IOVA alloc -- */

struct alloc_arg {
	uint64_t length, align, page_offset;
};

/* __alloc_iova_check_range() */
static bool __alloc_iova_check_range(uint64_t *start, uint64_t last, void *argp)
{
	struct alloc_arg *arg = argp;
	uint64_t aligned;

	if (__builtin_add_overflow(*start, arg->align - 1, &aligned))
		return false;
	aligned &= ~(arg->align - 1);
	aligned |= arg->page_offset;
	if (aligned >= last || last - aligned < arg->length - 1)
		return false;
	*start = aligned;
	return true;
}

static uint64_t roundup_pow2(uint64_t v)
{
	return v <= 1 ? 1 : 1ULL << (64 - __builtin_clzll(v - 1));
}

/* iopt_alloc_iova(): the lowest fitting hole, allowed spans first. */
static int iopt_alloc_iova(struct iommufd_ioas *ioas, uint64_t *iova, uint64_t uptr,
			   uint64_t length)
{
	uint64_t ps = umem_page_size();
	struct alloc_arg arg = { .length = length, .page_offset = uptr % ps };
	struct itree_node *n;
	uint64_t lo = ps, hi = UINT64_MAX - ps;

	if (length == 0 || length >= UINT64_MAX / 2)
		return -EOVERFLOW;
	if (!uptr)
		arg.align = roundup_pow2(length);
	else {
		arg.align = roundup_pow2(length);
		if (lowest_bit(uptr) < arg.align)
			arg.align = lowest_bit(uptr);
	}
	if (arg.align >= MOCK_HPAGE_SIZE)
		arg.align = MOCK_HPAGE_SIZE;
	if (arg.align < ioas->iova_alignment)
		return -EINVAL;

	n = itree_min(&ioas->allowed);
	if (!n) {
		uint64_t start = lo;

		if (__alloc_iova_check_range(&start, hi, &arg) &&
		    itree_find_hole(&ioas->used, start, hi, length,
				    __alloc_iova_check_range, &arg, iova))
			return 0;
		return -ENOSPC;
	}
	/* Allowed ranges never overlap; adjacent ones form one span. */
	while (n) {
		uint64_t s = n->start, l = n->last;

		for (n = itree_succ(n); n && l != UINT64_MAX &&
					n->start <= l + 1; n = itree_succ(n))
			if (n->last > l)
				l = n->last;
		if (l < lo || s > hi)
			continue;
		if (s < lo)
			s = lo;
		if (l > hi)
			l = hi;
		if (!__alloc_iova_check_range(&s, l, &arg))
			continue;
		if (itree_find_hole(&ioas->used, s, l, length,
				    __alloc_iova_check_range, &arg, iova))
			return 0;
	}
	return -ENOSPC;
}

/* iopt_check_iova() */
static int iopt_check_iova(struct iommufd_ioas *ioas, uint64_t iova, uint64_t length)
{
	uint64_t last;

	if (iova & (ioas->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (itree_first(&ioas->reserved, iova, last))
		return -EINVAL;
	if (iopt_area_iter_first(ioas, iova, last))
		return -EEXIST;
	return 0;
}

/* ------------------------------------------------------------ mapping -- */

struct iopt_pages_list {
	struct iopt_pages *pages;
	uint64_t start_byte, length;
	struct iopt_area *area;
};

/* iopt_map_pages(): reserve IOVA, insert areas, fill domains. */
static int iopt_map_pages(struct iommufd_ioas *ioas, struct iopt_pages_list *elms,
			  size_t nelms, uint64_t length, uint64_t *iova,
			  int prot, bool alloc)
{
	uint64_t ps = umem_page_size(), cur;
	size_t i;
	int rc = 0;

	if ((length & (ioas->iova_alignment - 1)) || !length)
		return -EINVAL;
	if (alloc) {
		rc = iopt_alloc_iova(ioas, iova,
				     elms[0].pages->uptr + elms[0].start_byte,
				     length);
		if (rc)
			return rc;
		if (iopt_check_iova(ioas, *iova, length))
			return -EINVAL;
	} else {
		rc = iopt_check_iova(ioas, *iova, length);
		if (rc)
			return rc;
	}
	cur = *iova;
	for (i = 0; i < nelms; i++) {
		struct iopt_pages_list *e = &elms[i];
		struct iopt_area *a;

		/* iopt_insert_area() */
		if ((prot & IOMMU_IOAS_MAP_WRITEABLE) && !e->pages->writable) {
			rc = -EPERM;
			break;
		}
		if ((e->start_byte % ps) & (ioas->iova_alignment - 1)) {
			rc = -EINVAL;
			break;
		}
		a = calloc(1, sizeof(*a));
		if (!a) {
			rc = -ENOMEM;
			break;
		}
		a->kind = USED_AREA;
		a->prot = prot;
		a->start_byte = e->start_byte;
		a->node.start = cur;
		if (__builtin_add_overflow(cur, e->length - 1, &a->node.last)) {
			free(a);
			rc = -EOVERFLOW;
			break;
		}
		a->pages = e->pages;
		itree_insert(&ioas->used, &a->node);
		e->area = a;
		cur += e->length;
	}
	/* iopt_fill_domains_pages() */
	for (size_t j = 0; !rc && j < nelms && ioas->nhwpts; j++)
		rc = iopt_area_fill_domains(elms[j].area);
	if (rc) {
		for (i = 0; i < nelms; i++) {
			if (!elms[i].area)
				continue;
			iopt_area_unpin_domains(elms[i].area);
			itree_remove(&ioas->used, &elms[i].area->node);
			free(elms[i].area);
			elms[i].area = NULL;
		}
		return rc;
	}
	for (i = 0; i < nelms; i++) {
		elms[i].pages->refs++;
		ioas->nareas++;
	}
	return 0;
}

/* Removes one area that has no accesses; the caller checked the rules. */
static void iopt_remove_area(struct iommufd_ioas *ioas, struct iopt_area *a)
{
	iopt_area_unfill_domains(ioas, a);
	itree_remove(&ioas->used, &a->node);
	ioas->nareas--;
	iopt_put_pages(a->pages);
	free(a);
}

static void iommufd_test_access_unmap(struct iommufd_access *acc, uint64_t iova,
				uint64_t length);

/* iopt_unmap_iova_range() */
static int iopt_unmap_iova_range(struct iommufd_ioas *ioas, uint64_t start, uint64_t last,
			    uint64_t *unmapped)
{
	uint64_t done = 0;
	unsigned int tries = 0;
	struct iopt_area *a;
	int rc = 0;

	while ((a = iopt_area_iter_first(ioas, start, last))) {
		uint64_t afirst = iopt_area_iova(a), alast = iopt_area_last_iova(a);

		if (afirst < start || alast > last) {
			rc = -ENOENT;
			break;
		}
		if (afirst != start)
			tries = 0;
		if (a->num_accesses) {
			start = afirst;
			a->prevent_access = true;
			/* iommufd_access_notify_unmap() */
			for (size_t i = 0; i < ioas->naccesses; i++)
				iommufd_test_access_unmap(ioas->accesses[i], afirst,
						    alast - afirst + 1);
			if (++tries > 100) {
				rc = -EDEADLK;
				break;
			}
			continue;
		}
		iopt_remove_area(ioas, a);
		done += alast - afirst + 1;
		if (alast >= last)
			break;
		start = alast + 1;
	}
	if (unmapped)
		*unmapped = done;
	return rc;
}

/* ---------------------------------------------------------- accesses -- */

/* iopt_area_add_access() */
static int iopt_area_add_access(struct iopt_area *a, uint64_t first, uint64_t last,
			   bool write)
{
	struct iopt_pages *p = a->pages;
	struct itree_node *n;
	struct iopt_pages_access *r;
	int rc;

	if (write && !p->writable)
		return -EPERM;
	for (n = itree_first(&p->accesses, first, last); n;
	     n = itree_next(n, first, last)) {
		if (n->start == first && n->last == last) {
			r = itree_entry(n, struct iopt_pages_access, node);
			r->users++;
			a->num_accesses++;
			return 0;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	rc = iopt_pages_pin(p, first, last);
	if (rc) {
		free(r);
		return rc;
	}
	r->node.start = first;
	r->node.last = last;
	r->users = 1;
	itree_insert(&p->accesses, &r->node);
	a->num_accesses++;
	return 0;
}

/* iopt_area_remove_access() */
static void iopt_area_remove_access(struct iopt_area *a, uint64_t first, uint64_t last)
{
	struct iopt_pages *p = a->pages;
	struct itree_node *n;

	for (n = itree_first(&p->accesses, first, last); n;
	     n = itree_next(n, first, last)) {
		struct iopt_pages_access *r = itree_entry(n, struct iopt_pages_access, node);

		if (n->start != first || n->last != last)
			continue;
		a->num_accesses--;
		if (--r->users)
			return;
		itree_remove(&p->accesses, n);
		iopt_pages_unpin(p, first, last);
		free(r);
		return;
	}
}

/* iommufd_access_unpin_pages() */
static void iommufd_access_unpin_pages(struct iommufd_access *acc, uint64_t iova, uint64_t length)
{
	uint64_t last = iova + length - 1;
	struct iopt_area_contig_iter c;
	struct iopt_area *a;

	if (!acc->ioas)
		return;
	iopt_for_each_contig_area(&c, a, acc->ioas, iova, last)
		iopt_area_remove_access(a, iopt_area_iova_to_index(a, c.cur),
				   iopt_area_iova_to_index(a, last < iopt_area_last_iova(a) ?
						       last : iopt_area_last_iova(a)));
}

static void iommufd_test_access_item_del(struct iommufd_access *acc, size_t i)
{
	memmove(&acc->items[i], &acc->items[i + 1],
		(acc->nitems - i - 1) * sizeof(*acc->items));
	acc->nitems--;
}

/* iommufd_test_access_unmap(): the selftest driver drops overlapping items. */
static void iommufd_test_access_unmap(struct iommufd_access *acc, uint64_t iova,
				uint64_t length)
{
	uint64_t last = iova + length - 1;

	for (size_t i = 0; i < acc->nitems;) {
		struct selftest_access_item *it = &acc->items[i];

		if (iova > it->iova + it->length - 1 || last < it->iova) {
			i++;
			continue;
		}
		iommufd_access_unpin_pages(acc, it->iova, it->length);
		iommufd_test_access_item_del(acc, i);
	}
}

/* iommufd_access_change_ioas() */
static int iommufd_access_change_ioas(struct iommufd_access *acc, struct iommufd_ioas *new)
{
	struct iommufd_ioas *cur = acc->ioas;
	int rc;

	if (cur == new)
		return 0;
	if (new) {
		rc = ptr_array_add(&new->accesses, &new->naccesses, acc);
		if (rc)
			return rc;
		rc = iopt_calculate_iova_alignment(new);
		if (rc) {
			ptr_array_del(&new->accesses, &new->naccesses, acc);
			return rc;
		}
		new->obj.users++;
	}
	if (cur) {
		iommufd_test_access_unmap(acc, 0, UINT64_MAX);
		ptr_array_del(&cur->accesses, &cur->naccesses, acc);
		iopt_calculate_iova_alignment(cur);
		cur->obj.users--;
	}
	acc->ioas = new;
	return 0;
}

/* ------------------------------------------------------- destruction -- */

static void iommufd_ioas_destroy(struct iommufd_ioas *ioas)
{
	struct itree_node *n;

	iopt_unmap_iova_range(ioas, 0, UINT64_MAX, NULL);
	while ((n = itree_min(&ioas->reserved))) {
		itree_remove(&ioas->reserved, n);
		free(itree_entry(n, struct iopt_reserved, node));
	}
	iopt_reserved_rebuild(ioas);
	while ((n = itree_min(&ioas->allowed))) {
		itree_remove(&ioas->allowed, n);
		free(itree_entry(n, struct iopt_reserved, node));
	}
	free(ioas->resv_segs);
	free(ioas->hwpts);
	free(ioas->accesses);
}

static void iommufd_hwpt_destroy(struct iommufd_hw_pagetable *hwpt)
{
	struct itree_node *n;

	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING) {
		iopt_table_remove_domain(hwpt->ioas, hwpt);
		hwpt->ioas->obj.users--;
	} else {
		hwpt->parent->obj.users--;
	}
	if (hwpt->fault)
		hwpt->fault->obj.users--;
	while ((n = itree_min(&hwpt->dirty))) {
		itree_remove(&hwpt->dirty, n);
		free(itree_entry(n, struct mock_dirty_entry, node));
	}
}

static void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx, struct iommufd_object *obj);

/*
 * iommufd_hw_pagetable_put(): an automatic domain dies with its last
 * device (iommufd_object_put_and_try_destroy()), a user's hwpt does not.
 */
static void iommufd_hw_pagetable_put(struct iommufd_ctx *ictx, struct iommufd_hw_pagetable *hwpt)
{
	hwpt->obj.users--;
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING && hwpt->auto_domain &&
	    hwpt->obj.users == 1)
		iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
}

/* iommufd_device_detach() */
static void iommufd_device_detach(struct iommufd_ctx *ictx, struct iommufd_device *idev)
{
	struct iommufd_hw_pagetable *hwpt = idev->hwpt;

	idev->hwpt = NULL;
	iommufd_hw_pagetable_put(ictx, hwpt);
	idev->obj.users--;
}

static void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	switch (obj->type) {
	case IOMMUFD_OBJ_IOAS:
		if (ictx->vfio_ioas == (struct iommufd_ioas *)obj)
			ictx->vfio_ioas = NULL;
		iommufd_ioas_destroy((struct iommufd_ioas *)obj);
		break;
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		iommufd_hwpt_destroy((struct iommufd_hw_pagetable *)obj);
		break;
	case IOMMUFD_OBJ_SELFTEST: {
		struct selftest_obj *st = (struct selftest_obj *)obj;

		if (st->idev->hwpt)
			iommufd_device_detach(ictx, st->idev);
		/* iommufd_device_unbind() */
		iommufd_object_abort(ictx, &st->idev->obj);
		break;
	}
	case IOMMUFD_OBJ_ACCESS: {
		struct iommufd_access *acc = (struct iommufd_access *)obj;

		iommufd_access_change_ioas(acc, NULL);
		free(acc->items);
		break;
	}
	default:
		break;
	}
	iommufd_object_abort(ictx, obj);
}

/* iommufd_object_remove() on behalf of IOMMU_DESTROY */
static int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->users != 1)
		return -EBUSY;
	iommufd_object_abort_and_destroy(ictx, obj);
	return 0;
}

static struct iommufd_ctx *iommufd_ctx_alloc(void)
{
	struct iommufd_ctx *ictx = calloc(1, sizeof(*ictx));

	if (!ictx)
		return NULL;
	ictx->refs = 1;
	ictx->next_fresh = 1;
	ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
	return ictx;
}

static void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	ictx->refs++;
}

/* iommufd_fops_release(): destroy leaves until nothing is left. */
static void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	if (--ictx->refs)
		return;
	while (ictx->nobjs) {
		unsigned int destroyed = 0;

		for (uint32_t id = 1; id < ictx->next_fresh; id++) {
			struct iommufd_object *obj = ictx->objs[id];

			if (!obj || obj->users != 1)
				continue;
			iommufd_object_abort_and_destroy(ictx, obj);
			destroyed++;
		}
		if (!destroyed)
			break;
	}
	free(ictx->objs);
	free(ictx->free_ids);
	free(ictx);
}

/* iommufd_test_staccess_release(): the access file's last fd is gone. */
static void iommufd_test_staccess_release(void *private_data)
{
	struct iommufd_access *acc = private_data;
	struct iommufd_ctx *ictx = acc->ictx;

	iommufd_test_access_unmap(acc, 0, UINT64_MAX);
	/* iommufd_access_destroy(): drop the driver's reference and remove */
	acc->obj.users--;
	iommufd_object_abort_and_destroy(ictx, &acc->obj);
	iommufd_ctx_put(ictx);
}

static const struct iommufd_file_ops iommufd_test_staccess_fops = {
	.name = "iommufd-mock-access",
	.release = iommufd_test_staccess_release,
};

/* ------------------------------------------------------ ioctl helpers -- */

struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	uint64_t ubuffer;
	uint32_t user_size;
	void *cmd;
};

/* iommufd_ucmd_respond() */
static int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t len)
{
	return umem_copy_to(ucmd->ubuffer, ucmd->cmd,
			    ucmd->user_size < len ? ucmd->user_size : len);
}

/*
 * copy_struct_from_user(): a shorter user struct is zero extended; a longer
 * one is accepted only if every byte we do not know is zero (else E2BIG).
 */
static int copy_struct_from_user(void *dst, size_t ksize, uint64_t src,
				 size_t usize)
{
	size_t size = ksize < usize ? ksize : usize;
	int rc;

	memset(dst, 0, ksize);
	if (usize > ksize) {
		unsigned char buf[256];
		uint64_t pos = src + ksize, left = usize - ksize;

		while (left) {
			size_t n = left < sizeof(buf) ? left : sizeof(buf);

			rc = umem_copy_from(buf, pos, n);
			if (rc)
				return rc;
			for (size_t i = 0; i < n; i++)
				if (buf[i])
					return -E2BIG;
			pos += n;
			left -= n;
		}
	}
	return umem_copy_from(dst, src, size);
}

static struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_ioas *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
}

/* ------------------------------------------------------- IOAS ioctls -- */

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, cmd->id);
}

static int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = _iommufd_object_alloc(ucmd->ictx, sizeof(*ioas), IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return -ENOMEM;
	ioas->iova_alignment = 1;
	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort(ucmd->ictx, &ioas->obj);
	return rc;
}

static int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	uint32_t max = cmd->num_iovas, count = 0;
	uint64_t next = 0;
	bool exhausted = false;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	cmd->out_iova_alignment = ioas->iova_alignment;
	/* The holes between reserved ranges (an interval_tree span walk). */
	for (size_t i = 0; i <= ioas->nresv_segs && !exhausted; i++) {
		struct iommu_iova_range r = { .start = next, .last = UINT64_MAX };

		if (i < ioas->nresv_segs) {
			const struct itree_node *seg = &ioas->resv_segs[i].node;

			if (seg->last == UINT64_MAX)
				exhausted = true;
			else
				next = seg->last + 1;
			if (seg->start <= r.start)
				continue;
			r.last = seg->start - 1;
		}
		if (count < max) {
			rc = umem_copy_to(cmd->allowed_iovas +
						  (uint64_t)count * sizeof(r),
					  &r, sizeof(r));
			if (rc)
				return rc;
		}
		count++;
	}
	cmd->num_iovas = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	return count > max ? -EMSGSIZE : 0;
}

static int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct itree loaded = {};
	struct itree_node *n;
	struct iommufd_ioas *ioas;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	/* iommufd_ioas_load_iovas() */
	for (uint32_t i = 0; i != cmd->num_iovas; i++) {
		struct iommu_iova_range r;
		struct iopt_reserved *al;

		rc = umem_copy_from(&r, cmd->allowed_iovas + i * sizeof(r),
				    sizeof(r));
		if (rc)
			goto out_free;
		if (r.start >= r.last || itree_first(&loaded, r.start, r.last)) {
			rc = -EINVAL;
			goto out_free;
		}
		al = calloc(1, sizeof(*al));
		if (!al) {
			rc = -ENOMEM;
			goto out_free;
		}
		al->node.start = r.start;
		al->node.last = r.last;
		itree_insert(&loaded, &al->node);
	}
	/* iopt_set_allow_iova() */
	for (n = itree_min(&loaded); n; n = itree_succ(n)) {
		if (itree_first(&ioas->reserved, n->start, n->last)) {
			rc = -EADDRINUSE;
			goto out_free;
		}
	}
	{
		struct itree tmp = ioas->allowed;

		ioas->allowed = loaded;
		loaded = tmp;
	}
out_free:
	while ((n = itree_min(&loaded))) {
		itree_remove(&loaded, n);
		free(itree_entry(n, struct iopt_reserved, node));
	}
	return rc;
}

static int conv_iommu_prot(uint32_t flags)
{
	return flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE);
}

static int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iopt_pages_list elm = {};
	struct iommufd_ioas *ioas;
	uint64_t iova = cmd->iova;
	int rc;

	if ((cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
			    IOMMU_IOAS_MAP_WRITEABLE |
			    IOMMU_IOAS_MAP_READABLE)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	/* iopt_map_user_pages() */
	elm.pages = iopt_alloc_pages(ucmd->ictx, cmd->user_va, cmd->length,
				cmd->flags & IOMMU_IOAS_MAP_WRITEABLE, &rc);
	if (!elm.pages)
		return rc;
	elm.start_byte = cmd->user_va - elm.pages->uptr;
	elm.length = cmd->length;
	rc = iopt_map_pages(ioas, &elm, 1, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags),
			    !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	iopt_put_pages(elm.pages);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* __iommufd_test_syz_conv_iova(): the nth area plus an offset. */
static uint64_t __iommufd_test_syz_conv_iova(struct iommufd_ioas *ioas, uint64_t iova)
{
	uint32_t nth = (uint32_t)iova, offset = (uint32_t)(iova >> 32);
	struct iopt_area *a;

	for (a = iopt_area_iter_first(ioas, 0, UINT64_MAX); a;
	     a = iopt_area_iter_next(a, 0, UINT64_MAX))
		if (nth-- == 0)
			return iopt_area_iova(a) + offset;
	return 0;
}

static int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iopt_pages_list *elms = NULL;
	size_t nelms = 0;
	struct iommufd_ioas *src, *dst;
	struct iopt_area_contig_iter c;
	struct iopt_area *a;
	uint64_t last, iova;
	int rc;

	if (cmd->flags & MOCK_FLAGS_ACCESS_SYZ) {
		struct iommufd_ioas *ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);

		cmd->flags &= ~(uint32_t)MOCK_FLAGS_ACCESS_SYZ;
		if (ioas)
			cmd->src_iova = __iommufd_test_syz_conv_iova(ioas, cmd->src_iova);
	}
	if (cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			   IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	src = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src)
		return -ENOENT;
	/* iopt_get_pages() */
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->src_iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	iopt_for_each_contig_area(&c, a, src, cmd->src_iova, last) {
		uint64_t alast = last < iopt_area_last_iova(a) ? last : iopt_area_last_iova(a);
		struct iopt_pages_list *n = realloc(elms, (nelms + 1) * sizeof(*n));

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		elms = n;
		elms[nelms].pages = a->pages;
		elms[nelms].start_byte = iopt_area_start_byte(a, c.cur);
		elms[nelms].length = alast - c.cur + 1;
		elms[nelms].area = NULL;
		nelms++;
	}
	if (!iopt_area_contig_done(&c)) {
		rc = -ENOENT;
		goto out;
	}
	dst = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst) {
		rc = -ENOENT;
		goto out;
	}
	iova = cmd->dst_iova;
	rc = iopt_map_pages(dst, elms, nelms, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags),
			    !(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA));
	if (rc)
		goto out;
	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	free(elms);
	return rc;
}

static int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	uint64_t unmapped = 0, last;
	struct iommufd_ioas *ioas;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		/* iopt_unmap_all(): succeeds on an empty IOAS */
		rc = iopt_unmap_iova_range(ioas, 0, UINT64_MAX, &unmapped);
		if (rc)
			return rc;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
			return -EOVERFLOW;
		/* iopt_unmap_iova() */
		if (!cmd->length)
			return -EINVAL;
		if (__builtin_add_overflow(cmd->iova, cmd->length - 1, &last))
			return -EOVERFLOW;
		rc = iopt_unmap_iova_range(ioas, cmd->iova, last, &unmapped);
		if (rc)
			return rc;
		if (!unmapped)
			return -ENOENT;
	}
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/* iopt_disable_large_pages() / iopt_enable_large_pages() */
static int iommufd_ioas_option_huge_pages(struct iommu_option *cmd, struct iommufd_ioas *ioas)
{
	int rc;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->disable_large_pages;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (cmd->val64 == 0) {
		if (ioas->disable_large_pages)
			return 0;
		if (ioas->nhwpts && ioas->nareas)
			return -EINVAL;
		ioas->disable_large_pages = true;
		rc = iopt_calculate_iova_alignment(ioas);
		if (rc)
			ioas->disable_large_pages = false;
		return rc;
	}
	if (cmd->val64 == 1) {
		ioas->disable_large_pages = false;
		iopt_calculate_iova_alignment(ioas);
		return 0;
	}
	return -EINVAL;
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		/* iommufd_option_rlimit_mode() */
		if (cmd->object_id)
			return -EOPNOTSUPP;
		if (cmd->op == IOMMU_OPTION_OP_GET) {
			cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
			rc = 0;
		} else if (cmd->op == IOMMU_OPTION_OP_SET) {
			if (!capable(CAP_SYS_RESOURCE))
				return -EPERM;
			if (ictx->nobjs)
				return -EBUSY;
			if (cmd->val64 == 0)
				ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
			else if (cmd->val64 == 1)
				ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
			else
				return -EINVAL;
			rc = 0;
		} else {
			return -EOPNOTSUPP;
		}
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		ioas = iommufd_get_ioas(ictx, cmd->object_id);
		if (!ioas)
			return -ENOENT;
		rc = iommufd_ioas_option_huge_pages(cmd, ioas);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	return umem_copy_to(ucmd->ubuffer + offsetof(struct iommu_option, val64),
			    &cmd->val64, sizeof(cmd->val64));
}

static int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ucmd->ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ucmd->ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* --------------------------------------------------- devices & hwpts -- */

/* mock_domain_nop_attach(): a NO_DIRTY device refuses a dirty domain. */
static int mock_domain_nop_attach(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev)
{
	if (hwpt->dirty_ops && (idev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return 0;
}

/* iommufd_hw_pagetable_attach(): each mock device is its own group. */
static int iommufd_hw_pagetable_attach(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev)
{
	int rc;

	if (idev->hwpt && idev->hwpt != hwpt)
		return -EINVAL;
	rc = mock_domain_nop_attach(hwpt, idev);
	if (rc)
		return rc;
	hwpt->obj.users++;
	idev->hwpt = hwpt;
	return 0;
}

/* iommufd_device_do_replace(); *old is the hwpt the caller must put. */
static int iommufd_device_do_replace(struct iommufd_hw_pagetable *hwpt, struct iommufd_device *idev,
			struct iommufd_hw_pagetable **old)
{
	int rc;

	*old = NULL;
	if (!idev->hwpt)
		return -EINVAL;
	if (hwpt == idev->hwpt)
		return 0;
	rc = mock_domain_nop_attach(hwpt, idev);
	if (rc)
		return rc;
	*old = idev->hwpt;
	idev->hwpt = hwpt;
	hwpt->obj.users++;
	return 0;
}

/* mock_domain_alloc_user() for a paging domain, then iommufd's side. */
static struct iommufd_hw_pagetable *iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
				       struct iommufd_device *idev, uint32_t flags,
				       bool has_user_data, bool immediate_attach,
				       int *rc)
{
	const uint32_t valid = IOMMU_HWPT_ALLOC_NEST_PARENT |
			       IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	bool no_dirty = idev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY;
	struct iommufd_hw_pagetable *hwpt;

	/* iommufd_hwpt_paging_alloc() */
	if (flags & ~valid) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && no_dirty) {
		*rc = -EOPNOTSUPP;
		return NULL;
	}
	hwpt = _iommufd_object_alloc(ictx, sizeof(*hwpt), IOMMUFD_OBJ_HWPT_PAGING);
	if (!hwpt) {
		*rc = -ENOMEM;
		return NULL;
	}
	ioas->obj.users++;
	hwpt->ioas = ioas;
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	/* mock_domain_alloc_user(): no driver data for a paging domain */
	if (has_user_data) {
		*rc = -EOPNOTSUPP;
		goto out_abort;
	}
	hwpt->pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (idev->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		hwpt->pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	hwpt->dirty_ops = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	if (immediate_attach) {
		*rc = iommufd_hw_pagetable_attach(hwpt, idev);
		if (*rc)
			goto out_abort;
	}
	*rc = iopt_table_add_domain(ioas, hwpt);
	if (*rc) {
		if (immediate_attach) {
			idev->hwpt = NULL;
			hwpt->obj.users--;
		}
		goto out_abort;
	}
	return hwpt;

out_abort:
	ioas->obj.users--;
	iommufd_object_abort(ictx, &hwpt->obj);
	return NULL;
}

/*
 * iommufd_device_change_pt(): attach (or replace) to a hwpt, or to an IOAS
 * through an automatic domain (iommufd_device_auto_get_domain()).
 */
static int iommufd_device_change_pt(struct iommufd_ctx *ictx, struct iommufd_device *idev,
			    uint32_t *pt_id, bool replace)
{
	struct iommufd_object *pt = iommufd_get_object(ictx, *pt_id, IOMMUFD_OBJ_ANY);
	struct iommufd_hw_pagetable *hwpt, *old = NULL;
	int rc;

	if (!pt)
		return -ENOENT;
	switch (pt->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
	case IOMMUFD_OBJ_HWPT_NESTED:
		hwpt = (struct iommufd_hw_pagetable *)pt;
		rc = replace ? iommufd_device_do_replace(hwpt, idev, &old) :
			       iommufd_hw_pagetable_attach(hwpt, idev);
		if (rc)
			return rc;
		break;
	case IOMMUFD_OBJ_IOAS: {
		struct iommufd_ioas *ioas = (struct iommufd_ioas *)pt;
		size_t i;

		for (i = 0; i < ioas->nhwpts; i++) {
			hwpt = ioas->hwpts[i];
			if (!hwpt->auto_domain)
				continue;
			rc = replace ? iommufd_device_do_replace(hwpt, idev, &old) :
				       iommufd_hw_pagetable_attach(hwpt, idev);
			if (rc == -EINVAL)
				continue;
			if (rc)
				return rc;
			*pt_id = hwpt->obj.id;
			goto out_put_old;
		}
		hwpt = iommufd_hwpt_paging_alloc(ictx, ioas, idev, 0, false, !replace,
					 &rc);
		if (!hwpt)
			return rc;
		if (replace) {
			rc = iommufd_device_do_replace(hwpt, idev, &old);
			if (rc) {
				iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
				return rc;
			}
		}
		hwpt->auto_domain = true;
		*pt_id = hwpt->obj.id;
		break;
	}
	default:
		return -EINVAL;
	}
out_put_old:
	if (old)
		iommufd_hw_pagetable_put(ictx, old);
	return 0;
}

static struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_device *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);
}

static int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_device *idev;
	struct iommufd_hw_pagetable *hwpt;
	struct iommufd_object *pt;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;
	idev = iommufd_get_device(ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	pt = iommufd_get_object(ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (!pt)
		return -EINVAL;
	if (pt->type == IOMMUFD_OBJ_IOAS) {
		hwpt = iommufd_hwpt_paging_alloc(ictx, (struct iommufd_ioas *)pt, idev,
					 cmd->flags, cmd->data_len != 0, false,
					 &rc);
		if (!hwpt)
			return rc;
	} else if (pt->type == IOMMUFD_OBJ_HWPT_PAGING) {
		/* iommufd_hwpt_nested_alloc() + mock_domain_alloc_user() */
		struct iommufd_hw_pagetable *parent = (struct iommufd_hw_pagetable *)pt;
		struct iommu_hwpt_selftest data;

		if ((cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID) || !cmd->data_len)
			return -EOPNOTSUPP;
		if (parent->auto_domain || !parent->nest_parent)
			return -EINVAL;
		hwpt = _iommufd_object_alloc(ictx, sizeof(*hwpt), IOMMUFD_OBJ_HWPT_NESTED);
		if (!hwpt)
			return -ENOMEM;
		parent->obj.users++;
		hwpt->parent = parent;
		if (cmd->data_type != IOMMU_HWPT_DATA_SELFTEST ||
		    (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID)) {
			rc = -EOPNOTSUPP;
			goto out_abort;
		}
		/* iommu_copy_struct_from_user(): len within [min, sizeof] */
		if (cmd->data_len < sizeof(data.iotlb) ||
		    sizeof(data) < cmd->data_len) {
			rc = -EINVAL;
			goto out_abort;
		}
		rc = copy_struct_from_user(&data, sizeof(data), cmd->data_uptr,
					   cmd->data_len);
		if (rc)
			goto out_abort;
		for (int i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
			hwpt->iotlb[i] = data.iotlb;
	} else {
		return -EINVAL;
	}
	if (cmd->flags & IOMMU_HWPT_FAULT_ID_VALID) {
		struct iommufd_fault *fault;

		fault = (struct iommufd_fault *)iommufd_get_object(ictx, cmd->fault_id, IOMMUFD_OBJ_FAULT);
		if (!fault) {
			rc = -ENOENT;
			goto out_abort;
		}
		hwpt->fault = fault;
		fault->obj.users++;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;
	return 0;

out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	return rc;
}

static int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	struct iommu_test_hw_info info = {
		.test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL,
	};
	uint32_t copy_len;
	struct iommufd_device *idev;
	int rc;

	if (cmd->flags || cmd->__reserved[0] || cmd->__reserved[1] ||
	    cmd->__reserved[2])
		return -EOPNOTSUPP;
	idev = iommufd_get_device(ucmd->ictx, cmd->dev_id);
	if (!idev)
		return -ENOENT;
	cmd->out_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	copy_len = cmd->data_len < sizeof(info) ? cmd->data_len : sizeof(info);
	rc = umem_copy_to(cmd->data_uptr, &info, copy_len);
	if (rc)
		return rc;
	if (copy_len < cmd->data_len) {
		static const unsigned char zeros[256];
		uint64_t pos = cmd->data_uptr + copy_len;
		uint64_t left = cmd->data_len - copy_len;

		while (left) {
			size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

			rc = umem_copy_to(pos, zeros, n);
			if (rc)
				return rc;
			pos += n;
			left -= n;
		}
	}
	cmd->data_len = sizeof(info);
	cmd->out_capabilities = 0;
	if (!(idev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	cmd->out_max_pasid_log2 = 0;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int mock_domain_dirty_set(struct iommufd_hw_pagetable *hwpt, uint64_t index)
{
	struct mock_dirty_entry *d;

	if (itree_first(&hwpt->dirty, index, index))
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->node.start = d->node.last = index;
	itree_insert(&hwpt->dirty, &d->node);
	return 0;
}

/* Whether the domain has an entry at xarray index (index * 2K mapped). */
static bool mock_domain_has_entry(struct iommufd_hw_pagetable *hwpt, uint64_t index)
{
	uint64_t iova = index * MOCK_IO_PAGE_SIZE;

	return iopt_area_iter_first(hwpt->ioas, iova, iova) != NULL;
}

struct iova_bitmap {
	uint64_t iova, data;
	unsigned int pgshift;
	bool write;		/* NULL bitmap: clear only */
};

/* iova_bitmap_set(): OR bits into the user's bitmap, silently on EFAULT. */
static void iova_bitmap_set(struct iova_bitmap *bm, uint64_t iova,
			  uint64_t length)
{
	uint64_t bit = (iova - bm->iova) >> bm->pgshift;
	uint64_t last = (iova + length - 1 - bm->iova) >> bm->pgshift;

	for (; bit <= last; bit++) {
		uint8_t byte;

		if (umem_copy_from(&byte, bm->data + bit / 8, 1))
			return;
		byte |= 1u << (bit % 8);
		if (umem_copy_to(bm->data + bit / 8, &byte, 1))
			return;
	}
}

/* mock_domain_read_and_clear_dirty() over [iova, iova + size) */
static int mock_domain_read_and_clear_dirty(struct iommufd_hw_pagetable *hwpt, uint64_t iova,
				       uint64_t size, bool no_clear,
				       struct iova_bitmap *bm)
{
	uint64_t io = MOCK_IO_PAGE_SIZE, first = iova / io;
	uint64_t last = (iova + size - 1) / io;
	struct itree_node *n, *next;

	if (!hwpt->dirty_tracking && bm)
		return -EINVAL;
	/* Only dirty entries matter; walk them instead of every 2K entry. */
	for (n = itree_first(&hwpt->dirty, first, last); n; n = next) {
		next = itree_next(n, first, last);
		if (bm)
			iova_bitmap_set(bm, n->start * io, io);
		if (!no_clear) {
			itree_remove(&hwpt->dirty, n);
			free(itree_entry(n, struct mock_dirty_entry, node));
		}
	}
	return 0;
}

static struct iommufd_hw_pagetable *iommufd_get_hwpt_paging(struct iommufd_ctx *ictx, uint32_t id)
{
	return (struct iommufd_hw_pagetable *)iommufd_get_object(ictx, id, IOMMUFD_OBJ_HWPT_PAGING);
}

static int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	struct iommufd_hw_pagetable *hwpt;
	struct iopt_area *a;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	/* iopt_set_dirty_tracking() */
	if (!hwpt->dirty_ops)
		return -EOPNOTSUPP;
	if (enable) {
		/* iopt_clear_dirty_data(): a clean snapshot to start from */
		for (a = iopt_area_iter_first(hwpt->ioas, 0, UINT64_MAX); a;
		     a = iopt_area_iter_next(a, 0, UINT64_MAX))
			mock_domain_read_and_clear_dirty(hwpt, iopt_area_iova(a),
						    iopt_area_length(a), false, NULL);
	}
	/* mock_domain_set_dirty_tracking() */
	hwpt->dirty_tracking = enable;
	return 0;
}

static int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	bool no_clear = cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	struct iova_bitmap bm;
	uint64_t last, align;
	struct iommufd_hw_pagetable *hwpt;
	struct iopt_area_contig_iter c;
	struct iopt_area *a;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iommufd_get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (!hwpt)
		return -ENOENT;
	/* iommufd_check_iova_range() */
	align = hwpt->ioas->iova_alignment;
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	if ((cmd->iova & (align - 1)) || ((last + 1) & (align - 1)))
		return -EINVAL;
	if (!cmd->page_size)
		return -EINVAL;
	if ((cmd->iova & (cmd->page_size - 1)) ||
	    ((last + 1) & (cmd->page_size - 1)))
		return -EINVAL;
	/* iommu_read_and_clear_dirty() */
	if (!hwpt->dirty_ops)
		return -EOPNOTSUPP;
	bm.iova = cmd->iova;
	bm.data = cmd->data;
	bm.pgshift = __builtin_ctzll(cmd->page_size);
	bm.write = true;
	/*
	 * 6.12 ignores what iova_bitmap_for_each() returns: a domain that is
	 * not tracking, or a range with holes, still answers 0.
	 */
	iopt_for_each_contig_area(&c, a, hwpt->ioas, cmd->iova, last) {
		uint64_t l = last < iopt_area_last_iova(a) ? last : iopt_area_last_iova(a);

		if (mock_domain_read_and_clear_dirty(hwpt, c.cur, l - c.cur + 1,
						no_clear, &bm))
			break;
	}
	return 0;
}

static int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	uint32_t done = 0;
	struct iommufd_hw_pagetable *hwpt;
	int rc = 0;

	if (cmd->__reserved) {
		rc = -EOPNOTSUPP;
		goto out;
	}
	if (cmd->entry_num &&
	    (!cmd->data_uptr || !cmd->entry_len ||
	     cmd->entry_len > umem_page_size() || cmd->entry_num > (1U << 19))) {
		rc = -EINVAL;
		goto out;
	}
	hwpt = (struct iommufd_hw_pagetable *)iommufd_get_object(ucmd->ictx, cmd->hwpt_id, IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt) {
		rc = -ENOENT;
		goto out;
	}
	/* mock_domain_cache_invalidate_user() */
	if (cmd->data_type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		rc = -EINVAL;
		goto out;
	}
	for (uint32_t i = 0; i < cmd->entry_num; i++) {
		struct iommu_hwpt_invalidate_selftest inv;

		/*
		 * iommu_copy_struct_from_user_array(): unlike the ioctl
		 * structs, an entry longer than the driver's is EINVAL even
		 * with a zero tail.
		 */
		if (cmd->entry_len < offsetofend(typeof(inv), iotlb_id) ||
		    sizeof(inv) < cmd->entry_len) {
			rc = -EINVAL;
			break;
		}
		rc = copy_struct_from_user(&inv, sizeof(inv),
					   cmd->data_uptr +
						   (uint64_t)i * cmd->entry_len,
					   cmd->entry_len);
		if (rc)
			break;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (inv.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
			memset(hwpt->iotlb, 0, sizeof(hwpt->iotlb));
		else
			hwpt->iotlb[inv.iotlb_id] = 0;
		done++;
	}
out:
	cmd->entry_num = done;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/* --------------------------------------------------------- test ops -- */

static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	uint32_t pt_id = cmd->id, dev_flags = 0;
	struct selftest_obj *st;
	struct iommufd_device *idev;
	int rc;

	st = _iommufd_object_alloc(ictx, sizeof(*st), IOMMUFD_OBJ_SELFTEST);
	if (!st)
		return -ENOMEM;
	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	/* mock_dev_create() */
	if (dev_flags &
	    ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA)) {
		rc = -EINVAL;
		goto out_st;
	}
	/* iommufd_device_bind(): the selftest driver holds a reference */
	idev = _iommufd_object_alloc(ictx, sizeof(*idev), IOMMUFD_OBJ_DEVICE);
	if (!idev) {
		rc = -ENOMEM;
		goto out_st;
	}
	idev->flags = dev_flags;
	idev->obj.users++;
	st->idev = idev;
	rc = iommufd_device_change_pt(ictx, idev, &pt_id, false);
	if (rc)
		goto out_unbind;
	idev->obj.users++;	/* iommufd_device_attach() */
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_stdev_id = st->obj.id;
	cmd->mock_domain.out_idev_id = idev->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_device_detach(ictx, idev);
		goto out_unbind;
	}
	return 0;

out_unbind:
	iommufd_object_abort(ictx, &idev->obj);
out_st:
	iommufd_object_abort(ictx, &st->obj);
	return rc;
}

static int iommufd_test_mock_domain_replace(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct selftest_obj *st;
	uint32_t pt_id = cmd->mock_domain_replace.pt_id;
	int rc;

	st = (struct selftest_obj *)iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (!st)
		return -ENOENT;
	rc = iommufd_device_change_pt(ucmd->ictx, st->idev, &pt_id, true);
	if (rc)
		return rc;
	cmd->mock_domain_replace.pt_id = pt_id;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t start = cmd->add_reserved.start, len = cmd->add_reserved.length;
	struct iommufd_ioas *ioas;
	uint64_t last;

	if (!len)
		return -EINVAL;
	if (__builtin_add_overflow(start, len - 1, &last))
		return -EOVERFLOW;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->id);
	if (!ioas)
		return -ENOENT;
	return iopt_reserve_iova(ioas, start, last, NULL);
}

/* get_md_pagetable(): a paging hwpt; every one in the mock is a mock domain. */
static struct iommufd_hw_pagetable *get_md_pagetable(struct iommufd_ctx *ictx, uint32_t id)
{
	return iommufd_get_hwpt_paging(ictx, id);
}

static int iommufd_test_md_check_pa(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->check_map.iova, length = cmd->check_map.length;
	uint64_t uptr = cmd->check_map.uptr, io = MOCK_IO_PAGE_SIZE, end;
	uint64_t ps = umem_page_size();
	struct iommufd_hw_pagetable *hwpt;
	int rc;

	if (iova % io || length % io || uptr % io ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	hwpt = get_md_pagetable(ucmd->ictx, cmd->id);
	if (!hwpt)
		return -ENOENT;
	for (; length; length -= io, iova += io, uptr += io) {
		uint64_t mapped;
		struct iopt_area *a;

		/* get_user_pages_fast(uptr & PAGE_MASK, 1, 0) */
		rc = umem_check_pin(uptr & ~(ps - 1), ps, false, false);
		if (rc)
			return rc;
		a = iopt_area_iter_first(hwpt->ioas, iova, iova);
		if (!a)
			return -EINVAL;
		mapped = a->pages->uptr + iopt_area_start_byte(a, iova);
		if (mapped != uptr) {
			/* Another mapping of the same page still matches. */
			struct umem_page_id want, have;

			if (mapped % ps != uptr % ps ||
			    umem_page_id(uptr, &want) ||
			    umem_page_id(mapped, &have) ||
			    memcmp(&want, &have, sizeof(want)))
				return -EINVAL;
		}
	}
	return 0;
}

/* How many iopt_pages hold a pin on the page at uva (page_ref / BIAS). */
static unsigned int iopt_pages_count_pins(uint64_t uva)
{
	uint64_t ps = umem_page_size();
	unsigned int pins = 0;
	struct itree_node *n;

	for (n = itree_first(&g_pages_by_uva, uva, uva); n;
	     n = itree_next(n, uva, uva)) {
		struct iopt_pages *p = itree_entry(n, struct iopt_pages, uva_node);

		if (holder_get(p, (uva - p->uptr) / ps))
			pins++;
	}
	return pins;
}

static int iommufd_test_md_check_refs(struct iommu_test_cmd *cmd)
{
	uint64_t uptr = cmd->check_refs.uptr, length = cmd->check_refs.length;
	uint64_t ps = umem_page_size(), end;
	int rc;

	if (length % ps || uptr % ps ||
	    __builtin_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= ps, uptr += ps) {
		rc = umem_check_pin(uptr, ps, false, false);
		if (rc)
			return rc;
		if (iopt_pages_count_pins(uptr) != cmd->check_refs.refs)
			return -EIO;
	}
	return 0;
}

static int iommufd_test_md_check_iotlb(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_hw_pagetable *hwpt;

	hwpt = (struct iommufd_hw_pagetable *)iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_HWPT_NESTED);
	if (!hwpt)
		return -ENOENT;
	if (cmd->check_iotlb.id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX ||
	    hwpt->iotlb[cmd->check_iotlb.id] != cmd->check_iotlb.iotlb)
		return -EINVAL;
	return 0;
}

/* iommufd_access_get(): the id is an fd of this process. */
static struct iommufd_access *iommufd_access_get(uint32_t fd, int *rc)
{
	struct iommufd_access *acc = iommufd_file_private((int)fd, &iommufd_test_staccess_fops);

	if (!acc)
		*rc = -EBADFD;
	return acc;
}

static int iommufd_test_create_access(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_access *acc;
	struct iommufd_ioas *ioas;
	int rc, fd;

	if (cmd->create_access.flags & ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	/* iommufd_access_create() */
	acc = _iommufd_object_alloc(ictx, sizeof(*acc), IOMMUFD_OBJ_ACCESS);
	if (!acc)
		return -ENOMEM;
	acc->needs_pin = cmd->create_access.flags &
			 MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	acc->iova_alignment = acc->needs_pin ? umem_page_size() : 1;
	acc->obj.users++;
	acc->ictx = ictx;
	iommufd_ctx_get(ictx);
	/* iommufd_access_attach() */
	ioas = iommufd_get_ioas(ictx, cmd->id);
	rc = ioas ? iommufd_access_change_ioas(acc, ioas) : -ENOENT;
	if (rc)
		goto out_destroy;
	fd = iommufd_file_install(&iommufd_test_staccess_fops, acc, true);
	if (fd < 0) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	cmd->create_access.out_access_fd = fd;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The fd was never handed out; discarding it releases the access. */
		iommufd_file_discard(fd);
		return rc;
	}
	return 0;

out_destroy:
	acc->obj.users--;
	iommufd_object_abort_and_destroy(ictx, &acc->obj);
	iommufd_ctx_put(ictx);
	return rc;
}

static int iommufd_test_access_replace_ioas(struct iommu_test_cmd *cmd)
{
	struct iommufd_access *acc;
	struct iommufd_ioas *ioas;
	int rc;

	acc = iommufd_access_get(cmd->id, &rc);
	if (!acc)
		return rc;
	/* iommufd_access_replace() */
	if (!acc->ioas)
		return -ENOENT;
	ioas = iommufd_get_ioas(acc->ictx, cmd->access_replace_ioas.ioas_id);
	if (!ioas)
		return -ENOENT;
	return iommufd_access_change_ioas(acc, ioas);
}

/* iopt_area_contig_is_aligned() */
static bool iopt_area_contig_is_aligned(struct iopt_area_contig_iter *c)
{
	uint64_t ps = umem_page_size();

	if (iopt_area_start_byte(c->area, c->cur) % ps)
		return false;
	if (!iopt_area_contig_done(c) &&
	    (iopt_area_start_byte(c->area, iopt_area_last_iova(c->area)) % ps) != ps - 1)
		return false;
	return true;
}

static bool check_area_prot(struct iopt_area *a, bool write)
{
	return a->prot & (write ? IOMMU_IOAS_MAP_WRITEABLE :
				  IOMMU_IOAS_MAP_READABLE);
}

/* iommufd_access_pin_pages() */
static int iommufd_access_pin_pages(struct iommufd_access *acc, uint64_t iova,
			    uint64_t length, bool write, uint64_t *first_va)
{
	uint64_t last, ps = umem_page_size();
	struct iopt_area_contig_iter c;
	struct iopt_area *a;
	uint64_t *out = first_va;
	int rc = 0;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (!acc->ioas)
		return -ENOENT;
	iopt_for_each_contig_area(&c, a, acc->ioas, iova, last) {
		uint64_t l = last < iopt_area_last_iova(a) ? last : iopt_area_last_iova(a);
		uint64_t idx = iopt_area_iova_to_index(a, c.cur), lidx = iopt_area_iova_to_index(a, l);

		if (a->prevent_access || !iopt_area_contig_is_aligned(&c)) {
			rc = -EINVAL;
			break;
		}
		if (!check_area_prot(a, write)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_area_add_access(a, idx, lidx, write);
		if (rc)
			break;
		for (uint64_t i = idx; i <= lidx; i++)
			*out++ = a->pages->uptr + i * ps;
	}
	if (!rc && !iopt_area_contig_done(&c))
		rc = -ENOENT;
	if (rc && iova < c.cur) {
		uint64_t ulast = c.cur - 1;
		struct iopt_area_contig_iter c2;

		iopt_for_each_contig_area(&c2, a, acc->ioas, iova, ulast)
			iopt_area_remove_access(a, iopt_area_iova_to_index(a, c2.cur),
					   iopt_area_iova_to_index(a, ulast < iopt_area_last_iova(a) ?
								 ulast :
								 iopt_area_last_iova(a)));
	}
	return rc;
}

static int iommufd_test_access_pages(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->access_pages.iova, length = cmd->access_pages.length;
	uint64_t uptr = cmd->access_pages.uptr, ps = umem_page_size(), npages;
	uint32_t flags = cmd->access_pages.flags;
	struct iommufd_access *acc;
	uint64_t *vas;
	struct selftest_access_item *items;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	acc = iommufd_access_get(cmd->id, &rc);
	if (!acc)
		return rc;
	if (!acc->needs_pin)
		return -EOPNOTSUPP;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = acc->ioas ? __iommufd_test_syz_conv_iova(acc->ioas, iova) : 0;
	npages = (((iova + length + ps - 1) & ~(ps - 1)) - (iova & ~(ps - 1))) /
		 ps;
	vas = calloc(npages ? npages : 1, sizeof(*vas));
	if (!vas)
		return -ENOMEM;
	rc = iommufd_access_pin_pages(acc, iova, length,
			      flags & MOCK_FLAGS_ACCESS_WRITE, vas);
	if (rc)
		goto out_free;
	/* iommufd_test_check_pages(): for syzkaller a NULL uptr skips it */
	if (uptr) {
		uint64_t va = uptr - (iova - (iova & ~(ps - 1)));

		for (uint64_t i = 0; i < npages; i++, va += ps) {
			rc = umem_check_pin(va, 1, false, false);
			if (rc)
				goto out_unaccess;
			if ((va & ~(ps - 1)) != vas[i]) {
				rc = -EBADE;
				goto out_unaccess;
			}
		}
	}
	items = realloc(acc->items, (acc->nitems + 1) * sizeof(*items));
	if (!items) {
		rc = -ENOMEM;
		goto out_unaccess;
	}
	acc->items = items;
	items[acc->nitems].iova = iova;
	items[acc->nitems].length = length;
	items[acc->nitems].id = acc->next_id++;
	acc->nitems++;
	cmd->access_pages.out_access_pages_id = items[acc->nitems - 1].id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		acc->nitems--;
		goto out_unaccess;
	}
	goto out_free;

out_unaccess:
	iommufd_access_unpin_pages(acc, iova, length);
out_free:
	free(vas);
	return rc;
}

static int iommufd_test_access_item_destroy(struct iommu_test_cmd *cmd)
{
	struct iommufd_access *acc;
	int rc;

	acc = iommufd_access_get(cmd->id, &rc);
	if (!acc)
		return rc;
	for (size_t i = 0; i < acc->nitems; i++) {
		if (acc->items[i].id != cmd->destroy_access_pages.access_pages_id)
			continue;
		iommufd_access_unpin_pages(acc, acc->items[i].iova, acc->items[i].length);
		iommufd_test_access_item_del(acc, i);
		return 0;
	}
	return -ENOENT;
}

/*
 * iopt_pages_rw_access(): the data moves through the user VA. The fast path
 * is copy_to/from_user (EFAULT on a bad VA); SLOW_PATH goes through pinning,
 * which applies the pin_user_pages() rules to the pages touched.
 */
static int iopt_pages_rw_access(struct iopt_pages *p, uint64_t start_byte, uint8_t *data,
		    uint64_t length, uint32_t flags)
{
	uint64_t ps = umem_page_size(), va = p->uptr + start_byte;
	bool write = flags & MOCK_ACCESS_RW_WRITE;
	int rc;

	if (write && !p->writable)
		return -EPERM;
	if (flags & MOCK_ACCESS_RW_SLOW_PATH) {
		uint64_t first = va & ~(ps - 1);
		uint64_t end = (va + length + ps - 1) & ~(ps - 1);
		bool single = start_byte / ps == (start_byte + length - 1) / ps;

		/*
		 * iopt_pages_rw_page() pins one page with FOLL_WRITE only
		 * for a write; iopt_pages_rw_slow() reads through the pfn
		 * reader, which pins with FOLL_WRITE when the pages are
		 * writable.
		 */
		rc = umem_check_pin(first, end - first,
				    single ? write : p->writable, !single);
		if (rc)
			return rc;
	}
	return write ? umem_copy_to(va, data, length) :
		       umem_copy_from(data, va, length);
}

static int iommufd_test_access_rw(struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->access_rw.iova, length = cmd->access_rw.length;
	uint64_t ubuf = cmd->access_rw.uptr, last;
	uint32_t flags = cmd->access_rw.flags;
	bool write = flags & MOCK_ACCESS_RW_WRITE;
	struct iommufd_access *acc;
	struct iopt_area_contig_iter c;
	struct iopt_area *a;
	uint8_t *tmp, *data;
	int rc;

	if (length > 16 * 1024 * 1024)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	acc = iommufd_access_get(cmd->id, &rc);
	if (!acc)
		return rc;
	tmp = calloc(1, length ? length : 1);
	if (!tmp)
		return -ENOMEM;
	if (write) {
		rc = umem_copy_from(tmp, ubuf, length);
		if (rc)
			goto out_free;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = acc->ioas ? __iommufd_test_syz_conv_iova(acc->ioas, iova) : 0;
	/* iommufd_access_rw() */
	rc = -EINVAL;
	if (!length)
		goto out_free;
	if (__builtin_add_overflow(iova, length - 1, &last)) {
		rc = -EOVERFLOW;
		goto out_free;
	}
	if (!acc->ioas) {
		rc = -ENOENT;
		goto out_free;
	}
	data = tmp;
	iopt_for_each_contig_area(&c, a, acc->ioas, iova, last) {
		uint64_t l = last < iopt_area_last_iova(a) ? last : iopt_area_last_iova(a);
		uint64_t bytes = l - c.cur + 1;

		if (a->prevent_access) {
			rc = -EINVAL;
			goto out_free;
		}
		if (!check_area_prot(a, write)) {
			rc = -EPERM;
			goto out_free;
		}
		rc = iopt_pages_rw_access(a->pages, iopt_area_start_byte(a, c.cur), data, bytes,
			      flags);
		if (rc)
			goto out_free;
		data += bytes;
	}
	if (!iopt_area_contig_done(&c)) {
		rc = -ENOENT;
		goto out_free;
	}
	if (!write)
		rc = umem_copy_to(ubuf, tmp, length);
out_free:
	free(tmp);
	return rc;
}

static int iommufd_test_dirty(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	uint64_t iova = cmd->dirty.iova, length = cmd->dirty.length;
	uint64_t page_size = cmd->dirty.page_size, uptr = cmd->dirty.uptr;
	uint64_t max, count = 0, i;
	struct iommufd_hw_pagetable *hwpt;
	uint8_t *bits;
	int rc;

	if (!page_size || !length || iova % page_size || length % page_size ||
	    !uptr)
		return -EINVAL;
	max = length / page_size;
	if (max > 16ULL * 1024 * 1024 * 8)
		return -EOVERFLOW;
	hwpt = get_md_pagetable(ucmd->ictx, cmd->id);
	if (!hwpt)
		return -ENOENT;
	if (!hwpt->dirty_tracking)
		return -EINVAL;
	bits = calloc(1, (max + 63) / 64 * 8);
	if (!bits)
		return -ENOMEM;
	rc = umem_copy_from(bits, uptr, (max + 7) / 8);
	if (rc)
		goto out;
	for (i = 0; i < max; i++) {
		/* 6.12 indexes the mock's page table by cur / page_size. */
		uint64_t index = (iova + i * page_size) / page_size;

		if (!(bits[i / 8] & (1u << (i % 8))))
			continue;
		if (!mock_domain_has_entry(hwpt, index))
			continue;
		rc = mock_domain_dirty_set(hwpt, index);
		if (rc)
			goto out;
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	free(bits);
	return rc;
}

static int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return iommufd_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return iommufd_test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return iommufd_test_md_check_pa(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return iommufd_test_md_check_refs(cmd);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return iommufd_test_md_check_iotlb(ucmd, cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_access_item_destroy(cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* Only sizes the kernel's internal batches: stored, no effect. */
		if (cmd->memory_limit.limit < MOCK_MEMORY_LIMIT_MIN)
			return -EINVAL;
		g_memory_limit = cmd->memory_limit.limit;
		return 0;
	case IOMMU_TEST_OP_DIRTY:
		return iommufd_test_dirty(ucmd, cmd);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		/*
		 * iommufd_test_trigger_iopf(): the fault is reported to the
		 * device's domain; with no fault queue attached (the mock
		 * has none) it is dropped and the op still returns 0.
		 */
		return iommufd_get_device(ucmd->ictx, cmd->trigger_iopf.dev_id) ? 0 :
								       -ENOENT;
	default:
		return -EOPNOTSUPP;
	}
}

/* ------------------------------------------------------ fault queues -- */

/* iommufd_fault_fops_release() */
static void iommufd_fault_fops_release(void *private_data)
{
	struct iommufd_fault *fault = private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	fault->obj.users--;
	iommufd_ctx_put(ictx);
}

static const struct iommufd_file_ops iommufd_fault_fops = {
	.name = "iommufd-mock-pgfault",
	.release = iommufd_fault_fops_release,
};

/* iommufd_fault_alloc(): an object and an fd that holds it and the ictx. */
static int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	int fd, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fault = _iommufd_object_alloc(ucmd->ictx, sizeof(*fault), IOMMUFD_OBJ_FAULT);
	if (!fault)
		return -ENOMEM;
	fault->ictx = ucmd->ictx;
	fd = iommufd_file_install(&iommufd_fault_fops, fault, true);
	if (fd < 0) {
		iommufd_object_abort(ucmd->ictx, &fault->obj);
		return -EMFILE;
	}
	fault->obj.users++;
	iommufd_ctx_get(ucmd->ictx);
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = fd;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The fd was never handed out: discarding it drops its refs. */
		iommufd_file_discard(fd);
		iommufd_object_abort_and_destroy(ucmd->ictx, &fault->obj);
	}
	return rc;
}

/* ------------------------------------------------- VFIO compatibility -- */

/*
 * iopt_area_split(): type1 (v1) may unmap inside a mapping, so the area is
 * cut in two at iova (iova becomes the last byte of the left half).
 */
static int iopt_area_split(struct iommufd_ioas *ioas, struct iopt_area *a, uint64_t iova)
{
	uint64_t start = iopt_area_iova(a), last = iopt_area_last_iova(a), new_start = iova + 1;
	uint64_t align = ioas->iova_alignment;
	struct iopt_area *lhs, *rhs;
	int rc;

	if (iova == start || iova == last)
		return 0;
	if (a->prevent_access)
		return -EBUSY;
	if ((new_start & (align - 1)) ||
	    (iopt_area_start_byte(a, new_start) & (align - 1)))
		return -EINVAL;
	if (a->num_accesses)
		return -EINVAL;
	if (a->domain_pinned && !ioas->disable_large_pages)
		return -EINVAL;
	lhs = calloc(1, sizeof(*lhs));
	rhs = calloc(1, sizeof(*rhs));
	if (!lhs || !rhs) {
		free(lhs);
		free(rhs);
		return -ENOMEM;
	}
	*lhs = *a;
	*rhs = *a;
	lhs->node.last = iova;
	rhs->node.start = new_start;
	rhs->start_byte = iopt_area_start_byte(a, new_start);
	lhs->domain_pinned = rhs->domain_pinned = false;
	/* The halves take over the pins before the whole lets go of them. */
	if (a->domain_pinned) {
		rc = iopt_area_fill_domains(lhs);
		if (!rc) {
			rc = iopt_area_fill_domains(rhs);
			if (rc)
				iopt_area_unpin_domains(lhs);
		}
		if (rc) {
			free(lhs);
			free(rhs);
			return rc;
		}
		iopt_area_unpin_domains(a);
	}
	itree_remove(&ioas->used, &a->node);
	itree_insert(&ioas->used, &lhs->node);
	itree_insert(&ioas->used, &rhs->node);
	a->pages->refs++;
	ioas->nareas++;
	free(a);
	return 0;
}

/* iommufd_vfio_map_dma(): a fixed-IOVA map into the compat IOAS. */
static int iommufd_vfio_map_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	const uint32_t supported = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
	struct iopt_pages_list elm = {};
	struct iommufd_ioas *ioas;
	uint64_t iova;
	int prot = 0, rc;

	if (umem_copy_from(&map, arg, offsetofend(typeof(map), size)))
		return -EFAULT;
	if (map.argsz < offsetofend(typeof(map), size) ||
	    (map.flags & ~supported))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_IOAS_MAP_READABLE;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_IOAS_MAP_WRITEABLE;
	ioas = ictx->vfio_ioas;
	if (!ioas)
		return -ENODEV;
	iova = map.iova;
	elm.pages = iopt_alloc_pages(ictx, map.vaddr, map.size,
				prot & IOMMU_IOAS_MAP_WRITEABLE, &rc);
	if (!elm.pages)
		return rc;
	elm.start_byte = map.vaddr - elm.pages->uptr;
	elm.length = map.size;
	rc = iopt_map_pages(ioas, &elm, 1, map.size, &iova, prot, false);
	iopt_put_pages(elm.pages);
	return rc;
}

/* iommufd_vfio_unmap_dma(): reports what it removed even when it fails. */
static int iommufd_vfio_unmap_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	struct vfio_iommu_type1_dma_unmap unmap;
	size_t minsz = offsetofend(typeof(unmap), size);
	uint64_t unmapped = 0, last;
	struct iommufd_ioas *ioas;
	int rc;

	if (umem_copy_from(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;
	ioas = ictx->vfio_ioas;
	if (!ioas)
		return -ENODEV;
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova != 0 || unmap.size != 0)
			return -EINVAL;
		rc = iopt_unmap_iova_range(ioas, 0, UINT64_MAX, &unmapped);
	} else {
		rc = 0;
		if (ioas->disable_large_pages) {
			/* iopt_cut_iova() at the last byte, and before the first */
			uint64_t cuts[2] = { unmap.iova + unmap.size - 1,
					     unmap.iova - 1 };

			for (int i = 0; i < (unmap.iova ? 2 : 1) && !rc; i++) {
				struct iopt_area *a = iopt_area_iter_first(ioas, cuts[i],
							     cuts[i]);

				if (a)
					rc = iopt_area_split(ioas, a, cuts[i]);
			}
			if (rc)
				return rc;
		}
		/* iopt_unmap_iova() */
		if (!unmap.size)
			rc = -EINVAL;
		else if (__builtin_add_overflow(unmap.iova, unmap.size - 1,
						&last))
			rc = -EOVERFLOW;
		else
			rc = iopt_unmap_iova_range(ioas, unmap.iova, last,
					      &unmapped);
	}
	unmap.size = unmapped;
	if (umem_copy_to(arg, &unmap, minsz))
		rc = -EFAULT;
	return rc;
}

static long iommufd_vfio_check_extension(struct iommufd_ctx *ictx, unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		/*
		 * iommufd_vfio_cc_iommu(): a mock device cannot enforce
		 * cache coherency, so any hwpt on the compat IOAS says no.
		 */
		if (!ictx->vfio_ioas)
			return -ENODEV;
		return ictx->vfio_ioas->nhwpts ? 0 : 1;
	default:
		/* NOIOMMU (not built), TYPE1_NESTING, UPDATE_VADDR, unknown */
		return 0;
	}
}

static int iommufd_vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommu_option opt = { .op = IOMMU_OPTION_OP_SET, .val64 = 0 };

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	if (!ictx->vfio_ioas)
		return -ENODEV;
	/* Type1 v1 unmaps inside mappings: no large IOPTEs that can't split. */
	if (type == VFIO_TYPE1_IOMMU)
		return iommufd_ioas_option_huge_pages(&opt, ictx->vfio_ioas);
	return 0;
}

/* iommufd_get_pagesizes() */
static uint64_t iommufd_get_pagesizes(struct iommufd_ioas *ioas)
{
	uint64_t ps = umem_page_size(), bitmap = UINT64_MAX;

	for (size_t i = 0; i < ioas->nhwpts; i++)
		bitmap &= ioas->hwpts[i]->pgsize_bitmap;
	if (bitmap & (ps - 1)) {
		bitmap &= ~(ps - 1);
		bitmap |= ps;
	}
	return bitmap > ioas->iova_alignment ? bitmap : ioas->iova_alignment;
}

/* iommufd_fill_cap_iova(): the holes between reserved ranges. */
static int iommufd_fill_cap_iova(struct iommufd_ioas *ioas, uint64_t cur, uint64_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	size_t range_off = offsetof(typeof(cap), iova_ranges);
	uint64_t next = 0;
	bool exhausted = false;

	for (size_t i = 0; i <= ioas->nresv_segs && !exhausted; i++) {
		struct vfio_iova_range r = { .start = next, .end = UINT64_MAX };

		if (i < ioas->nresv_segs) {
			const struct itree_node *seg = &ioas->resv_segs[i].node;

			if (seg->last == UINT64_MAX)
				exhausted = true;
			else
				next = seg->last + 1;
			if (seg->start <= r.start)
				continue;
			r.end = seg->start - 1;
		}
		if (avail >= sizeof(cap) + (cap.nr_iovas + 1) * sizeof(r) &&
		    umem_copy_to(cur + range_off + cap.nr_iovas * sizeof(r), &r,
				 sizeof(r)))
			return -EFAULT;
		cap.nr_iovas++;
	}
	if (avail >= sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range) &&
	    umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range);
}

/* iommufd_fill_cap_dma_avail(): U32_MAX, as s390 QEMU needs. */
static int iommufd_fill_cap_dma_avail(struct iommufd_ioas *ioas, uint64_t cur,
				   uint64_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap) && umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int iommufd_vfio_iommu_get_info(struct iommufd_ctx *ictx, uint64_t arg)
{
	int (*const fill[])(struct iommufd_ioas *, uint64_t, uint64_t) = {
		iommufd_fill_cap_dma_avail, iommufd_fill_cap_iova,
	};
	struct vfio_iommu_type1_info info = {};
	size_t minsz = offsetofend(typeof(info), iova_pgsizes);
	uint64_t total = sizeof(info), last_cap = 0;
	bool have_last = false;
	struct iommufd_ioas *ioas;

	if (umem_copy_from(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	ioas = ictx->vfio_ioas;
	if (!ioas)
		return -ENODEV;
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = iommufd_get_pagesizes(ioas);
	info.cap_offset = 0;
	for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
		int size = info.argsz > total ?
				   fill[i](ioas, arg + total, info.argsz - total) :
				   fill[i](ioas, 0, 0);

		if (size < 0)
			return size;
		size = (size + 7) & ~7;
		if (have_last && info.argsz >= total) {
			uint32_t next = (uint32_t)total;

			if (umem_copy_to(last_cap + offsetof(struct vfio_info_cap_header,
							     next),
					 &next, sizeof(next)))
				return -EFAULT;
		}
		last_cap = arg + total;
		have_last = true;
		total += size;
	}
	if (info.argsz >= total)
		info.cap_offset = sizeof(info);
	info.argsz = total;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	return umem_copy_to(arg, &info, minsz);
}

/* iommufd_vfio_ioctl(): the type1 container ioctls on /dev/iommu. */
static long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned long cmd, uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return iommufd_vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommufd_vfio_iommu_get_info(ictx, arg);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_vfio_map_dma(ictx, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_vfio_unmap_dma(ictx, arg);
	default:
		return -ENOTTY;
	}
}

/* ---------------------------------------------------------- dispatch -- */

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_fault_alloc fault;
	struct iommu_hw_info info;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate cache;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_test_cmd test;
};

struct ioctl_op {
	unsigned int size, min_size;
	unsigned long ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {                             \
		.size = sizeof(_struct),                                     \
		.min_size = offsetofend(_struct, _last),                     \
		.ioctl_num = _ioctl,                                         \
		.execute = _fn,                                              \
	}

/* The table of the kernel the mock is built against (main.c). */
static const struct ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl, struct iommu_ioas_alloc,
		 out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
};


/* iommufd_fops_ioctl() */
static long __iommufd_fops_ioctl(struct iommufd_ctx *ictx, unsigned long cmd, void *arg)
{
	const struct ioctl_op *op;
	union ucmd_buffer buf;
	struct iommufd_ucmd ucmd = {
		.ictx = ictx, .ubuffer = (uintptr_t)arg, .cmd = &buf
	};
	unsigned int nr = _IOC_NR(cmd);
	long rc;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= sizeof(iommufd_ioctl_ops) / sizeof(iommufd_ioctl_ops[0])) {
		return iommufd_vfio_ioctl(ictx, cmd, (uintptr_t)arg);
	}
	rc = umem_copy_from(&ucmd.user_size, ucmd.ubuffer, sizeof(ucmd.user_size));
	if (rc)
		return rc;
	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOTTY;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	rc = copy_struct_from_user(&buf, op->size, ucmd.ubuffer, ucmd.user_size);
	if (rc)
		return rc;
	return op->execute(&ucmd);
}

static long iommufd_fops_ioctl(void *private_data, unsigned long cmd, void *arg)
{
	long rc = __iommufd_fops_ioctl(private_data, cmd, arg);

	/* Whatever the outcome, the call's snapshot and pipe end with it. */
	umem_snapshot_drop();
	return rc;
}

/* iommufd_fops_release(): the file's reference on the context goes. */
static void iommufd_fops_release(void *private_data)
{
	iommufd_ctx_put(private_data);
}

const struct iommufd_file_ops iommufd_fops = {
	.name = "iommufd-mock",
	.ioctl = iommufd_fops_ioctl,
	.release = iommufd_fops_release,
};

/* iommufd_fops_open(): a fresh context per open, like the kernel. */
int iommufd_fops_open(bool cloexec)
{
	struct iommufd_ctx *ictx = iommufd_ctx_alloc();
	int fd;

	if (!ictx)
		return -ENOMEM;
	fd = iommufd_file_install(&iommufd_fops, ictx, cloexec);
	if (fd < 0)
		iommufd_ctx_put(ictx);
	return fd;
}
