// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/pci/vfio_pci_dmabuf.c (7.x; 6.12 has none), checked
 * against Linux 7.3: VFIO_DEVICE_FEATURE_DMA_BUF exports ranges of a BAR as
 * a dma-buf, which IOMMU_IOAS_MAP_FILE maps for peer-to-peer DMA (iommufd
 * takes one range only: vfio_pci_dma_buf_iommufd_map()); turning memory
 * decoding off revokes the buffers, closing the device revokes them for
 * good. The buffer is the mock's one dma-buf (selftest_dmabuf.c).
 *
 * The kernel offers it only when built with CONFIG_VFIO_PCI_DMABUF, which
 * needs PCI_P2PDMA (drivers/vfio/pci/Kconfig); the 7.3 personality answers
 * as such a kernel (the vfio lane's config has no PCI_P2PDMA: ENOTTY).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>

#include "vfio.h"

/* vfio_check_feature() */
static int vfio_check_feature(uint32_t flags, size_t argsz,
			      uint32_t supported_ops, size_t minsz)
{
	if ((flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)) &
	    ~supported_ops)
		return -EINVAL;
	if (flags & VFIO_DEVICE_FEATURE_PROBE)
		return 0;
	if (!(flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		return -EINVAL;
	if (argsz < minsz)
		return -EINVAL;
	return 1;
}

#define VFIO_MOCK_MAX_RANGES 16

int vfio_pci_core_feature_dma_buf(struct vfio_device *vdev, uint32_t flags,
				  uint64_t arg, size_t argsz)
{
	struct vfio_device_feature_dma_buf get = {};
	struct vfio_region_dma_range r[VFIO_MOCK_MAX_RANGES];
	struct iommufd_test_dma_buf *dmabuf;
	uint64_t ps = umem_page_size(), length = 0, bar_len, first = 0;
	int rc, fd;

	rc = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				sizeof(get));
	if (rc != 1)
		return rc;
	if (umem_copy_from(&get, arg, sizeof(get)))
		return -EFAULT;
	if (!get.nr_ranges || get.flags)
		return -EINVAL;
	/* a BAR the device has (pci_iomap() of an empty one fails) */
	if (get.region_index >= VFIO_PCI_ROM_REGION_INDEX ||
	    get.region_index != VFIO_PCI_BAR0_REGION_INDEX)
		return -ENODEV;
	if (get.nr_ranges > VFIO_MOCK_MAX_RANGES)
		return -ENOMEM;	/* memdup_array_user() of more: the mock's limit */
	if (umem_copy_from(r, arg + sizeof(get), get.nr_ranges * sizeof(r[0])))
		return -EFAULT;
	/* validate_dmabuf_input() */
	for (uint32_t i = 0; i < get.nr_ranges; i++) {
		if (!r[i].length || r[i].offset % ps || r[i].length % ps)
			return -EINVAL;
		if (__builtin_add_overflow(length, r[i].length, &length))
			return -EINVAL;
	}
	/* vfio_pci_core_fill_phys_vec() against the BAR */
	bar_len = vfio_model(vdev)->bar0_size;
	for (uint32_t i = 0; i < get.nr_ranges; i++) {
		uint64_t end;

		if (__builtin_add_overflow(r[i].offset, r[i].length, &end))
			return -EOVERFLOW;
		if (end > bar_len)
			return -EINVAL;
	}
	first = r[0].offset;
	if (vdev->ndmabufs == VFIO_MOCK_MAX_DMABUFS)
		return -ENOMEM;
	fd = dma_buf_export_vfio(vdev, first, length, get.nr_ranges,
				 !vfio_config_memory_enabled(vdev),
				 get.open_flags & O_CLOEXEC, &dmabuf);
	if (fd < 0)
		return fd;
	vdev->dmabufs[vdev->ndmabufs++] = dmabuf;
	return fd;
}

/* vfio_pci_dma_buf_move(): memory decoding went off (revoked) or on. */
void vfio_pci_dma_buf_move(struct vfio_device *vdev, bool revoked)
{
	for (unsigned int i = 0; i < vdev->ndmabufs; i++)
		dma_buf_vfio_move(vdev->dmabufs[i], revoked, false);
}

/* vfio_pci_dma_buf_cleanup(): the device closed, its buffers dead for good */
void vfio_pci_dma_buf_cleanup(struct vfio_device *vdev)
{
	while (vdev->ndmabufs)
		dma_buf_vfio_move(vdev->dmabufs[--vdev->ndmabufs], true, true);
}

/* vfio_pci_dma_buf_release(): the buffer leaves the device's list */
void vfio_pci_dma_buf_release(struct vfio_device *vdev,
			      struct iommufd_test_dma_buf *dmabuf)
{
	for (unsigned int i = 0; i < vdev->ndmabufs; i++)
		if (vdev->dmabufs[i] == dmabuf) {
			vdev->dmabufs[i] = vdev->dmabufs[--vdev->ndmabufs];
			return;
		}
}

