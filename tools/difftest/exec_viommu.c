// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode, the vIOMMU family (7.x): VIOMMU_ALLOC and the mmap() of its
 * window, VDEVICE_ALLOC, VEVENTQ_ALLOC with poll() and read() of its fd,
 * TRIGGER_VEVENT, HW_QUEUE_ALLOC, DEV_CHECK_CACHE and the PASID test ops.
 * No fd number or address is printed: they differ between the two sides.
 */
#include <errno.h>
#include <linux/iommufd.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "exec.h"

/* The selftest vIOMMU's data: in_data loops back, the window is reported. */
static void do_viommu_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_viommu_selftest data[2];	/* room for a 32-byte data_len */
	struct iommu_viommu_alloc v = { .size = sizeof(v), .flags = op->flags,
					.type = (uint32_t)op->d,
					.data_len = (uint32_t)op->b };
	struct iommu_viommu_selftest *sd = data;
	int fd = dt_exec_fd(x, op), err;

	memset(data, 0, sizeof(data));
	sd->in_data = (uint32_t)op->c;
	v.dev_id = dt_exec_ref(x, op->ref[0]);
	v.hwpt_id = dt_exec_ref(x, op->ref[1]);
	v.data_uptr = (uintptr_t)data;
	dt_text_printf(&x->t, " type=%#x data_len=%u in=%#x flags=%#x", v.type, v.data_len,
		       sd->in_data, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_VIOMMU_ALLOC, &v);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_exec_put_id(x, DT_REF_VIOMMU, op->out, v.out_viommu_id);
	x->window[op->out % DT_SLOTS].offset = sd->out_mmap_offset;
	x->window[op->out % DT_SLOTS].length = sd->out_mmap_length;
	if (v.data_len >= sizeof(*sd))
		dt_text_printf(&x->t, " out=%#x mmap=%#llx+%#llx", sd->out_data,
			       (unsigned long long)sd->out_mmap_offset,
			       (unsigned long long)sd->out_mmap_length);
}

static void window_unmap(struct dt_exec *x, unsigned int slot)
{
	if (x->window[slot].addr)
		munmap(x->window[slot].addr, x->window[slot].mapped);
	x->window[slot].addr = NULL;
	x->window[slot].mapped = 0;
}

/*
 * mmap() of the window a vIOMMU slot was answered, as it was answered or
 * wrong (flags, gen_viommu.c); the page's first u32 is the in_data. A new
 * mapping of a slot replaces its old one.
 */
static void do_viommu_mmap(struct dt_exec *x, const struct dt_op *op)
{
	unsigned int slot = op->nr % DT_SLOTS;
	uint64_t off = x->window[slot].offset, len = x->window[slot].length;
	int fd = dt_exec_fd(x, op), prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED;
	void *p;

	window_unmap(x, slot);
	switch (op->flags) {
	case 1: len = len > 4096 ? 4096 : len; break;
	case 2: flags = MAP_PRIVATE; break;
	case 3: off += 4096; break;
	case 4: prot |= PROT_EXEC; break;
	}
	dt_text_printf(&x->t, " viommu%u mmap=%#llx+%#llx%s%s", slot, (unsigned long long)off,
		       (unsigned long long)len, flags == MAP_PRIVATE ? " private" : "",
		       prot & PROT_EXEC ? " exec" : "");
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED) {
		dt_exec_put_rc(x, errno);
		return;
	}
	dt_exec_put_rc(x, 0);
	x->window[slot].addr = p;
	x->window[slot].mapped = len;
	dt_text_printf(&x->t, " word=%#x", *(volatile uint32_t *)p);
}

/* munmap() of a window, or of its second page only (a split VMA). */
static void do_viommu_munmap(struct dt_exec *x, const struct dt_op *op)
{
	unsigned int slot = op->nr % DT_SLOTS;

	dt_text_printf(&x->t, " viommu%u%s", slot, op->flags ? " second-page" : "");
	if (!x->window[slot].addr) {
		dt_text_printf(&x->t, " = unmapped");
		return;
	}
	if (op->flags && x->window[slot].mapped > 4096) {
		dt_exec_put_rc(x, munmap((char *)x->window[slot].addr + 4096,
					 x->window[slot].mapped - 4096) ? errno : 0);
		x->window[slot].mapped = 4096;
		return;
	}
	dt_exec_put_rc(x, munmap(x->window[slot].addr, x->window[slot].mapped) ? errno : 0);
	x->window[slot].addr = NULL;
	x->window[slot].mapped = 0;
}

static void do_vdevice_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_vdevice_alloc v = { .size = sizeof(v), .virt_id = op->a };
	int fd = dt_exec_fd(x, op), err;

	v.viommu_id = dt_exec_ref(x, op->ref[0]);
	v.dev_id = dt_exec_ref(x, op->ref[1]);
	dt_text_printf(&x->t, " virt_id=%#llx", (unsigned long long)op->a);
	err = dt_exec_ioctl(fd, IOMMU_VDEVICE_ALLOC, &v);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_exec_put_id(x, DT_REF_VDEV, op->out, v.out_vdevice_id);
}

