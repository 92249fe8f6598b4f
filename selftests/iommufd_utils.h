/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's shared vocabulary.
 *
 * Every ioctl has a raw helper, _test_ioctl_X(fd, ...) for the uAPI and
 * _test_cmd_X(fd, ...) for an IOMMU_TEST_CMD op, that fills the structure,
 * issues the call and returns its result (0, or -1 with errno). Two wrappers
 * make test bodies read like the uAPI's specification:
 *
 *   test_cmd_X(...)             the call must succeed
 *   test_err_X(ENOENT, ...)     the call must fail with exactly that errno
 *
 * Each op has exactly these two names, for the uAPI ioctls as for the test
 * ops (the kernel's own selftest says test_ioctl_X for a few ioctls and
 * test_cmd_X for the rest; we keep the one pattern).
 *
 * Both expect a `self` with an `fd` member (the /dev/iommu fd) in scope,
 * as kselftest fixtures provide. This file has the uAPI ioctls;
 * iommufd_mock_utils.h (included below) the IOMMU_TEST_CMD ops, mock
 * domains and the domain variants.
 *
 * Version tolerance: the suite builds against the uapi headers of any kernel
 * from 6.2 on, and against headers without <linux/iommufd.h> at all (Debian's
 * 6.1 linux-libc-dev), where every program compiles to one KTAP skip. What the
 * headers offer is probed with the ioctl macros they define
 * (IOMMUFD_UAPI_HAS_X below), never with version numbers; what the running
 * kernel offers is probed at run time (ENOTTY/EOPNOTSUPP -> SKIP).
 */
#ifndef IOMMUFD_HARNESS_UTILS_H
#define IOMMUFD_HARNESS_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#if defined(__has_include)
#if __has_include(<linux/iommufd.h>)
#define IOMMUFD_HAVE_UAPI 1
#endif
#endif

#include "kselftest_harness.h"

#define IOMMUFD_DEV_PATH "/dev/iommu"
#define IOMMUFD_NO_UAPI_REASON "uapi headers without linux/iommufd.h"

/* ---- Helpers that need no uapi header ---- */

/*
 * Whether /dev/iommu is the userspace mock (tools/mock, LD_PRELOADed as
 * libiommufd_mock.so): what lives only in the kernel (io_uring's pins, fault
 * injection in kernel allocations) is invisible to it, and tests of those
 * skip there saying so.
 */
static inline bool iommufd_target_is_userspace_mock(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "libiommufd_mock");
}

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

/*
 * Whether this process has capability `cap` in its effective set (root in a
 * container often lacks some, e.g. CAP_SYS_RESOURCE).
 */
static inline bool iommufd_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective >> (cap % 32) & 1;
}

/* Drops capability `cap` from this process's effective set; 0 or -1. */
static inline int drop_effective_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

