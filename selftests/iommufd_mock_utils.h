/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's vocabulary for IOMMU_TEST_CMD, the in-kernel (or userspace)
 * mock IOMMU: the test ops as _test_cmd_X() / test_cmd_X() / test_err_X(),
 * whether mock domains can exist here (and the skip that says why not),
 * the domain variants most fixtures share, and the checks that ask every
 * attached domain (or the IOAS itself) what it translates. Included by
 * iommufd_utils.h; the uAPI half of the vocabulary lives there.
 */
#ifndef IOMMUFD_HARNESS_MOCK_UTILS_H
#define IOMMUFD_HARNESS_MOCK_UTILS_H

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

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

#define IOMMUFD_NO_TEST_CMD_REASON                                           \
	"IOMMU_TEST_CMD: ENOTTY (kernel without CONFIG_IOMMUFD_TEST)"

#define iommufd_test_cmd_or_skip(_fd)                                        \
	do {                                                                 \
		if (!iommufd_has_test_cmd(_fd))                              \
			SKIP(return, IOMMUFD_NO_TEST_CMD_REASON);            \
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
 * Whether mock devices can be created. IOMMU_TEST_CMD may be there while its
 * mock IOMMU is not usable: with a real IOMMU driver (intel-iommu) active,
 * creating a mock device fails (EINVAL) in 6.12. Leaves no object behind;
 * on failure errno is the mock domain's error.
 */
static inline bool iommufd_has_mock_domain(int fd)
{
	__u32 ioas, stdev;
	int err;

	if (!iommufd_has_test_cmd(fd) || _test_ioctl_ioas_alloc(fd, &ioas))
		return false;
	if (_test_cmd_mock_domain(fd, ioas, &stdev, NULL, NULL)) {
		err = errno;
		_test_ioctl_destroy(fd, ioas);
		errno = err;
		return false;
	}
	_test_ioctl_destroy(fd, stdev);
	_test_ioctl_destroy(fd, ioas);
	return true;
}

/*
 * Names the first hardware IOMMU driver instance that registered (the sysfs
 * iommu class, e.g. dmar0), or returns false. In 6.12 such a driver is
 * offered the mock bus's devices too and refuses them, so mock domains
 * cannot be created (IOMMU_TEST_OP_MOCK_DOMAIN: EINVAL).
 */
static inline bool iommufd_hw_iommu_name(char *name, size_t len)
{
	DIR *dir = opendir("/sys/class/iommu");
	struct dirent *entry;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (entry = readdir(dir)))
		if (entry->d_name[0] != '.') {
			snprintf(name, len, "%.32s", entry->d_name);
			found = true;
		}
	closedir(dir);
	return found;
}

/*
 * Whether err, the error of IOMMU_TEST_OP_MOCK_DOMAIN, means "no mock device
 * can exist here" rather than a bug: in 6.12 a registered hardware IOMMU
 * driver (intel-iommu in the vfio lane) is offered the mock bus's devices
 * too and refuses them, so the mock device has no IOMMU and
 * iommufd_device_bind() refuses it at its cache-coherency check
 * (device_iommu_capable() false: EINVAL, drivers/iommu/iommufd/device.c).
 * Only that errno, and only while a hardware IOMMU is registered, qualifies;
 * why[] then names the IOMMU for the skip. (7.x adds mock devices with
 * iommu_mock_device_add() on the mock's own iommu_device, so a hardware
 * IOMMU no longer stands in the way there.)
 */
static inline bool iommufd_mock_domain_impossible(int err, char *why,
						  size_t len)
{
	char iommu[64];

	if (err != EINVAL || !iommufd_hw_iommu_name(iommu, sizeof(iommu)))
		return false;
	snprintf(why, len, "IOMMU_TEST_OP_MOCK_DOMAIN: %s while hardware IOMMU "
		 "%s is active (it refuses mock devices)", strerror(err), iommu);
	return true;
}

/*
 * Skips where mock domains cannot exist (no IOMMU_TEST_CMD, or the errno of
 * a hardware IOMMU refusing mock devices, see above); any other refused
 * mock domain is a failure, never a skip.
 */
