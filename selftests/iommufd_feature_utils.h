/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's vocabulary for the uAPI that came after 6.12:
 * IOMMU_IOAS_MAP_FILE, IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC,
 * IOMMU_IOAS_CHANGE_PROCESS, IOMMU_VEVENTQ_ALLOC, IOMMU_HW_QUEUE_ALLOC,
 * IOMMU_IOAS_NOIOMMU_GET_PA, and the IOMMU_TEST_CMD ops that test them.
 * Same pattern as iommufd_utils.h: a raw _test_ioctl_X()/_test_cmd_X()
 * returning the call's result, test_cmd_X() and test_err_X(ERRNO, ...)
 * around it.
 *
 * Build time: every group below is compiled only where the headers define
 * it, probed by a macro that came with it (IOMMUFD_UAPI_HAS_X for the uapi
 * header, IOMMUFD_TEST_HAS_X for the kernel tree's iommufd_test.h, which
 * comes from KSRC and may be older or newer than the uapi headers). A test
 * program puts each case under the probe and builds a skip naming the
 * missing header feature otherwise.
 *
 * Run time: iommufd_ioctl_or_skip() and iommufd_test_op_or_skip() ask the
 * running kernel and skip with the name of what is missing.
 */
#ifndef IOMMUFD_HARNESS_FEATURE_UTILS_H
#define IOMMUFD_HARNESS_FEATURE_UTILS_H

#include <dirent.h>
#include <poll.h>

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

/* ---- What the uapi headers define (the release that added it) ---- */
#ifdef IOMMU_IOAS_MAP_FILE
#define IOMMUFD_UAPI_HAS_MAP_FILE 1		/* 6.13 */
#endif
#ifdef IOMMU_VIOMMU_ALLOC
#define IOMMUFD_UAPI_HAS_VIOMMU 1		/* 6.13: also VDEVICE_ALLOC */
#endif
#ifdef IOMMU_IOAS_CHANGE_PROCESS
#define IOMMUFD_UAPI_HAS_CHANGE_PROCESS 1	/* 6.14 */
#endif
#ifdef IOMMU_VEVENTQ_ALLOC
#define IOMMUFD_UAPI_HAS_VEVENTQ 1		/* 6.15 */
#endif
/*
 * HW queues came with 6.17; so did GET_HW_INFO's in_data_type flag, while
 * out_max_pasid_log2 and IOMMU_HWPT_ALLOC_PASID are a little older. Those are
 * enum values and struct fields, which the preprocessor cannot see, so they
 * are used where this newer macro proves they are there.
 */
#ifdef IOMMU_HW_QUEUE_ALLOC
#define IOMMUFD_UAPI_HAS_HW_QUEUE 1
#define IOMMUFD_UAPI_HAS_PASID 1
#endif
#ifdef IOMMU_IOAS_NOIOMMU_GET_PA
#define IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA 1	/* 7.x */
#endif

/* ---- What the kernel tree's iommufd_test.h defines ---- */
#ifdef IOMMU_VIOMMU_TYPE_SELFTEST
#define IOMMUFD_TEST_HAS_VIOMMU 1
#endif
#ifdef IOMMU_TEST_DEV_CACHE_DEFAULT
#define IOMMUFD_TEST_HAS_DEV_CACHE 1		/* DEV_CHECK_CACHE */
#endif
#ifdef IOMMU_VEVENTQ_TYPE_SELFTEST
#define IOMMUFD_TEST_HAS_VEVENT 1		/* TRIGGER_VEVENT */
#endif
#ifdef MOCK_PASID_WIDTH
#define IOMMUFD_TEST_HAS_PASID 1		/* PASID_ATTACH..CHECK_HWPT */
#endif
#ifdef IOMMU_HW_QUEUE_TYPE_SELFTEST
#define IOMMUFD_TEST_HAS_HW_QUEUE 1
#endif
/*
 * DMABUF_GET/REVOKE have no macro of their own in iommufd_test.h (two enum
 * values and two union members). 6.17's test header already had HW queues
 * but not them; they are used where the test header has HW queues and the
 * uapi headers have the newest ioctl of 7.x, NOIOMMU_GET_PA.
 */
#if defined(IOMMUFD_TEST_HAS_HW_QUEUE) && \
	defined(IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA)
#define IOMMUFD_TEST_HAS_DMABUF 1
#endif

/* ---- Run-time probes ---- */

/*
 * Whether the running kernel knows ioctl `nr`: a command of size 0 is
 * refused by a known ioctl (EINVAL: shorter than its first struct) before it
 * does anything; an unknown one is ENOTTY.
 */
