// SPDX-License-Identifier: GPL-2.0
/*
 * The grammar of the vIOMMU family (7.x: VIOMMU_ALLOC and its mmap window,
 * VDEVICE_ALLOC, VEVENTQ_ALLOC and its fd, TRIGGER_VEVENT, HW_QUEUE_ALLOC,
 * DEV_CHECK_CACHE, the PASID test ops) and of fault queues (6.11+:
 * FAULT_QUEUE_ALLOC and its fd, TRIGGER_IOPF). On 6.12 the 7.x ops are
 * generated all the same (a sequence depends on the seed alone) and answer
 * ENOTTY or EOPNOTSUPP on both sides.
 */
#include <linux/iommufd.h>
#include <stdint.h>

#include "iommufd_test.h"
#include "gen.h"

/* A HWPT slot, mostly one asked for with NEST_PARENT: a vIOMMU's parent. */
static uint16_t gen_parent_ref(struct dt_rng *r)
{
	if (dt_gs->nest_parent && chance(r, 80))
		return DT_REF(DT_REF_HWPT, dt_gen_pick_slot(r, dt_gs->nest_parent, DT_SLOTS));
	return dt_gen_pt_ref(r);
}

/* PASIDs: the RID's (0), small ones, the selftest's reserved 1024, too wide. */
static uint64_t gen_pasid(struct dt_rng *r)
{
	static const uint32_t pasids[] = { 1, 1, 2, 7, 0, IOMMU_TEST_PASID_RESERVED,
					   1u << MOCK_PASID_WIDTH };

	return pasids[rnd(r, sizeof(pasids) / sizeof(pasids[0]))];
}

