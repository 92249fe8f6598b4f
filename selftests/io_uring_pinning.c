// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the same memory pinned by io_uring (registered fixed buffers)
 * and by iommufd (mapped into an IOAS, pinned by a mock domain or an
 * access). Data written through the IOAS access path is what io_uring's
 * WRITE_FIXED puts in a file; data io_uring's READ_FIXED brings in is what
 * the access path reads; dropping either pin leaves the other working; and
 * with a lowered RLIMIT_MEMLOCK both count against one budget when iommufd
 * accounts per user (its default, io_uring's way) and against separate
 * budgets when it accounts per mm (IOMMU_OPTION_RLIMIT_MODE = 1, VFIO's way).
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "iommufd_utils.h"

#if defined(IOMMUFD_HAVE_UAPI) && defined(HAVE_LIBURING)
#include <liburing.h>

#define URING_PAGES 16

/* io_uring may be compiled out or forbidden (io_uring_disabled sysctl). */
#define uring_init_or_skip(_ring)                                            \
	do {                                                                 \
		int __r = io_uring_queue_init(8, _ring, 0);                  \
		if (__r == -ENOSYS || __r == -EPERM)                         \
			SKIP(return, "io_uring_queue_init: %s (io_uring "    \
				     "disabled in this kernel)",             \
			     strerror(-__r));                                \
		ASSERT_EQ(0, __r) TH_LOG("io_uring_queue_init: %s",          \
					 strerror(-__r));                    \
	} while (0)

FIXTURE(uring)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	int access_fd;
	struct io_uring ring;
	bool ring_up;
	int file_fd;		/* what io_uring reads and writes */
	size_t psize;
	size_t length;
	unsigned char *buffer;
	__u64 iova;
};

FIXTURE_VARIANT(uring)
{
	unsigned int mock_domains;
	bool narrow;
};

FIXTURE_VARIANT_ADD(uring, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(uring, mock_domain) { .mock_domains = 1 };

FIXTURE_SETUP(uring)
{
	struct iovec iov;
	int ret;

	iommufd_open_or_skip(&self->fd);
	iommufd_test_cmd_or_skip(self->fd);
	uring_init_or_skip(&self->ring);
	self->ring_up = true;
	self->psize = iommufd_page_size();
	self->length = URING_PAGES * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	self->iova = MOCK_APERTURE_START;

	iov.iov_base = self->buffer;
	iov.iov_len = self->length;
	ret = io_uring_register_buffers(&self->ring, &iov, 1);
	ASSERT_EQ(0, ret) TH_LOG("register buffers: %s", strerror(-ret));

	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      variant->narrow, &self->doms);
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				self->iova);
	self->access_fd = -1;
	test_cmd_create_access(self->ioas_id, &self->access_fd, 0);

	self->file_fd = syscall(__NR_memfd_create, "io_uring_pinning", 0);
	ASSERT_LE(0, self->file_fd);
	ASSERT_EQ(0, ftruncate(self->file_fd, self->length));
}

FIXTURE_TEARDOWN(uring)
{
	if (self->ring_up)
		io_uring_queue_exit(&self->ring);
	close(self->access_fd);
	close(self->file_fd);
	close(self->fd);
	munmap(self->buffer, self->length);
}

/* One fixed-buffer read or write through io_uring; returns cqe->res. */
static int uring_fixed_rw(struct io_uring *ring, bool write, int fd,
			  void *buf, unsigned int len, __u64 off)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	if (write)
		io_uring_prep_write_fixed(sqe, fd, buf, len, off, 0);
	else
		io_uring_prep_read_fixed(sqe, fd, buf, len, off, 0);
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * io_uring's pins and its per-user locked_vm live in the kernel. The
 * userspace mock of /dev/iommu (LD_PRELOADed libiommufd_mock.so) counts only
 * its own pins, so what io_uring holds is invisible to its MD_CHECK_REFS and
 * budget: those checks are kernel-only.
 */

