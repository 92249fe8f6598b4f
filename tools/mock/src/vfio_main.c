// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/vfio/vfio_main.c, checked against Linux 6.12 and 7.3: the
 * device file of a VFIO device's cdev (open, release, the ioctl dispatch
 * with its access_granted gate, read/write/mmap through the driver) and
 * VFIO_DEVICE_FEATURE; here also the devices themselves, which the kernel
 * gets from the PCI core and the mock from IOMMUFD_MOCK_VFIO, and the
 * personality's questions about VFIO, answered in one place.
 *
 *   IOMMUFD_MOCK_VFIO="edu@0000:00:0b.0 edu@0000:00:0c.0/nommap"
 *
 * One entry per device, separated by blanks or commas: the model (edu),
 * '@', its PCI address (domain optional, hex), and options after '/':
 * "nommap" offers BAR0 without VFIO_REGION_INFO_FLAG_MMAP (pread/pwrite
 * only, as QEMU's x-no-mmap sees a device). The devices are made at the
 * first call into the mock that needs them; a malformed variable is
 * refused then, with one line on stderr naming it, and no device is made
 * (every open of /dev/iommu and of a device node fails with ENODEV, as a
 * bad IOMMUFD_MOCK_KERNEL makes them fail).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio.h"

#define VFIO_ENV "IOMMUFD_MOCK_VFIO"

/* ---- the devices ---- */

/* In the arena: every image of the process tree, exec'd ones too, sees them. */
struct vfio_devices {
	int state;		/* 0: not read yet; 1: made; -ENODEV: refused */
	unsigned int n;
	struct vfio_device dev[VFIO_MOCK_MAX_DEVICES];
	char sysfs_root[128];	/* vfio_sysfs.c's tree */
};

static struct vfio_devices *g_vfio;

static const struct vfio_pci_model *const vfio_models[] = { &edu_model };

static void vfio_env_refuse(const char *env, const char *what, size_t len,
			    const char *why)
{
	fprintf(stderr, "libiommufd_mock: %s=%s: '%.*s': %s\n", VFIO_ENV, env,
		(int)len, what, why);
}

/* "[dddd:]bb:ss.f" in hex: 0, or -EINVAL. */
static int vfio_parse_bdf(const char *s, size_t len, char *bdf, size_t blen)
{
	unsigned int dom = 0, bus, slot, fn;
	char buf[32], tail;
	int n;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf, "0123456789abcdefABCDEF:.") != len)
		return -EINVAL;
	n = sscanf(buf, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail);
	if (n != 4) {
		dom = 0;
		n = sscanf(buf, "%x:%x.%x%c", &bus, &slot, &fn, &tail);
		if (n != 3)
			return -EINVAL;
	}
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(bdf, blen, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

/* One "model@bdf[/opt...]" entry into d: 0, or -EINVAL (said on stderr). */
static int vfio_parse_entry(const char *env, const char *s, size_t len,
			    struct vfio_device *d)
{
	const char *at = memchr(s, '@', len), *end = s + len, *opt;
	size_t i;

	if (!at) {
		vfio_env_refuse(env, s, len, "expected MODEL@PCI-ADDRESS (e.g. edu@0000:00:0b.0)");
		return -EINVAL;
	}
	d->model = MOCK_SO_NULL;
	for (i = 0; i < sizeof(vfio_models) / sizeof(vfio_models[0]); i++)
		if (strlen(vfio_models[i]->name) == (size_t)(at - s) &&
		    !memcmp(vfio_models[i]->name, s, at - s))
			d->model = mock_so_off(vfio_models[i]);
	if (!vfio_model(d)) {
		vfio_env_refuse(env, s, at - s, "unknown device model (known: edu)");
		return -EINVAL;
	}
	opt = memchr(at, '/', end - at);
	if (vfio_parse_bdf(at + 1, (opt ? opt : end) - at - 1, d->bdf,
			   sizeof(d->bdf))) {
		vfio_env_refuse(env, at + 1, (opt ? opt : end) - at - 1,
				"not a PCI address ([dddd:]bb:ss.f, hex; slot at most 1f, function at most 7)");
		return -EINVAL;
	}
	d->mmap_bars = true;
	while (opt) {
		const char *next = memchr(opt + 1, '/', end - opt - 1);
		size_t olen = (next ? next : end) - opt - 1;

		if (olen == 6 && !memcmp(opt + 1, "nommap", 6)) {
			d->mmap_bars = false;
		} else {
			vfio_env_refuse(env, opt + 1, olen, "unknown option (known: nommap)");
			return -EINVAL;
		}
		opt = next;
	}
	return 0;
}

static int vfio_parse_env(const char *env, struct vfio_devices *devs)
{
	const char *p = env;

	devs->n = 0;
	for (;;) {
		size_t len;

		p += strspn(p, " \t\n,");
		if (!*p)
			break;
		len = strcspn(p, " \t\n,");
		if (devs->n == VFIO_MOCK_MAX_DEVICES) {
			vfio_env_refuse(env, p, len, "too many devices (at most 16)");
			return -EINVAL;
		}
		if (vfio_parse_entry(env, p, len, &devs->dev[devs->n]))
			return -EINVAL;
		for (unsigned int i = 0; i < devs->n; i++)
			if (!strcmp(devs->dev[i].bdf, devs->dev[devs->n].bdf)) {
				vfio_env_refuse(env, p, len, "a second device at the same PCI address");
				return -EINVAL;
			}
		devs->n++;
		p += len;
	}
	return 0;
}

int vfio_devices_init(void)
{
	const char *env = getenv(VFIO_ENV);
	struct vfio_devices *devs;
	int rc;

	if (!g_vfio && mock_shared()->vfio) {
		/* an image exec'd from one that made them */
		g_vfio = mock_shared()->vfio;
		if (g_vfio->state > 0 && g_vfio->n)
			vfio_sysfs_attach(g_vfio->sysfs_root);
	}
	if (g_vfio)
		return g_vfio->state < 0 ? g_vfio->state : 0;
	devs = mock_calloc(1, sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	devs->state = 1;
	if (env && vfio_parse_env(env, devs)) {
		devs->n = 0;
		devs->state = -ENODEV;
	}
	for (unsigned int i = 0; i < devs->n; i++) {
		struct vfio_device *d = &devs->dev[i];

		d->index = i;
		d->irq_type = -1;
		d->intx.fd = d->intx.unmask_fd = d->msi.fd = -1;
		d->msi.unmask_fd = d->err.fd = d->req.fd = -1;
		d->err.unmask_fd = d->req.unmask_fd = -1;
		vfio_config_init(d);
		vfio_model(d)->reset(d);
	}
	g_vfio = devs;
	mock_shared()->vfio = devs;
	if (devs->state > 0 && devs->n) {
		rc = vfio_sysfs_init(devs->sysfs_root, sizeof(devs->sysfs_root));
		if (rc) {
			fprintf(stderr, "libiommufd_mock: %s=%s: cannot make the sysfs tree of the devices: %s\n",
				VFIO_ENV, env, strerror(-rc));
			devs->n = 0;
			devs->state = -ENODEV;
		}
	}
	return devs->state < 0 ? devs->state : 0;
}

unsigned int vfio_device_count(void)
{
	return g_vfio ? g_vfio->n : 0;
}

struct vfio_device *vfio_device_nth(unsigned int i)
{
	return i < vfio_device_count() ? &g_vfio->dev[i] : NULL;
}

struct vfio_device *vfio_device_by_index(unsigned int index)
{
	for (unsigned int i = 0; i < vfio_device_count(); i++)
		if (g_vfio->dev[i].index == index)
			return &g_vfio->dev[i];
	return NULL;
}

struct vfio_device *vfio_device_by_bdf(const char *bdf)
{
	for (unsigned int i = 0; i < vfio_device_count(); i++)
		if (!strcmp(g_vfio->dev[i].bdf, bdf))
			return &g_vfio->dev[i];
	return NULL;
}

/* ---- the device file ---- */

/* vfio_device_fops_cdev_open(): a file per open, unbound. */
int vfio_device_fops_cdev_open(struct vfio_device *device, bool cloexec)
{
	struct vfio_device_file *df = mock_calloc(1, sizeof(*df));
	char name[32];
	int fd;

	if (!df)
		return -ENOMEM;

	df->device = device;
	df->refs = 1;
	/* "vfio-device:N": /proc/<pid>/fd shows it as vfioN (intercept_sysfs.c) */
	snprintf(name, sizeof(name), "vfio-device:%u", device->index);
	fd = (int)syscall(SYS_memfd_create, name, cloexec ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		mock_free(df);
		return -errno;
	}
	fd = iommufd_file_install_fd(&vfio_device_fops, df, fd);
	if (fd < 0)
		mock_free(df);
	return fd;
}

void vfio_device_file_put(struct vfio_device_file *df)
{
	if (--df->refs)
		return;
	/* vfio_device_fops_release(): the cdev path unbinds */
	vfio_df_unbind_iommufd(df);
	mock_free(df);
}

static void vfio_device_fops_release(void *private_data)
{
	struct vfio_device_file *df = private_data;

	df->file_gone = true;
	vfio_device_file_put(df);
}

void vfio_device_file_mapped(struct vfio_device_file *df, int pid, int delta)
{
	for (unsigned int i = 0; i < 4; i++)
		if (df->mappers[i].pid == pid || (!df->mappers[i].maps && delta > 0)) {
			df->mappers[i].pid = pid;
			df->mappers[i].maps += delta;
			return;
		}
}

/*
 * A process killed while it mapped the device's BAR (no exit(), so no
 * munmap() for the mock to see) would keep the device bound for good; the
 * kernel's exit unmaps. Before a bind finds the device taken, such holds
 * are dropped: the file's fds are gone and so is every process mapping it.
 */
void vfio_device_reap(struct vfio_device *device)
{
	struct vfio_device_file *df = device->bound;
	unsigned int dead = 0;

	if (!df || !df->file_gone)
		return;
	for (unsigned int i = 0; i < 4; i++) {
		if (df->mappers[i].maps && umem_pid_alive(df->mappers[i].pid))
			return;
		dead += df->mappers[i].maps;
	}
	while (dead-- && device->bound == df)
		vfio_device_file_put(df);
}

/*
 * vfio_ioctl_device_feature(): the core's migration and logging features
 * are the driver's only if it offers migration (vfio-pci without a variant
 * driver does not: ENOTTY); the rest go to the driver.
 */
static int vfio_ioctl_device_feature(struct vfio_device *device, void *arg)
{
	size_t minsz = offsetofend(struct vfio_device_feature, flags);
	struct vfio_device_feature feature;

	if (umem_copy_from(&feature, (uintptr_t)arg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags &
	    ~(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_SET |
	      VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	/* GET and SET exclude each other, but with PROBE */
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	switch (feature.flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_MIGRATION:
	case VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_START:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
	case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT:
	case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
		/* device->mig_ops and ->log_ops are NULL for vfio-pci */
		return -ENOTTY;
	default:
		return vfio_pci_core_device_feature(
			device, feature.flags,
			(uintptr_t)arg + minsz, feature.argsz - minsz);
	}
}

/* vfio_device_fops_unl_ioctl() */
static long vfio_device_fops_unl_ioctl(void *private_data, unsigned long cmd,
				       void *arg)
{
	struct vfio_device_file *df = private_data;

	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_df_ioctl_bind_iommufd(df, arg);
	if (!df->access_granted)
		return -EINVAL;
	switch (cmd) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_df_ioctl_attach_pt(df, arg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_df_ioctl_detach_pt(df, arg);
	case VFIO_DEVICE_FEATURE:
		return vfio_ioctl_device_feature(df->device, arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_pci_ioctl_get_region_info(df->device, arg);
	default:
		return vfio_pci_core_ioctl(df->device, cmd, arg);
	}
}

/* vfio_device_fops_read()/write(), at the fd's position as pread() gives */
static long vfio_device_fops_rw(void *private_data, uint64_t ubuf,
				size_t count, uint64_t pos, bool write)
{
	struct vfio_device_file *df = private_data;

	if (!df->access_granted)
		return -EINVAL;
	return vfio_pci_core_rw(df->device, ubuf, count, pos, write);
}

/* vfio_device_fops_mmap(): vfio_pci_core_mmap()'s checks, then the trap */
static void *vfio_device_fops_mmap(void *private_data, void *addr, size_t len,
				   int prot, int flags, uint64_t off, int *err)
{
	struct vfio_device_file *df = private_data;
	int rc;

	if (!df->access_granted) {
		*err = EINVAL;
		return MAP_FAILED;
	}
	rc = vfio_pci_core_mmap_check(df->device, len, prot, flags, off);
	if (rc) {
		*err = -rc;
		return MAP_FAILED;
	}
	return mmio_trap_map(df, addr, len, flags, VFIO_MOCK_OFFSET(off), err);
}

const struct iommufd_file_ops vfio_device_fops = {
	.name = "vfio-device",
	.ioctl = vfio_device_fops_unl_ioctl,
	.rw = vfio_device_fops_rw,
	.mmap_region = vfio_device_fops_mmap,
	.release = vfio_device_fops_release,
};
