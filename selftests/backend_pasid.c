// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd's PASID attach and detach of a VFIO device on a
 * real IOMMU (the vfio lane: edu behind QEMU's VT-d). edu has no PASID
 * capability in QEMU 7.2 and that VT-d offers no PASIDs, so what is pinned
 * here is each kernel's refusal as the library reports it: 7.3 refuses
 * the attach (EOPNOTSUPP from the IOMMU driver), 6.12 does not know the
 * flag (the library's -EOPNOTSUPP naming VFIO_DEVICE_ATTACH_PASID); and the
 * device's own attachment keeps working after either. The library's side
 * of a kernel that takes the PASID is backend_logic's fake device.
 */
#include "vfio_utils.h"

#if defined(IOMMUFD_HAVE_UAPI) && defined(VFIO_UAPI_HAS_CDEV)

#define PASID 1

FIXTURE(pasid)
{
	struct vfio_pci_dev dev;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, dev_id;
	uint8_t max_pasid_log2;
};

FIXTURE_SETUP(pasid)
{
	memset(&self->dev, 0, sizeof(self->dev));
	self->dev.fd = -1;
	vfio_pci_open_or_skip(&self->dev);
	vfio_backend_start(_metadata, &self->be, &self->rep, &self->ioas_id);
	ASSERT_EQ(0, iommufd_backend_bind_device(self->be, self->dev.fd,
						 &self->dev_id));
	ASSERT_EQ(0, iommufd_backend_get_device_info(self->be, self->dev_id, 0,
						     NULL, NULL, NULL, NULL,
						     &self->max_pasid_log2));
}

FIXTURE_TEARDOWN(pasid)
{
	if (self->dev.fd >= 0)
		close(self->dev.fd);
	if (self->be)
		vfio_backend_stop(self->be);
}

/*
 * Whether this kernel's VFIO takes the PASID flags: 6.15+ answers a PASID
 * detach of a PASID nothing has with 0 (drivers/vfio/iommufd.c:223 in 7.3),
 * 6.12 answers any flag with EINVAL (drivers/vfio/device_cdev.c:210).
 */
static bool pasid_kernel_has_flags(int devfd)
{
#ifdef VFIO_DEVICE_DETACH_PASID
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = sizeof(d),
		.flags = VFIO_DEVICE_DETACH_PASID,
		.pasid = UINT32_MAX,
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d) == 0;
#else
	(void)devfd;
	return false;
#endif
}

TEST_F(pasid, device_without_pasid_is_refused_and_keeps_its_rid)
{
	__u32 hwpt = self->ioas_id, attached;
	int ret;

	/*
	 * QEMU 7.2's edu has no PASID capability (no extended capability
	 * list at all), so the kernel gives it no PASIDs.
	 */
	if (self->max_pasid_log2)
		SKIP(return, "%s reports max_pasid_log2 %u: a device with PASIDs (this case is for one without)",
		     self->dev.bdf, self->max_pasid_log2);

	if (pasid_kernel_has_flags(self->dev.fd)) {
		/*
		 * 7.3: a HWPT meant for PASIDs can be allocated for any
		 * device (IOMMU_HWPT_ALLOC_PASID only marks it compatible);
		 * the attach reaches the IOMMU driver, and VT-d without
		 * PASID support refuses it (7.3 drivers/iommu/intel/iommu.c:3666,
		 * intel_iommu_set_dev_pasid(): !pasid_supported()).
		 */
		ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->dev_id,
			self->ioas_id, IOMMUFD_HWPT_ALLOC_PASID, 0, 0, NULL, 0,
			&hwpt)) TH_LOG("%s", self->rep.msg);
		ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_attach_device_pasid(
			self->be, self->dev.fd, PASID, hwpt, NULL));
		ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
				  "attach_device_pasid", EOPNOTSUPP,
				  "no PASID support");
		ASSERT_NE(NULL, strstr(self->rep.msg, "pasid=1"));
		/* Detaching a PASID that is not attached is fine. */
		ASSERT_EQ(0, iommufd_backend_detach_device_pasid(self->be,
			self->dev.fd, PASID));
	} else {
		/* 6.12: the flag is unknown; the library names the feature. */
		ret = iommufd_backend_attach_device_pasid(self->be, self->dev.fd,
							  PASID, hwpt, NULL);
		ASSERT_EQ(-EOPNOTSUPP, ret);
		ASSERT_EQ(1, self->rep.count);
		ASSERT_TRUE(strstr(self->rep.msg, "the running kernel lacks VFIO_DEVICE_ATTACH_PASID") ||
			    strstr(self->rep.msg, "headers without VFIO_DEVICE_ATTACH_PASID"))
			TH_LOG("%s", self->rep.msg);
		backend_reports_reset(&self->rep);
		ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_detach_device_pasid(
			self->be, self->dev.fd, PASID));
		ASSERT_EQ(1, self->rep.count);
	}

	/* The device itself (its RID) attaches and detaches as before. */
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd, hwpt,
						   &attached));
	ASSERT_EQ(hwpt == self->ioas_id ? attached : hwpt, attached);
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
	if (hwpt != self->ioas_id)
		ASSERT_EQ(0, iommufd_backend_free_id(self->be, hwpt));
}

/*
 * Where the device has PASIDs, attach, replace and detach one. Not reachable
 * with QEMU 7.2 (edu without PASID, VT-d without PASID support): the skip
 * says so; backend_logic's fake device pins what the library sends.
 */
TEST_F(pasid, attach_replace_detach_where_the_device_has_pasids)
{
	__u32 hwpt1, hwpt2, got;

	if (!self->max_pasid_log2)
		SKIP(return, "%s has no PASIDs (max_pasid_log2 0: QEMU 7.2's edu has no PASID capability)",
		     self->dev.bdf);
	if (!pasid_kernel_has_flags(self->dev.fd))
		SKIP(return, "kernel without VFIO_DEVICE_ATTACH_PASID (6.15)");
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->dev_id,
		self->ioas_id, IOMMUFD_HWPT_ALLOC_PASID, 0, 0, NULL, 0, &hwpt1));
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->dev_id,
		self->ioas_id, IOMMUFD_HWPT_ALLOC_PASID, 0, 0, NULL, 0, &hwpt2));
	ASSERT_EQ(0, iommufd_backend_attach_device_pasid(self->be, self->dev.fd,
							 PASID, hwpt1, &got));
	ASSERT_EQ(hwpt1, got);
	/* Again: a replace. */
	ASSERT_EQ(0, iommufd_backend_attach_device_pasid(self->be, self->dev.fd,
							 PASID, hwpt2, &got));
	ASSERT_EQ(hwpt2, got);
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, hwpt2));
	ASSERT_EQ(0, iommufd_backend_detach_device_pasid(self->be, self->dev.fd,
							 PASID));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, hwpt2));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, hwpt1));
}

#endif

VFIO_TEST_MAIN
