// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/pci/vfio_pci_core.c (with vfio_pci_intrs.c's
 * SET_IRQS and vfio_pci_rdwr.c's region access), checked against Linux
 * 6.12 and 7.3, for a conventional PCI device with one memory BAR and MSI:
 * enable/disable around the device's use, GET_INFO, GET_REGION_INFO,
 * GET_IRQ_INFO, SET_IRQS with eventfds (INTx with its automask, MSI, the
 * error and request interrupts), RESET, the hot-reset ioctls, config space
 * and BAR0 through pread/pwrite, and mmap's checks.
 *
 * Reset: QEMU's edu is a conventional PCI function on the root bus with
 * neither FLR nor a PM capability, so pci_probe_reset_function() finds no
 * method and vfio-pci leaves VFIO_DEVICE_FLAGS_RESET clear: RESET is
 * EINVAL, and the hot-reset ioctls ENODEV (no bus or slot to reset), as in
 * the vfio lane. Opening the device still resets its state
 * (vfio_pci_core_enable()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "vfio.h"

/* ---- enable, disable ---- */

/*
 * vfio_pci_core_enable(): a fresh device; pci_enable_device() keeps memory
 * decoding on, bus mastering stays off until the user sets it.
 */
void vfio_pci_core_enable(struct vfio_device *vdev)
{
	vfio_config_reset(vdev);
	vfio_model(vdev)->reset(vdev);
}

static void vfio_irq_release(struct vfio_mock_irq *irq)
{
	if (irq->fd >= 0)
		syscall(SYS_close, irq->fd);
	if (irq->unmask_fd >= 0)
		syscall(SYS_close, irq->unmask_fd);
	irq->fd = irq->unmask_fd = -1;
	irq->masked = false;
}

/* vfio_pci_core_disable(): interrupts off, the device quiet */
void vfio_pci_core_disable(struct vfio_device *vdev)
{
	vfio_pci_dma_buf_cleanup(vdev);
	vfio_irq_release(&vdev->intx);
	vfio_irq_release(&vdev->msi);
	vfio_irq_release(&vdev->err);
	vfio_irq_release(&vdev->req);
	vdev->irq_type = -1;
	vfio_config_reset(vdev);
	vfio_model(vdev)->reset(vdev);
}

/* ---- interrupts ---- */

static void vfio_eventfd_signal(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && syscall(SYS_write, fd, &one, sizeof(one)) < 0)
		return;	/* a full counter: the kernel saturates too */
}

/*
 * The device asserts its interrupt: MSI where the user enabled it; INTx
 * otherwise, unless masked (it masks itself when it fires, the user
 * unmasks: VFIO_IRQ_INFO_AUTOMASKED) or disabled in the command register.
 */
void vfio_pci_raise_irq(struct vfio_device *vdev)
{
	if (vdev->irq_type == VFIO_PCI_MSI_IRQ_INDEX) {
		vfio_eventfd_signal(vdev->msi.fd);
		return;
	}
	if (vdev->irq_type != VFIO_PCI_INTX_IRQ_INDEX || vdev->intx.masked ||
	    vfio_config_intx_disabled(vdev))
		return;
	vdev->intx.masked = true;
	vfio_eventfd_signal(vdev->intx.fd);
}

/*
 * eventfd_ctx_fdget(): EBADF for no fd, EINVAL for a file that is not an
 * eventfd; the mock keeps its own descriptor of it (the kernel's reference).
 */

static int vfio_eventfd_get(int32_t fd)
{
	char path[64], link[64];
	long n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlinkat, AT_FDCWD, path, link, sizeof(link) - 1);
	if (n < 0)
		return -EBADF;
	link[n] = '\0';
	if (strcmp(link, "anon_inode:[eventfd]"))
		return -EINVAL;
	return file_get(fd);
}

static int vfio_irq_count(struct vfio_device *vdev, unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return vdev->vconfig[PCI_INTERRUPT_PIN] ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return vfio_model(vdev)->msi ? 1 : 0;
	case VFIO_PCI_ERR_IRQ_INDEX:
		/* edu is conventional PCI, not PCI Express */
		return iommufd_mock_has(IOMMUFD_MOCK_VFIO_ERR_IRQ_ANY_PCI) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	}
	return 0;
}

