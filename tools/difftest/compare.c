// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's loop: both runners, the comparison of their traces, the
 * explained list, the shrinking of an unexplained divergence, the report;
 * and for each sequence the kernel side's oracles (oracles.c), whose
 * findings the explained list's "finding:" entries may explain.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

/* ---- the explained list ---- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

static int compile(regex_t *re, int *has, const char *pat, const char *path, int line)
{
	int rc;

	*has = *pat != 0;
	if (!*has)
		return 0;
	rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, re, msg, sizeof(msg));
		fprintf(stderr, "difftest: %s:%d: bad pattern '%s': %s\n", path, line, pat, msg);
		*has = 0;	/* nothing to free */
		return -1;
	}
	return 0;
}

/*
 * A finding of the kernel side's oracles may be explained only by a kernel
 * bug of the register (config/kernel-bugs/ID/bug): the entry is named
 * "kernel-bug: ID ...". Its name is checked against the register for every
 * "kernel-bug:" entry: one the register lacks is an error, as a misspelled
 * id would be, so that no finding is explained by a bug nobody can read.
 */
static int kernel_bug_check(const char *name, const char *path, int line)
{
	char id[64], bug[sizeof(DT_KERNEL_BUGS) + 80];

	if (strncmp(name, "kernel-bug: ", 12))
		return 0;
	if (sscanf(name + 12, "%63[a-z0-9.-]", id) != 1) {
		fprintf(stderr, "difftest: %s:%d: '%s': want 'kernel-bug: ID' with the id of "
			"the register's entry (%s/ID)\n", path, line, name, DT_KERNEL_BUGS);
		return -1;
	}
	snprintf(bug, sizeof(bug), "%s/%s/bug", DT_KERNEL_BUGS, id);
	if (access(bug, R_OK)) {
		fprintf(stderr, "difftest: %s:%d: kernel-bug '%s' is not in the register (%s: %m): "
			"register it, or name the entry that is\n", path, line, id, bug);
		return -1;
	}
	return 0;
}

/*
 * Each entry is one line of five fields separated by " | ": name, after,
 * kernel, mock (POSIX extended regular expressions, empty for "any"),
 * reason. A kernel field "finding: ERE" makes an entry explain a finding
 * of the kernel side's oracles (oracles.c) whose signature matches ERE,
 * in a sequence where some op line of the kernel's matches after; such an
 * entry is a registered kernel bug's and has no mock field. Lines starting
 * with # and blank lines are comments.
 */
