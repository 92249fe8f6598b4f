// SPDX-License-Identifier: MIT
/*
 * edu-dma: a userspace driver for QEMU's "edu" PCI device, built on
 * libiommufd's public API and VFIO's device cdev. It copies a buffer from
 * RAM into the device and back through the IOMMU, and checks the bytes.
 *
 *	edu-dma [BDF]		e.g. edu-dma 0000:00:03.0
 *
 * Without BDF it takes the first edu device (vendor 0x1234, device 0x11e8)
 * in sysfs. Exit status: 0 the round trip worked; 1 something failed (the
 * message names the operation and the errno); 4 there is no edu device
 * (a skip, as kselftest counts it). Needs root, a kernel with VFIO_PCI and
 * VFIO_DEVICE_CDEV, an IOMMU in front of the device, and QEMU started
 * with e.g. "-device intel-iommu -device edu".
 *
 * The order of things is what the kernel asks for: a device fd is bound
 * to an iommufd before anything else, the device is attached to a page
 * table before it can DMA (until then the IOMMU blocks it), memory is
 * mapped at an IOVA, and everything is undone in reverse.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <iommufd/backend.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* edu's registers in BAR0 (QEMU's docs/specs/edu.rst). */
#define EDU_REG_IDENT 0x00	/* 0x010000ed: version 1.0, then 0xed */
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_DMA_START 0x1	/* set to start, clears when done */
#define EDU_DMA_TO_RAM 0x2	/* direction: device buffer -> RAM */
#define EDU_BUF 0x40000		/* the device's own 4 KiB buffer */

/*
 * QEMU 7.2's edu calls a transfer that reaches the very end of its buffer
 * out of bounds and aborts the whole VM (hw_error()): stay strictly inside.
 */
#define XFER 2048
/* edu masks DMA addresses to 28 bits: an IOVA must stay below 256 MiB. */
#define IOVA 0x100000ULL

#define SYSFS_PCI "/sys/bus/pci/devices"

/* Every failure goes through here: the operation and the errno. */
static int fail(const char *op, int err)
{
	fprintf(stderr, "edu-dma: %s failed: %s\n", op, strerror(err));
	return 1;
}

static int sysfs_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/%s", bdf, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static bool is_edu(const char *bdf)
{
	char v[16], d[16];

	return !sysfs_read(bdf, "vendor", v, sizeof(v)) &&
	       !sysfs_read(bdf, "device", d, sizeof(d)) &&
	       strtoul(v, NULL, 16) == EDU_VENDOR &&
	       strtoul(d, NULL, 16) == EDU_DEVICE;
}

/* The first edu device's address into bdf; false if there is none. */
static bool find_edu(char *bdf, size_t len)
{
	DIR *d = opendir(SYSFS_PCI);
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d)))
		if (e->d_name[0] != '.' && is_edu(e->d_name)) {
			snprintf(bdf, len, "%.63s", e->d_name);
			found = true;
		}
	if (d)
		closedir(d);
	return found;
}

/* The name of the driver bound to bdf, "" when none. */
static void driver_of(const char *bdf, char *name, size_t len)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(name, len, "%s", n > 0 ? strrchr(link, '/') + 1 : "");
}

/*
 * Hands the device to vfio-pci: driver_override makes vfio-pci the only
 * driver that may take it, drivers_probe asks the bus to bind it now.
 * Unbinds another driver first (edu has none in a stock kernel).
 */
static int bind_vfio_pci(const char *bdf)
{
	char drv[64], path[256];
	int ret;

	driver_of(bdf, drv, sizeof(drv));
	if (!strcmp(drv, "vfio-pci"))
		return 0;
	if (drv[0]) {
		snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver/unbind", bdf);
		ret = sysfs_write(path, bdf);
		if (ret)
			return fail("unbinding the current driver", -ret);
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver_override", bdf);
	ret = sysfs_write(path, "vfio-pci");
	if (!ret)
		ret = sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return fail("binding vfio-pci (driver_override, drivers_probe)", -ret);
	driver_of(bdf, drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci")) {
		fprintf(stderr, "edu-dma: %s did not bind to vfio-pci (kernel without CONFIG_VFIO_PCI?)\n",
			bdf);
		return 1;
	}
	return 0;
}

/* Opens /dev/vfio/devices/vfioN, the device's cdev (sysfs names N). */
static int open_cdev(const char *bdf)
{
	char path[256], node[300] = "";
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/vfio-dev", bdf);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "edu-dma: %s has no vfio-dev/ (kernel without CONFIG_VFIO_DEVICE_CDEV?)\n",
			bdf);
		return -1;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(node, sizeof(node), "/dev/vfio/devices/%s", e->d_name);
	closedir(d);
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail(node[0] ? node : "finding the vfio cdev", errno ? errno : ENOENT);
	return fd;
}

