// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a real PCI device bound through VFIO's cdev interface to
 * libiommufd's /dev/iommu: its IOMMU group, VFIO_DEVICE_BIND_IOMMUFD, attach
 * to an IOAS (pages pinned) and detach (unpinned), mapping its own BAR
 * (EFAULT and the library's PCI BAR warning), and the two orders of tearing
 * down (backend first, device first) leaving no fd, pin or binding behind.
 *
 * The real-IOMMU lane
 * -------------------
 * vfio_device and vfio_dma need an IOMMU driver and a device VFIO can take.
 * `scripts/vmtest --lane vfio` gives the guest both: an emulated IOMMU
 * (--iommu intel: -device intel-iommu, the default; amd: amd-iommu; virtio:
 * virtio-iommu-pci; all: each in turn) and QEMU's edu device (1234:11e8),
 * whose DMA engine vfio_dma drives. In the default (mock) lane the guest
 * boots with intel_iommu=off and has no edu, so every case skips, naming
 * what is missing. Run the lane with:
 *
 *     scripts/vmtest --lane vfio --iommu all --tests "vfio_device vfio_dma"
 *
 * Faults provoked on purpose (vfio_dma) are written to the kernel log
 * between the markers the runner knows (IOMMU_FAULT_KMSG_BEGIN/END in
 * iommu_fault_utils.h, the begin marker naming the driver); any other IOMMU
 * fault line fails the run. Where a lane promises the device,
 * IOMMUFD_HARNESS_VFIO_REQUIRE=1 (e.g. `make run_tests
 * IOMMUFD_HARNESS_VFIO_REQUIRE=1`) turns every "missing" skip into a
 * failure, so the lane cannot pass by skipping; IOMMUFD_HARNESS_IOMMU (set
 * by the runner to the --iommu it booted) must then name the driver that
 * translates for the device.
 *
 * On real hardware (opt-in)
 * -------------------------
 * As root, on a machine with an active IOMMU, point the tests at a device:
 *
 *     IOMMUFD_HARNESS_VFIO_DEVICE=0000:03:00.0 ./vfio_device
 *
 * Nothing ever picks a device on its own except QEMU's edu. The named device
 * must be unbound or already on vfio-pci: one bound to another driver is
 * never taken from it (the tests skip and say so). An unbound device gets
 * driver_override=vfio-pci and stays on vfio-pci afterwards; write an empty
 * line to its driver_override and unbind it to give it back. The tests open
 * and reset the device, enable nothing but what VFIO enables, and map only
 * test buffers and the device's own BAR (which the kernel refuses). vfio_dma
 * programs edu's DMA engine, so for any other device its cases skip.
 */
#include "edu_utils.h"
#include "iommu_fault_utils.h"
#include "vfio_utils.h"

#ifdef VFIO_UAPI_HAS_CDEV

/* Far below edu's 28-bit DMA mask and any MSI window. */
#define DEVICE_IOVA 0x100000ULL
#define DEVICE_PAGES 4

FIXTURE(vfio_device)
{
	struct vfio_pci_dev dev;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id;
	size_t length;
	void *buffer;
	long pin_kb;	/* VmPin before anything was pinned */
};

FIXTURE_SETUP(vfio_device)
{
	vfio_pci_open_or_skip(&self->dev);
	vfio_backend_start(_metadata, &self->be, &self->rep, &self->ioas_id);
	self->length = DEVICE_PAGES * iommufd_page_size();
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	memset(self->buffer, 0x5a, self->length);
	self->pin_kb = proc_vm_pin_kb(0);
	ASSERT_LE(0, self->pin_kb);
}

FIXTURE_TEARDOWN(vfio_device)
{
	vfio_pci_bar_unmap(&self->dev);
	if (self->dev.fd >= 0)
		close(self->dev.fd);
	vfio_backend_stop(self->be);
	munmap(self->buffer, self->length);
}

#define ASSERT_PINNED_KB(_kb)                                                \
	ASSERT_EQ(self->pin_kb + (long)(_kb), proc_vm_pin_kb(0))

TEST_F(vfio_device, iommu_group_holds_the_device)
{
	char group[32], members[512], type[32] = "?", drv[64], path[PATH_MAX];
	const char *want = getenv(VFIO_IOMMU_ENV);
	const struct iommu_fault_driver *iommu;
	char iommu_name[64];
	int n, fd;

	n = vfio_pci_group(self->dev.bdf, group, sizeof(group), members,
			   sizeof(members));
	ASSERT_LT(0, n);
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", group);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t len = read(fd, type, sizeof(type) - 1);

		type[len > 0 ? len - 1 : 0] = '\0';
		close(fd);
	}
	pci_sysfs_link_name(self->dev.bdf, "driver", drv, sizeof(drv));
	iommu = iommu_fault_driver_of(self->dev.bdf, iommu_name,
				      sizeof(iommu_name));
	ksft_print_msg("%s%s: IOMMU group %s (type %s), %d member(s): %s; driver %s; IOMMU %s (%s)\n",
		       self->dev.bdf, self->dev.is_edu ? " (edu)" : "", group,
		       type, n, members, drv, iommu_name,
		       iommu ? iommu->label : "a driver without a fault-log entry");
	if (want && *want)
		ASSERT_STREQ(want, iommu ? iommu->name : iommu_name)
		TH_LOG("%s=%s, but %s is translated by IOMMU '%s'",
		       VFIO_IOMMU_ENV, want, self->dev.bdf, iommu_name);
	ASSERT_NE(NULL, strstr(members, self->dev.bdf));
	ASSERT_STREQ(VFIO_DRIVER, drv);
	/*
	 * QEMU's vIOMMU gives every device on the root bus a group of its own;
	 * on real hardware a group may hold several functions, and VFIO only
	 * requires that all of them be unbound or on vfio-pci.
	 */
	if (self->dev.is_edu)
		ASSERT_EQ(1, n);
}

