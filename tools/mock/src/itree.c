// SPDX-License-Identifier: GPL-2.0
/*
 * AVL interval tree; see itree.h. Written for the mock so that map, unmap,
 * lookup and IOVA allocation stay logarithmic in the number of areas. It
 * stands for the kernel's interval_tree (include/linux/interval_tree.h) and
 * the span iterators io_pagetable.c uses; no iommufd file mirrors it.
 */
#include "itree.h"

static int height(const struct itree_node *n)
{
	return n ? n->height : 0;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Recomputes n's height and augmented values from its children. */
static void update(struct itree_node *n)
{
	struct itree_node *l = n->left, *r = n->right;
	uint64_t running, gap = 0;

	n->height = 1 + (height(l) > height(r) ? height(l) : height(r));
	n->sub_min = l ? l->sub_min : n->start;
	n->sub_max_last = n->last;
	running = n->last;
	if (l) {
		gap = l->sub_max_gap;
		if (n->start > l->sub_max_last && n->start - l->sub_max_last > 1)
			gap = max_u64(gap, n->start - l->sub_max_last - 1);
		running = max_u64(running, l->sub_max_last);
		n->sub_max_last = max_u64(n->sub_max_last, l->sub_max_last);
	}
	if (r) {
		gap = max_u64(gap, r->sub_max_gap);
		if (r->sub_min > running && r->sub_min - running > 1)
			gap = max_u64(gap, r->sub_min - running - 1);
		n->sub_max_last = max_u64(n->sub_max_last, r->sub_max_last);
	}
	n->sub_max_gap = gap;
}

static void replace_child(struct itree *t, struct itree_node *parent,
			  struct itree_node *old, struct itree_node *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static struct itree_node *rotate_left(struct itree *t, struct itree_node *x)
{
	struct itree_node *y = x->right;

	replace_child(t, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

static struct itree_node *rotate_right(struct itree *t, struct itree_node *x)
{
	struct itree_node *y = x->left;

	replace_child(t, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	update(x);
	update(y);
	return y;
}

/* Restores balance and augmentation from n up to the root. */
static void rebalance_up(struct itree *t, struct itree_node *n)
{
	while (n) {
		int bal;

		update(n);
		bal = height(n->left) - height(n->right);
		if (bal > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(t, n->left);
			n = rotate_right(t, n);
		} else if (bal < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(t, n->right);
			n = rotate_left(t, n);
		}
		n = n->parent;
	}
}

static bool less(const struct itree_node *a, const struct itree_node *b)
{
	if (a->start != b->start)
		return a->start < b->start;
	return (uintptr_t)a < (uintptr_t)b;
}

void itree_insert(struct itree *t, struct itree_node *n)
{
	struct itree_node **link = &t->root, *parent = NULL;

	while (*link) {
		parent = *link;
		link = less(n, parent) ? &parent->left : &parent->right;
	}
	n->left = n->right = NULL;
	n->parent = parent;
	*link = n;
	t->count++;
	rebalance_up(t, n);
}

void itree_remove(struct itree *t, struct itree_node *n)
{
	struct itree_node *fix;

	if (n->left && n->right) {
		/* Swap n with its in-order successor s, which has no left. */
		struct itree_node *s = n->right;

		while (s->left)
			s = s->left;
		if (s == n->right) {
			fix = s;
		} else {
			fix = s->parent;
			fix->left = s->right;
			if (s->right)
				s->right->parent = fix;
			s->right = n->right;
			n->right->parent = s;
		}
		s->left = n->left;
		n->left->parent = s;
		replace_child(t, n->parent, n, s);
	} else {
		struct itree_node *child = n->left ? n->left : n->right;

		fix = n->parent;
		replace_child(t, n->parent, n, child);
	}
	t->count--;
	n->left = n->right = n->parent = NULL;
	rebalance_up(t, fix);
}

/* Leftmost node in subtree n overlapping [start, last]. */
static struct itree_node *subtree_first(struct itree_node *n, uint64_t start,
					uint64_t last)
{
	while (n) {
		if (n->left && n->left->sub_max_last >= start) {
			n = n->left;
			continue;
		}
		if (n->start > last)
			return NULL;
		if (n->last >= start)
			return n;
		if (n->right && n->right->sub_max_last >= start) {
			n = n->right;
			continue;
		}
		return NULL;
	}
	return NULL;
}

struct itree_node *itree_first(const struct itree *t, uint64_t start,
			       uint64_t last)
{
	if (!t->root || t->root->sub_max_last < start)
		return NULL;
	return subtree_first(t->root, start, last);
}

struct itree_node *itree_next(const struct itree_node *cn, uint64_t start,
			      uint64_t last)
{
	struct itree_node *n = (struct itree_node *)cn;

	for (;;) {
		if (n->right && n->right->sub_max_last >= start)
			return subtree_first(n->right, start, last);
		while (n->parent && n == n->parent->right)
			n = n->parent;
		n = n->parent;
		if (!n || n->start > last)
			return NULL;
		if (n->last >= start)
			return n;
	}
}

struct itree_node *itree_min(const struct itree *t)
{
	struct itree_node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}

struct itree_node *itree_succ(const struct itree_node *cn)
{
	struct itree_node *n = (struct itree_node *)cn;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return n;
	}
	while (n->parent && n == n->parent->right)
		n = n->parent;
	return n->parent;
}

struct hole_search {
	uint64_t hi, min_size, cursor, out;
	itree_hole_fn fn;
	void *arg;
	bool valid;	/* cursor still inside [lo, hi] */
	bool found;
};

/* Offers the hole [cursor, min(hole_last, hi)] to the predicate. */
static void try_hole(struct hole_search *s, uint64_t hole_last)
{
	uint64_t start = s->cursor;
	uint64_t last = hole_last < s->hi ? hole_last : s->hi;

	if (!s->valid || start > last)
		return;
	if (s->fn(&start, last, s->arg)) {
		s->found = true;
		s->out = start;
	}
}

static void advance(struct hole_search *s, uint64_t used_last)
{
	if (!s->valid || used_last < s->cursor)
		return;
	if (used_last >= s->hi)
		s->valid = false;
	else
		s->cursor = used_last + 1;
}

static void search(struct hole_search *s, const struct itree_node *n)
{
	if (!n || s->found || !s->valid)
		return;
	if (n->sub_max_last < s->cursor || n->sub_min > s->hi)
		return;
	if (n->sub_max_gap < s->min_size) {
		/* No hole inside the subtree is big enough: only the one
		 * before its first node can be. */
		if (n->sub_min > s->cursor)
			try_hole(s, n->sub_min - 1);
		if (!s->found)
			advance(s, n->sub_max_last);
		return;
	}
	search(s, n->left);
	if (s->found || !s->valid)
		return;
	if (n->start > s->cursor) {
		try_hole(s, n->start - 1);
		if (s->found)
			return;
	}
	advance(s, n->last);
	search(s, n->right);
}

bool itree_find_hole(const struct itree *t, uint64_t lo, uint64_t hi,
		     uint64_t min_size, itree_hole_fn fn, void *arg,
		     uint64_t *out)
{
	struct hole_search s = {
		.hi = hi, .min_size = min_size ? min_size : 1, .cursor = lo,
		.fn = fn, .arg = arg, .valid = lo <= hi,
	};

	search(&s, t->root);
	if (!s.found)
		try_hole(&s, hi);
	if (s.found)
		*out = s.out;
	return s.found;
}

static bool check_node(const struct itree_node *n, const struct itree_node *parent)
{
	struct itree_node copy;

	if (!n)
		return true;
	if (n->parent != parent || n->start > n->last)
		return false;
	if (n->left && less(n, n->left))
		return false;
	if (n->right && less(n->right, n))
		return false;
	if (!check_node(n->left, n) || !check_node(n->right, n))
		return false;
	copy = *n;
	update(&copy);
	if (copy.height != n->height || copy.sub_min != n->sub_min ||
	    copy.sub_max_last != n->sub_max_last ||
	    copy.sub_max_gap != n->sub_max_gap)
		return false;
	return height(n->left) - height(n->right) <= 1 &&
	       height(n->right) - height(n->left) <= 1;
}

bool itree_check(const struct itree *t)
{
	return check_node(t->root, NULL);
}
