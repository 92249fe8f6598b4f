/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the real-IOMMU tests (vfio_*.c): a PCI device handed to
 * userspace through VFIO's cdev interface (/dev/vfio/devices/vfioN) and
 * bound to libiommufd's /dev/iommu, QEMU's edu device as a DMA engine, and
 * the kernel log, where the Intel IOMMU driver reports the faults some tests
 * provoke on purpose.
 *
 * Which device: $IOMMUFD_HARNESS_VFIO_DEVICE (a PCI address such as
 * 0000:03:00.0) when set, else the first QEMU edu device (1234:11e8). See
 * vfio_device.c for what the tests do to a device the user names.
 *
 * Everything iommufd does goes through libiommufd; the raw ioctls here are
 * VFIO's own (bind, attach, detach, region info), on the device fd.
 */
#ifndef IOMMUFD_HARNESS_VFIO_UTILS_H
#define IOMMUFD_HARNESS_VFIO_UTILS_H

#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "backend_utils.h"

#if defined(__has_include)
#if __has_include(<linux/vfio.h>)
#include <linux/vfio.h>
#include <linux/pci_regs.h>
#endif
#endif

/*
 * VFIO's cdev interface and its iommufd ioctls came with 6.6; with headers
 * that lack them each vfio_* program builds as one KTAP skip saying so
 * (VFIO_TEST_MAIN below).
 */
#if defined(VFIO_DEVICE_BIND_IOMMUFD) && defined(IOMMUFD_HAVE_UAPI)
#define VFIO_UAPI_HAS_CDEV 1
#endif
#define VFIO_NO_CDEV_UAPI_REASON                                             \
	"uapi headers without VFIO_DEVICE_BIND_IOMMUFD (linux/vfio.h, 6.6+)"

#define VFIO_DEVICE_ENV "IOMMUFD_HARNESS_VFIO_DEVICE"
#define VFIO_PCI_SYSFS "/sys/bus/pci/devices"
#define VFIO_DRIVER "vfio-pci"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#ifdef VFIO_UAPI_HAS_CDEV

/* One PCI device as the tests hold it. */
struct vfio_pci_dev {
	char bdf[32];		/* 0000:00:0b.0 */
	char short_bdf[16];	/* 00:0b.0, as the DMAR fault lines print it */
	bool is_edu;
	int fd;			/* the cdev fd, -1 when closed */
	__u32 devid;		/* from VFIO_DEVICE_BIND_IOMMUFD */
	__u64 cfg_offset;	/* config space region, in the device fd */
	void *bar;		/* an mmap'ed memory BAR, or NULL */
	size_t bar_size;
	int bar_index;
};

/* ---- sysfs ---- */

/* Copies src into dst[len], cut short if need be; always terminated. */
static inline void vfio_copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static inline int vfio_sysfs_read(const char *bdf, const char *file,
				  char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", VFIO_PCI_SYSFS, bdf, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static inline int vfio_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The last path component a sysfs link points at, "" if there is none. */
static inline void vfio_sysfs_link_name(const char *bdf, const char *link,
					char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", VFIO_PCI_SYSFS, bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	vfio_copy_str(name, len,
		      strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
}

static inline bool vfio_pci_is(const char *bdf, unsigned long vendor,
			       unsigned long device)
{
	char v[16], d[16];

	return !vfio_sysfs_read(bdf, "vendor", v, sizeof(v)) &&
	       !vfio_sysfs_read(bdf, "device", d, sizeof(d)) &&
	       strtoul(v, NULL, 0) == vendor && strtoul(d, NULL, 0) == device;
}

/*
 * Fills dev->bdf with the device under test: the one the user named in
 * $IOMMUFD_HARNESS_VFIO_DEVICE, or the first edu. Returns 0; -ENODEV with
 * why[] saying what is missing; -EINVAL if the named device does not exist.
 */
static inline int vfio_pci_find(struct vfio_pci_dev *dev, char *why,
				size_t wlen)
{
	const char *named = getenv(VFIO_DEVICE_ENV);
	const char *colon;
	struct dirent *e;
	char v[16];
	DIR *d;

	dev->bdf[0] = '\0';
	if (named && *named) {
		if (vfio_sysfs_read(named, "vendor", v, sizeof(v))) {
			/* The user asked for it: a typo must not pass as a skip. */
			snprintf(why, wlen, "%s=%s: no such PCI device in %s",
				 VFIO_DEVICE_ENV, named, VFIO_PCI_SYSFS);
			return -EINVAL;
		}
		snprintf(dev->bdf, sizeof(dev->bdf), "%s", named);
	} else {
		d = opendir(VFIO_PCI_SYSFS);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] != '.' &&
			    vfio_pci_is(e->d_name, EDU_VENDOR, EDU_DEVICE)) {
				vfio_copy_str(dev->bdf, sizeof(dev->bdf),
					      e->d_name);
				break;
			}
		}
		if (d)
			closedir(d);
		if (!dev->bdf[0]) {
			snprintf(why, wlen,
				 "no edu PCI device (%04x:%04x) in %s (QEMU -device edu, or name one in %s)",
				 EDU_VENDOR, EDU_DEVICE, VFIO_PCI_SYSFS,
				 VFIO_DEVICE_ENV);
			return -ENODEV;
		}
	}
	dev->is_edu = vfio_pci_is(dev->bdf, EDU_VENDOR, EDU_DEVICE);
	/* The DMAR driver prints bus:slot.func without the PCI domain. */
	colon = strchr(dev->bdf, ':');
	snprintf(dev->short_bdf, sizeof(dev->short_bdf), "%s",
		 colon && strchr(colon + 1, ':') ? colon + 1 : dev->bdf);
	dev->fd = -1;
	dev->bar_index = -1;
	return 0;
}

