// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU's edu device (hw/misc/edu.c, docs/specs/edu.rst in QEMU 7.2), written
 * here from its specification: the device the vfio lane assigns, so that
 * the lane's programs drive this one unmodified.
 *
 * BAR0 (1 MiB): 32-bit registers below 0x80, accessed 4 bytes at a time;
 * the DMA engine's 64-bit registers from 0x80, 4 or 8 bytes. Other sizes
 * read all ones and write nothing, as QEMU's edu_mmio_read/write refuse
 * them.
 *   0x00 RO  identification 0x010000ed
 *   0x04 RW  liveness: reads the inverse of what was written
 *   0x08 RW  factorial: a write starts computing it (status bit 0), a read
 *            gives the result
 *   0x20 RW  status: bit 0 computing (RO), bit 7 raise an interrupt (0x1)
 *            when a factorial is done
 *   0x24 RO  interrupt status
 *   0x60 WO  raise: ORs the value into the interrupt status, interrupts
 *   0x64 WO  acknowledge: clears those bits; INTx drops at zero
 *   0x80 RW  DMA source, 0x88 destination, 0x90 count
 *   0x98 RW  DMA command: bit 0 start, bit 1 device -> RAM, bit 2 raise an
 *            interrupt (0x100) when done
 * The engine copies between its 4 KiB buffer at device address 0x40000 and
 * a bus address masked to its 28-bit DMA mask.
 *
 * Where the mock differs from QEMU, and why:
 *  - a factorial and a DMA complete within the access that starts them
 *    (QEMU: a thread, and a timer 100 ms later). The status and command
 *    bits read as done at once; a program that polls them, as drivers do,
 *    sees no difference; one that expects them busy for a while does.
 *  - a DMA outside the buffer (QEMU 7.2's edu_check_range(): the transfer
 *    must end strictly before the buffer's end) is refused with one line
 *    on stderr and nothing moved, where QEMU calls hw_error() and aborts
 *    the whole virtual machine.
 *  - a DMA goes through the mock PCI IOMMU (pci_iommu.c); without Bus
 *    Master Enable it reaches nothing: reads give zeros, writes vanish, as
 *    QEMU's disabled bus-master address space does.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "vfio.h"

#define EDU_IDENT 0x010000edU
#define EDU_STATUS_COMPUTING 0x01
#define EDU_STATUS_IRQFACT 0x80
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_DMA_IRQ_VALUE 0x100
#define EDU_FACT_IRQ_VALUE 0x1
#define EDU_BUF_START 0x40000ULL
#define EDU_DMA_MASK ((1ULL << 28) - 1)

static void edu_reset(struct vfio_device *vdev)
{
	memset(&vdev->edu, 0, sizeof(vdev->edu));
}

/* edu_raise_irq(): MSI or INTx, whichever the user enabled */
static void edu_raise_irq(struct vfio_device *vdev, uint32_t val)
{
	vdev->edu.irq_status |= val;
	if (vdev->edu.irq_status)
		vfio_pci_raise_irq(vdev);
}

static void edu_lower_irq(struct vfio_device *vdev, uint32_t val)
{
	vdev->edu.irq_status &= ~val;
}

/* QEMU 7.2's within() on both ends: [addr, addr + len) inside the buffer */
static bool edu_in_buffer(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len, buf_end = EDU_BUF_START + sizeof(((struct edu_state *)0)->buf);

	return addr >= EDU_BUF_START && addr < buf_end && end > addr &&
	       end >= EDU_BUF_START && end < buf_end;
}

/* edu_dma_timer(), at once */
static void edu_dma(struct vfio_device *vdev)
{
	struct edu_state *e = &vdev->edu;
	bool to_ram = e->dma_cmd & EDU_DMA_TO_RAM;
	uint64_t dev_addr = to_ram ? e->dma_src : e->dma_dst;
	uint64_t bus = (to_ram ? e->dma_dst : e->dma_src) & EDU_DMA_MASK;
	uint8_t *buf;

	e->dma_cmd &= ~EDU_DMA_START;
	if (!edu_in_buffer(dev_addr, e->dma_cnt)) {
		fprintf(stderr, "libiommufd_mock: edu %s: DMA of 0x%llx bytes at device address 0x%llx is outside its buffer: refused (QEMU's edu aborts the machine here)\n",
			vdev->bdf, (unsigned long long)e->dma_cnt,
			(unsigned long long)dev_addr);
		return;
	}
	buf = e->buf + (dev_addr - EDU_BUF_START);
	if (!vfio_config_bus_master(vdev)) {
		if (!to_ram)
			memset(buf, 0, e->dma_cnt);
	} else {
		/* a refused DMA is recorded as a fault there; edu says nothing */
		pci_iommu_dma(vdev, bus, buf, e->dma_cnt, to_ram);
	}
	if (e->dma_cmd & EDU_DMA_IRQ)
		edu_raise_irq(vdev, EDU_DMA_IRQ_VALUE);
}

static uint64_t edu_bar_read(struct vfio_device *vdev, uint64_t off,
			     unsigned int size)
{
	struct edu_state *e = &vdev->edu;

	if ((off < 0x80 && size != 4) || (off >= 0x80 && size != 4 && size != 8))
		return ~0ULL;
	switch (off) {
	case 0x00:
		return EDU_IDENT;
	case 0x04:
		return e->liveness;
	case 0x08:
		return e->fact;
	case 0x20:
		return e->status;
	case 0x24:
		return e->irq_status;
	case 0x80:
		return e->dma_src;
	case 0x88:
		return e->dma_dst;
	case 0x90:
		return e->dma_cnt;
	case 0x98:
		return e->dma_cmd;
	}
	return ~0ULL;
}

static void edu_bar_write(struct vfio_device *vdev, uint64_t off,
			  unsigned int size, uint64_t val)
{
	struct edu_state *e = &vdev->edu;

	if ((off < 0x80 && size != 4) || (off >= 0x80 && size != 4 && size != 8))
		return;
	if (off < 0x80)
		val = (uint32_t)val;
	switch (off) {
	case 0x04:
		e->liveness = ~(uint32_t)val;
		break;
	case 0x08:
		if (e->status & EDU_STATUS_COMPUTING)
			break;
		/* edu_fact_thread(): n! in 32 bits, then the interrupt */
		e->fact = 1;
		for (uint32_t n = (uint32_t)val; n > 1; n--)
			e->fact *= n;
		if (e->status & EDU_STATUS_IRQFACT)
			edu_raise_irq(vdev, EDU_FACT_IRQ_VALUE);
		break;
	case 0x20:
		if (val & EDU_STATUS_IRQFACT)
			e->status |= EDU_STATUS_IRQFACT;
		else
			e->status &= ~EDU_STATUS_IRQFACT;
		break;
	case 0x60:
		edu_raise_irq(vdev, (uint32_t)val);
		break;
	case 0x64:
		edu_lower_irq(vdev, (uint32_t)val);
		break;
	case 0x80:
		e->dma_src = val;
		break;
	case 0x88:
		e->dma_dst = val;
		break;
	case 0x90:
		e->dma_cnt = val;
		break;
	case 0x98:
		if (!(val & EDU_DMA_START))
			break;
		e->dma_cmd = val;
		edu_dma(vdev);
		break;
	}
}

const struct vfio_pci_model edu_model = {
	.name = "edu",
	.vendor = 0x1234,
	.device = 0x11e8,
	.subsystem_vendor = 0x1af4,	/* QEMU's default subsystem ids */
	.subsystem_device = 0x1100,
	.revision = 0x10,
	.class = 0x00ff00,		/* PCI_CLASS_OTHERS as QEMU sets it */
	.bar0_size = 1 << 20,
	.msi = true,
	.reset = edu_reset,
	.bar_read = edu_bar_read,
	.bar_write = edu_bar_write,
};
