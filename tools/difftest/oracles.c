// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side's oracles: what a run of the kernel can be judged by with
 * no mock to compare with (issue 22's hunt), applied in both modes: every
 * run of --kernel-only, and the kernel side of every differential run, so
 * that a differential run of N sequences is a hunt of N sequences too.
 *   - no kernel report in the log after the run (/dev/kmsg: KASAN,
 *     lockdep, WARNING, BUG, UBSAN, Oops, ...);
 *   - the audit at the sequence's end (audit.c): every object destroyable,
 *     the fd count back to its start, no page still pinned after close;
 *   - each errno among those the kernel's source gives that op (stats.c);
 *   - the sequence's process exits normally (no crash, no hang).
 * A run's findings are signatures; in a differential run each is looked up
 * in the explained list (entries "kernel-bug: ID" with a "finding:"
 * pattern, compare.c). One that nothing explains fails the sequence and is
 * shrunk like a divergence (the same delta debugging, keeping the same
 * finding) and printed with its `difftest --run SEED INDEX KEEP
 * --kernel-only` reproducer.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "kernel_report.h"

/*
 * What counts as a kernel report: selftests/kernel_report.h, the definition
 * scripts/dmesg-check judges whole guest runs by, applied here to each
 * kernel message as it comes (no timestamp prefix in kmsg).
 */
static int report_compile(struct dt_driver *d)
{
	if (regcomp(&d->report, KERNEL_REPORT_RE, REG_EXTENDED | REG_NOSUB))
		return -1;
	d->has_report = 1;
	return 0;
}

static int is_report(struct dt_driver *d, const char *msg)
{
	return !regexec(&d->report, msg, 0, NULL, 0);
}

/*
 * The kernel's reports since the last call, one DT_KMSG_MARK line each.
 * Userspace's own kmsg lines (a facility other than the kernel's) do not
 * count: on a guest, virtme-ng's init writes "WARNING:" lines of its own.
 */
void dt_kmsg_collect(struct dt_driver *d, struct dt_text *raw)
{
	char rec[8192];
	ssize_t len;

	while (d->kmsg_fd >= 0 && (len = read(d->kmsg_fd, rec, sizeof(rec) - 1)) != 0) {
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
		if (is_report(d, msg))
			dt_text_printf(raw, "%s%s\n", DT_KMSG_MARK, msg);
	}
}

/*
 * The kernel log is read only where it is the kernel's that runs: with
 * --reference-mock the reference is the mock, which writes nothing there,
 * and the log of a host belongs to whatever else that host runs.
 */
int dt_oracles_open(struct dt_driver *d)
{
	struct dt_text before = { 0 };

	d->kmsg_fd = -1;
	if (report_compile(d))
		return -1;
	if (d->reference_mock)
		return 0;
	d->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (d->kmsg_fd < 0) {
		fprintf(stderr, "difftest: the kernel side's oracles read its reports from "
			"/dev/kmsg, which does not open: %m\n");
		return -1;
	}
	lseek(d->kmsg_fd, 0, SEEK_END);
	dt_kmsg_collect(d, &before);
	if (before.s)
		printf("difftest: a kernel report came before the first sequence: %s",
		       before.s + strlen(DT_KMSG_MARK));
	dt_text_free(&before);
	return 0;
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
 * Adds a finding once, with the entry that explains it. When the list is
 * full, an unexplained one takes the place of an explained one: the
 * sequence fails either way, and must not pass on a finding left out.
 */
static void finding_add(struct dt_driver *d, const struct dt_trace *t, struct dt_findings *f,
			const char *sig)
{
	struct dt_explained *x;
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		if (!strcmp(f->sig[i], sig))
			return;
	x = dt_explain_finding(d, t, sig);
	if (f->nr == DT_FINDINGS_MAX) {
		if (x)
			return;
		for (i = DT_FINDINGS_MAX; i-- > 0 && !f->by[i];)
			;
		if (i >= DT_FINDINGS_MAX)
			return;		/* all unexplained already */
	} else {
		i = f->nr++;
	}
	snprintf(f->sig[i], DT_SIG_LEN, "%s", sig);
	f->by[i] = x;
}

/*
 * What is wrong with one run, as signatures, in this order: "dmesg: <the
 * report's name>" for each kernel report, "audit: <the finding>", "errno:
 * <op> <ERRNO>", "crash" (the process did not exit 0).
 */
unsigned int dt_oracles_judge(struct dt_driver *d, const struct dt_trace *t,
			      struct dt_findings *f, struct dt_text *ev)
{
	char msg[256], sig[DT_SIG_LEN], name[32], res[32];
	const char *src, *why;
	unsigned int i, bad = 0;

	f->nr = 0;
	for (i = 0; i < t->nr_kmsg; i++) {
		const char *m = t->kmsg[i] + strlen(DT_KMSG_MARK);

		if (!is_report(d, m))
			continue;
		if (ev && i < 20)
			dt_text_printf(ev, "    %s\n", t->kmsg[i]);
		snprintf(msg, sizeof(msg), "%s", m);
		snprintf(sig, sizeof(sig), "dmesg: %s", report_name(msg));
		finding_add(d, t, f, sig);
	}
	for (i = 0; i < t->nr_audit; i++) {
		if (strncmp(t->audit[i], "== FINDING ", 11))
			continue;
		if (ev)
			dt_text_printf(ev, "    %s\n", t->audit[i]);
		snprintf(sig, sizeof(sig), "audit: %.60s", t->audit[i] + 11);
		finding_add(d, t, f, sig);
	}
	for (i = 0; i < t->nr; i++) {
		if (!dt_trace_op(t->line[i], name, sizeof(name), res, sizeof(res)))
			continue;
		src = dt_errno_unexpected(name, res, &why);
		if (!src)
			continue;
		if (ev)
			dt_text_printf(ev, "    %s\n      %s is not among the errnos of %s (%s)\n",
				       t->line[i], res, why, src);
		snprintf(sig, sizeof(sig), "errno: %s %s", name, res);
		finding_add(d, t, f, sig);
	}
	if (!dt_ended_normally(t)) {
		if (ev)
			dt_text_printf(ev, "    the sequence's process: %s\n",
				       t->nr ? t->line[t->nr - 1] : "(no line)");
		finding_add(d, t, f, "crash");
	}
	for (i = 0; i < f->nr; i++) {
		if (!f->by[i])
			bad++;
		else if (ev)
			dt_text_printf(ev, "    (%s: explained by '%s')\n", f->sig[i], f->by[i]->name);
	}
	return bad;
}

const char *dt_findings_first(const struct dt_findings *f)
{
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		if (!f->by[i])
			return f->sig[i];
	return NULL;
}

/* For the shrinker: does the kernel side of a run still show sig, unexplained? */
static int still_finds(struct dt_driver *d, const struct dt_trace t[2], const char *sig)
{
	struct dt_findings f;
	unsigned int i;

	dt_oracles_judge(d, &t[0], &f, NULL);
	for (i = 0; i < f.nr; i++)
		if (!f.by[i] && !strcmp(f.sig[i], sig))
			return 1;
	return 0;
}

void dt_finding_report(struct dt_driver *d, unsigned long long index, const char *sig,
		       const struct dt_text *ev)
{
	struct dt_seq seq;
	uint8_t keep[DT_OPS_MAX];
	char ks[DT_OPS_MAX * 4 + 8];
	struct dt_trace t[2] = { { 0 } };
	struct dt_text ev2 = { 0 };
	struct dt_findings f;
	unsigned int i, nr, runs = 0;
	int s;

	printf("difftest: FINDING seed=%llu index=%llu: %s\n  evidence:\n%s", d->seed, index, sig,
	       ev->s ? ev->s : "");
	dt_seq_generate(&seq, d->seed, index, &d->gen);
	for (i = 0; i < seq.nr; i++)
		keep[i] = (uint8_t)i;
	nr = dt_shrink(d, index, keep, seq.nr, still_finds, sig, &runs);
	dt_keep_str(keep, nr, ks, sizeof(ks));
	printf("  shrunk to %u ops in %u runs: difftest --run %llu %llu %s --kernel-only%s%s\n", nr,
	       runs, d->seed, index, ks, d->gen.fork ? " --fork" : "",
	       d->gen.threads ? "" : " --no-threads");
	if (dt_run_both(d, index, ks, t))
		return;
	if (!still_finds(d, t, sig))
		printf("  the shrunk sequence did not show it again: a report printed once per "
		       "boot (WARN_ON_ONCE), or one that depends on timing\n");
	printf("  shrunk trace:\n");
	for (i = 0; i + 1 < t[0].nr; i++)
		printf("    %s\n", t[0].line[i]);
	for (i = 0; i < t[0].nr_audit; i++)
		printf("    %s\n", t[0].audit[i]);
	dt_oracles_judge(d, &t[0], &f, &ev2);
	if (ev2.s)
		printf("  its evidence:\n%s", ev2.s);
	dt_text_free(&ev2);
	for (s = 0; s < d->nr_sides; s++)
		dt_trace_free(&t[s]);
}

/*
 * --judge FILE [--explained LIST]: the oracles' verdict on a recorded run,
 * for their own tests (tests/judge/): FILE is a trace as a runner writes
 * it (its last line the end mark), with "kmsg: MESSAGE" lines standing for
 * the kernel reports the driver read after it. Without an explained list
 * the verdict is --kernel-only's (the first finding); with one it is the
 * differential run's (the first finding nothing explains, or the entries
 * that explained them all). Prints "judge: VERDICT" and the evidence.
 * Exit: 0 clean or explained, 1 a finding, 2 the file does not read.
 */
int dt_oracles_judge_file(struct dt_driver *d, const char *path)
{
	struct dt_trace t = { 0 };
	struct dt_findings f;
	struct dt_text ev = { 0 };
	char *line = NULL;
	const char *first;
	size_t cap = 0;
	FILE *f_in = fopen(path, "r");
	unsigned int i, bad;

	if (!f_in || report_compile(d)) {
		fprintf(stderr, "difftest: --judge %s: %m\n", path);
		return 2;
	}
	while (getline(&line, &cap, f_in) > 0)
		if (line[0] != '#')
			dt_text_printf(&t.raw, "%s", line);
	free(line);
	fclose(f_in);
	if (dt_trace_split(&t)) {
		fprintf(stderr, "difftest: --judge %s: no trace in it\n", path);
		return 2;
	}
	bad = dt_oracles_judge(d, &t, &f, &ev);
	first = dt_findings_first(&f);
	if (first) {
		printf("judge: %s\n", first);
	} else if (f.nr) {
		printf("judge: explained:");
		for (i = 0; i < f.nr; i++) {
			unsigned int j = 0;

			while (j < i && f.by[j] != f.by[i])
				j++;
			if (j == i)	/* each entry once */
				printf("%s %s", i ? "," : "", f.by[i]->name);
		}
		printf("\n");
	} else {
		printf("judge: clean\n");
	}
	printf("%s", ev.s ? ev.s : "");
	dt_text_free(&ev);
	dt_trace_free(&t);
	return bad ? 1 : 0;
}