/*
 * The device's IOMMU group and its members, one per line, into list[].
 * Returns the number of members, or -ENOENT when the device has no group
 * (no IOMMU driver, e.g. intel_iommu=off).
 */
static inline int vfio_pci_group(const char *bdf, char *group, size_t glen,
				 char *list, size_t llen)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t used = 0;
	int n = 0;
	DIR *d;

	vfio_sysfs_link_name(bdf, "iommu_group", group, glen);
	if (!group[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
		 group);
	d = opendir(path);
	if (!d)
		return -errno;
	list[0] = '\0';
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (used < llen)
			used += snprintf(list + used, llen - used, "%s%s",
					 used ? " " : "", e->d_name);
	}
	closedir(d);
	return n;
}

/*
 * Hands the device to vfio-pci: driver_override, then drivers_probe (which
 * binds it to the one driver allowed). A device already on vfio-pci is left
 * as it is. A device bound to another driver is not taken from it: that
 * driver may be in use (a NIC, a disk), so the tests skip and say how to
 * hand it over. Returns 0, or a negative errno with why[] filled.
 */
static inline int vfio_pci_bind_driver(const struct vfio_pci_dev *dev,
				       char *why, size_t wlen)
{
	char drv[64], path[PATH_MAX];
	int ret;

	vfio_sysfs_link_name(dev->bdf, "driver", drv, sizeof(drv));
	if (!strcmp(drv, VFIO_DRIVER))
		return 0;
	if (drv[0]) {
		snprintf(why, wlen,
			 "%s is bound to %s; unbind it (or bind it to %s) first",
			 dev->bdf, drv, VFIO_DRIVER);
		return -EBUSY;
	}
	if (access("/sys/bus/pci/drivers/" VFIO_DRIVER, F_OK)) {
		snprintf(why, wlen, "no %s driver (kernel without CONFIG_VFIO_PCI)",
			 VFIO_DRIVER);
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s/driver_override", VFIO_PCI_SYSFS,
		 dev->bdf);
	ret = vfio_sysfs_write(path, VFIO_DRIVER);
	if (!ret)
		ret = vfio_sysfs_write("/sys/bus/pci/drivers_probe", dev->bdf);
	if (ret) {
		snprintf(why, wlen, "binding %s to %s: %s%s", dev->bdf,
			 VFIO_DRIVER, strerror(-ret),
			 ret == -EACCES || ret == -EPERM ? " (needs root)" : "");
		return ret;
	}
	vfio_sysfs_link_name(dev->bdf, "driver", drv, sizeof(drv));
	if (strcmp(drv, VFIO_DRIVER)) {
		snprintf(why, wlen, "%s did not bind to %s (driver now: '%s')",
			 dev->bdf, VFIO_DRIVER, drv);
		return -EIO;
	}
	return 0;
}

/*
 * Opens /dev/vfio/devices/vfioN of the device (devtmpfs creates the node, no
 * udev needed). Returns the fd, or a negative errno with why[] filled;
 * -ENOENT when the kernel lacks CONFIG_VFIO_DEVICE_CDEV.
 */
