// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM reads in sysfs to find a VFIO device, and the device nodes:
 * the PCI core's, the driver core's and devtmpfs's share of the work. No
 * kernel file mirrors it.
 *
 * The tree is real: made at the devices' creation in a directory of its own
 * ($TMPDIR or /tmp, "iommufd-mock-vfio.<pid>.XXXXXX", removed when the
 * process that made it exits, or by the next one if it was killed), with
 * the files and links sysfs has, and the
 * interposed path functions (open, stat, access, opendir, readlink, fopen)
 * send the paths below to it:
 *   /sys/bus/pci/devices                  the real devices (links to the
 *                                         real sysfs) and the mock's
 *   /sys/devices/pci<dddd>:<bb>/<bdf>     each mock device: vendor, device,
 *                                         subsystem_*, class, revision,
 *                                         irq, resource, resource0, config
 *                                         (a snapshot), driver_override,
 *                                         links driver, iommu_group, iommu,
 *                                         vfio-dev/vfio<N>/dev
 *   /sys/bus/pci/drivers/vfio-pci         the driver, bound to every mock
 *                                         device from the start
 *   /sys/bus/pci/drivers_probe            takes writes, changes nothing
 *   /sys/kernel/iommu_groups/<g>          one group per device, type "DMA"
 *   /sys/class/iommu/iommufd-mock0        the mock PCI IOMMU, whose file
 *   /sys/devices/virtual/iommu/iommufd-mock0   "faults" is the fault record
 *   /dev/vfio/devices                     a listing of the nodes
 * The nodes /dev/vfio/devices/vfio<N> and /dev/char/<major>:<N> are not in
 * the tree: opening one opens the device (vfio_main.c), stat() shows a
 * character device owned by the caller (mode 0600: the state an
 * administrator leaves a device in for an unprivileged VMM). A group number
 * is one past the highest real group; vfio<N> counts from 0 and hides a
 * real node of that number.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "vfio.h"

/* The major of the vfio-dev char region (dynamic in the kernel). */
#define VFIO_MOCK_CDEV_MAJOR 511
#define PCI_IORESOURCE_MEM 0x200
#define PCI_IORESOURCE_SIZEALIGN 0x40000

static char g_root[128];
static size_t g_root_len;
static int g_root_pid;
/* the prefixes whose paths live in the tree */
static char g_prefix[4 * VFIO_MOCK_MAX_DEVICES + 8][200];
static unsigned int g_nprefix;

/* ---- writing the tree (raw system calls: the emulation's rule) ---- */

