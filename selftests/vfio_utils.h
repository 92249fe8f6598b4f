/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the real-IOMMU tests (vfio_*.c): a PCI device handed to
 * userspace through VFIO's cdev interface (/dev/vfio/devices/vfioN) and
 * bound to libiommufd's /dev/iommu: finding and binding it, VFIO's ioctls on
 * its fd, its config space and BARs, and the pinned-memory counter. Next to
 * it: pci_utils.h (sysfs), edu_utils.h (QEMU's edu as a DMA engine) and
 * iommu_fault_utils.h (the refused DMAs some tests provoke on purpose: what
 * each IOMMU driver logs for them).
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

#include <limits.h>

#include "backend_utils.h"
#include "pci_utils.h"
#include "proc_utils.h"

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
#define VFIO_DRIVER "vfio-pci"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#ifdef VFIO_UAPI_HAS_CDEV

/* One PCI device as the tests hold it. */
struct vfio_pci_dev {
	char bdf[32];		/* 0000:00:0b.0 */
	bool is_edu;
	int fd;			/* the cdev fd, -1 when closed */
	__u32 devid;		/* from VFIO_DEVICE_BIND_IOMMUFD */
	__u64 cfg_offset;	/* config space region, in the device fd */
	void *bar;		/* an mmap'ed memory BAR, or NULL */
	size_t bar_size;
	int bar_index;
};

/* ---- the device under test, in sysfs (pci_utils.h) ---- */

/*
 * Fills dev->bdf with the device under test: the one the user named in
 * $IOMMUFD_HARNESS_VFIO_DEVICE, or the first edu. Returns 0; -ENODEV with
 * why[] saying what is missing; -EINVAL if the named device does not exist.
 */
static inline int vfio_pci_find(struct vfio_pci_dev *dev, char *why,
				size_t wlen)
{
	const char *named = getenv(VFIO_DEVICE_ENV);
	char v[16];

	dev->bdf[0] = '\0';
	if (named && *named) {
		if (pci_sysfs_read(named, "vendor", v, sizeof(v))) {
			/* The user asked for it: a typo must not pass as a skip. */
			snprintf(why, wlen, "%s=%s: no such PCI device in %s",
				 VFIO_DEVICE_ENV, named, PCI_SYSFS_DEVICES);
			return -EINVAL;
		}
		snprintf(dev->bdf, sizeof(dev->bdf), "%s", named);
	} else if (pci_dev_find(EDU_VENDOR, EDU_DEVICE, 0, dev->bdf,
				sizeof(dev->bdf))) {
		snprintf(why, wlen,
			 "no edu PCI device (%04x:%04x) in %s (QEMU -device edu, or name one in %s)",
			 EDU_VENDOR, EDU_DEVICE, PCI_SYSFS_DEVICES,
			 VFIO_DEVICE_ENV);
		return -ENODEV;
	}
	dev->is_edu = pci_dev_is(dev->bdf, EDU_VENDOR, EDU_DEVICE);
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

	pci_sysfs_link_name(bdf, "iommu_group", group, glen);
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

	pci_sysfs_link_name(dev->bdf, "driver", drv, sizeof(drv));
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
	snprintf(path, sizeof(path), "%s/%s/driver_override", PCI_SYSFS_DEVICES,
		 dev->bdf);
	ret = pci_sysfs_write(path, VFIO_DRIVER);
	if (!ret)
		ret = pci_sysfs_write("/sys/bus/pci/drivers_probe", dev->bdf);
	if (ret) {
		snprintf(why, wlen, "binding %s to %s: %s%s", dev->bdf,
			 VFIO_DRIVER, strerror(-ret),
			 ret == -EACCES || ret == -EPERM ? " (needs root)" : "");
		return ret;
	}
	pci_sysfs_link_name(dev->bdf, "driver", drv, sizeof(drv));
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

	snprintf(path, sizeof(path), "%s/%s/vfio-dev", PCI_SYSFS_DEVICES, dev->bdf);
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

/*
 * Set by scripts/vmtest's vfio lane to the IOMMU it booted (--iommu intel,
 * amd or virtio): the driver translating for the device must be that one
 * (iommu_fault_utils.h names them), so a lane that booted another, or
 * none, cannot pass as the one asked for.
 */
#define VFIO_IOMMU_ENV "IOMMUFD_HARNESS_IOMMU"

#define vfio_skip_unless_required(_fmt, ...)                                 \
	do {                                                                 \
		if (vfio_required())                                         \
			ASSERT_TRUE(false) TH_LOG("%s is set, but " _fmt,    \
						  VFIO_REQUIRE_ENV,          \
						  ##__VA_ARGS__);            \
		SKIP(return, _fmt, ##__VA_ARGS__);                           \
	} while (0)

/*
 * Finds the device under test, hands it to vfio-pci, checks it has an IOMMU
 * group and opens its cdev into (_dev)->fd, unbound. Whatever is absent
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
		/*                                                           \
		 * VT-d and AMD-Vi give every PCI device its group when it   \
		 * is added; virtio-iommu (ACPI VIOT) only when a driver     \
		 * binds (dma_configure at probe), so an unbound edu has no  \
		 * group until vfio-pci takes it: bind first, then look.     \
		 * Without any IOMMU vfio-pci refuses the device, and the    \
		 * missing group is the reason given.                        \
		 */                                                          \
		__ret = vfio_pci_bind_driver(_dev, __why, sizeof(__why));    \
		if (vfio_pci_group((_dev)->bdf, __grp, sizeof(__grp),        \
				   __members, sizeof(__members)) < 0)        \
			vfio_skip_unless_required(                           \
				"%s has no IOMMU group (no IOMMU driver active: intel_iommu=off, or no IOMMU)", \
				(_dev)->bdf);                                \
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