static inline int vfio_pci_cdev_open(const struct vfio_pci_dev *dev,
				     char *why, size_t wlen)
{
	char path[PATH_MAX], node[PATH_MAX] = "";
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/vfio-dev", VFIO_PCI_SYSFS, dev->bdf);
	d = opendir(path);
	if (!d) {
		snprintf(why, wlen,
			 "%s has no vfio-dev/ (kernel without CONFIG_VFIO_DEVICE_CDEV?)",
			 dev->bdf);
		return -ENOENT;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			snprintf(node, sizeof(node), "/dev/vfio/devices/%s",
				 e->d_name);
	closedir(d);
	if (!node[0]) {
		snprintf(why, wlen, "%.200s: no vfioN entry", path);
		return -ENOENT;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wlen, "open %s: %s", node, strerror(errno));
		return -errno;
	}
	return fd;
}

/*
 * Set (to anything but "" or "0") where the lane promises a device, as
 * scripts/vmtest's vfio lane can: a missing piece then fails the test
 * instead of skipping it, so a lane that lost its device cannot pass.
 */
#define VFIO_REQUIRE_ENV "IOMMUFD_HARNESS_VFIO_REQUIRE"

static inline bool vfio_required(void)
{
	const char *v = getenv(VFIO_REQUIRE_ENV);

	return v && *v && strcmp(v, "0");
}

#define vfio_skip_unless_required(_fmt, ...)                                 \
	do {                                                                 \
		if (vfio_required())                                         \
			ASSERT_TRUE(false) TH_LOG("%s is set, but " _fmt,    \
						  VFIO_REQUIRE_ENV,          \
						  ##__VA_ARGS__);            \
		SKIP(return, _fmt, ##__VA_ARGS__);                           \
	} while (0)

/*
 * Finds the device under test, checks it has an IOMMU group, hands it to
 * vfio-pci and opens its cdev into (_dev)->fd, unbound. Whatever is absent
 * (device, IOMMU, driver, cdev support, root) skips the test naming it, or
 * fails it under IOMMUFD_HARNESS_VFIO_REQUIRE; a step that fails with
 * everything present fails the test.
 */
#define vfio_pci_open_or_skip(_dev)                                          \
	do {                                                                 \
		char __why[256], __grp[32], __members[512];                  \
		int __ret;                                                   \
									     \
		__ret = vfio_pci_find(_dev, __why, sizeof(__why));           \
		if (__ret == -ENODEV)                                        \
			vfio_skip_unless_required("%s", __why);              \
		ASSERT_EQ(0, __ret) TH_LOG("%s", __why);                     \
		if (vfio_pci_group((_dev)->bdf, __grp, sizeof(__grp),        \
				   __members, sizeof(__members)) < 0)        \
			vfio_skip_unless_required(                           \
				"%s has no IOMMU group (no IOMMU driver active: intel_iommu=off, or no IOMMU)", \
				(_dev)->bdf);                                \
		__ret = vfio_pci_bind_driver(_dev, __why, sizeof(__why));    \
		if (__ret == -EBUSY || __ret == -ENOENT ||                   \
		    __ret == -EACCES || __ret == -EPERM)                     \
			vfio_skip_unless_required("%s", __why);              \
		ASSERT_EQ(0, __ret) TH_LOG("%s", __why);                     \
		__ret = vfio_pci_cdev_open(_dev, __why, sizeof(__why));      \
		if (__ret == -ENOENT || __ret == -EACCES)                    \
			vfio_skip_unless_required("%s", __why);              \
		ASSERT_LE(0, __ret) TH_LOG("%s", __why);                     \
		(_dev)->fd = __ret;                                          \
	} while (0)

/* A connected libiommufd backend whose reports land in rep, and an IOAS. */
static inline void vfio_backend_start(struct __test_metadata *_metadata,
				      struct iommufd_backend **be,
				      struct backend_reports *rep,
				      __u32 *ioas_id)
{
	pthread_mutex_init(&rep->lock, NULL);
	*be = iommufd_backend_new();
	ASSERT_NE(NULL, *be);
	ASSERT_EQ(0, iommufd_backend_set_report_fn(*be, backend_reports_fn,
						   rep));
	ASSERT_EQ(0, iommufd_backend_connect(*be));
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(*be, ioas_id));
}

static inline void vfio_backend_stop(struct iommufd_backend *be)
{
	while (iommufd_backend_users(be))
		iommufd_backend_disconnect(be);
	iommufd_backend_destroy(be);
}

/* ---- VFIO ioctls on the device fd ---- */

static inline int _test_vfio_bind_iommufd(int devfd, int iommufd,
					  __u32 *devid)
{
	struct vfio_device_bind_iommufd cmd = {
		.argsz = sizeof(cmd),
		.iommufd = iommufd,
	};
	int ret = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &cmd);

	if (!ret && devid)
		*devid = cmd.out_devid;
	return ret;
}
#define test_cmd_vfio_bind(_devfd, _iommufd, _devidp)                        \
	test_cmd(_test_vfio_bind_iommufd(_devfd, _iommufd, _devidp))
