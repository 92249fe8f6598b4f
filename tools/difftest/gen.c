// SPDX-License-Identifier: GPL-2.0
/*
 * The grammar: random op sequences of the core iommufd uAPI from a seed.
 * Arguments are mostly valid (slots the sequence filled, IOVAs on a small
 * grid inside the mock domain's aperture, lengths of a few pages, pointers
 * into the buffers every run maps at the same addresses) with a share of
 * invalid ones (raw ids, unaligned IOVAs and lengths, NULL, PROT_NONE,
 * read-only memory for writeable maps) so that error paths are compared too.
 */
#include <linux/iommufd.h>
#include <stdint.h>
#include <string.h>

#include "iommufd_test.h"
#include "difftest.h"
#include "gen.h"

static const char *const op_names[DT_NR_KINDS] = {
	[DT_IOAS_ALLOC] = "ioas_alloc",
	[DT_DESTROY] = "destroy",
	[DT_IOVA_RANGES] = "iova_ranges",
	[DT_ALLOW_IOVAS] = "allow_iovas",
	[DT_MAP] = "map",
	[DT_COPY] = "copy",
	[DT_UNMAP] = "unmap",
	[DT_OPTION] = "option",
	[DT_HWPT_ALLOC] = "hwpt_alloc",
	[DT_MOCK_DOMAIN] = "mock_domain",
	[DT_MOCK_REPLACE] = "mock_replace",
	[DT_CHECK_MAP] = "md_check_map",
	[DT_CHECK_REFS] = "md_check_refs",
	[DT_ACCESS_CREATE] = "access_create",
	[DT_ACCESS_PAGES] = "access_pages",
	[DT_ACCESS_UNPIN] = "access_unpin",
	[DT_ACCESS_RW] = "access_rw",
	[DT_ACCESS_CLOSE] = "access_close",
	[DT_SET_DIRTY] = "set_dirty",
	[DT_GET_DIRTY] = "get_dirty",
	[DT_TEST_DIRTY] = "test_dirty",
	[DT_ADD_RESERVED] = "add_reserved",
	[DT_FD_OPEN] = "fd_open",
	[DT_FD_DUP] = "fd_dup",
	[DT_FD_CLOSE] = "fd_close",
	[DT_BUF_WRITE] = "buf_write",
	[DT_THREADS] = "threads",
	[DT_FORK] = "fork",
	[DT_HW_INFO] = "hw_info",
	[DT_INVALIDATE] = "invalidate",
	[DT_CHECK_IOTLB] = "md_check_iotlb",
	[DT_ACCESS_REPLACE] = "access_replace",
	[DT_VIOMMU_ALLOC] = "viommu_alloc",
	[DT_VIOMMU_MMAP] = "viommu_mmap",
	[DT_VIOMMU_MUNMAP] = "viommu_munmap",
	[DT_VDEVICE_ALLOC] = "vdevice_alloc",
	[DT_VEVENTQ_ALLOC] = "veventq_alloc",
	[DT_VEVENTQ_READ] = "veventq_read",
	[DT_VEVENTQ_CLOSE] = "veventq_close",
	[DT_TRIGGER_VEVENT] = "trigger_vevent",
	[DT_HW_QUEUE_ALLOC] = "hw_queue_alloc",
	[DT_DEV_CHECK_CACHE] = "dev_check_cache",
	[DT_PASID] = "pasid",
	[DT_FAULT_ALLOC] = "fault_alloc",
	[DT_TRIGGER_IOPF] = "trigger_iopf",
	[DT_FAULT_READ] = "fault_read",
	[DT_FAULT_WRITE] = "fault_write",
	[DT_FAULT_CLOSE] = "fault_close",
	[DT_DMABUF_GET] = "dmabuf_get",
	[DT_DMABUF_REVOKE] = "dmabuf_revoke",
	[DT_MAP_FILE] = "map_file",
	[DT_CHANGE_PROCESS] = "change_process",
	[DT_NOIOMMU_GET_PA] = "noiommu_get_pa",
	[DT_VFIO_IOAS] = "vfio_ioas",
	[DT_VFIO_CHECK] = "vfio_check",
	[DT_VFIO_SET_IOMMU] = "vfio_set_iommu",
	[DT_VFIO_GET_INFO] = "vfio_get_info",
	[DT_VFIO_MAP] = "vfio_map",
	[DT_VFIO_UNMAP] = "vfio_unmap",
};

const char *dt_op_name(unsigned int kind)
{
	return kind < DT_NR_KINDS ? op_names[kind] : "?";
}

