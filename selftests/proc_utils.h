/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What /proc/<pid>/status says about a process, for the tests that check
 * the kernel's accounting of pinned pages: one reader for every program.
 */
#ifndef IOMMUFD_PROC_UTILS_H
#define IOMMUFD_PROC_UTILS_H

#include <stdio.h>
#include <sys/types.h>

/* A "Key:   N kB" line of /proc/<pid>/status (pid 0: this process), in KiB, or -1. */
static inline long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256], fmt[64];
	long kb = -1;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	snprintf(fmt, sizeof(fmt), "%s: %%ld kB", key);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * VmPin in KiB, the kernel's mm->pinned_vm: iommufd adds every page it pins
 * for a domain (do_update_pinned() in drivers/iommu/iommufd/pages.c), and
 * removes it on unpin; IOAS_CHANGE_PROCESS moves the charge. A fresh test
 * process starts at 0. pid 0: this process. -1 if it cannot be read.
 */
static inline long proc_vm_pin_kb(pid_t pid)
{
	return proc_status_kb(pid, "VmPin");
}

#endif /* IOMMUFD_PROC_UTILS_H */