#define test_err_vfio_bind(_errno, _devfd, _iommufd)                         \
	test_err(_errno, _test_vfio_bind_iommufd(_devfd, _iommufd, NULL))

/* pt_id is an IOAS or a HWPT; *out gets the HWPT the device now uses. */
static inline int _test_vfio_attach_pt(int devfd, __u32 pt_id, __u32 *out)
{
	struct vfio_device_attach_iommufd_pt cmd = {
		.argsz = sizeof(cmd),
		.pt_id = pt_id,
	};
	int ret = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &cmd);

	if (!ret && out)
		*out = cmd.pt_id;
	return ret;
}
#define test_cmd_vfio_attach(_devfd, _pt, _hwptp)                            \
	test_cmd(_test_vfio_attach_pt(_devfd, _pt, _hwptp))
#define test_err_vfio_attach(_errno, _devfd, _pt)                            \
	test_err(_errno, _test_vfio_attach_pt(_devfd, _pt, NULL))

static inline int _test_vfio_detach_pt(int devfd)
{
	struct vfio_device_detach_iommufd_pt cmd = { .argsz = sizeof(cmd) };

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &cmd);
}
#define test_cmd_vfio_detach(_devfd) test_cmd(_test_vfio_detach_pt(_devfd))
#define test_err_vfio_detach(_errno, _devfd)                                 \
	test_err(_errno, _test_vfio_detach_pt(_devfd))

static inline int _test_vfio_region_info(int devfd, __u32 index,
					 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, info);
}
#define test_cmd_vfio_region_info(_devfd, _index, _infop)                    \
	test_cmd(_test_vfio_region_info(_devfd, _index, _infop))
#define test_err_vfio_region_info(_errno, _devfd, _index, _infop)            \
	test_err(_errno, _test_vfio_region_info(_devfd, _index, _infop))

/* ---- libiommufd calls: 0 or a negative errno ---- */

#define test_cmd_be(_expr)                                                   \
	({                                                                   \
		int __r = (_expr);                                           \
		ASSERT_EQ(0, __r) TH_LOG("%s: %s", #_expr, strerror(-__r));  \
	})
#define test_err_be(_errno, _expr)                                           \
	({                                                                   \
		int __r = (_expr);                                           \
		ASSERT_EQ(-(_errno), __r)                                    \
			TH_LOG("%s: expected %s, got %d (%s)", #_expr,       \
			       strerror(_errno), __r, strerror(-__r));       \
	})

/* ---- config space and BARs, through the bound device fd ---- */

static inline int vfio_pci_config_locate(struct vfio_pci_dev *dev)
{
	struct vfio_region_info info;

	if (_test_vfio_region_info(dev->fd, VFIO_PCI_CONFIG_REGION_INDEX,
				   &info))
		return -errno;
	dev->cfg_offset = info.offset;
	return 0;
}

static inline int vfio_pci_config_read16(const struct vfio_pci_dev *dev,
					 unsigned int reg, __u16 *val)
{
	return pread(dev->fd, val, 2, dev->cfg_offset + reg) == 2 ? 0 : -EIO;
}

static inline int vfio_pci_config_write16(const struct vfio_pci_dev *dev,
					  unsigned int reg, __u16 val)
{
	return pwrite(dev->fd, &val, 2, dev->cfg_offset + reg) == 2 ? 0 : -EIO;
}

/*
 * A device DMAs only with Bus Master Enable set in its command register;
 * vfio-pci clears it when the device is opened and reset.
 */
static inline int vfio_pci_bus_master(const struct vfio_pci_dev *dev, bool on)
{
	__u16 cmd;
	int ret = vfio_pci_config_read16(dev, PCI_COMMAND, &cmd);

	if (ret)
		return ret;
	cmd = on ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;
	return vfio_pci_config_write16(dev, PCI_COMMAND, cmd);
}

/*
 * mmaps the first BAR from `first` on that VFIO lets us mmap (edu: BAR0,
 * 1 MiB of MMIO registers). Such a mapping is VM_IO | VM_PFNMAP. Returns 0,
 * or -ENOENT when no BAR can be mmap'ed.
 */
static inline int vfio_pci_bar_mmap(struct vfio_pci_dev *dev, int first)
{
	struct vfio_region_info info;
	int i;

	for (i = first; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		void *p;

		if (_test_vfio_region_info(dev->fd, i, &info) || !info.size ||
		    !(info.flags & VFIO_REGION_INFO_FLAG_MMAP))
			continue;
		p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 dev->fd, info.offset);
		if (p == MAP_FAILED)
			continue;
		dev->bar = p;
		dev->bar_size = info.size;
		dev->bar_index = i;
		return 0;
	}
	return -ENOENT;
}