/*
 * Relative weights: the ops that build state (alloc, map, mock domain)
 * often enough that the ops reading it find something.
 */
static const unsigned int op_weights[DT_NR_KINDS] = {
	[DT_IOAS_ALLOC] = 8,  [DT_DESTROY] = 4,	      [DT_IOVA_RANGES] = 3,
	[DT_ALLOW_IOVAS] = 2, [DT_MAP] = 16,	      [DT_COPY] = 5,
	[DT_UNMAP] = 8,	      [DT_OPTION] = 3,	      [DT_HWPT_ALLOC] = 5,
	[DT_MOCK_DOMAIN] = 6, [DT_MOCK_REPLACE] = 3,  [DT_CHECK_MAP] = 5,
	[DT_CHECK_REFS] = 4,  [DT_ACCESS_CREATE] = 3, [DT_ACCESS_PAGES] = 4,
	[DT_ACCESS_UNPIN] = 2, [DT_ACCESS_RW] = 4,    [DT_ACCESS_CLOSE] = 1,
	[DT_SET_DIRTY] = 3,   [DT_GET_DIRTY] = 4,     [DT_TEST_DIRTY] = 3,
	[DT_ADD_RESERVED] = 2, [DT_FD_OPEN] = 1,      [DT_FD_DUP] = 1,
	[DT_FD_CLOSE] = 1,    [DT_BUF_WRITE] = 2,     [DT_THREADS] = 2,
	[DT_FORK] = 2,	      [DT_HW_INFO] = 2,	      [DT_INVALIDATE] = 3,
	[DT_CHECK_IOTLB] = 2, [DT_ACCESS_REPLACE] = 2,
	/* about 30% of single ops are of the 7.x objects, fault queues and VFIO */
	[DT_VIOMMU_ALLOC] = 3, [DT_VIOMMU_MMAP] = 2,  [DT_VIOMMU_MUNMAP] = 1,
	[DT_VDEVICE_ALLOC] = 3, [DT_VEVENTQ_ALLOC] = 2, [DT_VEVENTQ_READ] = 2,
	[DT_VEVENTQ_CLOSE] = 1, [DT_TRIGGER_VEVENT] = 2, [DT_HW_QUEUE_ALLOC] = 2,
	[DT_DEV_CHECK_CACHE] = 1, [DT_PASID] = 3,     [DT_FAULT_ALLOC] = 2,
	[DT_TRIGGER_IOPF] = 2, [DT_FAULT_READ] = 2,   [DT_FAULT_WRITE] = 1,
	[DT_FAULT_CLOSE] = 1, [DT_DMABUF_GET] = 2,    [DT_DMABUF_REVOKE] = 1,
	[DT_MAP_FILE] = 4,    [DT_CHANGE_PROCESS] = 1, [DT_NOIOMMU_GET_PA] = 1,
	[DT_VFIO_IOAS] = 2,   [DT_VFIO_CHECK] = 1,    [DT_VFIO_SET_IOMMU] = 2,
	[DT_VFIO_GET_INFO] = 1, [DT_VFIO_MAP] = 3,    [DT_VFIO_UNMAP] = 2,
};

/* ---- buffers ---- */

/*
 * Every buffer at a fixed, 1 GiB aligned address, the same in each run:
 * the kernel picks an IOVA's alignment from the user address
 * (io_pagetable.c iopt_alloc_iova(): min of roundup_pow_of_two(length) and
 * the lowest set bit of uptr), so equal addresses make kernel-chosen IOVAs
 * comparable, and the traces never need to print an address.
 */
#define DT_BUF_BASE 0x100000000000ULL
static const unsigned int buf_pages[DT_NR_BUFS] = {
	[DT_BUF_ANON] = 64, [DT_BUF_MEMFD] = 32, [DT_BUF_RDONLY] = 16,
	[DT_BUF_NONE] = 8,  [DT_BUF_ALIAS] = 16,
};
static const char *const buf_names[DT_NR_BUFS] = {
	[DT_BUF_ANON] = "anon", [DT_BUF_MEMFD] = "memfd",
	[DT_BUF_RDONLY] = "rdonly", [DT_BUF_NONE] = "none",
	[DT_BUF_ALIAS] = "alias",
};

const char *dt_buf_name(unsigned int buf)
{
	return buf < DT_NR_BUFS ? buf_names[buf] : "null";
}

unsigned int dt_buf_pages(unsigned int buf)
{
	return buf < DT_NR_BUFS ? buf_pages[buf] : 0;
}

