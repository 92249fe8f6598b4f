// SPDX-License-Identifier: GPL-2.0
/*
 * Description: fault-injection sweeps over iommufd paths. For each path (IOAS
 * alloc, map, map into mock domains, copy, access read/write, access pin,
 * device attach) the n-th allocation the path makes is failed, for
 * n = 1, 2, ... until the path runs without reaching n. Every failure must
 * come back as an error, and leave nothing behind: no pinned page
 * (MD_CHECK_REFS after closing everything) and no object (the lowest free
 * object id is unchanged). Uses failslab, fail_page_alloc, fail_usercopy
 * (CONFIG_FAULT_INJECTION_USERCOPY, where the kernel has it) and the mock's
 * own fail_iommufd point, armed per task through
 * /proc/<pid>/task/<tid>/fail-nth: the counter counts every fault point the
 * task passes, whichever attribute it belongs to.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define FN_DEBUGFS "/sys/kernel/debug"
#define FN_MOCK_NOTE                                                         \
	"; kernel fault injection cannot be emulated by the userspace mock"
/* Far more allocations than any of these paths makes. */
#define FN_MAX_N 20000

static const char *const fn_attrs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy", "fail_iommufd",
};

static int fn_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), FN_DEBUGFS "/%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

/*
 * Makes every attribute fail only on request: task-filter first, so that the
 * always-fail settings never hit a task that did not ask (we never set
 * make-it-fail); then only fail-nth triggers, in this task.
 */
static int fn_configure(bool on)
{
	unsigned int i;

	for (i = 0; i != sizeof(fn_attrs) / sizeof(fn_attrs[0]); i++) {
		const char *a = fn_attrs[i];
		char path[256];
		struct stat st;

		snprintf(path, sizeof(path), FN_DEBUGFS "/%s", a);
		if (stat(path, &st))
			continue;	/* fail_usercopy, fail_iommufd: optional */
		if (!on) {
			fn_write(a, "probability", "0");
			continue;
		}
		if (fn_write(a, "task-filter", "Y") ||
		    fn_write(a, "verbose", "0") ||
		    fn_write(a, "interval", "1") ||
		    fn_write(a, "times", "-1") ||
		    fn_write(a, "probability", "100"))
			return -1;
		/* Sleeping and highmem allocations may fail too. */
		fn_write(a, "ignore-gfp-wait", "N");
		fn_write(a, "ignore-gfp-highmem", "N");
		fn_write(a, "min-order", "0");
	}
	return 0;
}

/* State one path works on; rebuilt for every n. */
struct fn_state {
	int fd;
	__u32 ioas_id, ioas2_id;
	__u32 stdev_id, hwpt_id, idev_id;
	int access_fd;
	__u32 pages_id;
	__u32 free_id;		/* lowest free object id before the path */
	char *buffer;
	size_t length;
	unsigned char rw[128];
};

FIXTURE(fail_nth)
{
	int nth_fd;
	char *buffer;
	size_t length;
	size_t psize;
	bool has_test_cmd;
	bool has_mock_domain;
	int mock_domain_errno;
	bool has_hwpt_alloc;
};

