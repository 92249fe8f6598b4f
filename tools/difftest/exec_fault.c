// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode, fault queues (6.11+): FAULT_QUEUE_ALLOC and its fd, the test
 * op TRIGGER_IOPF, read() of fault records and write() of page responses.
 * A fault reaches a queue when the device is attached to a HWPT allocated
 * with IOMMU_HWPT_FAULT_ID_VALID (eventq.c iommufd_fault_iopf_handler()).
 */
#include <errno.h>
#include <linux/iommufd.h>
#include <string.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "exec.h"

static void do_fault_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_fault_alloc f = { .size = sizeof(f), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	dt_text_printf(&x->t, " flags=%#x fault%u", op->flags, op->out % DT_SLOTS);
	err = dt_exec_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &f);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_exec_put_id(x, DT_REF_FAULT, op->out, f.out_fault_id);
	dt_exec_close(&x->fault_fd[op->out % DT_SLOTS]);
	x->fault_fd[op->out % DT_SLOTS] = (int)f.out_fault_fd;
}

static void do_trigger_iopf(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);

	c.trigger_iopf.dev_id = dt_exec_ref(x, op->ref[0]);
	c.trigger_iopf.pasid = (uint32_t)op->a;
	c.trigger_iopf.grpid = (uint32_t)op->b;
	c.trigger_iopf.perm = op->flags;
	c.trigger_iopf.addr = dt_exec_iova(x, "addr", op->c);
	dt_text_printf(&x->t, " pasid=%#x grpid=%u perm=%#x", c.trigger_iopf.pasid,
		       c.trigger_iopf.grpid, c.trigger_iopf.perm);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_TRIGGER_IOPF, 0));
}

/*
 * read() of b bytes: each record's fields, the cookie last (the kernel
 * allocates it; the next write answers it).
 */
static void do_fault_read(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_hwpt_pgfault rec[3];
	unsigned int slot = op->nr % DT_SLOTS, i;
	int ffd = x->fault_fd[slot], err;
	long n;

	dt_text_printf(&x->t, " fault%u len=%llu", slot, (unsigned long long)op->b);
	if (ffd < 0) {
		dt_text_printf(&x->t, " = nofd");
		return;
	}
	memset(rec, 0xa5, sizeof(rec));
	n = read(ffd, rec, op->b > sizeof(rec) ? sizeof(rec) : op->b);
	err = errno;
	dt_exec_put_len(x, n, err);
	for (i = 0; n > 0 && i < (unsigned long)n / sizeof(rec[0]); i++) {
		dt_text_printf(&x->t, " [flags=%#x dev=%u pasid=%#x grpid=%u perm=%#x addr=%#llx "
			       "len=%u cookie=%u]", rec[i].flags, rec[i].dev_id, rec[i].pasid,
			       rec[i].grpid, rec[i].perm, (unsigned long long)rec[i].addr,
			       rec[i].length, rec[i].cookie);
		x->cookie[slot] = rec[i].cookie;
	}
}

/* write() of out responses: the last cookie read (c 0) or cookie c - 1. */
static void do_fault_write(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_hwpt_page_response resp[2];
	unsigned int slot = op->nr % DT_SLOTS, i;
	int ffd = x->fault_fd[slot], err;
	long n;

	for (i = 0; i < 2; i++) {
		resp[i].cookie = op->c ? (uint32_t)op->c - 1 + i : x->cookie[slot] + i;
		resp[i].code = (uint32_t)op->d;
	}
	dt_text_printf(&x->t, " fault%u len=%llu cookie=%s%u code=%u", slot,
		       (unsigned long long)op->b, op->c ? "" : "read+", op->c ? resp[0].cookie : 0,
		       resp[0].code);
	if (ffd < 0) {
		dt_text_printf(&x->t, " = nofd");
		return;
	}
	n = write(ffd, resp, op->b > sizeof(resp) ? sizeof(resp) : op->b);
	err = errno;
	dt_exec_put_len(x, n, err);
}

void dt_exec_fault(struct dt_exec *x, const struct dt_op *op)
{
	switch (op->kind) {
	case DT_FAULT_ALLOC: do_fault_alloc(x, op); break;
	case DT_TRIGGER_IOPF: do_trigger_iopf(x, op); break;
	case DT_FAULT_READ: do_fault_read(x, op); break;
	case DT_FAULT_WRITE: do_fault_write(x, op); break;
	case DT_FAULT_CLOSE:
		dt_text_printf(&x->t, " fault%u", op->nr % DT_SLOTS);
		dt_exec_put_rc(x, x->fault_fd[op->nr % DT_SLOTS] < 0 ? EBADF : 0);
		dt_exec_close(&x->fault_fd[op->nr % DT_SLOTS]);
		break;
	}
}