uintptr_t dt_buf_base(unsigned int buf)
{
	return buf < DT_NR_BUFS ? (uintptr_t)(DT_BUF_BASE + ((uint64_t)buf << 30)) : 0;
}

/* A user pointer: buffer << 32 | byte offset; buffer DT_NR_BUFS is NULL. */
uint64_t dt_uptr_decode(uint64_t code)
{
	return dt_buf_base((unsigned int)(code >> 32)) + (uint32_t)code;
}

uint64_t dt_gen_uptr(struct dt_rng *r, unsigned int pages)
{
	static const uint8_t bufs[] = { DT_BUF_ANON, DT_BUF_ANON, DT_BUF_ANON,
					DT_BUF_MEMFD, DT_BUF_MEMFD, DT_BUF_ALIAS,
					DT_BUF_RDONLY, DT_BUF_NONE, DT_NR_BUFS };
	unsigned int b = bufs[rnd(r, sizeof(bufs))];
	unsigned int room = dt_buf_pages(b) > pages ? dt_buf_pages(b) - pages : 0;
	uint64_t off = (uint64_t)rnd(r, room + 1) * 4096;

	if (chance(r, 4))
		off += 2048;	/* unaligned: EINVAL or a partial page */
	return ((uint64_t)b << 32) | off;
}

/* ---- IOVAs ---- */

static const uint64_t iova_literals[] = {
	0, 4096, MOCK_APERTURE_START - 4096, (uint64_t)MOCK_APERTURE_LAST + 1 - 4096,
	(uint64_t)MOCK_APERTURE_LAST + 1, 1ULL << 40, UINT64_MAX - 4095,
};

/*
 * Grid points 16 KiB apart from the mock domain's aperture start: close
 * enough that maps overlap, are cut by unmaps and meet reserved ranges.
 */
uint64_t dt_iova_decode(uint64_t code, const uint64_t *slots)
{
	uint64_t v = code & ((1ULL << 56) - 1);

	switch (code >> 56) {
	case IOVA_GRID:
		return MOCK_APERTURE_START + (v >> 12) * 0x4000 + (v & 0xfff);
	case IOVA_SLOT:
		return slots[(v >> 16) % DT_IOVA_SLOTS] + (v & 0xffff) * 4096;
	default:
		return iova_literals[v % (sizeof(iova_literals) / sizeof(iova_literals[0]))];
	}
}

uint64_t dt_gen_iova(struct dt_rng *r)
{
	unsigned int p = rnd(r, 100);

	if (p < 55)
		return IOVA_CODE(IOVA_GRID, (uint64_t)rnd(r, 48) << 12 |
					    (chance(r, 4) ? 0x800 : 0));
	if (p < 93)
		return IOVA_CODE(IOVA_SLOT, (uint64_t)rnd(r, DT_IOVA_SLOTS) << 16 |
					    (chance(r, 70) ? 0 : rnd(r, 4)));
	return IOVA_CODE(IOVA_LIT, rnd(r, sizeof(iova_literals) / sizeof(iova_literals[0])));
}

uint64_t dt_gen_pages(struct dt_rng *r)
{
	return chance(r, 60) ? 1 + rnd(r, 4) : 1 + rnd(r, 16);
}

uint64_t dt_gen_length(struct dt_rng *r, uint64_t pages)
{
	unsigned int p = rnd(r, 100);

	if (p < 3)
		return 0;
	if (p < 7)
		return pages * 4096 + 2048;
	return pages * 4096;
}

/* ---- references ---- */

struct dt_gen_state *dt_gs;

unsigned int dt_gen_pick_slot(struct dt_rng *r, unsigned int mask, unsigned int nr)
{
	unsigned int i, n = 0, pick;

	if (!mask || chance(r, 10))
		return rnd(r, nr);
	for (i = 0; i < nr; i++)
		n += (mask >> i) & 1;
	pick = rnd(r, n);
	for (i = 0; i < nr; i++)
		if (((mask >> i) & 1) && !pick--)
			return i;
	return 0;
}

uint16_t dt_gen_ref(struct dt_rng *r, unsigned int kind)
{
	if (kind == DT_REF_RAW || chance(r, 5))
		return DT_REF(DT_REF_RAW, rnd(r, 12));
	return DT_REF(kind, dt_gen_pick_slot(r, dt_gs->filled[kind], DT_SLOTS));
}