TEST_F(vfio_device, binds_once_to_the_backend)
{
	int iommufd = iommufd_backend_fd(self->be), other, null_fd;
	struct vfio_region_info info;
	char why[256] = "";
	__u32 devid = 0;

	ASSERT_LE(0, iommufd);
	/* Until BIND_IOMMUFD the cdev answers nothing else. */
	test_err_vfio_region_info(EINVAL, self->dev.fd,
				  VFIO_PCI_CONFIG_REGION_INDEX, &info);
	/* Not an iommufd: iommufd_ctx_from_fd() says EBADFD. */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	test_err_vfio_bind(EBADFD, self->dev.fd, null_fd);
	close(null_fd);
	test_err_vfio_bind(EINVAL, self->dev.fd, -1);

	test_cmd_vfio_bind(self->dev.fd, iommufd, &devid);
	ASSERT_NE(0, devid);
	test_cmd_vfio_region_info(self->dev.fd, VFIO_PCI_CONFIG_REGION_INDEX,
				  &info);
	ASSERT_LT(0, info.size);

	/* The device id is VFIO's to destroy, not ours. */
	test_err_neg_errno(EBUSY, iommufd_backend_free_id(self->be, devid));

	/* One binding per fd, and one open binding per device (cdev path). */
	test_err_vfio_bind(EINVAL, self->dev.fd, iommufd);
	other = vfio_pci_cdev_open(&self->dev, why, sizeof(why));
	ASSERT_LE(0, other) TH_LOG("%s", why);
	test_err_vfio_bind(EINVAL, other, iommufd);

	/* Closing the bound fd unbinds: the other fd can bind now. */
	close(self->dev.fd);
	self->dev.fd = other;
	test_cmd_vfio_bind(self->dev.fd, iommufd, &devid);
	ASSERT_NE(0, devid);
}

TEST_F(vfio_device, attach_pins_and_detach_unpins)
{
	__u32 hwpt_id = 0, again_id = 0, ioas2_id = 0, replaced_id = 0;
	long kb = self->length / 1024;

	test_cmd_vfio_bind(self->dev.fd, iommufd_backend_fd(self->be),
			   &self->dev.devid);
	test_cmd_neg_errno(iommufd_backend_map_dma(self->be, self->ioas_id,
					    DEVICE_IOVA, self->length,
					    self->buffer, false));
	/* No domain yet, so nothing needs the pages pinned. */
	ASSERT_PINNED_KB(0);

	test_cmd_vfio_attach(self->dev.fd, self->ioas_id, &hwpt_id);
	/* An IOAS given: the kernel made a paging domain, a HWPT, for it. */
	ASSERT_NE(0, hwpt_id);
	ASSERT_NE(self->ioas_id, hwpt_id);
	ASSERT_PINNED_KB(kb);
	test_err_neg_errno(EBUSY, iommufd_backend_free_id(self->be, self->ioas_id));

	test_cmd_vfio_detach(self->dev.fd);
	ASSERT_PINNED_KB(0);
	/* The automatic domain went with the detach. */
	test_err_neg_errno(ENOENT, iommufd_backend_free_id(self->be, hwpt_id));
	/* Detaching a detached device is a no-op for vfio-pci. */
	test_cmd_vfio_detach(self->dev.fd);

	test_cmd_vfio_attach(self->dev.fd, self->ioas_id, &again_id);
	ASSERT_NE(0, again_id);
	ASSERT_PINNED_KB(kb);

	/* Attaching while attached replaces: the old domain and pins go. */
	test_cmd_neg_errno(iommufd_backend_alloc_ioas(self->be, &ioas2_id));
	test_cmd_vfio_attach(self->dev.fd, ioas2_id, &replaced_id);
	ASSERT_NE(again_id, replaced_id);
	ASSERT_PINNED_KB(0);
	test_cmd_neg_errno(iommufd_backend_free_id(self->be, self->ioas_id));
	test_err_vfio_attach(ENOENT, self->dev.fd, self->ioas_id);
}

