// SPDX-License-Identifier: GPL-2.0
/*
 * The mock's invariants (invariants.h), for the fuzzer and the unit tests.
 * No kernel file mirrors this: it states what the kernel keeps implicitly
 * through refcount_t, xarrays and interval trees, as the mock keeps it
 * (iommufd_private.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "iommufd_private.h"
#include "invariants.h"

struct check {
	char *why;
	size_t len;
	int failed;
};

static int fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->len, fmt, ap);
		va_end(ap);
	}
	c->failed = 1;
	return -1;
}

#define to_hwpt(o) container_of(o, struct iommufd_hw_pagetable, obj)

/* ---- the object table and who holds each object ---- */

static int check_ids(struct check *c, struct iommufd_ctx *ictx)
{
	uint64_t live = 0;

	for (uint32_t id = 0; id < ictx->objs_cap; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (!obj)
			continue;
		live++;
		if (id == 0 || id >= ictx->next_fresh || obj->id != id)
			return fail(c, "object at id %u says id %u (next %u)",
				    id, obj->id, ictx->next_fresh);
		if (obj->type <= IOMMUFD_OBJ_NONE || obj->type >= IOMMUFD_OBJ_MAX)
			return fail(c, "object %u has type %d", id, obj->type);
	}
	if (live != ictx->nobjs)
		return fail(c, "%llu objects in the table, nobjs %llu",
			    (unsigned long long)live,
			    (unsigned long long)ictx->nobjs);
	for (uint32_t i = 0; i < ictx->nfree; i++) {
		uint32_t id = ictx->free_ids[i];

		if (!id || id >= ictx->next_fresh ||
		    (id < ictx->objs_cap && ictx->objs[id]))
			return fail(c, "free id %u is in use or never given", id);
		if (i && ictx->free_ids[(i - 1) / 2] > id)
			return fail(c, "free-id heap out of order at %u", i);
	}
	if (ictx->vfio_ioas &&
	    iommufd_get_object(ictx, ictx->vfio_ioas->obj.id, IOMMUFD_OBJ_IOAS) !=
		    &ictx->vfio_ioas->obj)
		return fail(c, "the VFIO compat IOAS is not a live IOAS");
	return 0;
}

/* want[id] counts the holders of object id (iommufd_hold_fn) */
struct holders {
	int *want;
	uint32_t n;
};

static void count_hold(void *arg, const struct iommufd_object *held)
{
	struct holders *h = arg;

	if (held->id < h->n)
		h->want[held->id] += 1;
}

/* How many users each object must have, from what points at it. */
static int check_users(struct check *c, struct iommufd_ctx *ictx)
{
	uint32_t n = ictx->next_fresh;
	int *want = calloc(n ? n : 1, sizeof(*want));
	struct holders h = { .want = want, .n = n };
	int rc = 0;

	if (!want)
		return fail(c, "out of memory");
	iommufd_file_vma_holds(ictx, count_hold, &h);
	for (uint32_t id = 1; id < n && id < ictx->objs_cap; id++) {
		struct iommufd_object *obj = ictx->objs[id];
		struct iommufd_hw_pagetable *hwpt;

		if (!obj)
			continue;
		want[id] += 1;	/* the id table */
		switch (obj->type) {
		case IOMMUFD_OBJ_DEVICE: {
			struct iommufd_device *idev =
				container_of(obj, struct iommufd_device, obj);

			want[id] += 1;	/* bound by its selftest object */
			if (idev->hwpt) {
				want[id] += 1;
				want[idev->hwpt->obj.id] += 1;
			}
			/* each PASID attach holds its HWPT and the device */
			for (size_t i = 0; i < idev->npasid_attach; i++) {
				want[id] += 1;
				want[idev->pasid_attach[i].hwpt->obj.id] += 1;
			}
			break;
		}
		case IOMMUFD_OBJ_HWPT_PAGING:
			hwpt = to_hwpt(obj);
			want[to_hwpt_paging(hwpt)->ioas->obj.id] += 1;
			if (hwpt->fault)
				want[hwpt->fault->obj.id] += 1;
			break;
		case IOMMUFD_OBJ_HWPT_NESTED: {
			struct iommufd_hwpt_nested *nested;

			hwpt = to_hwpt(obj);
			nested = to_hwpt_nested(hwpt);
			/* on a vIOMMU the vIOMMU is held, not its parent */
			if (nested->viommu)
				want[nested->viommu->obj.id] += 1;
			else
				want[nested->parent->common.obj.id] += 1;
			if (hwpt->fault)
				want[hwpt->fault->obj.id] += 1;
			break;
		}
		case IOMMUFD_OBJ_ACCESS: {
			struct iommufd_access *access =
				container_of(obj, struct iommufd_access, obj);

			want[id] += 1;	/* its driver, until destroy */
			if (access->ioas)
				want[access->ioas->obj.id] += 1;
			break;
		}
		case IOMMUFD_OBJ_VIOMMU: {
			struct iommufd_viommu *viommu =
				container_of(obj, struct iommufd_viommu, obj);

			want[viommu->hwpt->common.obj.id] += 1;
			break;
		}
		case IOMMUFD_OBJ_VDEVICE: {
			struct iommufd_vdevice *vdev =
				container_of(obj, struct iommufd_vdevice, obj);

			want[vdev->viommu->obj.id] += 1;
			if (vdev->idev->vdev != vdev)
				rc = fail(c, "vDEVICE %u: its device points elsewhere",
					  id);
			break;
		}
		case IOMMUFD_OBJ_VEVENTQ:
			want[container_of(obj, struct iommufd_veventq, obj)
				     ->viommu->obj.id] += 1;
			break;
		case IOMMUFD_OBJ_HW_QUEUE:
			iommufd_hw_queue_holds(obj, count_hold, &h);
			break;
		default:
			break;
		}
	}
	for (uint32_t id = 1; id < n && id < ictx->objs_cap && !rc; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (!obj)
			continue;
		/* a fault queue's or vEVENTQ's fd holds it too, while open */
		if ((obj->type == IOMMUFD_OBJ_FAULT ||
		     obj->type == IOMMUFD_OBJ_VEVENTQ) &&
		    obj->users == want[id] + 1)
			continue;
		if (obj->users != want[id])
			rc = fail(c, "object %u (type %d): %d users, %d holders",
				  id, obj->type, obj->users, want[id]);
	}
	free(want);
	return rc;
}

