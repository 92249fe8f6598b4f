// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the mock's interval tree against a brute-force model:
 * random inserts and removals of disjoint and of overlapping intervals, with
 * every invariant checked after each step, overlap queries in order, and the
 * first-fit hole search with an alignment predicate like iopt_alloc_iova's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "itree.h"

#define N 600
#define SPACE 100000ULL

struct item {
	struct itree_node node;
	bool in;
};

static struct item items[N];
static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "itree_test: %s:%d: ", __func__,     \
				__LINE__);                                   \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			if (++failures > 10)                                 \
				exit(1);                                     \
		}                                                            \
	} while (0)

static uint64_t rnd(uint64_t n)
{
	return ((uint64_t)random() << 31 ^ (uint64_t)random()) % n;
}

static bool overlaps_any(uint64_t s, uint64_t l)
{
	for (int i = 0; i < N; i++)
		if (items[i].in && items[i].node.start <= l &&
		    items[i].node.last >= s)
			return true;
	return false;
}

/* Overlap query: same set, in order of start, as the brute force. */
static void check_query(struct itree *t, uint64_t s, uint64_t l)
{
	size_t expect = 0, got = 0;
	uint64_t prev = 0;
	struct itree_node *n;

	for (int i = 0; i < N; i++)
		if (items[i].in && items[i].node.start <= l &&
		    items[i].node.last >= s)
			expect++;
	for (n = itree_first(t, s, l); n; n = itree_next(n, s, l)) {
		CHECK(n->start <= l && n->last >= s, "[%llu,%llu] outside",
		      (unsigned long long)n->start, (unsigned long long)n->last);
		CHECK(n->start >= prev, "out of order");
		prev = n->start;
		got++;
	}
	CHECK(got == expect, "query [%llu,%llu]: %zu nodes, expected %zu",
	      (unsigned long long)s, (unsigned long long)l, got, expect);
}

struct fit {
	uint64_t length, align;
};

static bool fit_fn(uint64_t *start, uint64_t last, void *argp)
{
	struct fit *f = argp;
	uint64_t a = (*start + f->align - 1) & ~(f->align - 1);

	if (a > last || last - a < f->length - 1)
		return false;
	*start = a;
	return true;
}

/* The lowest aligned start of a free run of length in [lo, hi], by scanning. */
static bool brute_hole(uint64_t lo, uint64_t hi, struct fit *f, uint64_t *out)
{
	for (uint64_t a = (lo + f->align - 1) & ~(f->align - 1);
	     a + f->length - 1 <= hi; a += f->align) {
		if (!overlaps_any(a, a + f->length - 1)) {
			*out = a;
			return true;
		}
	}
	return false;
}

static void run(bool disjoint)
{
	struct itree t = {};

	for (int i = 0; i < N; i++)
		items[i].in = false;
	for (int step = 0; step < 6000; step++) {
		struct item *it = &items[rnd(N)];

		if (it->in) {
			itree_remove(&t, &it->node);
			it->in = false;
		} else {
			uint64_t s = rnd(SPACE), len = 1 + rnd(disjoint ? 200 : 2000);

			if (s + len - 1 >= SPACE)
				continue;
			if (disjoint && overlaps_any(s, s + len - 1))
				continue;
			it->node.start = s;
			it->node.last = s + len - 1;
			itree_insert(&t, &it->node);
			it->in = true;
		}
		CHECK(itree_check(&t), "invariants broken at step %d", step);
		if (step % 50 == 0) {
			uint64_t s = rnd(SPACE), l = s + rnd(3000);

			check_query(&t, s, l);
			/* Edges: a query starting at a node's last byte. */
			if (it->in)
				check_query(&t, it->node.last, it->node.last + rnd(50));
		}
		if (disjoint && step % 20 == 0 && it->in) {
			/* A hole of exactly the size of the gap after a node. */
			struct itree_node *next = itree_succ(&it->node);
			struct fit f = { .align = 1 };
			uint64_t want = 0, got = 0;

			if (next && next->start > it->node.last + 1) {
				f.length = next->start - it->node.last - 1;
				bool w = brute_hole(0, SPACE, &f, &want);
				bool g = itree_find_hole(&t, 0, SPACE, f.length,
							 fit_fn, &f, &got);

				CHECK(w == g && want == got,
				      "exact hole of %llu: %llu, expected %llu",
				      (unsigned long long)f.length,
				      (unsigned long long)got,
				      (unsigned long long)want);
			}
		}
		if (disjoint && step % 100 == 0) {
			struct fit f = { .length = 1 + rnd(400),
					 .align = 1ULL << rnd(8) };
			uint64_t lo = rnd(SPACE / 2), hi = lo + rnd(SPACE / 2);
			uint64_t want = 0, got = 0;
			bool w = brute_hole(lo, hi, &f, &want);
			bool g = itree_find_hole(&t, lo, hi, f.length, fit_fn,
						 &f, &got);

			CHECK(w == g && (!w || want == got),
			      "hole len %llu align %llu in [%llu,%llu]: %s %llu, expected %s %llu",
			      (unsigned long long)f.length,
			      (unsigned long long)f.align,
			      (unsigned long long)lo, (unsigned long long)hi,
			      g ? "found" : "none", (unsigned long long)got,
			      w ? "found" : "none", (unsigned long long)want);
		}
	}
	/* In-order walk sees every node once. */
	{
		size_t count = 0;

		for (struct itree_node *n = itree_min(&t); n; n = itree_succ(n))
			count++;
		CHECK(count == t.count, "walk %zu of %zu", count, t.count);
	}
}

int main(void)
{
	srandom(4);
	run(true);
	run(false);
	if (failures) {
		printf("not ok itree_test: %d failures\n", failures);
		return 1;
	}
	printf("ok itree_test\n");
	return 0;
}
