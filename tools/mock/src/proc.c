// SPDX-License-Identifier: GPL-2.0
/*
 * What /proc shows of the pins iommufd takes, checked against Linux 6.12
 * and 7.3, for the mock's pins, which are not the kernel's:
 *  - the VmPin line of fs/proc/task_mmu.c's task_mem(): /proc/<pid>/status
 *    shows mm->pinned_vm, to which iommufd adds every page it pins from the
 *    process's memory;
 *  - mm/vmstat.c's nr_foll_pin_acquired (and _released): iommufd pins with
 *    FOLL_PIN, so acquired less released counts them machine-wide.
 * A file the program opens through the interposed open()/fopen() is a
 * copy of the real one with the mock's pins added, for the processes that
 * share the mock's arena (the caller, its forked children and parents, and
 * programs they exec'd: arena.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"

#define STATUS_MAX 8192

struct proc_status {
	int pid;		/* 0: every process (vmstat) */
	uint64_t pinned;
};

static void proc_status_locked(void *arg)
{
	struct proc_status *p = arg;

	p->pinned = iopt_pages_pinned_vm(p->pid);
}

/* buf's line "<key><number>..." with n added to the number, into out. */
static long proc_add_to_line(const char *buf, const char *key, uint64_t n,
			     const char *fmt, char *out, size_t len)
{
	const char *line = strstr(buf, key);
	size_t before;
	long m;

	if (!line || (line != buf && line[-1] != '\n'))
		return -1;
	before = line - buf;
	if (before >= len)
		return -1;
	memcpy(out, buf, before);
	m = before + snprintf(out + before, len - before, fmt,
			      (unsigned long long)(strtoull(line + strlen(key), NULL, 10) + n));
	line = strchr(line, '\n');
	if (line && m + strlen(line + 1) < len) {
		memcpy(out + m, line + 1, strlen(line + 1));
		m += strlen(line + 1);
	}
	return m;
}

/* A memfd holding len bytes of out, at offset 0: the fd, or -1. */
static int proc_copy_fd(const char *out, long len, int flags)
{
	long fd = syscall(SYS_memfd_create, "proc",
			  flags & O_CLOEXEC ? MFD_CLOEXEC : 0);

	if (fd < 0)
		return -1;
	if (syscall(SYS_write, fd, out, len) != len ||
	    syscall(SYS_lseek, fd, 0, SEEK_SET)) {
		syscall(SYS_close, fd);
		errno = EIO;
		return -1;
	}
	return fd;
}

/* "/proc/self/status", "/proc/<pid>/status": the pid, or 0. */
static int proc_status_pid(const char *path)
{
	char *end;
	long pid;

	if (!strcmp(path, "/proc/self/status") ||
	    !strcmp(path, "/proc/thread-self/status"))
		return getpid();
	if (strncmp(path, "/proc/", 6))
		return 0;
	pid = strtol(path + 6, &end, 10);
	return end != path + 6 && !strcmp(end, "/status") && pid > 0 ? pid : 0;
}

/* The real file, up to STATUS_MAX - 1 bytes, NUL-terminated: 0 or -1. */
static int proc_read(const char *path, char *buf)
{
	long fd, n, len = 0;

	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < STATUS_MAX - 1 &&
	       (n = syscall(SYS_read, fd, buf + len, STATUS_MAX - 1 - len)) > 0)
		len += n;
	syscall(SYS_close, fd);
	buf[len] = '\0';
	return 0;
}

int iommufd_mock_fd_proc_status(const char *path, int flags)
{
	bool vmstat = !strcmp(path, "/proc/vmstat");
	struct proc_status p = { .pid = vmstat ? 0 : proc_status_pid(path) };
	char buf[STATUS_MAX], out[STATUS_MAX + 32], real[64];
	int saved = errno, fd;
	long len;

	if ((!vmstat && !p.pid) || !iommufd_mock_fd_used())
		return -2;
	iommufd_mock_call_locked(proc_status_locked, &p);
	if (!p.pinned)
		return -2;
	if (vmstat)
		snprintf(real, sizeof(real), "/proc/vmstat");
	else
		snprintf(real, sizeof(real), "/proc/%d/status", p.pid);
	if (proc_read(real, buf))
		return -1;
	if (vmstat)
		len = proc_add_to_line(buf, "nr_foll_pin_acquired ", p.pinned,
				       "nr_foll_pin_acquired %llu\n", out,
				       sizeof(out));
	else
		len = proc_add_to_line(buf, "VmPin:", p.pinned * umem_page_size() / 1024,
				       "VmPin:\t%8llu kB\n", out, sizeof(out));
	if (len < 0)
		return -2;	/* a kernel thread, or a kernel without it */
	fd = proc_copy_fd(out, len, flags);
	if (fd >= 0)
		errno = saved;
	return fd;
}