/* Sets or clears Bus Master: without it the device's DMA never leaves it. */
static int bus_master(int devfd, bool on)
{
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	uint16_t cmd;

	if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		return fail("VFIO_DEVICE_GET_REGION_INFO (config space)", errno);
	if (pread(devfd, &cmd, 2, cfg.offset + 4) != 2)
		return fail("reading the PCI command register", errno);
	cmd = on ? cmd | 0x4 : cmd & ~0x4;
	if (pwrite(devfd, &cmd, 2, cfg.offset + 4) != 2)
		return fail("writing the PCI command register", errno);
	return 0;
}

/* One transfer by edu's DMA engine; waits (at most 5 s) until it is done. */
static int edu_dma(volatile uint8_t *bar, uint64_t src, uint64_t dst,
		   bool to_ram)
{
	volatile uint64_t *cmd = (volatile uint64_t *)(bar + EDU_REG_DMA_CMD);
	int ms;

	*(volatile uint64_t *)(bar + EDU_REG_DMA_SRC) = src;
	*(volatile uint64_t *)(bar + EDU_REG_DMA_DST) = dst;
	*(volatile uint64_t *)(bar + EDU_REG_DMA_COUNT) = XFER;
	*cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	for (ms = 0; *cmd & EDU_DMA_START; ms++) {
		if (ms == 5000)
			return fail("waiting for edu's DMA", ETIMEDOUT);
		usleep(1000);
	}
	/* The device wrote our memory behind the compiler's back. */
	__sync_synchronize();
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_region_info bar0 = { .argsz = sizeof(bar0), .index = 0 };
	uint32_t dev_id, ioas_id, hwpt_id = 0, attached_hwpt;
	struct iommufd_backend *be;
	volatile uint8_t *bar;
	long page = sysconf(_SC_PAGESIZE);
	int devfd, ret, rc = 1, i;
	uint8_t *buf;
	char bdf[64];

	/* 1. Which device. */
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: %s [BDF]\n", argv[0]);
		return 1;
	}
	if (argc == 2) {
		snprintf(bdf, sizeof(bdf), "%s", argv[1]);
		if (!is_edu(bdf)) {
			/* Never program the registers of some other device. */
			fprintf(stderr, "edu-dma: %s is not an edu device (%04x:%04x) or does not exist\n",
				bdf, EDU_VENDOR, EDU_DEVICE);
			return 1;
		}
	} else if (!find_edu(bdf, sizeof(bdf))) {
		printf("edu-dma: SKIP: no QEMU edu device (%04x:%04x) in %s\n",
		       EDU_VENDOR, EDU_DEVICE, SYSFS_PCI);
		return 4;
	}

	/* 2. Give it to vfio-pci and open its cdev. */
	if (bind_vfio_pci(bdf))
		return 1;
	devfd = open_cdev(bdf);
	if (devfd < 0)
		return 1;

	/*
	 * 3. The iommufd side, through libiommufd: it reports every failure
	 * itself (to stderr by default), so here we only stop.
	 */
	be = iommufd_backend_new();
	if (!be)
		goto out_close;
	if (iommufd_backend_connect(be))
		goto out_disconnect;
	/* Binding makes the device an iommufd device; its DMA is blocked. */
	if (iommufd_backend_bind_device(be, devfd, &dev_id))
		goto out_disconnect;
	if (iommufd_backend_alloc_ioas(be, &ioas_id))
		goto out_disconnect;

	/* 4. Memory for the device: two pages at IOVA, source and target. */
	buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		fail("mmap of the DMA buffer", errno);
		goto out_free_ioas;
	}
	/* Nothing is pinned yet: the IOAS has no page table to fill. */
	if (iommufd_backend_map_dma(be, ioas_id, IOVA, 2 * page, buf, false))
		goto out_free_buf;

	/*
	 * A paging HWPT of our own on the IOAS (attaching the IOAS itself
	 * would let the kernel pick one): what a driver does when it wants
	 * flags such as dirty tracking. The kernel fills it from the IOAS's
	 * mappings. Some IOMMU drivers give a new domain its aperture only
	 * when a device attaches (virtio-iommu in Linux 6.12, measured): the
	 * IOAS then cannot hold a mapping outside that empty aperture, and
	 * the allocation is EADDRINUSE. Attaching the IOAS itself works
	 * there, because the kernel attaches the domain it makes before it
	 * fills it.
	 */
	ret = iommufd_backend_alloc_hwpt(be, dev_id, ioas_id, 0, 0, 0, NULL, 0,
					 &hwpt_id);
	if (ret == -EADDRINUSE) {
		printf("edu-dma: %s: this IOMMU cannot give a HWPT for a mapped IOAS (EADDRINUSE): attached the IOAS instead\n",
		       bdf);
		hwpt_id = 0;
	} else if (ret) {
		goto out_unmap;
	}
	if (iommufd_backend_attach_device(be, devfd, hwpt_id ? hwpt_id : ioas_id,
					  &attached_hwpt))
		goto out_free_hwpt;

	/* 5. The device's registers: BAR0 of the VFIO device, mmap'ed. */
	if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &bar0)) {
		fail("VFIO_DEVICE_GET_REGION_INFO (BAR0)", errno);
		goto out_detach;
	}
	bar = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, devfd,
		   bar0.offset);
	if (bar == MAP_FAILED) {
		fail("mmap of BAR0", errno);
		goto out_detach;
	}
	if ((*(volatile uint32_t *)(bar + EDU_REG_IDENT) & 0xff) != 0xed) {
		fprintf(stderr, "edu-dma: BAR0 does not read as edu (ident 0x%08x)\n",
			*(volatile uint32_t *)(bar + EDU_REG_IDENT));
		goto out_bar;
	}
	if (bus_master(devfd, true))
		goto out_bar;

	/* 6. RAM -> edu -> RAM, then compare. */
	for (i = 0; i < XFER; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	memset(buf + page, 0, XFER);
	if (edu_dma(bar, IOVA, EDU_BUF, false) ||
	    edu_dma(bar, EDU_BUF, IOVA + page, true))
		goto out_master;
	if (memcmp(buf, buf + page, XFER)) {
		fprintf(stderr, "edu-dma: %s: the %d bytes that came back differ from those sent\n",
			bdf, XFER);
		goto out_master;
	}
	printf("edu-dma: %s: %d bytes RAM -> edu -> RAM through IOVA 0x%llx (ioas %u, hwpt %u): identical\n",
	       bdf, XFER, IOVA, ioas_id, attached_hwpt);
	rc = 0;

	/* 7. Tear down in reverse; a failure here fails the run too. */
out_master:
	if (bus_master(devfd, false))
		rc = 1;
out_bar:
	munmap((void *)bar, bar0.size);
out_detach:
	if (iommufd_backend_detach_device(be, devfd))
		rc = 1;
out_free_hwpt:
	if (hwpt_id && iommufd_backend_free_id(be, hwpt_id))
		rc = 1;
out_unmap:
	if (iommufd_backend_unmap_dma(be, ioas_id, IOVA, 2 * page))
		rc = 1;
out_free_buf:
	munmap(buf, 2 * page);
out_free_ioas:
	if (iommufd_backend_free_id(be, ioas_id))
		rc = 1;
out_disconnect:
	/* Closing the device fd ends its binding (VFIO has no unbind). */
	close(devfd);
	devfd = -1;
	iommufd_backend_disconnect(be);
	ret = iommufd_backend_destroy(be);
	if (ret)
		rc = 1;
out_close:
	if (devfd >= 0)
		close(devfd);
	return rc;
}
