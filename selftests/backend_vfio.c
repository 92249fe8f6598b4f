// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd 0.2's device side: bind_device, attach_device
 * (to an IOAS or a HWPT, and as a replace) and detach_device, with clear
 * errors for fds that are not VFIO devices (everywhere), and on a real
 * IOMMU (the vfio lane): edu bound and attached through an explicitly
 * allocated paging HWPT, DMA through it and through the IOAS, each
 * replaced by the other while DMA is idle, where a driver cannot give an
 * IOAS that maps anything a HWPT (6.12's virtio-iommu) that behaviour
 * pinned, get_device_info of a real IOMMU, and dirty tracking where the
 * IOMMU has it.
 */
#include "edu_utils.h"
#include "iommu_fault_utils.h"
#include "vfio_utils.h"

#if defined(IOMMUFD_HAVE_UAPI) && defined(VFIO_UAPI_HAS_CDEV)

/* ---- fds that are not VFIO devices: no device needed ---- */

FIXTURE(not_a_device)
{
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id;
	int null_fd;
};

FIXTURE_SETUP(not_a_device)
{
	vfio_backend_start(_metadata, &self->be, &self->rep, &self->ioas_id);
	self->null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->null_fd);
}

FIXTURE_TEARDOWN(not_a_device)
{
	close(self->null_fd);
	vfio_backend_stop(self->be);
}

TEST_F(not_a_device, dev_null_is_enotty_with_the_reason)
{
	__u32 id;

	ASSERT_EQ(-ENOTTY, iommufd_backend_bind_device(self->be, self->null_fd,
						       &id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "bind_device",
			  ENOTTY, "not a VFIO device cdev");
	ASSERT_NE(NULL, strstr(self->rep.msg, "CONFIG_VFIO_DEVICE_CDEV"));
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOTTY, iommufd_backend_attach_device(self->be, self->null_fd,
							 self->ioas_id, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "attach_device",
			  ENOTTY, "VFIO_DEVICE_ATTACH_IOMMUFD_PT failed");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOTTY, iommufd_backend_detach_device(self->be,
							 self->null_fd));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "detach_device",
			  ENOTTY, "VFIO_DEVICE_DETACH_IOMMUFD_PT failed");
}

TEST_F(not_a_device, bad_fds_and_pointers)
{
	int closed = dup(self->null_fd);
	__u32 id;

	ASSERT_LE(0, closed);
	close(closed);
	ASSERT_EQ(-EINVAL, iommufd_backend_bind_device(self->be, -1, &id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "bind_device",
			  EINVAL, "negative file descriptor");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_bind_device(self->be, self->null_fd,
						       NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "bind_device",
			  EINVAL, "out_dev_id is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EBADF, iommufd_backend_bind_device(self->be, closed, &id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "bind_device",
			  EBADF, "VFIO_DEVICE_BIND_IOMMUFD failed");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_attach_device(self->be, -2,
							 self->ioas_id, NULL));
	ASSERT_EQ(-EINVAL, iommufd_backend_detach_device(self->be, -2));
	ASSERT_EQ(2, self->rep.count);
}

/* ---- edu through an explicit HWPT (the vfio lane) ---- */

#define EDU_SRC_IOVA (1ULL << 20)
#define EDU_DST_IOVA (2ULL << 20)
#define EDU_LEN 2048U

FIXTURE(edu_hwpt)
{
	struct vfio_pci_dev dev;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, hwpt_id;
	size_t page;
	unsigned char *src, *dst;
	const struct iommu_fault_driver *iommu;	/* for its label */
	char iommu_name[64];
};

FIXTURE_SETUP(edu_hwpt)
{
	vfio_pci_open_or_skip(&self->dev);
	if (!self->dev.is_edu)
		SKIP(return, "%s is not QEMU's edu (%04x:%04x): these cases program edu's DMA engine",
		     self->dev.bdf, EDU_VENDOR, EDU_DEVICE);
	vfio_backend_start(_metadata, &self->be, &self->rep, &self->ioas_id);
	ASSERT_EQ(0, iommufd_backend_bind_device(self->be, self->dev.fd,
						 &self->dev.devid));
	test_cmd(vfio_pci_config_locate(&self->dev));
	test_cmd_neg_errno(vfio_pci_bar_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX));
	ASSERT_EQ(EDU_IDENT, edu_read32(&self->dev, EDU_REG_IDENT));
	test_cmd_neg_errno(vfio_pci_bus_master(&self->dev, true));
	self->iommu = iommu_fault_driver_of(self->dev.bdf, self->iommu_name,
					    sizeof(self->iommu_name));

	self->page = iommufd_page_size();
	self->src = iommufd_test_buffer(self->page);
	self->dst = iommufd_test_buffer(self->page);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     EDU_SRC_IOVA, self->page,
					     self->src, true));
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     EDU_DST_IOVA, self->page,
					     self->dst, false));
}