/* Anonymous, page-aligned, pre-faulted memory for mapping. */
static inline void *iommufd_test_buffer(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Anonymous memory aligned to `align` (a power of two), so that huge page
 * and IOVA alignment tests control the low bits of the address. Unmap with
 * munmap(p, length).
 */
static inline void *iommufd_test_buffer_aligned(size_t length, size_t align)
{
	size_t extra = length + align;
	char *raw = mmap(NULL, extra, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;

	if (raw == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
	if (start != (uintptr_t)raw)
		munmap(raw, start - (uintptr_t)raw);
	munmap((char *)start + length,
	       (uintptr_t)raw + extra - (start + length));
	memset((void *)start, 0, length);
	return (void *)start;
}

/*
 * Private anonymous memory of 2 MiB hugetlb pages (MAP_HUGETLB, populated):
 * each page is one physically contiguous, naturally aligned 2 MiB block.
 * NULL with errno when none are reserved (ENOMEM): the caller skips, saying
 * so (boot with hugepages=N, or write /proc/sys/vm/nr_hugepages).
 */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)		/* MAP_HUGE_SHIFT 26 */
#endif
static inline void *iommufd_hugetlb_2m(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB |
			       MAP_POPULATE,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Checks an expression that returns 0 or -1/errno; on failure prints errno.
 * The harness's ASSERT_EQ() is two statements (the check, then the handler
 * that logs and stops the test); the braces keep them one, so that a check
 * in an unbraced loop stops at the failing turn and logs that turn's values.
 */
#define test_cmd(_expr)                                                      \
	({                                                                   \
		ASSERT_EQ(0, _expr) TH_LOG("%s: %s", #_expr,                 \
					   strerror(errno));                 \
	})
#define test_err(_errno, _expr)                                              \
	({                                                                   \
		errno = 0;                                                   \
		ASSERT_EQ(-1, _expr);                                        \
		ASSERT_EQ(_errno, errno) TH_LOG("%s: expected %s, got %s",   \
						#_expr, strerror(_errno),    \
						strerror(errno));            \
	})

/*
 * The same for functions that return 0 or a negative errno and leave errno
 * alone (libiommufd, the pci/vfio/edu helpers): the result is the error.
 */
#define test_cmd_neg_errno(_expr)                                            \
	({                                                                   \
		int __r = (_expr);                                           \
		ASSERT_EQ(0, __r) TH_LOG("%s: %s", #_expr, strerror(-__r));  \
	})
#define test_err_neg_errno(_errno, _expr)                                    \
	({                                                                   \
		int __r = (_expr);                                           \
		ASSERT_EQ(-(_errno), __r)                                    \
			TH_LOG("%s: expected %s, got %d (%s)", #_expr,       \
			       strerror(_errno), __r, strerror(-__r));       \
	})

/*
 * Runs a probe call; ENOTTY (ioctl unknown to this kernel) or EOPNOTSUPP
 * (op or flag unknown) skips the test naming the feature. Any other result
 * is handed back to the caller to judge.
 */
#define iommufd_probe_or_skip(_expr, _feature)                               \
	({                                                                   \
		int __ret;                                                   \
		errno = 0;                                                   \
		__ret = (_expr);                                             \
		if (__ret && (errno == ENOTTY || errno == EOPNOTSUPP))       \
			SKIP(return, "%s: %s (not in this kernel)",          \
			     _feature, strerror(errno));                     \
		__ret;                                                       \
	})

#ifndef IOMMUFD_HAVE_UAPI
/*
 * Built against headers older than 6.2: there is nothing to compile the tests
 * against, so each program is a single skip that says why. Programs put their
 * body under #ifdef IOMMUFD_HAVE_UAPI and end with IOMMUFD_TEST_MAIN.
 */
#define IOMMUFD_TEST_MAIN                                                    \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		/* Referenced so the harness's runner is not "unused". */    \
		(void)test_harness_run;                                      \
		ksft_print_header();                                         \
		ksft_exit_skip(IOMMUFD_NO_UAPI_REASON "\n");                 \
	}
#define IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD IOMMUFD_TEST_MAIN
#else /* IOMMUFD_HAVE_UAPI */

#include <linux/iommufd.h>
#include "iommufd_test.h"

/*
 * What the headers define. Each later uAPI addition came with a new ioctl
 * macro, so the macro is the probe for the structures and enums that came
 * with it.
 */
#ifdef IOMMU_HWPT_ALLOC
#define IOMMUFD_UAPI_HAS_HWPT_ALLOC 1		/* 6.6 */
#endif
#ifdef IOMMU_GET_HW_INFO
#define IOMMUFD_UAPI_HAS_HW_INFO 1		/* 6.6 */
#endif
#ifdef IOMMU_HWPT_GET_DIRTY_BITMAP
#define IOMMUFD_UAPI_HAS_DIRTY 1		/* 6.7: also out_capabilities */
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC
#define IOMMUFD_UAPI_HAS_FAULT_QUEUE 1		/* 6.11: also HWPT_ALLOC's fault_id */
#endif

/* The mock domain's IO page size: half a CPU page, see selftest.c. */
#define MOCK_PAGE_SIZE (iommufd_page_size() / 2)

/* ---- IOMMU_IOAS_ALLOC ---- */
static inline int _test_ioctl_ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!ret && id)
		*id = cmd.out_ioas_id;
	return ret;
}
#define test_cmd_ioas_alloc(_idp) test_cmd(_test_ioctl_ioas_alloc(self->fd, _idp))
#define test_err_ioas_alloc(_errno, _idp)                                    \
	test_err(_errno, _test_ioctl_ioas_alloc(self->fd, _idp))