/* ---- an IOAS: its trees, domains and accesses ---- */

static int check_tree(struct check *c, const struct itree *t, uint32_t id,
		      const char *name, bool disjoint)
{
	const struct itree_node *prev = NULL;
	size_t count = 0;

	if (!itree_check(t))
		return fail(c, "IOAS %u: %s tree broken (order, balance or max gap)",
			    id, name);
	for (const struct itree_node *n = itree_min(t); n; n = itree_succ(n)) {
		if (disjoint && prev && n->start <= prev->last)
			return fail(c, "IOAS %u: %s [%#llx, %#llx] overlaps [%#llx, %#llx]",
				    id, name, (unsigned long long)n->start,
				    (unsigned long long)n->last,
				    (unsigned long long)prev->start,
				    (unsigned long long)prev->last);
		prev = n;
		count++;
	}
	if (count != t->count)
		return fail(c, "IOAS %u: %s tree holds %zu nodes, count %zu", id,
			    name, count, t->count);
	return 0;
}

static int check_ioas(struct check *c, struct iommufd_ioas *ioas)
{
	struct io_pagetable *iopt = &ioas->iopt;
	uint32_t id = ioas->obj.id;
	uint64_t areas = 0;

	if (check_tree(c, &iopt->used, id, "used", true) ||
	    check_tree(c, &iopt->reserved_itree, id, "reserved", false) ||
	    check_tree(c, &iopt->allowed_itree, id, "allowed", false))
		return -1;
	for (struct itree_node *n = itree_min(&iopt->used); n;
	     n = itree_succ(n)) {
		struct iopt_area *area = to_iopt_area(n);

		if (area->kind != IOPT_USED_AREA)
			continue;
		areas++;
		if (!area->pages || area->pages->refs < 1)
			return fail(c, "IOAS %u: area at %#llx has no pages", id,
				    (unsigned long long)n->start);
		if (iopt_area_last_index(area) >= area->pages->npages)
			return fail(c, "IOAS %u: area at %#llx past its pages", id,
				    (unsigned long long)n->start);
		if (area->storage_domain != (iopt->ndomains > 0))
			return fail(c, "IOAS %u: area at %#llx %s pins with %zu domains",
				    id, (unsigned long long)n->start,
				    area->storage_domain ? "holds" : "lacks",
				    iopt->ndomains);
	}
	if (areas != iopt->nareas)
		return fail(c, "IOAS %u: %llu areas in the tree, nareas %llu", id,
			    (unsigned long long)areas,
			    (unsigned long long)iopt->nareas);
	if (iopt->ndomains != ioas->nhwpt)
		return fail(c, "IOAS %u: %zu domains, %zu paging HWPTs", id,
			    iopt->ndomains, ioas->nhwpt);
	for (size_t i = 0; i < ioas->nhwpt; i++) {
		struct iommufd_hwpt_paging *p = ioas->hwpt_list[i];
		bool found = false;

		for (size_t j = 0; j < iopt->ndomains; j++)
			found |= iopt->domains[j] == &p->common.domain;
		if (!found || p->ioas != ioas)
			return fail(c, "IOAS %u: HWPT %u not among its domains",
				    id, p->common.obj.id);
		if (!itree_check(&p->common.domain.dirty))
			return fail(c, "HWPT %u: dirty tree broken",
				    p->common.obj.id);
	}
	for (size_t i = 0; i < iopt->naccess; i++)
		if (iopt->access_list[i]->ioas != ioas)
			return fail(c, "IOAS %u: access %u is on another IOAS", id,
				    iopt->access_list[i]->obj.id);
	return 0;
}

