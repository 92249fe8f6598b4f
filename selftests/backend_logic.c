// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd without /dev/iommu: NULL and unconnected
 * backends, fd strings ("abc", "-1", "99999", closed fds, /dev/null), the
 * user limit, a failing open, the report hook and the IOMMUFD_TRACE lines
 * (backend_fake_vfio has the device side's). Runs on any host, so it has its own main() instead of IOMMUFD_TEST_MAIN.
 */
#include <sys/resource.h>

#include "backend_utils.h"

static struct backend_reports process_reports = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

FIXTURE(logic)
{
	struct iommufd_backend *be;
	struct backend_reports rep;
	int fds_before;
};

FIXTURE_SETUP(logic)
{
	self->fds_before = backend_count_fds();
	ASSERT_LE(0, self->fds_before);
	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	ASSERT_EQ(0, iommufd_backend_set_report_fn(self->be, backend_reports_fn,
						   &self->rep));
}

FIXTURE_TEARDOWN(logic)
{
	EXPECT_EQ(0, iommufd_backend_users(self->be));
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	/* Whatever a test did, the library holds no fd now. */
	EXPECT_EQ(self->fds_before, backend_count_fds());
}

TEST_F(logic, new_backend_defaults)
{
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
	ASSERT_TRUE(iommufd_backend_owned(self->be));
	ASSERT_EQ(0, self->rep.count);
}

TEST(null_backend_is_refused_not_crashed)
{
	uint64_t buf[8];
	uint32_t id = 0;
	char *c = NULL;
	int n = -1;

	iommufd_report_set_fn(backend_reports_fn, &process_reports);

	/* Documented as harmless. */
	ASSERT_EQ(0, iommufd_backend_destroy(NULL));
	iommufd_backend_disconnect(NULL);
	ASSERT_EQ(0, iommufd_backend_users(NULL));
	ASSERT_EQ(-1, iommufd_backend_fd(NULL));
	ASSERT_FALSE(iommufd_backend_owned(NULL));
	ASSERT_EQ(0, process_reports.count);

	/* Each refusal reaches the process hook, naming the operation. */
#define NULL_REFUSED(_op, _call)                                             \
	do {                                                                 \
		backend_reports_reset(&process_reports);                     \
		ASSERT_EQ(-EINVAL, _call);                                   \
		ASSERT_ONE_REPORT(&process_reports, IOMMUFD_REPORT_ERROR,    \
				  _op, EINVAL, "backend is NULL");           \
	} while (0)
	NULL_REFUSED("connect", iommufd_backend_connect(NULL));
	NULL_REFUSED("set_fd", iommufd_backend_set_fd(NULL, 0));
	NULL_REFUSED("set_fd", iommufd_backend_set_fd_str(NULL, "3"));
	NULL_REFUSED("set_max_users", iommufd_backend_set_max_users(NULL, 1));
	NULL_REFUSED("set_strict_unmap",
		     iommufd_backend_set_strict_unmap(NULL, true));
	NULL_REFUSED("set_report_fn",
		     iommufd_backend_set_report_fn(NULL, NULL, NULL));
	NULL_REFUSED("alloc_ioas", iommufd_backend_alloc_ioas(NULL, &id));
	NULL_REFUSED("free_id", iommufd_backend_free_id(NULL, 1));
	NULL_REFUSED("map_dma", iommufd_backend_map_dma(NULL, 1, 0, sizeof(buf),
							buf, false));
	NULL_REFUSED("unmap_dma", iommufd_backend_unmap_dma(NULL, 1, 0, 4096));
	/* 0.2 */
	NULL_REFUSED("alloc_hwpt", iommufd_backend_alloc_hwpt(NULL, 1, 2, 0, 0,
							      0, NULL, 0, &id));
	NULL_REFUSED("get_device_info",
		     iommufd_backend_get_device_info(NULL, 1, 0, NULL, NULL,
						     NULL, NULL, NULL));
	NULL_REFUSED("set_dirty_tracking",
		     iommufd_backend_set_dirty_tracking(NULL, 1, true));
	NULL_REFUSED("get_dirty_bitmap",
		     iommufd_backend_get_dirty_bitmap(NULL, 1, 0, 4096, 4096, 0,
						      buf));
	NULL_REFUSED("invalidate_cache",
		     iommufd_backend_invalidate_cache(NULL, 1, 0, 8, &id, NULL));
	NULL_REFUSED("bind_device", iommufd_backend_bind_device(NULL, 0, &id));
	NULL_REFUSED("attach_device",
		     iommufd_backend_attach_device(NULL, 0, 1, NULL));
	NULL_REFUSED("detach_device", iommufd_backend_detach_device(NULL, 0));
	NULL_REFUSED("attach_device_pasid",
		     iommufd_backend_attach_device_pasid(NULL, 0, 1, 1, NULL));
	NULL_REFUSED("detach_device_pasid",
		     iommufd_backend_detach_device_pasid(NULL, 0, 1));
	NULL_REFUSED("alloc_viommu",
		     iommufd_backend_alloc_viommu(NULL, 1, 0, 2, NULL, 0, &id));
	NULL_REFUSED("viommu_mmap",
		     iommufd_backend_viommu_mmap(NULL, 1, 0, 4096, (void **)&c));
	NULL_REFUSED("alloc_vdev", iommufd_backend_alloc_vdev(NULL, 1, 2, 3, &id));
	NULL_REFUSED("alloc_veventq",
		     iommufd_backend_alloc_veventq(NULL, 1, 0, 1, &id, &n));
	NULL_REFUSED("alloc_hw_queue",
		     iommufd_backend_alloc_hw_queue(NULL, 1, 0, 0, 0, 4096, &id));
	NULL_REFUSED("map_file_dma",
		     iommufd_backend_map_file_dma(NULL, 1, 0, 4096, 0, 0, false));
	NULL_REFUSED("change_process", iommufd_backend_change_process(NULL));
#undef NULL_REFUSED
}

TEST_F(logic, unconnected_backend_is_ebadf)
{
	uint32_t id = 0;
	char buf[64];

#define UNCONNECTED_REFUSED(_op, _call)                                      \
	do {                                                                 \
		backend_reports_reset(&self->rep);                           \
		ASSERT_EQ(-EBADF, _call);                                    \
		ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, _op,     \
				  EBADF, "not connected");                   \
	} while (0)
	UNCONNECTED_REFUSED("alloc_ioas",
			    iommufd_backend_alloc_ioas(self->be, &id));
	UNCONNECTED_REFUSED("free_id", iommufd_backend_free_id(self->be, 1));
	UNCONNECTED_REFUSED("map_dma",
			    iommufd_backend_map_dma(self->be, 1, 0, sizeof(buf),
						    buf, true));
	UNCONNECTED_REFUSED("unmap_dma",
			    iommufd_backend_unmap_dma(self->be, 1, 0, 4096));
#undef UNCONNECTED_REFUSED
	ASSERT_EQ(0, id);
}

