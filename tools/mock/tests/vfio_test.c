// SPDX-License-Identifier: GPL-2.0
/*
 * Description: run with libiommufd_mock.so preloaded and no
 * IOMMUFD_MOCK_VFIO (it sets its own and runs itself again): the mock's
 * VFIO edu as a VMM meets it, where the vfio lane's programs do not look:
 * a malformed IOMMUFD_MOCK_VFIO refused whole at the first call, naming
 * itself; the sysfs a VMM reads and the device nodes; the kernel's errors
 * (bind twice, attach before bind, a closed iommufd, a foreign fd, the
 * personality's flags); region and interrupt information; SET_IRQS with
 * eventfds as edu raises and acknowledges; the registers through pread,
 * pwrite and a trapped mmap (each instruction form the trap decodes); config
 * space; DMA faults in the record; a BAR mapping shared with a child;
 * 7.x's BAR dma-buf mapped with IOMMU_IOAS_MAP_FILE and one edu's DMA into
 * another's registers through it.
 *
 *   vfio_test            every case, in the personality IOMMUFD_MOCK_KERNEL
 *                        names (the Makefile runs it under each)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include "check.h"

#define BDF "0000:00:0b.0"
#define SYSDEV "/sys/bus/pci/devices/" BDF
#define NODE "/dev/vfio/devices/vfio0"
#define FAULTS "/sys/class/iommu/iommufd-mock0/faults"
#define BAR0 0ULL
#define CFG ((uint64_t)VFIO_PCI_CONFIG_REGION_INDEX << 40)

static bool k7x;	/* the 7.3 personality */

/* ---- helpers ---- */

static int bind(int dev, int iommufd, uint32_t *devid)
{
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = iommufd };
	int rc = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (!rc && devid)
		*devid = b.out_devid;
	return rc;
}

static int attach(int dev, uint32_t pt, uint32_t *out)
{
	struct vfio_device_attach_iommufd_pt a = { .argsz = sizeof(a), .pt_id = pt };
	int rc = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);

	if (!rc && out)
		*out = a.pt_id;
	return rc;
}

static int detach(int dev)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	return ioctl(fd, IOMMU_IOAS_ALLOC, &cmd) ? 0 : cmd.out_ioas_id;
}

static int ioas_map(int fd, uint32_t ioas, uint64_t iova, void *va, size_t len,
		    bool writeable)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = iova,
		.user_va = (uintptr_t)va, .length = len,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 (writeable ? IOMMU_IOAS_MAP_WRITEABLE : 0),
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static int region(int dev, uint32_t index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, info);
}

static int irq_info(int dev, uint32_t index, struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, info);
}

/* SET_IRQS with one eventfd, or none (count 0, DATA_NONE) */
static int set_irq(int dev, uint32_t index, uint32_t action, int efd)
{
	struct {
		struct vfio_irq_set set;
		int32_t fd;
	} s = { { .argsz = sizeof(s), .index = index, .start = 0, .count = 1,
		  .flags = VFIO_IRQ_SET_DATA_EVENTFD | action }, efd };

	if (efd == -2) {
		s.set.argsz = sizeof(s.set);
		s.set.count = 0;
		s.set.flags = VFIO_IRQ_SET_DATA_NONE | action;
	}
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &s);
}

static int set_irq_none(int dev, uint32_t index, uint32_t action)
{
	struct vfio_irq_set s = { .argsz = sizeof(s), .index = index,
				  .count = 1,
				  .flags = VFIO_IRQ_SET_DATA_NONE | action };

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &s);
}

static uint64_t efd_count(int efd)
{
	uint64_t v = 0;

	return read(efd, &v, sizeof(v)) == sizeof(v) ? v : 0;
}

static uint32_t rd32(int dev, uint64_t off)
{
	uint32_t v = 0;

	CHECK(pread(dev, &v, 4, off) == 4, "pread 0x%llx", (unsigned long long)off);
	return v;
}

static void wr32(int dev, uint64_t off, uint32_t v)
{
	CHECK(pwrite(dev, &v, 4, off) == 4, "pwrite 0x%llx", (unsigned long long)off);
}

static void wr64(int dev, uint64_t off, uint64_t v)
{
	CHECK(pwrite(dev, &v, 8, off) == 8, "pwrite 0x%llx", (unsigned long long)off);
}

static size_t file_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? n : 0;
}

