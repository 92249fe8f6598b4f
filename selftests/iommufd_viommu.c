// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the vIOMMU objects of 6.13+ on the mock IOMMU:
 * IOMMU_VIOMMU_ALLOC with the selftest type over a nesting parent (wrong
 * parents, wrong types, driver data), IOMMU_VDEVICE_ALLOC (virtual id
 * clashes, one vDEVICE per device, destroy order, the tombstone left when
 * the device goes first),
 * nested HWPTs allocated on the vIOMMU and attached through it, cache
 * invalidation through the vIOMMU (IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
 * checked with IOMMU_TEST_OP_DEV_CHECK_CACHE), and HW queues
 * (IOMMU_HW_QUEUE_ALLOC: IOVA checks, pinning, index order, destroy order).
 */
#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#if defined(IOMMUFD_UAPI_HAS_VIOMMU) && defined(IOMMUFD_TEST_HAS_VIOMMU) && \
	defined(IOMMUFD_UAPI_HAS_NESTED)

/*
 * One mock device on an IOAS (its automatic domain), a nesting-parent HWPT
 * allocated for it on the same IOAS, and a selftest vIOMMU over that parent.
 */
FIXTURE(viommu)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id, idev_id, auto_hwpt;
	__u32 parent_id;
	__u32 viommu_id;
};

FIXTURE_SETUP(viommu)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_VIOMMU_ALLOC);
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->auto_hwpt,
			     &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &self->parent_id);
	test_cmd_viommu_alloc(self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &self->viommu_id);
}

FIXTURE_TEARDOWN(viommu)
{
	close(self->fd);
}

/* A second mock device on the fixture's IOAS; its idev in *_idevp. */
#define second_device(_stdevp, _idevp)                                       \
	test_cmd_mock_domain(self->ioas_id, _stdevp, NULL, _idevp)

TEST_F(viommu, alloc_returns_a_distinct_object)
{
	__u32 other;

	ASSERT_NE(0, self->viommu_id);
	ASSERT_NE(self->parent_id, self->viommu_id);
	/* A parent may back several vIOMMUs (one per VM slice). */
	test_cmd_viommu_alloc(self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &other);
	ASSERT_NE(self->viommu_id, other);
	test_cmd_destroy(other);
	/* A vIOMMU is not an IOAS or a HWPT to map into. */
	test_err_ioas_map_fixed(ENOENT, self->viommu_id, &other, 4096,
				MOCK_APERTURE_START);
}

TEST_F(viommu, alloc_takes_driver_data)
{
	struct iommu_viommu_selftest data = { .in_data = 0xcafe1234 };
	__u32 id;

	/* The mock loops in_data back to out_data. */
	test_cmd(_test_ioctl_viommu_alloc(self->fd, self->idev_id,
					  self->parent_id,
					  IOMMU_VIOMMU_TYPE_SELFTEST, 0, &data,
					  sizeof(data), &id));
	ASSERT_EQ(0xcafe1234, data.out_data);
	test_cmd_destroy(id);
	/* Shorter than its first field is EINVAL (copy from user). */
	test_err(EINVAL, _test_ioctl_viommu_alloc(self->fd, self->idev_id,
						  self->parent_id,
						  IOMMU_VIOMMU_TYPE_SELFTEST,
						  0, &data, 2, &id));
	/*
	 * Longer than the kernel's struct is EINVAL, whatever the tail
	 * holds. Unlike an ioctl's own struct (zero tail fine, non-zero
	 * E2BIG), driver data must not exceed the kernel's size: both
	 * __iommu_copy_struct_from_user() and ..._to_user() refuse
	 * `data_len < len` (include/linux/iommu.h).
	 */
	{
		struct {
			struct iommu_viommu_selftest data;
			__u64 tail;
		} longer = { .data = { .in_data = 7 }, .tail = 1 };

		test_err(EINVAL, _test_ioctl_viommu_alloc(
				self->fd, self->idev_id, self->parent_id,
				IOMMU_VIOMMU_TYPE_SELFTEST, 0, &longer,
				sizeof(longer), &id));
		longer.tail = 0;
		test_err(EINVAL, _test_ioctl_viommu_alloc(
				self->fd, self->idev_id, self->parent_id,
				IOMMU_VIOMMU_TYPE_SELFTEST, 0, &longer,
				sizeof(longer), &id));
		ASSERT_EQ(0, longer.data.out_data);
	}
}