TEST_F(logic, disconnect_without_users_is_a_noop)
{
	iommufd_backend_disconnect(self->be);
	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
	ASSERT_EQ(0, self->rep.count);
}

/* Strings a user may type for fd=: each is refused with its text quoted. */
FIXTURE(fd_string)
{
	struct iommufd_backend *be;
	struct backend_reports rep;
	int fds_before;
};

FIXTURE_VARIANT(fd_string)
{
	const char *str;
	int err;
	const char *why;
	/* How the report shows str; NULL: str itself, between quotes. */
	const char *shown;
};

FIXTURE_VARIANT_ADD(fd_string, letters) {
	.str = "abc", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
};
FIXTURE_VARIANT_ADD(fd_string, prefixed_letters) {
	.str = "fd=abc", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
};
FIXTURE_VARIANT_ADD(fd_string, minus_one) {
	.str = "-1", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
};
FIXTURE_VARIANT_ADD(fd_string, empty) {
	.str = "", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
};
FIXTURE_VARIANT_ADD(fd_string, leading_space) {
	.str = " 3", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
};
FIXTURE_VARIANT_ADD(fd_string, trailing_junk) {
	.str = "3x", .err = EINVAL, .why = "trailing characters",
};
FIXTURE_VARIANT_ADD(fd_string, beyond_int) {
	.str = "fd=99999999999", .err = EINVAL, .why = "out of range",
};
/*
 * A caller's string is echoed escaped: a raw newline would split the log
 * line, or forge a second report after it (issue 13); escape sequences
 * would reach the terminal; a quote would end the quoted text early.
 */
