// SPDX-License-Identifier: GPL-2.0
/*
 * Description: PASID attachments on a PASID-capable mock device
 * (MOCK_FLAGS_DEVICE_PASID, 6.15+): GET_HW_INFO's out_max_pasid_log2 and its
 * IOMMU_HW_INFO_FLAG_INPUT_TYPE flag, the IOMMU_HWPT_ALLOC_PASID rules (which
 * domains a PASID and the device's RID may share), PASID_ATTACH, PASID_REPLACE
 * (with its rollback when the driver fails), PASID_DETACH, each checked with
 * PASID_CHECK_HWPT.
 */
#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)

/*
 * A PASID-capable mock device on an IOAS, and PASID-compatible paging
 * HWPTs for it: pasid_hwpt[0..1] (IOMMU_HWPT_ALLOC_PASID) and plain_hwpt
 * (no flag). The device's RID starts on the IOAS's automatic domain, which
 * is not PASID-compatible.
 */
FIXTURE(pasid)
{
	int fd;
	__u32 ioas_id, stdev_id, idev_id, auto_hwpt;
	__u32 pasid_hwpt[2], plain_hwpt;
	__u32 stdev2_id, idev2_id;	/* a second device, for some cases */
};

/* Every PASID a case attaches, so the teardown can detach it. */
static const __u32 pasid_used[] = {
	1, 2, 5, 9, 10, 100, IOMMU_TEST_PASID_RESERVED,
	(1U << MOCK_PASID_WIDTH) - 1, 1U << MOCK_PASID_WIDTH,
};

FIXTURE_SETUP(pasid)
{
	int i;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_PASID_ATTACH);
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_PASID,
				   &self->stdev_id, &self->auto_hwpt,
				   &self->idev_id);
	for (i = 0; i < 2; i++)
		test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
				    IOMMU_HWPT_ALLOC_PASID,
				    &self->pasid_hwpt[i]);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0,
			    &self->plain_hwpt);
}

FIXTURE_TEARDOWN(pasid)
{
	unsigned int i;

	/*
	 * A PASID still attached when the fd closes trips WARN_ONs in 7.3
	 * (the mock's selftest object detaches only the RID on destroy,
	 * config/kernel-bugs/selftest-destroy-pasid, which
	 * destroying_the_device_detaches_its_pasids shows), so a case that
	 * stopped half way must not leave one: detach all (a no-op where
	 * none is).
	 */
	for (i = 0; i < sizeof(pasid_used) / sizeof(pasid_used[0]); i++) {
		_test_cmd_pasid_detach(self->fd, self->stdev_id, pasid_used[i]);
		if (self->stdev2_id)
			_test_cmd_pasid_detach(self->fd, self->stdev2_id,
					       pasid_used[i]);
	}
	close(self->fd);
}

/* Moves the RID onto a PASID-compatible domain, as PASID users must. */
#define rid_to_pasid_hwpt()                                                  \
	test_cmd_mock_domain_replace(self->stdev_id, self->pasid_hwpt[0], NULL)

TEST_F(pasid, hw_info_reports_the_pasid_width)
{
	__u32 stdev, idev;
	__u8 width = 0xff;

	test_cmd_get_hw_info_ext(self->idev_id, 0, 0, NULL, NULL, NULL, &width);
	ASSERT_EQ(MOCK_PASID_WIDTH, width);
	/* A mock device without the flag has no PASIDs. */
	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
	width = 0xff;
	test_cmd_get_hw_info_ext(idev, 0, 0, NULL, NULL, NULL, &width);
	ASSERT_EQ(0, width);
	test_cmd_destroy(stdev);
}

TEST_F(pasid, hw_info_input_type)
{
	struct iommu_test_hw_info info = {};
	__u32 len = sizeof(info), type = 0;

	/* With the flag, in_data_type asks for one type of data. */
	test_cmd_get_hw_info_ext(self->idev_id, IOMMU_HW_INFO_FLAG_INPUT_TYPE,
				 IOMMU_HW_INFO_TYPE_SELFTEST, &info, &len,
				 &type, NULL);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	/* DEFAULT means whatever the driver has. */
	test_cmd_get_hw_info_ext(self->idev_id, IOMMU_HW_INFO_FLAG_INPUT_TYPE,
				 IOMMU_HW_INFO_TYPE_DEFAULT, &info, &len,
				 &type, NULL);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	/* A type the driver does not have is EOPNOTSUPP. */
	test_err_get_hw_info_ext(EOPNOTSUPP, self->idev_id,
				 IOMMU_HW_INFO_FLAG_INPUT_TYPE,
				 IOMMU_HW_INFO_TYPE_INTEL_VTD);
	/* Without the flag the field is ignored (seen as DEFAULT). */
	type = 0;
	test_cmd_get_hw_info_ext(self->idev_id, 0, IOMMU_HW_INFO_TYPE_INTEL_VTD,
				 &info, &len, &type, NULL);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	/* Other flags are unknown. */
	test_err_get_hw_info_ext(EOPNOTSUPP, self->idev_id, 1U << 1, 0);
}