FIXTURE_TEARDOWN(edu_hwpt)
{
	/* The process exit closes the device and /dev/iommu either way. */
	vfio_pci_bar_unmap(&self->dev);
	if (self->dev.fd >= 0)
		close(self->dev.fd);
	if (self->be)
		vfio_backend_stop(self->be);
}

/*
 * Whether the device's IOMMU driver hands IOMMU_HWPT_ALLOC a paging domain
 * without an aperture, one it completes only at its first attach. 6.12's
 * virtio-iommu does: it allocates with the old domain_alloc() op and sets
 * the domain's geometry and page sizes in viommu_attach_dev() through
 * viommu_domain_finalise() (drivers/iommu/virtio-iommu.c:640-700, 735).
 * IOMMU_HWPT_ALLOC attaches nothing first (iommufd_hwpt_paging_alloc()'s
 * immediate_attach is false there, hw_pagetable.c:180-190, 302-304), and
 * iopt_table_add_domain() reserves every IOVA outside the domain's aperture,
 * here {0, 0}, in the IOAS (io_pagetable.c:1079-1090): EADDRINUSE if the
 * IOAS maps anything above 0, and on an empty IOAS only IOVA 0 remains.
 * (7.3's driver has domain_alloc_paging(), virtio-iommu.c:657, which
 * completes the domain at allocation.) Probed, not assumed: a HWPT on an
 * empty IOAS of its own, whose remaining IOVA ranges say it. Returns 1
 * (no aperture: range[] holds what remained), 0 (an aperture), or -errno.
 */
static int edu_hwpt_lacks_aperture(struct iommufd_backend *be, __u32 devid,
				   struct iommu_iova_range *range)
{
	struct iommu_iova_range ranges[8];
	__u32 ioas_id, hwpt_id, num = 8;
	int ret;

	ret = iommufd_backend_alloc_ioas(be, &ioas_id);
	if (ret)
		return ret;
	ret = iommufd_backend_alloc_hwpt(be, devid, ioas_id, 0, 0, 0, NULL, 0,
					 &hwpt_id);
	if (!ret) {
		/* EMSGSIZE: more than 8 ranges, so an aperture with holes. */
		if (_test_ioctl_ioas_iova_ranges(iommufd_backend_fd(be), ioas_id,
						 ranges, &num, NULL))
			ret = errno == EMSGSIZE ? 0 : -errno;
		else
			ret = num == 1 && ranges[0].start == 0 &&
			      ranges[0].last == 0;
		if (num)
			*range = ranges[0];
		iommufd_backend_free_id(be, hwpt_id);
	}
	iommufd_backend_free_id(be, ioas_id);
	return ret;
}

/*
 * self->hwpt_id: a paging HWPT of the device's IOMMU on the IOAS, which maps
 * src and dst. Where the driver cannot give one to such an IOAS
 * (edu_hwpt_lacks_aperture(): EADDRINUSE, and the probe shows why), the
 * case skips naming the driver and the evidence; hwpt_alloc_on_a_mapped_ioas
 * pins that behaviour.
 */
#define edu_hwpt_alloc_or_skip()                                             \
	do {                                                                 \
		struct iommu_iova_range __r = { 0 };                         \
		int __ret = iommufd_backend_alloc_hwpt(self->be,             \
						       self->dev.devid,      \
						       self->ioas_id, 0, 0,  \
						       0, NULL, 0,           \
						       &self->hwpt_id);      \
		if (__ret == -EADDRINUSE &&                                  \
		    edu_hwpt_lacks_aperture(self->be, self->dev.devid,       \
					    &__r) == 1)                      \
			SKIP(return, "IOMMU %s (%s) gives IOMMU_HWPT_ALLOC a domain without an aperture until its first attach (probed: a HWPT left an empty IOAS only [0x%llx, 0x%llx]), so no HWPT on an IOAS that maps anything: EADDRINUSE", \
			     self->iommu_name,                               \
			     self->iommu ? self->iommu->label : "?",         \
			     (unsigned long long)__r.start,                  \
			     (unsigned long long)__r.last);                  \
		ASSERT_EQ(0, __ret) TH_LOG("%s", self->rep.msg);             \
	} while (0)