FIXTURE_VARIANT_ADD(fd_string, newline) {
	.str = "3\n", .err = EINVAL, .why = "trailing characters",
	.shown = "\"3\\n\"",
};
FIXTURE_VARIANT_ADD(fd_string, forged_report_line) {
	.str = "fd=3\niommufd: connect: /dev/iommu opened\r",
	.err = EINVAL, .why = "trailing characters",
	.shown = "\"fd=3\\niommufd: connect: /dev/iommu opened\\r\"",
};
FIXTURE_VARIANT_ADD(fd_string, terminal_escape) {
	.str = "\x1b[2J\x9b""3", .err = EINVAL, .why = "expected \"N\" or \"fd=N\"",
	.shown = "\"\\x1b[2J\\x9b3\"",
};
FIXTURE_VARIANT_ADD(fd_string, quote_and_backslash) {
	.str = "3\"\\", .err = EINVAL, .why = "trailing characters",
	.shown = "\"3\\\"\\\\\"",
};
/* 70 digits: the report shows the first 64 and says it cut. */
#define DIGITS_10 "1111111111"
FIXTURE_VARIANT_ADD(fd_string, cut_after_64_bytes) {
	.str = DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10,
	.err = EINVAL, .why = "out of range",
	.shown = "\"" DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 DIGITS_10 "1111\"...",
};
/* Far above any RLIMIT_NOFILE a test runs with: well-formed, not open. */
FIXTURE_VARIANT_ADD(fd_string, not_open) {
	.str = "99999", .err = EBADF, .why = "not an open file descriptor",
};

FIXTURE_SETUP(fd_string)
{
	self->fds_before = backend_count_fds();
	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
}

FIXTURE_TEARDOWN(fd_string)
{
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	EXPECT_EQ(self->fds_before, backend_count_fds());
}

TEST_F(fd_string, refused_with_its_text)
{
	char quoted[128];
	const char *c;

	ASSERT_EQ(-variant->err, iommufd_backend_set_fd_str(self->be,
							    variant->str));
	if (variant->shown)
		snprintf(quoted, sizeof(quoted), "fd string %s:", variant->shown);
	else
		snprintf(quoted, sizeof(quoted), "\"%s\"", variant->str);
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd",
			  variant->err, quoted);
	/* Whatever the caller typed, the report is one line of plain text. */
	for (c = self->rep.msg; *c; c++)
		ASSERT_TRUE(*c >= 0x20 && *c < 0x7f)
			TH_LOG("byte 0x%02x at %zu of \"%s\"", (unsigned char)*c,
			       (size_t)(c - self->rep.msg), self->rep.msg);
	ASSERT_NE(NULL, strstr(self->rep.msg, variant->why))
		TH_LOG("\"%s\" not in \"%s\"", variant->why, self->rep.msg);
	/* A refused fd changes nothing. */
	ASSERT_TRUE(iommufd_backend_owned(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
}

TEST_F(logic, null_string_and_negative_fd_are_einval)
{
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(self->be, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EINVAL,
			  "fd string is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd(self->be, -1));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EINVAL,
			  "fd=-1: negative file descriptor");
	ASSERT_TRUE(iommufd_backend_owned(self->be));
}

TEST_F(logic, closed_fd_is_ebadf)
{
	char str[32];
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	close(fd);
	snprintf(str, sizeof(str), "fd=%d", fd);
	ASSERT_EQ(-EBADF, iommufd_backend_set_fd_str(self->be, str));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EBADF,
			  "not an open file descriptor");
	ASSERT_NE(NULL, strstr(self->rep.msg, str));
	ASSERT_TRUE(iommufd_backend_owned(self->be));
}

