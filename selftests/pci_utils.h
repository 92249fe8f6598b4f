/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI devices seen through sysfs (/sys/bus/pci/devices): the one scanner of
 * the suite. The tests need a PCI device for two things: the real-IOMMU
 * lane's device under test (vfio_utils.h), and a memory BAR to mmap, whose
 * mapping is VM_IO | VM_PFNMAP, exactly what pin_user_pages() refuses
 * (iommufd_ioas.c, backend_utils.h).
 *
 * Error convention, for every function here that returns int: 0 (or the
 * count it documents) on success, a negative errno on failure. errno itself
 * is not part of the contract. Where a why[] buffer is passed, a failure
 * fills it with a sentence naming what was missing, fit for a SKIP reason.
 * Check such results with test_cmd_neg_errno() / test_err_neg_errno()
 * (iommufd_utils.h), not test_cmd().
 */
#ifndef IOMMUFD_HARNESS_PCI_UTILS_H
#define IOMMUFD_HARNESS_PCI_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PCI_SYSFS_DEVICES "/sys/bus/pci/devices"
/* Matches any vendor or device id in pci_dev_is() and the scanners. */
#define PCI_ID_ANY 0xffffffffU
/* IORESOURCE_MEM (include/linux/ioport.h), in the flags of sysfs "resource". */
#define PCI_IORESOURCE_MEM 0x200ULL
#define PCI_NUM_BARS 6

/**
 * pci_sysfs_read() - read one attribute of a PCI device
 * @bdf: the device's address as sysfs names it (0000:00:0b.0)
 * @file: the attribute (vendor, device, resource, ...)
 * @buf: receives the contents, trailing newlines and blanks removed
 * @len: size of @buf
 *
 * Return: 0, or a negative errno (-ENOENT: no such device or attribute).
 */
static inline int pci_sysfs_read(const char *bdf, const char *file, char *buf,
				 size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", PCI_SYSFS_DEVICES, bdf, file);
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

/**
 * pci_sysfs_write() - write a string to a sysfs (or any) file
 * @path: the file
 * @val: what to write, without a newline
 *
 * Return: 0, or a negative errno.
 */
static inline int pci_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/**
 * pci_sysfs_link_name() - the last component of a device's sysfs link
 * @bdf: the device
 * @link: the link (driver, iommu_group)
 * @name: receives the name, "" when there is no such link
 * @len: size of @name
 *
 * Return: 0, or a negative errno (-ENOENT: no such link, e.g. no driver).
 */
static inline int pci_sysfs_link_name(const char *bdf, const char *link,
				      char *name, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *last;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", PCI_SYSFS_DEVICES, bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	name[0] = '\0';
	if (n < 0)
		return -errno;
	target[n] = '\0';
	last = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strnlen(last, len) >= len)
		return -ENAMETOOLONG;
	memcpy(name, last, strlen(last) + 1);
	return 0;
}

/**
 * pci_dev_is() - whether a device has these ids
 * @bdf: the device
 * @vendor: vendor id, or PCI_ID_ANY
 * @device: device id, or PCI_ID_ANY
 *
 * Return: true if the device exists and both ids match.
 */
static inline bool pci_dev_is(const char *bdf, unsigned int vendor,
			      unsigned int device)
{
	char v[16], d[16];

	if (pci_sysfs_read(bdf, "vendor", v, sizeof(v)) ||
	    pci_sysfs_read(bdf, "device", d, sizeof(d)))
		return false;
	return (vendor == PCI_ID_ANY || strtoul(v, NULL, 0) == vendor) &&
	       (device == PCI_ID_ANY || strtoul(d, NULL, 0) == device);
}

/**
 * pci_dev_find() - the n-th device with these ids, in sysfs order
 * @vendor: vendor id, or PCI_ID_ANY
 * @device: device id, or PCI_ID_ANY
 * @nth: 0 for the first match
 * @bdf: receives the device's address
 * @len: size of @bdf
 *
 * Return: 0; -ENODEV if there are not that many; -ENAMETOOLONG if @bdf is
 * too small; another negative errno if sysfs cannot be read.
 */