TEST_F(edu_hwpt, hwpt_alloc_on_a_mapped_ioas)
{
	struct iommu_iova_range range = { 0 }, ranges[8];
	__u32 num = 8, i;
	bool covered;
	int late, ret;

	late = edu_hwpt_lacks_aperture(self->be, self->dev.devid, &range);
	ASSERT_LE(0, late) TH_LOG("probe: %s", strerror(-late));
	backend_reports_reset(&self->rep);
	ret = iommufd_backend_alloc_hwpt(self->be, self->dev.devid,
					 self->ioas_id, 0, 0, 0, NULL, 0,
					 &self->hwpt_id);
	if (late) {
		/* Pinned: the domain's empty aperture collides with the maps. */
		ASSERT_EQ(-EADDRINUSE, ret);
		ksft_print_msg("IOMMU %s (%s): a new HWPT has no aperture until attached (an empty IOAS keeps only [0x%llx, 0x%llx]): HWPT_ALLOC on a mapped IOAS -> EADDRINUSE\n",
			       self->iommu_name,
			       self->iommu ? self->iommu->label : "?",
			       (unsigned long long)range.start,
			       (unsigned long long)range.last);
	} else {
		ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	}
	/*
	 * Either way the IOAS still offers both mappings' IOVAs: a failed
	 * HWPT left no reservation behind, a live one reserved nothing there.
	 */
	ASSERT_EQ(0, _test_ioctl_ioas_iova_ranges(iommufd_backend_fd(self->be),
						  self->ioas_id, ranges, &num,
						  NULL));
	ASSERT_GE(8, num);
	for (covered = false, i = 0; i < num && !covered; i++)
		covered = ranges[i].start <= EDU_SRC_IOVA &&
			  ranges[i].last >= EDU_DST_IOVA + self->page - 1;
	ASSERT_TRUE(covered);
}

/* RAM -> edu -> RAM through whatever the device is attached to. */
#define edu_round_trip(_seed)                                                \
	do {                                                                 \
		unsigned int __i;                                            \
		for (__i = 0; __i < EDU_LEN; __i++)                          \
			self->src[__i] = (unsigned char)(__i * 13 + (_seed)); \
		memset(self->dst, 0, self->page);                            \
		test_cmd_edu_dma(&self->dev, EDU_SRC_IOVA, EDU_BUF_START,    \
				 EDU_LEN, false);                            \
		test_cmd_edu_dma(&self->dev, EDU_DST_IOVA, EDU_BUF_START,    \
				 EDU_LEN, true);                             \
		ASSERT_EQ(0, memcmp(self->src, self->dst, EDU_LEN));         \
	} while (0)

TEST_F(edu_hwpt, dma_through_an_allocated_paging_hwpt)
{
	__u32 attached = 0;

	edu_hwpt_alloc_or_skip();
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->hwpt_id, &attached));
	/* Attaching a HWPT itself: the kernel hands back the same id. */
	ASSERT_EQ(self->hwpt_id, attached);
	edu_round_trip(1);
	/* The HWPT is in use until the device leaves it. */
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, self->hwpt_id));
	backend_reports_reset(&self->rep);
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, self->hwpt_id));
	ASSERT_EQ(0, self->rep.count);
}

TEST_F(edu_hwpt, replace_hwpt_and_ioas_while_idle)
{
	__u32 auto_hwpt = 0, again = 0;

	edu_hwpt_alloc_or_skip();
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->hwpt_id, NULL));
	edu_round_trip(2);
	/* Replace with the IOAS: the kernel picks (or makes) a HWPT. */
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->ioas_id, &auto_hwpt));
	ASSERT_NE(0, auto_hwpt);
	ASSERT_NE(self->ioas_id, auto_hwpt);
	edu_round_trip(3);
	/* And back to the explicit HWPT, without a detach in between. */
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->hwpt_id, &again));
	ASSERT_EQ(self->hwpt_id, again);
	edu_round_trip(4);
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
	/*
	 * Detaching a detached device is no error: VFIO's physical-device
	 * detach does nothing when nothing is attached (measured on 6.12).
	 */
	ASSERT_EQ(0, iommufd_backend_detach_device(self->be, self->dev.fd));
	ASSERT_EQ(0, self->rep.count);
	/* Once detached the HWPT is free to go. */
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, self->hwpt_id));
}