int dt_gen_op_viommu(struct dt_rng *r, struct dt_op *op, unsigned int kind)
{
	switch (kind) {
	case DT_VIOMMU_ALLOC: {
		static const uint32_t types[] = { IOMMU_VIOMMU_TYPE_SELFTEST,
						  IOMMU_VIOMMU_TYPE_DEFAULT,
						  IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0x1234 };
		/* data_len: the selftest struct, none, too short, a zero tail */
		static const uint8_t lens[] = { 24, 24, 24, 24, 0, 4, 32 };

		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		op->ref[1] = gen_parent_ref(r);
		op->d = chance(r, 85) ? types[0] : types[1 + rnd(r, 3)];
		op->b = lens[rnd(r, sizeof(lens))];
		op->c = (uint32_t)rng_next(r);	/* in_data */
		op->flags = chance(r, 97) ? 0 : 1;
		op->out = dt_gen_out(r, DT_REF_VIOMMU);
		return 1;
	}
	case DT_VIOMMU_MMAP:
		/*
		 * nr: whose window; flags: 0 as the vIOMMU said, 1 one page
		 * of two, 2 MAP_PRIVATE, 3 a page further, 4 PROT_EXEC.
		 */
		op->nr = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_VIOMMU], DT_SLOTS);
		op->flags = chance(r, 75) ? 0 : 1 + rnd(r, 4);
		dt_gs->window |= 1u << op->nr;
		return 1;
	case DT_VIOMMU_MUNMAP:
		op->nr = dt_gen_pick_slot(r, dt_gs->window, DT_SLOTS);
		op->flags = chance(r, 80) ? 0 : 1;	/* 1: only the second page */
		return 1;
	case DT_VDEVICE_ALLOC:
		op->ref[0] = dt_gen_ref(r, DT_REF_VIOMMU);
		op->ref[1] = dt_gen_ref(r, DT_REF_IDEV);
		op->a = chance(r, 90) ? rnd(r, 4) : (1ULL << 40) + rnd(r, 2);
		op->out = dt_gen_out(r, DT_REF_VDEV);
		return 1;
	case DT_VEVENTQ_ALLOC: {
		static const uint32_t depths[] = { 1, 2, 3, 4, 16, 0, 1u << 19, (1u << 19) + 1 };

		op->ref[0] = dt_gen_ref(r, DT_REF_VIOMMU);
		op->d = chance(r, 85) ? IOMMU_VEVENTQ_TYPE_SELFTEST :
					(chance(r, 50) ? IOMMU_VEVENTQ_TYPE_DEFAULT :
							 IOMMU_VEVENTQ_TYPE_ARM_SMMUV3);
		op->b = depths[chance(r, 85) ? rnd(r, 5) : 5 + rnd(r, 3)];
		op->flags = chance(r, 97) ? 0 : 1;
		op->out = dt_gen_out(r, DT_REF_VEVENTQ);
		return 1;
	}
	case DT_VEVENTQ_READ: {
		/* a header is 8 bytes, a selftest event 4 more */
		static const uint16_t lens[] = { 12, 24, 64, 64, 8, 4, 0, 13 };

		op->nr = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_VEVENTQ], DT_SLOTS);
		op->b = lens[rnd(r, sizeof(lens) / sizeof(lens[0]))];
		return 1;
	}
	case DT_VEVENTQ_CLOSE:
	case DT_FAULT_CLOSE:
		op->nr = dt_gen_pick_slot(r, dt_gs->filled[kind == DT_VEVENTQ_CLOSE ?
						DT_REF_VEVENTQ : DT_REF_FAULT], DT_SLOTS);
		return 1;
	case DT_TRIGGER_VEVENT:
		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		return 1;
	case DT_HW_QUEUE_ALLOC:
		op->ref[0] = dt_gen_ref(r, DT_REF_VIOMMU);
		op->d = chance(r, 90) ? IOMMU_HW_QUEUE_TYPE_SELFTEST : IOMMU_HW_QUEUE_TYPE_DEFAULT;
		op->nr = chance(r, 85) ? rnd(r, 2) : 2;
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, chance(r, 70) ? 1 : 1 + rnd(r, 4));
		op->flags = chance(r, 97) ? 0 : 1;
		op->out = dt_gen_out(r, DT_REF_HWQ);
		return 1;
	case DT_DEV_CHECK_CACHE:
		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		op->a = rnd(r, MOCK_DEV_CACHE_NUM + 1);
		op->d = chance(r, 70) ? IOMMU_TEST_DEV_CACHE_DEFAULT : 0;
		return 1;
	case DT_PASID:
		op->nr = rnd(r, 4);	/* attach, replace, detach, check */
		op->ref[0] = dt_gen_ref(r, DT_REF_STDEV);
		op->ref[1] = chance(r, 10) ? DT_REF(DT_REF_RAW, 0) : dt_gen_pt_ref(r);
		op->a = gen_pasid(r);
		return 1;
	case DT_FAULT_ALLOC:
		op->flags = chance(r, 95) ? 0 : 1;
		op->out = dt_gen_out(r, DT_REF_FAULT);
		return 1;
	case DT_TRIGGER_IOPF:
		op->ref[0] = dt_gen_ref(r, DT_REF_IDEV);
		op->a = chance(r, 70) ? 0 : gen_pasid(r);
		op->b = rnd(r, 4);			/* grpid */
		op->flags = 1 + rnd(r, 3);		/* perm: read, write */
		op->c = dt_gen_iova(r);
		return 1;
	case DT_FAULT_READ: {
		/* a fault record is 40 bytes */
		static const uint16_t lens[] = { 40, 40, 80, 120, 0, 39, 8 };

		op->nr = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_FAULT], DT_SLOTS);
		op->b = lens[rnd(r, sizeof(lens) / sizeof(lens[0]))];
		return 1;
	}
	case DT_FAULT_WRITE:
		/*
		 * out responses of 8 bytes (b: the length written), to the
		 * cookie the last read gave (c 0) or a raw one, code d.
		 */
		op->nr = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_FAULT], DT_SLOTS);
		op->out = 1 + rnd(r, 2);
		op->b = chance(r, 90) ? 8u * op->out : 7;
		op->c = chance(r, 80) ? 0 : 1 + rnd(r, 4);
		op->d = chance(r, 90) ? rnd(r, 2) : 2;
		return 1;
	}
	return 0;
}