/* an open, bound device and its iommufd */
struct dev {
	int fd, iommufd;
	uint32_t devid, ioas;
};

static void dev_open(struct dev *d)
{
	d->iommufd = open("/dev/iommu", O_RDWR);
	d->fd = open(NODE, O_RDWR);
	CHECK(d->iommufd >= 0 && d->fd >= 0, "open");
	CHECK(!bind(d->fd, d->iommufd, &d->devid), "bind");
	d->ioas = ioas_alloc(d->iommufd);
	CHECK(d->ioas, "IOAS_ALLOC");
}

static void dev_close(struct dev *d)
{
	close(d->fd);
	close(d->iommufd);
}

/* ---- a malformed IOMMUFD_MOCK_VFIO ---- */

static int refused_child(void)
{
	struct stat st;
	int fd;

	fd = open("/dev/iommu", O_RDWR);
	CHECK(fd < 0 && errno == ENODEV, "/dev/iommu: %d", fd);
	fd = open(NODE, O_RDWR);
	CHECK(fd < 0 && errno == ENODEV, NODE ": %d", fd);
	CHECK(stat(SYSDEV, &st) && errno == ENOENT, "no half-made device");
	return failures ? 1 : 0;
}

static void test_refused(const char *self)
{
	static const struct {
		const char *env, *named;
	} bad[] = {
		{ "edux@0000:00:0b.0", "'edux': unknown device model" },
		{ "edu@0000:00:20.0", "'0000:00:20.0': not a PCI address" },
		{ "edu@0000:00:0b.0,edu@00:0b.0", "a second device at the same PCI address" },
		{ "edu 0000:00:0b.0", "expected MODEL@PCI-ADDRESS" },
		{ "edu@0000:00:0b.0/mmap", "'mmap': unknown option" },
		{ "edu@0000:00:0b.0 edu@0000:00:0c.0 edu@zz", "'zz': not a PCI address" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[1024] = "";
		int p[2], status;
		ssize_t n;
		pid_t pid;

		CHECK(!pipe(p), "pipe");
		pid = fork();
		if (!pid) {
			dup2(p[1], 2);
			setenv("IOMMUFD_MOCK_VFIO", bad[i].env, 1);
			execl(self, self, "refused", (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		n = read(p[0], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		close(p[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s: child", bad[i].env);
		CHECK(strstr(out, "IOMMUFD_MOCK_VFIO=") && strstr(out, bad[i].named) &&
		      strchr(out, '\n') == strrchr(out, '\n'),
		      "%s: one line naming it: %s", bad[i].env, out);
	}
}

/* ---- sysfs and nodes ---- */

static void test_sysfs(void)
{
	char buf[1024], link[256];
	struct stat st;
	ssize_t n;
	FILE *f;
	int fd;

	file_read(SYSDEV "/vendor", buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x1234\n"), "vendor %s", buf);
	file_read(SYSDEV "/device", buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x11e8\n"), "device %s", buf);
	file_read(SYSDEV "/class", buf, sizeof(buf));
	CHECK(!strcmp(buf, "0x00ff00\n"), "class %s", buf);
	n = readlink(SYSDEV "/driver", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(strstr(link, "/vfio-pci") != NULL, "driver %s", link);
	n = readlink(SYSDEV "/iommu_group", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	CHECK(strstr(link, "iommu_groups/") != NULL, "group %s", link);
	snprintf(buf, sizeof(buf), "/sys/kernel/iommu_groups/%s/devices/" BDF,
		 strrchr(link, '/') + 1);
	CHECK(!stat(buf, &st), "%s", buf);
	CHECK(!access("/sys/bus/pci/drivers/vfio-pci", F_OK), "vfio-pci driver");
	/* stdio (glibc opens past open()) sees the tree too */
	f = fopen(SYSDEV "/resource", "r");
	CHECK(f && fgets(buf, sizeof(buf), f) &&
	      strstr(buf, " 0x0000000000040200"), "resource: %s", buf);
	if (f)
		fclose(f);
	file_read(SYSDEV "/vfio-dev/vfio0/dev", buf, sizeof(buf));
	CHECK(!strcmp(buf, "511:0\n"), "dev %s", buf);
	/* the node: the caller's character device, and /dev/char's alias */
	CHECK(!stat(NODE, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == 511 &&
	      minor(st.st_rdev) == 0 && st.st_uid == geteuid(), "stat " NODE);
	CHECK(!access(NODE, R_OK | W_OK), "access " NODE);
	fd = open("/dev/char/511:0", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "/dev/char/511:0");
	close(fd);
	CHECK(open("/dev/vfio/devices/vfio1", O_RDWR) < 0, "one device only");
	/* relative paths resolve too */
	CHECK(!chdir("/sys/bus") && !stat("pci/devices/" BDF "/vendor", &st) &&
	      !chdir("/"), "relative");
	/* sysfs resource0: root's only, as the kernel's 0600 file */
	fd = open(SYSDEV "/resource0", O_RDWR);
	if (geteuid()) {
		CHECK(fd < 0 && errno == EACCES, "resource0 as a user");
	} else {
		volatile uint32_t *bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					      MAP_SHARED, fd, 0);

		CHECK(bar != MAP_FAILED && bar[0] == 0x010000ed, "resource0 ident");
		if (bar != MAP_FAILED)
			munmap((void *)bar, 4096);
		close(fd);
	}
}

/* ---- the kernel's errors ---- */

static void test_errors(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int iommufd = open("/dev/iommu", O_RDWR);
	int dev = open(NODE, O_RDWR), dev2 = open(NODE, O_RDWR);
	int null = open("/dev/null", O_RDWR), closed = dup(null);
	uint32_t devid, hwpt, ioas;
	struct {
		struct vfio_device_bind_iommufd b;
		uint64_t more;
	} big = { { .argsz = sizeof(big), .iommufd = iommufd }, 1 };

	close(closed);
	CHECK(iommufd >= 0 && dev >= 0 && dev2 >= 0, "open");
	/* unbound: everything but BIND is EINVAL (access_granted) */
	CHECK(ioctl(dev, VFIO_DEVICE_GET_INFO, &info) && errno == EINVAL, "GET_INFO unbound");
	CHECK(attach(dev, 1, NULL) && errno == EINVAL, "attach before bind");
	CHECK(pread(dev, &devid, 4, CFG) < 0 && errno == EINVAL, "pread unbound");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, dev, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap unbound");
	CHECK(bind(dev, -1, NULL) && errno == EINVAL, "bind -1");
	CHECK(bind(dev, closed, NULL) && errno == EBADF, "bind a closed fd");
	CHECK(bind(dev, null, NULL) && errno == EBADFD, "bind /dev/null");
	CHECK(bind(dev, dev2, NULL) && errno == EBADFD, "bind a VFIO device fd");
	/* 6.12 knows the struct to out_devid; 7.x copies the rest (E2BIG) */
	CHECK(k7x ? ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big) && errno == E2BIG :
		    !ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big),
	      "bind with a non-zero tail");
	if (!k7x)
		close(dev), dev = open(NODE, O_RDWR);
	big.b.flags = 1;	/* 7.x's TOKEN: no token for edu */
	big.more = 0;
	CHECK(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &big) && errno == EINVAL, "bind flag");
	CHECK(!bind(dev, iommufd, &devid) && devid, "bind");
	CHECK(bind(dev, iommufd, NULL) && errno == EINVAL, "bind twice");
	CHECK(bind(dev2, iommufd, NULL) && errno == EINVAL, "bind a second fd");
	/* the device id is VFIO's: DESTROY is EBUSY */
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = devid };

		CHECK(ioctl(iommufd, IOMMU_DESTROY, &d) && errno == EBUSY, "destroy devid");
	}
	CHECK(attach(dev, 99, NULL) && errno == ENOENT, "attach nothing");
	CHECK(attach(dev, devid, NULL) && errno == EINVAL, "attach a device");
	CHECK(!detach(dev), "detach detached");
	ioas = ioas_alloc(iommufd);
	/* the bound device holds the context past the iommufd's close */
	close(iommufd);
	CHECK(!attach(dev, ioas, &hwpt) && hwpt && hwpt != ioas, "attach after close");
	CHECK(!detach(dev), "detach");
	{
		/* 7.x's struct (6.12's headers end it at pt_id) */
		struct {
			uint32_t argsz, flags, pt_id, pasid;
		} a = { .argsz = sizeof(a), .flags = 1, .pt_id = ioas, .pasid = 1 };

		/*
		 * 6.12: any flag EINVAL; 7.x: PASID 1 to an IOAS, whose
		 * automatic domain is no PASID domain: EINVAL
		 */
		CHECK(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a) && errno == EINVAL,
		      "attach with the PASID flag");
	}
	/* closing the bound fd unbinds: the other binds now */
	close(dev);
	iommufd = open("/dev/iommu", O_RDWR);
	CHECK(!bind(dev2, iommufd, NULL), "bind after the first closed");
	close(dev2);
	close(iommufd);
	close(null);
}

/* ---- what the device says of itself ---- */

static void test_info(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info r;
	struct vfio_irq_info q;
	struct vfio_device_feature feat = {
		.argsz = sizeof(feat),
		.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			 VFIO_DEVICE_FEATURE_MIGRATION,
	};
	struct dev d;

	dev_open(&d);
	CHECK(!ioctl(d.fd, VFIO_DEVICE_GET_INFO, &info) &&
	      info.flags == VFIO_DEVICE_FLAGS_PCI && info.num_regions == 9 &&
	      info.num_irqs == 5, "GET_INFO 0x%x", info.flags);
	CHECK(ioctl(d.fd, VFIO_DEVICE_RESET) && errno == EINVAL, "RESET");
	CHECK(!region(d.fd, VFIO_PCI_CONFIG_REGION_INDEX, &r) && r.size == 256 &&
	      r.offset == CFG && r.flags == (VFIO_REGION_INFO_FLAG_READ |
					     VFIO_REGION_INFO_FLAG_WRITE), "config");
	CHECK(!region(d.fd, 0, &r) && r.size == 1 << 20 && !r.offset &&
	      r.flags == (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			  VFIO_REGION_INFO_FLAG_MMAP), "BAR0 0x%x", r.flags);
	CHECK(!region(d.fd, 1, &r) && !r.size && !r.flags, "BAR1");
	CHECK(!region(d.fd, VFIO_PCI_ROM_REGION_INDEX, &r) && !r.size, "ROM");
	CHECK(region(d.fd, VFIO_PCI_VGA_REGION_INDEX, &r) && errno == EINVAL, "VGA");
	CHECK(region(d.fd, 9, &r) && errno == EINVAL, "region 9");
	CHECK(!irq_info(d.fd, VFIO_PCI_INTX_IRQ_INDEX, &q) && q.count == 1 &&
	      q.flags == (VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			  VFIO_IRQ_INFO_AUTOMASKED), "INTx");
	CHECK(!irq_info(d.fd, VFIO_PCI_MSI_IRQ_INDEX, &q) && q.count == 1, "MSI");
	CHECK(!irq_info(d.fd, VFIO_PCI_MSIX_IRQ_INDEX, &q) && !q.count, "MSI-X");
	CHECK(k7x ? !irq_info(d.fd, VFIO_PCI_ERR_IRQ_INDEX, &q) && q.count == 1 :
		    irq_info(d.fd, VFIO_PCI_ERR_IRQ_INDEX, &q) && errno == EINVAL,
	      "ERR on conventional PCI");
	CHECK(irq_info(d.fd, 5, &q) && errno == EINVAL, "irq 5");
	CHECK(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat) && errno == ENOTTY, "migration");
	feat.flags |= VFIO_DEVICE_FEATURE_SET;
	feat.flags &= ~VFIO_DEVICE_FEATURE_PROBE;
	CHECK(ioctl(d.fd, VFIO_DEVICE_FEATURE, &feat) && errno == EINVAL, "GET|SET");
	CHECK(ioctl(d.fd, 0x3b7f) && errno == ENOTTY, "unknown ioctl");
	dev_close(&d);
}

/* ---- interrupts, registers, config space ---- */

static void test_irqs_and_registers(void)
{
	int intx = eventfd(0, EFD_NONBLOCK), unmask = eventfd(0, EFD_NONBLOCK);
	int msi = eventfd(0, EFD_NONBLOCK), p[2];
	uint16_t cmd = 0;
	struct dev d;

	dev_open(&d);
	CHECK(!pipe(p), "pipe");
	CHECK(rd32(d.fd, BAR0) == 0x010000ed, "ident");
	wr32(d.fd, BAR0 + 4, 0x12345678);
	CHECK(rd32(d.fd, BAR0 + 4) == ~0x12345678U, "liveness");
	wr32(d.fd, BAR0 + 8, 5);
	CHECK(rd32(d.fd, BAR0 + 8) == 120, "factorial");
	/* a 1-byte access below 0x80 reads all ones */
	{
		uint8_t b = 0;

		CHECK(pread(d.fd, &b, 1, BAR0) == 1 && b == 0xff, "byte read");
	}
	/* config space: memory on, bus master off after open; BAR sizing */
	CHECK(pread(d.fd, &cmd, 2, CFG + PCI_COMMAND) == 2 &&
	      (cmd & PCI_COMMAND_MEMORY) && !(cmd & PCI_COMMAND_MASTER), "command 0x%x", cmd);
	wr32(d.fd, CFG + PCI_BASE_ADDRESS_0, 0xffffffff);
	CHECK(rd32(d.fd, CFG + PCI_BASE_ADDRESS_0) == 0xfff00000, "BAR sizing");
	CHECK(rd32(d.fd, CFG) == 0x11e81234, "ids");
	/* INTx: raise (0x60) signals once, automasked until unmasked */
	CHECK(set_irq(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, p[0]) &&
	      errno == EINVAL, "a pipe is no eventfd");
	CHECK(set_irq(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 999) &&
	      errno == EBADF, "fd 999");
	CHECK(!set_irq(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, intx),
	      "INTx eventfd");
	wr32(d.fd, BAR0 + 0x60, 0x4);
	CHECK(efd_count(intx) == 1 && rd32(d.fd, BAR0 + 0x24) == 4, "INTx fired");
	wr32(d.fd, BAR0 + 0x60, 0x8);
	CHECK(efd_count(intx) == 0, "masked");
	CHECK(!set_irq(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, unmask),
	      "unmask eventfd");
	CHECK(!set_irq_none(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK),
	      "unmask");
	CHECK(efd_count(intx) == 1, "still asserted: fires at unmask");
	wr32(d.fd, BAR0 + 0x64, 0xc);
	CHECK(rd32(d.fd, BAR0 + 0x24) == 0, "acknowledged");
	/* MSI only once INTx is off */
	CHECK(set_irq(d.fd, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, msi) &&
	      errno == EINVAL, "MSI while INTx");
	CHECK(!set_irq(d.fd, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, -2),
	      "INTx off");
	CHECK(!set_irq(d.fd, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, msi),
	      "MSI eventfd");
	CHECK(set_irq(d.fd, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_MASK, msi) &&
	      errno == ENOTTY, "MSI mask");
	/* the factorial's interrupt (status bit 7) */
	wr32(d.fd, BAR0 + 0x20, 0x80);
	wr32(d.fd, BAR0 + 8, 3);
	CHECK(efd_count(msi) == 1 && rd32(d.fd, BAR0 + 0x24) == 1, "MSI fired");
	/* a DMA without bus master moves nothing and faults nothing */
	wr64(d.fd, BAR0 + 0x80, 0x40000);
	wr64(d.fd, BAR0 + 0x88, 0x100000);
	wr64(d.fd, BAR0 + 0x90, 16);
	wr64(d.fd, BAR0 + 0x98, 3);
	CHECK(rd32(d.fd, BAR0 + 0x98) == 2, "DMA done");
	close(p[0]);
	close(p[1]);
	dev_close(&d);
	close(intx);
	close(unmask);
	close(msi);
}

/* ---- the trapped mmap: each instruction form ---- */

static void test_mmap_trap(void)
{
	struct dev d;
	char *bar;
	int status;
	pid_t pid;

	dev_open(&d);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, d.fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "MAP_PRIVATE");
	CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, d.fd, (1 << 20) - 4096) ==
		      MAP_FAILED && errno == EINVAL, "past the BAR");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, CFG) == MAP_FAILED &&
	      errno == EINVAL, "config");
	bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, d.fd, 0);
	CHECK(bar != MAP_FAILED, "mmap BAR0");
	if (bar == MAP_FAILED)
		return;
	CHECK(*(volatile uint32_t *)bar == 0x010000ed, "32-bit load");
	*(volatile uint32_t *)(bar + 4) = 0xcafe;
	CHECK(*(volatile uint32_t *)(bar + 4) == ~0xcafeU, "32-bit store, load");
	*(volatile uint64_t *)(bar + 0x80) = 0x123456789ULL;
	CHECK(*(volatile uint64_t *)(bar + 0x80) == 0x123456789ULL, "64-bit");
	CHECK(*(volatile uint8_t *)bar == 0xff, "8-bit load (movzx)");
	CHECK(*(volatile int16_t *)bar == -1, "16-bit signed load (movsx)");
	*(volatile uint32_t *)(bar + 8) = 4;	/* immediate store */
	CHECK(*(volatile uint32_t *)(bar + 8) == 24, "factorial through mmap");
	CHECK(__atomic_exchange_n((uint64_t *)(bar + 0x88), 7, __ATOMIC_SEQ_CST) == 0,
	      "xchg");
	CHECK(*(volatile uint64_t *)(bar + 0x88) == 7, "after xchg");
	{
		uint64_t v;

		__asm__ volatile("movq (%1), %%xmm1\n\tmovq %%xmm1, %0"
				 : "=r"(v) : "r"(bar + 0x80) : "xmm1");
		CHECK(v == 0x123456789ULL, "SSE load");
	}
	/* the mapping cannot be pinned: IOAS_MAP of it is EFAULT */
	{
		uint32_t hwpt;

		CHECK(!attach(d.fd, d.ioas, &hwpt), "attach");
		CHECK(ioas_map(d.iommufd, d.ioas, 0x100000, bar, 4096, true) &&
		      errno == EFAULT, "IOAS_MAP of the BAR");
	}
	/* a child shares the mapping and the device */
	pid = fork();
	if (!pid) {
		*(volatile uint32_t *)(bar + 4) = 0x1111;
		_exit(*(volatile uint32_t *)bar == 0x010000ed ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "child");
	CHECK(*(volatile uint32_t *)(bar + 4) == ~0x1111U, "the child's store");
	/* an unmapped part no longer traps for the device: the rest does */
	CHECK(!munmap(bar + 4096, (1 << 20) - 4096), "munmap the tail");
	CHECK(*(volatile uint32_t *)bar == 0x010000ed, "head still mapped");
	/* the mapping holds the device: closing the fd does not unbind it */
	close(d.fd);
	CHECK(*(volatile uint32_t *)(bar + 4) == ~0x1111U, "held by the mapping");
	munmap(bar, 4096);
	d.fd = open(NODE, O_RDWR);
	CHECK(!bind(d.fd, d.iommufd, NULL), "bindable once unmapped");
	dev_close(&d);
}

