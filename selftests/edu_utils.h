/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device as a DMA engine for the real-IOMMU tests: its registers
 * in BAR0 (mmap'ed through VFIO, vfio_pci_bar_mmap()) and one DMA transfer
 * between its internal buffer and a bus address (an IOVA).
 */
#ifndef IOMMUFD_HARNESS_EDU_UTILS_H
#define IOMMUFD_HARNESS_EDU_UTILS_H

#include "vfio_utils.h"

#ifdef VFIO_UAPI_HAS_CDEV

/*
 * edu (QEMU hw/misc/edu.c, docs/specs/edu.rst): BAR0 holds 32-bit registers
 * below 0x80 and the DMA engine's 64-bit registers from 0x80. The engine
 * copies between a 4 KiB buffer inside the device, at device address
 * 0x40000, and a bus address, 100 ms (virtual clock) after the command.
 */
#define EDU_REG_IDENT 0x00	/* 0x010000ed: version 1.0, magic 0xed */
#define EDU_REG_LIVENESS 0x04	/* reads back the inverse of what was written */
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_DMA_CMD_START 0x1
#define EDU_DMA_CMD_TO_RAM 0x2	/* device buffer -> bus address */
#define EDU_IDENT 0x010000edu
#define EDU_BUF_START 0x40000ULL
#define EDU_BUF_SIZE 0x1000ULL
/*
 * The engine masks bus addresses to its 28-bit DMA mask, so IOVAs must stay
 * below 256 MiB to mean what they say.
 */
#define EDU_DMA_LIMIT (1ULL << 28)
/*
 * QEMU 7.2's edu treats a transfer that reaches the end of its buffer (e.g.
 * 4096 bytes from 0x40000) as out of bounds, and any out-of-bounds transfer
 * calls hw_error(), which aborts the whole QEMU process, guest and test run
 * with it. Transfers therefore stay well inside: at most EDU_DMA_MAX bytes,
 * ending strictly before the end of the buffer; edu_dma() refuses others.
 */
#define EDU_DMA_MAX 2048U
#define EDU_DMA_TIMEOUT_MS 5000

static inline __u32 edu_read32(const struct vfio_pci_dev *dev, unsigned int reg)
{
	return *(volatile __u32 *)((char *)dev->bar + reg);
}

static inline void edu_write32(const struct vfio_pci_dev *dev, unsigned int reg,
			       __u32 val)
{
	*(volatile __u32 *)((char *)dev->bar + reg) = val;
}

static inline __u64 edu_read64(const struct vfio_pci_dev *dev, unsigned int reg)
{
	return *(volatile __u64 *)((char *)dev->bar + reg);
}

static inline void edu_write64(const struct vfio_pci_dev *dev, unsigned int reg,
			       __u64 val)
{
	*(volatile __u64 *)((char *)dev->bar + reg) = val;
}

/*
 * One DMA transfer of count bytes between the IOVA and edu's buffer at
 * dev_addr (0x40000 + offset); to_ram: device -> memory. Waits until the
 * engine is idle again. Returns 0; -EINVAL for a transfer that would crash
 * QEMU (see EDU_DMA_MAX) or whose IOVA the engine would mask; -ETIMEDOUT
 * if the engine stays busy.
 *
 * The engine has no error status: a transfer the IOMMU refuses completes
 * like any other, and only the memory (and the IOMMU's fault log) tell.
 */
static inline int edu_dma(const struct vfio_pci_dev *dev, __u64 iova,
			  __u64 dev_addr, __u32 count, bool to_ram)
{
	struct timespec start, now;

	if (!count || count > EDU_DMA_MAX || dev_addr < EDU_BUF_START ||
	    dev_addr + count >= EDU_BUF_START + EDU_BUF_SIZE ||
	    iova + count > EDU_DMA_LIMIT)
		return -EINVAL;
	if (edu_read64(dev, EDU_REG_DMA_CMD) & EDU_DMA_CMD_START)
		return -EBUSY;
	edu_write64(dev, EDU_REG_DMA_SRC, to_ram ? dev_addr : iova);
	edu_write64(dev, EDU_REG_DMA_DST, to_ram ? iova : dev_addr);
	edu_write64(dev, EDU_REG_DMA_COUNT, count);
	edu_write64(dev, EDU_REG_DMA_CMD,
		    EDU_DMA_CMD_START | (to_ram ? EDU_DMA_CMD_TO_RAM : 0));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (edu_read64(dev, EDU_REG_DMA_CMD) & EDU_DMA_CMD_START) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 +
			    (now.tv_nsec - start.tv_nsec) / 1000000 >
		    EDU_DMA_TIMEOUT_MS)
			return -ETIMEDOUT;
		usleep(2000);
	}
	/* The device wrote memory behind the compiler's back. */
	__sync_synchronize();
	return 0;
}
#define test_cmd_edu_dma(_dev, _iova, _dev_addr, _count, _to_ram)            \
	test_cmd_neg_errno(edu_dma(_dev, _iova, _dev_addr, _count, _to_ram))

#endif /* VFIO_UAPI_HAS_CDEV */
#endif /* IOMMUFD_HARNESS_EDU_UTILS_H */
