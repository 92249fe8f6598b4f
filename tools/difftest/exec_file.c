// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode, files and processes (7.x): the selftest's dma-bufs
 * (DMABUF_GET, DMABUF_REVOKE), IOAS_MAP_FILE of them, of the run's memfd
 * and of a hugetlb memfd, IOAS_CHANGE_PROCESS, IOAS_NOIOMMU_GET_PA.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "exec.h"
#include "exec_file.h"

/* A file that is neither a memfd nor a dma-buf, for MAP_FILE and REVOKE. */
static int other_fd = -1;

#define DT_HUGETLB_SIZE (4UL << 20)

/*
 * The hugetlb memfd, two 2 MiB pages, where the system lets one be made
 * (the guest reserves huge pages at boot; a host may have none, then its
 * pins fail on both sides alike). The line says which, so that a machine
 * difference shows as one.
 */
void dt_exec_files_open(struct dt_exec *x)
{
	int fd = memfd_create("difftest-hugetlb", MFD_CLOEXEC | MFD_HUGETLB);

	if (fd >= 0 && ftruncate(fd, (off_t)DT_HUGETLB_SIZE)) {
		close(fd);
		fd = -1;
	}
	x->hugetlb_fd = fd;
	other_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dt_text_printf(&x->t, "-- files hugetlb=%s", fd >= 0 ? "yes" : "no");
}

void dt_exec_files_close(struct dt_exec *x)
{
	dt_exec_close(&x->memfd);
	dt_exec_close(&x->hugetlb_fd);
	dt_exec_close(&other_fd);
}

/* The open descriptors, as a bitmap of the first 1024. */
static void fd_set_read(uint64_t *set)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(set, 0, 16 * sizeof(*set));
	if (!d)
		return;
	while ((e = readdir(d))) {
		long n = strtol(e->d_name, NULL, 10);

		if (e->d_name[0] != '.' && n >= 0 && n < 1024 && n != dirfd(d))
			set[n / 64] |= 1ULL << (n % 64);
	}
	closedir(d);
}

/*
 * DMABUF_GET. Linux 7.3's iommufd_test_dmabuf_get() answers the ioctl with
 * 0, not the new descriptor (a kernel bug; the mock answers as 7.3 does):
 * the trace prints what the ioctl answered ("ret=0", or "ret=fd" when it
 * was the new descriptor), and to use the dma-buf afterwards the new
 * descriptor is found honestly, as the one that appeared in /proc/self/fd
 * across the call, the same way on both sides.
 */
static void do_dmabuf_get(struct dt_exec *x, const struct dt_op *op)
{
	uint64_t before[16], after[16];
	struct iommu_test_cmd c = { .size = sizeof(c), .op = IOMMU_TEST_OP_DMABUF_GET };
	int fd = dt_exec_fd(x, op), err, nfd = -1, i;
	long ret;

	c.dmabuf_get.length = (uint32_t)op->b;
	c.dmabuf_get.open_flags = op->flags;
	dt_text_printf(&x->t, " dmabuf%u len=%#llx flags=%#x", op->out & 1,
		       (unsigned long long)op->b, op->flags);
	fd_set_read(before);
	err = dt_exec_ioctl_ret(fd, IOMMU_TEST_CMD, &c, &ret);
	fd_set_read(after);
	for (i = 0; i < 1024 && nfd < 0; i++)
		if ((after[i / 64] & ~before[i / 64]) >> (i % 64) & 1)
			nfd = i;
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " ret=%s", ret == 0 ? "0" : ret == nfd ? "fd" : "other");
	dt_text_printf(&x->t, " newfd=%s", nfd >= 0 ? "yes" : "no");
	if (nfd >= 0) {
		dt_exec_close(&x->dmabuf_fd[op->out & 1]);
		x->dmabuf_fd[op->out & 1] = nfd;
	}
}

/* The descriptor a file source names; its name goes to the trace. */
static int file_fd(struct dt_exec *x, unsigned int src)
{
	static const char *const names[] = {
		[DT_FILE_DMABUF0] = "dmabuf0", [DT_FILE_DMABUF1] = "dmabuf1",
		[DT_FILE_MEMFD] = "memfd", [DT_FILE_HUGETLB] = "hugetlb",
		[DT_FILE_NONE] = "nofd", [DT_FILE_OTHER] = "dir",
	};

	dt_text_printf(&x->t, " file=%s", src <= DT_FILE_OTHER ? names[src] : "?");
	switch (src) {
	case DT_FILE_DMABUF0:
	case DT_FILE_DMABUF1:
		return x->dmabuf_fd[src - DT_FILE_DMABUF0];
	case DT_FILE_MEMFD:
		return x->memfd;
	case DT_FILE_HUGETLB:
		return x->hugetlb_fd;
	case DT_FILE_OTHER:
		return other_fd;
	}
	return -1;
}

static void do_dmabuf_revoke(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);

	c.dmabuf_revoke.dmabuf_fd = file_fd(x, op->nr);
	c.dmabuf_revoke.revoked = (uint32_t)op->d;
	dt_text_printf(&x->t, " revoked=%u", c.dmabuf_revoke.revoked);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_DMABUF_REVOKE, 0));
}

static void do_map_file(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_map_file m = { .size = sizeof(m), .flags = op->flags,
					 .start = op->c, .length = op->b };
	int fd = dt_exec_fd(x, op), err;

	m.ioas_id = dt_exec_ref(x, op->ref[0]);
	m.fd = file_fd(x, op->nr);
	m.iova = dt_exec_iova(x, "iova", op->a);
	dt_text_printf(&x->t, " start=%#llx len=%#llx flags=%#x", (unsigned long long)op->c,
		       (unsigned long long)op->b, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_MAP_FILE, &m);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	x->iovas[op->out % DT_IOVA_SLOTS] = m.iova;
	dt_text_printf(&x->t, " iova%u<-%#llx", op->out, (unsigned long long)m.iova);
}

static void do_change_process(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_change_process c = { .size = sizeof(c), .__reserved = op->flags };
	int fd = dt_exec_fd(x, op);

	dt_text_printf(&x->t, " reserved=%u", op->flags);
	dt_exec_put_rc(x, dt_exec_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &c));
}

/* A physical address differs between the sides: only whether there is one. */
static void do_noiommu_get_pa(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_noiommu_get_pa g = { .size = sizeof(g), .flags = op->flags,
					       .length = op->b };
	int fd = dt_exec_fd(x, op), err;

	g.ioas_id = dt_exec_ref(x, op->ref[0]);
	g.iova = dt_exec_iova(x, "iova", op->a);
	dt_text_printf(&x->t, " len=%#llx flags=%#x", (unsigned long long)op->b, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_NOIOMMU_GET_PA, &g);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " out_len=%#llx phys=%s", (unsigned long long)g.length,
			       g.out_phys ? "nonzero" : "0");
}

void dt_exec_file(struct dt_exec *x, const struct dt_op *op)
{
	switch (op->kind) {
	case DT_DMABUF_GET: do_dmabuf_get(x, op); break;
	case DT_DMABUF_REVOKE: do_dmabuf_revoke(x, op); break;
	case DT_MAP_FILE: do_map_file(x, op); break;
	case DT_CHANGE_PROCESS: do_change_process(x, op); break;
	case DT_NOIOMMU_GET_PA: do_noiommu_get_pa(x, op); break;
	}
}