TEST_F(viommu, alloc_rejects_wrong_types_and_parents)
{
	__u32 plain;

	/* No flag exists; type 0 is reserved; the mock knows one type. */
	test_err(EOPNOTSUPP, _test_ioctl_viommu_alloc(
			self->fd, self->idev_id, self->parent_id,
			IOMMU_VIOMMU_TYPE_SELFTEST, 1, NULL, 0, NULL));
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_DEFAULT);
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_ARM_SMMUV3);
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id, self->parent_id,
			      0x12345);
	/* A paging HWPT that is not a nesting parent is EINVAL. */
	test_err_viommu_alloc(EINVAL, self->idev_id, self->auto_hwpt,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &plain);
	test_err_viommu_alloc(EINVAL, self->idev_id, plain,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
	/* Not a paging HWPT at all: an IOAS, a vIOMMU, nothing. */
	test_err_viommu_alloc(ENOENT, self->idev_id, self->ioas_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
	test_err_viommu_alloc(ENOENT, self->idev_id, self->viommu_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
	/* The device must be a bound device, not the selftest object. */
	test_err_viommu_alloc(ENOENT, self->stdev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
	test_err_viommu_alloc(ENOENT, 0, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST);
}

TEST_F(viommu, holds_its_parent)
{
	/* The vIOMMU takes a user reference on the parent HWPT. */
	test_err_destroy(EBUSY, self->parent_id);
	test_cmd_destroy(self->viommu_id);
	test_cmd_destroy(self->parent_id);
}

TEST_F(viommu, vdevice_alloc_and_destroy_order)
{
	__u32 vdev;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 0x10, &vdev);
	ASSERT_NE(0, vdev);
	/* The vIOMMU is busy while a vDEVICE lives on it. */
	test_err_destroy(EBUSY, self->viommu_id);
	test_cmd_destroy(vdev);
	test_err_destroy(ENOENT, vdev);
	test_cmd_destroy(self->viommu_id);
}

TEST_F(viommu, vdevice_rejects_bad_arguments)
{
	/* Unknown vIOMMU, unknown device, objects of other types. */
	test_err_vdevice_alloc(ENOENT, 0, self->idev_id, 1);
	test_err_vdevice_alloc(ENOENT, self->parent_id, self->idev_id, 1);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, 0, 1);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, self->stdev_id, 1);
}

TEST_F(viommu, vdevice_virtual_ids_are_unique_per_viommu)
{
	__u32 stdev2, idev2, vdev1, vdev2, viommu2;

	second_device(&stdev2, &idev2);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 7, &vdev1);
	/* The same virtual id for another device on the same vIOMMU. */
	test_err_vdevice_alloc(EEXIST, self->viommu_id, idev2, 7);
	/* One vDEVICE per device, even with another virtual id. */
	test_err_vdevice_alloc(EEXIST, self->viommu_id, self->idev_id, 8);
	test_cmd_vdevice_alloc(self->viommu_id, idev2, 8, &vdev2);

	/* Another vIOMMU has its own id space, but a device has one vDEVICE. */
	test_cmd_viommu_alloc(self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &viommu2);
	test_err_vdevice_alloc(EEXIST, viommu2, self->idev_id, 7);
	test_cmd_destroy(vdev1);
	test_cmd_vdevice_alloc(viommu2, self->idev_id, 7, &vdev1);
	/* Freed ids are free again. */
	test_cmd_destroy(vdev2);
	test_cmd_vdevice_alloc(self->viommu_id, idev2, 7, &vdev2);
	test_cmd_destroy(vdev2);
	test_cmd_destroy(vdev1);
	test_cmd_destroy(viommu2);
	test_cmd_destroy(stdev2);
}

