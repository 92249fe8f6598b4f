/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which behaviour this kernel has, where iommufd changed between the
 * kernels we support (6.12 LTS and 7.3). Each probe asks for a uAPI
 * feature that arrived with the change in question, never for a version
 * number, so a backport or a kernel in between answers for itself; the
 * tests then state what a kernel with (or without) that change must do.
 *
 * Probes return 1 (the newer behaviour), 0 (the older one), or a negative
 * errno when the probe itself failed in a way neither kernel explains.
 */
#ifndef IOMMUFD_HARNESS_PROBES_H
#define IOMMUFD_HARNESS_PROBES_H

#include "iommufd_utils.h"

#ifdef IOMMUFD_UAPI_HAS_NESTED

/*
 * 7.x's struct iommu_hwpt_selftest: 6.x had only iotlb; the mock's move to
 * the generic page table added the table's type after it. Spelled out here
 * so that the suite builds against either kernel's iommufd_test.h.
 */
struct iommufd_hwpt_selftest_pt {
	__u32 iotlb;
	__u32 pagetable_type;
};
#define IOMMUFD_MOCK_PT_DEFAULT 0	/* MOCK_IOMMUPT_DEFAULT: 2 KiB pages */
#define IOMMUFD_MOCK_PT_HUGE 1		/* MOCK_IOMMUPT_HUGE: 1 MiB and CPU pages */

/* A paging HWPT of the mock's page table type pt_type on ioas_id. */
static inline int _test_ioctl_hwpt_alloc_mock_pt(int fd, __u32 idev_id,
						 __u32 ioas_id, __u32 flags,
						 __u32 pt_type, __u32 *hwpt_id)
{
	struct iommufd_hwpt_selftest_pt data = { .pagetable_type = pt_type };

	return _test_ioctl_hwpt_alloc_data(fd, idev_id, ioas_id, flags,
					   IOMMU_HWPT_DATA_SELFTEST, &data,
					   sizeof(data), hwpt_id);
}
#define test_cmd_hwpt_alloc_mock_pt(_idev, _ioas, _flags, _type, _hwptp)    \
	test_cmd(_test_ioctl_hwpt_alloc_mock_pt(self->fd, _idev, _ioas,      \
						_flags, _type, _hwptp))

/**
 * iommufd_probe_mock_generic_pt() - is the mock IOMMU built on the generic
 * page table (drivers/iommu/generic_pt/, AMDv1 format with 2 KiB pages)?
 * @fd: an iommufd
 * @idev_id: a mock device
 * @ioas_id: an IOAS to allocate on
 *
 * 6.x's mock domain is an xarray of 2 KiB IO pages, each with its own dirty
 * bit, and its paging domains take no driver data (mock_domain_alloc_user():
 * EOPNOTSUPP). 7.x's is the generic page table, and the same change let a
 * paging HWPT_ALLOC carry IOMMU_HWPT_DATA_SELFTEST data naming the table's
 * type (selftest.c mock_domain_alloc_paging_flags(), pagetable_type). That
 * is the probe; the domain it allocates is destroyed again.
 *
 * Return: 1 generic page table, 0 the 6.x mock, or a negative errno.
 */
static inline int iommufd_probe_mock_generic_pt(int fd, __u32 idev_id,
						__u32 ioas_id)
{
	__u32 hwpt = 0;

	if (_test_ioctl_hwpt_alloc_mock_pt(fd, idev_id, ioas_id, 0,
					   IOMMUFD_MOCK_PT_DEFAULT, &hwpt))
		return errno == EOPNOTSUPP ? 0 : -errno;
	_test_ioctl_destroy(fd, hwpt);
	return 1;
}

#endif /* IOMMUFD_UAPI_HAS_NESTED */

/*
 * The same for tests that only have an IOAS: a mock device is created for
 * the probe and destroyed again. Skips where the headers cannot express
 * the probe (no HWPT_ALLOC driver data before 6.8).
 */
#ifdef IOMMUFD_UAPI_HAS_NESTED
#define iommufd_mock_generic_pt_or_skip(_fd, _ioas)                          \
	({                                                                   \
		__u32 __stdev, __idev;                                       \
		int __r;                                                     \
									     \
		ASSERT_EQ(0, _test_cmd_mock_domain(_fd, _ioas, &__stdev,     \
						   NULL, &__idev));          \
		__r = iommufd_probe_mock_generic_pt(_fd, __idev, _ioas);     \
		ASSERT_EQ(0, _test_ioctl_destroy(_fd, __stdev));             \
		ASSERT_LE(0, __r) TH_LOG("probing the mock page table: %s", \
					 strerror(-__r));                    \
		__r;                                                         \
	})
#else
#define iommufd_mock_generic_pt_or_skip(_fd, _ioas)                          \
	({                                                                   \
		SKIP(return, "uapi headers without HWPT_ALLOC data_type "    \
		     "(6.8): cannot ask which mock page table this kernel "  \
		     "has");                                                 \
		0;                                                           \
	})
#endif

#endif /* IOMMUFD_HARNESS_PROBES_H */
