/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the generator's files share: the seeded random stream, the state of
 * the sequence being generated (what it asked for, never what happened),
 * and the argument makers. gen.c holds the core uAPI's ops and bursts;
 * gen_viommu.c the vIOMMU family and fault queues; gen_file.c file
 * mappings, dma-bufs and processes; gen_vfio.c the VFIO compatibility
 * ioctls.
 */
#ifndef DIFFTEST_GEN_H
#define DIFFTEST_GEN_H

#include <stdint.h>

#include "difftest.h"

/* splitmix64: a tiny generator whose stream depends on the seed alone. */
struct dt_rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct dt_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned int rnd(struct dt_rng *r, unsigned int n)
{
	return n ? (unsigned int)(rng_next(r) % n) : 0;
}

static inline int chance(struct dt_rng *r, unsigned int pct)
{
	return rnd(r, 100) < pct;
}

/* An IOVA code: a grid point, an IOVA slot plus pages, or a literal. */
#define IOVA_GRID 0
#define IOVA_SLOT 1
#define IOVA_LIT 2
#define IOVA_CODE(tag, v) (((uint64_t)(tag) << 56) | (v))

/*
 * What the generator has asked for so far (not what happened: it never
 * sees a result): the slots an alloc op wrote, so that later ops mostly
 * name those.
 */
struct dt_gen_state {
	uint8_t filled[DT_REF_NR];	/* bit per slot */
	uint8_t acc, pages;		/* access slots, access pages slots */
	struct {
		uint8_t used, ioas;	/* ioas: the IOAS slot mapped into */
		uint32_t pages;
		uint64_t uptr;
	} maps[DT_IOVA_SLOTS];		/* what each MAP asked for */
	uint8_t dom_ioas[DT_SLOTS];	/* the IOAS slot of each mock domain + 1 */
	uint8_t nest_parent;		/* HWPT slots asked with NEST_PARENT */
	uint8_t dmabuf;			/* dma-buf slots asked for */
	uint8_t window;			/* vIOMMU slots whose window was mapped */
};
extern struct dt_gen_state *dt_gs;

/* gen.c: arguments */
uint64_t dt_gen_uptr(struct dt_rng *r, unsigned int pages);
uint64_t dt_gen_iova(struct dt_rng *r);
uint64_t dt_gen_pages(struct dt_rng *r);
uint64_t dt_gen_length(struct dt_rng *r, uint64_t pages);
unsigned int dt_gen_pick_slot(struct dt_rng *r, unsigned int mask, unsigned int nr);
uint16_t dt_gen_ref(struct dt_rng *r, unsigned int kind);
unsigned int dt_gen_out(struct dt_rng *r, unsigned int kind);
uint16_t dt_gen_pt_ref(struct dt_rng *r);
uint16_t dt_gen_hwpt_ref(struct dt_rng *r);
/* gen.c: bursts */
void dt_gen_op(struct dt_rng *r, struct dt_op *op, unsigned int kind);
struct dt_op *dt_gen_burst_op(struct dt_rng *r, struct dt_op *op, unsigned int kind);
unsigned int dt_gen_burst_map(struct dt_rng *r, struct dt_op *op, unsigned int s,
			      unsigned int *k);
uint64_t dt_gen_slot_iova(unsigned int k, unsigned int off);
unsigned int dt_gen_dom_of(struct dt_rng *r, unsigned int s);

/* Each family's ops (0: not one of its kinds) and bursts (0: none fitted). */
int dt_gen_op_viommu(struct dt_rng *r, struct dt_op *op, unsigned int kind);
unsigned int dt_gen_burst_viommu(struct dt_rng *r, struct dt_op *ops, unsigned int room);
int dt_gen_op_file(struct dt_rng *r, struct dt_op *op, unsigned int kind);
unsigned int dt_gen_burst_file(struct dt_rng *r, struct dt_op *ops, unsigned int room);
int dt_gen_op_vfio(struct dt_rng *r, struct dt_op *op, unsigned int kind);
unsigned int dt_gen_burst_vfio(struct dt_rng *r, struct dt_op *ops, unsigned int room);

#endif