#define URING_MOCK_REASON                                                    \
	"the userspace mock cannot see io_uring's kernel pins or per-user "  \
	"locked_vm"

#define PG(n) ((size_t)(n) * self->psize)

/* Pins: one per user, io_uring's and the IOAS page store's (if pinned). */
#define iommufd_pins() (self->doms.count ? 1 : 0)

TEST_F(uring, both_pin_the_same_pages)
{
	if (iommufd_target_is_userspace_mock())
		SKIP(return, URING_MOCK_REASON);
	/* FOLL_PIN counts: io_uring's plus the IOAS's (under a domain). */
	test_cmd_md_check_refs(self->buffer, self->length, 1 + iommufd_pins());
	iommufd_check_map_all(&self->doms, self->iova, self->length,
			      self->buffer);
}

TEST_F(uring, access_writes_what_write_fixed_sends)
{
	unsigned char pattern[3000], file[3000];
	size_t i;

	for (i = 0; i != sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 13 + 1);
	/* Into the memory through the IOAS, as a device would... */
	test_cmd_access_rw(self->access_fd, self->iova + PG(3) - 1000, pattern,
			   sizeof(pattern), MOCK_ACCESS_RW_WRITE);
	/* ...and out of the same memory to a file through io_uring. */
	ASSERT_EQ(sizeof(pattern),
		  uring_fixed_rw(&self->ring, true, self->file_fd,
				 self->buffer + PG(3) - 1000, sizeof(pattern),
				 512));
	ASSERT_EQ(sizeof(file), pread(self->file_fd, file, sizeof(file), 512));
	ASSERT_EQ(0, memcmp(pattern, file, sizeof(file)));
}

TEST_F(uring, access_reads_what_read_fixed_brings)
{
	unsigned char pattern[5000], seen[5000];
	size_t i;

	for (i = 0; i != sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 7 + 5);
	ASSERT_EQ(sizeof(pattern), pwrite(self->file_fd, pattern,
					  sizeof(pattern), 100));
	ASSERT_EQ(sizeof(pattern),
		  uring_fixed_rw(&self->ring, false, self->file_fd,
				 self->buffer + PG(5) + 17, sizeof(pattern),
				 100));
	memset(seen, 0, sizeof(seen));
	test_cmd_access_rw(self->access_fd, self->iova + PG(5) + 17, seen,
			   sizeof(seen), MOCK_ACCESS_RW_SLOW_PATH);
	ASSERT_EQ(0, memcmp(pattern, seen, sizeof(seen)));
}

TEST_F(uring, unmapping_the_ioas_leaves_io_uring_working)
{
	unsigned char pattern[256], file[256];

	memset(pattern, 0xa7, sizeof(pattern));
	test_cmd_access_rw(self->access_fd, self->iova, pattern,
			   sizeof(pattern), MOCK_ACCESS_RW_WRITE);
	test_cmd_ioas_unmap(self->ioas_id, self->iova, self->length);
	iommufd_check_unmapped_all(&self->doms, self->iova, self->buffer);
	/* Only io_uring's pin is left. */
	if (!iommufd_target_is_userspace_mock())
		test_cmd_md_check_refs(self->buffer, self->length, 1);
	ASSERT_EQ(sizeof(pattern),
		  uring_fixed_rw(&self->ring, true, self->file_fd,
				 self->buffer, sizeof(pattern), 0));
	ASSERT_EQ(sizeof(file), pread(self->file_fd, file, sizeof(file), 0));
	ASSERT_EQ(0, memcmp(pattern, file, sizeof(file)));
}

