// SPDX-License-Identifier: GPL-2.0
/*
 * The grammar of file mappings and processes (7.x): IOAS_MAP_FILE of the
 * memfd every run maps (DT_BUF_MEMFD), of a hugetlb memfd, of the selftest's
 * dma-bufs (DMABUF_GET, DMABUF_REVOKE), of no file and of a file that is
 * neither; IOAS_CHANGE_PROCESS; IOAS_NOIOMMU_GET_PA.
 */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <stdint.h>

#include "iommufd_test.h"
#include "gen.h"

/* Sources of IOAS_MAP_FILE (op->nr); exec_file.c resolves them to fds. */
#include "exec_file.h"

int dt_gen_op_file(struct dt_rng *r, struct dt_op *op, unsigned int kind)
{
	switch (kind) {
	case DT_DMABUF_GET: {
		/* 1 to 16 pages mostly; none; the selftest's 512-page limit and past it */
		static const uint32_t big[] = { 0, 512 * 4096, 513 * 4096, 4096 + 2048 };

		op->out = rnd(r, 2);
		op->b = chance(r, 85) ? dt_gen_pages(r) * 4096 : big[rnd(r, 4)];
		op->flags = chance(r, 90) ? O_CLOEXEC | O_RDWR : (chance(r, 50) ? 0 : O_NONBLOCK);
		dt_gs->dmabuf |= 1u << op->out;
		return 1;
	}
	case DT_DMABUF_REVOKE:
		/* nr: a dma-buf slot, or DT_FILE_NONE / DT_FILE_OTHER */
		op->nr = chance(r, 90) ? dt_gen_pick_slot(r, dt_gs->dmabuf, 2) :
					 (chance(r, 50) ? DT_FILE_NONE : DT_FILE_OTHER);
		op->d = chance(r, 75) ? 1 : 0;
		return 1;
	case DT_MAP_FILE: {
		static const uint8_t srcs[] = { DT_FILE_MEMFD, DT_FILE_MEMFD, DT_FILE_MEMFD,
						DT_FILE_HUGETLB, DT_FILE_DMABUF0, DT_FILE_DMABUF1,
						DT_FILE_NONE, DT_FILE_OTHER };
		uint64_t pages = dt_gen_pages(r);

		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->nr = srcs[rnd(r, sizeof(srcs))];
		if ((op->nr == DT_FILE_DMABUF0 || op->nr == DT_FILE_DMABUF1) && dt_gs->dmabuf &&
		    chance(r, 70))
			op->nr = DT_FILE_DMABUF0 + dt_gen_pick_slot(r, dt_gs->dmabuf, 2);
		op->a = dt_gen_iova(r);
		op->b = dt_gen_length(r, pages);
		/* the start in the file: a page of it, sometimes past its end or odd */
		op->c = (uint64_t)rnd(r, chance(r, 90) ? 16 : 48) * 4096 + (chance(r, 4) ? 2048 : 0);
		op->flags = (chance(r, 60) ? IOMMU_IOAS_MAP_FIXED_IOVA : 0) |
			    (chance(r, 95) ? IOMMU_IOAS_MAP_READABLE : 0) |
			    (chance(r, 70) ? IOMMU_IOAS_MAP_WRITEABLE : 0);
		op->out = rnd(r, DT_IOVA_SLOTS);
		dt_gs->maps[op->out].used = 1;
		dt_gs->maps[op->out].ioas = op->ref[0] >> 8 == DT_REF_IOAS ? op->ref[0] & 0xff : 0xff;
		dt_gs->maps[op->out].pages = (uint32_t)pages;
		dt_gs->maps[op->out].uptr = ((uint64_t)DT_BUF_MEMFD << 32) | (op->c & ~0xfffULL);
		return 1;
	}
	case DT_CHANGE_PROCESS:
		op->flags = chance(r, 95) ? 0 : 1;	/* __reserved */
		return 1;
	case DT_NOIOMMU_GET_PA:
		op->ref[0] = dt_gen_ref(r, DT_REF_IOAS);
		op->a = dt_gen_iova(r);
		op->b = chance(r, 90) ? 4096 * dt_gen_pages(r) : 0;
		op->flags = chance(r, 95) ? 0 : 1;
		return 1;
	}
	return 0;
}

