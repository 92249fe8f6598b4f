// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/pci/vfio_pci_config.c, checked against Linux 6.12
 * and 7.3, for what a conventional PCI endpoint with one memory BAR and an
 * MSI capability shows: the user's view of config space (vconfig). The ids,
 * class and capability pointers are read-only; the command register's
 * enables, the interrupt line and the MSI capability's writable fields take
 * what the user writes; BAR0 answers sizing (all ones written: the size
 * mask) as vfio_bar_fixup() does, and otherwise reads back what was written
 * under its size, with its flag bits.
 *
 * The layout is the device's (QEMU's edu: MSI at 0x40, 64-bit, one vector,
 * no per-vector masking); the physical BAR address is made up (below 4 GiB,
 * as a 32-bit BAR must be).
 */
#define _GNU_SOURCE
#include <string.h>
#include <linux/pci_regs.h>

#include "vfio.h"

#define VFIO_MOCK_MSI_CAP 0x40
/* where the "firmware" put BAR0: unique per device, BAR-size aligned */
#define VFIO_MOCK_BAR0_BASE 0xfe000000U

static void cfg_put16(uint8_t *c, unsigned int pos, uint16_t v)
{
	c[pos] = v;
	c[pos + 1] = v >> 8;
}

static void cfg_put32(uint8_t *c, unsigned int pos, uint32_t v)
{
	cfg_put16(c, pos, v);
	cfg_put16(c, pos + 2, v >> 16);
}

static uint32_t cfg_get(const uint8_t *c, unsigned int pos, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)c[pos + i] << (8 * i);
	return v;
}

/*
 * What the device's config space holds after a reset, as the firmware left
 * it: memory decoding on (SeaBIOS enables it on a device whose BARs it
 * assigned; vfio-pci restores that state when the device is closed).
 */
void vfio_config_reset(struct vfio_device *vdev)
{
	const struct vfio_pci_model *m = vfio_model(vdev);
	uint8_t *c = vdev->vconfig;

	memset(c, 0, VFIO_MOCK_CFG_SIZE);
	cfg_put16(c, PCI_VENDOR_ID, m->vendor);
	cfg_put16(c, PCI_DEVICE_ID, m->device);
	c[PCI_REVISION_ID] = m->revision;
	c[PCI_CLASS_PROG] = m->class & 0xff;
	cfg_put16(c, PCI_CLASS_DEVICE, m->class >> 8);
	cfg_put16(c, PCI_SUBSYSTEM_VENDOR_ID, m->subsystem_vendor);
	cfg_put16(c, PCI_SUBSYSTEM_ID, m->subsystem_device);
	c[PCI_INTERRUPT_PIN] = 1;
	c[PCI_COMMAND] = PCI_COMMAND_MEMORY;
	vdev->bar0_user = VFIO_MOCK_BAR0_BASE + vdev->index * m->bar0_size;
	cfg_put32(c, PCI_BASE_ADDRESS_0, vdev->bar0_user);
	if (m->msi) {
		cfg_put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
		c[PCI_CAPABILITY_LIST] = VFIO_MOCK_MSI_CAP;
		c[VFIO_MOCK_MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
		c[VFIO_MOCK_MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
		cfg_put16(c, VFIO_MOCK_MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	}
}

void vfio_config_init(struct vfio_device *vdev)
{
	vfio_config_reset(vdev);
}

uint32_t vfio_config_read(struct vfio_device *vdev, unsigned int pos,
			  unsigned int size)
{
	return cfg_get(vdev->vconfig, pos, size);
}

/* The bits of each byte the user may change; others stay as they are. */
static uint8_t cfg_write_mask(const struct vfio_device *vdev, unsigned int pos)
{
	const unsigned int msi = VFIO_MOCK_MSI_CAP;

	switch (pos) {
	case PCI_COMMAND:
		return PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		       PCI_COMMAND_PARITY;
	case PCI_COMMAND + 1:
		return (PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE) >> 8;
	case PCI_CACHE_LINE_SIZE:
	case PCI_LATENCY_TIMER:
	case PCI_INTERRUPT_LINE:
		return 0xff;
	}
	if (!vfio_model(vdev)->msi)
		return 0;
	/* MSI: enable and the enabled vectors, the address and the data */
	if (pos == msi + PCI_MSI_FLAGS)
		return PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
	if (pos >= msi + PCI_MSI_ADDRESS_LO && pos < msi + PCI_MSI_DATA_64 + 2)
		return pos == msi + PCI_MSI_ADDRESS_LO ? 0xfc : 0xff;
	return 0;
}

void vfio_config_write(struct vfio_device *vdev, unsigned int pos,
		       unsigned int size, uint32_t val)
{
	uint8_t *c = vdev->vconfig;
	bool mem = vfio_config_memory_enabled(vdev);

	for (unsigned int i = 0; i < size; i++) {
		unsigned int p = pos + i;
		uint8_t b = val >> (8 * i);

		if (p >= PCI_BASE_ADDRESS_0 && p < PCI_BASE_ADDRESS_0 + 4) {
			unsigned int shift = 8 * (p - PCI_BASE_ADDRESS_0);

			vdev->bar0_user &= ~(0xffU << shift);
			vdev->bar0_user |= (uint32_t)b << shift;
			continue;
		}
		if (p == PCI_STATUS + 1) {
			/* the error bits are write-one-to-clear */
			c[p] &= ~(b & 0xf9);
			continue;
		}
		c[p] = (c[p] & ~cfg_write_mask(vdev, p)) |
		       (b & cfg_write_mask(vdev, p));
	}
	/* vfio_bar_fixup(): what was written, under the size, with the flags */
	cfg_put32(c, PCI_BASE_ADDRESS_0,
		  (vdev->bar0_user & ~(uint32_t)(vfio_model(vdev)->bar0_size - 1)) |
			  PCI_BASE_ADDRESS_SPACE_MEMORY |
			  PCI_BASE_ADDRESS_MEM_TYPE_32);
	/* vfio_basic_config_write(): the BAR's dma-bufs follow memory decoding */
	if (mem != vfio_config_memory_enabled(vdev))
		vfio_pci_dma_buf_move(vdev, mem);
}

bool vfio_config_bus_master(const struct vfio_device *vdev)
{
	return vdev->vconfig[PCI_COMMAND] & PCI_COMMAND_MASTER;
}

bool vfio_config_memory_enabled(const struct vfio_device *vdev)
{
	return vdev->vconfig[PCI_COMMAND] & PCI_COMMAND_MEMORY;
}

bool vfio_config_msi_enabled(const struct vfio_device *vdev)
{
	return vfio_model(vdev)->msi &&
	       (vdev->vconfig[VFIO_MOCK_MSI_CAP + PCI_MSI_FLAGS] &
		PCI_MSI_FLAGS_ENABLE);
}

bool vfio_config_intx_disabled(const struct vfio_device *vdev)
{
	return vdev->vconfig[PCI_COMMAND + 1] & (PCI_COMMAND_INTX_DISABLE >> 8);
}
