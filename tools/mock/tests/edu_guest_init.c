// SPDX-License-Identifier: GPL-2.0
/*
 * Description: /init of a guest that QEMU runs on the host under the mock,
 * with the mock's edu assigned to it (-device vfio-pci on -object iommufd):
 * the guest drives edu's DMA engine into its own RAM, so the device's DMA
 * goes through the mock's IOAS, which QEMU filled with guest RAM (IOVA =
 * guest-physical address). Built static (gcc -static); tests/qemu-guest-check
 * packs it into an initramfs, boots a kernel with it and reads its lines.
 *
 * Steps, each printed "edu-guest: <step>: ok|FAIL ..." on the console:
 *  1. find edu in sysfs, set Bus Master in its config space, mmap BAR0
 *     through resource0, read the ident and the liveness register;
 *  2. a locked buffer's guest-physical pages from /proc/self/pagemap;
 *  3. RAM -> edu -> RAM: every byte arrives;
 *  4. edu -> the BIOS at 0xf0000, which QEMU maps readonly in the IOAS:
 *     refused (read back through the device: the BIOS kept its bytes).
 * Then "edu-guest: done N failed" and a reboot (QEMU runs -no-reboot).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#define EDU_BUF 0x40000ULL
#define XFER 2048U
/* the BIOS, which QEMU maps readonly in the IOAS once SeaBIOS locks it */
#define ROM_GPA 0xf0000ULL

static int failed;

#define STEP(ok, name, ...)                                                  \
	do {                                                                 \
		bool __ok = (ok);                                            \
		printf("edu-guest: %s: %s", name, __ok ? "ok" : "FAIL");    \
		printf(" " __VA_ARGS__);                                     \
		printf("\n");                                                \
		fflush(stdout);                                              \
		failed += !__ok;                                             \
	} while (0)

static volatile uint8_t *bar;

static uint32_t rd32(unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static uint64_t rd64(unsigned int off)
{
	return *(volatile uint64_t *)(bar + off);
}

static void wr64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

/* One edu DMA; to_ram: device -> memory. 0, or -1 if it stayed busy. */
static int edu_dma(uint64_t addr, uint64_t dev, uint32_t len, bool to_ram)
{
	struct timespec ts = { 0, 1000000 };

	wr64(0x80, to_ram ? dev : addr);
	wr64(0x88, to_ram ? addr : dev);
	wr64(0x90, len);
	wr64(0x98, 1 | (to_ram ? 2 : 0));
	for (int i = 0; i < 5000; i++) {
		if (!(rd64(0x98) & 1))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static bool read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[300];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0;
}

/* The guest-physical address of the page at va (mlock()ed). */
static uint64_t phys_of(void *va)
{
	uint64_t entry = 0, page = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)va / page * 8) != 8) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return (entry & ((1ULL << 55) - 1)) * page + (uintptr_t)va % page;
}

int main(void)
{
	char dev[300] = "", v[32], d[32];
	unsigned char *src, *dst;
	uint64_t src_pa, dst_pa;
	uint16_t cmd;
	struct dirent *e;
	DIR *dir;
	int fd;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	printf("edu-guest: started\n");
	dir = opendir("/sys/bus/pci/devices");
	while (dir && (e = readdir(dir))) {
		char path[300];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", e->d_name);
		if (read_attr(path, "vendor", v, sizeof(v)) &&
		    read_attr(path, "device", d, sizeof(d)) &&
		    !strcmp(v, "0x1234\n") && !strcmp(d, "0x11e8\n"))
			snprintf(dev, sizeof(dev), "%s", path);
	}
	STEP(dev[0], "find", "%s", dev);
	if (!dev[0])
		goto out;
	/* Bus Master: bit 2 of the command register */
	{
		char path[320];

		snprintf(path, sizeof(path), "%s/config", dev);
		fd = open(path, O_RDWR);
		STEP(fd >= 0 && pread(fd, &cmd, 2, 4) == 2, "config", "command 0x%x", cmd);
		cmd |= 0x6;	/* memory, bus master */
		STEP(pwrite(fd, &cmd, 2, 4) == 2, "bus-master", "command 0x%x", cmd);
		close(fd);
		snprintf(path, sizeof(path), "%s/resource0", dev);
		fd = open(path, O_RDWR | O_SYNC);
		bar = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE,
						 MAP_SHARED, fd, 0);
		STEP(bar != MAP_FAILED, "bar0", "%s",
		     bar == MAP_FAILED ? strerror(errno) : "resource0 mapped");
		if (bar == MAP_FAILED)
			goto out;
	}
	STEP(rd32(0) == 0x010000ed, "ident", "0x%08x", rd32(0));
	wr32(4, 0x600dcafe);
	STEP(rd32(4) == ~0x600dcafeU, "liveness", "0x%08x", rd32(4));

	src = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	dst = src + 4096;
	memset(src, 0, 8192);
	mlock(src, 8192);
	for (unsigned int i = 0; i < XFER; i++)
		src[i] = (unsigned char)(i * 7 + 3);
	src_pa = phys_of(src);
	dst_pa = phys_of(dst);
	STEP(src_pa && dst_pa && src_pa < (1ULL << 28) && dst_pa < (1ULL << 28),
	     "pagemap", "src 0x%llx dst 0x%llx", (unsigned long long)src_pa,
	     (unsigned long long)dst_pa);
	if (!src_pa || !dst_pa)
		goto out;
	STEP(!edu_dma(src_pa, EDU_BUF, XFER, false) &&
	     !edu_dma(dst_pa, EDU_BUF, XFER, true) && !memcmp(src, dst, XFER),
	     "round-trip", "%u bytes RAM 0x%llx -> edu -> RAM 0x%llx", XFER,
	     (unsigned long long)src_pa, (unsigned long long)dst_pa);

	/* edu's buffer now holds src's pattern; the BIOS is readonly */
	memset(dst, 0, XFER);
	STEP(!edu_dma(ROM_GPA, EDU_BUF, XFER, true) &&
	     !edu_dma(ROM_GPA, EDU_BUF, XFER, false) &&
	     !edu_dma(dst_pa, EDU_BUF, XFER, true) && memcmp(src, dst, XFER),
	     "readonly-refused", "edu -> BIOS 0x%llx, then read back: %s",
	     (unsigned long long)ROM_GPA,
	     memcmp(src, dst, XFER) ? "the BIOS kept its bytes" :
				      "the device's bytes LANDED");
out:
	printf("edu-guest: done %d failed\n", failed);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
