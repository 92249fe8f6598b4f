// SPDX-License-Identifier: GPL-2.0
/*
 * --kernel-only: random sequences against /dev/iommu alone, no mock, judged
 * by oracles that need none (a hunt for kernel bugs, issue 22):
 *   - no kernel report in the log after a sequence (/dev/kmsg: KASAN,
 *     lockdep, WARNING, BUG, UBSAN, Oops, ...);
 *   - the audit at the sequence's end (audit.c): every object destroyable,
 *     the fd count back to its start, no page still pinned after close;
 *   - each errno among those the kernel's source gives that op (stats.c);
 *   - the sequence's process exits normally (no crash, no hang).
 * A sequence that fails one is shrunk like a divergence (the same delta
 * debugging, keeping the same kind of finding) and printed with its
 * `difftest --run SEED INDEX KEEP --kernel-only` reproducer.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "kernel_report.h"

/*
 * What counts as a kernel report: selftests/kernel_report.h, the definition
 * scripts/dmesg-check judges whole guest runs by, applied here to each
 * kernel message as it comes (no timestamp prefix in kmsg).
 */
static const char report_re[] = KERNEL_REPORT_RE;

static int kmsg_fd = -1;
static regex_t report;
/* --judge: the kernel's messages come from the fixture, not /dev/kmsg. */
static const struct dt_trace *kmsg_fixture;

/* One kernel message: counted, and kept as evidence, if it is a report. */
static void kmsg_take(char *msg, int *n, char *first, size_t flen, struct dt_text *evidence)
{
	if (regexec(&report, msg, 0, NULL, 0))
		return;
	if (!(*n)++) {
		strncpy(first, msg, flen - 1);
		first[flen - 1] = 0;
	}
	if (evidence && *n <= 20)
		dt_text_printf(evidence, "    kmsg: %s\n", msg);
}

/*
 * The kernel's messages since the last call; the first report's text goes
 * to first (if any) and all reports to the evidence buffer. Userspace's
 * own kmsg lines (a facility other than the kernel's) do not count.
 */
static int kmsg_reports(char *first, size_t flen, struct dt_text *evidence)
{
	char rec[8192];
	int n = 0;
	ssize_t len;
	unsigned int i;

	for (i = 0; kmsg_fixture && i < kmsg_fixture->nr; i++)
		if (!strncmp(kmsg_fixture->line[i], "kmsg: ", 6)) {
			snprintf(rec, sizeof(rec), "%s", kmsg_fixture->line[i] + 6);
			kmsg_take(rec, &n, first, flen, evidence);
		}
	while (kmsg_fd >= 0 && (len = read(kmsg_fd, rec, sizeof(rec) - 1)) != 0) {
		char *msg, *nl;
		int prio;

		if (len < 0) {
			if (errno == EPIPE)	/* overwritten records: read on */
				continue;
			break;		/* EAGAIN: no more */
		}
		rec[len] = 0;
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%d", &prio) != 1 || prio >> 3)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		kmsg_take(msg, &n, first, flen, evidence);
	}
	return n;
}

/*
 * A report's name that stays the same from run to run, without CPU, PID,
 * task or the function's offset: up to 6.x "WARNING: CPU: 1 PID: 812 at
 * drivers/iommu/x.c:12 func+0x12/0x40" keeps what follows "at"; 7.x's
 * "WARNING: drivers/iommu/x.c:12 at func+0x12/0x40, CPU#1: prog/57" keeps
 * "WARNING: drivers/iommu/x.c:12 at func"; others lose the offset. At most
 * 80 characters.
 */
static const char *report_name(char *msg)
{
	char *at = strstr(msg, " at "), *cut;

	if (!strncmp(msg, "WARNING: CPU:", 13) && at)
		msg = at + 4;
	cut = strstr(msg, ", CPU#");
	if (cut)
		*cut = 0;
	cut = strstr(msg, "+0x");
	if (cut)
		*cut = 0;
	if (strlen(msg) > 80)
		msg[80] = 0;
	return msg;
}

/*
 * What is wrong with one run, as a signature ("" for nothing): "crash",
 * "dmesg: <the report's first words>", "audit: <the finding>" or
 * "errno: <op> <ERRNO>". The evidence for a report goes to ev.
 */
static void judge(struct dt_driver *d, const struct dt_trace *t, char *sig, size_t len,
		  struct dt_text *ev)
{
	char first[256], name[32], res[32];
	const char *src, *why;
	unsigned int i;

	(void)d;
	sig[0] = 0;
	if (kmsg_reports(first, sizeof(first), ev))
		snprintf(sig, len, "dmesg: %s", report_name(first));
	for (i = 0; i < t->nr; i++) {
		if (!strncmp(t->line[i], "== FINDING ", 11)) {
			if (ev)
				dt_text_printf(ev, "    %s\n", t->line[i]);
			if (!sig[0])
				snprintf(sig, len, "audit: %.60s", t->line[i] + 11);
			continue;
		}
		if (!dt_trace_op(t->line[i], name, sizeof(name), res, sizeof(res)))
			continue;
		src = dt_errno_unexpected(name, res, &why);
		if (!src)
			continue;
		if (ev)
			dt_text_printf(ev, "    %s\n      %s is not among the errnos of %s (%s)\n",
				       t->line[i], res, why, src);
		if (!sig[0])
			snprintf(sig, len, "errno: %s %s", name, res);
	}
	if (!dt_ended_normally(t)) {
		if (ev)
			dt_text_printf(ev, "    the sequence's process: %s\n", t->line[t->nr - 1]);
		if (!sig[0])
			snprintf(sig, len, "crash");
	}
}