#define iommufd_mock_domain_or_skip(_fd)                                     \
	do {                                                                 \
		iommufd_test_cmd_or_skip(_fd);                               \
		if (!iommufd_has_mock_domain(_fd)) {                         \
			int __err = errno;                                   \
			char __why[160];                                     \
									     \
			if (iommufd_mock_domain_impossible(__err, __why,     \
							   sizeof(__why)))   \
				SKIP(return, "%s", __why);                   \
			ASSERT_TRUE(false) TH_LOG("IOMMU_TEST_OP_MOCK_DOMAIN: " \
				"%s", strerror(__err));                      \
		}                                                            \
	} while (0)

/* A mock device with MOCK_FLAGS_DEVICE_* flags, attached to pt_id. */
static inline int _test_cmd_mock_domain_flags(int fd, __u32 pt_id,
					      __u32 dev_flags,
					      __u32 *stdev_id, __u32 *hwpt_id,
					      __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}
/*
 * 6.x's iommufd_test.h: MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1, a mock device
 * whose domains also take 1 MiB IO pages. 7.x's iommufd_test.h no longer has
 * it (its mock domain is built on the generic page table), so the value is
 * named here to build against either header.
 */
#define MOCK_FLAGS_DEVICE_HUGE_IOVA_6X (1 << 1)

#define test_cmd_mock_domain_flags(_pt, _flags, _stdev, _hwpt, _idev)        \
	test_cmd(_test_cmd_mock_domain_flags(self->fd, _pt, _flags, _stdev,  \
					     _hwpt, _idev))
#define test_err_mock_domain_flags(_errno, _pt, _flags, _stdev, _hwpt, _idev) \
	test_err(_errno, _test_cmd_mock_domain_flags(self->fd, _pt, _flags,  \
						     _stdev, _hwpt, _idev))

/* Moves the mock device stdev_id to pt_id (an IOAS or a HWPT). */
static inline int _test_cmd_mock_domain_replace(int fd, __u32 stdev_id,
						__u32 pt_id, __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = pt_id },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (!ret && hwpt_id)
		*hwpt_id = cmd.mock_domain_replace.pt_id;
	return ret;
}
#define test_cmd_mock_domain_replace(_stdev, _pt, _hwptp)                    \
	test_cmd(_test_cmd_mock_domain_replace(self->fd, _stdev, _pt, _hwptp))
#define test_err_mock_domain_replace(_errno, _stdev, _pt)                    \
	test_err(_errno, _test_cmd_mock_domain_replace(self->fd, _stdev, _pt, \
						       NULL))

/* Makes [start, start + length) reserved in the IOAS, like an MSI window. */
static inline int _test_cmd_add_reserved(int fd, __u32 ioas_id, __u64 start,
					 __u64 length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas_id,
		.add_reserved = { .start = start, .length = length },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_add_reserved(_ioas, _start, _len)                           \
	test_cmd(_test_cmd_add_reserved(self->fd, _ioas, _start, _len))
#define test_err_add_reserved(_errno, _ioas, _start, _len)                   \
	test_err(_errno, _test_cmd_add_reserved(self->fd, _ioas, _start, _len))

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
 * Checks that every page of [uptr, uptr + length) is pinned exactly `refs`
 * times (FOLL_PIN counts; compound pages are not checked by the kernel).
 */
static inline int _test_cmd_md_check_refs(int fd, void *uptr, __u64 length,
					  unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = length, .uptr = (uintptr_t)uptr,
				.refs = refs },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_md_check_refs(_uptr, _len, _refs)                           \
	test_cmd(_test_cmd_md_check_refs(self->fd, _uptr, _len, _refs))
#define test_err_md_check_refs(_errno, _uptr, _len, _refs)                   \
	test_err(_errno, _test_cmd_md_check_refs(self->fd, _uptr, _len, _refs))

/*
 * For a teardown, after the test's fds are closed: closing destroyed every
 * object, so no page of [uptr, uptr + len) may stay pinned. Asked through a
 * fresh fd, which owns nothing.
 */
#define check_nothing_pinned_after_close(_uptr, _len)                        \
	do {                                                                 \
		int __fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);       \
									     \
		ASSERT_LE(0, __fd);                                          \
		EXPECT_EQ(0, _test_cmd_md_check_refs(__fd, _uptr, _len, 0))  \
			TH_LOG("pages still pinned after close: %s",         \
			       strerror(errno));                             \
		close(__fd);                                                 \
	} while (0)