static inline bool iommufd_has_ioctl(int fd, unsigned long nr)
{
	__u32 cmd[16] = { 0 };

	return ioctl(fd, nr, cmd) == 0 || errno != ENOTTY;
}

#define iommufd_ioctl_or_skip(_fd, _nr)                                      \
	do {                                                                 \
		if (!iommufd_has_ioctl(_fd, _nr))                            \
			SKIP(return, "%s: ENOTTY (not in this kernel)", #_nr); \
	} while (0)

/*
 * Whether IOMMU_TEST_CMD knows op: an unknown op is EOPNOTSUPP; every op
 * probed here fails otherwise with zero arguments (id 0 names no object,
 * length 0 is EINVAL, fd -1 is EBADF) and so creates nothing. The probe
 * never uses EOPNOTSUPP of a known op (TRIGGER_VEVENT without a vEVENTQ says
 * EOPNOTSUPP too, but only after finding its device).
 */
static inline bool iommufd_has_test_op(int fd, __u32 op)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd), .op = op };

	/* DMABUF_REVOKE reads an fd where other ops read ids. */
	memset(&cmd.add_reserved, 0xff, sizeof(__u32));
	if (ioctl(fd, IOMMU_TEST_CMD, &cmd) == 0)
		return true;
	return errno != EOPNOTSUPP && errno != ENOTTY;
}

#define iommufd_test_op_or_skip(_fd, _op)                                    \
	do {                                                                 \
		iommufd_test_cmd_or_skip(_fd);                               \
		if (!iommufd_has_test_op(_fd, _op))                          \
			SKIP(return, "%s: EOPNOTSUPP (test op not in this "  \
			     "kernel)", #_op);                               \
	} while (0)

/* ---- memfd helpers ---- */

/*
 * A memfd of `length` bytes (hugetlb-backed with MFD_HUGETLB), optionally
 * sealable; -1 with errno on failure.
 */
static inline int iommufd_memfd(size_t length, unsigned int flags)
{
	int mfd = syscall(SYS_memfd_create, "iommufd-harness",
			  flags | MFD_CLOEXEC);

	if (mfd < 0)
		return -1;
	if (ftruncate(mfd, length)) {
		int err = errno;

		close(mfd);
		errno = err;
		return -1;
	}
	return mfd;
}

#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
/* ---- IOMMU_IOAS_MAP_FILE ---- */
static inline int _test_ioctl_ioas_map_file(int fd, __u32 ioas_id, int mfd,
					    __u64 start, __u64 length,
					    __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = mfd,
		.start = start,
		.length = length,
	};
	int ret;

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = *iova;
	ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}
/* At a fixed IOVA, readable and writeable. */
#define test_cmd_ioas_map_file_fixed(_ioas, _mfd, _start, _len, _iova)       \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_cmd(_test_ioctl_ioas_map_file(                          \
				self->fd, _ioas, _mfd, _start, _len, &__iova, \
				IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})
#define test_err_ioas_map_file_fixed(_errno, _ioas, _mfd, _start, _len, _iova) \
	({                                                                   \
		__u64 __iova = (_iova);                                      \
		test_err(_errno, _test_ioctl_ioas_map_file(                  \
				self->fd, _ioas, _mfd, _start, _len, &__iova, \
				IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA)); \
	})
/* Any flags; a kernel-chosen IOVA lands in *_iovap. */
#define test_cmd_ioas_map_file(_ioas, _mfd, _start, _len, _iovap, _flags)    \
	test_cmd(_test_ioctl_ioas_map_file(self->fd, _ioas, _mfd, _start,    \
					   _len, _iovap, _flags))
#define test_err_ioas_map_file(_errno, _ioas, _mfd, _start, _len, _iovap,    \
			       _flags)                                       \
	test_err(_errno, _test_ioctl_ioas_map_file(self->fd, _ioas, _mfd,    \
						   _start, _len, _iovap,     \
						   _flags))
#endif /* IOMMUFD_UAPI_HAS_MAP_FILE */

#ifdef IOMMUFD_UAPI_HAS_VIOMMU
/* ---- IOMMU_VIOMMU_ALLOC ---- */
static inline int _test_ioctl_viommu_alloc(int fd, __u32 dev_id, __u32 hwpt_id,
					   __u32 type, __u32 flags, void *data,
					   __u32 data_len, __u32 *viommu_id)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.type = type,
		.dev_id = dev_id,
		.hwpt_id = hwpt_id,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};
	int ret = ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd);

	if (!ret && viommu_id)
		*viommu_id = cmd.out_viommu_id;
	return ret;
}
#define test_cmd_viommu_alloc(_dev, _hwpt, _type, _idp)                      \
	test_cmd(_test_ioctl_viommu_alloc(self->fd, _dev, _hwpt, _type, 0,   \
					  NULL, 0, _idp))