TEST_F(pasid, attach_needs_pasid_compatible_domains)
{
	/*
	 * While the RID sits on a domain without IOMMU_HWPT_ALLOC_PASID, no
	 * PASID can be attached, to any domain (device.c,
	 * iommufd_hwpt_pasid_compat()).
	 */
	test_err_pasid_attach(EINVAL, self->stdev_id, 100,
			      self->pasid_hwpt[1]);
	rid_to_pasid_hwpt();
	/* The PASID's own domain must be PASID-compatible too. */
	test_err_pasid_attach(EINVAL, self->stdev_id, 100, self->plain_hwpt);
	/*
	 * An IOAS gets an automatic domain, and automatic domains are
	 * allocated without the flag: never usable for a PASID.
	 */
	test_err_pasid_attach(EINVAL, self->stdev_id, 100, self->ioas_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, 100, 0);

	test_cmd_pasid_attach(self->stdev_id, 100, self->pasid_hwpt[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, 100, self->pasid_hwpt[1]);
	test_err_pasid_check_hwpt(EINVAL, self->stdev_id, 100,
				  self->pasid_hwpt[0]);
	/* The RID cannot go back to a non-compatible domain now. */
	test_err_mock_domain_replace(EINVAL, self->stdev_id, self->plain_hwpt);
	test_err_mock_domain_replace(EINVAL, self->stdev_id, self->ioas_id);
	test_cmd_pasid_detach(self->stdev_id, 100);
	test_cmd_pasid_check_hwpt(self->stdev_id, 100, 0);
	test_cmd_mock_domain_replace(self->stdev_id, self->plain_hwpt, NULL);
}

TEST_F(pasid, attach_rules)
{
	rid_to_pasid_hwpt();
	test_cmd_pasid_attach(self->stdev_id, 1, self->pasid_hwpt[0]);
	/* Several PASIDs may share a domain, also the RID's. */
	test_cmd_pasid_attach(self->stdev_id, 2, self->pasid_hwpt[0]);
	test_cmd_pasid_attach(self->stdev_id, (1U << MOCK_PASID_WIDTH) - 1,
			      self->pasid_hwpt[1]);
	/* Past the device's PASID width (iommu.c: max_pasids). */
	test_err_pasid_attach(EINVAL, self->stdev_id, 1U << MOCK_PASID_WIDTH,
			      self->pasid_hwpt[1]);
	/*
	 * An attached PASID is replaced, not attached again: the device is
	 * already in that PASID's attachment (xa_insert(): EBUSY, device.c).
	 */
	test_err_pasid_attach(EBUSY, self->stdev_id, 1, self->pasid_hwpt[1]);
	test_err_pasid_attach(EBUSY, self->stdev_id, 1, self->pasid_hwpt[0]);
	/* Objects that are not page tables, or not devices. */
	test_err_pasid_attach(ENOENT, self->stdev_id, 3, 0);
	test_err_pasid_attach(ENOENT, self->idev_id, 3, self->pasid_hwpt[0]);
	test_err_pasid_check_hwpt(ENOENT, self->idev_id, 1, 0);
	test_err_pasid_check_hwpt(EINVAL, self->stdev_id, 1, self->ioas_id);

	/* A domain with PASIDs on it is held. */
	test_err_destroy(EBUSY, self->pasid_hwpt[1]);
	test_cmd_pasid_detach(self->stdev_id, (1U << MOCK_PASID_WIDTH) - 1);
	test_cmd_destroy(self->pasid_hwpt[1]);
	/* Detaching what is not attached is a quiet no-op. */
	test_cmd_pasid_detach(self->stdev_id, 77);
	test_cmd_pasid_detach(self->stdev_id, 1);
	test_cmd_pasid_detach(self->stdev_id, 2);
	test_cmd_pasid_check_hwpt(self->stdev_id, 1, 0);
	test_cmd_pasid_check_hwpt(self->stdev_id, 2, 0);
}

TEST_F(pasid, replace)
{
	rid_to_pasid_hwpt();
	/* Only an attached PASID can be replaced. */
	test_err_pasid_replace(EINVAL, self->stdev_id, 5, self->pasid_hwpt[1]);
	test_cmd_pasid_attach(self->stdev_id, 5, self->pasid_hwpt[0]);
	test_cmd_pasid_replace(self->stdev_id, 5, self->pasid_hwpt[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, 5, self->pasid_hwpt[1]);
	/* The old domain is no longer held by it. */
	test_cmd_mock_domain_replace(self->stdev_id, self->pasid_hwpt[1], NULL);
	test_cmd_destroy(self->pasid_hwpt[0]);
	/* To the same domain: nothing changes. */
	test_cmd_pasid_replace(self->stdev_id, 5, self->pasid_hwpt[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, 5, self->pasid_hwpt[1]);
	/* Not to a domain without the flag; the old attachment stays. */
	test_err_pasid_replace(EINVAL, self->stdev_id, 5, self->plain_hwpt);
	test_cmd_pasid_check_hwpt(self->stdev_id, 5, self->pasid_hwpt[1]);
	test_cmd_pasid_detach(self->stdev_id, 5);
}

TEST_F(pasid, replace_rolls_back_when_the_driver_fails)
{
	const __u32 p = IOMMU_TEST_PASID_RESERVED;

	rid_to_pasid_hwpt();
	/*
	 * The mock fails the second set_dev_pasid of PASID 1024 after an
	 * attach (ENOMEM, selftest.c); the core must leave the PASID on its
	 * old domain.
	 */
	test_cmd_pasid_attach(self->stdev_id, p, self->pasid_hwpt[0]);
	test_err_pasid_replace(ENOMEM, self->stdev_id, p, self->pasid_hwpt[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, p, self->pasid_hwpt[0]);
	/* The third call succeeds. */
	test_cmd_pasid_replace(self->stdev_id, p, self->pasid_hwpt[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, p, self->pasid_hwpt[1]);
	test_cmd_pasid_detach(self->stdev_id, p);
}

/*
 * Destroying a device detaches everything attached to it, its PASIDs as
 * well as its RID, as VFIO's unbind does for a real device
 * (vfio_iommufd_physical_unbind()): their domains are free to go then,
 * and so is the device's iommufd_device. Linux 7.3's mock device detaches
 * only its RID, answers 0 and warns:
 * config/kernel-bugs/selftest-destroy-pasid.
 */
TEST_F(pasid, destroying_the_device_detaches_its_pasids)
{
	rid_to_pasid_hwpt();
	test_cmd_pasid_attach(self->stdev_id, 1, self->pasid_hwpt[1]);
	test_cmd_pasid_attach(self->stdev_id, 100, self->pasid_hwpt[1]);
	test_cmd_destroy(self->stdev_id);
	/* The PASIDs' domain is no longer held, nor the RID's. */
	test_cmd_destroy(self->pasid_hwpt[1]);
	test_cmd_destroy(self->pasid_hwpt[0]);
	/* The device's iommufd_device went with it. */
	test_err_destroy(ENOENT, self->idev_id);
}

TEST_F(pasid, nested_pasid_hwpt)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	__u32 parent, nested, nested_plain;

	rid_to_pasid_hwpt();
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	/* Nested domains take the flag too; it decides as for paging. */
	test_cmd(_test_ioctl_hwpt_alloc_data(self->fd, self->idev_id, parent,
					     IOMMU_HWPT_ALLOC_PASID,
					     IOMMU_HWPT_DATA_SELFTEST, &data,
					     sizeof(data), &nested));
	test_cmd(_test_ioctl_hwpt_alloc_data(self->fd, self->idev_id, parent,
					     0, IOMMU_HWPT_DATA_SELFTEST,
					     &data, sizeof(data),
					     &nested_plain));
	test_cmd_pasid_attach(self->stdev_id, 9, nested);
	test_cmd_pasid_check_hwpt(self->stdev_id, 9, nested);
	test_err_pasid_attach(EINVAL, self->stdev_id, 10, nested_plain);
	test_cmd_pasid_detach(self->stdev_id, 9);
	test_cmd_destroy(nested);
	test_cmd_destroy(nested_plain);
	test_cmd_destroy(parent);
}

TEST_F(pasid, device_without_pasid_support)
{
	__u32 hwpt;

	/*
	 * A mock device without MOCK_FLAGS_DEVICE_PASID has "pasid-num-bits"
	 * 0, which the core turns into max_pasids = 1 << 0 = 1 (iommu.c,
	 * dev_iommu_get_max_pasids()): room for no PASID but 0, the RID.
	 * GET_HW_INFO says width 0 (ilog2(1)); every PASID is EINVAL.
	 */
	test_cmd_mock_domain(self->ioas_id, &self->stdev2_id, NULL,
			     &self->idev2_id);
	test_cmd_hwpt_alloc(self->idev2_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_PASID, &hwpt);
	test_cmd_mock_domain_replace(self->stdev2_id, hwpt, NULL);
	test_err_pasid_attach(EINVAL, self->stdev2_id, 1, hwpt);
	test_err_pasid_attach(EINVAL, self->stdev2_id, 1U << MOCK_PASID_WIDTH,
			      hwpt);
	test_cmd_pasid_check_hwpt(self->stdev2_id, 1, 0);
	test_cmd_destroy(self->stdev2_id);
	self->stdev2_id = 0;
}

#else
TEST(pasid_needs_headers)
{
	SKIP(return, "headers without the PASID uAPI (IOMMU_HWPT_ALLOC_PASID, "
	     "out_max_pasid_log2: probed with IOMMU_HW_QUEUE_ALLOC) or the "
	     "PASID test ops (MOCK_PASID_WIDTH in iommufd_test.h)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