/*
 * An O_PATH fd is open (fcntl(F_GETFD) works) but every ioctl on it is
 * EBADF: the report names that, not the IOMMU_DESTROY probe it would fail.
 */
TEST_F(logic, o_path_fd_is_ebadf_naming_o_path)
{
	int fd = open("/dev/null", O_PATH | O_CLOEXEC);
	char str[32];

	ASSERT_LE(0, fd);
	ASSERT_EQ(-EBADF, iommufd_backend_set_fd(self->be, fd));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EBADF,
			  "an O_PATH file descriptor, which cannot do ioctls");
	ASSERT_EQ(NULL, strstr(self->rep.msg, "IOMMU_DESTROY"));
	backend_reports_reset(&self->rep);
	snprintf(str, sizeof(str), "fd=%d", fd);
	ASSERT_EQ(-EBADF, iommufd_backend_set_fd_str(self->be, str));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EBADF,
			  "O_PATH");
	ASSERT_TRUE(iommufd_backend_owned(self->be));
	/* Refused, and still the caller's. */
	ASSERT_TRUE(backend_fd_is_open(fd));
	close(fd);
}

/*
 * Open fds that are not /dev/iommu: the probe ioctl gets ENOTTY. The fd is
 * the caller's: refused, but left open.
 */
FIXTURE(not_iommufd)
{
	struct iommufd_backend *be;
	struct backend_reports rep;
	int fd, fd2;
};

FIXTURE_VARIANT(not_iommufd)
{
	const char *what;
};
FIXTURE_VARIANT_ADD(not_iommufd, dev_null) { .what = "/dev/null" };
FIXTURE_VARIANT_ADD(not_iommufd, pipe) { .what = "pipe" };
FIXTURE_VARIANT_ADD(not_iommufd, regular_file) { .what = "/proc/self/status" };

FIXTURE_SETUP(not_iommufd)
{
	int p[2];

	pthread_mutex_init(&self->rep.lock, NULL);
	self->fd2 = -1;
	if (!strcmp(variant->what, "pipe")) {
		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
		self->fd = p[0];
		self->fd2 = p[1];
	} else {
		self->fd = open(variant->what, O_RDWR | O_CLOEXEC);
		if (self->fd < 0)
			self->fd = open(variant->what, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, self->fd);
	}
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
}

FIXTURE_TEARDOWN(not_iommufd)
{
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	/* The library never closes an fd it was offered. */
	EXPECT_TRUE(backend_fd_is_open(self->fd));
	close(self->fd);
	if (self->fd2 >= 0)
		close(self->fd2);
}

TEST_F(not_iommufd, set_fd_is_enotty)
{
	ASSERT_EQ(-ENOTTY, iommufd_backend_set_fd(self->be, self->fd));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", ENOTTY,
			  "not a /dev/iommu file descriptor");
	ASSERT_TRUE(iommufd_backend_owned(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
}

TEST_F(not_iommufd, set_fd_str_is_enotty)
{
	char str[32];

	/* Well-formed "fd=N": it is the fd, not the text, that is refused. */
	snprintf(str, sizeof(str), "fd=%d", self->fd);
	ASSERT_EQ(-ENOTTY, iommufd_backend_set_fd_str(self->be, str));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", ENOTTY,
			  str);
	ASSERT_TRUE(iommufd_backend_owned(self->be));
}