TEST_F(viommu, vdevice_becomes_a_tombstone_when_the_device_goes)
{
	__u32 stdev2, idev2, vdev, next;

	second_device(&stdev2, &idev2);
	test_cmd_vdevice_alloc(self->viommu_id, idev2, 0x20, &vdev);
	/*
	 * Destroying the device first destroys its vDEVICE with it
	 * (iommufd_device_pre_destroy()), which leaves the id behind as a
	 * tombstone: it names nothing and is never handed out again while
	 * this fd is open (uAPI kernel-doc of IOMMU_VDEVICE_ALLOC).
	 */
	test_cmd_destroy(stdev2);
	test_err_destroy(ENOENT, vdev);
	test_cmd_ioas_alloc(&next);
	ASSERT_NE(vdev, next);
	test_cmd_destroy(next);
	/* The vIOMMU is not held by the tombstone; the virtual id is free. */
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 0x20, &vdev);
	test_cmd_destroy(vdev);
	test_cmd_destroy(self->viommu_id);
}

TEST_F(viommu, nested_hwpt_on_the_viommu)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	__u32 nested, vdev;

	/* pt_id names the vIOMMU; the parent comes from it. */
	test_cmd(_test_ioctl_hwpt_alloc_data(self->fd, self->idev_id,
					     self->viommu_id, 0,
					     IOMMU_HWPT_DATA_SELFTEST, &data,
					     sizeof(data), &nested));
	test_cmd_md_check_iotlb(nested, 0, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_md_check_iotlb(nested, 3, IOMMU_TEST_IOTLB_DEFAULT);
	/* Driver data is required, and of the driver's type. */
	test_err(EOPNOTSUPP, _test_ioctl_hwpt_alloc_data(
			self->fd, self->idev_id, self->viommu_id, 0,
			IOMMU_HWPT_DATA_NONE, NULL, 0, NULL));
	test_err(EOPNOTSUPP, _test_ioctl_hwpt_alloc_data(
			self->fd, self->idev_id, self->viommu_id, 0,
			IOMMU_HWPT_DATA_SELFTEST + 1, &data, sizeof(data),
			NULL));
	/* The vIOMMU and through it the parent are held by the HWPT. */
	test_err_destroy(EBUSY, self->viommu_id);

	/*
	 * A device joins a vIOMMU's nested domain only with a vDEVICE on
	 * that vIOMMU (the mock asks iommufd_viommu_get_vdev_id()).
	 */
	test_err_mock_domain_replace(ENOENT, self->stdev_id, nested);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 3, &vdev);
	test_cmd_mock_domain_replace(self->stdev_id, nested, NULL);
	test_err_destroy(EBUSY, nested);
	test_cmd_mock_domain_replace(self->stdev_id, self->ioas_id, NULL);
	test_cmd_destroy(nested);
	test_cmd_destroy(vdev);
	test_cmd_destroy(self->viommu_id);
}

#ifdef IOMMUFD_TEST_HAS_DEV_CACHE
/* ---- Cache invalidation through the vIOMMU ---- */

#define check_dev_caches(_idev, _v0, _v1, _v2, _v3)                          \
	do {                                                                 \
		test_cmd_dev_check_cache(_idev, 0, _v0);                     \
		test_cmd_dev_check_cache(_idev, 1, _v1);                     \
		test_cmd_dev_check_cache(_idev, 2, _v2);                     \
		test_cmd_dev_check_cache(_idev, 3, _v3);                     \
	} while (0)

#define viommu_invalidate(_reqs, _num)                                       \
	({                                                                   \
		__u32 __n = (_num);                                          \
		int __r = _test_ioctl_hwpt_invalidate(                       \
			self->fd, self->viommu_id, _reqs,                    \
			IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,               \
			sizeof(*(_reqs)), &__n);                             \
		__handled = __n;                                             \
		__r;                                                         \
	})

