// SPDX-License-Identifier: GPL-2.0
/*
 * --kernel-only: random sequences against /dev/iommu alone, no mock, each
 * judged by the kernel side's oracles (oracles.c) and nothing else: the
 * kernel log, the audit, the errno table, a normal exit. Every finding
 * fails the run (no explained list: a hunt reports everything).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "driver.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int dt_kernel_only_run(struct dt_driver *d)
{
	unsigned long long i, done = 0, bad = 0;
	unsigned int reports = 0;
	double t0 = now(), el;

	if (dt_oracles_open(d))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	d->nr_sides = 1;
	/* --reference-mock: the mock stands for the kernel (the plumbing, on a host) */
	if (dt_runner_start(d, &d->side[0], d->reference_mock ? d->mock : NULL,
			    d->reference_mock, 1)) {
		fprintf(stderr, "difftest: cannot start the runner: %m\n");
		return 2;
	}
	printf("difftest: seed %llu, sequences %llu..%llu, %u..%u ops%s%s; /dev/iommu alone "
	       "(%s%s), judged by dmesg, the audit and the errno table\n", d->seed, d->first,
	       d->first + d->n - 1, d->gen.len_min, d->gen.len_max, d->gen.fork ? ", fork" : "",
	       d->gen.threads ? ", threads" : "", d->reference_mock ? "the mock as " : "",
	       d->personality);
	fflush(stdout);
	for (i = d->first; i < d->first + d->n; i++) {
		struct dt_trace t[2] = { { 0 } };
		struct dt_findings f;
		struct dt_text ev = { 0 };
		const char *sig;

		if (d->time_limit > 0 && now() - t0 > d->time_limit)
			break;
		if (dt_run_both(d, i, "all", t))
			return 2;
		done++;
		dt_stats_add(d->stats, &t[0]);
		if (d->verbose > 1)
			printf("%s", t[0].raw.s);
		dt_oracles_judge(d, &t[0], &f, &ev);
		sig = dt_findings_first(&f);
		if (sig) {
			bad++;
			if (reports++ < d->max_reports)
				dt_finding_report(d, i, sig, &ev);
			else
				printf("difftest: FINDING seed=%llu index=%llu: %s (not shrunk: "
				       "--max-reports)\n%s", d->seed, i, sig, ev.s ? ev.s : "");
		}
		fflush(stdout);
		dt_text_free(&ev);
		dt_trace_free(&t[0]);
	}
	el = now() - t0;
	fclose(d->side[0].in);
	fclose(d->side[0].out);
	waitpid(d->side[0].pid, NULL, 0);
	dt_stats_print(d->stats);
	printf("difftest: %llu sequences in %.1f s (%.1f/s), kernel only: %llu clean, %llu with "
	       "a finding\n", done, el, el > 0 ? (double)done / el : 0.0, done - bad, bad);
	printf("difftest: %llu passed, %llu failed\n", done - bad, bad);
	return bad ? 1 : 0;
}