/* ---- DMA faults in the record ---- */

static void test_dma_faults(void)
{
	char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int log = open(FAULTS, O_RDONLY);
	char rec[1024];
	uint16_t cmd;
	uint32_t hwpt;
	struct dev d;

	dev_open(&d);
	CHECK(log >= 0 && lseek(log, 0, SEEK_END) >= 0, FAULTS);
	CHECK(pread(d.fd, &cmd, 2, CFG + PCI_COMMAND) == 2, "command");
	cmd |= PCI_COMMAND_MASTER;
	CHECK(pwrite(d.fd, &cmd, 2, CFG + PCI_COMMAND) == 2, "bus master");
	memset(buf, 0x5a, 8192);
	CHECK(!ioas_map(d.iommufd, d.ioas, 0x100000, buf, 4096, true), "map");
	CHECK(!ioas_map(d.iommufd, d.ioas, 0x101000, buf + 4096, 4096, false), "map ro");
	/* detached: blocked */
	wr64(d.fd, BAR0 + 0x80, 0x40000);
	wr64(d.fd, BAR0 + 0x88, 0x100000);
	wr64(d.fd, BAR0 + 0x90, 16);
	wr64(d.fd, BAR0 + 0x98, 3);
	CHECK(!attach(d.fd, d.ioas, &hwpt), "attach");
	/* a write across the readonly page and past it: three pages' faults */
	wr64(d.fd, BAR0 + 0x88, 0x101ff8);
	wr64(d.fd, BAR0 + 0x90, 16);
	wr64(d.fd, BAR0 + 0x98, 3);
	CHECK(buf[4096] == 0x5a, "readonly page intact");
	{
		ssize_t n = read(log, rec, sizeof(rec) - 1);

		rec[n > 0 ? n : 0] = '\0';
	}
	CHECK(strstr(rec, "[DMA Write] device " BDF " iova 0x100000: blocked") &&
	      strstr(rec, "iova 0x101000: mapped readonly") &&
	      strstr(rec, "iova 0x102000: not mapped"), "record: %s", rec);
	/* a read of an unmapped IOVA gives the device all ones */
	wr64(d.fd, BAR0 + 0x80, 0x200000);
	wr64(d.fd, BAR0 + 0x88, 0x40000);
	wr64(d.fd, BAR0 + 0x98, 1);
	close(log);
	dev_close(&d);
	munmap(buf, 8192);
}