/* Replaces irq's eventfd with fd (-1: none): 0 or -errno. */
static int vfio_irq_set_fd(struct vfio_mock_irq *irq, int32_t fd, bool unmask)
{
	int *slot = unmask ? &irq->unmask_fd : &irq->fd, nfd = -1;

	if (fd >= 0) {
		nfd = vfio_eventfd_get(fd);
		if (nfd < 0)
			return nfd;
	}
	if (*slot >= 0)
		syscall(SYS_close, *slot);
	*slot = nfd;
	return 0;
}

/* vfio_pci_set_intx_{mask,unmask,trigger}() */
static int vfio_pci_set_intx(struct vfio_device *vdev, uint32_t action,
			     uint32_t type, unsigned int start,
			     unsigned int count, const uint8_t *data)
{
	bool is_intx = vdev->irq_type == VFIO_PCI_INTX_IRQ_INDEX;
	bool fire = type == VFIO_IRQ_SET_DATA_NONE ||
		    (type == VFIO_IRQ_SET_DATA_BOOL && data[0]);
	int32_t fd;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (is_intx && !count && type == VFIO_IRQ_SET_DATA_NONE) {
			vfio_irq_release(&vdev->intx);
			vdev->irq_type = -1;
			return 0;
		}
		if (!(is_intx || vdev->irq_type < 0) || start || count != 1)
			return -EINVAL;
		if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
			int rc;

			memcpy(&fd, data, sizeof(fd));
			rc = vfio_irq_set_fd(&vdev->intx, fd, false);
			if (rc)
				return rc;
			vdev->irq_type = VFIO_PCI_INTX_IRQ_INDEX;
			return 0;
		}
		if (!is_intx)
			return -EINVAL;
		if (fire)
			vfio_eventfd_signal(vdev->intx.fd);
		return 0;
	}
	if (!is_intx || start || count != 1)
		return -EINVAL;
	if (action == VFIO_IRQ_SET_ACTION_MASK) {
		if (type == VFIO_IRQ_SET_DATA_EVENTFD)
			return -EINVAL;
		if (fire)
			vdev->intx.masked = true;
		return 0;
	}
	/* unmask: by the user now, or by a write to an eventfd (virqfd) */
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		memcpy(&fd, data, sizeof(fd));
		return vfio_irq_set_fd(&vdev->intx, fd, true);
	}
	if (fire) {
		vdev->intx.masked = false;
		/* a level interrupt still asserted fires again */
		if (vdev->edu.irq_status)
			vfio_pci_raise_irq(vdev);
	}
	return 0;
}

/* vfio_pci_set_msi_trigger(): one vector */
static int vfio_pci_set_msi(struct vfio_device *vdev, uint32_t type,
			    unsigned int count, const uint8_t *data)
{
	bool is_msi = vdev->irq_type == VFIO_PCI_MSI_IRQ_INDEX;
	int32_t fd;
	int rc;

	if (is_msi && !count && type == VFIO_IRQ_SET_DATA_NONE) {
		vfio_irq_release(&vdev->msi);
		vdev->irq_type = -1;
		return 0;
	}
	if (!(is_msi || vdev->irq_type < 0))
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		memcpy(&fd, data, sizeof(fd));
		rc = vfio_irq_set_fd(&vdev->msi, fd, false);
		if (rc)
			return rc;
		vdev->irq_type = VFIO_PCI_MSI_IRQ_INDEX;
		return 0;
	}
	if (!is_msi)
		return -EINVAL;
	if (count && (type == VFIO_IRQ_SET_DATA_NONE || data[0]))
		vfio_eventfd_signal(vdev->msi.fd);
	return 0;
}

/* vfio_pci_set_ctx_trigger_single(): the error and request eventfds */
static int vfio_pci_set_single(struct vfio_mock_irq *irq, uint32_t type,
			       unsigned int count, const uint8_t *data)
{
	int32_t fd;

	if (!count && type == VFIO_IRQ_SET_DATA_NONE) {
		vfio_irq_release(irq);
		return 0;
	}
	if (count != 1)
		return -EINVAL;
	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		memcpy(&fd, data, sizeof(fd));
		return vfio_irq_set_fd(irq, fd, false);
	}
	if (type == VFIO_IRQ_SET_DATA_NONE || data[0])
		vfio_eventfd_signal(irq->fd);
	return 0;
}

