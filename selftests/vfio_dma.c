// SPDX-License-Identifier: GPL-2.0
/*
 * Description: real DMA through mappings libiommufd makes: QEMU's edu
 * device, bound through VFIO's cdev interface and attached to an IOAS on the
 * guest's IOMMU (VT-d, AMD-Vi or virtio-iommu), copies memory -> device ->
 * memory (every byte checked); its writes do not reach a readonly mapping,
 * an unmapped IOVA or, once detached, any IOVA (memory proves it), and the
 * driver logs each refused write where it logs such refusals at all; a
 * bound device keeps the iommufd context alive after the backend
 * disconnects.
 *
 * Every case runs twice: with the device attached before the mappings are
 * made (each map goes straight into the live domain) and after (the attach
 * fills a new domain from the IOAS). See vfio_device.c for how to run the
 * real-IOMMU lane; these cases need edu and skip for any other device.
 */
#include "edu_utils.h"
#include "iommu_fault_utils.h"
#include "vfio_utils.h"

#ifdef VFIO_UAPI_HAS_CDEV

/* IOVAs of the test buffers: page-aligned, below edu's 28-bit DMA mask. */
#define SRC_IOVA 0x100000ULL
#define DST_IOVA 0x200000ULL
#define RO_IOVA 0x300000ULL
/* Land the copy off page alignment, to see the IOMMU keep the offset. */
#define DST_OFFSET 0x100
#define XFER EDU_DMA_MAX

FIXTURE(vfio_dma)
{
	struct vfio_pci_dev dev;
	struct iommufd_backend *be;
	struct backend_reports rep;
	struct iommu_fault_watch watch;
	const struct iommu_fault_driver *iommu;	/* NULL: not in the table */
	char iommu_name[64];
	__u32 ioas_id, hwpt_id;
	size_t page;
	unsigned char *src, *dst, *ro;
};

FIXTURE_VARIANT(vfio_dma)
{
	bool map_before_attach;
};

FIXTURE_VARIANT_ADD(vfio_dma, attach_then_map)
{
	.map_before_attach = false,
};

FIXTURE_VARIANT_ADD(vfio_dma, map_then_attach)
{
	.map_before_attach = true,
};

FIXTURE_SETUP(vfio_dma)
{
	self->watch.fd = -1;
	vfio_pci_open_or_skip(&self->dev);
	if (!self->dev.is_edu)
		SKIP(return, "%s is not QEMU's edu (%04x:%04x): these cases program edu's DMA engine",
		     self->dev.bdf, EDU_VENDOR, EDU_DEVICE);
	self->iommu = iommu_fault_driver_of(self->dev.bdf, self->iommu_name,
					    sizeof(self->iommu_name));
	vfio_backend_start(_metadata, &self->be, &self->rep, &self->ioas_id);
	test_cmd_vfio_bind(self->dev.fd, iommufd_backend_fd(self->be),
			   &self->dev.devid);
	test_cmd_neg_errno(vfio_pci_config_locate(&self->dev));
	test_cmd_neg_errno(vfio_pci_bar_mmap(&self->dev, VFIO_PCI_BAR0_REGION_INDEX));
	ASSERT_EQ(VFIO_PCI_BAR0_REGION_INDEX, self->dev.bar_index);
	ASSERT_EQ(EDU_IDENT, edu_read32(&self->dev, EDU_REG_IDENT));
	/* Writes reach the device too: it hands back their inverse. */
	edu_write32(&self->dev, EDU_REG_LIVENESS, 0x600dcafe);
	ASSERT_EQ(~0x600dcafeU, edu_read32(&self->dev, EDU_REG_LIVENESS));
	test_cmd_neg_errno(vfio_pci_bus_master(&self->dev, true));

	self->page = iommufd_page_size();
	self->src = iommufd_test_buffer(self->page);
	self->dst = iommufd_test_buffer(self->page);
	self->ro = iommufd_test_buffer(self->page);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	ASSERT_NE(NULL, self->ro);
	memset(self->dst, 0, self->page);
	if (!variant->map_before_attach)
		test_cmd_vfio_attach(self->dev.fd, self->ioas_id,
				     &self->hwpt_id);
}