static inline int pci_dev_find(unsigned int vendor, unsigned int device,
			       unsigned int nth, char *bdf, size_t len)
{
	DIR *d = opendir(PCI_SYSFS_DEVICES);
	struct dirent *e;
	int ret = -ENODEV;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !pci_dev_is(e->d_name, vendor, device))
			continue;
		if (nth--)
			continue;
		ret = strnlen(e->d_name, len) < len ? 0 : -ENAMETOOLONG;
		if (!ret)
			memcpy(bdf, e->d_name, strlen(e->d_name) + 1);
		break;
	}
	closedir(d);
	return ret;
}

/**
 * pci_bar_mmap() - mmap the start of a memory BAR through sysfs resourceN
 * @bdf: the device
 * @bar: the BAR, 0..5
 * @length: bytes to map; the BAR must be at least that large
 * @out: receives the mapping (MAP_SHARED, read/write; munmap() it)
 *
 * Return: 0; -ENOENT if the BAR is absent, not memory or too small; the
 * negative errno of open() or mmap() otherwise (-EACCES: not root).
 */
static inline int pci_bar_mmap(const char *bdf, int bar, size_t length,
			       void **out)
{
	unsigned long long start, end, flags;
	char path[PATH_MAX], line[128];
	int n = 0, fd, ret = -ENOENT;
	FILE *f;
	void *p;

	snprintf(path, sizeof(path), "%s/%s/resource", PCI_SYSFS_DEVICES, bdf);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	/* One line per resource, the BARs first: "start end flags". */
	while (fgets(line, sizeof(line), f))
		if (n++ == bar) {
			ret = 0;
			break;
		}
	fclose(f);
	if (ret || sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 ||
	    !(flags & PCI_IORESOURCE_MEM) || end < start ||
	    end - start + 1 < length)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s/resource%d", PCI_SYSFS_DEVICES, bdf,
		 bar);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	/* The mapping keeps the BAR; the fd is not needed. */
	close(fd);
	if (!ret)
		*out = p;
	return ret;
}

/**
 * pci_map_first_bar() - mmap a memory BAR of the first device that has one
 * @vendor: vendor id, or PCI_ID_ANY
 * @device: device id, or PCI_ID_ANY
 * @bar: the BAR to map, or -1 for the first of 0..5 that can be mapped
 * @length: bytes to map
 * @out: receives the mapping
 * @why: on failure, receives what was missing
 * @wlen: size of @why
 *
 * Return: 0; -ENODEV if no device has those ids; -ENOENT if none of them
 * has such a memory BAR; otherwise the first other error of pci_bar_mmap()
 * (e.g. -EACCES), with @why naming the device and BAR.
 */
static inline int pci_map_first_bar(unsigned int vendor, unsigned int device,
				    int bar, size_t length, void **out,
				    char *why, size_t wlen)
{
	int first = bar < 0 ? 0 : bar, last = bar < 0 ? PCI_NUM_BARS - 1 : bar;
	int ret = -ENODEV, b;
	unsigned int nth;
	char bdf[64];

	for (nth = 0; !pci_dev_find(vendor, device, nth, bdf, sizeof(bdf));
	     nth++) {
		for (b = first; b <= last; b++) {
			int r = pci_bar_mmap(bdf, b, length, out);

			if (!r)
				return 0;
			/* Keep the first error that says more than "none". */
			if (r != -ENOENT && (ret == -ENODEV || ret == -ENOENT))
				snprintf(why, wlen, "%s BAR%d: %s%s", bdf, b,
					 strerror(-r),
					 r == -EACCES || r == -EPERM ?
						 " (needs root)" : "");
			if (ret == -ENODEV || ret == -ENOENT)
				ret = r;
		}
	}
	if (ret == -ENODEV && vendor == PCI_ID_ANY)
		snprintf(why, wlen, "no PCI device in %s", PCI_SYSFS_DEVICES);
	else if (ret == -ENODEV)
		snprintf(why, wlen, "no PCI device %04x:%04x in %s", vendor,
			 device, PCI_SYSFS_DEVICES);
	else if (ret == -ENOENT)
		snprintf(why, wlen, "none of the %u PCI device(s) has a memory BAR of %zu bytes or more",
			 nth, length);
	return ret;
}

#endif /* IOMMUFD_HARNESS_PCI_UTILS_H */
