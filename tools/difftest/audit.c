// SPDX-License-Identifier: GPL-2.0
/*
 * --kernel-only: the end of a sequence, in the process that ran it. With no
 * mock to compare with, the kernel is held to what it promises whatever the
 * sequence did:
 *   - once every fd and mapping that holds an object is gone (accesses,
 *     vEVENTQs, fault queues, dma-bufs, mmap windows), every object can be
 *     destroyed: IOMMU_DESTROY over every id the context may have used,
 *     pass after pass while one succeeds, leaves every id ENOENT;
 *   - after every fd is closed, the process holds as many descriptors as
 *     before the sequence;
 *   - after the contexts are gone no page is still pinned: MD_CHECK_REFS
 *     of 0 over every buffer (main.c's destroy of a context unpins all,
 *     through the same iopt_pages teardown as an unmap), and VmPin 0.
 * A failed check is a line starting "== FINDING"; the driver (kernel_only.c)
 * fails the sequence on it and shrinks it. Lines starting "==" are the
 * audit's, never an op's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/iommufd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "exec.h"

/* Ids past the largest one an op was answered: access objects, auto domains. */
#define DT_AUDIT_ID_SLACK 16

unsigned int dt_exec_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void __attribute__((format(printf, 2, 3))) finding(struct dt_exec *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dt_text_printf(&x->t, "== FINDING %s", msg);
	dt_exec_flush_line(x);
}

/* Every fd and mapping that holds an object or the context, gone. */
static void release_holders(struct dt_exec *x)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		dt_exec_close(&x->acc_fd[i]);
		dt_exec_close(&x->dmabuf_fd[i]);
	}
	for (i = 0; i < DT_SLOTS; i++) {
		dt_exec_close(&x->veventq_fd[i]);
		dt_exec_close(&x->fault_fd[i]);
		if (x->window[i].addr)
			munmap(x->window[i].addr, x->window[i].mapped);
		x->window[i].addr = NULL;
	}
}

static int destroy(int fd, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d) ? errno : 0;
}

/*
 * Destroys what the context holds, in as many passes as dependencies need
 * (a device before its IOAS, a vDEVICE before its vIOMMU), then asks again:
 * anything but ENOENT now is an object nothing can free until close.
 */
static void destroy_all(struct dt_exec *x, unsigned int f)
{
	uint32_t last = x->max_id + DT_AUDIT_ID_SLACK, id;
	unsigned int passes = 0, destroyed = 0, progress = 1;
	int fd = x->fd[f], err;

	if (fd < 0)
		return;
	while (progress && passes < 16) {
		progress = 0;
		passes++;
		for (id = 1; id <= last; id++)
			if (!destroy(fd, id))
				progress = 1, destroyed++;
	}
	dt_text_printf(&x->t, "== audit fd%u ids=1..%u destroyed=%u passes=%u", f, last, destroyed,
		       passes);
	dt_exec_flush_line(x);
	for (id = 1; id <= last; id++) {
		err = destroy(fd, id);
		if (err != ENOENT)
			finding(x, "fd%u: IOMMU_DESTROY of id %u after every holder was released "
				"and every other object destroyed: %s, not ENOENT", f, id,
				err ? strerrorname_np(err) : "0");
	}
}

/* VmPin: the pages this process has pinned (mm->pinned_vm), in KiB. */
static long vm_pin_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* No page of a buffer still pinned, through a context of its own. */
static void check_unpinned(struct dt_exec *x)
{
	static const unsigned int bufs[] = { DT_BUF_ANON, DT_BUF_MEMFD, DT_BUF_RDONLY };
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	unsigned int i;
	long kb;

	if (fd < 0) {
		finding(x, "reopening /dev/iommu failed: %s", strerrorname_np(errno));
		return;
	}
	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		struct iommu_test_cmd c = { .size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_REFS };

		c.check_refs.uptr = dt_buf_base(bufs[i]);
		c.check_refs.length = (uint64_t)dt_buf_pages(bufs[i]) * 4096;
		c.check_refs.refs = 0;
		if (ioctl(fd, IOMMU_TEST_CMD, &c))
			finding(x, "MD_CHECK_REFS 0 of the %s buffer after close: %s (pages "
				"still pinned)", dt_buf_name(bufs[i]), strerrorname_np(errno));
	}
	close(fd);
	kb = vm_pin_kb();
	if (kb > 0)
		finding(x, "VmPin %ld kB after every context was closed", kb);
}

void dt_exec_audit(struct dt_exec *x, unsigned int fds_at_start)
{
	unsigned int fds;

	release_holders(x);
	destroy_all(x, 0);
	if (x->fd[1] >= 0)
		destroy_all(x, 1);
	dt_exec_close(&x->fd[0]);
	dt_exec_close(&x->fd[1]);
	dt_exec_files_close(x);
	fds = dt_exec_fd_count();
	dt_text_printf(&x->t, "== audit fds=%u start=%u", fds, fds_at_start);
	dt_exec_flush_line(x);
	if (fds != fds_at_start)
		finding(x, "%u descriptors open after every one was closed, %u before the "
			"sequence", fds, fds_at_start);
	check_unpinned(x);
}
