/* SPDX-License-Identifier: GPL-2.0 */
/* The driver's state, shared by driver.c and compare.c. */
#ifndef DIFFTEST_DRIVER_H
#define DIFFTEST_DRIVER_H

#include <regex.h>
#include <stdint.h>
#include <stdio.h>

#include "difftest.h"

/* A runner ends each sequence's trace with this line. */
#define DT_END_MARK "@@end"

/*
 * One entry of the explained list: a divergence is explained when its
 * kernel line and mock line match, and (if given) some earlier kernel line
 * matches "after".
 */
struct dt_explained {
	char *name, *reason;
	regex_t after, kernel, mock;
	int has_after, has_kernel, has_mock;
	unsigned long hits;
	unsigned long long first_index;
};

struct dt_runner {
	pid_t pid;
	FILE *in, *out;
};

struct dt_driver {
	unsigned long long n, seed, first;
	struct dt_gen_opts gen;
	const char *mock, *personality, *reference_mock;
	double time_limit;
	unsigned int max_reports;
	int verbose;
	struct dt_explained *ex;
	unsigned int nr_ex;
	struct dt_runner side[2];	/* 0: reference (kernel), 1: mock */
	int nr_sides;			/* 1 with --kernel-only */
	struct dt_op_stats *stats;	/* the reference's ops, counted (stats.c) */
	unsigned long runs;		/* runs of both sides */
	double wait[2];			/* seconds until side 0, both, were done */
};

struct dt_trace {
	char **line;
	unsigned int nr;
	struct dt_text raw;
};

/* compare.c: the runners, the comparison, shrinking */
int dt_explained_load(struct dt_driver *d, const char *path);
int dt_driver_run(struct dt_driver *d);
int dt_runner_start(struct dt_driver *d, struct dt_runner *r, const char *preload,
		    const char *personality);
/* Runs sequence index (restricted to keep, "all" for every op) on each side. */
int dt_run_both(struct dt_driver *d, unsigned long long index, const char *keep,
		struct dt_trace t[2]);
int dt_ended_normally(const struct dt_trace *t);
void dt_trace_free(struct dt_trace *t);
void dt_keep_str(const uint8_t *keep, unsigned int nr, char *s, size_t len);
/* Whether the traces of a run still show the problem named sig. */
typedef int (*dt_shrink_pred)(struct dt_driver *d, const struct dt_trace t[2], const char *sig);
/* Delta debugging over keep[nr]; returns the kept count, 1-minimal for pred. */
unsigned int dt_shrink(struct dt_driver *d, unsigned long long index, uint8_t *keep,
		       unsigned int nr, dt_shrink_pred pred, const char *sig, unsigned int *runs);

/* kernel_only.c: --kernel-only, the sequences against /dev/iommu alone */
int dt_kernel_only_run(struct dt_driver *d);
int dt_kernel_only_judge(const char *path);

/*
 * stats.c: what the reference side's ops answered, per op (printed at the
 * end of a run), and the errnos each op may answer by the kernel's source.
 */
struct dt_op_stats;
struct dt_op_stats *dt_stats_new(void);
void dt_stats_add(struct dt_op_stats *st, const struct dt_trace *t);
void dt_stats_print(const struct dt_op_stats *st);
/* Parses an op line: its name and first result ("0", "ENOENT", ...); 0 if not an op line. */
int dt_trace_op(const char *line, char *name, size_t nlen, char *res, size_t rlen);
/* NULL if errno res is one the table allows for op name, else the table row's source. */
const char *dt_errno_unexpected(const char *name, const char *res, const char **why);

#endif
