// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the worked example (tools/example's edu-dma, built beside
 * this program) run as a user runs it: on edu in the vfio lane its round
 * trip must succeed with every libiommufd call traced and no report, its
 * exit codes mean what its README says (0 ok, 1 failed, 4 no edu), and a
 * device that is not edu is refused before anything touches it.
 */
#include "vfio_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define EXAMPLE_NAME "edu-dma"
/* Where to find it when it is not beside this program. */
#define EXAMPLE_ENV "IOMMUFD_HARNESS_EXAMPLE"

/* The example's path: $IOMMUFD_HARNESS_EXAMPLE, or edu-dma next to us. */
static void example_path(char *path, size_t len)
{
	const char *env = getenv(EXAMPLE_ENV);
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strrchr(exe, '/'))
		*strrchr(exe, '/') = '\0';
	snprintf(path, len, "%.*s/" EXAMPLE_NAME, (int)(len - sizeof(EXAMPLE_NAME) - 1),
		 exe);
}

/*
 * Runs the example with arg (or none) and IOMMUFD_TRACE=trace; its stdout
 * and stderr together land in out. Returns its exit status, 128 + signal,
 * or -1 if it could not be run.
 */
static int example_run(const char *arg, const char *trace, char *out,
		       size_t len)
{
	char path[PATH_MAX];
	size_t used = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	example_path(path, sizeof(path));
	if (access(path, X_OK) || pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		setenv("IOMMUFD_TRACE", trace, 1);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (used + 1 < len && (n = read(p[0], out + used, len - used - 1)) > 0)
		used += n;
	out[used] = '\0';
	while (read(p[0], &status, sizeof(status)) > 0)
		;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define ASSERT_EXAMPLE_RAN(_status, _out)                                    \
	do {                                                                 \
		char __p[PATH_MAX];                                          \
									     \
		example_path(__p, sizeof(__p));                              \
		ASSERT_LE(0, _status) TH_LOG("cannot run %s (built with the suite: make -C selftests, or set " \
					     EXAMPLE_ENV ")", __p);          \
	} while (0)

TEST(round_trip_through_edu)
{
	static char out[16384];
	const char *iommu;
	bool fell_back;
	int status;

	status = example_run(NULL, "1", out, sizeof(out));
	ASSERT_EXAMPLE_RAN(status, out);
	if (status == 4)
		vfio_skip_unless_required("%s", strtok(out, "\n"));
	ASSERT_EQ(0, status) TH_LOG("edu-dma said:\n%s", out);
	ASSERT_NE(NULL, strstr(out, "2048 bytes RAM -> edu -> RAM through IOVA 0x100000"))
		TH_LOG("edu-dma said:\n%s", out);
	ASSERT_NE(NULL, strstr(out, "identical"));
	/*
	 * The example falls back to attaching the IOAS where the IOMMU gives
	 * a new HWPT no aperture until attached (virtio-iommu on 6.12:
	 * EADDRINUSE, as backend_vfio's probe pins): accepted on virtio-iommu
	 * only, and then with exactly that one failure reported.
	 */
	fell_back = strstr(out, "attached the IOAS instead") != NULL;
	iommu = getenv(VFIO_IOMMU_ENV);
	if (fell_back) {
		ASSERT_NE(NULL, iommu);
		ASSERT_STREQ("virtio", iommu) TH_LOG("edu-dma said:\n%s", out);
		ASSERT_EQ(1, backend_count_lines(out, "libiommufd:alloc_hwpt ", "ret=-98"));
	} else {
		ASSERT_EQ(1, backend_count_lines(out, "libiommufd:alloc_hwpt ", "ret=0"));
	}
	/* No other report: the library reports only failures. */
	ASSERT_EQ(fell_back ? 1 : 0, backend_count_lines(out, "iommufd: ", NULL))
		TH_LOG("edu-dma said:\n%s", out);
	/* Each step of the README's order, once, and each succeeded. */
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:bind_device ", "ret=0"))
		TH_LOG("edu-dma said:\n%s", out);
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:attach_device ", "ret=0"));
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:map_dma ", "iova=0x100000 size=0x2000"));
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:unmap_dma ", "ret=0"));
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:detach_device ", "ret=0"));
	/* The HWPT (if one was made) and the IOAS, each freed. */
	ASSERT_EQ(fell_back ? 1 : 2, backend_count_lines(out, "libiommufd:free_id ", "ret=0"))
		TH_LOG("edu-dma said:\n%s", out);
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:disconnect ", "users=0 closed=1"));
}

/* Run twice in a row: the first run's teardown left nothing behind. */
TEST(round_trip_twice)
{
	static char out[16384];
	int i, status;

	for (i = 0; i < 2; i++) {
		status = example_run(NULL, "0", out, sizeof(out));
		ASSERT_EXAMPLE_RAN(status, out);
		if (status == 4)
			vfio_skip_unless_required("%s", strtok(out, "\n"));
		ASSERT_EQ(0, status) TH_LOG("run %d, edu-dma said:\n%s", i, out);
	}
}

/* A BDF that is not edu: exit 1, and its registers are never touched. */
TEST(other_device_is_refused)
{
	char out[4096];
	int status;

	status = example_run("0000:ff:1f.7", "1", out, sizeof(out));
	ASSERT_EXAMPLE_RAN(status, out);
	ASSERT_EQ(1, status) TH_LOG("edu-dma said:\n%s", out);
	ASSERT_NE(NULL, strstr(out, "0000:ff:1f.7 is not an edu device (1234:11e8)"))
		TH_LOG("edu-dma said:\n%s", out);
	/* Refused before the library was even asked to connect. */
	ASSERT_EQ(0, backend_count_lines(out, "libiommufd:", NULL));
}

TEST(usage_error_is_exit_1)
{
	char out[4096];
	int status;

	status = example_run("--help", "0", out, sizeof(out));
	ASSERT_EXAMPLE_RAN(status, out);
	ASSERT_EQ(1, status);
	ASSERT_NE(NULL, strstr(out, "usage: "));
}

/* The example needs no /dev/iommu to say "no edu here" (exit 4). */
TEST_HARNESS_MAIN
#else
IOMMUFD_TEST_MAIN
#endif /* IOMMUFD_HAVE_UAPI */
