// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc shows of the pins iommufd takes, checked against Linux 6.12
 * and 7.3, for the mock's pins, which are not the kernel's:
 *  - the VmPin and VmLck lines of fs/proc/task_mmu.c's task_mem():
 *    /proc/<pid>/status shows mm->pinned_vm, to which iommufd adds every
 *    page it pins for the process, and mm->locked_vm, to which it adds
 *    those of IOPT_PAGES_ACCOUNT_MM (drivers/iommu/iommufd/pages.c,
 *    iopt_pages_update_pinned()); both in kB, 8 wide. The counts are
 *    pages.c's (iopt_vm_charge()), in the mm the kernel would charge;
 *  - mm/vmstat.c's nr_foll_pin_acquired (and _released): iommufd pins with
 *    FOLL_PIN, so acquired less released counts them machine-wide.
 * A file the program opens through the interposed open(), openat() and
 * fopen() (intercept.c, intercept_sysfs.c) is a memfd holding the real
 * file's text, made at the open, with the mock's pins added to those
 * lines, for the processes that share the mock's arena (the caller, its
 * forked children and parents, and programs they exec'd: arena.c).
 * README.md, "What is emulated", says where it differs from the kernel's
 * file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"

struct proc_counts {
	int pid;		/* 0: every process (vmstat) */
	bool counted;		/* the mock holds pins the file shows */
	int64_t pinned_vm, locked_vm;	/* pages */
};

static void proc_counts_locked(void *arg)
{
	struct proc_counts *p = arg;

	if (p->pid) {
		p->counted = iopt_vm_charge(p->pid, &p->pinned_vm,
					    &p->locked_vm);
	} else {
		p->pinned_vm = (int64_t)iopt_pages_npinned_all();
		p->counted = p->pinned_vm;
	}
}

/*
 * The process whose /proc/<pid>/status the absolute path names:
 * /proc/self, /proc/thread-self, /proc/<pid>, or a task of one
 * (/proc/<pid>/task/<tid>: a thread's file shows its process's mm); 0 for
 * any other path.
 */
static int proc_status_pid(const char *path)
{
	const char *p;
	char *end;
	long pid;

	if (strncmp(path, "/proc/", 6))
		return 0;
	p = path + 6;
	if (!strncmp(p, "self/", 5)) {
		pid = getpid();
		p += 5;
	} else if (!strncmp(p, "thread-self/", 12)) {
		pid = getpid();
		p += 12;
	} else {
		pid = strtol(p, &end, 10);
		if (end == p || *end != '/' || pid <= 0 || pid > INT_MAX)
			return 0;
		p = end + 1;
	}
	if (!strncmp(p, "task/", 5)) {
		strtol(p + 5, &end, 10);
		if (end == p + 5 || *end != '/')
			return 0;
		p = end + 1;
	}
	return strcmp(p, "status") ? 0 : (int)pid;
}

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

/* A line of the file the mock adds to, and how the kernel prints it. */
struct proc_line {
	const char *key;
	int64_t add;		/* in the line's unit */
	const char *fmt;	/* of the key and the sum */
};

/*
 * Appends line (len bytes) to out with its number plus l->add, if it is
 * l's line: the bytes written, or 0. The kernel's values are unsigned: a
 * count gone below zero shows as such.
 */
static size_t put_line(char *out, const char *line, size_t len,
		       const struct proc_line *l)
{
	size_t klen = strlen(l->key);
	unsigned long long v;

	if (len <= klen || strncmp(line, l->key, klen))
		return 0;
	v = strtoull(line + klen, NULL, 10) + (unsigned long long)l->add;
	return (size_t)sprintf(out, l->fmt, l->key, v);
}

/* A memfd holding path's text with lines rewritten: the fd, or -errno. */
static int proc_copy_fd(const char *path, const struct proc_line *lines,
			size_t nlines, bool cloexec)
{
	char *text, *out, *line, *next;
	size_t len, olen = 0;
	int err = 0, fd;

	text = read_whole(path, &len, &err);
	if (!text)
		return -err;
	/* each rewritten line is at most 40 bytes longer */
	out = malloc(len + nlines * 40 + 1);
	if (!out) {
		free(text);
		return -ENOMEM;
	}
	for (line = text; *line; line = next) {
		size_t llen, done = 0;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		llen = (size_t)(next - line);
		for (size_t i = 0; i < nlines && !done; i++)
			done = put_line(out + olen, line, llen, &lines[i]);
		if (!done) {
			memcpy(out + olen, line, llen);
			done = llen;
		}
		olen += done;
	}
	free(text);
	fd = (int)syscall(SYS_memfd_create, "proc", cloexec ? MFD_CLOEXEC : 0);
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

int iommufd_mock_fd_proc_open(const char *path, int flags)
{
	bool vmstat = !strcmp(path, "/proc/vmstat");
	struct proc_counts p = { .pid = vmstat ? 0 : proc_status_pid(path) };
	int64_t kb = (int64_t)(umem_page_size() >> 10);
	struct proc_line lines[2];
	char real[64];
	int saved = errno, fd;
	size_t nlines;

	/* a process that never used the mock counts nothing */
	if ((!vmstat && !p.pid) || !iommufd_mock_fd_used())
		return -2;
	iommufd_mock_call_locked(proc_counts_locked, &p);
	if (!p.counted)
		return -2;
	if (vmstat) {
		snprintf(real, sizeof(real), "/proc/vmstat");
		lines[0] = (struct proc_line){ "nr_foll_pin_acquired ",
					       p.pinned_vm, "%s%llu\n" };
		nlines = 1;
	} else {
		snprintf(real, sizeof(real), "/proc/%d/status", p.pid);
		lines[0] = (struct proc_line){ "VmLck:", p.locked_vm * kb,
					       "%s\t%8llu kB\n" };
		lines[1] = (struct proc_line){ "VmPin:", p.pinned_vm * kb,
					       "%s\t%8llu kB\n" };
		nlines = 2;
	}
	fd = proc_copy_fd(real, lines, nlines, flags & O_CLOEXEC);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	errno = saved;
	return fd;
}