unsigned int dt_gen_out(struct dt_rng *r, unsigned int kind)
{
	unsigned int slot = chance(r, 60) ? dt_gen_pick_slot(r, (uint8_t)~dt_gs->filled[kind], DT_SLOTS) :
					    rnd(r, DT_SLOTS);

	dt_gs->filled[kind] |= 1u << slot;
	return slot;
}

/* A page table: an IOAS, or a HWPT of either origin, mostly one made. */
uint16_t dt_gen_pt_ref(struct dt_rng *r)
{
	static const uint8_t kinds[] = { DT_REF_IOAS, DT_REF_IOAS, DT_REF_IOAS,
					 DT_REF_HWPT, DT_REF_HWPT, DT_REF_DHWPT };
	unsigned int kind = kinds[rnd(r, sizeof(kinds))];

	if (!dt_gs->filled[kind] && chance(r, 90))
		kind = DT_REF_IOAS;
	return dt_gen_ref(r, kind);
}

uint16_t dt_gen_hwpt_ref(struct dt_rng *r)
{
	return dt_gen_ref(r, chance(r, 55) ? DT_REF_DHWPT : DT_REF_HWPT);
}

static unsigned int pick_kind(struct dt_rng *r, const struct dt_gen_opts *o)
{
	unsigned int total = 0, k, x;

	for (k = 0; k < DT_NR_KINDS; k++)
		if ((k != DT_FORK || o->fork) && (k != DT_THREADS || o->threads))
			total += op_weights[k];
	x = rnd(r, total);
	for (k = 0; k < DT_NR_KINDS; k++) {
		if ((k == DT_FORK && !o->fork) || (k == DT_THREADS && !o->threads))
			continue;
		if (x < op_weights[k])
			return k;
		x -= op_weights[k];
	}
	return DT_MAP;
}

