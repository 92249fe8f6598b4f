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
/* The audit's lines (audit.c) start with this; no op's line does. */
#define DT_AUDIT_MARK "=="
/* A kernel report /dev/kmsg gave after a run, as the driver adds it to the trace. */
#define DT_KMSG_MARK "kmsg: "

/*
 * One entry of the explained list: a divergence is explained when its
 * kernel line and mock line match, and (if given) some earlier kernel line
 * matches "after". A finding entry (its kernel field "finding: ERE")
 * explains a finding of the kernel side's oracles instead: its signature
 * matches kernel, and (if given) some op line of the kernel's trace
 * matches "after".
 */
struct dt_explained {
	char *name, *reason;
	regex_t after, kernel, mock;
	int has_after, has_kernel, has_mock;
	int finding;
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
	int kmsg_fd;			/* /dev/kmsg, read after each run; -1 none */
	regex_t report;			/* what counts as a kernel report */
	int has_report;			/* report is compiled */
	struct dt_op_stats *stats;	/* the reference's ops, counted (stats.c) */
	unsigned long runs;		/* runs of both sides */
	double wait[2];			/* seconds until side 0, both, were done */
};

/*
 * One run of one side, as its runner wrote it (raw), split by what reads
 * it: line[] the ops' lines and the end mark last (what the comparison
 * sees), audit[] the audit's lines and kmsg[] the kernel reports read
 * after the run (what the oracles see besides; both kernel side only).
 */
struct dt_trace {
	char **line, **audit, **kmsg;
	unsigned int nr, nr_audit, nr_kmsg;
	struct dt_text raw;
};

/* A run's findings (oracles.c): signatures, the first DT_FINDINGS_MAX distinct ones. */
#define DT_FINDINGS_MAX 8
#define DT_SIG_LEN 128
struct dt_findings {
	unsigned int nr;
	char sig[DT_FINDINGS_MAX][DT_SIG_LEN];
	struct dt_explained *by[DT_FINDINGS_MAX];	/* the entry that explains each */
};

/* compare.c: the runners, the comparison, shrinking */
int dt_explained_load(struct dt_driver *d, const char *path);
/* Frees what a run or a --judge left in d: the explained list, the patterns, the counts. */
void dt_driver_free(struct dt_driver *d);
int dt_driver_run(struct dt_driver *d);
/* With audit, the runner ends each sequence with the audit (audit.c). */
int dt_runner_start(struct dt_driver *d, struct dt_runner *r, const char *preload,
		    const char *personality, int audit);
/* Runs sequence index (restricted to keep, "all" for every op) on each side. */
int dt_run_both(struct dt_driver *d, unsigned long long index, const char *keep,
		struct dt_trace t[2]);
int dt_ended_normally(const struct dt_trace *t);
/* Splits t->raw into the trace's line lists; -1 if it holds no line. */
int dt_trace_split(struct dt_trace *t);
void dt_trace_free(struct dt_trace *t);
/* The explained entry for a finding's signature in this kernel trace, or NULL. */
struct dt_explained *dt_explain_finding(struct dt_driver *d, const struct dt_trace *t,
					const char *sig);
void dt_keep_str(const uint8_t *keep, unsigned int nr, char *s, size_t len);
/* Whether the traces of a run still show the problem named sig. */
typedef int (*dt_shrink_pred)(struct dt_driver *d, const struct dt_trace t[2], const char *sig);
/* Delta debugging over keep[nr]; returns the kept count, 1-minimal for pred. */
unsigned int dt_shrink(struct dt_driver *d, unsigned long long index, uint8_t *keep,
		       unsigned int nr, dt_shrink_pred pred, const char *sig, unsigned int *runs);

/*
 * oracles.c: the kernel side's oracles, in both modes (the kernel log, the
 * audit, the errno table, a normal exit).
 */
/* Opens /dev/kmsg (not for --reference-mock) past what it holds; -1 on error. */
int dt_oracles_open(struct dt_driver *d);
/* Adds the kernel reports since the last call to raw, as DT_KMSG_MARK lines. */
void dt_kmsg_collect(struct dt_driver *d, struct dt_text *raw);
/*
 * Judges one kernel trace: its findings, each looked up in the explained
 * list (none loaded: none explained); evidence for each to ev if not NULL.
 * Returns how many are not explained.
 */
unsigned int dt_oracles_judge(struct dt_driver *d, const struct dt_trace *t,
			      struct dt_findings *f, struct dt_text *ev);
/* The first unexplained finding's signature, or NULL. */
const char *dt_findings_first(const struct dt_findings *f);
/* Prints a finding (its verdict line and evidence), shrinks it, prints the shrunk run. */
void dt_finding_report(struct dt_driver *d, unsigned long long index, const char *sig,
		       const struct dt_text *ev);
/* --judge FILE: the verdict on a recorded run (tests/judge/). */
int dt_oracles_judge_file(struct dt_driver *d, const char *path);

/* kernel_only.c: --kernel-only, the sequences against /dev/iommu alone */
int dt_kernel_only_run(struct dt_driver *d);

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
