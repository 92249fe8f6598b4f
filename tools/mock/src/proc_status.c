// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/<pid>/status as the kernel would show it with the mock's pins: the
 * pages iommufd pins count in the mm of the process they were pinned for,
 * mm->pinned_vm (VmPin) always and mm->locked_vm (VmLck) in
 * IOPT_PAGES_ACCOUNT_MM (drivers/iommu/iommufd/pages.c,
 * iopt_pages_update_pinned(); fs/proc/task_mmu.c, task_mem(), prints both
 * in kB, 8 wide). The mock's pins are no pins of the real kernel, so the
 * file the kernel makes lacks them: the mock takes that text and adds its
 * own counts (pages.c, iopt_vm_charge()) to the two lines, whatever else
 * pinned or locked memory there.
 *
 * What a program gets is a memfd holding that text, made at the open
 * (intercept.c interposes open(), openat() and fopen() of the path; file.c
 * decides whether the mock counts anything for that process). No kernel
 * file mirrors this. README.md, "What is emulated", says where it differs
 * from the kernel's file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_private.h"

/* The whole of path, read with raw system calls: a malloc()ed string. */
static char *read_whole(const char *path, size_t *lenp, int *err)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	int fd;

	if (!buf) {
		*err = ENOMEM;
		return NULL;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t rc;

		if (len == cap) {
			char *n = realloc(buf, cap * 2 + 1);

			if (!n) {
				*err = ENOMEM;
				free(buf);
				syscall(SYS_close, fd);
				return NULL;
			}
			buf = n;
			cap *= 2;
		}
		rc = syscall(SYS_read, fd, buf + len, cap - len);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			*err = errno;
			free(buf);
			syscall(SYS_close, fd);
			return NULL;
		}
		if (!rc)
			break;
		len += (size_t)rc;
	}
	syscall(SYS_close, fd);
	buf[len] = 0;
	*lenp = len;
	return buf;
}

/*
 * Appends line to out, with "Key:\t<value> kB" for key plus pages (the
 * kernel's value is unsigned: a count gone below zero shows as such).
 */
static size_t put_line(char *out, const char *line, size_t len,
		       const char *key, int64_t pages)
{
	size_t klen = strlen(key);
	unsigned long long kb;

	if (len <= klen || strncmp(line, key, klen))
		return 0;
	kb = strtoull(line + klen, NULL, 10);
	kb += (unsigned long long)pages * (umem_page_size() >> 10);
	return (size_t)sprintf(out, "%s\t%8llu kB\n", key, kb);
}

int mock_proc_status_fd(int pid, int64_t pinned_vm, int64_t locked_vm,
			bool cloexec)
{
	char path[64], *text, *out, *line, *next;
	size_t len, olen = 0;
	int err = 0, fd;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_whole(path, &len, &err);
	if (!text)
		return -err;
	/* each rewritten line is at most 32 bytes longer */
	out = malloc(len + 2 * 32 + 1);
	if (!out) {
		free(text);
		return -ENOMEM;
	}
	for (line = text; *line; line = next) {
		size_t llen, done;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		llen = (size_t)(next - line);
		done = put_line(out + olen, line, llen, "VmLck:", locked_vm);
		if (!done)
			done = put_line(out + olen, line, llen, "VmPin:",
					pinned_vm);
		if (!done) {
			memcpy(out + olen, line, llen);
			done = llen;
		}
		olen += done;
	}
	free(text);
	fd = (int)syscall(SYS_memfd_create, "status", cloexec ? MFD_CLOEXEC : 0);
	if (fd < 0) {
		err = errno;
		free(out);
		return -err;
	}
	if (syscall(SYS_write, fd, out, olen) != (long)olen ||
	    syscall(SYS_lseek, fd, 0, SEEK_SET) != 0) {
		err = errno ? errno : EIO;
		syscall(SYS_close, fd);
		free(out);
		return -err;
	}
	free(out);
	return fd;
}