/* ---- IOMMU_DESTROY ---- */
static inline int _test_ioctl_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}
#define test_cmd_destroy(_id) test_cmd(_test_ioctl_destroy(self->fd, _id))
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
#define test_cmd_ioas_map_fixed(_ioas, _buf, _len, _iova)                    \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_cmd(_test_ioctl_ioas_map(self->fd, _ioas, _buf, _len,   \
					      &__iova,                       \
					      IOMMUFD_MAP_RW |               \
					      IOMMU_IOAS_MAP_FIXED_IOVA));   \
	})
#define test_err_ioas_map_fixed(_errno, _ioas, _buf, _len, _iova)            \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_err(_errno, _test_ioctl_ioas_map(                       \
				self->fd, _ioas, _buf, _len, &__iova,        \
				IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})
/* Map where the kernel chooses; the chosen IOVA lands in *_iovap. */
#define test_cmd_ioas_map(_ioas, _buf, _len, _iovap)                         \
	test_cmd(_test_ioctl_ioas_map(self->fd, _ioas, _buf, _len, _iovap,   \
				      IOMMUFD_MAP_RW))
#define test_err_ioas_map(_errno, _ioas, _buf, _len, _iovap)                 \
	test_err(_errno, _test_ioctl_ioas_map(self->fd, _ioas, _buf, _len,   \
					      _iovap, IOMMUFD_MAP_RW))
/* Any flags, as given. */
#define test_cmd_ioas_map_flags(_ioas, _buf, _len, _iovap, _flags)           \
	test_cmd(_test_ioctl_ioas_map(self->fd, _ioas, _buf, _len, _iovap,   \
				      _flags))
#define test_err_ioas_map_flags(_errno, _ioas, _buf, _len, _iovap, _flags)   \
	test_err(_errno, _test_ioctl_ioas_map(self->fd, _ioas, _buf, _len,   \
					      _iovap, _flags))

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
#define test_cmd_ioas_unmap(_ioas, _iova, _len)                              \
	test_cmd(_test_ioctl_ioas_unmap(self->fd, _ioas, _iova, _len, NULL))
#define test_err_ioas_unmap(_errno, _ioas, _iova, _len)                      \
	test_err(_errno,                                                     \
		 _test_ioctl_ioas_unmap(self->fd, _ioas, _iova, _len, NULL))
/* Unmap and check how many bytes the kernel says it removed. */
#define test_cmd_ioas_unmap_len(_ioas, _iova, _len, _expect)                 \
	({                                                                   \
		__u64 __done = 0;                                            \
		test_cmd(_test_ioctl_ioas_unmap(self->fd, _ioas, _iova,      \
						_len, &__done));             \
		ASSERT_EQ((__u64)(_expect), __done);                         \
	})

/* ---- IOMMU_IOAS_IOVA_RANGES ---- */
/*
 * On entry *num is the capacity of ranges[]; on return (also on EMSGSIZE)
 * it is the number of ranges the IOAS has.
 */
static inline int _test_ioctl_ioas_iova_ranges(int fd, __u32 ioas_id,
					       struct iommu_iova_range *ranges,
					       __u32 *num, __u64 *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);

	if (!ret || errno == EMSGSIZE) {
		*num = cmd.num_iovas;
		if (alignment)
			*alignment = cmd.out_iova_alignment;
	}
	return ret;
}
#define test_cmd_ioas_iova_ranges(_ioas, _ranges, _nump, _alignp)            \
	test_cmd(_test_ioctl_ioas_iova_ranges(self->fd, _ioas, _ranges,      \
					      _nump, _alignp))
#define test_err_ioas_iova_ranges(_errno, _ioas, _ranges, _nump, _alignp)    \
	test_err(_errno, _test_ioctl_ioas_iova_ranges(self->fd, _ioas,       \
						      _ranges, _nump,        \
						      _alignp))