static int still_finds(struct dt_driver *d, const struct dt_trace t[2], const char *sig)
{
	char s2[128];

	judge(d, &t[0], s2, sizeof(s2), NULL);
	return !strcmp(sig, s2);
}

static void report_finding(struct dt_driver *d, unsigned long long index, const char *sig,
			   const struct dt_text *ev)
{
	struct dt_seq seq;
	uint8_t keep[DT_OPS_MAX];
	char ks[DT_OPS_MAX * 4 + 8], s2[128];
	struct dt_trace t[2] = { { 0 } };
	struct dt_text ev2 = { 0 };
	unsigned int i, nr, runs = 0;

	printf("difftest: FINDING seed=%llu index=%llu: %s\n  evidence:\n%s", d->seed, index, sig,
	       ev->s ? ev->s : "");
	dt_seq_generate(&seq, d->seed, index, &d->gen);
	for (i = 0; i < seq.nr; i++)
		keep[i] = (uint8_t)i;
	nr = dt_shrink(d, index, keep, seq.nr, still_finds, sig, &runs);
	dt_keep_str(keep, nr, ks, sizeof(ks));
	printf("  shrunk to %u ops in %u runs: difftest --run %llu %llu %s --kernel-only%s\n", nr,
	       runs, d->seed, index, ks, d->gen.threads ? "" : " --no-threads");
	if (dt_run_both(d, index, ks, t))
		return;
	judge(d, &t[0], s2, sizeof(s2), &ev2);
	if (strcmp(s2, sig))
		printf("  the shrunk sequence did not show it again (%s): a report printed once "
		       "per boot (WARN_ON_ONCE), or one that depends on timing\n",
		       s2[0] ? s2 : "nothing");
	printf("  shrunk trace:\n");
	for (i = 0; i + 1 < t[0].nr; i++)
		printf("    %s\n", t[0].line[i]);
	if (ev2.s)
		printf("  its evidence:\n%s", ev2.s);
	dt_text_free(&ev2);
	dt_trace_free(&t[0]);
}

/*
 * --judge FILE: the oracles' verdict on a recorded run, for their own
 * tests (tests/judge/): FILE is a trace as a runner writes it, its last
 * line the end mark, with "kmsg: MESSAGE" lines standing for what
 * /dev/kmsg gave after it. Prints the finding's signature and evidence.
 * Exit: 0 clean, 1 a finding, 2 the file does not read.
 */
int dt_kernel_only_judge(const char *path)
{
	struct dt_trace t = { 0 };
	struct dt_text ev = { 0 };
	char *line = NULL, sig[128];
	size_t cap = 0, off;
	FILE *f = fopen(path, "r");
	unsigned int i = 0;

	if (!f || regcomp(&report, report_re, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "difftest: --judge %s: %m\n", path);
		return 2;
	}
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		dt_text_printf(&t.raw, "%s", line);
		t.nr++;
	}
	free(line);
	fclose(f);
	t.line = calloc(t.nr + 1, sizeof(*t.line));
	for (off = 0; t.raw.s && off < t.raw.len; i++) {
		char *nl = strchr(t.raw.s + off, '\n');

		t.line[i] = t.raw.s + off;
		if (!nl)
			break;
		*nl = 0;
		off = (size_t)(nl - t.raw.s) + 1;
	}
	kmsg_fixture = &t;
	judge(NULL, &t, sig, sizeof(sig), &ev);
	printf("judge: %s\n%s", sig[0] ? sig : "clean", ev.s ? ev.s : "");
	dt_text_free(&ev);
	dt_trace_free(&t);
	return sig[0] ? 1 : 0;
}

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
	char first[256];

	if (regcomp(&report, report_re, REG_EXTENDED | REG_NOSUB))
		return 2;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0 && !d->reference_mock) {
		fprintf(stderr, "difftest: --kernel-only reads the kernel's reports from /dev/kmsg, "
			"which does not open: %m\n");
		return 2;
	}
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	if (kmsg_reports(first, sizeof(first), NULL))
		printf("difftest: a kernel report came before the first sequence: %s\n", first);
	signal(SIGPIPE, SIG_IGN);
	d->nr_sides = 1;
	/* --reference-mock: the mock stands for the kernel (the plumbing, on a host) */
	if (dt_runner_start(d, &d->side[0], d->reference_mock ? d->mock : NULL,
			    d->reference_mock)) {
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
		struct dt_text ev = { 0 };
		char sig[128];

		if (d->time_limit > 0 && now() - t0 > d->time_limit)
			break;
		if (dt_run_both(d, i, "all", t))
			return 2;
		done++;
		dt_stats_add(d->stats, &t[0]);
		if (d->verbose > 1)
			printf("%s", t[0].raw.s);
		judge(d, &t[0], sig, sizeof(sig), &ev);
		if (sig[0]) {
			bad++;
			if (reports++ < d->max_reports)
				report_finding(d, i, sig, &ev);
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