TEST_F(viommu, invalidate_device_cache_through_viommu)
{
	const __u32 d = IOMMU_TEST_DEV_CACHE_DEFAULT;
	struct iommu_viommu_invalidate_selftest reqs[2] = {};
	__u32 vdev, __handled = 99;

	iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_DEV_CHECK_CACHE);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 0x33, &vdev);
	check_dev_caches(self->idev_id, d, d, d, d);
	/* Only four entries exist; the check op refuses the fifth. */
	test_err_dev_check_cache(EINVAL, self->idev_id, 4, d);
	test_err_dev_check_cache(EINVAL, self->idev_id, 0, d + 1);
	test_err_dev_check_cache(ENOENT, 0, 0, d);

	/* An empty array checks the type and does nothing. */
	ASSERT_EQ(0, viommu_invalidate(reqs, 0));
	ASSERT_EQ(0, __handled);

	/* Entries name the device by its virtual id. */
	reqs[0].vdev_id = 0x33;
	reqs[0].cache_id = 1;
	ASSERT_EQ(0, viommu_invalidate(reqs, 1));
	ASSERT_EQ(1, __handled);
	check_dev_caches(self->idev_id, d, 0, d, d);

	/*
	 * FLAG_ALL clears every entry. iommufd_test.h says cache_id is then
	 * ignored, but the mock checks it first (selftest.c,
	 * mock_viommu_cache_invalidate()): an out-of-range id still fails.
	 */
	reqs[0].cache_id = 3;
	reqs[1].vdev_id = 0x33;
	reqs[1].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	reqs[1].cache_id = MOCK_DEV_CACHE_ID_MAX + 1;
	test_err(EINVAL, viommu_invalidate(reqs, 2));
	ASSERT_EQ(1, __handled);
	check_dev_caches(self->idev_id, d, 0, d, 0);
	reqs[1].cache_id = 0;
	ASSERT_EQ(0, viommu_invalidate(reqs, 2));
	ASSERT_EQ(2, __handled);
	check_dev_caches(self->idev_id, 0, 0, 0, 0);
	test_cmd_destroy(vdev);
}

TEST_F(viommu, invalidate_reports_how_far_it_got)
{
	struct iommu_viommu_invalidate_selftest reqs[3] = {};
	const __u32 d = IOMMU_TEST_DEV_CACHE_DEFAULT;
	__u32 vdev, __handled = 99;

	iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_DEV_CHECK_CACHE);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, 5, &vdev);
	reqs[0].vdev_id = 5;
	reqs[0].cache_id = 0;
	reqs[1].vdev_id = 5;
	reqs[2].vdev_id = 5;
	reqs[2].cache_id = 2;

	/* A cache id past the last entry stops the array there. */
	reqs[1].cache_id = MOCK_DEV_CACHE_ID_MAX + 1;
	test_err(EINVAL, viommu_invalidate(reqs, 3));
	ASSERT_EQ(1, __handled);
	check_dev_caches(self->idev_id, 0, d, d, d);

	/* An unknown flag is EOPNOTSUPP, at its entry. */
	reqs[1].cache_id = 1;
	reqs[1].flags = 1U << 7;
	test_err(EOPNOTSUPP, viommu_invalidate(reqs, 3));
	ASSERT_EQ(1, __handled);

	/* A virtual id no vDEVICE has is EINVAL. */
	reqs[1].flags = 0;
	reqs[1].vdev_id = 6;
	test_err(EINVAL, viommu_invalidate(reqs, 3));
	ASSERT_EQ(1, __handled);
	check_dev_caches(self->idev_id, 0, d, d, d);

	/* The wrong data type for a vIOMMU: nothing is handled. */
	reqs[1].vdev_id = 5;
	__handled = 3;
	test_err(EINVAL, _test_ioctl_hwpt_invalidate(
			self->fd, self->viommu_id, reqs,
			IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID,
			sizeof(reqs[0]), &__handled));
	ASSERT_EQ(0, __handled);
	check_dev_caches(self->idev_id, 0, d, d, d);

	/* Longer entries with a zero tail are fine, a non-zero tail is not. */
	{
		struct {
			struct iommu_viommu_invalidate_selftest req;
			__u32 tail;
		} longer = { .req = { .vdev_id = 5, .cache_id = 3 } };

		__handled = 1;
		test_cmd_hwpt_invalidate(self->viommu_id, &longer,
					 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					 sizeof(longer), &__handled);
		ASSERT_EQ(1, __handled);
		check_dev_caches(self->idev_id, 0, d, d, 0);
		longer.tail = 1;
		test_err_hwpt_invalidate(E2BIG, self->viommu_id, &longer,
					 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					 sizeof(longer), &__handled);
	}
	test_cmd_destroy(vdev);
}
#else
TEST_F(viommu, invalidate_needs_headers)
{
	SKIP(return, "iommufd_test.h without IOMMU_TEST_OP_DEV_CHECK_CACHE");
}
#endif /* IOMMUFD_TEST_HAS_DEV_CACHE */

