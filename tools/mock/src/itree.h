/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An AVL tree of closed intervals [start, last] ordered by start, augmented so
 * that every query the mock needs is logarithmic in the number of nodes:
 *
 *   - itree_first()/itree_next(): the nodes overlapping a range, in order of
 *     start (the same contract as the kernel's interval_tree_iter_first/next);
 *   - itree_find_hole(): the lowest free sub-range of [lo, hi] that a caller's
 *     predicate accepts, skipping every subtree whose largest internal gap is
 *     too small. Only meaningful when the intervals in the tree are disjoint.
 *
 * Nodes are embedded in the caller's objects; the tree allocates nothing.
 * Overlapping intervals are allowed; ties on start are ordered by address.
 */
#ifndef IOMMUFD_MOCK_ITREE_H
#define IOMMUFD_MOCK_ITREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct itree_node {
	struct itree_node *left, *right, *parent;
	uint64_t start, last;
	/* Augmented over the subtree rooted here. */
	uint64_t sub_min;	/* smallest start */
	uint64_t sub_max_last;	/* largest last */
	uint64_t sub_max_gap;	/* largest hole between consecutive nodes */
	int height;
};

struct itree {
	struct itree_node *root;
	size_t count;
};

#define itree_entry(ptr, type, member)                                       \
	((type *)((char *)(ptr) - offsetof(type, member)))

void itree_insert(struct itree *t, struct itree_node *n);
void itree_remove(struct itree *t, struct itree_node *n);

/* First node (lowest start) overlapping [start, last], or NULL. */
struct itree_node *itree_first(const struct itree *t, uint64_t start,
			       uint64_t last);
/* The next node after n overlapping [start, last], or NULL. */
struct itree_node *itree_next(const struct itree_node *n, uint64_t start,
			      uint64_t last);

/* In-order walk of every node. */
struct itree_node *itree_min(const struct itree *t);
struct itree_node *itree_succ(const struct itree_node *n);

/*
 * Predicate for itree_find_hole(): given a free range [*start, last], return
 * true to accept it (and optionally move *start to the chosen address).
 */
typedef bool (*itree_hole_fn)(uint64_t *start, uint64_t last, void *arg);

/*
 * Finds the lowest hole in [lo, hi] (holes are clipped to it) for which fn
 * returns true; min_size prunes subtrees whose internal holes are all
 * smaller (pass 1 to visit every hole). Returns true and the accepted start.
 * The intervals in the tree must not overlap.
 */
bool itree_find_hole(const struct itree *t, uint64_t lo, uint64_t hi,
		     uint64_t min_size, itree_hole_fn fn, void *arg,
		     uint64_t *out);

/* Checks every invariant (order, balance, augmentation); for unit tests. */
bool itree_check(const struct itree *t);

#endif