static int tree_path(char *out, size_t len, const char *rel)
{
	int n = snprintf(out, len, "%s%s", g_root, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int tree_mkdirs(const char *rel)
{
	char path[512];
	int rc = tree_path(path, sizeof(path), rel);

	for (char *p = path + g_root_len + 1; !rc && *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			rc = -errno;
		*p = '/';
	}
	if (!rc && mkdir(path, 0755) && errno != EEXIST)
		rc = -errno;
	return rc;
}

static int tree_file(const char *rel, const void *data, size_t len)
{
	char path[512];
	long fd;
	int rc = tree_path(path, sizeof(path), rel);

	if (rc)
		return rc;
	fd = syscall(SYS_openat, AT_FDCWD, path,
		     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (len && syscall(SYS_write, fd, data, len) != (long)len)
		rc = -EIO;
	syscall(SYS_close, fd);
	return rc;
}

static int tree_text(const char *rel, const char *text)
{
	return tree_file(rel, text, strlen(text));
}

static int tree_link(const char *rel, const char *target)
{
	char path[512];
	int rc = tree_path(path, sizeof(path), rel);

	if (!rc && symlink(target, path))
		rc = -errno;
	return rc;
}

/* rm -r of a directory of the tree, by descriptor */
static void tree_remove_at(int dirfd)
{
	char buf[4096];
	long n;

	while ((n = syscall(SYS_getdents64, dirfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);

			off += e->d_reclen;
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (e->d_type == DT_DIR) {
				long sub = syscall(SYS_openat, dirfd, e->d_name,
						   O_RDONLY | O_DIRECTORY |
							   O_CLOEXEC);

				if (sub >= 0) {
					tree_remove_at(sub);
					syscall(SYS_close, sub);
				}
				unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
			} else {
				unlinkat(dirfd, e->d_name, 0);
			}
		}
	}
}

__attribute__((destructor)) static void vfio_sysfs_exit(void)
{
	long fd;

	if (!g_root_len || g_root_pid != getpid())
		return;
	fd = syscall(SYS_openat, AT_FDCWD, g_root,
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		tree_remove_at(fd);
		syscall(SYS_close, fd);
	}
	rmdir(g_root);
}

/* ---- the tree of the devices ---- */

static void add_prefix(const char *p)
{
	if (g_nprefix < sizeof(g_prefix) / sizeof(g_prefix[0]))
		snprintf(g_prefix[g_nprefix++], sizeof(g_prefix[0]), "%s", p);
}

/* The real PCI devices, as links to where sysfs has them. */
static int tree_real_devices(void)
{
	char buf[4096], rel[128], link[256], path[300];
	long fd, n;
	int rc = 0;

	fd = syscall(SYS_openat, AT_FDCWD, "/sys/bus/pci/devices",
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* a machine without PCI */
	while (!rc && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; !rc && off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			long len;

			off += e->d_reclen;
			if (e->d_name[0] == '.' || vfio_device_by_bdf(e->d_name))
				continue;
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.200s",
				 e->d_name);
			len = syscall(SYS_readlinkat, AT_FDCWD, path, link,
				      sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			/* "../../../devices/..." made absolute */
			snprintf(path, sizeof(path), "/sys/%s",
				 strstr(link, "devices/") ? strstr(link, "devices/") : link);
			snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%.64s",
				 e->d_name);
			rc = tree_link(rel, path);
		}
	}
	syscall(SYS_close, fd);
	return rc;
}

/* One past the highest real IOMMU group number. */
static unsigned int first_free_group(void)
{
	char buf[4096];
	unsigned int next = 0;
	long fd, n;

	fd = syscall(SYS_openat, AT_FDCWD, "/sys/kernel/iommu_groups",
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			char *end;
			unsigned long g = strtoul(e->d_name, &end, 10);

			off += e->d_reclen;
			if (end != e->d_name && !*end && g + 1 > next)
				next = g + 1;
		}
	syscall(SYS_close, fd);
	return next;
}

static int tree_device(struct vfio_device *vdev)
{
	const struct vfio_pci_model *m = vfio_model(vdev);
	char dir[96], rel[192], text[512], bus[16];
	uint64_t start = vfio_config_read(vdev, 0x10, 4) & ~0xfULL;
	int rc, n = 0;

	/* pci0000:00 for 0000:00:0b.0 */
	snprintf(bus, sizeof(bus), "pci%.7s", vdev->bdf);
	snprintf(dir, sizeof(dir), "/sys/devices/%s/%s", bus, vdev->bdf);
	rc = tree_mkdirs(dir);
#define F(name, ...)                                                         \
	do {                                                                 \
		snprintf(rel, sizeof(rel), "%s/" name, dir);                 \
		snprintf(text, sizeof(text), __VA_ARGS__);                   \
		if (!rc)                                                     \
			rc = tree_text(rel, text);                           \
	} while (0)
	F("vendor", "0x%04x\n", m->vendor);
	F("device", "0x%04x\n", m->device);
	F("subsystem_vendor", "0x%04x\n", m->subsystem_vendor);
	F("subsystem_device", "0x%04x\n", m->subsystem_device);
	F("class", "0x%06x\n", m->class);
	F("revision", "0x%02x\n", m->revision);
	F("irq", "%u\n", 10 + vdev->index);
	F("numa_node", "-1\n");
	F("enable", "1\n");
	F("driver_override", "vfio-pci\n");
	F("modalias", "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n",
	  m->vendor, m->device, m->subsystem_vendor, m->subsystem_device,
	  m->class >> 16, (m->class >> 8) & 0xff, m->class & 0xff);
	/* "start end flags", the BARs, then the ROM and the rest empty */
	n = snprintf(text, sizeof(text), "0x%016llx 0x%016llx 0x%016llx\n",
		     (unsigned long long)start,
		     (unsigned long long)(start + m->bar0_size - 1),
		     (unsigned long long)(PCI_IORESOURCE_MEM |
					  PCI_IORESOURCE_SIZEALIGN));
	for (int i = 1; i < 13 && n < (int)sizeof(text) - 60; i++)
		n += snprintf(text + n, sizeof(text) - n,
			      "0x%016llx 0x%016llx 0x%016llx\n", 0ULL, 0ULL, 0ULL);
	snprintf(rel, sizeof(rel), "%s/resource", dir);
	if (!rc)
		rc = tree_text(rel, text);
	/* resource0: opened through the mock (vfio_sysfs_open()) */
	snprintf(rel, sizeof(rel), "%s/resource0", dir);
	if (!rc)
		rc = tree_text(rel, "");
	snprintf(rel, sizeof(rel), "%s/config", dir);
	if (!rc)
		rc = tree_file(rel, vdev->vconfig, VFIO_MOCK_CFG_SIZE);
	snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio%u", dir, vdev->index);
	if (!rc)
		rc = tree_mkdirs(rel);
#undef F
	snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio%u/dev", dir, vdev->index);
	snprintf(text, sizeof(text), "%u:%u\n", VFIO_MOCK_CDEV_MAJOR, vdev->index);
	if (!rc)
		rc = tree_text(rel, text);
	snprintf(rel, sizeof(rel), "%s/vfio-dev/vfio%u/uevent", dir, vdev->index);
	snprintf(text, sizeof(text), "MAJOR=%u\nMINOR=%u\nDEVNAME=vfio/devices/vfio%u\n",
		 VFIO_MOCK_CDEV_MAJOR, vdev->index, vdev->index);
	if (!rc)
		rc = tree_text(rel, text);
	snprintf(rel, sizeof(rel), "%s/driver", dir);
	if (!rc)
		rc = tree_link(rel, "../../../bus/pci/drivers/vfio-pci");
	snprintf(rel, sizeof(rel), "%s/subsystem", dir);
	if (!rc)
		rc = tree_link(rel, "../../../bus/pci");
	snprintf(rel, sizeof(rel), "%s/iommu", dir);
	if (!rc)
		rc = tree_link(rel, "../../virtual/iommu/iommufd-mock0");
	snprintf(rel, sizeof(rel), "%s/iommu_group", dir);
	snprintf(text, sizeof(text), "../../../kernel/iommu_groups/%u", vdev->group);
	if (!rc)
		rc = tree_link(rel, text);
	/* where the buses and the group point at it */
	snprintf(text, sizeof(text), "../../../devices/%s/%s", bus, vdev->bdf);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", vdev->bdf);
	if (!rc)
		rc = tree_link(rel, text);
	snprintf(text, sizeof(text), "../../../../devices/%s/%s", bus, vdev->bdf);
	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/vfio-pci/%s", vdev->bdf);
	if (!rc)
		rc = tree_link(rel, text);
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%u/devices", vdev->group);
	if (!rc)
		rc = tree_mkdirs(rel);
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%u/devices/%s",
		 vdev->group, vdev->bdf);
	if (!rc)
		rc = tree_link(rel, text);
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%u/type", vdev->group);
	if (!rc)
		rc = tree_text(rel, "DMA\n");
	snprintf(rel, sizeof(rel), "/dev/vfio/devices/vfio%u", vdev->index);
	if (!rc)
		rc = tree_text(rel, "");
	return rc;
}

/* The paths the tree answers for. */
static void vfio_sysfs_prefixes(void)
{
	char p[200];

	g_nprefix = 0;
	for (unsigned int i = 0; i < vfio_device_count(); i++) {
		struct vfio_device *vdev = vfio_device_nth(i);

		snprintf(p, sizeof(p), "/sys/devices/pci%.7s/%s", vdev->bdf,
			 vdev->bdf);
		add_prefix(p);
		snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%u", vdev->group);
		add_prefix(p);
	}
	add_prefix("/sys/bus/pci/devices");
	add_prefix("/sys/bus/pci/drivers/vfio-pci");
	add_prefix("/sys/bus/pci/drivers_probe");
	add_prefix("/sys/devices/virtual/iommu/iommufd-mock0");
	add_prefix("/sys/class/iommu/iommufd-mock0");
	add_prefix("/dev/vfio/devices");
}

void vfio_sysfs_attach(const char *root)
{
	snprintf(g_root, sizeof(g_root), "%s", root);
	g_root_len = strlen(g_root);
	vfio_sysfs_prefixes();
}

/* The trees of creators killed without exit(): removed. */
static void vfio_sysfs_remove_stale(const char *tmp)
{
	char buf[4096];
	long dfd, n;

	dfd = syscall(SYS_openat, AT_FDCWD, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (dfd >= 0 && (n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			long sub;
			int pid;

			off += e->d_reclen;
			if (sscanf(e->d_name, "iommufd-mock-vfio.%d.", &pid) != 1 ||
			    pid <= 0 || !kill(pid, 0) || errno != ESRCH)
				continue;
			sub = syscall(SYS_openat, dfd, e->d_name,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub < 0)
				continue;
			tree_remove_at(sub);
			syscall(SYS_close, sub);
			unlinkat(dfd, e->d_name, AT_REMOVEDIR);
		}
	}
	if (dfd >= 0)
		syscall(SYS_close, dfd);
}

int vfio_sysfs_init(char *root, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	unsigned int group = first_free_group();
	int rc;

	if (!tmp || !*tmp || strlen(tmp) >= 64)
		tmp = "/tmp";
	vfio_sysfs_remove_stale(tmp);
	snprintf(g_root, sizeof(g_root), "%s/iommufd-mock-vfio.%d.XXXXXX", tmp,
		 (int)getpid());
	if (!mkdtemp(g_root))
		return -errno;
	g_root_len = strlen(g_root);
	g_root_pid = getpid();
	rc = tree_mkdirs("/sys/bus/pci/devices");
	if (!rc)
		rc = tree_mkdirs("/sys/bus/pci/drivers/vfio-pci");
	if (!rc)
		rc = tree_mkdirs("/sys/devices/virtual/iommu/iommufd-mock0");
	if (!rc)
		rc = tree_mkdirs("/sys/class/iommu");
	if (!rc)
		rc = tree_mkdirs("/dev/vfio/devices");
	if (!rc)
		rc = tree_link("/sys/class/iommu/iommufd-mock0",
			       "../../devices/virtual/iommu/iommufd-mock0");
	if (!rc)
		rc = tree_text("/sys/devices/virtual/iommu/iommufd-mock0/faults", "");
	for (const char *f = "bind\0unbind\0new_id\0remove_id\0"; !rc && *f;
	     f += strlen(f) + 1) {
		char rel[96];

		snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/vfio-pci/%s", f);
		rc = tree_text(rel, "");
	}
	if (!rc)
		rc = tree_text("/sys/bus/pci/drivers_probe", "");
	for (unsigned int i = 0; !rc && i < vfio_device_count(); i++) {
		struct vfio_device *vdev = vfio_device_nth(i);

		vdev->group = group + i;
		rc = tree_device(vdev);
	}
	if (!rc)
		rc = tree_real_devices();
	vfio_sysfs_prefixes();
	snprintf(root, len, "%s", g_root);
	if (rc)
		vfio_sysfs_exit();
	return rc;
}

/* ---- looking paths up ---- */

static bool path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

bool vfio_sysfs_redirect(const char *path, char *out, size_t len)
{
	for (unsigned int i = 0; i < g_nprefix; i++)
		if (path_under(path, g_prefix[i]))
			return snprintf(out, len, "%s%s", g_root, path) < (int)len;
	return false;
}

struct vfio_device *vfio_sysfs_cdev(const char *path)
{
	unsigned int major, minor;
	char tail;

	if (sscanf(path, "/dev/vfio/devices/vfio%u%c", &minor, &tail) == 1 ||
	    (sscanf(path, "/dev/char/%u:%u%c", &major, &minor, &tail) == 2 &&
	     major == VFIO_MOCK_CDEV_MAJOR))
		return vfio_device_by_index(minor);
	return NULL;
}

/* The device whose sysfs resource0 path is, or NULL. */
static struct vfio_device *vfio_sysfs_resource0(const char *path)
{
	const char *last = strrchr(path, '/');
	char bdf[16];

	if (!last || strcmp(last, "/resource0") || last - path < 12)
		return NULL;
	/* .../<bdf>/resource0, the bdf being 12 characters */
	memcpy(bdf, last - 12, 12);
	bdf[12] = '\0';
	if (last[-13] != '/')
		return NULL;
	return vfio_device_by_bdf(bdf);
}

void vfio_sysfs_fault_record(const char *line)
{
	char path[256];
	long fd;

	if (tree_path(path, sizeof(path),
		      "/sys/devices/virtual/iommu/iommufd-mock0/faults"))
		return;
	fd = syscall(SYS_openat, AT_FDCWD, path,
		     O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	/* a record that cannot be written (a full disk) is lost */
	(void)!syscall(SYS_write, fd, line, strlen(line));
	syscall(SYS_close, fd);
}

/* ---- sysfs resource0: BAR0 mapped without VFIO (root only) ---- */

static void *vfio_resource_mmap(void *private_data, void *addr, size_t len,
				int prot, int flags, uint64_t off, int *err)
{
	struct vfio_device_file *df = private_data;
	uint64_t size = vfio_model(df->device)->bar0_size;

	(void)prot;
	/* pci_mmap_resource(): within the BAR, shared */
	if (!(flags & MAP_SHARED) || off > size || len > size - off ||
	    !mmio_trap_supported()) {
		*err = EINVAL;
		return MAP_FAILED;
	}
	return mmio_trap_map(df, addr, len, flags, off, err);
}

static void vfio_resource_release(void *private_data)
{
	vfio_device_file_put(private_data);
}

static const struct iommufd_file_ops vfio_resource_fops = {
	.name = "pci-resource0",
	.mmap_region = vfio_resource_mmap,
	.release = vfio_resource_release,
};

/* ---- for intercept.c ---- */

struct vfio_lookup {
	const char *path;
	char *out;
	size_t len;
	bool open;
	int kind, flags, ret;
};

static void vfio_lookup_locked(void *arg)
{
	struct vfio_lookup *l = arg;
	struct vfio_device *vdev;

	l->kind = IOMMUFD_MOCK_VFIO_NONE;
	if (vfio_devices_init()) {
		l->ret = -ENODEV;
		/* a node of the refused devices fails as they would */
		if (!strncmp(l->path, "/dev/vfio/", 10))
			l->kind = IOMMUFD_MOCK_VFIO_NODE;
		return;
	}
	if (vfio_sysfs_cdev(l->path))
		l->kind = IOMMUFD_MOCK_VFIO_NODE;
	else if (vfio_sysfs_resource0(l->path))
		l->kind = IOMMUFD_MOCK_VFIO_RESOURCE;
	else if (vfio_sysfs_redirect(l->path, l->out, l->len))
		l->kind = IOMMUFD_MOCK_VFIO_TREE;
	if (l->kind == IOMMUFD_MOCK_VFIO_NONE || !l->open)
		return;
	/* open */
	if (l->kind == IOMMUFD_MOCK_VFIO_NODE) {
		vdev = vfio_sysfs_cdev(l->path);
		l->ret = vfio_device_fops_cdev_open(vdev, l->flags & O_CLOEXEC);
	} else if (l->kind == IOMMUFD_MOCK_VFIO_RESOURCE) {
		struct vfio_device_file *df;

		/* sysfs resource files are root's, mode 0600 */
		if (geteuid() != 0) {
			l->ret = -EACCES;
			return;
		}
		df = mock_calloc(1, sizeof(*df));
		if (!df) {
			l->ret = -ENOMEM;
			return;
		}
		df->device = vfio_sysfs_resource0(l->path);
		df->refs = 1;
		l->ret = iommufd_file_install(&vfio_resource_fops, df,
					      l->flags & O_CLOEXEC);
		if (l->ret < 0)
			mock_free(df);
	}
}

static bool g_configured, g_configured_known;

bool iommufd_mock_fd_vfio_configured(void)
{
	if (!__atomic_load_n(&g_configured_known, __ATOMIC_ACQUIRE)) {
		const char *env = getenv("IOMMUFD_MOCK_VFIO");

		g_configured = env != NULL;
		__atomic_store_n(&g_configured_known, true, __ATOMIC_RELEASE);
	}
	return g_configured;
}

int iommufd_mock_fd_vfio_lookup(const char *path, char *tree, size_t len)
{
	struct vfio_lookup l = { .path = path, .out = tree, .len = len };
	int saved = errno;

	if (!iommufd_mock_fd_vfio_configured() ||
	    (strncmp(path, "/sys/", 5) && strncmp(path, "/dev/", 5)))
		return IOMMUFD_MOCK_VFIO_NONE;
	iommufd_mock_call_locked(vfio_lookup_locked, &l);
	errno = saved;
	return l.kind;
}

int iommufd_mock_fd_vfio_open(const char *path, int flags)
{
	struct vfio_lookup l = { .path = path, .flags = flags, .open = true };
	char tree[8];

	l.out = tree;
	l.len = sizeof(tree);
	l.ret = -ENOENT;
	iommufd_mock_call_locked(vfio_lookup_locked, &l);
	if (l.ret < 0) {
		errno = -l.ret;
		return -1;
	}
	return l.ret;
}

struct vfio_devnum {
	int fd;
	struct vfio_device *vdev;
};

static void vfio_devnum_locked(void *arg)
{
	struct vfio_devnum *d = arg;
	struct vfio_device_file *df = iommufd_file_private(d->fd,
							   &vfio_device_fops);

	d->vdev = df ? df->device : NULL;
}

bool iommufd_mock_fd_vfio_devnum(int fd, unsigned int *major,
				 unsigned int *minor)
{
	struct vfio_devnum d = { .fd = fd };

	if (!iommufd_mock_fd_active() || !iommufd_mock_fd_vfio_configured())
		return false;
	iommufd_mock_call_locked(vfio_devnum_locked, &d);
	if (!d.vdev)
		return false;
	*major = VFIO_MOCK_CDEV_MAJOR;
	*minor = d.vdev->index;
	return true;
}

void iommufd_mock_fd_vfio_node_stat(const char *path, unsigned int *major,
				    unsigned int *minor)
{
	unsigned int ma, mi;
	char tail;

	*major = VFIO_MOCK_CDEV_MAJOR;
	*minor = 0;
	if (sscanf(path, "/dev/vfio/devices/vfio%u%c", &mi, &tail) == 1 ||
	    sscanf(path, "/dev/char/%u:%u%c", &ma, &mi, &tail) == 2)
		*minor = mi;
}