/*
 * Measured: built with -O2, 6.12's kselftest_harness.h does not run the
 * teardown after a failed ASSERT (its fork()'s `child` is a non-volatile
 * local read back after the longjmp). So nothing here is needed for
 * correctness: the process exit closes the fds, and the fault bracket is
 * closed by vfio_dma_write_must_fault() itself.
 */
FIXTURE_TEARDOWN(vfio_dma)
{
	if (self->watch.fd >= 0)
		iommu_fault_end(&self->watch);
	vfio_pci_bar_unmap(&self->dev);
	if (self->dev.fd >= 0)
		close(self->dev.fd);
	vfio_backend_stop(self->be);
	munmap(self->src, self->page);
	munmap(self->dst, self->page);
	munmap(self->ro, self->page);
}

struct vfio_dma_map {
	__u64 iova;
	void *buffer;
	bool readonly;
};

/*
 * Makes the case's mappings, one page each, in the variant's order with
 * respect to the attach.
 */
static void vfio_dma_map_all(struct __test_metadata *_metadata,
			     FIXTURE_DATA(vfio_dma) *self,
			     const FIXTURE_VARIANT(vfio_dma) *variant,
			     const struct vfio_dma_map *maps, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		test_cmd_neg_errno(iommufd_backend_map_dma(self->be, self->ioas_id,
						    maps[i].iova, self->page,
						    maps[i].buffer,
						    maps[i].readonly));
	if (variant->map_before_attach)
		test_cmd_vfio_attach(self->dev.fd, self->ioas_id,
				     &self->hwpt_id);
	ASSERT_NE(0, self->hwpt_id);
}

static void vfio_dma_pattern(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 131 + seed * 29 + (i >> 8));
}

/* Index of the first byte where a and b differ, or -1. */
static long vfio_dma_first_diff(const unsigned char *a, const unsigned char *b,
				size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return -1;
}

static bool vfio_dma_all(const unsigned char *p, size_t len, unsigned char v)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Loads edu's buffer with XFER bytes of pattern `seed`, through src. */
static void vfio_dma_load_device(struct __test_metadata *_metadata,
				 FIXTURE_DATA(vfio_dma) *self,
				 unsigned int seed)
{
	vfio_dma_pattern(self->src, XFER, seed);
	test_cmd_edu_dma(&self->dev, SRC_IOVA, EDU_BUF_START, XFER, false);
}

/*
 * Has edu write its buffer to iova, where the IOMMU must refuse it (kind
 * says why). mem is the page the CPU sees behind iova (or behind it before
 * it was unmapped or detached). The verdict, in this order:
 *   - the page changed: the write landed, the IOMMU let it through;
 *   - the page is intact: refused. Then the driver's fault log, the second
 *     witness: a line for this write is printed; none fails the test where
 *     the driver logs this kind of refusal, and where it does not (its
 *     table entry says why) or the driver is not known, the test says that
 *     the memory witness alone decided.
 * The write and the log line lie between the markers that tell the runner
 * the fault is wanted. Nothing asserts inside the bracket: the end marker
 * is written whatever happens (the 6.12 harness may skip teardown after a
 * failed assertion, see FIXTURE_TEARDOWN).
 */
static void vfio_dma_write_must_fault(struct __test_metadata *_metadata,
				      FIXTURE_DATA(vfio_dma) *self, __u64 iova,
				      const unsigned char *mem,
				      enum iommu_fault_kind kind)
{
	const struct iommu_fault_driver *drv = self->iommu;
	const char *silent = drv ? drv->silent[kind] : NULL;
	unsigned char *before = malloc(self->page);
	int begun, dma = -1, logged = -1;
	char line[512] = "";
	long diff;