TEST_F(vfio_device, map_of_its_own_bar_is_efault)
{
	__u32 hwpt_id;

	test_cmd_vfio_bind(self->dev.fd, iommufd_backend_fd(self->be),
			   &self->dev.devid);
	test_cmd_vfio_attach(self->dev.fd, self->ioas_id, &hwpt_id);
	if (vfio_pci_bar_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX))
		SKIP(return, "%s has no BAR that VFIO lets us mmap",
		     self->dev.bdf);
	if (self->dev.is_edu)
		ASSERT_EQ(EDU_IDENT, edu_read32(&self->dev, EDU_REG_IDENT));

	/*
	 * The BAR's VMA is VM_IO | VM_PFNMAP: pin_user_pages() refuses it.
	 * The domain is attached, so the map has to pin at once and fails;
	 * the library calls that a warning, since a VMM meets it whenever a
	 * guest maps a BAR for peer-to-peer DMA.
	 */
	backend_reports_reset(&self->rep);
	test_err_neg_errno(EFAULT, iommufd_backend_map_dma(self->be, self->ioas_id,
						    DEVICE_IOVA,
						    iommufd_page_size(),
						    self->dev.bar, false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_WARNING, "map_dma", EFAULT,
			  "PCI BAR");
	ksft_print_msg("BAR%d of %s: map_dma -> %s; library: %s\n",
		       self->dev.bar_index, self->dev.bdf, strerror(EFAULT),
		       self->rep.msg);

	/* Nothing was left half-mapped, and nothing stayed pinned. */
	test_cmd_neg_errno(iommufd_backend_set_strict_unmap(self->be, true));
	test_err_neg_errno(ENOENT, iommufd_backend_unmap_dma(self->be, self->ioas_id,
						      DEVICE_IOVA,
						      iommufd_page_size()));
	ASSERT_PINNED_KB(0);
}

/*
 * After a teardown: a new backend, IOAS, cdev fd, bind, attach and map work
 * as the first did, which they could not if the old binding lingered.
 */
/*
 * Binds the open device to the backend, attaches it to the IOAS (*hwpt_id:
 * the domain the kernel chose) and maps the buffer, which pins it.
 */
static void vfio_device_bind_attach_map(struct __test_metadata *_metadata,
					FIXTURE_DATA(vfio_device) *self,
					__u32 *hwpt_id)
{
	test_cmd_vfio_bind(self->dev.fd, iommufd_backend_fd(self->be),
			   &self->dev.devid);
	test_cmd_vfio_attach(self->dev.fd, self->ioas_id, hwpt_id);
	test_cmd_neg_errno(iommufd_backend_map_dma(self->be, self->ioas_id,
					    DEVICE_IOVA, self->length,
					    self->buffer, false));
	ASSERT_PINNED_KB(self->length / 1024);
}

static void vfio_device_bind_afresh(struct __test_metadata *_metadata,
				    FIXTURE_DATA(vfio_device) *self)
{
	char why[256] = "";
	__u32 hwpt_id = 0;

	test_cmd_neg_errno(iommufd_backend_connect(self->be));
	test_cmd_neg_errno(iommufd_backend_alloc_ioas(self->be, &self->ioas_id));
	self->dev.fd = vfio_pci_cdev_open(&self->dev, why, sizeof(why));
	ASSERT_LE(0, self->dev.fd) TH_LOG("%s", why);
	vfio_device_bind_attach_map(_metadata, self, &hwpt_id);
}

TEST_F(vfio_device, backend_disconnect_then_device_close)
{
	long kb = self->length / 1024;
	int fds = backend_count_fds(), iommufd = iommufd_backend_fd(self->be);
	__u32 hwpt_id;

	vfio_device_bind_attach_map(_metadata, self, &hwpt_id);

	/* The last user: the library closes the fd it opened. */
	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(-1, iommufd_backend_fd(self->be));
	ASSERT_FALSE(backend_fd_is_open(iommufd));
	ASSERT_EQ(fds - 1, backend_count_fds());
	/*
	 * VFIO_DEVICE_BIND_IOMMUFD took a reference on the iommufd file, so
	 * the context, its IOAS, the domain and the pins outlive the fd until
	 * the device lets go.
	 */
	ASSERT_PINNED_KB(kb);

	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_EQ(fds - 2, backend_count_fds());
	ASSERT_PINNED_KB(0);

	vfio_device_bind_afresh(_metadata, self);
}

TEST_F(vfio_device, device_close_then_backend_disconnect)
{
	int fds = backend_count_fds(), iommufd = iommufd_backend_fd(self->be);
	__u32 hwpt_id;

	vfio_device_bind_attach_map(_metadata, self, &hwpt_id);

	/* Closing the device unbinds it: its domain and the pins go. */
	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_EQ(fds - 1, backend_count_fds());
	ASSERT_PINNED_KB(0);
	test_err_neg_errno(ENOENT, iommufd_backend_free_id(self->be, hwpt_id));
	test_err_neg_errno(ENOENT, iommufd_backend_free_id(self->be,
						    self->dev.devid));
	/* Nothing uses the IOAS any more: it can go, mappings and all. */
	test_cmd_neg_errno(iommufd_backend_free_id(self->be, self->ioas_id));

	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_FALSE(backend_fd_is_open(iommufd));
	ASSERT_EQ(fds - 2, backend_count_fds());

	vfio_device_bind_afresh(_metadata, self);
}

#endif /* VFIO_UAPI_HAS_CDEV */

VFIO_TEST_MAIN
