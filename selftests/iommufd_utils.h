/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's shared vocabulary.
 *
 * Every ioctl has a raw helper, _test_ioctl_X(fd, ...), that fills the
 * structure, issues the call and returns its result (0, or -1 with errno).
 * Two wrappers make test bodies read like the uAPI's specification:
 *
 *   test_cmd_X(...)             the call must succeed
 *   test_err_X(ENOENT, ...)     the call must fail with exactly that errno
 *
 * Both expect a `self` with an `fd` member (the /dev/iommu fd) in scope,
 * as kselftest fixtures provide.
 */
#ifndef IOMMUFD_HARNESS_UTILS_H
#define IOMMUFD_HARNESS_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"
#include "kselftest_harness.h"

#define IOMMUFD_DEV_PATH "/dev/iommu"

static inline size_t iommufd_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * Opens /dev/iommu, or skips the test with the reason. A missing device
 * (kernel without CONFIG_IOMMUFD, or a container without the node) is an
 * absent feature; any other open failure is a real error and fails.
 */
#define iommufd_open_or_skip(_fdp)                                           \
	do {                                                                 \
		*(_fdp) = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);        \
		if (*(_fdp) < 0 && (errno == ENOENT || errno == ENXIO ||     \
				    errno == ENODEV))                        \
			SKIP(return, "%s: %s (kernel without CONFIG_IOMMUFD?)", \
			     IOMMUFD_DEV_PATH, strerror(errno));              \
		ASSERT_LE(0, *(_fdp)) TH_LOG("open %s: %s", IOMMUFD_DEV_PATH, \
					     strerror(errno));               \
	} while (0)

/* Anonymous, page-aligned, pre-faulted memory for mapping. */
static inline void *iommufd_test_buffer(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Checks an expression that returns 0 or -1/errno; on failure prints errno. */
#define test_cmd(_expr)                                                      \
	ASSERT_EQ(0, _expr) TH_LOG("%s: %s", #_expr, strerror(errno))
#define test_err(_errno, _expr)                                              \
	({                                                                   \
		errno = 0;                                                   \
		ASSERT_EQ(-1, _expr);                                        \
		ASSERT_EQ(_errno, errno) TH_LOG("%s: expected %s, got %s",   \
						#_expr, strerror(_errno),    \
						strerror(errno));            \
	})

/* ---- IOMMU_IOAS_ALLOC ---- */
static inline int _test_ioctl_ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!ret && id)
		*id = cmd.out_ioas_id;
	return ret;
}
#define test_ioctl_ioas_alloc(_idp) test_cmd(_test_ioctl_ioas_alloc(self->fd, _idp))
#define test_err_ioctl_ioas_alloc(_errno, _idp)                              \
	test_err(_errno, _test_ioctl_ioas_alloc(self->fd, _idp))

/* ---- IOMMU_DESTROY ---- */
static inline int _test_ioctl_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}
#define test_ioctl_destroy(_id) test_cmd(_test_ioctl_destroy(self->fd, _id))
#define test_err_destroy(_errno, _id)                                        \
	test_err(_errno, _test_ioctl_destroy(self->fd, _id))

/* ---- IOMMU_IOAS_MAP ---- */
#define IOMMUFD_MAP_RW                                                       \
	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static inline int _test_ioctl_ioas_map(int fd, __u32 ioas_id, void *buf,
				       size_t length, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = length,
	};
	int ret;

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = *iova;
	ret = ioctl(fd, IOMMU_IOAS_MAP, &cmd);
	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}
/* Map at a fixed IOVA, readable and writeable. */
#define test_ioctl_ioas_map_fixed(_ioas, _buf, _len, _iova)                  \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_cmd(_test_ioctl_ioas_map(self->fd, _ioas, _buf, _len,   \
					      &__iova,                       \
					      IOMMUFD_MAP_RW |               \
					      IOMMU_IOAS_MAP_FIXED_IOVA));   \
	})