static void do_veventq_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_veventq_alloc q = { .size = sizeof(q), .flags = op->flags,
					 .type = (uint32_t)op->d,
					 .veventq_depth = (uint32_t)op->b };
	int fd = dt_exec_fd(x, op), err;

	q.viommu_id = dt_exec_ref(x, op->ref[0]);
	dt_text_printf(&x->t, " type=%#x depth=%u flags=%#x veventq%u", q.type,
		       q.veventq_depth, op->flags, op->out % DT_SLOTS);
	err = dt_exec_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &q);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_exec_put_id(x, DT_REF_VEVENTQ, op->out, q.out_veventq_id);
	dt_exec_close(&x->veventq_fd[op->out % DT_SLOTS]);
	x->veventq_fd[op->out % DT_SLOTS] = (int)q.out_veventq_fd;
}

/*
 * poll() with no wait, then read() of b bytes: whole records (a header,
 * then the selftest event's virt_id). Only POLLIN/POLLERR/POLLHUP are
 * printed: the mock's eventfd also says POLLOUT (its README, "Not
 * emulated"), which no reader waits for.
 */
static void do_veventq_read(struct dt_exec *x, const struct dt_op *op)
{
	uint8_t buf[64];
	int qfd = x->veventq_fd[op->nr % DT_SLOTS], err;
	struct pollfd p = { .fd = qfd, .events = POLLIN };
	long n;

	dt_text_printf(&x->t, " veventq%u len=%llu", op->nr % DT_SLOTS, (unsigned long long)op->b);
	if (qfd < 0) {
		dt_text_printf(&x->t, " = nofd");
		return;
	}
	poll(&p, 1, 0);
	dt_text_printf(&x->t, " revents=%#x", p.revents & (POLLIN | POLLERR | POLLHUP));
	memset(buf, 0xa5, sizeof(buf));
	n = read(qfd, buf, op->b > sizeof(buf) ? sizeof(buf) : op->b);
	err = errno;
	dt_exec_put_len(x, n, err);
	if (n > 0)
		dt_exec_put_bytes(x, "data", buf, (size_t)n, sizeof(buf));
}

static void do_trigger_vevent(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);

	c.trigger_vevent.dev_id = dt_exec_ref(x, op->ref[0]);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_TRIGGER_VEVENT, 0));
}

static void do_hw_queue_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_hw_queue_alloc q = { .size = sizeof(q), .flags = op->flags,
					  .type = (uint32_t)op->d, .index = op->nr,
					  .length = op->b };
	int fd = dt_exec_fd(x, op), err;

	q.viommu_id = dt_exec_ref(x, op->ref[0]);
	q.nesting_parent_iova = dt_exec_iova(x, "iova", op->a);
	dt_text_printf(&x->t, " type=%#x index=%u len=%#llx flags=%#x", q.type, q.index,
		       (unsigned long long)q.length, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &q);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_exec_put_id(x, DT_REF_HWQ, op->out, q.out_hw_queue_id);
}

static void do_dev_check_cache(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	uint32_t idev = dt_exec_ref(x, op->ref[0]);

	c.check_dev_cache.id = (uint32_t)op->a;
	c.check_dev_cache.cache = (uint32_t)op->d;
	dt_text_printf(&x->t, " cache%u=%#x", c.check_dev_cache.id, c.check_dev_cache.cache);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_DEV_CHECK_CACHE, idev));
}

/* The four PASID test ops on a mock device (the command's id is its stdev). */
static void do_pasid(struct dt_exec *x, const struct dt_op *op)
{
	static const char *const names[] = { "attach", "replace", "detach", "check" };
	static const unsigned int ops[] = { IOMMU_TEST_OP_PASID_ATTACH,
					    IOMMU_TEST_OP_PASID_REPLACE,
					    IOMMU_TEST_OP_PASID_DETACH,
					    IOMMU_TEST_OP_PASID_CHECK_HWPT };
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	unsigned int which = op->nr & 3;
	uint32_t stdev, pt = 0;

	dt_text_printf(&x->t, " %s", names[which]);
	stdev = dt_exec_ref(x, op->ref[0]);
	if (which != 2)
		pt = dt_exec_ref(x, op->ref[1]);
	dt_text_printf(&x->t, " pasid=%#llx", (unsigned long long)op->a);
	/* pasid_attach, _replace, _detach and _check all start with pasid, then the pt */
	c.pasid_attach.pasid = (uint32_t)op->a;
	c.pasid_attach.pt_id = pt;
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, ops[which], stdev));
}

void dt_exec_viommu(struct dt_exec *x, const struct dt_op *op)
{
	switch (op->kind) {
	case DT_VIOMMU_ALLOC: do_viommu_alloc(x, op); break;
	case DT_VIOMMU_MMAP: do_viommu_mmap(x, op); break;
	case DT_VIOMMU_MUNMAP: do_viommu_munmap(x, op); break;
	case DT_VDEVICE_ALLOC: do_vdevice_alloc(x, op); break;
	case DT_VEVENTQ_ALLOC: do_veventq_alloc(x, op); break;
	case DT_VEVENTQ_READ: do_veventq_read(x, op); break;
	case DT_VEVENTQ_CLOSE:
		dt_text_printf(&x->t, " veventq%u", op->nr % DT_SLOTS);
		dt_exec_put_rc(x, x->veventq_fd[op->nr % DT_SLOTS] < 0 ? EBADF : 0);
		dt_exec_close(&x->veventq_fd[op->nr % DT_SLOTS]);
		break;
	case DT_TRIGGER_VEVENT: do_trigger_vevent(x, op); break;
	case DT_HW_QUEUE_ALLOC: do_hw_queue_alloc(x, op); break;
	case DT_DEV_CHECK_CACHE: do_dev_check_cache(x, op); break;
	case DT_PASID: do_pasid(x, op); break;
	}
}
