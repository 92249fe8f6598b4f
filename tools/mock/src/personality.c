// SPDX-License-Identifier: GPL-2.0
/*
 * The personality table (personality.h): what came after the oldest kernel
 * the mock speaks, and the version of each. No kernel file mirrors this.
 *
 * A version is the mainline release whose merge window took the change
 * (the kernel's commits and their dates); the mock's kernels are Debian's
 * builds of such releases (config/kernels). Each row says what the mock
 * does differently with it and where; the rest of the mock asks
 * iommufd_mock_has() and never a version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personality.h"

#ifndef IOMMUFD_MOCK_KERNELS
#error "IOMMUFD_MOCK_KERNELS: the kernels the mock speaks, oldest first (config/kernels, column mock; the Makefile sets it)"
#endif

#define KV(major, minor) ((major) << 16 | (minor))

struct iommufd_mock_feature_row {
	unsigned int since;	/* KV() of the release it came in */
	const char *what;
};

static const struct iommufd_mock_feature_row
	iommufd_mock_table[IOMMUFD_MOCK_NR_FEATURES] = {
	[IOMMUFD_MOCK_BASE] = { KV(6, 12),
		"the uAPI of the oldest kernel the mock speaks" },
	[IOMMUFD_MOCK_IOAS_MAP_FILE] = { KV(6, 13),
		"IOMMU_IOAS_MAP_FILE (ioas.c)" },
	[IOMMUFD_MOCK_IOAS_CHANGE_PROCESS] = { KV(6, 13),
		"IOMMU_IOAS_CHANGE_PROCESS (ioas.c)" },
	/*
	 * With the vIOMMU, HWPT_INVALIDATE looks up any object and
	 * dispatches on its type: a paging HWPT is EINVAL where 6.12 looked
	 * up nested HWPTs only (ENOENT).
	 */
	[IOMMUFD_MOCK_VIOMMU] = { KV(6, 13),
		"IOMMU_VIOMMU_ALLOC, IOMMU_VDEVICE_ALLOC, a nested HWPT on a vIOMMU, "
		"HWPT_INVALIDATE of a vIOMMU and of any object type (hw_pagetable.c), "
		"the mock device caches and TEST_OP_DEV_CHECK_CACHE (selftest.c)" },
	[IOMMUFD_MOCK_HWPT_PAGING_FAULT] = { KV(6, 13),
		"IOMMU_HWPT_FAULT_ID_VALID on a paging HWPT (hw_pagetable.c)" },
	[IOMMUFD_MOCK_VEVENTQ] = { KV(6, 15),
		"IOMMU_VEVENTQ_ALLOC (eventq.c), TEST_OP_TRIGGER_VEVENT; a vIOMMU's "
		"nested domain attaches only with a vDEVICE (selftest.c)" },
	[IOMMUFD_MOCK_PASID] = { KV(6, 15),
		"IOMMU_HWPT_ALLOC_PASID, MOCK_FLAGS_DEVICE_PASID (GET_HW_INFO's "
		"out_max_pasid_log2 of such a device, device.c), TEST_OP_PASID_* "
		"(selftest_pasid.c), on the mock PCI IOMMU too (pci_iommu.c)" },
	/*
	 * Whether a PASID then attaches is the IOMMU's business: the mock
	 * edu has no PASID capability (pci_iommu.c).
	 */
	[IOMMUFD_MOCK_VFIO_PASID] = { KV(6, 15),
		"VFIO_DEVICE_ATTACH_PASID and _DETACH_PASID of a vfio-pci device's "
		"ATTACH/DETACH_IOMMUFD_PT (device_cdev.c; before, any flag is "
		"EINVAL)" },
	[IOMMUFD_MOCK_HW_QUEUE] = { KV(6, 17),
		"IOMMU_HW_QUEUE_ALLOC (viommu.c), mmap() of /dev/iommu (driver.c)" },
	[IOMMUFD_MOCK_HW_INFO_INPUT_TYPE] = { KV(6, 17),
		"GET_HW_INFO's IOMMU_HW_INFO_FLAG_INPUT_TYPE (device.c)" },
	[IOMMUFD_MOCK_VFIO_BIND_TOKEN] = { KV(6, 17),
		"VFIO_DEVICE_BIND_FLAG_TOKEN and token_uuid_ptr in "
		"VFIO_DEVICE_BIND_IOMMUFD (device_cdev.c; before, any flag is "
		"EINVAL)" },
	/*
	 * 6.12's vfio_pci_get_irq_count() counts the error interrupt only on
	 * PCI Express, and GET_IRQ_INFO answers EINVAL for it elsewhere.
	 */
	[IOMMUFD_MOCK_VFIO_ERR_IRQ_ANY_PCI] = { KV(6, 17),
		"VFIO_PCI_ERR_IRQ_INDEX on a conventional PCI device such as edu "
		"(vfio_pci_core.c)" },
	/*
	 * The selftest's mock domain on the generic page table (AMDv1 with a
	 * 2 KiB granule) instead of an xarray of 2 KiB IO pages.
	 */
	[IOMMUFD_MOCK_GENERIC_PT] = { KV(6, 19),
		"the mock domain's generic page table (selftest.c): driver data "
		"with pagetable_type on paging HWPT_ALLOC, nested data 8 bytes, "
		"MOCK_FLAGS_DEVICE_HUGE_IOVA refused, a dirty bit per leaf, "
		"TEST_OP_DIRTY by leaf, MD_CHECK_MAP finds the domain first, "
		"VFIO's iova_pgsizes from the table" },
	/*
	 * 7.3's iommufd_test_dmabuf_get() answers 0 where it made an fd
	 * (a kernel bug, shared/FACTS.md); the mock answers as the kernel.
	 */
	[IOMMUFD_MOCK_DMABUF] = { KV(6, 19),
		"TEST_OP_DMABUF_GET and _REVOKE, IOAS_MAP_FILE of a dma-buf "
		"(selftest_dmabuf.c)" },
	[IOMMUFD_MOCK_VFIO_DMA_BUF] = { KV(6, 19),
		"VFIO_DEVICE_FEATURE_DMA_BUF of a vfio-pci BAR "
		"(vfio_pci_dmabuf.c)" },
	[IOMMUFD_MOCK_HW_INFO_ATS] = { KV(7, 1),
		"GET_HW_INFO's IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED (device.c)" },
	[IOMMUFD_MOCK_NOIOMMU_GET_PA] = { KV(7, 3),
		"IOMMU_IOAS_NOIOMMU_GET_PA (ioas.c; EOPNOTSUPP without "
		"CONFIG_IOMMUFD_NOIOMMU)" },
};

