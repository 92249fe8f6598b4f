/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernels libiommufd_mock.so speaks, and what each of them has: one
 * table (personality.c) of the uAPI and the behaviour that came after the
 * oldest of them, each entry with the kernel version it came in.
 *
 * The kernels are config/kernels' "mock" column (the Makefile hands them
 * over as IOMMUFD_MOCK_KERNELS, oldest first). One of them, the
 * personality, is chosen once: at the mock's first use in a process image
 * (file.c; a program exec'd into the arena too), from IOMMUFD_MOCK_KERNEL
 * (unset: the newest). The mock then answers with every
 * feature of the table that came in that version or before, and code asks
 * for a feature, never for a version:
 *
 *	if (!iommufd_mock_has(IOMMUFD_MOCK_PASID))
 *		return -EOPNOTSUPP;
 *
 * A new kernel is a line in config/kernels, plus a row here and in
 * personality.c for each behaviour it changed. A behaviour a kernel dropped
 * is the feature that replaced it (IOMMUFD_MOCK_GENERIC_PT refuses 6.12's
 * MOCK_FLAGS_DEVICE_HUGE_IOVA).
 *
 * One build speaks every kernel of the column, so it compiles against the
 * uAPI headers of the newest (the Makefile picks that tree, whatever the
 * caller builds for). Nothing in the mock asks the headers which kernel
 * they are.
 */
#ifndef IOMMUFD_MOCK_PERSONALITY_H
#define IOMMUFD_MOCK_PERSONALITY_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

/* The newest uAPI the table uses: older headers cannot build the mock. */
#if !defined(IOMMU_IOAS_NOIOMMU_GET_PA) || !defined(MOCK_PASID_WIDTH)
#error "libiommufd_mock needs the uAPI headers of the newest kernel it speaks (config/kernels, column mock); build it with make -C tools/mock, which picks that tree"
#endif

/*
 * What came after the oldest kernel the mock speaks (6.12), in the order it
 * came; personality.c says the version of each and what it covers.
 */
enum iommufd_mock_feature {
	IOMMUFD_MOCK_BASE,		/* the oldest kernel's uAPI: always */
	IOMMUFD_MOCK_IOAS_MAP_FILE,
	IOMMUFD_MOCK_IOAS_CHANGE_PROCESS,
	IOMMUFD_MOCK_VIOMMU,
	IOMMUFD_MOCK_HWPT_PAGING_FAULT,
	IOMMUFD_MOCK_VEVENTQ,
	IOMMUFD_MOCK_PASID,
	IOMMUFD_MOCK_VFIO_PASID,
	IOMMUFD_MOCK_HW_QUEUE,
	IOMMUFD_MOCK_HW_INFO_INPUT_TYPE,
	IOMMUFD_MOCK_VFIO_BIND_TOKEN,
	IOMMUFD_MOCK_VFIO_ERR_IRQ_ANY_PCI,
	IOMMUFD_MOCK_GENERIC_PT,
	IOMMUFD_MOCK_DMABUF,
	IOMMUFD_MOCK_VFIO_DMA_BUF,
	IOMMUFD_MOCK_HW_INFO_ATS,
	IOMMUFD_MOCK_NOIOMMU_GET_PA,
	IOMMUFD_MOCK_NR_FEATURES,
};

_Static_assert(IOMMUFD_MOCK_NR_FEATURES <= 64, "one bit per feature");

/* The features of the personality, one bit each (personality.c). */
extern uint64_t iommufd_mock_features
	__attribute__((visibility("hidden")));

/**
 * iommufd_mock_has() - whether the kernel the mock answers as has @feature
 * @feature: a row of the table
 *
 * Valid once iommufd_mock_personality_init() has run (the mock's first
 * use in the process image does); every ioctl comes after that.
 *
 * Return: true if @feature came in the personality's version or before.
 */
static inline bool iommufd_mock_has(enum iommufd_mock_feature feature)
{
	return (iommufd_mock_features >> feature) & 1;
}

/**
 * iommufd_mock_personality_init() - choose the personality, once
 *
 * Reads IOMMUFD_MOCK_KERNEL the first time it is called, unless
 * iommufd_mock_personality_set() chose already; later calls return the
 * first answer. A name that is not a kernel the mock speaks
 * fails, and says so once on stderr: answering as another kernel would be
 * a lie.
 *
 * Return: 0, or -ENODEV for a kernel the mock does not speak.
 */
int iommufd_mock_personality_init(void)
	__attribute__((visibility("hidden")));

/**
 * iommufd_mock_personality_set() - answer as kernel @index from now on
 * @index: 0 for the oldest kernel the mock speaks, up to
 *	   iommufd_mock_nr_kernels() - 1 for the newest
 *
 * For the fuzzer and the record replayer, which switch kernels between
 * inputs; a program's personality is chosen once, by the above.
 *
 * Return: 0, or -EINVAL for an index out of range.
 */
int iommufd_mock_personality_set(unsigned int index)
	__attribute__((visibility("hidden")));

/* The index of the personality among the kernels (the record's header). */
unsigned int iommufd_mock_personality(void)
	__attribute__((visibility("hidden")));

/* How many kernels the mock speaks; the name of the one at @index. */
unsigned int iommufd_mock_nr_kernels(void)
	__attribute__((visibility("hidden")));
const char *iommufd_mock_kernel_name(unsigned int index)
	__attribute__((visibility("hidden")));

/*
 * 6.12's MOCK_FLAGS_DEVICE_HUGE_IOVA, which the newest iommufd_test.h no
 * longer has (IOMMUFD_MOCK_GENERIC_PT took huge pages per domain instead):
 * the bit keeps its meaning for the kernels before that.
 */
#define MOCK_FLAGS_DEVICE_HUGE_IOVA_612 (1U << 1)

#endif