#define test_err_viommu_alloc(_errno, _dev, _hwpt, _type)                    \
	test_err(_errno, _test_ioctl_viommu_alloc(self->fd, _dev, _hwpt,     \
						  _type, 0, NULL, 0, NULL))

/* ---- IOMMU_VDEVICE_ALLOC ---- */
static inline int _test_ioctl_vdevice_alloc(int fd, __u32 viommu_id,
					    __u32 dev_id, __u64 virt_id,
					    __u32 *vdev_id)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.dev_id = dev_id,
		.virt_id = virt_id,
	};
	int ret = ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd);

	if (!ret && vdev_id)
		*vdev_id = cmd.out_vdevice_id;
	return ret;
}
#define test_cmd_vdevice_alloc(_viommu, _dev, _virt, _idp)                   \
	test_cmd(_test_ioctl_vdevice_alloc(self->fd, _viommu, _dev, _virt,   \
					   _idp))
#define test_err_vdevice_alloc(_errno, _viommu, _dev, _virt)                 \
	test_err(_errno, _test_ioctl_vdevice_alloc(self->fd, _viommu, _dev,  \
						   _virt, NULL))
#endif /* IOMMUFD_UAPI_HAS_VIOMMU */

#ifdef IOMMUFD_UAPI_HAS_CHANGE_PROCESS
/* ---- IOMMU_IOAS_CHANGE_PROCESS ---- */
static inline int _test_ioctl_ioas_change_process(int fd)
{
	struct iommu_ioas_change_process cmd = { .size = sizeof(cmd) };

	return ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
}
#define test_cmd_ioas_change_process()                                       \
	test_cmd(_test_ioctl_ioas_change_process(self->fd))
#define test_err_ioas_change_process(_errno)                                 \
	test_err(_errno, _test_ioctl_ioas_change_process(self->fd))
#endif

#ifdef IOMMUFD_UAPI_HAS_VEVENTQ
/* ---- IOMMU_VEVENTQ_ALLOC ---- */
static inline int _test_ioctl_veventq_alloc(int fd, __u32 viommu_id,
					    __u32 type, __u32 depth,
					    __u32 *veventq_id, int *veventq_fd)
{
	struct iommu_veventq_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.type = type,
		.veventq_depth = depth,
	};
	int ret = ioctl(fd, IOMMU_VEVENTQ_ALLOC, &cmd);

	if (ret)
		return ret;
	if (veventq_id)
		*veventq_id = cmd.out_veventq_id;
	if (veventq_fd)
		*veventq_fd = cmd.out_veventq_fd;
	else
		close(cmd.out_veventq_fd);
	return 0;
}
#define test_cmd_veventq_alloc(_viommu, _type, _depth, _idp, _fdp)           \
	test_cmd(_test_ioctl_veventq_alloc(self->fd, _viommu, _type, _depth, \
					   _idp, _fdp))
#define test_err_veventq_alloc(_errno, _viommu, _type, _depth)               \
	test_err(_errno, _test_ioctl_veventq_alloc(self->fd, _viommu, _type, \
						   _depth, NULL, NULL))
#endif

#ifdef IOMMUFD_UAPI_HAS_HW_QUEUE
/* ---- IOMMU_HW_QUEUE_ALLOC ---- */
static inline int _test_ioctl_hw_queue_alloc(int fd, __u32 viommu_id,
					     __u32 type, __u32 index,
					     __u64 base_iova, __u64 length,
					     __u32 *hw_queue_id)
{
	struct iommu_hw_queue_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.type = type,
		.index = index,
		.nesting_parent_iova = base_iova,
		.length = length,
	};
	int ret = ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &cmd);

	if (!ret && hw_queue_id)
		*hw_queue_id = cmd.out_hw_queue_id;
	return ret;
}
#define test_cmd_hw_queue_alloc(_viommu, _type, _idx, _iova, _len, _idp)     \
	test_cmd(_test_ioctl_hw_queue_alloc(self->fd, _viommu, _type, _idx,  \
					    _iova, _len, _idp))
#define test_err_hw_queue_alloc(_errno, _viommu, _type, _idx, _iova, _len)   \
	test_err(_errno, _test_ioctl_hw_queue_alloc(self->fd, _viommu, _type, \
						    _idx, _iova, _len, NULL))