static inline void vfio_pci_bar_unmap(struct vfio_pci_dev *dev)
{
	if (dev->bar)
		munmap(dev->bar, dev->bar_size);
	dev->bar = NULL;
}

/* ---- QEMU's edu device ---- */

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
	test_cmd_be(edu_dma(_dev, _iova, _dev_addr, _count, _to_ram))

/* ---- pinned pages ---- */

/*
 * VmPin of this process in KiB: iommufd adds every page it pins for a
 * domain to mm->pinned_vm, whatever its accounting mode (do_update_pinned()
 * in drivers/iommu/iommufd/pages.c), and removes it on unpin. A fresh test
 * process starts at 0. Returns -1 if it cannot be read.
 */
static inline long vfio_vmpin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- the kernel log: DMAR faults provoked on purpose ---- */

/*
 * The runner (scripts/vmtest) fails a run on any DMAR fault line in dmesg
 * unless it lies between these two markers.
 */
#define VFIO_KMSG_FAULT_BEGIN "iommufd-harness: expect-dmar-fault begin"
#define VFIO_KMSG_FAULT_END "iommufd-harness: expect-dmar-fault end"
#define VFIO_FAULT_WAIT_MS 3000

/*
 * dmar_fault() (drivers/iommu/intel/dmar.c) prints through one ratelimit
 * state, DEFAULT_RATELIMIT_BURST (10) passes per DEFAULT_RATELIMIT_INTERVAL
 * (5 s), and asks it once for the "DRHD: handling fault status" line, once
 * per fault record, and once more for the loop turn that finds no further
 * record: three passes for one fault, two of them visible. A fault past
 * the burst is cleared without a word (measured: the 4th fault within 5 s
 * printed its status line and no record), which would fail its test for no
 * fault of the kernel's. So before a fault is provoked, the passes of the
 * last interval are estimated from the log (2 per status line, 1 per
 * record) and, if no room is left for 3, the test waits for the window to
 * move on. The interval gets a margin: the log's timestamps and the
 * ratelimit's jiffies are different clocks.
 */
#define VFIO_DMAR_RATELIMIT_BURST 10
#define VFIO_DMAR_RATELIMIT_US (5500 * 1000LL)
#define VFIO_DMAR_PASSES_PER_FAULT 3

/* usleep() may refuse a second or more; nanosleep() does not. */
static inline void vfio_sleep_us(long long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct vfio_kmsg {
	int fd;
};

/* One /dev/kmsg record: "prio,seq,usec,flags;text\n[ KEY=val\n...]". */
static inline int vfio_kmsg_next(int fd, long long *usec, char *text,
				 size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char rec[2048];
	const char *semi;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n >= 0)
			break;
		if (errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms <= 0)
			return -EAGAIN;
		if (poll(&p, 1, timeout_ms) <= 0)
			return -EAGAIN;
		timeout_ms = 1;	/* a record is there now */
	}
	rec[n] = '\0';
	semi = strchr(rec, ';');
	if (!semi || sscanf(rec, "%*u,%*u,%lld", usec) != 1)
		return -EIO;
	snprintf(text, len, "%.*s", (int)strcspn(semi + 1, "\n"), semi + 1);
	return 0;
}

/*
 * The newline matters: printk finalizes a record only once it ends with
 * one (or the next record arrives), and readers of /dev/kmsg see only
 * finalized records.
 */
static inline int vfio_kmsg_mark(const char *text)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", text);
	return vfio_sysfs_write("/dev/kmsg", line);
}

/*
 * Writes the begin marker and positions k after it, so that
 * vfio_dmar_fault_wait() sees only what comes next; waits first if the DMAR
 * ratelimit window has no room for another fault. Returns 0 or -errno.
 */