/* A nesting parent on IOAS slot s for mock device d; returns its HWPT slot. */
static unsigned int burst_parent(struct dt_rng *r, struct dt_op *ops, unsigned int *n,
				 unsigned int s, unsigned int d)
{
	struct dt_op *op = dt_gen_burst_op(r, &ops[(*n)++], DT_HWPT_ALLOC);

	op->ref[0] = DT_REF(DT_REF_IDEV, d);
	op->ref[1] = DT_REF(DT_REF_IOAS, s);
	op->flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	op->nr = 0;
	dt_gs->nest_parent |= 1u << op->out;
	return op->out;
}

/* A selftest vIOMMU of device d over parent h; returns its slot. */
static unsigned int burst_viommu(struct dt_rng *r, struct dt_op *ops, unsigned int *n,
				 unsigned int d, unsigned int h)
{
	struct dt_op *op = dt_gen_burst_op(r, &ops[(*n)++], DT_VIOMMU_ALLOC);

	op->ref[0] = DT_REF(DT_REF_IDEV, d);
	op->ref[1] = DT_REF(DT_REF_HWPT, h);
	op->d = IOMMU_VIOMMU_TYPE_SELFTEST;
	op->b = 24;
	op->flags = 0;
	return op->out;
}

static unsigned int burst_vdevice(struct dt_rng *r, struct dt_op *ops, unsigned int *n,
				  unsigned int v, unsigned int d)
{
	struct dt_op *op = dt_gen_burst_op(r, &ops[(*n)++], DT_VDEVICE_ALLOC);

	op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
	op->ref[1] = DT_REF(DT_REF_IDEV, d);
	op->a = rnd(r, 4);
	return op->out;
}