FIXTURE_SETUP(fail_nth)
{
	char path[64];
	struct stat st;
	int fd;

#if defined(__SANITIZE_ADDRESS__)
	/*
	 * fail-nth counts every allocation of this task inside the window,
	 * and ASan's shadow-memory page faults and interceptors allocate
	 * there too: the n-th allocation would not be iommufd's.
	 */
	SKIP(return, "built with AddressSanitizer (SAN=1): its own page "
	     "faults land inside the fail-nth window");
#endif

	fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		SKIP(return, "%s: %s", IOMMUFD_DEV_PATH, strerror(errno));
	/*
	 * The mock's allocations are malloc()s, which kernel fault injection
	 * never fails: a sweep there would find no allocation point (in a
	 * guest with failslab it used to hit the mock's pipe fallback, not
	 * the mock's own paths).
	 */
	if (iommufd_target_is_userspace_mock()) {
		close(fd);
		SKIP(return, "no kernel allocations to fail" FN_MOCK_NOTE);
	}
	ASSERT_LE(0, fd);
	self->has_test_cmd = iommufd_has_test_cmd(fd);
	self->has_mock_domain = iommufd_has_mock_domain(fd);
	self->mock_domain_errno = errno;
#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
	self->has_hwpt_alloc =
		_test_ioctl_hwpt_alloc(fd, 0, 0, 0, NULL) == 0 ||
		errno != ENOTTY;
#endif
	close(fd);

	if (stat(FN_DEBUGFS "/failslab", &st))
		/* debugfs may just not be mounted yet; try once. */
		mount("debugfs", FN_DEBUGFS, "debugfs", 0, NULL);
	if (stat(FN_DEBUGFS "/failslab", &st))
		SKIP(return, "no " FN_DEBUGFS "/failslab (kernel without "
		     "CONFIG_FAILSLAB/CONFIG_FAULT_INJECTION_DEBUG_FS, or "
		     "debugfs not mounted)" FN_MOCK_NOTE);
	if (stat(FN_DEBUGFS "/fail_page_alloc", &st))
		SKIP(return, "no " FN_DEBUGFS "/fail_page_alloc (kernel "
		     "without CONFIG_FAIL_PAGE_ALLOC)" FN_MOCK_NOTE);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	self->nth_fd = open(path, O_RDWR | O_CLOEXEC);
	if (self->nth_fd < 0)
		SKIP(return, "no %s (kernel without CONFIG_FAULT_INJECTION)"
		     FN_MOCK_NOTE, path);
	ASSERT_EQ(0, fn_configure(true))
		TH_LOG("configuring fault injection: %s", strerror(errno));

	self->psize = iommufd_page_size();
	self->length = 16 * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
}

FIXTURE_TEARDOWN(fail_nth)
{
	fn_configure(false);
	close(self->nth_fd);
	munmap(self->buffer, self->length);
}

/* Arms fail-nth: the n-th fault point this task passes from now fails. */
static int fn_arm(int nth_fd, unsigned int n)
{
	char num[16];
	int len = snprintf(num, sizeof(num), "%u", n);

	return pwrite(nth_fd, num, len, 0) == len ? 0 : -1;
}

/*
 * Disarms; returns whether the n-th point was reached inside the path (and
 * so failed). With fail_usercopy the disarm's own system calls are fault
 * points while the counter still runs (lib/fault-inject.c decrements it
 * before looking at the attribute): reading fail-nth copies its value out,
 * writing "0" copies the string in. If the read is what fails (EFAULT), the
 * n-th point was the read's copy, so the path made fewer than n; if the
 * write's copy takes the last count, the counter is 0 and a second write
 * goes through.
 */
static int fn_disarm(int nth_fd, bool *fired)
{
	char num[16] = "";
	ssize_t len = pread(nth_fd, num, sizeof(num) - 1, 0);

	if (len < 0 && errno == EFAULT)
		*fired = false;
	else if (len <= 0)
		return -1;
	else
		*fired = atoi(num) == 0;
	if (pwrite(nth_fd, "0", 1, 0) == 1)
		return 0;
	if (errno != EFAULT)
		return -1;
	return pwrite(nth_fd, "0", 1, 0) == 1 ? 0 : -1;
}

#define PG(n) ((size_t)(n) * iommufd_page_size())
#define IOVA(n) ((__u64)MOCK_APERTURE_START + PG(n))

/* Learns the lowest free id by allocating and freeing an IOAS. */
static int fn_learn_free_id(struct fn_state *st)
{
	if (_test_ioctl_ioas_alloc(st->fd, &st->free_id))
		return -1;
	return _test_ioctl_destroy(st->fd, st->free_id);
}

/* ---- The paths: prepare() outside the window, run() inside ---- */

struct fn_path {
	const char *name;
	bool needs_test_cmd;
	bool needs_mock_domain;
	int (*prepare)(struct fn_state *st);
	int (*run)(struct fn_state *st);
	/* After a successful run, outside the window: undo and verify. */
	int (*settle)(struct fn_state *st);
};