/* ---- IOMMU_GET_HW_INFO with the 6.15+/6.17+ fields ---- */
static inline int _test_ioctl_get_hw_info_ext(int fd, __u32 dev_id,
					      __u32 flags, __u32 in_type,
					      void *data, __u32 *data_len,
					      __u32 *out_type,
					      __u8 *max_pasid_log2)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.data_len = data_len ? *data_len : 0,
		.data_uptr = (uintptr_t)data,
		.in_data_type = in_type,
	};
	int ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (ret)
		return ret;
	if (data_len)
		*data_len = cmd.data_len;
	if (out_type)
		*out_type = cmd.out_data_type;
	if (max_pasid_log2)
		*max_pasid_log2 = cmd.out_max_pasid_log2;
	return 0;
}
#define test_cmd_get_hw_info_ext(_dev, _flags, _in, _data, _lenp, _outp,     \
				 _pasidp)                                    \
	test_cmd(_test_ioctl_get_hw_info_ext(self->fd, _dev, _flags, _in,    \
					     _data, _lenp, _outp, _pasidp))
#define test_err_get_hw_info_ext(_errno, _dev, _flags, _in)                  \
	test_err(_errno, _test_ioctl_get_hw_info_ext(self->fd, _dev, _flags, \
						     _in, NULL, NULL, NULL,  \
						     NULL))
#endif /* IOMMUFD_UAPI_HAS_HW_QUEUE */

#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
/* ---- IOMMU_IOAS_NOIOMMU_GET_PA ---- */
static inline int _test_ioctl_noiommu_get_pa(int fd, __u32 ioas_id,
					     __u32 flags, __u64 iova,
					     __u64 *length, __u64 *phys)
{
	struct iommu_ioas_noiommu_get_pa cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length ? *length : 0,
	};
	int ret = ioctl(fd, IOMMU_IOAS_NOIOMMU_GET_PA, &cmd);

	if (ret)
		return ret;
	if (length)
		*length = cmd.length;
	if (phys)
		*phys = cmd.out_phys;
	return 0;
}
#define test_cmd_noiommu_get_pa(_ioas, _iova, _lenp, _physp)                 \
	test_cmd(_test_ioctl_noiommu_get_pa(self->fd, _ioas, 0, _iova, _lenp, \
					    _physp))
#define test_err_noiommu_get_pa(_errno, _ioas, _flags, _iova, _len)          \
	({                                                                   \
		__u64 __len = (_len);                                        \
		test_err(_errno, _test_ioctl_noiommu_get_pa(                 \
				self->fd, _ioas, _flags, _iova, &__len,      \
				NULL));                                      \
	})
#endif

/* ---- IOMMU_TEST_CMD ops of 6.13+ ---- */

#ifdef IOMMUFD_TEST_HAS_DEV_CACHE
/* Whether cache entry cache_id of the mock device idev_id holds `value`. */
static inline int _test_cmd_dev_check_cache(int fd, __u32 idev_id,
					    __u32 cache_id, __u32 value)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DEV_CHECK_CACHE,
		.id = idev_id,
		.check_dev_cache = { .id = cache_id, .cache = value },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_dev_check_cache(_idev, _id, _val)                           \
	test_cmd(_test_cmd_dev_check_cache(self->fd, _idev, _id, _val))
#define test_err_dev_check_cache(_errno, _idev, _id, _val)                   \
	test_err(_errno, _test_cmd_dev_check_cache(self->fd, _idev, _id, _val))
#endif