TEST_F(logic, limit_zero_is_e2big)
{
	ASSERT_EQ(0, iommufd_backend_set_max_users(self->be, 0));
	ASSERT_EQ(-E2BIG, iommufd_backend_connect(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "connect", E2BIG,
			  "too many connections");
	/* Refused before anything was opened. */
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
	ASSERT_EQ(self->fds_before, backend_count_fds());
}

/*
 * With every fd slot taken, the open of the first connect fails: EMFILE,
 * which the kernel checks before it even looks the path up, so this works
 * with and without /dev/iommu. The harness runs each test in its own
 * process, so lowering the limit here touches no other test.
 */
TEST_F(logic, failed_open_is_reported)
{
	int filler[256], nfill = 0, highest = 0, fd, expect, i;
	struct dirent *e;
	struct rlimit rl;
	DIR *d;

	/* The lowest limit that keeps every fd we have valid. */
	d = opendir("/proc/self/fd");
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) > highest)
			highest = atoi(e->d_name);
	closedir(d);
	/* Fill the holes below it and one more, so no slot stays free. */
	do {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		filler[nfill++] = fd;
	} while (fd < highest && nfill < (int)ARRAY_SIZE(filler));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = fd + 1;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));

	/*
	 * What a plain open gets now is what the library must report. That
	 * is EMFILE, except under valgrind, which enforces the limit itself
	 * only on success and lets ENOENT through on a host without the node.
	 */
	fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	expect = errno;
	if (fd >= 0) {
		close(fd);
		for (i = 0; i < nfill; i++)
			close(filler[i]);
		SKIP(return, "open(%s) succeeds despite RLIMIT_NOFILE (valgrind?)",
		     IOMMUFD_DEV_PATH);
	}

	ASSERT_EQ(-expect, iommufd_backend_connect(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "connect", expect,
			  "/dev/iommu opening failed");
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
	for (i = 0; i < nfill; i++)
		close(filler[i]);
	/* The limit, or (valgrind only) the missing node. */
	ASSERT_TRUE(expect == EMFILE ||
		    (expect == ENOENT && access(IOMMUFD_DEV_PATH, F_OK)))
		TH_LOG("open failed with %s", strerror(expect));
}

TEST_F(logic, missing_dev_iommu_is_reported)
{
	/* open(), not access(): the userspace mock intercepts only open. */
	int fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT) {
		if (fd >= 0)
			close(fd);
		SKIP(return, "%s can be opened here (or fails otherwise); failed_open_is_reported covers the path",
		     IOMMUFD_DEV_PATH);
	}
	ASSERT_EQ(-ENOENT, iommufd_backend_connect(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "connect", ENOENT,
			  "/dev/iommu opening failed");
	ASSERT_EQ(0, iommufd_backend_users(self->be));
}

TEST_F(logic, set_max_users_keeps_the_count)
{
	ASSERT_EQ(0, iommufd_backend_set_max_users(self->be, 1));
	ASSERT_EQ(0, iommufd_backend_set_max_users(self->be, UINT32_MAX));
	ASSERT_EQ(0, self->rep.count);
}

/* ---- where messages go ---- */

TEST(report_hooks_route_and_silence)
{
	struct backend_reports own = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct iommufd_backend *a = iommufd_backend_new();
	struct iommufd_backend *b = iommufd_backend_new();

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	iommufd_report_set_fn(backend_reports_fn, &process_reports);
	backend_reports_reset(&process_reports);

	/* Without a hook of its own, a backend reports to the process hook. */
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(a, "abc"));
	ASSERT_EQ(1, process_reports.count);

	/* Its own hook takes over; the process hook hears nothing. */
	iommufd_backend_set_report_fn(a, backend_reports_fn, &own);
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(a, "abc"));
	ASSERT_EQ(1, own.count);
	ASSERT_EQ(1, process_reports.count);

	/* A NULL hook silences that backend only. */
	iommufd_backend_set_report_fn(a, NULL, NULL);
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(a, "abc"));
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(b, "abc"));
	ASSERT_EQ(1, own.count);
	ASSERT_EQ(2, process_reports.count);

	/* A NULL process hook silences the rest. */
	iommufd_report_set_fn(NULL, NULL);
	ASSERT_EQ(-EINVAL, iommufd_backend_set_fd_str(b, "abc"));
	ASSERT_EQ(2, process_reports.count);

	ASSERT_EQ(0, iommufd_backend_destroy(a));
	ASSERT_EQ(0, iommufd_backend_destroy(b));
}