void dt_gen_op(struct dt_rng *r, struct dt_op *op, unsigned int kind)
{
	uint64_t pages;

	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->fd = chance(r, 90) ? 0 : 1;
	if (chance(r, 6))
		op->size_mode = 1 + rnd(r, 3);
	if (dt_gen_op_viommu(r, op, kind) || dt_gen_op_file(r, op, kind) ||
	    dt_gen_op_vfio(r, op, kind))
		return;
	switch (kind) {
	case DT_IOAS_ALLOC:
		op->out = dt_gen_out(r, DT_REF_IOAS);
		/*
		 * Huge pages off, mostly: with them on the kernel's page
		 * tables use physical contiguity the mock cannot see (its
		 * README, "Huge IOPTEs in dirty tracking").
		 */
		op->flags = chance(r, 90);
		break;
	case DT_DESTROY: {
		static const uint8_t kinds[] = { DT_REF_IOAS, DT_REF_HWPT, DT_REF_DHWPT,
						 DT_REF_STDEV, DT_REF_IDEV, DT_REF_RAW,
						 DT_REF_VIOMMU, DT_REF_VDEV, DT_REF_VEVENTQ,
						 DT_REF_HWQ, DT_REF_FAULT };

		op->ref[0] = dt_gen_ref(r, kinds[rnd(r, sizeof(kinds))]);
		break;
	}
	case DT_IOVA_RANGES:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->nr = rnd(r, 4);
		break;
	case DT_ALLOW_IOVAS:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->nr = rnd(r, 3);
		op->a = dt_gen_iova(r);
		op->b = (dt_gen_pages(r) * 4) * 4096 - (chance(r, 10) ? 2048 : 0);
		op->c = dt_gen_iova(r);
		op->d = (dt_gen_pages(r) * 4) * 4096;
		break;
	case DT_MAP:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		pages = dt_gen_pages(r);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, pages);
		op->c = dt_gen_uptr(r, pages);
		op->flags = (chance(r, 60) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
			    (chance(r, 95) ? IOMMU_IOAS_MAP_READABLE : 0) |
			    (chance(r, 70) ? IOMMU_IOAS_MAP_WRITEABLE : 0);
		op->out = rnd(r, DT_IOVA_SLOTS);
		dt_gs->maps[op->out].used = 1;
		dt_gs->maps[op->out].ioas = op->ref[0] >> 8 == DT_REF_IOAS ? op->ref[0] & 0xff : 0xff;
		dt_gs->maps[op->out].pages = (uint32_t)pages;
		dt_gs->maps[op->out].uptr = op->c;
		break;
	case DT_COPY:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->ref[1] = dt_gen_ref(r, DT_REF_IOAS);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, dt_gen_pages(r));
		op->c = dt_gen_iova(r);
		op->flags = (chance(r, 50) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
			    (chance(r, 95) ? IOMMU_IOAS_MAP_READABLE : 0) |
			    (chance(r, 60) ? IOMMU_IOAS_MAP_WRITEABLE : 0);
		op->out = rnd(r, DT_IOVA_SLOTS);
		break;
	case DT_UNMAP:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		if (chance(r, 15)) {
			op->a = IOVA_CODE(IOVA_LIT, 0);
			op->b = UINT64_MAX;
		} else {
			op->a = dt_gen_iova(r);
			op->b = dt_gen_length(r, dt_gen_pages(r));
		}
		break;
	case DT_OPTION:
		op->ref[0] = chance(r, 30) ? DT_REF(DT_REF_RAW, 0) : dt_gen_ref(r, DT_REF_IOAS);
		op->nr = chance(r, 70) ? IOMMU_OPTION_HUGE_PAGES : IOMMU_OPTION_RLIMIT_MODE;
		if (chance(r, 4))
			op->nr = 7;
		op->flags = chance(r, 50) ? IOMMU_OPTION_OP_SET : IOMMU_OPTION_OP_GET;
		op->d = rnd(r, 100) < 95 ? rnd(r, 2) : 2;
		break;
	case DT_HWPT_ALLOC:
		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		op->ref[1] = dt_gen_pt_ref(r);
		op->flags = (chance(r, 30) ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0) |
			    (chance(r, 30) ? IOMMU_HWPT_ALLOC_DIRTY_TRACKING : 0);
		/* nested, with selftest data of 4 or 8 bytes */
		op->nr = chance(r, 80) ? 0 : 1 + rnd(r, 2);
		/* 7.x: a nested HWPT on a vIOMMU instead of its parent */
		if (op->nr && dt_gs->filled[DT_REF_VIOMMU] && chance(r, 50))
			op->ref[1] = dt_gen_ref(r, DT_REF_VIOMMU);
		/* I/O page faults go to a fault queue (6.11+) */
		if (chance(r, 12)) {
			op->flags |= IOMMU_HWPT_FAULT_ID_VALID;
			op->ref[2] = dt_gen_ref(r, DT_REF_FAULT);
		}
		if (chance(r, 8))
			op->flags |= IOMMU_HWPT_ALLOC_PASID;	/* 6.13+ */
		op->out = dt_gen_out(r, DT_REF_HWPT);
		if (!op->nr && (op->flags & IOMMU_HWPT_ALLOC_NEST_PARENT))
			dt_gs->nest_parent |= 1u << op->out;
		break;
	case DT_MOCK_DOMAIN:
		op->ref[0] = dt_gen_pt_ref(r);
		op->flags = chance(r, 15) ? MOCK_FLAGS_DEVICE_NO_DIRTY : 0;
		if (chance(r, 25))
			op->flags |= MOCK_FLAGS_DEVICE_PASID;	/* 7.x; 6.12: EINVAL */
		op->out = dt_gen_out(r, DT_REF_STDEV);
		dt_gs->dom_ioas[op->out] = op->ref[0] >> 8 == DT_REF_IOAS ? (op->ref[0] & 0xff) + 1 : 0;
		dt_gs->filled[DT_REF_DHWPT] |= 1u << op->out;
		dt_gs->filled[DT_REF_IDEV] |= 1u << op->out;
		break;
	case DT_MOCK_REPLACE:
		op->ref[0] = dt_gen_ref(r, DT_REF_STDEV);
		op->ref[1] = dt_gen_pt_ref(r);
		break;
	case DT_CHECK_MAP:
		op->ref[0] = dt_gen_hwpt_ref(r);
		pages = dt_gen_pages(r);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, pages);
		op->c = dt_gen_uptr(r, pages);
		break;
	case DT_CHECK_REFS:
		pages = dt_gen_pages(r);
		op->b = dt_gen_length(r, pages);
		op->c = dt_gen_uptr(r, pages);
		op->d = rnd(r, 100) < 60 ? 1 : rnd(r, 3);
		break;
	case DT_ACCESS_CREATE:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->flags = chance(r, 50) ? MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES : 0;
		op->out = rnd(r, 2);
		dt_gs->acc |= 1u << op->out;
		break;
	case DT_ACCESS_PAGES:
		op->nr = dt_gen_pick_slot(r, dt_gs->acc, 2);
		pages = dt_gen_pages(r);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, pages);
		op->c = dt_gen_uptr(r, pages);
		op->flags = chance(r, 50) ? MOCK_FLAGS_ACCESS_WRITE : 0;
		op->out = rnd(r, DT_SLOTS);
		dt_gs->pages |= 1u << op->out;
		break;
	case DT_ACCESS_UNPIN:
		op->nr = dt_gen_pick_slot(r, dt_gs->acc, 2);
		op->out = dt_gen_pick_slot(r, dt_gs->pages, DT_SLOTS);
		break;
	case DT_ACCESS_RW:
		op->nr = dt_gen_pick_slot(r, dt_gs->acc, 2);
		op->a = dt_gen_iova(r);
		op->c = chance(r, 30) ? rnd(r, 4096) : 0;	/* byte offset */
		op->b = chance(r, 5) ? 0 : 1 + rnd(r, chance(r, 50) ? 64 : 9000);
		op->flags = (chance(r, 40) ? MOCK_ACCESS_RW_WRITE : 0) |
			    (chance(r, 30) ? MOCK_ACCESS_RW_SLOW_PATH : 0);
		op->d = rng_next(r);
		break;
	case DT_ACCESS_CLOSE:
		op->nr = dt_gen_pick_slot(r, dt_gs->acc, 2);
		break;
	case DT_SET_DIRTY:
		op->ref[0] = dt_gen_hwpt_ref(r);
		op->flags = chance(r, 75) ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0;
		break;
	case DT_GET_DIRTY:
	case DT_TEST_DIRTY:
		op->ref[0] = dt_gen_hwpt_ref(r);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, dt_gen_pages(r));
		op->d = chance(r, 80) ? 4096 : (chance(r, 50) ? 2048 : 8192);
		op->flags = (kind == DT_GET_DIRTY && chance(r, 30)) ?
				    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR : 0;
		op->c = rng_next(r);	/* TEST_DIRTY: which pages to dirty */
		break;
	case DT_ADD_RESERVED:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, dt_gen_pages(r));
		break;
	case DT_FD_OPEN:
	case DT_FD_CLOSE:
		op->fd = chance(r, 70) ? 1 : 0;
		break;
	case DT_FD_DUP:
		op->fd = 1;
		break;
	case DT_BUF_WRITE:
		pages = dt_gen_pages(r);
		op->b = pages * 4096;
		op->c = dt_gen_uptr(r, pages);
		op->d = rng_next(r);
		break;
	case DT_THREADS:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->nr = 2 + rnd(r, 2);
		op->a = IOVA_CODE(IOVA_GRID, (uint64_t)(64 + rnd(r, 8) * 64) << 12);
		break;
	case DT_FORK:
		op->nr = 1 + rnd(r, 4);
		break;
	case DT_HW_INFO: {
		static const uint8_t lens[] = { 8, 8, 8, 0, 4, 16 };

		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		op->flags = chance(r, 85) ? 0 : 1 + rnd(r, 2);
		op->b = lens[rnd(r, sizeof(lens))];
		op->d = chance(r, 80) ? 0 : (chance(r, 50) ? IOMMU_HW_INFO_TYPE_SELFTEST : 1);
		break;
	}
	case DT_INVALIDATE:
		op->ref[0] = dt_gen_hwpt_ref(r);
		op->nr = rnd(r, 3);	/* entries */
		op->b = chance(r, 85) ? 8 : (chance(r, 50) ? 4 : 12);	/* entry_len */
		op->d = chance(r, 90) ? IOMMU_HWPT_INVALIDATE_DATA_SELFTEST :
					(chance(r, 50) ? IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID : 0);
		op->a = rng_next(r);	/* each entry's flags and iotlb_id */
		/*
		 * 7.x: a vIOMMU invalidates the device caches of its vDEVICEs
		 * (flags 1: entries of struct iommu_viommu_invalidate_selftest).
		 */
		if (dt_gs->filled[DT_REF_VIOMMU] && chance(r, 30)) {
			op->ref[0] = dt_gen_ref(r, DT_REF_VIOMMU);
			op->flags = 1;
			op->b = chance(r, 85) ? 12 : (chance(r, 50) ? 8 : 16);
			op->d = chance(r, 90) ? IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST :
						IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID;
		}
		break;
	case DT_CHECK_IOTLB:
		op->ref[0] = dt_gen_hwpt_ref(r);
		op->a = rnd(r, 5);
		op->d = chance(r, 70) ? IOMMU_TEST_IOTLB_DEFAULT : 0;
		break;
	case DT_ACCESS_REPLACE:
		op->nr = dt_gen_pick_slot(r, dt_gs->acc, 2);
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		break;
	}
}

