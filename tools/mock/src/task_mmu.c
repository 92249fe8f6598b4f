// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the VmPin line of fs/proc/task_mmu.c's task_mem(), checked
 * against Linux 6.12 and 7.3: /proc/<pid>/status shows mm->pinned_vm, to
 * which iommufd adds every page it pins from the process's memory. The
 * mock's pins are not the kernel's, so a status file the program opens
 * through the interposed open()/fopen() is a copy of the real one with the
 * mock's pins added to VmPin, for the processes that share the mock's
 * arena (the caller, its forked children and parents). Another process's
 * pins under another mock (an exec'ed program) are its own business.
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

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"

#define STATUS_MAX 8192

struct proc_status {
	int pid;
	uint64_t pinned;
};

static void proc_status_locked(void *arg)
{
	struct proc_status *p = arg;

	p->pinned = iopt_pages_pinned_vm(p->pid);
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

int iommufd_mock_fd_proc_status(const char *path, int flags)
{
	struct proc_status p = { .pid = proc_status_pid(path) };
	char buf[STATUS_MAX], out[STATUS_MAX + 32], *line;
	long fd, n, len = 0;
	int saved = errno;

	if (!p.pid || !iommufd_mock_fd_active())
		return -2;
	iommufd_mock_call_locked(proc_status_locked, &p);
	if (!p.pinned)
		return -2;
	snprintf(buf, sizeof(buf), "/proc/%d/status", p.pid);
	fd = syscall(SYS_openat, AT_FDCWD, buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < STATUS_MAX - 1 &&
	       (n = syscall(SYS_read, fd, buf + len, STATUS_MAX - 1 - len)) > 0)
		len += n;
	syscall(SYS_close, fd);
	buf[len] = '\0';
	line = strstr(buf, "\nVmPin:");
	if (!line)
		return -2;	/* a kernel thread, or a kernel without it */
	line++;
	n = line - buf;
	memcpy(out, buf, n);
	n += snprintf(out + n, sizeof(out) - n, "VmPin:\t%8llu kB\n",
		      strtoull(line + 6, NULL, 10) +
			      (unsigned long long)(p.pinned * umem_page_size() / 1024));
	line = strchr(line, '\n');
	if (line && n + strlen(line + 1) < sizeof(out)) {
		memcpy(out + n, line + 1, strlen(line + 1));
		n += strlen(line + 1);
	}
	fd = syscall(SYS_memfd_create, "status",
		     flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (syscall(SYS_write, fd, out, n) != n ||
	    syscall(SYS_lseek, fd, 0, SEEK_SET)) {
		syscall(SYS_close, fd);
		errno = EIO;
		return -1;
	}
	errno = saved;
	return fd;
}