/* ---- IOMMU_IOAS_ALLOW_IOVAS ---- */
static inline int _test_ioctl_ioas_allow_iovas(int fd, __u32 ioas_id,
					       struct iommu_iova_range *ranges,
					       __u32 num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}
#define test_cmd_ioas_allow_iovas(_ioas, _ranges, _num)                      \
	test_cmd(_test_ioctl_ioas_allow_iovas(self->fd, _ioas, _ranges, _num))
#define test_err_ioas_allow_iovas(_errno, _ioas, _ranges, _num)              \
	test_err(_errno, _test_ioctl_ioas_allow_iovas(self->fd, _ioas,       \
						      _ranges, _num))

/* ---- IOMMU_IOAS_COPY ---- */
static inline int _test_ioctl_ioas_copy(int fd, __u32 flags, __u32 dst_ioas,
					__u64 *dst_iova, __u32 src_ioas,
					__u64 src_iova, __u64 length)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = length,
		.src_iova = src_iova,
	};
	int ret;

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.dst_iova = *dst_iova;
	ret = ioctl(fd, IOMMU_IOAS_COPY, &cmd);
	if (!ret && dst_iova)
		*dst_iova = cmd.dst_iova;
	return ret;
}
#define test_cmd_ioas_copy(_flags, _dst, _dst_iovap, _src, _src_iova, _len)  \
	test_cmd(_test_ioctl_ioas_copy(self->fd, _flags, _dst, _dst_iovap,   \
				       _src, _src_iova, _len))
#define test_err_ioas_copy(_errno, _flags, _dst, _dst_iovap, _src, _src_iova, \
			   _len)                                             \
	test_err(_errno, _test_ioctl_ioas_copy(self->fd, _flags, _dst,       \
					       _dst_iovap, _src, _src_iova,  \
					       _len))

/* ---- IOMMU_OPTION ---- */
static inline int _test_ioctl_option(int fd, __u32 option_id, __u16 op,
				     __u32 object_id, __u64 *val64)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = val64 ? *val64 : 0,
	};
	int ret = ioctl(fd, IOMMU_OPTION, &cmd);

	if (!ret && val64)
		*val64 = cmd.val64;
	return ret;
}
#define test_cmd_option_get(_opt, _obj, _valp)                               \
	test_cmd(_test_ioctl_option(self->fd, _opt, IOMMU_OPTION_OP_GET,     \
				    _obj, _valp))
#define test_cmd_option_set(_opt, _obj, _val)                                \
	({                                                                   \
		__u64 __v = (_val);                                          \
		test_cmd(_test_ioctl_option(self->fd, _opt,                  \
					    IOMMU_OPTION_OP_SET, _obj, &__v)); \
	})
#define test_err_option(_errno, _opt, _op, _obj, _val)                       \
	({                                                                   \
		__u64 __v = (_val);                                          \
		test_err(_errno, _test_ioctl_option(self->fd, _opt, _op,     \
						    _obj, &__v));            \
	})

/* ---- IOMMU_VFIO_IOAS ---- */
static inline int _test_ioctl_vfio_ioas(int fd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = op,
		.ioas_id = ioas_id ? *ioas_id : 0,
	};
	int ret = ioctl(fd, IOMMU_VFIO_IOAS, &cmd);

	if (!ret && ioas_id)
		*ioas_id = cmd.ioas_id;
	return ret;
}
#define test_cmd_vfio_ioas(_op, _idp)                                        \
	test_cmd(_test_ioctl_vfio_ioas(self->fd, _op, _idp))
#define test_err_vfio_ioas(_errno, _op, _idp)                                \
	test_err(_errno, _test_ioctl_vfio_ioas(self->fd, _op, _idp))

#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
/* ---- IOMMU_HWPT_ALLOC (paging domains only: the 6.6 fields) ---- */
static inline int _test_ioctl_hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id,
					 __u32 flags, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return ret;
}
#define test_cmd_hwpt_alloc(_dev, _pt, _flags, _hwptp)                       \
	test_cmd(_test_ioctl_hwpt_alloc(self->fd, _dev, _pt, _flags, _hwptp))