/* vfio_pci_ioctl_set_irqs(), vfio_set_irqs_validate_and_prepare() */
static int vfio_pci_ioctl_set_irqs(struct vfio_device *vdev, void *arg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count), size = 0;
	uint32_t type, action;
	struct vfio_irq_set hdr;
	uint8_t data[64] = { 0 };
	int max;

	if (umem_copy_from(&hdr, (uintptr_t)arg, minsz))
		return -EFAULT;
	max = vfio_irq_count(vdev, hdr.index);
	if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS ||
	    hdr.count >= UINT32_MAX - hdr.start ||
	    (hdr.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK |
			   VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	if (hdr.start >= (unsigned int)max || hdr.start + hdr.count > (unsigned int)max)
		return -EINVAL;
	type = hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = 1;
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if (size) {
		if (hdr.argsz - minsz < hdr.count * size)
			return -EINVAL;
		/* every count is at most 1 here: max is */
		if (umem_copy_from(data, (uintptr_t)arg + minsz, hdr.count * size))
			return -EFAULT;
	}
	switch (hdr.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action != VFIO_IRQ_SET_ACTION_MASK &&
		    action != VFIO_IRQ_SET_ACTION_UNMASK &&
		    action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		return vfio_pci_set_intx(vdev, action, type, hdr.start,
					 hdr.count, data);
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		return vfio_pci_set_msi(vdev, type, hdr.count, data);
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -ENOTTY;
		return vfio_pci_set_single(hdr.index == VFIO_PCI_ERR_IRQ_INDEX ?
						   &vdev->err : &vdev->req,
					   type, hdr.count, data);
	}
	return -ENOTTY;
}

/* ---- the ioctls ---- */