int dt_explained_load(struct dt_driver *d, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	if (!f) {
		fprintf(stderr, "difftest: explained list %s: %m\n", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		char *field[5], *s = trim(line), *sep;
		struct dt_explained *e;
		int i;

		lineno++;
		if (!*s || *s == '#')
			continue;
		for (i = 0; i < 4; i++) {
			sep = strstr(s, " | ");
			if (!sep)
				break;
			*sep = 0;
			field[i] = trim(s);
			s = sep + 3;
		}
		if (i < 4) {
			fprintf(stderr, "difftest: %s:%d: want 'name | after | kernel | mock | reason'\n",
				path, lineno);
			goto fail;
		}
		field[4] = trim(s);
		d->ex = realloc(d->ex, (d->nr_ex + 1) * sizeof(*d->ex));
		if (!d->ex)
			goto fail;
		e = &d->ex[d->nr_ex];
		memset(e, 0, sizeof(*e));
		if (!strncmp(field[2], "finding: ", 9)) {
			e->finding = 1;
			field[2] += 9;
			if (strncmp(field[0], "kernel-bug: ", 12) || *field[3] || !*field[2]) {
				fprintf(stderr, "difftest: %s:%d: a finding of the kernel side is "
					"explained by a registered kernel bug alone: 'kernel-bug: ID | "
					"after | finding: ERE |  | reason' (no mock field)\n", path,
					lineno);
				goto fail;
			}
		}
		if (kernel_bug_check(field[0], path, lineno))
			goto fail;
		if (compile(&e->after, &e->has_after, field[1], path, lineno) ||
		    compile(&e->kernel, &e->has_kernel, field[2], path, lineno) ||
		    compile(&e->mock, &e->has_mock, field[3], path, lineno)) {
			d->nr_ex++;	/* what did compile is freed with the list */
			goto fail;
		}
		e->name = strdup(field[0]);
		e->reason = strdup(field[4]);
		d->nr_ex++;
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

void dt_driver_free(struct dt_driver *d)
{
	unsigned int e;

	for (e = 0; e < d->nr_ex; e++) {
		struct dt_explained *x = &d->ex[e];

		if (x->has_after)
			regfree(&x->after);
		if (x->has_kernel)
			regfree(&x->kernel);
		if (x->has_mock)
			regfree(&x->mock);
		free(x->name);
		free(x->reason);
	}
	free(d->ex);
	d->ex = NULL;
	d->nr_ex = 0;
	if (d->has_report)
		regfree(&d->report);
	d->has_report = 0;
	free(d->stats);
	d->stats = NULL;
}

/* ---- traces ---- */

void dt_trace_free(struct dt_trace *t)
{
	free(t->line);
	free(t->audit);
	free(t->kmsg);
	dt_text_free(&t->raw);
	memset(t, 0, sizeof(*t));
}

/*
 * The audit's lines and the kernel reports go to lists of their own, so
 * that the comparison sees the ops' lines and the end mark alone: the
 * audit runs on the kernel side only, after the last op's line is out.
 * The end mark's line is the end whatever it starts with (a child killed
 * mid-line ends its partial line with it), and comes last in line[]; the
 * driver adds the kernel's reports after it (dt_run_both), a recorded run
 * may have them before it (tests/judge/).
 */
int dt_trace_split(struct dt_trace *t)
{
	unsigned int n = 0, i;
	char *p, *nl, *end = NULL;

	for (p = t->raw.s; p && *p; p = nl + 1) {
		n++;
		nl = strchr(p, '\n');
		if (!nl)
			break;
	}
	if (!n)
		return -1;
	t->line = calloc(n, sizeof(*t->line));
	t->audit = calloc(n, sizeof(*t->audit));
	t->kmsg = calloc(n, sizeof(*t->kmsg));
	if (!t->line || !t->audit || !t->kmsg)
		return -1;
	for (p = t->raw.s, i = 0; i < n; i++, p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (!end && strstr(p, DT_END_MARK " status="))
			end = p;
		else if (!strncmp(p, DT_AUDIT_MARK, strlen(DT_AUDIT_MARK)))
			t->audit[t->nr_audit++] = p;
		else if (!strncmp(p, DT_KMSG_MARK, strlen(DT_KMSG_MARK)))
			t->kmsg[t->nr_kmsg++] = p;
		else
			t->line[t->nr++] = p;
		if (!nl)
			break;
	}
	if (end)
		t->line[t->nr++] = end;
	return 0;
}

int dt_runner_start(struct dt_driver *d, struct dt_runner *r, const char *preload,
		    const char *personality, int audit)
{
	int in[2], out[2];
	char len[32];

	/* Close-on-exec: the other runner must not hold this one's stdin open. */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	snprintf(len, sizeof(len), "%u:%u", d->gen.len_min, d->gen.len_max);
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		char *args[10] = { "difftest", "--serve", "--len", len }, **a = args + 4;

		if (d->gen.fork)
			*a++ = "--fork";
		if (!d->gen.threads)
			*a++ = "--no-threads";
		/* a runner's --kernel-only: each sequence ends with the audit */
		if (audit)
			*a++ = "--kernel-only";
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		if (preload) {
			setenv("LD_PRELOAD", preload, 1);
			setenv("IOMMUFD_MOCK_KERNEL", personality, 1);
		} else {
			unsetenv("LD_PRELOAD");
		}
		execv("/proc/self/exe", args);
		fprintf(stderr, "difftest: exec: %m\n");
		_exit(2);
	}
	close(in[0]);
	close(out[1]);
	r->in = fdopen(in[1], "w");
	r->out = fdopen(out[0], "r");
	return r->in && r->out ? 0 : -1;
}

static void runner_send(struct dt_runner *r, unsigned long long seed,
			unsigned long long index, const char *keep)
{
	fprintf(r->in, "%llu %llu %s\n", seed, index, keep);
	fflush(r->in);
}

/* Reads one trace's text, up to and including the end mark. */
static int runner_read(struct dt_runner *r, struct dt_trace *t)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	memset(t, 0, sizeof(*t));
	while ((n = getline(&line, &cap, r->out)) > 0) {
		dt_text_printf(&t->raw, "%s", line);
		/* After a child killed mid-line, the mark ends that line. */
		if (strstr(line, DT_END_MARK " status="))
			break;
	}
	free(line);
	return n <= 0 ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Both sides run at once; the time until the reference's trace is complete
 * and until both are tell which side bounds the rate.
 */
int dt_run_both(struct dt_driver *d, unsigned long long index, const char *keep,
		struct dt_trace t[2])
{
	double t0 = now();
	int s;

	for (s = 0; s < d->nr_sides; s++)
		runner_send(&d->side[s], d->seed, index, keep);
	for (s = 0; s < d->nr_sides; s++) {
		if (runner_read(&d->side[s], &t[s])) {
			fprintf(stderr, "difftest: the %s runner died\n", s ? "mock" : "reference");
			return -1;
		}
		d->wait[s] += now() - t0;
	}
	/*
	 * What the kernel logged goes with the run that made it, shrinking
	 * runs included: read after every run, the mock's side done too (it
	 * never reaches the kernel's iommufd, so its reports are none).
	 */
	dt_kmsg_collect(d, &t[0].raw);
	for (s = 0; s < d->nr_sides; s++)
		if (dt_trace_split(&t[s])) {
			fprintf(stderr, "difftest: the %s runner's trace is empty\n",
				s ? "mock" : "reference");
			return -1;
		}
	d->runs++;
	return 0;
}

/* The runner's mark says the sequence's child exited 0. */
int dt_ended_normally(const struct dt_trace *t)
{
	const char *m = t->nr ? strstr(t->line[t->nr - 1], DT_END_MARK) : NULL;

	return m && !strcmp(m, DT_END_MARK " status=0");
}

/* The first line where the traces differ, or -1. */
static int first_diff(const struct dt_trace t[2])
{
	unsigned int i;

	for (i = 0; i < t[0].nr && i < t[1].nr; i++)
		if (strcmp(t[0].line[i], t[1].line[i]))
			return (int)i;
	return t[0].nr == t[1].nr ? -1 : (int)i;
}

static const char *line_at(const struct dt_trace *t, int i)
{
	return i < (int)t->nr ? t->line[i] : "(no line)";
}

static struct dt_explained *explain(struct dt_driver *d, const struct dt_trace t[2], int at)
{
	unsigned int e;
	int i;

	for (e = 0; e < d->nr_ex; e++) {
		struct dt_explained *x = &d->ex[e];
		int after = !x->has_after;

		if (x->finding)
			continue;
		for (i = 0; i < at && !after; i++)
			after = !regexec(&x->after, t[0].line[i], 0, NULL, 0);
		if (!after)
			continue;
		if (x->has_kernel && regexec(&x->kernel, line_at(&t[0], at), 0, NULL, 0))
			continue;
		if (x->has_mock && regexec(&x->mock, line_at(&t[1], at), 0, NULL, 0))
			continue;
		return x;
	}
	return NULL;
}

struct dt_explained *dt_explain_finding(struct dt_driver *d, const struct dt_trace *t,
					const char *sig)
{
	unsigned int e, i;

	for (e = 0; e < d->nr_ex; e++) {
		struct dt_explained *x = &d->ex[e];
		int after = !x->has_after;

		if (!x->finding || regexec(&x->kernel, sig, 0, NULL, 0))
			continue;
		for (i = 0; i < t->nr && !after; i++)
			after = !regexec(&x->after, t->line[i], 0, NULL, 0);
		if (after)
			return x;
	}
	return NULL;
}

/*
 * What a divergence is, for the shrinker: the op name of the line where
 * it shows (the kernel's), so that shrinking does not slide from one bug
 * to another.
 */
static void signature(const char *line, char *sig, size_t len)
{
	const char *p = line;
	size_t n;

	while (*p == ' ')
		p++;
	if (!strncmp(p, "child ", 6))
		p += 6;
	while ((*p >= '0' && *p <= '9') || *p == ' ')
		p++;
	n = strcspn(p, " ");
	snprintf(sig, len, "%.*s", (int)n, p);
}

/* ---- shrinking ---- */

void dt_keep_str(const uint8_t *keep, unsigned int nr, char *s, size_t len)
{
	unsigned int i;
	size_t off = 0;

	s[0] = 0;
	for (i = 0; i < nr && off + 4 < len; i++)
		off += (size_t)snprintf(s + off, len - off, "%s%u", i ? "," : "", keep[i]);
	if (!nr)
		snprintf(s, len, "none");
}

/* Does a run still diverge, unexplained, at sig? */
static int still_diverges(struct dt_driver *d, const struct dt_trace t[2], const char *sig)
{
	char s2[64];
	int at = first_diff(t);

	if (at < 0 || explain(d, t, at))
		return 0;
	signature(line_at(&t[0], at), s2, sizeof(s2));
	return !strcmp(sig, s2);
}

/* Does the sequence restricted to keep[] still show what pred looks for? */
static int still_shows(struct dt_driver *d, unsigned long long index, const uint8_t *keep,
		       unsigned int nr, dt_shrink_pred pred, const char *sig, unsigned int *runs)
{
	char ks[DT_OPS_MAX * 4 + 8];
	struct dt_trace t[2] = { { 0 } };
	int hit, s;

	dt_keep_str(keep, nr, ks, sizeof(ks));
	if (dt_run_both(d, index, ks, t))
		return -1;
	(*runs)++;
	hit = pred(d, t, sig);
	for (s = 0; s < d->nr_sides; s++)
		dt_trace_free(&t[s]);
	return hit;
}

/*
 * Delta debugging (complements only): split the kept ops into n chunks, drop
 * a chunk whenever the divergence persists without it, refine n when none
 * can go; ends 1-minimal: no single op can be dropped.
 */
unsigned int dt_shrink(struct dt_driver *d, unsigned long long index, uint8_t *keep,
		       unsigned int nr, dt_shrink_pred pred, const char *sig, unsigned int *runs)
{
	unsigned int n = 2;

	while (nr >= 2) {
		unsigned int chunk = (nr + n - 1) / n, c, reduced = 0;

		for (c = 0; c * chunk < nr; c++) {
			uint8_t cand[DT_OPS_MAX];
			unsigned int i, m = 0;
			int r;

			for (i = 0; i < nr; i++)
				if (i < c * chunk || i >= (c + 1) * chunk)
					cand[m++] = keep[i];
			r = still_shows(d, index, cand, m, pred, sig, runs);
			if (r < 0)
				return nr;
			if (r) {
				memcpy(keep, cand, m);
				nr = m;
				n = n > 2 ? n - 1 : 2;
				reduced = 1;
				break;
			}
		}
		if (!reduced) {
			if (n >= nr)
				break;
			n = 2 * n < nr ? 2 * n : nr;
		}
	}
	return nr;
}

static void report(struct dt_driver *d, unsigned long long index, const struct dt_trace full[2],
		   int at)
{
	struct dt_seq seq;
	uint8_t keep[DT_OPS_MAX];
	char sig[64], ks[DT_OPS_MAX * 4 + 8];
	struct dt_trace t[2];
	unsigned int i, nr, runs = 0;
	int sat;

	dt_seq_generate(&seq, d->seed, index, &d->gen);
	for (i = 0; i < seq.nr; i++)
		keep[i] = (uint8_t)i;
	signature(line_at(&full[0], at), sig, sizeof(sig));
	nr = dt_shrink(d, index, keep, seq.nr, still_diverges, sig, &runs);
	dt_keep_str(keep, nr, ks, sizeof(ks));
	printf("difftest: DIVERGENCE seed=%llu index=%llu at '%s' (unexplained)\n", d->seed,
	       index, sig);
	printf("  first difference of the full sequence (%u ops):\n    kernel: %s\n    mock:   %s\n",
	       seq.nr, line_at(&full[0], at), line_at(&full[1], at));
	printf("  shrunk to %u ops in %u runs: difftest --run %llu %llu %s%s%s\n", nr, runs,
	       d->seed, index, ks, d->gen.fork ? " --fork" : "",
	       d->gen.threads ? "" : " --no-threads");
	if (dt_run_both(d, index, ks, t))
		return;
	sat = first_diff(t);
	if (sat < 0)
		printf("  the shrunk sequence ran identically this time: the divergence does not "
		       "reproduce at will (timing, physical memory, or shrinking past its cause)\n");
	printf("  shrunk kernel trace ('!' marks lines the mock's differs from):\n");
	for (i = 0; i + 1 < t[0].nr; i++)
		printf("  %c %s\n", i >= (unsigned int)sat && (i >= t[1].nr ||
				    strcmp(t[0].line[i], t[1].line[i])) ? '!' : ' ', t[0].line[i]);
	printf("  shrunk mock trace, the differing lines:\n");
	for (i = 0; i + 1 < t[1].nr; i++)
		if (i >= t[0].nr || strcmp(t[0].line[i], t[1].line[i]))
			printf("  ! %s\n", t[1].line[i]);
	dt_trace_free(&t[0]);
	dt_trace_free(&t[1]);
}

/*
 * The kernel side's oracles on one sequence (oracles.c): each finding an
 * explained entry covers is counted there, the others fail the sequence,
 * and the first of those is shrunk and reported. Returns 1 for a failure.
 */
static int judge_kernel_side(struct dt_driver *d, unsigned long long index,
			     const struct dt_trace *t, unsigned int *reports,
			     unsigned long long *explained)
{
	struct dt_findings f;
	struct dt_text ev = { 0 };
	const char *sig;
	unsigned int i;

	dt_oracles_judge(d, t, &f, &ev);
	sig = dt_findings_first(&f);
	if (!sig) {
		for (i = 0; i < f.nr; i++) {
			if (!f.by[i]->hits++)
				f.by[i]->first_index = index;
			if (d->verbose)
				printf("difftest: index %llu: finding explained (%s): %s\n", index,
				       f.by[i]->name, f.sig[i]);
		}
		*explained += f.nr > 0;
	} else if ((*reports)++ < d->max_reports) {
		dt_finding_report(d, index, sig, &ev);
	} else {
		printf("difftest: FINDING seed=%llu index=%llu: %s (not shrunk: --max-reports)\n%s",
		       d->seed, index, sig, ev.s ? ev.s : "");
	}
	dt_text_free(&ev);
	return sig != NULL;
}

int dt_driver_run(struct dt_driver *d)
{
	unsigned long long i, same = 0, explained = 0, bad = 0, done = 0, failed = 0;
	unsigned long long found = 0, found_explained = 0;
	double t0 = now(), el;
	unsigned int e, reports = 0, freports = 0;
	int s, rc = 0;

	if (dt_oracles_open(d))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	d->nr_sides = 2;
	/*
	 * The audit (audit.c) runs on the kernel side alone, in the sequence's
	 * process after its last op's line is written, and its lines are set
	 * aside before the comparison (dt_trace_split). Not on the mock's:
	 * what the oracles judge is the kernel; the mock's own audit runs in
	 * make check (--kernel-only --reference-mock); and the mock's side
	 * ends last in a guest, so its audit would cost every sequence time.
	 * Both sides still get every sequence, shrinking runs included, one
	 * request and one answer each, so they stay in step.
	 */
	if (dt_runner_start(d, &d->side[0], d->reference_mock ? d->mock : NULL,
			    d->reference_mock, 1) ||
	    dt_runner_start(d, &d->side[1], d->mock, d->personality, 0)) {
		fprintf(stderr, "difftest: cannot start the runners: %m\n");
		return 2;
	}
	printf("difftest: seed %llu, sequences %llu..%llu, %u..%u ops%s%s; %s versus the mock "
	       "as %s; the %s side judged by %sthe audit and the errno table\n", d->seed,
	       d->first, d->first + d->n - 1, d->gen.len_min, d->gen.len_max,
	       d->gen.fork ? ", fork" : "", d->gen.threads ? ", threads" : "",
	       d->reference_mock ? "the mock" : "/dev/iommu", d->personality,
	       d->reference_mock ? "reference" : "kernel",
	       d->kmsg_fd >= 0 ? "dmesg, " : "");
	fflush(stdout);
	for (i = d->first; i < d->first + d->n; i++) {
		struct dt_trace t[2];
		struct dt_explained *x;
		int at, fail = 0;

		if (d->time_limit > 0 && now() - t0 > d->time_limit)
			break;
		if (dt_run_both(d, i, "all", t)) {
			rc = 2;
			break;
		}
		done++;
		dt_stats_add(d->stats, &t[0]);
		if (d->verbose > 1)
			printf("%s", t[0].raw.s);
		if (judge_kernel_side(d, i, &t[0], &freports, &found_explained)) {
			found++;
			fail = 1;
		}
		/*
		 * A sequence that crashed or hung (the runner's 30 s alarm) on
		 * either side fails, even if both sides did the same.
		 */
		if (!dt_ended_normally(&t[0]) || !dt_ended_normally(&t[1])) {
			printf("difftest: seed=%llu index=%llu did not end normally: reference '%s', "
			       "mock '%s' (difftest --run %llu %llu)\n", d->seed, i,
			       t[0].line[t[0].nr - 1], t[1].line[t[1].nr - 1], d->seed, i);
			bad++;
			fail = 1;
		} else if ((at = first_diff(t)) < 0) {
			same++;
		} else if ((x = explain(d, t, at))) {
			if (!x->hits++)
				x->first_index = i;
			explained++;
			if (d->verbose)
				printf("difftest: index %llu: explained (%s): %s\n", i, x->name,
				       line_at(&t[0], at));
		} else {
			bad++;
			fail = 1;
			if (reports++ < d->max_reports)
				report(d, i, t, at);
			else
				printf("difftest: DIVERGENCE seed=%llu index=%llu (not shrunk: "
				       "--max-reports)\n", d->seed, i);
		}
		failed += fail;
		fflush(stdout);
		dt_trace_free(&t[0]);
		dt_trace_free(&t[1]);
	}
	el = now() - t0;
	for (s = 0; s < 2; s++) {
		fclose(d->side[s].in);
		fclose(d->side[s].out);
		waitpid(d->side[s].pid, NULL, 0);
	}
	for (e = 0; e < d->nr_ex; e++)
		if (d->ex[e].hits)
			printf("difftest: explained %-28s %6lu (first index %llu)\n", d->ex[e].name,
			       d->ex[e].hits, d->ex[e].first_index);
	dt_stats_print(d->stats);
	printf("difftest: %llu sequences in %.1f s (%.1f/s): %llu identical, %llu explained, "
	       "%llu unexplained\n", done, el, el > 0 ? (double)done / el : 0.0, same, explained,
	       bad);
	printf("difftest: the %s side's oracles (%sthe audit, the errno table, its exit): %llu "
	       "clean, %llu explained, %llu with a finding\n",
	       d->reference_mock ? "reference" : "kernel", d->kmsg_fd >= 0 ? "dmesg, " : "",
	       done - found - found_explained, found_explained, found);
	if (d->runs)
		printf("difftest: per run of both sides (%lu, shrinking included): reference done "
		       "after %.1f ms, both after %.1f ms\n", d->runs, d->wait[0] * 1e3 / (double)d->runs,
		       d->wait[1] * 1e3 / (double)d->runs);
	printf("difftest: %llu passed, %llu failed\n", done - failed, failed);
	if (rc)
		return rc;
	return failed ? 1 : 0;
}