#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
/* VFIO_DEVICE_FEATURE_DMA_BUF of one range [offset, offset + len) of BAR0 */
static int bar_dmabuf(int dev, uint32_t region, uint64_t offset, uint64_t len,
		      uint32_t nr, uint32_t extra_flags)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
		struct vfio_region_dma_range r[2];
	} a = {
		.f = { .argsz = sizeof(a),
		       .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF |
				extra_flags },
		.d = { .region_index = region, .open_flags = O_RDWR | O_CLOEXEC,
		       .nr_ranges = nr },
		.r = { { .offset = offset, .length = len },
		       { .offset = offset + len, .length = len } },
	};

	return ioctl(dev, VFIO_DEVICE_FEATURE, &a);
}

static int map_file(int fd, uint32_t ioas, int mfd, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .fd = mfd, .length = len,
		.iova = iova,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
	};

	return ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd);
}

/*
 * Two edus: B's BAR0 exported as a dma-buf and mapped into A's IOAS, then
 * A's DMA engine writes B's registers (peer-to-peer) and reads them.
 */
static int p2p_child(void)
{
	uint32_t *ram = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int iommufd = open("/dev/iommu", O_RDWR);
	int a = open("/dev/vfio/devices/vfio0", O_RDWR);
	int b = open("/dev/vfio/devices/vfio1", O_RDWR);
	uint32_t ioas, hwpt;
	uint16_t cmd;
	int buf;

	CHECK(iommufd >= 0 && a >= 0 && b >= 0, "open");
	CHECK(!bind(a, iommufd, NULL) && !bind(b, iommufd, NULL), "bind");
	ioas = ioas_alloc(iommufd);
	CHECK(!attach(a, ioas, &hwpt), "attach A");
	if (!k7x) {
		CHECK(bar_dmabuf(b, 0, 0, 4096, 1, 0) < 0 && errno == ENOTTY,
		      "6.12: no DMA_BUF");
		return failures ? 1 : 0;
	}
	/* the feature's checks, vfio_pci_core_feature_dma_buf()'s order */
	CHECK(!bar_dmabuf(b, 0, 0, 4096, 1, VFIO_DEVICE_FEATURE_PROBE), "probe");
	CHECK(bar_dmabuf(b, 0, 0, 4096, 1, VFIO_DEVICE_FEATURE_SET) < 0 &&
	      errno == EINVAL, "SET");
	CHECK(bar_dmabuf(b, 0, 0, 4096, 0, 0) < 0 && errno == EINVAL, "no range");
	CHECK(bar_dmabuf(b, 1, 0, 4096, 1, 0) < 0 && errno == ENODEV, "BAR1");
	CHECK(bar_dmabuf(b, 6, 0, 4096, 1, 0) < 0 && errno == ENODEV, "ROM");
	CHECK(bar_dmabuf(b, 0, 100, 4096, 1, 0) < 0 && errno == EINVAL, "unaligned");
	CHECK(bar_dmabuf(b, 0, 1 << 20, 4096, 1, 0) < 0 && errno == EINVAL,
	      "past the BAR");
	buf = bar_dmabuf(b, 0, 0, 4096, 2, 0);
	CHECK(buf >= 0, "two ranges");
	CHECK(map_file(iommufd, ioas, buf, 8192, 0x400000) && errno == EOPNOTSUPP,
	      "iommufd takes one range only");
	close(buf);
	buf = bar_dmabuf(b, 0, 0, 4096, 1, 0);
	CHECK(buf >= 0 && (fcntl(buf, F_GETFD) & FD_CLOEXEC), "B's BAR0 as a dma-buf");
	CHECK(!map_file(iommufd, ioas, buf, 4096, 0x400000), "MAP_FILE of it");
	close(buf);	/* the IOAS holds the buffer */
	CHECK(!ioas_map(iommufd, ioas, 0x100000, ram, 4096, true), "map RAM");
	CHECK(pread(a, &cmd, 2, CFG + PCI_COMMAND) == 2, "command");
	cmd |= PCI_COMMAND_MASTER;
	CHECK(pwrite(a, &cmd, 2, CFG + PCI_COMMAND) == 2, "A: bus master");
	/* RAM (5) -> A -> B's factorial register: B computes 5! */
	ram[0] = 5;
	wr64(a, BAR0 + 0x80, 0x100000);
	wr64(a, BAR0 + 0x88, 0x40000);
	wr64(a, BAR0 + 0x90, 4);
	wr64(a, BAR0 + 0x98, 1);
	wr64(a, BAR0 + 0x80, 0x40000);
	wr64(a, BAR0 + 0x88, 0x400008);
	wr64(a, BAR0 + 0x98, 3);
	CHECK(rd32(b, BAR0 + 8) == 120, "peer write landed: B's factorial %u",
	      rd32(b, BAR0 + 8));
	/* B's ident -> A -> RAM: a peer read */
	wr64(a, BAR0 + 0x80, 0x400000);
	wr64(a, BAR0 + 0x88, 0x40000);
	wr64(a, BAR0 + 0x98, 1);
	wr64(a, BAR0 + 0x80, 0x40000);
	wr64(a, BAR0 + 0x88, 0x100000);
	wr64(a, BAR0 + 0x98, 3);
	CHECK(ram[0] == 0x010000ed, "peer read: 0x%x", ram[0]);
	/* B's memory decoding off: the buffer is revoked, for good */
	CHECK(pread(b, &cmd, 2, CFG + PCI_COMMAND) == 2, "B command");
	cmd &= ~PCI_COMMAND_MEMORY;
	CHECK(pwrite(b, &cmd, 2, CFG + PCI_COMMAND) == 2, "B: memory off");
	cmd |= PCI_COMMAND_MEMORY;
	CHECK(pwrite(b, &cmd, 2, CFG + PCI_COMMAND) == 2, "B: memory on");
	ram[0] = 3;
	wr64(a, BAR0 + 0x80, 0x100000);
	wr64(a, BAR0 + 0x88, 0x40000);
	wr64(a, BAR0 + 0x98, 1);
	wr64(a, BAR0 + 0x80, 0x40000);
	wr64(a, BAR0 + 0x88, 0x400008);
	wr64(a, BAR0 + 0x98, 3);
	CHECK(rd32(b, BAR0 + 8) == 120, "revoked: B untouched (%u)",
	      rd32(b, BAR0 + 8));
	close(a);
	close(b);
	close(iommufd);
	return failures ? 1 : 0;
}
#endif

