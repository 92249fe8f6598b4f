// SPDX-License-Identifier: GPL-2.0
/*
 * Description: each IOMMU driver's fault line, as 6.12 and 7.3 print it,
 * is recognised by iommu_fault_utils.h for what it is (the driver's
 * pattern, the device, the page, the direction) and for nothing else; no
 * device or IOMMU needed, so it runs on any host.
 *
 * The vfio lane (vfio_dma.c) relies on these matchers to find the line of
 * the fault it provoked; a matcher that drifted from a kernel's format would
 * turn a logged fault into "no fault line" there, and one too loose would
 * take another device's fault for ours.
 */
#include "kselftest_harness.h"
#include "iommu_fault_utils.h"

#define BDF "0000:00:0b.0"	/* devfn 0x58: virtio-iommu endpoint 88 */
#define PAGE 0x200000ULL

struct fault_sample {
	const char *driver;
	const char *line;
	bool write;
};

/* Formats from the kernel sources iommu_fault_utils.h cites. */
static const struct fault_sample samples[] = {
	/* VT-d on 6.12: bus:slot.func */
	{ "intel", "DMAR: [DMA Write NO_PASID] Request device [00:0b.0] fault addr 0x200000 [fault reason 0x05] PTE Write access is not set", true },
	/* VT-d on 7.3: with the PCI segment */
	{ "intel", "DMAR: [DMA Write NO_PASID] Request device [0000:00:0b.0] fault addr 0x200000 [fault reason 0x05] PTE Write access is not set", true },
	{ "intel", "DMAR: [DMA Read NO_PASID] Request device [0000:00:0b.0] fault addr 0x200000 [fault reason 0x06] PTE Read access is not set", false },
	/* AMD-Vi, 6.12 and 7.3 alike: a device it knows, and one it does not */
	{ "amd", "vfio-pci 0000:00:0b.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0x200800 flags=0x0020]", true },
	{ "amd", "AMD-Vi: Event logged [IO_PAGE_FAULT device=0000:00:0b.0 domain=0x0002 address=0x200000 flags=0x0000]", true },
	/* virtio-iommu, 6.12 and 7.3 alike: a permission, a missing mapping */
	{ "virtio", "virtio_iommu virtio0: page fault from EP 88 at 0x200000 [W]", true },
	{ "virtio", "virtio_iommu virtio0: page fault from EP 88 at 0x200800 []", true },
	/* the userspace mock's record (tools/mock pci_iommu.c) */
	{ "mock", "iommufd-mock0: [DMA Write] device 0000:00:0b.0 iova 0x200000: mapped readonly", true },
	{ "mock", "iommufd-mock0: [DMA Read] device 0000:00:0b.0 iova 0x200000: not mapped", false },
};

#define NR_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static const struct iommu_fault_driver *driver_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < IOMMU_FAULT_NR_DRIVERS; i++)
		if (!strcmp(iommu_fault_drivers[i].name, name))
			return &iommu_fault_drivers[i];
	return NULL;
}

TEST(each_line_is_its_drivers_and_no_others)
{
	unsigned int i, d;

	for (i = 0; i < NR_SAMPLES; i++) {
		for (d = 0; d < IOMMU_FAULT_NR_DRIVERS; d++) {
			const struct iommu_fault_driver *drv = &iommu_fault_drivers[d];
			bool own = !strcmp(drv->name, samples[i].driver);

			EXPECT_EQ(own, iommu_fault_line_is(drv, samples[i].line))
			TH_LOG("%s's pattern on: %s", drv->name, samples[i].line);
			EXPECT_EQ(own, drv->matches(samples[i].line, BDF,
						    samples[i].write, PAGE))
			TH_LOG("%s's matcher on: %s", drv->name, samples[i].line);
		}
	}
}

TEST(another_device_or_page_is_not_ours)
{
	unsigned int i;

	for (i = 0; i < NR_SAMPLES; i++) {
		const struct iommu_fault_driver *drv = driver_named(samples[i].driver);

		ASSERT_NE(NULL, drv);
		EXPECT_FALSE(drv->matches(samples[i].line, "0000:00:0c.0",
					  samples[i].write, PAGE))
		TH_LOG("device 00:0c.0 on: %s", samples[i].line);
		EXPECT_FALSE(drv->matches(samples[i].line, BDF,
					  samples[i].write, PAGE + 0x1000))
		TH_LOG("the next page on: %s", samples[i].line);
	}
}

TEST(direction_where_the_line_says_it)
{
	const struct iommu_fault_driver *intel = driver_named("intel");
	const struct iommu_fault_driver *virtio = driver_named("virtio");

	ASSERT_NE(NULL, intel);
	ASSERT_NE(NULL, virtio);
	/* VT-d names the direction: a read is not our write. */
	EXPECT_FALSE(intel->matches(samples[2].line, BDF, true, PAGE));
	EXPECT_FALSE(intel->matches(samples[1].line, BDF, false, PAGE));
	/* virtio-iommu: a fault of the read permission alone is no write's. */
	EXPECT_FALSE(virtio->matches("virtio_iommu virtio0: page fault from EP 88 at 0x200000 [R]",
				     BDF, true, PAGE));
}

TEST(ratelimit_passes_per_line)
{
	const struct iommu_fault_driver *intel = driver_named("intel");

	ASSERT_NE(NULL, intel);
	/* dmar_fault(): the status line stands for two passes, a record one. */
	EXPECT_EQ(2, iommu_fault_passes(intel, "DMAR: DRHD: handling fault status reg 2"));
	EXPECT_EQ(1, iommu_fault_passes(intel, samples[1].line));
	EXPECT_EQ(0, iommu_fault_passes(intel, samples[5].line));
	EXPECT_EQ(1, iommu_fault_passes(driver_named("virtio"), samples[5].line));
}

TEST_HARNESS_MAIN
