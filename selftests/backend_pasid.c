// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd's PASID attach and detach of a VFIO device on a
 * real IOMMU (the vfio lane: edu behind QEMU's VT-d). On 7.3: attach,
 * replace, detach, and the kernel's PASID-compatibility rules (its EINVAL
 * kept as such by the library); edu has no PASIDs (QEMU 7.2), which 7.3
 * accepts as bookkeeping. On 6.12: the flag is unknown, and the library's
 * -EOPNOTSUPP names VFIO_DEVICE_ATTACH_PASID.
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
	/*
	 * Verified where the comments below rely on it: QEMU 7.2's edu has no
	 * PASID capability, so the kernel gives it no PASIDs.
	 */
	if (self->dev.is_edu)
		ASSERT_EQ(0, self->max_pasid_log2)
			TH_LOG("edu %s has PASIDs now (QEMU newer than 7.2?)",
			       self->dev.bdf);
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

/*
 * A kernel with PASID attach (7.3), edu without PASIDs: the attach is
 * bookkeeping only. The IOMMU core programs a PASID only into devices that
 * have PASIDs (7.3 drivers/iommu/iommu.c:3564, __iommu_set_group_pasid()
 * skips max_pasids == 0; measured: VT-d's set_dev_pasid, which would say
 * EOPNOTSUPP without scalable mode, is never called), since such a device
 * cannot issue a PASID-tagged request. iommufd's rules still apply: the
 * HWPT must be PASID-compatible, and so must the RID's while a PASID is
 * attached (7.3 drivers/iommu/iommufd/device.c:515,
 * iommufd_hwpt_pasid_compat()). The kernel's EINVAL for those is the one
 * the library must keep (its probe sees a kernel that knows the flag).
 */
TEST_F(pasid, attach_replace_detach_and_the_compat_rules)
{
	__u32 plain, p1, p2, got;
	int ret;

	if (!pasid_kernel_has_flags(self->dev.fd))
		SKIP(return, "kernel without VFIO_DEVICE_ATTACH_PASID (6.15); kernel_without_pasid_attach covers it");
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->dev_id,
		self->ioas_id, 0, 0, 0, NULL, 0, &plain));
	ret = iommufd_backend_alloc_hwpt(self->be, self->dev_id, self->ioas_id,
					 IOMMUFD_HWPT_ALLOC_PASID, 0, 0, NULL, 0, &p1);
	/*
	 * A driver without PASID-capable domains refuses the flag: AMD-Vi
	 * allocates them only with its v2 page table, where
	 * amd_iommu_pasid_supported() holds (GT and PPR in its EFR, which
	 * QEMU's AMD-Vi does not offer); that is the driver's feature, absent.
	 */
	if (ret == -EOPNOTSUPP) {
		iommufd_backend_free_id(self->be, plain);
		SKIP(return, "the IOMMU driver has no PASID-capable domains (IOMMU_HWPT_ALLOC_PASID: EOPNOTSUPP)");
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->dev_id,
		self->ioas_id, IOMMUFD_HWPT_ALLOC_PASID, 0, 0, NULL, 0, &p2));

	/* A HWPT not allocated for PASIDs: the kernel's EINVAL, kept. */
	ASSERT_EQ(-EINVAL, iommufd_backend_attach_device_pasid(self->be,
		self->dev.fd, PASID, plain, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EINVAL,
			  "a HWPT not allocated with IOMMUFD_HWPT_ALLOC_PASID");

	backend_reports_reset(&self->rep);
	ASSERT_EQ(0, iommufd_backend_attach_device_pasid(self->be, self->dev.fd,
							 PASID, p1, &got));
	ASSERT_EQ(p1, got);
	/* Again, to another HWPT: a replace. */
	ASSERT_EQ(0, iommufd_backend_attach_device_pasid(self->be, self->dev.fd,
							 PASID, p2, &got));
	ASSERT_EQ(p2, got);
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, p2));

	/* With a PASID attached, the RID needs a PASID-compatible HWPT too. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_attach_device(self->be, self->dev.fd,
							 plain, NULL));
	ASSERT_EQ(1, self->rep.count);
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd, p1,
						   &got));
	ASSERT_EQ(p1, got);

	ASSERT_EQ(0, iommufd_backend_detach_device_pasid(self->be, self->dev.fd,
							 PASID));
	/* Detaching it again: nothing attached, the kernel says 0. */
	ASSERT_EQ(0, iommufd_backend_detach_device_pasid(self->be, self->dev.fd,
							 PASID));
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, p2));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, p1));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, plain));
}

/*
 * A kernel without PASID attach (6.12): the flag is unknown (a bare EINVAL
 * from drivers/vfio/device_cdev.c:175); the library names the feature.
 * The device's own attachment is untouched by the refused calls.
 */
TEST_F(pasid, kernel_without_pasid_attach)
{
	__u32 got;

	if (pasid_kernel_has_flags(self->dev.fd))
		SKIP(return, "this kernel has VFIO_DEVICE_ATTACH_PASID; attach_replace_detach_and_the_compat_rules covers it");
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_attach_device_pasid(self->be,
		self->dev.fd, PASID, self->ioas_id, NULL));
	/*
	 * Built with headers that have the flag, the library asked the
	 * kernel (and its probe found the flag unknown); without, it never
	 * could. The suite and the library are built with the same headers.
	 */
#ifdef VFIO_DEVICE_ATTACH_PASID
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EOPNOTSUPP,
			  "the running kernel lacks VFIO_DEVICE_ATTACH_PASID/DETACH_PASID (EINVAL for the flag; it came with Linux 6.15)");
#else
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EOPNOTSUPP,
			  "headers without VFIO_DEVICE_ATTACH_PASID");
#endif
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_detach_device_pasid(self->be,
		self->dev.fd, PASID));
	ASSERT_EQ(1, self->rep.count);
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->ioas_id, &got));
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
}

#endif

VFIO_TEST_MAIN