/*
 * An emulated in-kernel access (the way mdev drivers reach an IOAS): the
 * kernel hands back a file descriptor that names it in later ops.
 */
static inline int _test_cmd_create_access(int fd, __u32 ioas_id,
					  int *access_fd, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas_id,
		.create_access = { .flags = flags },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (!ret && access_fd)
		*access_fd = cmd.create_access.out_access_fd;
	return ret;
}
#define test_cmd_create_access(_ioas, _afdp, _flags)                         \
	test_cmd(_test_cmd_create_access(self->fd, _ioas, _afdp, _flags))
#define test_err_create_access(_errno, _ioas, _flags)                        \
	test_err(_errno, _test_cmd_create_access(self->fd, _ioas, NULL, _flags))

static inline int _test_cmd_access_replace_ioas(int fd, int access_fd,
						__u32 ioas_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = access_fd,
		.access_replace_ioas = { .ioas_id = ioas_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_access_replace_ioas(_afd, _ioas)                            \
	test_cmd(_test_cmd_access_replace_ioas(self->fd, _afd, _ioas))
#define test_err_access_replace_ioas(_errno, _afd, _ioas)                    \
	test_err(_errno, _test_cmd_access_replace_ioas(self->fd, _afd, _ioas))

/*
 * Pins [iova, iova + length) through the access; the kernel checks that the
 * pinned pages are those under uptr. *pages_id names the pin for
 * DESTROY_ACCESS_PAGES.
 */
static inline int _test_cmd_access_pages(int fd, int access_fd, __u64 iova,
					 __u64 length, void *uptr, __u32 flags,
					 __u32 *pages_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = access_fd,
		.access_pages = { .flags = flags, .iova = iova,
				  .length = length, .uptr = (uintptr_t)uptr },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (!ret && pages_id)
		*pages_id = cmd.access_pages.out_access_pages_id;
	return ret;
}
#define test_cmd_access_pages(_afd, _iova, _len, _uptr, _flags, _idp)        \
	test_cmd(_test_cmd_access_pages(self->fd, _afd, _iova, _len, _uptr,  \
					_flags, _idp))
#define test_err_access_pages(_errno, _afd, _iova, _len, _uptr, _flags)      \
	test_err(_errno, _test_cmd_access_pages(self->fd, _afd, _iova, _len, \
						_uptr, _flags, NULL))

static inline int _test_cmd_destroy_access_pages(int fd, int access_fd,
						 __u32 pages_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = access_fd,
		.destroy_access_pages = { .access_pages_id = pages_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_destroy_access_pages(_afd, _id)                             \
	test_cmd(_test_cmd_destroy_access_pages(self->fd, _afd, _id))
#define test_err_destroy_access_pages(_errno, _afd, _id)                     \
	test_err(_errno, _test_cmd_destroy_access_pages(self->fd, _afd, _id))

/*
 * Copies between user memory `buf` and the IOVA range through the access:
 * MOCK_ACCESS_RW_WRITE writes buf into the IOAS, otherwise reads into buf.
 */
static inline int _test_cmd_access_rw(int fd, int access_fd, __u64 iova,
				      void *buf, __u64 length, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = { .iova = iova, .length = length,
			       .uptr = (uintptr_t)buf, .flags = flags },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_access_rw(_afd, _iova, _buf, _len, _flags)                  \
	test_cmd(_test_cmd_access_rw(self->fd, _afd, _iova, _buf, _len, _flags))
#define test_err_access_rw(_errno, _afd, _iova, _buf, _len, _flags)          \
	test_err(_errno, _test_cmd_access_rw(self->fd, _afd, _iova, _buf,    \
					     _len, _flags))

/* Checks the mock nested domain's emulated IOTLB entry iotlb_id. */
static inline int _test_cmd_md_check_iotlb(int fd, __u32 hwpt_id,
					   __u32 iotlb_id, __u32 expected)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_IOTLB,
		.id = hwpt_id,
		.check_iotlb = { .id = iotlb_id, .iotlb = expected },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_md_check_iotlb(_hwpt, _id, _val)                            \
	test_cmd(_test_cmd_md_check_iotlb(self->fd, _hwpt, _id, _val))
#define test_err_md_check_iotlb(_errno, _hwpt, _id, _val)                    \
	test_err(_errno, _test_cmd_md_check_iotlb(self->fd, _hwpt, _id, _val))

/*
 * Shrinks the kernel's temporary page-list budget (pages.c batches) so the
 * multi-batch paths run with small mappings. Global to the kernel: restore
 * IOMMUFD_TEST_DEFAULT_MEMORY_LIMIT afterwards.
 */
#define IOMMUFD_TEST_DEFAULT_MEMORY_LIMIT 65536
static inline int _test_cmd_set_temp_memory_limit(int fd, unsigned int limit)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit = { .limit = limit },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_set_temp_memory_limit(_limit)                               \
	test_cmd(_test_cmd_set_temp_memory_limit(self->fd, _limit))
#define test_err_set_temp_memory_limit(_errno, _limit)                       \
	test_err(_errno, _test_cmd_set_temp_memory_limit(self->fd, _limit))

/*
 * Marks the IOVAs whose bits are set in `bitmap` (one bit per page_size from
 * iova) dirty in the mock domain, as if a device had written there. Returns
 * how many of them were mapped in *nr_dirty.
 */
static inline int _test_cmd_mock_dirty(int fd, __u32 hwpt_id, __u64 iova,
				       __u64 length, __u64 page_size,
				       void *bitmap, __u64 *nr_dirty)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DIRTY,
		.id = hwpt_id,
		.dirty = { .iova = iova, .length = length,
			   .page_size = page_size, .uptr = (uintptr_t)bitmap },
	};
	int ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);

	if (!ret && nr_dirty)
		*nr_dirty = cmd.dirty.out_nr_dirty;
	return ret;
}
#define test_cmd_mock_dirty(_hwpt, _iova, _len, _pgsz, _bm, _nrp)            \
	test_cmd(_test_cmd_mock_dirty(self->fd, _hwpt, _iova, _len, _pgsz,   \
				      _bm, _nrp))
#define test_err_mock_dirty(_errno, _hwpt, _iova, _len, _pgsz, _bm)          \
	test_err(_errno, _test_cmd_mock_dirty(self->fd, _hwpt, _iova, _len,  \
					      _pgsz, _bm, NULL))

/*
 * The mock device reports one page request (6.11): the last of group grpid,
 * at pasid (IOMMU_NO_PASID, 0: none), for perm (IOMMU_PGFAULT_PERM_*) at
 * addr. It reaches the fault queue of the domain that takes it, if any; the
 * op says 0 either way.
 */
static inline int _test_cmd_trigger_iopf(int fd, __u32 idev_id, __u32 pasid,
					 __u32 grpid, __u32 perm, __u64 addr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = idev_id, .pasid = pasid,
				  .grpid = grpid, .perm = perm, .addr = addr },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}
#define test_cmd_trigger_iopf(_idev, _pasid, _grpid, _perm, _addr)           \
	test_cmd(_test_cmd_trigger_iopf(self->fd, _idev, _pasid, _grpid,     \
					_perm, _addr))
#define test_err_trigger_iopf(_errno, _idev, _pasid)                         \
	test_err(_errno, _test_cmd_trigger_iopf(self->fd, _idev, _pasid, 0,  \
						0, 0))

/* ---- The mock domain variants most fixtures share ---- */

/*
 * Usable IOVA in the "narrow" variant: the mock domain's aperture is
 * [MOCK_APERTURE_START, MOCK_APERTURE_LAST]; reserving everything above
 * IOMMUFD_NARROW_LAST leaves a 64 MiB window, so the IOAS sees a domain
 * with a small aperture (the kernel folds reserved ranges and apertures into
 * the same reserved tree).
 */
#define IOMMUFD_NARROW_LAST (MOCK_APERTURE_START + (64ULL << 20) - 1)

/*
 * Each fixture that uses these declares
 *   FIXTURE_VARIANT(f) { unsigned int mock_domains; bool narrow; };
 * and calls IOMMUFD_ADD_DOMAIN_VARIANTS(f) to run every test with no domain,
 * one mock domain, two mock domains, and one domain with a narrow aperture.
 */
#define IOMMUFD_ADD_DOMAIN_VARIANTS(_f)                                      \
	FIXTURE_VARIANT_ADD(_f, no_domain) { .mock_domains = 0 };            \
	FIXTURE_VARIANT_ADD(_f, mock_domain) { .mock_domains = 1 };          \
	FIXTURE_VARIANT_ADD(_f, two_mock_domains) { .mock_domains = 2 };     \
	FIXTURE_VARIANT_ADD(_f, narrow_aperture) { .mock_domains = 1,        \
						   .narrow = true }

/* Attached mock devices of one IOAS and what the variant made usable. */
struct iommufd_domains {
	int fd;			/* the /dev/iommu fd and IOAS they belong to */
	__u32 ioas_id;
	bool has_test_cmd;	/* an access can read the IOAS (no domain) */
	unsigned int count;
	__u32 stdev_id[2];
	__u32 hwpt_id[2];
	__u32 idev_id[2];
	__u64 usable_start;	/* lowest IOVA the IOAS accepts */
	__u64 usable_last;	/* highest IOVA the IOAS accepts */
};

/*
 * Gives ioas_id `count` (0..2) mock domains, as distinct domains.
 *
 * The first mock device gets an automatic domain. A second device on the
 * same IOAS would simply join that domain (iommufd reuses any compatible
 * auto domain of the IOAS), so for a second, separate domain the kernel is
 * asked for one with IOMMU_HWPT_ALLOC (6.6+) and the second device is
 * attached to it. Skips where IOMMU_TEST_CMD or HWPT_ALLOC is missing.
 */
#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
#define __iommufd_second_domain(_fd, _ioas, _d)                              \
	do {                                                                 \
		__u32 __hwpt2 = 0;                                           \
		(void)iommufd_probe_or_skip(_test_ioctl_hwpt_alloc(          \
				_fd, (_d)->idev_id[0], _ioas, 0, &__hwpt2),  \
				"IOMMU_HWPT_ALLOC (second domain)");         \
		ASSERT_NE(0, __hwpt2) TH_LOG("hwpt alloc: %s",               \
					     strerror(errno));               \
		ASSERT_EQ(0, _test_cmd_mock_domain(_fd, __hwpt2,             \
						   &(_d)->stdev_id[1],       \
						   &(_d)->hwpt_id[1],        \
						   &(_d)->idev_id[1]))       \
			TH_LOG("mock device on hwpt: %s", strerror(errno));  \
		ASSERT_EQ(__hwpt2, (_d)->hwpt_id[1]);                        \
	} while (0)
#else
#define __iommufd_second_domain(_fd, _ioas, _d)                              \
	SKIP(return, "uapi headers without IOMMU_HWPT_ALLOC (second domain)")
#endif

#define iommufd_domains_setup(_fd, _ioas, _count, _narrow, _doms)            \
	do {                                                                 \
		struct iommufd_domains *__d = (_doms);                       \
		memset(__d, 0, sizeof(*__d));                                \
		__d->fd = (_fd);                                             \
		__d->ioas_id = (_ioas);                                      \
		__d->has_test_cmd = iommufd_has_test_cmd(_fd);               \
		__d->usable_start = 0;                                       \
		__d->usable_last = UINT64_MAX;                               \
		if ((_count) || (_narrow))                                   \
			iommufd_mock_domain_or_skip(_fd);                    \
		if ((_count) >= 1) {                                         \
			ASSERT_EQ(0, _test_cmd_mock_domain(                  \
					     _fd, _ioas, &__d->stdev_id[0],  \
					     &__d->hwpt_id[0],               \
					     &__d->idev_id[0]))              \
				TH_LOG("mock domain: %s", strerror(errno));  \
			__d->usable_start = MOCK_APERTURE_START;             \
			__d->usable_last = MOCK_APERTURE_LAST;               \
		}                                                            \
		if ((_count) >= 2) {                                         \
			__iommufd_second_domain(_fd, _ioas, __d);            \
			ASSERT_NE(__d->hwpt_id[0], __d->hwpt_id[1]);         \
		}                                                            \
		__d->count = (_count);                                       \
		if (_narrow) {                                               \
			ASSERT_EQ(0, _test_cmd_add_reserved(                 \
					     _fd, _ioas,                     \
					     IOMMUFD_NARROW_LAST + 1,        \
					     MOCK_APERTURE_LAST -            \
						     IOMMUFD_NARROW_LAST));  \
			__d->usable_last = IOMMUFD_NARROW_LAST;              \
		}                                                            \
	} while (0)

/*
 * What the IOAS itself holds at [iova, iova + length), read through a
 * short-lived in-kernel access (ACCESS_RW needs no domain and pins nothing
 * for good; an access that does not pin leaves the IOAS's alignment alone).
 * Returns 0 if it reads back as buf's bytes, 1 if it differs, or -errno
 * (-ENOENT: part of the range is not mapped).
 */
static inline int iommufd_ioas_compare(int fd, __u32 ioas_id, __u64 iova,
				       __u64 length, const void *buf)
{
	/* The kernel's bound for one ACCESS_RW is 16 MiB (selftest.c). */
	const __u64 chunk = 8ULL << 20;
	__u64 done = 0;
	int access_fd, ret = 0;
	char *tmp;

	if (_test_cmd_create_access(fd, ioas_id, &access_fd, 0))
		return -errno;
	tmp = malloc(length < chunk ? length : chunk);
	if (!tmp)
		ret = -ENOMEM;
	while (!ret && done < length) {
		__u64 n = length - done < chunk ? length - done : chunk;

		if (_test_cmd_access_rw(fd, access_fd, iova + done, tmp, n, 0))
			ret = -errno;
		else if (memcmp(tmp, (const char *)buf + done, n))
			ret = 1;
		done += n;
	}
	free(tmp);
	close(access_fd);
	return ret;
}

/*
 * Checks that [iova, iova + length) translates to buf: in every attached
 * domain (MD_CHECK_MAP), or, with no domain, in the IOAS itself (its bytes
 * read through an access), so that the check never loops over nothing. Only
 * where IOMMU_TEST_CMD is missing (a kernel without CONFIG_IOMMUFD_TEST, no
 * domain possible) is there nothing to ask.
 */
#define iommufd_check_map_all(_doms, _iova, _len, _buf)                      \
	do {                                                                 \
		unsigned int __i;                                            \
		for (__i = 0; __i < (_doms)->count; __i++)                   \
			test_cmd_md_check_map((_doms)->hwpt_id[__i], _iova,  \
					      _len, _buf);                   \
		if (!(_doms)->count && (_doms)->has_test_cmd) {              \
			ASSERT_EQ(0, iommufd_ioas_compare((_doms)->fd,       \
				(_doms)->ioas_id, _iova, _len, _buf))        \
				TH_LOG("IOAS at 0x%llx does not read back "  \
				       "as the buffer it maps",              \
				       (unsigned long long)(_iova));         \
		}                                                            \
	} while (0)

/*
 * Checks that no attached domain translates the first IO page at iova; with
 * no domain, that the IOAS has nothing mapped at iova.
 */
#define iommufd_check_unmapped_all(_doms, _iova, _buf)                       \
	do {                                                                 \
		unsigned int __i;                                            \
		for (__i = 0; __i < (_doms)->count; __i++)                   \
			test_err_md_check_map(EINVAL, (_doms)->hwpt_id[__i], \
					      _iova, MOCK_PAGE_SIZE, _buf);  \
		if (!(_doms)->count && (_doms)->has_test_cmd) {              \
			ASSERT_EQ(-ENOENT, iommufd_ioas_compare(             \
				(_doms)->fd, (_doms)->ioas_id, _iova, 1,     \
				_buf))                                       \
				TH_LOG("IOAS still maps 0x%llx",             \
				       (unsigned long long)(_iova));         \
		}                                                            \
	} while (0)

#endif /* IOMMUFD_HAVE_UAPI */
#endif /* IOMMUFD_HARNESS_MOCK_UTILS_H */