/* BAR0 without MMAP: the device's nommap option */
static int nommap_child(void)
{
	struct vfio_region_info r;
	struct dev d;

	dev_open(&d);
	CHECK(!region(d.fd, 0, &r) && !(r.flags & VFIO_REGION_INFO_FLAG_MMAP),
	      "no MMAP flag");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, d.fd, 0) == MAP_FAILED &&
	      errno == EINVAL, "mmap refused");
	CHECK(rd32(d.fd, BAR0) == 0x010000ed, "pread still");
	dev_close(&d);
	return failures ? 1 : 0;
}

static void run_child(const char *self, const char *env, const char *mode)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		setenv("IOMMUFD_MOCK_VFIO", env, 1);
		execl(self, self, mode, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "%s (%s)", mode, env);
}

int main(int argc, char **argv)
{
	const char *k = getenv("IOMMUFD_MOCK_KERNEL");

	k7x = !k || !strcmp(k, "7.3");
	if (argc == 2 && !strcmp(argv[1], "refused"))
		return refused_child();
	if (argc == 2 && !strcmp(argv[1], "nommap"))
		return nommap_child();
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	if (argc == 2 && !strcmp(argv[1], "p2p"))
		return p2p_child();
#endif
	if (argc == 1) {
		/* the cases need the device: run again with it */
		setenv("IOMMUFD_MOCK_VFIO", "edu@" BDF, 1);
		execl("/proc/self/exe", argv[0], "cases", (char *)NULL);
		return 127;
	}
	test_refused("/proc/self/exe");
	test_sysfs();
	test_errors();
	test_info();
	test_irqs_and_registers();
	test_mmap_trap();
	test_dma_faults();
	run_child("/proc/self/exe", "edu@" BDF "/nommap", "nommap");
#ifdef VFIO_DEVICE_FEATURE_DMA_BUF
	run_child("/proc/self/exe", "edu@" BDF " edu@0000:00:0c.0", "p2p");
#endif
	if (failures) {
		printf("not ok vfio_test %s: %lu failures\n", k ? k : "", failures);
		return 1;
	}
	printf("ok vfio_test %s\n", k ? k : "");
	return 0;
}