TEST_F(uring, unregistering_leaves_the_ioas_working)
{
	unsigned char pattern[256], seen[256];

	ASSERT_EQ(0, io_uring_unregister_buffers(&self->ring));
	test_cmd_md_check_refs(self->buffer, self->length, iommufd_pins());
	iommufd_check_map_all(&self->doms, self->iova, self->length,
			      self->buffer);
	memset(pattern, 0x1e, sizeof(pattern));
	test_cmd_access_rw(self->access_fd, self->iova + PG(9), pattern,
			   sizeof(pattern), MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(0, memcmp(self->buffer + PG(9), pattern, sizeof(pattern)));
	test_cmd_access_rw(self->access_fd, self->iova + PG(9), seen,
			   sizeof(seen), 0);
	ASSERT_EQ(0, memcmp(seen, pattern, sizeof(seen)));
	/* Tearing the ring down changes nothing either. */
	io_uring_queue_exit(&self->ring);
	self->ring_up = false;
	test_cmd_md_check_refs(self->buffer, self->length, iommufd_pins());
}

/* ---- One RLIMIT_MEMLOCK, two pinning subsystems ---- */

/* An unprivileged uid: a fresh per-user locked_vm, no CAP_IPC_LOCK. */
#define BUDGET_UID 54321
#define BUDGET_PAGES 64
/* The child's exit code when io_uring is root-only (io_uring_disabled=1). */
#define BUDGET_NO_URING 99

FIXTURE(uring_budget)
{
	int fd;
	size_t psize;
};

FIXTURE_SETUP(uring_budget)
{
	struct io_uring probe;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	uring_init_or_skip(&probe);
	io_uring_queue_exit(&probe);
	if (!iommufd_has_cap(CAP_SETUID) || !iommufd_has_cap(CAP_SETGID))
		SKIP(return, "needs CAP_SETUID/CAP_SETGID to switch to a "
		     "fresh uid");
	self->psize = iommufd_page_size();
}

FIXTURE_TEARDOWN(uring_budget)
{
	close(self->fd);
}

/*
 * Runs in a child that became BUDGET_UID with a BUDGET_PAGES memlock limit.
 * io_uring holds `uring_pages`; then iommufd maps into a mock domain (which
 * pins and accounts). Returns 0, or the number of the step that went wrong.
 */
static int budget_child(int fd, size_t psize, bool mm_mode)
{
	struct rlimit rl = {
		.rlim_cur = BUDGET_PAGES * psize,
		.rlim_max = BUDGET_PAGES * psize,
	};
	size_t uring_pages = 40, len = BUDGET_PAGES * 2 * psize;
	char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct io_uring ring;
	struct iovec iov = { mem, uring_pages * psize };
	__u32 ioas;
	__u64 iova, val = mm_mode;
	int ret;

	if (mem == MAP_FAILED)
		return 1;
	/*
	 * The accounting mode is chosen while privileged, before any object;
	 * per user is the default of a fresh /dev/iommu.
	 */
	if (mm_mode && _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					  IOMMU_OPTION_OP_SET, 0, &val))
		return 2;
	if (_test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
			       IOMMU_OPTION_OP_GET, 0, &val) || val != mm_mode)
		return 2;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 3;
	/* Dropping root drops CAP_IPC_LOCK, which bypasses both budgets. */
	if (setgid(BUDGET_UID) || setuid(BUDGET_UID))
		return 4;
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret == -EPERM)
		return BUDGET_NO_URING;
	if (ret)
		return 5;
	if (io_uring_register_buffers(&ring, &iov, 1))
		return 6;
	if (_test_ioctl_ioas_alloc(fd, &ioas) ||
	    _test_cmd_mock_domain(fd, ioas, NULL, NULL, NULL))
		return 7;

	/* 40 pinned by io_uring; 32 more for iommufd. */
	iova = MOCK_APERTURE_START;
	ret = _test_ioctl_ioas_map(fd, ioas, mem + BUDGET_PAGES * psize,
				   32 * psize, &iova,
				   IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	if (!mm_mode) {
		/* One per-user budget: 40 + 32 > 64. */
		if (ret != -1 || errno != ENOMEM)
			return 10;
		/* 24 fit exactly. */
		if (_test_ioctl_ioas_map(fd, ioas, mem + BUDGET_PAGES * psize,
					 24 * psize, &iova,
					 IOMMUFD_MAP_RW |
					 IOMMU_IOAS_MAP_FIXED_IOVA))
			return 11;
		/* io_uring now gets only what is left: 40, not 41. */
		if (io_uring_unregister_buffers(&ring))
			return 12;
		iov.iov_len = 41 * psize;
		if (io_uring_register_buffers(&ring, &iov, 1) != -ENOMEM)
			return 13;
		iov.iov_len = 40 * psize;
		if (io_uring_register_buffers(&ring, &iov, 1))
			return 14;
		/* Released by io_uring, the budget is iommufd's to use. */
		if (io_uring_unregister_buffers(&ring))
			return 15;
		iova = MOCK_APERTURE_START + 32 * psize;
		if (_test_ioctl_ioas_map(fd, ioas, mem, 40 * psize, &iova,
					 IOMMUFD_MAP_RW |
					 IOMMU_IOAS_MAP_FIXED_IOVA))
			return 16;
	} else {
		/*
		 * Per-mm accounting (VFIO's) is another counter: io_uring's
		 * 40 pages do not count, only the limit itself does.
		 */
		if (ret)
			return 20;
		iova = MOCK_APERTURE_START + 32 * psize;
		ret = _test_ioctl_ioas_map(fd, ioas, mem, 40 * psize, &iova,
					   IOMMUFD_MAP_RW |
					   IOMMU_IOAS_MAP_FIXED_IOVA);
		if (ret != -1 || errno != ENOMEM)
			return 21;
		if (_test_ioctl_ioas_map(fd, ioas, mem, 32 * psize, &iova,
					 IOMMUFD_MAP_RW |
					 IOMMU_IOAS_MAP_FIXED_IOVA))
			return 22;
		/*
		 * iommufd holds the whole limit in mm->locked_vm, yet io_uring
		 * can still pin the whole limit against the per-user count.
		 */
		if (io_uring_unregister_buffers(&ring))
			return 23;
		iov.iov_len = BUDGET_PAGES * psize;
		if (io_uring_register_buffers(&ring, &iov, 1))
			return 24;
		iov.iov_len = (BUDGET_PAGES + 1) * psize;
		if (io_uring_unregister_buffers(&ring) ||
		    io_uring_register_buffers(&ring, &iov, 1) != -ENOMEM)
			return 25;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

#define run_budget(_mm)                                                      \
	do {                                                                 \
		int __status;                                                \
		pid_t __pid = fork();                                        \
		ASSERT_LE(0, __pid);                                         \
		if (__pid == 0)                                              \
			_exit(budget_child(self->fd, self->psize, _mm));     \
		ASSERT_EQ(__pid, waitpid(__pid, &__status, 0));              \
		ASSERT_TRUE(WIFEXITED(__status));                            \
		if (WEXITSTATUS(__status) == BUDGET_NO_URING)                \
			SKIP(return, "io_uring: EPERM for an unprivileged "  \
				     "user (kernel.io_uring_disabled=1)");   \
		ASSERT_EQ(0, WEXITSTATUS(__status))                          \
			TH_LOG("budget step %d failed",                      \
			       WEXITSTATUS(__status));                       \
	} while (0)

TEST_F(uring_budget, user_mode_shares_one_budget)
{
	if (iommufd_target_is_userspace_mock())
		SKIP(return, URING_MOCK_REASON);
	run_budget(false);
}

TEST_F(uring_budget, mm_mode_keeps_budgets_apart)
{
	if (!iommufd_has_cap(CAP_SYS_RESOURCE))
		SKIP(return, "IOMMU_OPTION_RLIMIT_MODE=1 needs CAP_SYS_RESOURCE");
	run_budget(true);
}

#elif defined(IOMMUFD_HAVE_UAPI)
TEST(io_uring_pinning)
{
	SKIP(return, "liburing not installed at build time (liburing-dev)");
}
#endif

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