static int vfio_pci_ioctl_get_info(struct vfio_device *vdev, void *arg)
{
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	(void)vdev;
	if (umem_copy_from(&info, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;	/* no RESET: see the top */
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return umem_copy_to((uintptr_t)arg, &info, minsz) ? -EFAULT : 0;
}

static int vfio_pci_ioctl_get_irq_info(struct vfio_device *vdev, void *arg)
{
	size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (umem_copy_from(&info, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX &&
	    !iommufd_mock_has(IOMMUFD_MOCK_VFIO_ERR_IRQ_ANY_PCI))
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = vfio_irq_count(vdev, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return umem_copy_to((uintptr_t)arg, &info, minsz) ? -EFAULT : 0;
}

long vfio_pci_ioctl_get_region_info(struct vfio_device *vdev, void *arg)
{
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info = {};

	if (umem_copy_from(&info, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.offset = (uint64_t)info.index << VFIO_MOCK_OFFSET_SHIFT;
	info.cap_offset = 0;
	switch (info.index) {
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = VFIO_MOCK_CFG_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR0_REGION_INDEX:
		info.size = vfio_model(vdev)->bar0_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		if (vdev->mmap_bars && mmio_trap_supported())
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		break;
	case VFIO_PCI_BAR1_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
	case VFIO_PCI_ROM_REGION_INDEX:	/* edu has no ROM */
		info.size = 0;
		info.flags = 0;
		break;
	default:	/* VGA (not a VGA device), and no device regions */
		return -EINVAL;
	}
	return umem_copy_to((uintptr_t)arg, &info, minsz) ? -EFAULT : 0;
}

long vfio_pci_core_ioctl(struct vfio_device *vdev, unsigned long cmd,
			 void *arg)
{
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_pci_ioctl_get_info(vdev, arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_pci_ioctl_get_irq_info(vdev, arg);
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
	case VFIO_DEVICE_PCI_HOT_RESET:
		/* neither a slot nor a bus to reset on the root bus */
		return -ENODEV;
	case VFIO_DEVICE_RESET:
		return -EINVAL;	/* !vdev->reset_works */
	case VFIO_DEVICE_SET_IRQS:
		return vfio_pci_ioctl_set_irqs(vdev, arg);
	case VFIO_DEVICE_IOEVENTFD:
		return -EOPNOTSUPP;	/* not emulated (README.md) */
	}
	return -ENOTTY;
}

/* vfio_pci_core_ioctl_feature() */
int vfio_pci_core_device_feature(struct vfio_device *vdev, uint32_t flags,
				 uint64_t arg, size_t argsz)
{
	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_PCI_VF_TOKEN:
		return -ENOTTY;	/* !vdev->vf_token: not a PF with VFs */
	case VFIO_DEVICE_FEATURE_DMA_BUF:
		if (!iommufd_mock_has(IOMMUFD_MOCK_VFIO_DMA_BUF))
			return -ENOTTY;
		return vfio_pci_core_feature_dma_buf(vdev, flags, arg, argsz);
	}
	return -ENOTTY;
}

/* ---- region access ---- */

uint64_t vfio_pci_bar_read(struct vfio_device *vdev, uint64_t off,
			   unsigned int size)
{
	return vfio_model(vdev)->bar_read(vdev, off, size);
}

void vfio_pci_bar_write(struct vfio_device *vdev, uint64_t off,
			unsigned int size, uint64_t val)
{
	vfio_model(vdev)->bar_write(vdev, off, size, val);
}

/*
 * One access of the largest naturally aligned size (8, 4, 2, 1) that fits,
 * as vfio_pci_core_do_io_rw() splits a transfer; config space up to 4.
 */
static unsigned int vfio_access_size(uint64_t pos, size_t left,
				     unsigned int max)
{
	for (unsigned int s = max; s > 1; s /= 2)
		if (!(pos % s) && left >= s)
			return s;
	return 1;
}

long vfio_pci_core_rw(struct vfio_device *vdev, uint64_t ubuf, size_t count,
		      uint64_t pos, bool write)
{
	unsigned int index = VFIO_MOCK_INDEX(pos);
	uint64_t off = VFIO_MOCK_OFFSET(pos), end;
	bool config = index == VFIO_PCI_CONFIG_REGION_INDEX;
	size_t done = 0;

	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if (config)
		end = VFIO_MOCK_CFG_SIZE;
	else if (index == VFIO_PCI_BAR0_REGION_INDEX)
		end = vfio_model(vdev)->bar0_size;
	else
		return -EINVAL;
	if (off >= end)
		return config ? 0 : -EINVAL;
	if (count > end - off)
		count = end - off;
	if (!config && !vfio_config_memory_enabled(vdev))
		return -EIO;
	while (done < count) {
		unsigned int s = vfio_access_size(off + done, count - done,
						  config ? 4 : 8);
		uint64_t val = 0;

		if (write) {
			if (umem_copy_from(&val, ubuf + done, s))
				return done ? (long)done : -EFAULT;
			if (config)
				vfio_config_write(vdev, off + done, s, val);
			else
				vfio_pci_bar_write(vdev, off + done, s, val);
		} else {
			val = config ? vfio_config_read(vdev, off + done, s) :
				       vfio_pci_bar_read(vdev, off + done, s);
			if (umem_copy_to(ubuf + done, &val, s))
				return done ? (long)done : -EFAULT;
		}
		done += s;
	}
	return done;
}

/* vfio_pci_core_mmap()'s checks */
int vfio_pci_core_mmap_check(struct vfio_device *vdev, size_t len, int prot,
			     int flags, uint64_t pos)
{
	unsigned int index = VFIO_MOCK_INDEX(pos);
	uint64_t ps = umem_page_size();
	uint64_t phys_len = (vfio_model(vdev)->bar0_size + ps - 1) & ~(ps - 1);

	(void)prot;
	if (index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	if (!(flags & MAP_SHARED))
		return -EINVAL;
	if (index >= VFIO_PCI_ROM_REGION_INDEX)
		return -EINVAL;
	if (index != VFIO_PCI_BAR0_REGION_INDEX || !vdev->mmap_bars ||
	    !mmio_trap_supported())
		return -EINVAL;	/* !vdev->bar_mmap_supported[index] */
	if (pos % ps || VFIO_MOCK_OFFSET(pos) + len > phys_len)
		return -EINVAL;
	return 0;
}
