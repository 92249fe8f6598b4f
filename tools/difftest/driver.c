// SPDX-License-Identifier: GPL-2.0
/*
 * difftest: the driver. Starts two runners (this program again, with
 * --serve): one on the kernel's /dev/iommu, one with the userspace mock
 * preloaded and answering as the same kernel. Each sequence goes to both;
 * each runner forks a fresh child for it (fresh mock state, fresh pins), so
 * the two sides run in parallel. Traces are compared line by line; the first
 * difference is looked up in the explained list; an unexplained one is
 * shrunk and reported, and fails the run (all in compare.c). The kernel's
 * side is judged by --kernel-only's oracles too (oracles.c): a finding no
 * registered kernel bug explains is shrunk, reported and fails the run.
 *
 * Exit: 0 no unexplained divergence or finding; 1 some; 2 usage or harness
 * error; 4 skipped (no /dev/iommu, no IOMMU_TEST_CMD, no mock .so).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/iommufd.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "difftest.h"
#include "driver.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: difftest [-n N] [--seed S] [--first I] [--len MIN:MAX] [--fork] [--kernel-only]\n"
"                [--no-threads] [--explained FILE] [--mock SO]\n"
"                [--personality 6.12|7.3] [--reference-mock 6.12|7.3]\n"
"                [--time-limit SECONDS] [--max-reports K] [-v]\n"
"       difftest --run SEED INDEX [KEEP] [--kernel-only]   run one sequence here, print its trace\n"
"Runs N random iommufd op sequences (indexes I..I+N-1 of seed S) against\n"
"/dev/iommu and against the userspace mock in this machine, compares the\n"
"traces, and shrinks and prints each unexplained divergence; the kernel's\n"
"side is judged by --kernel-only's oracles as well, and each of their\n"
"findings no registered kernel bug explains is shrunk and printed too.\n"
"  --kernel-only      no mock: run against /dev/iommu alone and judge each\n"
"                     sequence by the kernel log (/dev/kmsg), an audit at its\n"
"                     end (objects destroyable, fds, pins) and the errnos\n"
"                     the kernel's source gives each op; with --run, the\n"
"                     audit follows the sequence\n"
"  --judge FILE       the oracles' verdict on a recorded trace (tests): as\n"
"                     --kernel-only judges, or with --explained LIST as the\n"
"                     differential mode judges its kernel side\n"
"  --fork             also generate fork ops\n"
"  --reference-mock P the reference side is the mock as kernel P, not\n"
"                     /dev/iommu (for developing on a host without one)\n"
"  --explained FILE   default: explained.txt beside the build directory;\n"
"                     /dev/null shows every divergence\n"
"  KEEP               comma-separated op indexes (the shrinker's output)\n"
"Exit: 0 none unexplained, 1 some (divergences or findings), 2 usage/error,\n"
"4 skipped.\n");
}

static void exe_dir(char *dir, size_t len)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0)
		n = 0;
	path[n] = 0;
	snprintf(dir, len, "%s", dirname(path));
}

/* ---- the runner (--serve) ---- */