/* ---- pins: each iopt_pages against its areas and access ranges ---- */

struct range {
	uint64_t first, last;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The pages held by the areas filled into domains and by access ranges. */
static int check_pages(struct check *c, struct iommufd_ctx *ictx,
		       struct iopt_pages *pages)
{
	struct range *r = NULL;
	size_t nr = 0, cap = 0;
	uint64_t pinned = 0, ps = umem_page_size();
	int rc = 0;

#define ADD_RANGE(f, l)                                                      \
	do {                                                                 \
		if (nr == cap) {                                             \
			struct range *nrr;                                   \
			cap = cap ? cap * 2 : 16;                            \
			nrr = realloc(r, cap * sizeof(*r));                  \
			if (!nrr) {                                          \
				free(r);                                     \
				return fail(c, "out of memory");             \
			}                                                    \
			r = nrr;                                             \
		}                                                            \
		r[nr].first = (f);                                           \
		r[nr++].last = (l);                                          \
	} while (0)

	for (uint32_t id = 1; id < ictx->objs_cap; id++) {
		struct iommufd_object *obj = ictx->objs[id];
		struct iommufd_ioas *ioas;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		ioas = container_of(obj, struct iommufd_ioas, obj);
		for (struct itree_node *n = itree_min(&ioas->iopt.used); n;
		     n = itree_succ(n)) {
			struct iopt_area *area = to_iopt_area(n);

			if (area->kind == IOPT_USED_AREA &&
			    area->pages == pages && area->storage_domain)
				ADD_RANGE(iopt_area_index(area),
					  iopt_area_last_index(area));
		}
	}
	for (struct itree_node *n = itree_min(&pages->access_itree); n;
	     n = itree_succ(n))
		ADD_RANGE(n->start, n->last);
#undef ADD_RANGE
	if (nr)
		qsort(r, nr, sizeof(*r), cmp_range);
	for (size_t i = 0, next = 0; i < nr && !rc; i++) {
		uint64_t from = r[i].first > next ? r[i].first : next;

		for (uint64_t idx = from; idx <= r[i].last; idx++) {
			if (!iopt_pages_held(pages, idx)) {
				rc = fail(c, "page %#llx of a held range is not pinned",
					  (unsigned long long)(pages->uptr +
							       idx * ps));
				break;
			}
			pinned++;
		}
		if (r[i].last + 1 > next)
			next = r[i].last + 1;
	}
	if (!rc && pinned != pages->npinned)
		rc = fail(c, "pages at %#llx: %llu pages held, npinned %llu",
			  (unsigned long long)pages->uptr,
			  (unsigned long long)pinned,
			  (unsigned long long)pages->npinned);
	free(r);
	return rc;
}

static int check_all_pages(struct check *c, struct iommufd_ctx *ictx)
{
	for (uint32_t id = 1; id < ictx->objs_cap; id++) {
		struct iommufd_object *obj = ictx->objs[id];
		struct iommufd_ioas *ioas;

		if (!obj || obj->type != IOMMUFD_OBJ_IOAS)
			continue;
		ioas = container_of(obj, struct iommufd_ioas, obj);
		for (struct itree_node *n = itree_min(&ioas->iopt.used); n;
		     n = itree_succ(n)) {
			struct iopt_area *area = to_iopt_area(n);

			if (area->kind == IOPT_USED_AREA &&
			    check_pages(c, ictx, area->pages))
				return -1;
		}
	}
	return 0;
}

int iommufd_mock_check_ctx(struct iommufd_ctx *ictx, char *why, size_t len)
{
	struct check c = { .why = why, .len = len };

	if (check_ids(&c, ictx) || check_users(&c, ictx))
		return -1;
	for (uint32_t id = 1; id < ictx->objs_cap; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (obj && obj->type == IOMMUFD_OBJ_IOAS &&
		    check_ioas(&c, container_of(obj, struct iommufd_ioas, obj)))
			return -1;
	}
	return check_all_pages(&c, ictx);
}

int iommufd_mock_check_fd(int fd, char *why, size_t len)
{
	struct iommufd_ctx *ictx = iommufd_file_private(fd, &iommufd_fops);

	return ictx ? iommufd_mock_check_ctx(ictx, why, len) : 0;
}

int iommufd_mock_check_unpinned(unsigned long uva, unsigned long length,
				char *why, size_t len)
{
	struct check c = { .why = why, .len = len };
	uint64_t ps = umem_page_size();

	umem_snapshot_load(uva & ~(ps - 1), length + (uva & (ps - 1)));
	for (uint64_t va = uva & ~(ps - 1); va < uva + length; va += ps)
		if (iopt_pages_count_pins(va))
			return fail(&c, "page %#llx still pinned with no context",
				    (unsigned long long)va);
	return 0;
}