uint64_t iommufd_mock_features;

/* Chosen (by the environment or for the fuzzer), and with what result. */
static bool g_chosen;
static int g_choice_rc;

#define MAX_KERNELS 16

static struct {
	char names[MAX_KERNELS][16];
	unsigned int versions[MAX_KERNELS];
	unsigned int n;
	unsigned int current;
} g_kernels;

/* "6.12" → KV(6, 12); 0 if it is not MAJOR.MINOR */
static unsigned int parse_version(const char *s)
{
	unsigned int major, minor;
	int end = 0;

	if (sscanf(s, "%u.%u%n", &major, &minor, &end) != 2 || s[end])
		return 0;
	return KV(major, minor);
}

/* IOMMUFD_MOCK_KERNELS into g_kernels; aborts on a malformed build. */
static void kernels_parse(void)
{
	char list[] = IOMMUFD_MOCK_KERNELS, *save, *tok;

	if (g_kernels.n)
		return;
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		unsigned int v = parse_version(tok);

		if (!v || g_kernels.n == MAX_KERNELS ||
		    strlen(tok) >= sizeof(g_kernels.names[0]) ||
		    (g_kernels.n && v <= g_kernels.versions[g_kernels.n - 1]) ||
		    v < iommufd_mock_table[IOMMUFD_MOCK_BASE].since) {
			fprintf(stderr,
				"libiommufd_mock: built with IOMMUFD_MOCK_KERNELS=\"%s\": "
				"'%s' is not a kernel it can speak (MAJOR.MINOR, oldest first, none before %u.%u)\n",
				IOMMUFD_MOCK_KERNELS, tok,
				iommufd_mock_table[IOMMUFD_MOCK_BASE].since >> 16,
				iommufd_mock_table[IOMMUFD_MOCK_BASE].since & 0xffff);
			abort();
		}
		strcpy(g_kernels.names[g_kernels.n], tok);
		g_kernels.versions[g_kernels.n++] = v;
	}
	if (!g_kernels.n) {
		fprintf(stderr, "libiommufd_mock: built with no kernel to speak (IOMMUFD_MOCK_KERNELS is empty)\n");
		abort();
	}
}

int iommufd_mock_personality_set(unsigned int index)
{
	uint64_t bits = 0;

	kernels_parse();
	if (index >= g_kernels.n)
		return -EINVAL;
	for (unsigned int f = 0; f < IOMMUFD_MOCK_NR_FEATURES; f++)
		if (iommufd_mock_table[f].since <= g_kernels.versions[index])
			bits |= 1ULL << f;
	g_kernels.current = index;
	iommufd_mock_features = bits;
	g_chosen = true;
	return 0;
}

int iommufd_mock_personality_init(void)
{
	const char *want;
	unsigned int i;

	if (g_chosen)
		return g_choice_rc;
	g_chosen = true;
	kernels_parse();
	want = getenv("IOMMUFD_MOCK_KERNEL");
	if (!want || !*want)
		return iommufd_mock_personality_set(g_kernels.n - 1);
	for (i = 0; i < g_kernels.n; i++)
		if (!strcmp(want, g_kernels.names[i]))
			return iommufd_mock_personality_set(i);
	fprintf(stderr,
		"libiommufd_mock: IOMMUFD_MOCK_KERNEL=%s: not a kernel this build speaks (%s)\n",
		want, IOMMUFD_MOCK_KERNELS);
	g_choice_rc = -ENODEV;
	return g_choice_rc;
}

unsigned int iommufd_mock_personality(void)
{
	return g_kernels.current;
}

unsigned int iommufd_mock_nr_kernels(void)
{
	kernels_parse();
	return g_kernels.n;
}

const char *iommufd_mock_kernel_name(unsigned int index)
{
	kernels_parse();
	return index < g_kernels.n ? g_kernels.names[index] : NULL;
}