#ifdef IOMMUFD_TEST_HAS_VEVENT
/* The mock device idev_id reports one event to its vIOMMU. */
static inline int _test_cmd_trigger_vevent(int fd, __u32 idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_VEVENT,
		.trigger_vevent = { .dev_id = idev_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_trigger_vevent(_idev)                                       \
	test_cmd(_test_cmd_trigger_vevent(self->fd, _idev))
#define test_err_trigger_vevent(_errno, _idev)                               \
	test_err(_errno, _test_cmd_trigger_vevent(self->fd, _idev))
#endif

#ifdef IOMMUFD_TEST_HAS_PASID
/* PASID_ATTACH / PASID_REPLACE: pasid of mock device stdev_id to pt_id. */
static inline int _test_cmd_pasid_attach(int fd, __u32 op, __u32 stdev_id,
					 __u32 pasid, __u32 pt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = op,
		.id = stdev_id,
		.pasid_attach = { .pasid = pasid, .pt_id = pt_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_pasid_attach(_stdev, _pasid, _pt)                           \
	test_cmd(_test_cmd_pasid_attach(self->fd, IOMMU_TEST_OP_PASID_ATTACH, \
					_stdev, _pasid, _pt))
#define test_err_pasid_attach(_errno, _stdev, _pasid, _pt)                   \
	test_err(_errno, _test_cmd_pasid_attach(self->fd,                    \
						IOMMU_TEST_OP_PASID_ATTACH,  \
						_stdev, _pasid, _pt))
#define test_cmd_pasid_replace(_stdev, _pasid, _pt)                          \
	test_cmd(_test_cmd_pasid_attach(self->fd, IOMMU_TEST_OP_PASID_REPLACE, \
					_stdev, _pasid, _pt))
#define test_err_pasid_replace(_errno, _stdev, _pasid, _pt)                  \
	test_err(_errno, _test_cmd_pasid_attach(self->fd,                    \
						IOMMU_TEST_OP_PASID_REPLACE, \
						_stdev, _pasid, _pt))

static inline int _test_cmd_pasid_detach(int fd, __u32 stdev_id, __u32 pasid)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_DETACH,
		.id = stdev_id,
		.pasid_detach = { .pasid = pasid },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_pasid_detach(_stdev, _pasid)                                \
	test_cmd(_test_cmd_pasid_detach(self->fd, _stdev, _pasid))
#define test_err_pasid_detach(_errno, _stdev, _pasid)                        \
	test_err(_errno, _test_cmd_pasid_detach(self->fd, _stdev, _pasid))

/* Whether pasid of stdev_id is attached to hwpt_id (0: to nothing). */
static inline int _test_cmd_pasid_check_hwpt(int fd, __u32 stdev_id,
					     __u32 pasid, __u32 hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_CHECK_HWPT,
		.id = stdev_id,
		.pasid_check = { .pasid = pasid, .hwpt_id = hwpt_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_pasid_check_hwpt(_stdev, _pasid, _hwpt)                     \
	test_cmd(_test_cmd_pasid_check_hwpt(self->fd, _stdev, _pasid, _hwpt))
#define test_err_pasid_check_hwpt(_errno, _stdev, _pasid, _hwpt)             \
	test_err(_errno, _test_cmd_pasid_check_hwpt(self->fd, _stdev, _pasid, \
						    _hwpt))
#endif /* IOMMUFD_TEST_HAS_PASID */

#ifdef IOMMUFD_TEST_HAS_DMABUF
/* The lowest descriptor number not in use (what the next open gets). */
static inline int iommufd_lowest_free_fd(void)
{
	int fd = fcntl(0, F_DUPFD, 0);

	if (fd < 0)
		return 0;	/* 0 itself is free (fcntl(0) failed: EBADF) */
	close(fd);
	return fd;
}

/* Whether fd names a dma-buf (its /proc/self/fd link says so). */
static inline bool iommufd_fd_is_dmabuf(int fd)
{
	char link[64] = "", path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return readlink(path, link, sizeof(link) - 1) > 0 && strstr(link, "dmabuf");
}

/*
 * A dma-buf of `length` bytes exported by the mock; the ioctl answers with
 * its new fd, which goes to *dmabuf_fd. (Linux 7.3 answers 0: a kernel bug,
 * config/kernel-bugs/dmabuf-get-fd; the cases that use the answer fail there
 * as the register expects.)
 */
static inline int _test_cmd_dmabuf_get(int fd, __u32 length, int *dmabuf_fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .length = length, .open_flags = O_CLOEXEC },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (ret < 0)
		return ret;
	*dmabuf_fd = ret;
	return 0;
}
#define test_cmd_dmabuf_get(_len, _fdp)                                      \
	test_cmd(_test_cmd_dmabuf_get(self->fd, _len, _fdp))
#define test_err_dmabuf_get(_errno, _len)                                    \
	({                                                                   \
		int __dfd;                                                   \
		test_err(_errno,                                             \
			 _test_cmd_dmabuf_get(self->fd, _len, &__dfd));      \
	})

/* Revokes (or restores) the mock's dma-buf: its importers lose the memory. */
static inline int _test_cmd_dmabuf_revoke(int fd, int dmabuf_fd, bool revoked)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_REVOKE,
		.dmabuf_revoke = { .dmabuf_fd = dmabuf_fd, .revoked = revoked },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_dmabuf_revoke(_dfd, _revoked)                               \
	test_cmd(_test_cmd_dmabuf_revoke(self->fd, _dfd, _revoked))
#define test_err_dmabuf_revoke(_errno, _dfd, _revoked)                       \
	test_err(_errno, _test_cmd_dmabuf_revoke(self->fd, _dfd, _revoked))
#endif /* IOMMUFD_TEST_HAS_DMABUF */

#endif /* IOMMUFD_HAVE_UAPI */
#endif /* IOMMUFD_HARNESS_FEATURE_UTILS_H */