#define test_err_ioctl_ioas_map_fixed(_errno, _ioas, _buf, _len, _iova)      \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_err(_errno, _test_ioctl_ioas_map(                       \
				self->fd, _ioas, _buf, _len, &__iova,        \
				IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})

/* ---- IOMMU_IOAS_UNMAP ---- */
static inline int _test_ioctl_ioas_unmap(int fd, __u32 ioas_id, __u64 iova,
					 __u64 length, __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int ret = ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	if (!ret && unmapped)
		*unmapped = cmd.length;
	return ret;
}
#define test_ioctl_ioas_unmap(_ioas, _iova, _len)                            \
	test_cmd(_test_ioctl_ioas_unmap(self->fd, _ioas, _iova, _len, NULL))
#define test_err_ioctl_ioas_unmap(_errno, _ioas, _iova, _len)                \
	test_err(_errno,                                                     \
		 _test_ioctl_ioas_unmap(self->fd, _ioas, _iova, _len, NULL))

/* ---- IOMMU_TEST_CMD: the in-kernel (or userspace) mock domain ---- */

/*
 * Whether this /dev/iommu answers IOMMU_TEST_CMD. A kernel without
 * CONFIG_IOMMUFD_TEST returns ENOTTY for the whole ioctl number. An op the
 * kernel does know, given an id that does not exist, fails with ENOENT, which
 * proves the command is there without creating anything.
 */
static inline bool iommufd_has_test_cmd(int fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = 0,
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) == 0 || errno != ENOTTY;
}

#define iommufd_test_cmd_or_skip(_fd)                                        \
	do {                                                                 \
		if (!iommufd_has_test_cmd(_fd))                              \
			SKIP(return, "IOMMU_TEST_CMD: ENOTTY (kernel without " \
				     "CONFIG_IOMMUFD_TEST)");                 \
	} while (0)

static inline int _test_cmd_mock_domain(int fd, __u32 ioas_id, __u32 *stdev_id,
					__u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas_id,
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}
#define test_cmd_mock_domain(_ioas, _stdev, _hwpt, _idev)                    \
	test_cmd(_test_cmd_mock_domain(self->fd, _ioas, _stdev, _hwpt, _idev))
#define test_err_mock_domain(_errno, _ioas, _stdev, _hwpt, _idev)            \
	test_err(_errno,                                                     \
		 _test_cmd_mock_domain(self->fd, _ioas, _stdev, _hwpt, _idev))

/*
 * Asks the mock domain whether [iova, iova + length) translates to the
 * user memory at uptr, page by page.
 */
static inline int _test_cmd_md_check_map(int fd, __u32 hwpt_id, __u64 iova,
					 __u64 length, void *uptr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = { .iova = iova, .length = length,
			       .uptr = (uintptr_t)uptr },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_md_check_map(_hwpt, _iova, _len, _uptr)                     \
	test_cmd(_test_cmd_md_check_map(self->fd, _hwpt, _iova, _len, _uptr))
#define test_err_md_check_map(_errno, _hwpt, _iova, _len, _uptr)             \
	test_err(_errno,                                                     \
		 _test_cmd_md_check_map(self->fd, _hwpt, _iova, _len, _uptr))

/*
 * main() for every program of the suite. Where /dev/iommu cannot be opened
 * for lack of the feature, the whole program is one KTAP skip with the
 * reason (exit 4) rather than N skipped cases that look like coverage.
 * open() rather than access(): the userspace mock intercepts open.
 */
#define IOMMUFD_TEST_MAIN                                                    \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		int fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);         \
									     \
		if (fd < 0 && (errno == ENOENT || errno == ENXIO ||          \
			       errno == ENODEV))                             \
			ksft_exit_skip("%s: %s (kernel without "             \
				       "CONFIG_IOMMUFD?)\n",                 \
				       IOMMUFD_DEV_PATH, strerror(errno));   \
		if (fd >= 0)                                                 \
			close(fd);                                           \
		return test_harness_run(argc, argv);                         \
	}

#endif /* IOMMUFD_HARNESS_UTILS_H */