#if defined(IOMMUFD_UAPI_HAS_HW_QUEUE) && defined(IOMMUFD_TEST_HAS_HW_QUEUE)
/* ---- HW queues: guest queue memory the hardware reads by address ---- */

#define HWQ_IOVA ((__u64)MOCK_APERTURE_START)

/* One page of queue memory, mapped at HWQ_IOVA in the parent's IOAS. */
#define hw_queue_memory(_bufp)                                               \
	do {                                                                 \
		*(_bufp) = iommufd_test_buffer(iommufd_page_size());         \
		ASSERT_NE(NULL, *(_bufp));                                   \
		test_cmd_ioas_map_fixed(self->ioas_id, *(_bufp),             \
					iommufd_page_size(), HWQ_IOVA);      \
	} while (0)

TEST_F(viommu, hw_queue_alloc_pins_its_memory)
{
	size_t ps = iommufd_page_size();
	__u32 q0;
	char *buf;

	iommufd_ioctl_or_skip(self->fd, IOMMU_HW_QUEUE_ALLOC);
	hw_queue_memory(&buf);
	/*
	 * Pinned once, by the domains. The queue's access pins the same
	 * iopt_pages, which hold one pin per page for all their users.
	 */
	test_cmd_md_check_refs(buf, ps, 1);
	test_cmd_hw_queue_alloc(self->viommu_id, IOMMU_HW_QUEUE_TYPE_SELFTEST,
				0, HWQ_IOVA + 64, ps - 64, &q0);
	test_cmd_md_check_refs(buf, ps, 1);
	/* The IOVA it reads cannot go away under it. */
	test_err_ioas_unmap(EBUSY, self->ioas_id, HWQ_IOVA, ps);
	/* The vIOMMU is held. */
	test_err_destroy(EBUSY, self->viommu_id);
	test_cmd_destroy(q0);
	test_cmd_md_check_refs(buf, ps, 1);
	test_cmd_ioas_unmap(self->ioas_id, HWQ_IOVA, ps);
	test_cmd_md_check_refs(buf, ps, 0);
	munmap(buf, ps);
}

TEST_F(viommu, hw_queue_rejects_bad_arguments)
{
	const __u32 t = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	size_t ps = iommufd_page_size();
	char *buf;

	iommufd_ioctl_or_skip(self->fd, IOMMU_HW_QUEUE_ALLOC);
	hw_queue_memory(&buf);
	/* Type 0 is reserved, the mock knows one type. */
	test_err_hw_queue_alloc(EOPNOTSUPP, self->viommu_id,
				IOMMU_HW_QUEUE_TYPE_DEFAULT, 0, HWQ_IOVA, ps);
	test_err_hw_queue_alloc(EOPNOTSUPP, self->viommu_id, t + 1, 0,
				HWQ_IOVA, ps);
	/* Length 0, and a range that wraps. */
	test_err_hw_queue_alloc(EINVAL, self->viommu_id, t, 0, HWQ_IOVA, 0);
	test_err_hw_queue_alloc(EOVERFLOW, self->viommu_id, t, 0, UINT64_MAX,
				ps);
	/* Not a vIOMMU. */
	test_err_hw_queue_alloc(ENOENT, self->parent_id, t, 0, HWQ_IOVA, ps);
	/* IOVA that is not mapped cannot be pinned. */
	test_err_hw_queue_alloc(ENOENT, self->viommu_id, t, 0, HWQ_IOVA + ps,
				ps);
	/* The mock has two queues per vIOMMU: index 0 and 1. */
	test_err_hw_queue_alloc(EINVAL, self->viommu_id, t,
				IOMMU_TEST_HW_QUEUE_MAX, HWQ_IOVA, ps);
	/* Nothing was left pinned by the refusals. */
	test_cmd_md_check_refs(buf, ps, 1);
	test_cmd_ioas_unmap(self->ioas_id, HWQ_IOVA, ps);
	munmap(buf, ps);
}