static unsigned int parse_keep(const char *s, uint8_t *keep)
{
	unsigned int n = 0;

	while (s && *s && n < DT_OPS_MAX) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			break;
		keep[n++] = (uint8_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void seq_make(struct dt_seq *seq, const struct dt_gen_opts *g, uint64_t seed,
		     uint64_t index, const char *keep)
{
	uint8_t k[DT_OPS_MAX];

	dt_seq_generate(seq, seed, index, g);
	if (keep && strcmp(keep, "all"))
		dt_seq_keep(seq, k, parse_keep(keep, k));
}

/*
 * One sequence in a fresh child; 30 s is a hang, not a slow guest. With
 * audit (a runner's --kernel-only), the audit follows its last op.
 */
static int run_child(const struct dt_seq *seq, int audit)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		alarm(30);
		dt_seq_run(seq, STDOUT_FILENO, audit);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int serve(const struct dt_gen_opts *g)
{
	char line[512];

	setvbuf(stdout, NULL, _IONBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long seed, index;
		char keep[400] = "all";
		struct dt_seq seq;

		if (sscanf(line, "%llu %llu %399s", &seed, &index, keep) < 2)
			return 2;
		seq_make(&seq, g, seed, index, keep);
		printf("%s status=%#x\n", DT_END_MARK, run_child(&seq, g->kernel_only));
	}
	return 0;
}

/* ---- probes ---- */

/*
 * 7.x's IOMMU_VIOMMU_ALLOC (0x90): a kernel that knows it refuses a 4-byte
 * struct with EINVAL, one that does not says ENOTTY. Spelled out so that
 * the probe builds against 6.12's headers too.
 */
#ifndef IOMMU_VIOMMU_ALLOC
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, 0x90)
#endif

static const char *probe_personality(int fd)
{
	uint32_t size = sizeof(size);

	if (ioctl(fd, IOMMU_VIOMMU_ALLOC, &size) && errno == ENOTTY)
		return "6.12";
	return "7.3";
}

/* IOMMU_TEST_CMD with op 0: unknown op EOPNOTSUPP, no test command ENOTTY. */
static int probe_test_cmd(int fd)
{
	struct iommu_test_cmd c = { .size = sizeof(c) };

	return !(ioctl(fd, IOMMU_TEST_CMD, &c) && errno == ENOTTY);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seed", 1, 0, 's' },	     { "first", 1, 0, 'f' },
		{ "len", 1, 0, 'l' },	     { "fork", 0, 0, 'F' },
		{ "no-threads", 0, 0, 'T' }, { "explained", 1, 0, 'e' },
		{ "mock", 1, 0, 'm' },	     { "personality", 1, 0, 'p' },
		{ "reference-mock", 1, 0, 'r' }, { "time-limit", 1, 0, 't' },
		{ "max-reports", 1, 0, 'R' }, { "run", 0, 0, 'X' },
		{ "serve", 0, 0, 'S' },	     { "help", 0, 0, 'h' },
		{ "kernel-only", 0, 0, 'K' }, { "judge", 1, 0, 'J' },
		{ 0 },
	};
	struct dt_driver d = { .n = 1000, .seed = 1, .max_reports = 3, .kmsg_fd = -1,
			       .gen = { .len_min = 8, .len_max = 40, .threads = 1 } };
	char dir[PATH_MAX], mock[PATH_MAX + 32], explained[PATH_MAX + 32];
	const char *judge = NULL;
	int c, rc, run = 0, srv = 0, explained_given = 0;

	exe_dir(dir, sizeof(dir));
	snprintf(mock, sizeof(mock), "%s/mock/libiommufd_mock.so", dir);
	snprintf(explained, sizeof(explained), "%s/../explained.txt", dir);
	while ((c = getopt_long(argc, argv, "n:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'n': d.n = strtoull(optarg, NULL, 0); break;
		case 's': d.seed = strtoull(optarg, NULL, 0); break;
		case 'f': d.first = strtoull(optarg, NULL, 0); break;
		case 'l':
			if (sscanf(optarg, "%u:%u", &d.gen.len_min, &d.gen.len_max) != 2 ||
			    !d.gen.len_min || d.gen.len_min > d.gen.len_max ||
			    d.gen.len_max > DT_OPS_MAX) {
				fprintf(stderr, "difftest: --len MIN:MAX, 1 <= MIN <= MAX <= %d\n",
					DT_OPS_MAX);
				return 2;
			}
			break;
		case 'F': d.gen.fork = 1; break;
		case 'T': d.gen.threads = 0; break;
		case 'e':
			snprintf(explained, sizeof(explained), "%s", optarg);
			explained_given = 1;
			break;
		case 'm': snprintf(mock, sizeof(mock), "%s", optarg); break;
		case 'p': d.personality = optarg; break;
		case 'r': d.reference_mock = optarg; break;
		case 't': d.time_limit = strtod(optarg, NULL); break;
		case 'R': d.max_reports = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'X': run = 1; break;
		case 'S': srv = 1; break;
		case 'K': d.gen.kernel_only = 1; break;
		case 'J': judge = optarg; break;
		case 'v': d.verbose++; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (srv)
		return serve(&d.gen);
	if (judge) {
		rc = explained_given && dt_explained_load(&d, explained) ? 2 :
		     dt_oracles_judge_file(&d, judge);
		dt_driver_free(&d);
		return rc;
	}
	if (run) {
		struct dt_seq seq;

		if (argc - optind < 2) {
			usage(stderr);
			return 2;
		}
		seq_make(&seq, &d.gen, strtoull(argv[optind], NULL, 0),
			 strtoull(argv[optind + 1], NULL, 0),
			 argc - optind > 2 ? argv[optind + 2] : NULL);
		return dt_seq_run(&seq, STDOUT_FILENO, d.gen.kernel_only);
	}

	d.mock = mock;
	d.stats = dt_stats_new();
	if (d.gen.kernel_only && !d.reference_mock)
		goto probe;
	if (access(mock, R_OK)) {
		printf("difftest: SKIP: the userspace mock %s is absent: %m\n", mock);
		return 4;
	}
	if (dt_explained_load(&d, explained))
		return 2;
probe:
	if (!d.reference_mock) {
		int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			printf("difftest: SKIP: no /dev/iommu (%m); --reference-mock P "
			       "compares the mock with itself\n");
			return 4;
		}
		if (!probe_test_cmd(fd)) {
			printf("difftest: SKIP: /dev/iommu has no IOMMU_TEST_CMD "
			       "(a kernel without CONFIG_IOMMUFD_TEST)\n");
			close(fd);
			return 4;
		}
		if (!d.personality)
			d.personality = probe_personality(fd);
		close(fd);
	} else if (!d.personality) {
		d.personality = d.reference_mock;
	}
	rc = d.gen.kernel_only ? dt_kernel_only_run(&d) : dt_driver_run(&d);
	dt_driver_free(&d);
	return rc;
}