#define test_err_hwpt_alloc(_errno, _dev, _pt, _flags, _hwptp)               \
	test_err(_errno, _test_ioctl_hwpt_alloc(self->fd, _dev, _pt, _flags, \
						_hwptp))
#endif

#ifdef IOMMU_HWPT_INVALIDATE
#define IOMMUFD_UAPI_HAS_NESTED 1		/* 6.8: data_type + INVALIDATE */
/* ---- IOMMU_HWPT_ALLOC with driver data (nested), IOMMU_HWPT_INVALIDATE ---- */
static inline int _test_ioctl_hwpt_alloc_data(int fd, __u32 dev_id,
					      __u32 pt_id, __u32 flags,
					      __u32 data_type, void *data,
					      __u32 data_len, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return ret;
}
#define test_cmd_hwpt_alloc_nested(_dev, _parent, _iotlb, _hwptp)            \
	({                                                                   \
		struct iommu_hwpt_selftest __data = { .iotlb = (_iotlb) };   \
		test_cmd(_test_ioctl_hwpt_alloc_data(                        \
				self->fd, _dev, _parent, 0,                  \
				IOMMU_HWPT_DATA_SELFTEST, &__data,           \
				sizeof(__data), _hwptp));                    \
	})

/* *entry_num: in, how many; out, how many the kernel handled. */
static inline int _test_ioctl_hwpt_invalidate(int fd, __u32 hwpt_id,
					      void *reqs, __u32 data_type,
					      __u32 entry_len, __u32 *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.data_uptr = (uintptr_t)reqs,
		.data_type = data_type,
		.entry_len = entry_len,
		.entry_num = *entry_num,
	};
	int ret = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);

	*entry_num = cmd.entry_num;
	return ret;
}
#define test_cmd_hwpt_invalidate(_hwpt, _reqs, _type, _len, _nump)           \
	test_cmd(_test_ioctl_hwpt_invalidate(self->fd, _hwpt, _reqs, _type,  \
					     _len, _nump))
#define test_err_hwpt_invalidate(_errno, _hwpt, _reqs, _type, _len, _nump)   \
	test_err(_errno, _test_ioctl_hwpt_invalidate(self->fd, _hwpt, _reqs, \
						     _type, _len, _nump))
#endif

#ifdef IOMMUFD_UAPI_HAS_FAULT_QUEUE
/* ---- IOMMU_FAULT_QUEUE_ALLOC, and HWPT_ALLOC with a fault queue ---- */
static inline int _test_ioctl_fault_alloc(int fd, __u32 *fault_id,
					  int *fault_fd)
{
	struct iommu_fault_alloc cmd = { .size = sizeof(cmd) };
	int ret = ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &cmd);

	if (!ret) {
		*fault_id = cmd.out_fault_id;
		*fault_fd = (int)cmd.out_fault_fd;
	}
	return ret;
}
#define test_cmd_fault_alloc(_idp, _fdp)                                     \
	test_cmd(_test_ioctl_fault_alloc(self->fd, _idp, _fdp))

/*
 * A HWPT whose faults go to the queue fault_id (IOMMU_HWPT_FAULT_ID_VALID is
 * added to flags): nested on a parent with selftest data (6.11), or paging
 * on an IOAS without data (data NULL, 6.13).
 */
static inline int _test_ioctl_hwpt_alloc_iopf(int fd, __u32 dev_id,
					      __u32 pt_id, __u32 flags,
					      __u32 fault_id, void *data,
					      __u32 data_len, __u32 *hwpt_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags | IOMMU_HWPT_FAULT_ID_VALID,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data ? IOMMU_HWPT_DATA_SELFTEST :
				    IOMMU_HWPT_DATA_NONE,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
		.fault_id = fault_id,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!ret && hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return ret;
}
#define test_cmd_hwpt_alloc_iopf(_dev, _pt, _flags, _fault, _data, _len,     \
				 _hwptp)                                     \
	test_cmd(_test_ioctl_hwpt_alloc_iopf(self->fd, _dev, _pt, _flags,    \
					     _fault, _data, _len, _hwptp))
#endif