TEST_F(viommu, hw_queue_needs_contiguous_memory)
{
	size_t ps = iommufd_page_size();
	char *buf;

	iommufd_ioctl_or_skip(self->fd, IOMMU_HW_QUEUE_ALLOC);
	hw_queue_memory(&buf);
	/*
	 * The same page again at the next IOVA: two pages that are
	 * certainly not physically contiguous. The hardware reads by
	 * physical address, so that is EFAULT (viommu.c).
	 */
	test_cmd_ioas_map_fixed(self->ioas_id, buf, ps, HWQ_IOVA + ps);
	test_err_hw_queue_alloc(EFAULT, self->viommu_id,
				IOMMU_HW_QUEUE_TYPE_SELFTEST, 0, HWQ_IOVA,
				2 * ps);
	/* Both areas pinned by the domains only, the queue left nothing. */
	test_cmd_md_check_refs(buf, ps, 2);
	test_cmd_ioas_unmap(self->ioas_id, 0, UINT64_MAX);
	test_cmd_md_check_refs(buf, ps, 0);
	munmap(buf, ps);
}

TEST_F(viommu, hw_queues_are_created_and_destroyed_in_index_order)
{
	const __u32 t = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	size_t ps = iommufd_page_size();
	__u32 q0, q1;
	char *buf;

	iommufd_ioctl_or_skip(self->fd, IOMMU_HW_QUEUE_ALLOC);
	hw_queue_memory(&buf);
	/* Queue 1 needs queue 0 first (the mock's dependency: EIO). */
	test_err_hw_queue_alloc(EIO, self->viommu_id, t, 1, HWQ_IOVA, ps);
	test_cmd_hw_queue_alloc(self->viommu_id, t, 0, HWQ_IOVA, ps, &q0);
	/* One queue per index. */
	test_err_hw_queue_alloc(EEXIST, self->viommu_id, t, 0, HWQ_IOVA, ps);
	test_cmd_hw_queue_alloc(self->viommu_id, t, 1, HWQ_IOVA, ps, &q1);
	/* Still one pin: domain and both queues share the iopt_pages. */
	test_cmd_md_check_refs(buf, ps, 1);
	/* Queue 0 is held by queue 1 (iommufd_hw_queue_depend()). */
	test_err_destroy(EBUSY, q0);
	test_cmd_destroy(q1);
	test_cmd_destroy(q0);
	test_cmd_md_check_refs(buf, ps, 1);
	test_cmd_destroy(self->viommu_id);
	test_cmd_ioas_unmap(self->ioas_id, HWQ_IOVA, ps);
	munmap(buf, ps);
}
#else
TEST_F(viommu, hw_queue_needs_headers)
{
	SKIP(return, "headers without IOMMU_HW_QUEUE_ALLOC or "
	     "IOMMU_HW_QUEUE_TYPE_SELFTEST (6.17+)");
}
#endif /* HW queues */

#else
TEST(viommu_needs_headers)
{
	SKIP(return, "headers without IOMMU_VIOMMU_ALLOC (uapi, 6.13+) or "
	     "IOMMU_VIOMMU_TYPE_SELFTEST (iommufd_test.h)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