/* ---- bursts: a few ops that use each other's results ---- */

struct dt_op *dt_gen_burst_op(struct dt_rng *r, struct dt_op *op, unsigned int kind)
{
	dt_gen_op(r, op, kind);
	op->fd = 0;
	op->size_mode = DT_SIZE_EXACT;
	return op;
}

/* A map of the IOAS in slot s into IOVA slot *k; returns its page count. */
unsigned int dt_gen_burst_map(struct dt_rng *r, struct dt_op *op, unsigned int s, unsigned int *k)
{
	dt_gen_burst_op(r, op, DT_MAP);
	op->ref[0] = DT_REF(DT_REF_IOAS, s);
	if (op->b == 0 || op->b % 4096)
		op->b = 4096 * dt_gs->maps[op->out].pages;
	/* Writeable and page aligned, else in the anonymous buffer's first 16 pages. */
	if ((op->c >> 32) >= DT_BUF_RDONLY || (op->c & 0xfff))
		op->c = ((uint64_t)DT_BUF_ANON << 32) | (op->c & 0xf000);
	op->flags |= IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	dt_gs->maps[op->out].uptr = op->c;
	dt_gs->maps[op->out].ioas = (uint8_t)s;
	*k = op->out;
	return dt_gs->maps[op->out].pages;
}