static inline int vfio_dmar_fault_begin(struct vfio_kmsg *k)
{
	long long usec, now = -1, seen[64];
	unsigned int passes[64], nseen = 0, i, n, recent;
	char text[512];
	int ret;

	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	ret = vfio_kmsg_mark(VFIO_KMSG_FAULT_BEGIN);
	if (ret)
		return ret;
	/* Read everything up to our marker, whose timestamp is "now". */
	while (!(ret = vfio_kmsg_next(k->fd, &usec, text, sizeof(text), 0))) {
		if (!strncmp(text, "DMAR: DRHD: handling fault", 26) ||
		    !strncmp(text, "DMAR: [", 7)) {
			passes[nseen % 64] = text[6] == '[' ? 1 : 2;
			seen[nseen++ % 64] = usec;
		}
		if (!strcmp(text, VFIO_KMSG_FAULT_BEGIN))
			now = usec;
	}
	if (ret != -EAGAIN)
		return ret;
	if (now < 0)
		return -ENOMSG;
	/* Oldest first: drop passes until a fault fits, then sleep that long. */
	n = nseen < 64 ? nseen : 64;
	for (;;) {
		long long oldest = now + 1;
		unsigned int at = 0;

		recent = 0;
		for (i = 0; i < n; i++) {
			if (seen[i] <= now - VFIO_DMAR_RATELIMIT_US)
				continue;
			recent += passes[i];
			if (seen[i] < oldest) {
				oldest = seen[i];
				at = i;
			}
		}
		if (recent + VFIO_DMAR_PASSES_PER_FAULT <=
		    VFIO_DMAR_RATELIMIT_BURST)
			break;
		vfio_sleep_us(oldest + VFIO_DMAR_RATELIMIT_US - now);
		now = oldest + VFIO_DMAR_RATELIMIT_US;
		seen[at] = now - VFIO_DMAR_RATELIMIT_US;
	}
	return 0;
}

/*
 * Waits for the fault record of a DMA write (or read) by the device at the
 * page of iova; the line found goes to line[]. Returns 0 or -ETIMEDOUT.
 */
static inline int vfio_dmar_fault_wait(struct vfio_kmsg *k, const char *bdf,
				       bool write, __u64 iova, char *line,
				       size_t len)
{
	char dev[64], addr[64], text[512];
	struct timespec start, now;
	long long usec;
	int left = VFIO_FAULT_WAIT_MS;

	snprintf(dev, sizeof(dev), "Request device [%s]", bdf);
	snprintf(addr, sizeof(addr), "fault addr 0x%llx ",
		 (unsigned long long)(iova & ~0xfffULL));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (left > 0) {
		if (!vfio_kmsg_next(k->fd, &usec, text, sizeof(text), left) &&
		    strstr(text, write ? "[DMA Write" : "[DMA Read") &&
		    strstr(text, dev) && strstr(text, addr)) {
			snprintf(line, len, "%s", text);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = VFIO_FAULT_WAIT_MS -
		       ((now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000);
	}
	return -ETIMEDOUT;
}

static inline void vfio_dmar_fault_end(struct vfio_kmsg *k)
{
	vfio_kmsg_mark(VFIO_KMSG_FAULT_END);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

#endif /* VFIO_UAPI_HAS_CDEV */

/*
 * main() of the vfio_* programs: IOMMUFD_TEST_MAIN where the headers have
 * both iommufd and VFIO's cdev uAPI; otherwise one KTAP skip naming what the
 * headers lack (the fixtures and cases are compiled only with both).
 */
#if defined(IOMMUFD_HAVE_UAPI) && defined(VFIO_UAPI_HAS_CDEV)
#define VFIO_TEST_MAIN IOMMUFD_TEST_MAIN
#else
#ifdef IOMMUFD_HAVE_UAPI
#define VFIO_HEADERS_LACK VFIO_NO_CDEV_UAPI_REASON
#else
#define VFIO_HEADERS_LACK IOMMUFD_NO_UAPI_REASON
#endif
#define VFIO_TEST_MAIN                                                       \
	int main(void)                                                       \
	{                                                                    \
		(void)test_harness_run;	/* static, and unused here */        \
		ksft_print_header();                                         \
		ksft_exit_skip(VFIO_HEADERS_LACK "\n");                      \
	}
#endif

#endif /* IOMMUFD_HARNESS_VFIO_UTILS_H */