/* IOAS_MAP_FILE into IOAS slot s at a grid IOVA; returns its IOVA slot. */
static unsigned int burst_map_file(struct dt_rng *r, struct dt_op *ops, unsigned int *n,
				   unsigned int s, unsigned int src, unsigned int pages)
{
	struct dt_op *op = dt_gen_burst_op(r, &ops[(*n)++], DT_MAP_FILE);

	op->ref[0] = DT_REF(DT_REF_IOAS, s);
	op->nr = (uint8_t)src;
	op->b = 4096ULL * pages;
	op->c = src == DT_FILE_MEMFD ? 4096ULL * rnd(r, 32 - pages) : 0;
	op->flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	dt_gs->maps[op->out].pages = pages;
	dt_gs->maps[op->out].uptr = ((uint64_t)DT_BUF_MEMFD << 32) | op->c;
	return op->out;
}

unsigned int dt_gen_burst_file(struct dt_rng *r, struct dt_op *ops, unsigned int room)
{
	unsigned int s = dt_gen_pick_slot(r, dt_gs->filled[DT_REF_IOAS], DT_SLOTS);
	unsigned int d = dt_gen_dom_of(r, s), n = 0, k, b, pages = 1 + rnd(r, 8);
	struct dt_op *op;

	if (room < 9)
		return 0;
	switch (rnd(r, 3)) {
	case 0:	/* the memfd mapped as a file, checked through its other mapping */
		k = burst_map_file(r, ops, &n, s, chance(r, 80) ? DT_FILE_MEMFD : DT_FILE_HUGETLB,
				   pages);
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_MAP);
		op->ref[0] = DT_REF(DT_REF_DHWPT, d);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = 4096ULL * pages;
		op->c = dt_gs->maps[k].uptr;
		op = dt_gen_burst_op(r, &ops[n++], DT_CHECK_REFS);
		op->b = 4096ULL * pages;
		op->c = dt_gs->maps[k].uptr;
		op->d = 1;
		op = dt_gen_burst_op(r, &ops[n++], DT_CHANGE_PROCESS);
		op->flags = 0;
		op = dt_gen_burst_op(r, &ops[n++], DT_UNMAP);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = 4096ULL * pages;
		break;
	default: /* a dma-buf mapped, revoked under its domains, restored */
		op = dt_gen_burst_op(r, &ops[n++], DT_DMABUF_GET);
		op->b = 4096ULL * (pages + 1);
		op->flags = O_CLOEXEC | O_RDWR;
		b = op->out;
		k = burst_map_file(r, ops, &n, s, DT_FILE_DMABUF0 + b, pages);
		op = dt_gen_burst_op(r, &ops[n++], DT_ACCESS_CREATE);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->out = 1;
		op = dt_gen_burst_op(r, &ops[n++], DT_ACCESS_RW);
		op->nr = 1;
		op->a = dt_gen_slot_iova(k, 0);
		op = dt_gen_burst_op(r, &ops[n++], DT_DMABUF_REVOKE);
		op->nr = (uint8_t)b;
		op->d = 1;
		burst_map_file(r, ops, &n, s, DT_FILE_DMABUF0 + b, pages);
		op = dt_gen_burst_op(r, &ops[n++], DT_DMABUF_REVOKE);
		op->nr = (uint8_t)b;
		op->d = 0;
		op = dt_gen_burst_op(r, &ops[n++], DT_UNMAP);
		op->ref[0] = DT_REF(DT_REF_IOAS, s);
		op->a = dt_gen_slot_iova(k, 0);
		op->b = 4096ULL * pages;
		break;
	}
	return n;
}