uint64_t dt_gen_slot_iova(unsigned int k, unsigned int off)
{
	return IOVA_CODE(IOVA_SLOT, (uint64_t)k << 16 | off);
}

/* The mock domain slot attached to IOAS slot s, if the sequence made one. */
unsigned int dt_gen_dom_of(struct dt_rng *r, unsigned int s)
{
	unsigned int d;

	for (d = 0; d < DT_SLOTS; d++)
		if (dt_gs->dom_ioas[d] == s + 1)
			return d;
	return rnd(r, DT_SLOTS);
}

static unsigned int gen_burst(struct dt_rng *r, struct dt_op *ops, unsigned int room)
{
	unsigned int s = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_IOAS], DT_SLOTS);
	unsigned int n = 0, k, pages, off, d = dt_gen_dom_of(r, s), h, a;
	struct dt_op *op;

	if (room < 9)
		return 0;
	switch (rnd(r, 8)) {
	case 5:
		return dt_gen_burst_viommu(r, ops, room);
	case 6:
		return dt_gen_burst_file(r, ops, room);
	case 7:
		return dt_gen_burst_vfio(r, ops, room);
	case 4:	/* a nesting parent, a nested HWPT on it, the device moved there */
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_IOAS, s);
		op->flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
		op->nr = 0;
		h = op->out;
		dt_gs->nest_parent |= 1u << h;
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, h);
		op->flags = 0;
		op->nr = 1 + rnd(r, 2);
		a = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, chance(r, 70) ? a : h);
		pages = dt_gen_burst_map(r, &ops[n++], s, &k);
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_MAP);
		op->ref[0] = DT_REF(DT_REF_HWPT, h);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		op->c = dt_gs->maps[k].uptr;
		op = dt_gen_burst_op(r, &ops[n++], DT_INVALIDATE);
		op->ref[0] = DT_REF(DT_REF_HWPT, a);
		op->flags = 0;
		op->d = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
		op->b = 8;
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_IOTLB);
		op->ref[0] = DT_REF(DT_REF_HWPT, a);
		op = dt_gen_burst_op(r, &ops[n++], DT_DESTROY);
		op->ref[0] = DT_REF(DT_REF_HWPT, chance(r, 50) ? a : h);
		break;
	case 0:	/* map, check it through the domain and the page refs */
		pages = dt_gen_burst_map(r, &ops[n++], s, &k);
		off = rnd(r, pages);
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_MAP);
		op->ref[0] = DT_REF(DT_REF_DHWPT, d);
		op->a = dt_gen_slot_iova(k, off);
		op->b = (uint64_t)(pages - off) * 4096;
		op->c = dt_gs->maps[k].uptr + off * 4096;
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_REFS);
		op->b = (uint64_t)pages * 4096;
		op->c = dt_gs->maps[k].uptr;
		op->d = 1;
		break;
	case 1:	/* a dirty-tracking HWPT, the device moved onto it, dirty bits */
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_IOAS, s);
		op->flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
		op->nr = 0;
		h = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, h);
		pages = dt_gen_burst_map(r, &ops[n++], s, &k);
		op = dt_gen_burst_op(r, &ops[n++], DT_SET_DIRTY);
		op->ref[0] = DT_REF(DT_REF_HWPT, h);
		op->flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
		op = dt_gen_burst_op(r, &ops[n++], DT_TEST_DIRTY);
		op->ref[0] = DT_REF(DT_REF_HWPT, h);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		op = dt_gen_burst_op(r, &ops[n++], DT_GET_DIRTY);
		op->ref[0] = DT_REF(DT_REF_HWPT, h);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		break;
	case 2:	/* an access on the IOAS: pin, read/write, unmap under it */
		op = dt_gen_burst_op(r, &ops[n++], DT_ACCESS_CREATE);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		a = op->out;
		pages = dt_gen_burst_map(r, &ops[n++], s, &k);
		off = rnd(r, pages);
		op = dt_gen_burst_op(r, &ops[n++], DT_ACCESS_PAGES);
		op->nr = (uint8_t)a;
		op->a = dt_gen_slot_iova(k, off);
		op->b = (uint64_t)(pages - off) * 4096;
		op->c = dt_gs->maps[k].uptr + off * 4096;
		op = dt_gen_burst_op(r, &ops[n++], DT_ACCESS_RW);
		op->nr = (uint8_t)a;
		op->a = dt_gen_slot_iova(k, 0);
		op = dt_gen_burst_op(r, &ops[n++], chance(r, 50) ? DT_UNMAP : DT_ACCESS_UNPIN);
		op->nr = (uint8_t)a;
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		break;
	default:	/* a copy into another IOAS, checked through its domain */
		pages = dt_gen_burst_map(r, &ops[n++], s, &k);
		op = dt_gen_burst_op(r, &ops[n++], DT_IOAS_ALLOC);
		h = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_DOMAIN);
		op->ref[0] = DT_REF(DT_REF_IOAS, h);
		op->flags = 0;
		d = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_COPY);
		op->ref[0] = DT_REF(DT_REF_IOAS, h);
		op->ref[1] = DT_REF(DT_REF_IOAS, s);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		dt_gs->maps[op->out] = dt_gs->maps[k];
		k = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_MAP);
		op->ref[0] = DT_REF(DT_REF_DHWPT, d);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = (uint64_t)pages * 4096;
		op->c = dt_gs->maps[k].uptr;
		break;
	}
	return n;
}

