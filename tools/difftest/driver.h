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
	unsigned long runs;		/* runs of both sides */
	double wait[2];			/* seconds until side 0, both, were done */
};

int dt_explained_load(struct dt_driver *d, const char *path);
int dt_driver_run(struct dt_driver *d);

#endif