	ASSERT_NE(NULL, before);
	memcpy(before, mem, self->page);
	/* A write that landed must show: the device holds other bytes. */
	ASSERT_NE(-1, vfio_dma_first_diff(before, self->src, XFER));
	begun = iommu_fault_begin(&self->watch, drv);
	if (!begun)
		dma = edu_dma(&self->dev, iova, EDU_BUF_START, XFER, true);
	if (!dma)
		logged = iommu_fault_wait(&self->watch, self->dev.bdf, true,
					  iova, line, sizeof(line));
	iommu_fault_end(&self->watch);
	test_cmd_neg_errno(begun);
	test_cmd_neg_errno(dma);
	diff = vfio_dma_first_diff(mem, before, self->page);
	free(before);
	ASSERT_EQ(-1, diff)
	TH_LOG("%s (iova 0x%llx, by %s) LANDED (byte %ld changed; %s): the IOMMU (%s) let it through",
	       iommu_fault_kind_name(kind), (unsigned long long)iova,
	       self->dev.bdf, diff,
	       logged ? "no fault logged" : "a fault was logged too",
	       self->iommu_name);
	if (!logged) {
		ksft_print_msg("dma: %s (iova 0x%llx) refused, memory intact; %s logged: %s\n",
			       iommu_fault_kind_name(kind),
			       (unsigned long long)iova, drv->label, line);
		return;
	}
	if (!drv) {
		ksft_print_msg("dma: %s (iova 0x%llx) refused, memory intact; IOMMU '%s' has no fault-log pattern here: the memory witness alone decides\n",
			       iommu_fault_kind_name(kind),
			       (unsigned long long)iova, self->iommu_name);
		return;
	}
	if (silent) {
		ksft_print_msg("dma: %s (iova 0x%llx) refused, memory intact; %s logs nothing for it (%s): the memory witness alone decides\n",
			       iommu_fault_kind_name(kind),
			       (unsigned long long)iova, drv->label, silent);
		return;
	}
	ASSERT_EQ(0, logged)
	TH_LOG("%s (iova 0x%llx, by %s) did not land (memory intact), but %s logged no fault line for it within %d ms",
	       iommu_fault_kind_name(kind), (unsigned long long)iova,
	       self->dev.bdf, drv->label, IOMMU_FAULT_WAIT_MS);
}

TEST_F(vfio_dma, copy_round_trip)
{
	const struct vfio_dma_map maps[] = {
		{ SRC_IOVA, self->src, false },
		{ DST_IOVA, self->dst, false },
	};
	long diff;

	vfio_dma_map_all(_metadata, self, variant, maps, 2);
	vfio_dma_pattern(self->src, self->page, 1);

	/* memory -> device, then device -> memory at another IOVA. */
	test_cmd_edu_dma(&self->dev, SRC_IOVA, EDU_BUF_START, XFER, false);
	test_cmd_edu_dma(&self->dev, DST_IOVA + DST_OFFSET, EDU_BUF_START, XFER,
			 true);

	diff = vfio_dma_first_diff(self->dst + DST_OFFSET, self->src, XFER);
	ASSERT_EQ(-1, diff) TH_LOG("byte %ld: 0x%02x, expected 0x%02x", diff,
				   self->dst[DST_OFFSET + diff], self->src[diff]);
	/* Not a byte more, not a byte less. */
	ASSERT_TRUE(vfio_dma_all(self->dst, DST_OFFSET, 0));
	ASSERT_TRUE(vfio_dma_all(self->dst + DST_OFFSET + XFER,
				 self->page - DST_OFFSET - XFER, 0));
	ksft_print_msg("dma: %u bytes memory (iova 0x%llx) -> edu 0x%llx -> memory (iova 0x%llx): all %u match, the %zu around untouched\n",
		       XFER, SRC_IOVA, EDU_BUF_START, DST_IOVA + DST_OFFSET,
		       XFER, self->page - XFER);
}

TEST_F(vfio_dma, readonly_mapping_refuses_device_write)
{
	const struct vfio_dma_map maps[] = {
		{ SRC_IOVA, self->src, false },
		{ DST_IOVA, self->dst, false },
		{ RO_IOVA, self->ro, true },
	};
	unsigned char *before = malloc(self->page);

	ASSERT_NE(NULL, before);
	vfio_dma_pattern(self->ro, self->page, 2);
	memcpy(before, self->ro, self->page);
	vfio_dma_map_all(_metadata, self, variant, maps, 3);

	/*
	 * Not writeable: the write faults and the memory stays. The write
	 * comes first on purpose: once a read has put the page's translation
	 * in QEMU's emulated IOTLB, QEMU drops a later write to it without
	 * recording a fault (it checks the cached permission, not the page
	 * table), so the fault log would stay silent. Real VT-d faults
	 * either way.
	 */
	vfio_dma_load_device(_metadata, self, 3);
	vfio_dma_write_must_fault(_metadata, self, RO_IOVA, self->ro,
				  IOMMU_FAULT_READONLY);
	ASSERT_EQ(-1, vfio_dma_first_diff(self->ro, before, self->page));

	/* But readable: the device reads it like any memory. */
	test_cmd_edu_dma(&self->dev, RO_IOVA, EDU_BUF_START, XFER, false);
	test_cmd_edu_dma(&self->dev, DST_IOVA, EDU_BUF_START, XFER, true);
	ASSERT_EQ(-1, vfio_dma_first_diff(self->dst, self->ro, XFER));
	free(before);
}