/*
 * A sequence starts with what nearly every test needs (an IOAS, usually a
 * mock domain on it), then random ops.
 */
void dt_seq_generate(struct dt_seq *seq, uint64_t seed, uint64_t index,
		     const struct dt_gen_opts *opts)
{
	struct dt_rng r = { seed * 0x2545f4914f6cdd1dULL ^ (index + 1) * 0x9e3779b97f4a7c15ULL };
	struct dt_gen_state st = { .acc = 0 };
	unsigned int i, n = opts->len_min + rnd(&r, opts->len_max - opts->len_min + 1);

	if (n > DT_OPS_MAX)
		n = DT_OPS_MAX;
	rng_next(&r);
	dt_gs = &st;
	for (i = 0; i < n; i++) {
		unsigned int kind, b;

		if (i > 1 && chance(&r, 12) && (b = gen_burst(&r, &seq->ops[i], n - i))) {
			for (; b; b--, i++)
				seq->orig[i] = (uint8_t)i;
			i--;
			continue;
		}
		if (i == 0)
			kind = DT_IOAS_ALLOC;
		else if (i == 1 && chance(&r, 70))
			kind = DT_MOCK_DOMAIN;
		else
			kind = pick_kind(&r, opts);
		dt_gen_op(&r, &seq->ops[i], kind);
		if (i == 0) {
			/* The first IOAS: slot 0 of fd0. */
			seq->ops[i].fd = 0, seq->ops[i].out = 0;
			seq->ops[i].size_mode = DT_SIZE_EXACT;
			st.filled[DT_REF_IOAS] = 1;
		}
		seq->orig[i] = (uint8_t)i;
	}
	seq->nr = n;
	dt_gs = NULL;
}

/* Keeps the ops whose positions (in the current sequence) keep[] lists. */
void dt_seq_keep(struct dt_seq *seq, const uint8_t *keep, unsigned int nr)
{
	struct dt_seq out = { 0 };
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (keep[i] >= seq->nr)
			continue;
		out.ops[out.nr] = seq->ops[keep[i]];
		out.orig[out.nr] = seq->orig[keep[i]];
		out.nr++;
	}
	*seq = out;
}