static int prep_empty(struct fn_state *st)
{
	return 0;
}

static int run_ioas_alloc(struct fn_state *st)
{
	return _test_ioctl_ioas_alloc(st->fd, &st->ioas_id);
}

static int prep_ioas(struct fn_state *st)
{
	return _test_ioctl_ioas_alloc(st->fd, &st->ioas_id);
}

static int run_map(struct fn_state *st)
{
	__u64 iova = IOVA(0);

	return _test_ioctl_ioas_map(st->fd, st->ioas_id, st->buffer,
				    st->length, &iova,
				    IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

static int settle_map(struct fn_state *st)
{
	if (st->hwpt_id &&
	    _test_cmd_md_check_map(st->fd, st->hwpt_id, IOVA(0), st->length,
				   st->buffer))
		return -1;
	return _test_ioctl_ioas_unmap(st->fd, st->ioas_id, IOVA(0),
				      st->length, NULL);
}

static int prep_ioas_domains(struct fn_state *st)
{
	__u32 idev;

	if (prep_ioas(st) ||
	    _test_cmd_mock_domain(st->fd, st->ioas_id, &st->stdev_id,
				  &st->hwpt_id, &idev))
		return -1;
	/* A second, separate domain where the kernel can allocate one. */
#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
	{
		__u32 hwpt2;

		if (!_test_ioctl_hwpt_alloc(st->fd, idev, st->ioas_id, 0,
					    &hwpt2))
			return _test_cmd_mock_domain(st->fd, hwpt2, NULL, NULL,
						     NULL);
	}
#endif
	return _test_cmd_mock_domain(st->fd, st->ioas_id, NULL, NULL, NULL);
}

static int prep_ioas_mapped(struct fn_state *st)
{
	if (prep_ioas(st))
		return -1;
	return run_map(st);
}

static int run_copy(struct fn_state *st)
{
	__u64 iova = IOVA(0);

	return _test_ioctl_ioas_copy(st->fd, IOMMUFD_MAP_RW |
				     IOMMU_IOAS_MAP_FIXED_IOVA, st->ioas2_id,
				     &iova, st->ioas_id, IOVA(0), st->length);
}

static int prep_copy(struct fn_state *st)
{
	if (prep_ioas_mapped(st) ||
	    _test_ioctl_ioas_alloc(st->fd, &st->ioas2_id))
		return -1;
	/* The destination has a domain, so the copy pins and fills. */
	return _test_cmd_mock_domain(st->fd, st->ioas2_id, NULL, &st->hwpt_id,
				     NULL);
}

static int settle_copy(struct fn_state *st)
{
	if (_test_cmd_md_check_map(st->fd, st->hwpt_id, IOVA(0), st->length,
				   st->buffer))
		return -1;
	return _test_ioctl_ioas_unmap(st->fd, st->ioas2_id, 0, UINT64_MAX,
				      NULL);
}

static int prep_access(struct fn_state *st, __u32 flags)
{
	st->access_fd = -1;
	if (prep_ioas_mapped(st))
		return -1;
	return _test_cmd_create_access(st->fd, st->ioas_id, &st->access_fd,
				       flags);
}

static int prep_access_rw(struct fn_state *st)
{
	/* settle_access_rw looks for this run's writes only. */
	memset(st->buffer, 0, st->length);
	return prep_access(st, 0);
}

static int run_access_rw(struct fn_state *st)
{
	memset(st->rw, 0x3c, sizeof(st->rw));
	/* Across a page boundary, both directions, fast and slow paths. */
	if (_test_cmd_access_rw(st->fd, st->access_fd, IOVA(1) - 64, st->rw,
				sizeof(st->rw), MOCK_ACCESS_RW_WRITE))
		return -1;
	if (_test_cmd_access_rw(st->fd, st->access_fd, IOVA(1) - 64, st->rw,
				sizeof(st->rw), MOCK_ACCESS_RW_SLOW_PATH))
		return -1;
	return _test_cmd_access_rw(st->fd, st->access_fd, IOVA(3) - 64, st->rw,
				   sizeof(st->rw),
				   MOCK_ACCESS_RW_WRITE |
				   MOCK_ACCESS_RW_SLOW_PATH);
}

static int settle_access_rw(struct fn_state *st)
{
	/* Both writes landed in the user memory. */
	return st->buffer[PG(1) - 64] == 0x3c && st->buffer[PG(3)] == 0x3c ?
		       0 : -1;
}

static int prep_access_pin(struct fn_state *st)
{
	return prep_access(st, MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
}

static int prep_access_pin_domain(struct fn_state *st)
{
	if (prep_access_pin(st))
		return -1;
	return _test_cmd_mock_domain(st->fd, st->ioas_id, NULL, &st->hwpt_id,
				     NULL);
}

static int run_access_pin(struct fn_state *st)
{
	return _test_cmd_access_pages(st->fd, st->access_fd, IOVA(1), PG(4),
				      st->buffer + PG(1),
				      MOCK_FLAGS_ACCESS_WRITE, &st->pages_id);
}

static int settle_access_pin(struct fn_state *st)
{
	if (_test_cmd_md_check_refs(st->fd, st->buffer + PG(1), PG(4), 1))
		return -1;
	return _test_cmd_destroy_access_pages(st->fd, st->access_fd,
					      st->pages_id);
}

static int run_attach(struct fn_state *st)
{
	return _test_cmd_mock_domain(st->fd, st->ioas_id, &st->stdev_id,
				     &st->hwpt_id, NULL);
}

static int settle_attach(struct fn_state *st)
{
	if (_test_cmd_md_check_map(st->fd, st->hwpt_id, IOVA(0), st->length,
				   st->buffer) ||
	    _test_cmd_md_check_refs(st->fd, st->buffer, st->length, 1))
		return -1;
	return _test_ioctl_destroy(st->fd, st->stdev_id);
}

/*
 * The sweep. For n = 1, 2, ...: fresh context, prepare, arm, run, disarm.
 * A fired injection must have made the run fail (or been absorbed: some
 * allocations have fallbacks), and nothing may be left behind either way.
 */
static void fn_sweep(struct __test_metadata *_metadata,
		     FIXTURE_DATA(fail_nth) *self, const struct fn_path *p)
{
	unsigned int n, failures = 0, absorbed = 0;
	bool fired = true;

	if (p->needs_test_cmd && !self->has_test_cmd)
		SKIP(return, IOMMUFD_NO_TEST_CMD_REASON);
	if (p->needs_mock_domain && !self->has_mock_domain) {
		char why[160];

		/* Only a hardware IOMMU's refusal is an absent feature. */
		if (iommufd_mock_domain_impossible(self->mock_domain_errno, why,
						   sizeof(why)))
			SKIP(return, "%s", why);
		ASSERT_TRUE(false) TH_LOG("IOMMU_TEST_OP_MOCK_DOMAIN: %s",
					  strerror(self->mock_domain_errno));
	}

	for (n = 1; fired; n++) {
		struct fn_state st = {
			.buffer = self->buffer,
			.length = self->length,
			.access_fd = -1,
		};
		int ret, err, check_fd;
		__u32 next_id;

		ASSERT_GT(FN_MAX_N, n) TH_LOG("%s never completes", p->name);
		st.fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, st.fd);
		ASSERT_EQ(0, p->prepare(&st))
			TH_LOG("%s: prepare: %s", p->name, strerror(errno));
		ASSERT_EQ(0, fn_learn_free_id(&st));

		ASSERT_EQ(0, fn_arm(self->nth_fd, n));
		errno = 0;
		ret = p->run(&st);
		err = errno;
		ASSERT_EQ(0, fn_disarm(self->nth_fd, &fired));

		if (!fired) {
			/* The path made fewer than n fault points: it is done. */
			ASSERT_EQ(0, ret) TH_LOG("%s failed without injection "
						 "at n=%u: %s", p->name, n,
						 strerror(err));
		}
		if (ret) {
			failures++;
			/* An error, reported as one. */
			ASSERT_NE(0, err) TH_LOG("%s: n=%u failed, errno 0",
						 p->name, n);
			/* No object left behind: the lowest free id is free. */
			ASSERT_EQ(0, _test_ioctl_ioas_alloc(st.fd, &next_id));
			ASSERT_EQ(st.free_id, next_id)
				TH_LOG("%s: n=%u (%s) left an object behind",
				       p->name, n, strerror(err));
		} else {
			if (fired)
				absorbed++;
			if (p->settle) {
				ASSERT_EQ(0, p->settle(&st))
					TH_LOG("%s: n=%u: state after success: "
					       "%s", p->name, n,
					       strerror(errno));
			}
		}
		if (st.access_fd >= 0)
			close(st.access_fd);
		close(st.fd);

		/* Everything is closed: no page may stay pinned. */
		if (self->has_test_cmd) {
			check_fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
			ASSERT_LE(0, check_fd);
			ASSERT_EQ(0, _test_cmd_md_check_refs(check_fd,
							     self->buffer,
							     self->length, 0))
				TH_LOG("%s: n=%u leaked a page pin", p->name,
				       n);
			close(check_fd);
		}
	}
	/* The path allocates: at least its first allocation failed it. */
	ASSERT_LT(0, failures) TH_LOG("%s: no injected failure surfaced",
				      p->name);
	TH_LOG("%s: %u fault points, %u failed the path, %u absorbed",
	       p->name, n - 2, failures, absorbed);
}

#define FN_TEST(_name, _needs, _prep, _run, _settle)                         \
	TEST_F(fail_nth, _name)                                              \
	{                                                                    \
		static const struct fn_path path = {                         \
			.name = #_name, .needs_test_cmd = _needs != 0,       \
			.needs_mock_domain = _needs == 2,                    \
			.prepare = _prep, .run = _run, .settle = _settle,    \
		};                                                           \
		fn_sweep(_metadata, self, &path);                            \
	}

/* Needs: 0 nothing, 1 IOMMU_TEST_CMD, 2 mock domains too. */
FN_TEST(ioas_alloc, 0, prep_empty, run_ioas_alloc, NULL)
FN_TEST(map, 0, prep_ioas, run_map, settle_map)
FN_TEST(map_into_domains, 2, prep_ioas_domains, run_map, settle_map)
FN_TEST(copy_into_domain, 2, prep_copy, run_copy, settle_copy)
FN_TEST(access_rw, 1, prep_access_rw, run_access_rw, settle_access_rw)
FN_TEST(access_pin, 1, prep_access_pin, run_access_pin, settle_access_pin)
FN_TEST(access_pin_with_domain, 2, prep_access_pin_domain, run_access_pin,
	settle_access_pin)
FN_TEST(device_attach, 2, prep_ioas_mapped, run_attach, settle_attach)

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN

/*
 * ---- The 7.x paths: MAP_FILE, vIOMMU + vDEVICE, vEVENTQ, PASID attach ----
 *
 * Same sweep; each case first asks the running kernel for its ioctl or test
 * op and skips naming what is missing. Ids the 6.12 fn_state has no field
 * for live here (each TEST_F runs in its own process).
 */
#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

/*
 * Skips unless the running kernel has ioctl _nr (and test op _op, if not 0);
 * the names come from FN7_TEST, stringified before they expand.
 */
#define fn7_feature_or_skip(_nr, _nr_name, _op, _op_name)                    \
	do {                                                                 \
		int __fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);       \
		bool __ioctl, __op = true;                                   \
									     \
		ASSERT_LE(0, __fd);                                          \
		__ioctl = iommufd_has_ioctl(__fd, _nr);                      \
		if ((_op) && self->has_test_cmd)                             \
			__op = iommufd_has_test_op(__fd, _op);               \
		close(__fd);                                                 \
		if (!__ioctl)                                                \
			SKIP(return, "%s: ENOTTY (not in this kernel)",      \
			     _nr_name);                                      \
		if (!__op)                                                   \
			SKIP(return, "%s: EOPNOTSUPP (test op not in this "  \
			     "kernel)", _op_name);                           \
	} while (0)

#define FN7_TEST(_name, _needs, _nr, _op, _prep, _run, _settle)              \
	TEST_F(fail_nth, _name)                                              \
	{                                                                    \
		static const struct fn_path path = {                         \
			.name = #_name, .needs_test_cmd = _needs != 0,       \
			.needs_mock_domain = _needs == 2,                    \
			.prepare = _prep, .run = _run, .settle = _settle,    \
		};                                                           \
		fn7_feature_or_skip(_nr, #_nr, _op, #_op);                   \
		fn_sweep(_metadata, self, &path);                            \
	}

#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
static int fn7_memfd = -1;

/*
 * The fixture's buffer becomes a shared mapping of a memfd, so the sweep's
 * "no page stays pinned" check after every n looks at the file's pages.
 */
static int fn7_buffer_to_memfd(struct fn_state *st)
{
	if (fn7_memfd >= 0)
		return 0;
	fn7_memfd = iommufd_memfd(st->length, 0);
	if (fn7_memfd < 0)
		return -1;
	if (mmap(st->buffer, st->length, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fn7_memfd, 0) == MAP_FAILED)
		return -1;
	memset(st->buffer, 0x5a, st->length);
	return 0;
}

static int prep_map_file(struct fn_state *st)
{
	if (fn7_buffer_to_memfd(st))
		return -1;
	return prep_ioas(st);
}

static int prep_map_file_domains(struct fn_state *st)
{
	if (fn7_buffer_to_memfd(st))
		return -1;
	return prep_ioas_domains(st);
}

static int run_map_file(struct fn_state *st)
{
	__u64 iova = IOVA(0);

	return _test_ioctl_ioas_map_file(st->fd, st->ioas_id, fn7_memfd, 0,
					 st->length, &iova,
					 IOMMUFD_MAP_RW |
					 IOMMU_IOAS_MAP_FIXED_IOVA);
}

FN7_TEST(map_file, 0, IOMMU_IOAS_MAP_FILE, 0, prep_map_file, run_map_file,
	 settle_map)
FN7_TEST(map_file_into_domains, 2, IOMMU_IOAS_MAP_FILE, 0,
	 prep_map_file_domains, run_map_file, settle_map)
#else
TEST_F(fail_nth, map_file)
{
	SKIP(return, "uapi headers without IOMMU_IOAS_MAP_FILE (6.13+)");
}
#endif /* IOMMUFD_UAPI_HAS_MAP_FILE */

#if defined(IOMMUFD_UAPI_HAS_VIOMMU) && defined(IOMMUFD_TEST_HAS_VIOMMU)
static __u32 fn7_viommu_id, fn7_vdev_id;

/* A mock device on an IOAS and a nesting parent for it (in st->hwpt_id). */
static int prep_nest_parent(struct fn_state *st)
{
	if (prep_ioas(st) ||
	    _test_cmd_mock_domain(st->fd, st->ioas_id, &st->stdev_id, NULL,
				  &st->idev_id))
		return -1;
	return _test_ioctl_hwpt_alloc(st->fd, st->idev_id, st->ioas_id,
				      IOMMU_HWPT_ALLOC_NEST_PARENT,
				      &st->hwpt_id);
}

static int run_viommu_vdevice(struct fn_state *st)
{
	if (_test_ioctl_viommu_alloc(st->fd, st->idev_id, st->hwpt_id,
				     IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
				     &fn7_viommu_id))
		return -1;
	/* A failed vDEVICE must not leave the vIOMMU: undo it here. */
	if (_test_ioctl_vdevice_alloc(st->fd, fn7_viommu_id, st->idev_id, 9,
				      &fn7_vdev_id)) {
		int err = errno;

		_test_ioctl_destroy(st->fd, fn7_viommu_id);
		errno = err;
		return -1;
	}
	return 0;
}

static int settle_viommu_vdevice(struct fn_state *st)
{
	/* Held by its vDEVICE, free once the vDEVICE is gone. */
	if (!_test_ioctl_destroy(st->fd, fn7_viommu_id) || errno != EBUSY)
		return -1;
	if (_test_ioctl_destroy(st->fd, fn7_vdev_id))
		return -1;
	return _test_ioctl_destroy(st->fd, fn7_viommu_id);
}

FN7_TEST(viommu_vdevice_alloc, 2, IOMMU_VIOMMU_ALLOC, 0, prep_nest_parent,
	 run_viommu_vdevice, settle_viommu_vdevice)

#if defined(IOMMUFD_UAPI_HAS_VEVENTQ) && defined(IOMMUFD_TEST_HAS_VEVENT)
static __u32 fn7_veventq_id;
static int fn7_veventq_fd = -1;

static int prep_viommu(struct fn_state *st)
{
	if (prep_nest_parent(st))
		return -1;
	return _test_ioctl_viommu_alloc(st->fd, st->idev_id, st->hwpt_id,
					IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
					&fn7_viommu_id);
}

static int run_veventq_alloc(struct fn_state *st)
{
	fn7_veventq_fd = -1;
	return _test_ioctl_veventq_alloc(st->fd, fn7_viommu_id,
					 IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
					 &fn7_veventq_id, &fn7_veventq_fd);
}

static int settle_veventq_alloc(struct fn_state *st)
{
	struct iommufd_vevent_header hdr;

	/* An empty queue reads as nothing; then it goes. */
	if (read(fn7_veventq_fd, &hdr, sizeof(hdr)))
		return -1;
	close(fn7_veventq_fd);
	return _test_ioctl_destroy(st->fd, fn7_veventq_id);
}

FN7_TEST(veventq_alloc, 2, IOMMU_VEVENTQ_ALLOC, 0, prep_viommu,
	 run_veventq_alloc, settle_veventq_alloc)
#else
TEST_F(fail_nth, veventq_alloc)
{
	SKIP(return, "headers without IOMMU_VEVENTQ_ALLOC (6.15+) or "
	     "IOMMU_TEST_OP_TRIGGER_VEVENT");
}
#endif /* vEVENTQ */
#else
TEST_F(fail_nth, viommu_vdevice_alloc)
{
	SKIP(return, "headers without IOMMU_VIOMMU_ALLOC (6.13+) or "
	     "IOMMU_VIOMMU_TYPE_SELFTEST");
}
#endif /* vIOMMU */

#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)
/* A PASID-capable device whose RID is on a PASID-compatible domain. */
static int prep_pasid(struct fn_state *st)
{
	if (prep_ioas_mapped(st) ||
	    _test_cmd_mock_domain_flags(st->fd, st->ioas_id,
					MOCK_FLAGS_DEVICE_PASID, &st->stdev_id,
					NULL, &st->idev_id) ||
	    _test_ioctl_hwpt_alloc(st->fd, st->idev_id, st->ioas_id,
				   IOMMU_HWPT_ALLOC_PASID, &st->hwpt_id))
		return -1;
	return _test_cmd_mock_domain_replace(st->fd, st->stdev_id, st->hwpt_id,
					     NULL);
}

static int run_pasid_attach(struct fn_state *st)
{
	return _test_cmd_pasid_attach(st->fd, IOMMU_TEST_OP_PASID_ATTACH,
				      st->stdev_id, 100, st->hwpt_id);
}

static int settle_pasid_attach(struct fn_state *st)
{
	if (_test_cmd_pasid_check_hwpt(st->fd, st->stdev_id, 100, st->hwpt_id))
		return -1;
	return _test_cmd_pasid_detach(st->fd, st->stdev_id, 100);
}

FN7_TEST(pasid_attach, 2, IOMMU_TEST_CMD, IOMMU_TEST_OP_PASID_ATTACH,
	 prep_pasid, run_pasid_attach, settle_pasid_attach)
#else
TEST_F(fail_nth, pasid_attach)
{
	SKIP(return, "headers without the PASID uAPI or the PASID test ops");
}
#endif /* PASID */

#endif /* IOMMUFD_HAVE_UAPI */