TEST_F(vfio_dma, unmapped_iova_no_longer_reaches_memory)
{
	const struct vfio_dma_map maps[] = {
		{ SRC_IOVA, self->src, false },
		{ DST_IOVA, self->dst, false },
	};
	long pinned;

	vfio_dma_map_all(_metadata, self, variant, maps, 2);
	vfio_dma_load_device(_metadata, self, 4);
	/* Mapped: the write lands. */
	test_cmd_edu_dma(&self->dev, DST_IOVA, EDU_BUF_START, XFER, true);
	ASSERT_EQ(-1, vfio_dma_first_diff(self->dst, self->src, XFER));

	memset(self->dst, 0, self->page);
	pinned = proc_vm_pin_kb(0);
	test_cmd_neg_errno(iommufd_backend_unmap_dma(self->be, self->ioas_id,
					      DST_IOVA, self->page));
	/* The page is unpinned: the domain no longer points at it. */
	ASSERT_EQ(pinned - (long)self->page / 1024, proc_vm_pin_kb(0));
	vfio_dma_write_must_fault(_metadata, self, DST_IOVA, self->dst,
				  IOMMU_FAULT_UNMAPPED);
	ASSERT_TRUE(vfio_dma_all(self->dst, self->page, 0));
}

TEST_F(vfio_dma, detach_blocks_dma_and_reattach_restores_it)
{
	const struct vfio_dma_map maps[] = {
		{ SRC_IOVA, self->src, false },
		{ DST_IOVA, self->dst, false },
	};
	__u32 hwpt_id = 0;

	vfio_dma_map_all(_metadata, self, variant, maps, 2);
	vfio_dma_load_device(_metadata, self, 5);

	/*
	 * Detached, the device is in a blocking domain (VFIO keeps DMA
	 * ownership of it): no IOVA translates, mapped or not.
	 */
	test_cmd_vfio_detach(self->dev.fd);
	vfio_dma_write_must_fault(_metadata, self, DST_IOVA, self->dst,
				  IOMMU_FAULT_BLOCKED);
	ASSERT_TRUE(vfio_dma_all(self->dst, self->page, 0));

	/* Attached again, the same IOVA reaches the same memory. */
	test_cmd_vfio_attach(self->dev.fd, self->ioas_id, &hwpt_id);
	test_cmd_edu_dma(&self->dev, DST_IOVA, EDU_BUF_START, XFER, true);
	ASSERT_EQ(-1, vfio_dma_first_diff(self->dst, self->src, XFER));
}

TEST_F(vfio_dma, bound_device_outlives_backend_disconnect)
{
	const struct vfio_dma_map maps[] = {
		{ SRC_IOVA, self->src, false },
		{ DST_IOVA, self->dst, false },
	};

	vfio_dma_map_all(_metadata, self, variant, maps, 2);
	vfio_dma_load_device(_metadata, self, 6);

	/*
	 * The last user closes /dev/iommu, but the bound device holds the
	 * iommufd context: the IOAS and its domain stay, and DMA still lands.
	 */
	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	test_cmd_edu_dma(&self->dev, DST_IOVA, EDU_BUF_START, XFER, true);
	ASSERT_EQ(-1, vfio_dma_first_diff(self->dst, self->src, XFER));

	/*
	 * Closing the device drops the context: every pin goes. The BAR's
	 * mmap holds the device file too, so it goes first.
	 */
	vfio_pci_bar_unmap(&self->dev);
	close(self->dev.fd);
	self->dev.fd = -1;
	ASSERT_EQ(0, proc_vm_pin_kb(0));
}

#endif /* VFIO_UAPI_HAS_CDEV */

VFIO_TEST_MAIN