unsigned int dt_gen_burst_viommu(struct dt_rng *r, struct dt_op *ops, unsigned int room)
{
	unsigned int s = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_IOAS], DT_SLOTS);
	unsigned int d = dt_gen_dom_of(r, s), n = 0, h, v, q, a, k, i;
	struct dt_op *op;

	if (room < 9)
		return 0;
	switch (rnd(r, 5)) {
	case 0:
		/*
		 * Events: a device reports to its vIOMMU's queue, read back.
		 * It reports only while attached to a nested HWPT of that
		 * vIOMMU and with a vDEVICE there (selftest.c
		 * iommufd_test_trigger_vevent(): ENOENT otherwise).
		 */
		h = burst_parent(r, ops, &n, s, d);
		v = burst_viommu(r, ops, &n, d, h);
		burst_vdevice(r, ops, &n, v, d);
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_VIOMMU, v);
		op->flags = 0;
		op->nr = 1 + rnd(r, 2);
		a = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, a);
		op = dt_gen_burst_op(r, &ops[n++], DT_VEVENTQ_ALLOC);
		op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
		op->d = IOMMU_VEVENTQ_TYPE_SELFTEST;
		op->b = 1 + rnd(r, 3);
		op->flags = 0;
		q = op->out;
		for (i = 0, k = 1 + rnd(r, 2); i < k; i++) {
			op = dt_gen_burst_op(r, &ops[n++], DT_TRIGGER_VEVENT);
			op->ref[0] = DT_REF(DT_REF_IDEV, d);
		}
		op = dt_gen_burst_op(r, &ops[n++], DT_VEVENTQ_READ);
		op->nr = (uint8_t)q;
		op->b = 64;
		break;
	case 1:	/* a nested HWPT on the vIOMMU, its caches, its window */
		h = burst_parent(r, ops, &n, s, d);
		v = burst_viommu(r, ops, &n, d, h);
		burst_vdevice(r, ops, &n, v, d);
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_VIOMMU, v);
		op->flags = 0;
		op->nr = 1 + rnd(r, 2);
		a = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, a);
		op = dt_gen_burst_op(r, &ops[n++], DT_INVALIDATE);
		op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
		op->flags = 1;
		op->b = 12;
		op->d = IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;
		op = dt_gen_burst_op(r, &ops[n++], DT_DEV_CHECK_CACHE);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op = dt_gen_burst_op(r, &ops[n++], DT_VIOMMU_MMAP);
		op->nr = (uint8_t)v;
		op->flags = 0;
		dt_gs->window |= 1u << v;
		op = dt_gen_burst_op(r, &ops[n++], DT_DESTROY);
		op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
		break;
	case 2:	/* a HW queue in the parent's IOAS: its pages locked */
		h = burst_parent(r, ops, &n, s, d);
		v = burst_viommu(r, ops, &n, d, h);
		dt_gen_burst_map(r, &ops[n++], s, &k);
		op = dt_gen_burst_op(r, &ops[n++], DT_HW_QUEUE_ALLOC);
		op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
		op->d = IOMMU_HW_QUEUE_TYPE_SELFTEST;
		op->nr = chance(r, 80) ? 0 : 1;
		op->a = dt_gen_slot_iova(k, 0);
		op->b = 4096;
		op->flags = 0;
		op = dt_gen_burst_op(r, &ops[n++], DT_UNMAP);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = 4096ULL * dt_gs->maps[k].pages;
		op = dt_gen_burst_op(r, &ops[n++], DT_DESTROY);
		op->ref[0] = DT_REF(DT_REF_VIOMMU, v);
		break;
	case 3:	/* an I/O page fault through a fault queue, answered */
		op = dt_gen_burst_op(r, &ops[n++], DT_FAULT_ALLOC);
		op->flags = 0;
		q = op->out;
		h = burst_parent(r, ops, &n, s, d);
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, h);
		op->ref[2] = DT_REF(DT_REF_FAULT, q);
		op->flags = IOMMU_HWPT_FAULT_ID_VALID;
		op->nr = 1 + rnd(r, 2);
		a = op->out;
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, a);
		op = dt_gen_burst_op(r, &ops[n++], DT_TRIGGER_IOPF);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->a = 0;
		op = dt_gen_burst_op(r, &ops[n++], DT_FAULT_READ);
		op->nr = (uint8_t)q;
		op->b = 80;
		op = dt_gen_burst_op(r, &ops[n++], DT_FAULT_WRITE);
		op->nr = (uint8_t)q;
		op->out = 1;
		op->b = 8;
		op->c = 0;
		break;
	default:
		/*
		 * A PASID-capable device on a PASID-compatible HWPT, a PASID
		 * attached, checked, replaced and detached.
		 */
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_DOMAIN);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->flags = MOCK_FLAGS_DEVICE_PASID;
		d = op->out;
		dt_gs->dom_ioas[d] = (uint8_t)(s + 1);
		op = dt_gen_burst_op(r, &ops[n++], DT_HWPT_ALLOC);
		op->ref[0] = DT_REF(DT_REF_IDEV, d);
		op->ref[1] = DT_REF(DT_REF_IOAS, s);
		op->flags = IOMMU_HWPT_ALLOC_PASID;
		op->nr = 0;
		h = op->out;
		/*
		 * A PASID joins only if the RID's domain is PASID-compatible
		 * too (device.c iommufd_hwpt_pasid_compat()): the RID first.
		 */
		op = dt_gen_burst_op(r, &ops[n++], DT_MOCK_REPLACE);
		op->ref[0] = DT_REF(DT_REF_STDEV, d);
		op->ref[1] = DT_REF(DT_REF_HWPT, h);
		for (i = 0; i < 4; i++) {
			op = dt_gen_burst_op(r, &ops[n++], DT_PASID);
			op->nr = (uint8_t)(i == 0 ? 0 : i == 1 ? 3 : i == 2 ? 1 : 2);
			op->ref[0] = DT_REF(DT_REF_STDEV, d);
			op->ref[1] = i == 2 ? DT_REF(DT_REF_IOAS, s) : DT_REF(DT_REF_HWPT, h);
			op->a = 1 + rnd(r, 2);
			if (i)
				op->a = ops[n - 2].a;
		}
		break;
	}
	return n;
}