#ifdef IOMMUFD_UAPI_HAS_HW_INFO /* IOMMU_HW_INFO_TYPE_INTEL_VTD, 6.6 */
TEST_F(edu_hwpt, device_info_of_a_real_iommu)
{
	unsigned char info[256];
	__u32 len = sizeof(info), type = 0xffff;
	uint64_t caps = 0;
	__u8 pasid = 0;

	ASSERT_EQ(0, iommufd_backend_get_device_info(self->be, self->dev.devid,
						     IOMMUFD_HW_INFO_TYPE_DEFAULT,
						     info, &len, &type, &caps,
						     &pasid));
	ksft_print_msg("IOMMU %s (%s): hw_info type %u, %u bytes\n",
		       self->iommu_name,
		       self->iommu ? self->iommu->label : "?", type, len);
	/* The emulated VT-d reports its registers (struct iommu_hw_info_vtd). */
	if (self->iommu && !strcmp(self->iommu->name, "intel")) {
		ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, type);
		ASSERT_EQ(sizeof(struct iommu_hw_info_vtd), len);
	}
	/*
	 * virtio-iommu has no hw_info op on 6.12 or 7.3, and iommufd then
	 * answers type NONE with no data (iommufd_get_hw_info(), device.c:
	 * 6.12:1345-1349, 7.3:1676-1680).
	 */
	if (self->iommu && !strcmp(self->iommu->name, "virtio")) {
		ASSERT_EQ(IOMMU_HW_INFO_TYPE_NONE, type);
		ASSERT_EQ(0, len);
	}
	ASSERT_EQ(0, self->rep.count);
}
#endif

#if defined(VFIO_DEVICE_FEATURE_DMA_BUF) && defined(IOMMU_IOAS_MAP_FILE)
/*
 * A BAR mapped for peer-to-peer DMA through the dma-buf 7.x's vfio-pci
 * exports (libiommufd 0.3): the device writes a word through the IOMMU
 * into its own BAR's liveness register, which hands back its inverse.
 * Where the kernel exports no BAR (6.12; 7.x without
 * CONFIG_VFIO_PCI_DMABUF) the case skips with the library's reason, which
 * names the EFAULT of the mmap path.
 */
#define EDU_BAR_IOVA (4ULL << 20)

TEST_F(edu_hwpt, bar_mapped_through_its_dmabuf)
{
	__u32 *word = (__u32 *)self->src;
	int ret;

	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   self->ioas_id, NULL));
	backend_reports_reset(&self->rep);
	ret = iommufd_backend_map_device_bar(self->be, self->ioas_id,
					     EDU_BAR_IOVA, self->page,
					     self->dev.fd,
					     VFIO_PCI_BAR0_REGION_INDEX, 0,
					     false);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "%s", self->rep.msg);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	ASSERT_EQ(0, self->rep.count);
	/* RAM -> edu -> the liveness register of its own BAR, by DMA */
	*word = 0x0badf00d;
	test_cmd_edu_dma(&self->dev, EDU_SRC_IOVA, EDU_BUF_START, 4, false);
	test_cmd_edu_dma(&self->dev, EDU_BAR_IOVA + EDU_REG_LIVENESS,
			 EDU_BUF_START, 4, true);
	ASSERT_EQ(~0x0badf00dU, edu_read32(&self->dev, EDU_REG_LIVENESS));
	/* and read back by DMA: the BAR's ident lands in RAM */
	test_cmd_edu_dma(&self->dev, EDU_BAR_IOVA + EDU_REG_IDENT,
			 EDU_BUF_START, 4, false);
	test_cmd_edu_dma(&self->dev, EDU_DST_IOVA, EDU_BUF_START, 4, true);
	ASSERT_EQ(EDU_IDENT, *(__u32 *)self->dst);
	ASSERT_EQ(0, iommufd_backend_unmap_dma(self->be, self->ioas_id,
					       EDU_BAR_IOVA, self->page));
}
#endif

TEST_F(edu_hwpt, dirty_pages_the_device_wrote)
{
	uint64_t bitmap[1] = { 0 };
	__u32 dirty_hwpt;
	int ret;

	ret = iommufd_backend_alloc_hwpt(self->be, self->dev.devid,
					 self->ioas_id,
					 IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING, 0, 0,
					 NULL, 0, &dirty_hwpt);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "IOMMU %s (%s) of %s offers no dirty tracking (IOMMU_HWPT_ALLOC_DIRTY_TRACKING refused): %s",
		     self->iommu_name,
		     self->iommu ? self->iommu->label : "?", self->dev.bdf,
		     self->rep.msg);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, iommufd_backend_attach_device(self->be, self->dev.fd,
						   dirty_hwpt, NULL));
	ASSERT_EQ(0, iommufd_backend_set_dirty_tracking(self->be, dirty_hwpt,
							true));
	edu_round_trip(5);
	/* The page the device wrote is dirty, the one it only read is not. */
	ASSERT_EQ(0, iommufd_backend_get_dirty_bitmap(self->be, dirty_hwpt,
						      EDU_DST_IOVA, self->page,
						      self->page, 0, bitmap));
	ASSERT_EQ(1, bitmap[0]);
	bitmap[0] = 0;
	ASSERT_EQ(0, iommufd_backend_get_dirty_bitmap(self->be, dirty_hwpt,
						      EDU_SRC_IOVA, self->page,
						      self->page, 0, bitmap));
	ASSERT_EQ(0, bitmap[0]);
}

#endif

VFIO_TEST_MAIN
