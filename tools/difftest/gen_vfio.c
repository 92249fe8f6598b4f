// SPDX-License-Identifier: GPL-2.0
/*
 * The grammar of the VFIO type1 compatibility layer on the iommufd fd
 * (vfio_compat.c): IOMMU_VFIO_IOAS, VFIO_GET_API_VERSION,
 * VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO,
 * VFIO_IOMMU_MAP_DMA and VFIO_IOMMU_UNMAP_DMA.
 */
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <stdint.h>

#include "iommufd_test.h"
#include "gen.h"

/* The extensions and IOMMU types the compat layer knows, and some it does not. */
static const uint8_t vfio_types[] = {
	VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU,
	VFIO_NOIOMMU_IOMMU, VFIO_UNMAP_ALL, VFIO_UPDATE_VADDR, VFIO_DMA_CC_IOMMU,
	VFIO_SPAPR_TCE_IOMMU, 0, 99,
};

int dt_gen_op_vfio(struct dt_rng *r, struct dt_op *op, unsigned int kind)
{
	switch (kind) {
	case DT_VFIO_IOAS:
		op->nr = chance(r, 95) ? rnd(r, 3) : 3;	/* GET, SET, CLEAR, unknown */
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->flags = chance(r, 97) ? 0 : 1;	/* __reserved */
		return 1;
	case DT_VFIO_CHECK:
		op->nr = chance(r, 20) ? 0 : 1;		/* GET_API_VERSION, CHECK_EXTENSION */
		op->d = vfio_types[rnd(r, sizeof(vfio_types))];
		return 1;
	case DT_VFIO_SET_IOMMU:
		op->d = chance(r, 70) ? VFIO_TYPE1v2_IOMMU :
					vfio_types[rnd(r, sizeof(vfio_types))];
		return 1;
	case DT_VFIO_GET_INFO: {
		/* argsz: the struct, room for both caps, too short, none */
		static const uint8_t sizes[] = { 24, 160, 160, 16, 0 };

		op->b = sizes[rnd(r, sizeof(sizes))];
		return 1;
	}
	case DT_VFIO_MAP: {
		uint64_t pages = dt_gen_pages(r);

		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, pages);
		op->c = dt_gen_uptr(r, pages);
		op->flags = (chance(r, 95) ? VFIO_DMA_MAP_FLAG_READ : 0) |
			    (chance(r, 70) ? VFIO_DMA_MAP_FLAG_WRITE : 0) |
			    (chance(r, 4) ? VFIO_DMA_MAP_FLAG_VADDR : 0);
		op->d = chance(r, 95) ? 32 : 16;	/* argsz */
		op->out = rnd(r, DT_IOVA_SLOTS);
		return 1;
	}
	case DT_VFIO_UNMAP:
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, dt_gen_pages(r));
		op->flags = chance(r, 80) ? 0 : (chance(r, 60) ? VFIO_DMA_UNMAP_FLAG_ALL :
				     (chance(r, 50) ? VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP :
						      VFIO_DMA_UNMAP_FLAG_VADDR));
		if (op->flags == VFIO_DMA_UNMAP_FLAG_ALL && chance(r, 80))
			op->a = IOVA_CODE(IOVA_LIT, 0), op->b = 0;
		op->d = chance(r, 95) ? 24 : 8;		/* argsz */
		return 1;
	}
	return 0;
}

unsigned int dt_gen_burst_vfio(struct dt_rng *r, struct dt_op *ops, unsigned int room)
{
	unsigned int s = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_IOAS], DT_SLOTS);
	unsigned int d = dt_gen_dom_of(r, s), n = 0, pages = 1 + rnd(r, 8);
	struct dt_op *op;
	uint64_t uptr = ((uint64_t)DT_BUF_ANON << 32) | 4096ULL * rnd(r, 64 - pages);

	if (room < 9)
		return 0;
	/* the compat IOAS set, type1 on it, a map checked through its domain */
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_IOAS);
	op->nr = IOMMU_VFIO_IOAS_SET;
	op->ref[0] = DT_REF(DT_REF_IOAS, s);
	op->flags = 0;
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_SET_IOMMU);
	op->d = chance(r, 80) ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_MAP);
	op->a = IOVA_CODE(IOVA_GRID, (uint64_t)rnd(r, 48) << 12);
	op->b = 4096ULL * pages;
	op->c = uptr;
	op->flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	op->d = 32;
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_GET_INFO);
	op->b = 160;
	op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_MAP);
	op->ref[0] = DT_REF(DT_REF_DHWPT, d);
	op->a = ops[2].a;
	op->b = 4096ULL * pages;
	op->c = uptr;
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_UNMAP);
	op->a = ops[2].a + (chance(r, 30) ? 0x1000 : 0);	/* type1: a cut splits */
	op->b = 4096;
	op->flags = 0;
	op->d = 24;
	op = dt_gen_burst_op(r, &ops[n++], DT_VFIO_IOAS);
	op->nr = chance(r, 50) ? IOMMU_VFIO_IOAS_GET : IOMMU_VFIO_IOAS_CLEAR;
	op->flags = 0;
	return n;
}