#ifdef IOMMUFD_UAPI_HAS_HW_INFO
/* ---- IOMMU_GET_HW_INFO ---- */
static inline int _test_ioctl_get_hw_info(int fd, __u32 dev_id, void *data,
					  __u32 *data_len, __u32 *out_type,
					  __u64 *out_caps)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = data_len ? *data_len : 0,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (ret)
		return ret;
	if (data_len)
		*data_len = cmd.data_len;
	if (out_type)
		*out_type = cmd.out_data_type;
	if (out_caps) {
#ifdef IOMMUFD_UAPI_HAS_DIRTY
		*out_caps = cmd.out_capabilities;
#else
		*out_caps = 0;
#endif
	}
	return 0;
}
#define test_cmd_get_hw_info(_dev, _data, _lenp, _typep, _capsp)             \
	test_cmd(_test_ioctl_get_hw_info(self->fd, _dev, _data, _lenp,       \
					 _typep, _capsp))
#define test_err_get_hw_info(_errno, _dev, _data, _lenp)                     \
	test_err(_errno, _test_ioctl_get_hw_info(self->fd, _dev, _data,      \
						 _lenp, NULL, NULL))
#endif

#ifdef IOMMUFD_UAPI_HAS_DIRTY
/* ---- IOMMU_HWPT_SET_DIRTY_TRACKING / IOMMU_HWPT_GET_DIRTY_BITMAP ---- */
static inline int _test_ioctl_set_dirty_tracking(int fd, __u32 hwpt_id,
						 bool enable)
{
	struct iommu_hwpt_set_dirty_tracking cmd = {
		.size = sizeof(cmd),
		.flags = enable ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
		.hwpt_id = hwpt_id,
	};

	return ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd);
}
#define test_cmd_set_dirty_tracking(_hwpt, _enable)                          \
	test_cmd(_test_ioctl_set_dirty_tracking(self->fd, _hwpt, _enable))
#define test_err_set_dirty_tracking(_errno, _hwpt, _enable)                  \
	test_err(_errno, _test_ioctl_set_dirty_tracking(self->fd, _hwpt,     \
							_enable))

static inline int _test_ioctl_get_dirty_bitmap(int fd, __u32 hwpt_id,
					       __u64 iova, __u64 length,
					       __u64 page_size, void *bitmap,
					       __u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = hwpt_id,
		.flags = flags,
		.iova = iova,
		.length = length,
		.page_size = page_size,
		.data = (uintptr_t)bitmap,
	};

	return ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd);
}
#define test_cmd_get_dirty_bitmap(_hwpt, _iova, _len, _pgsz, _bm, _flags)    \
	test_cmd(_test_ioctl_get_dirty_bitmap(self->fd, _hwpt, _iova, _len,  \
					      _pgsz, _bm, _flags))
#define test_err_get_dirty_bitmap(_errno, _hwpt, _iova, _len, _pgsz, _bm,    \
				  _flags)                                    \
	test_err(_errno, _test_ioctl_get_dirty_bitmap(self->fd, _hwpt, _iova, \
						      _len, _pgsz, _bm,      \
						      _flags))
#endif

/* The IOMMU_TEST_CMD half: test ops, mock domains, domain variants. */
#include "iommufd_mock_utils.h"

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

/*
 * The same, for programs that need IOMMU_TEST_CMD in every case: one skip
 * with the reason where the kernel lacks CONFIG_IOMMUFD_TEST.
 */
#define IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD                                     \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		int fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);         \
									     \
		if (fd < 0 && (errno == ENOENT || errno == ENXIO ||          \
			       errno == ENODEV))                             \
			ksft_exit_skip("%s: %s (kernel without "             \
				       "CONFIG_IOMMUFD?)\n",                 \
				       IOMMUFD_DEV_PATH, strerror(errno));   \
		if (fd >= 0) {                                               \
			bool __has = iommufd_has_test_cmd(fd);               \
			close(fd);                                           \
			if (!__has)                                          \
				ksft_exit_skip(IOMMUFD_NO_TEST_CMD_REASON "\n"); \
		}                                                            \
		return test_harness_run(argc, argv);                         \
	}

#endif /* IOMMUFD_HAVE_UAPI */
#endif /* IOMMUFD_HARNESS_UTILS_H */