/* The default hook's line: "iommufd: [warning: ]<op>: <msg>: <strerror>". */
TEST(default_report_goes_to_stderr)
{
	struct iommufd_backend *be = iommufd_backend_new();
	char out[1024] = "";
	int p[2], saved;
	ssize_t n;

	ASSERT_NE(NULL, be);
	ASSERT_EQ(0, pipe(p));
	saved = dup(STDERR_FILENO);
	ASSERT_LE(0, saved);
	ASSERT_LE(0, dup2(p[1], STDERR_FILENO));

	iommufd_backend_set_max_users(be, 0);
	iommufd_backend_connect(be);
	iommufd_report_stderr(NULL, IOMMUFD_REPORT_WARNING, "map_dma", EFAULT,
			      "fd=3 ioas=1: PCI BAR?");
	iommufd_report_stderr(NULL, IOMMUFD_REPORT_ERROR, "op", 0, "no errno");
	fflush(stderr);

	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	ASSERT_LT(0, n);
	out[n] = '\0';
	ASSERT_NE(NULL, strstr(out,
		"iommufd: connect: fd=-1 users=0 limit=0: too many connections: Argument list too long\n"))
		TH_LOG("stderr was: %s", out);
	ASSERT_NE(NULL, strstr(out,
		"iommufd: warning: map_dma: fd=3 ioas=1: PCI BAR?: Bad address\n"))
		TH_LOG("stderr was: %s", out);
	ASSERT_NE(NULL, strstr(out, "iommufd: op: no errno\n"))
		TH_LOG("stderr was: %s", out);
	ASSERT_EQ(0, iommufd_backend_destroy(be));
}

/* ---- IOMMUFD_TRACE ---- */

/* What the traced copy does: two refusals, each one trace line. */
static void trace_workload(void)
{
	struct iommufd_backend *be = iommufd_backend_new();

	iommufd_report_set_fn(NULL, NULL);
	iommufd_backend_set_fd_str(be, "abc");
	iommufd_backend_set_max_users(be, 0);
	iommufd_backend_connect(be);
	iommufd_backend_disconnect(be);
	iommufd_backend_destroy(be);
}

TEST(trace_env_prints_key_value_lines)
{
	static char out[16384];

	if (backend_is_trace_child()) {
		trace_workload();
		return;
	}
	ASSERT_EQ(0, backend_run_traced("global.trace_env_prints_key_value_lines",
					 "1", out, sizeof(out)));
	ASSERT_EQ(1, backend_count_lines(out, "libiommufd:set_fd fd=-1 ret=-22", NULL))
		TH_LOG("trace was:\n%s", out);
	ASSERT_EQ(1, backend_count_lines(out,
		"libiommufd:connect fd=-1 owned=1 users=0 opened=0 ret=-7", NULL))
		TH_LOG("trace was:\n%s", out);
	ASSERT_EQ(1, backend_count_lines(out,
		"libiommufd:disconnect fd=-1 owned=1 users=0 closed=0", NULL))
		TH_LOG("trace was:\n%s", out);
	ASSERT_EQ(3, backend_count_lines(out, "libiommufd:", NULL))
		TH_LOG("trace was:\n%s", out);
}

TEST(trace_env_zero_is_silent)
{
	static char out[16384];

	if (backend_is_trace_child()) {
		trace_workload();
		return;
	}
	ASSERT_EQ(0, backend_run_traced("global.trace_env_zero_is_silent", "0",
					out, sizeof(out)));
	ASSERT_EQ(0, backend_count_lines(out, "libiommufd:", NULL))
		TH_LOG("trace was:\n%s", out);
}

TEST_HARNESS_MAIN
