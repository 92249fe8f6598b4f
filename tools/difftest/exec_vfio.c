// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode, the VFIO type1 compatibility layer on the iommufd fd
 * (vfio_compat.c): IOMMU_VFIO_IOAS, then the VFIO container ioctls, whose
 * arguments carry argsz instead of size (the generator varies argsz itself;
 * the struct-size modes do not apply) and some of which answer a value.
 */
#include <errno.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "iommufd_test.h"
#include "exec.h"

static void do_vfio_ioas(struct dt_exec *x, const struct dt_op *op)
{
	static const char *const names[] = { "get", "set", "clear", "op3" };
	struct iommu_vfio_ioas v = { .size = sizeof(v), .op = op->nr,
				     .__reserved = (uint16_t)op->flags };
	int fd = dt_exec_fd(x, op), err;

	dt_text_printf(&x->t, " %s", names[op->nr & 3]);
	if (op->nr == IOMMU_VFIO_IOAS_SET)
		v.ioas_id = dt_exec_ref(x, op->ref[0]);
	if (op->flags)
		dt_text_printf(&x->t, " reserved=%u", op->flags);
	err = dt_exec_ioctl(fd, IOMMU_VFIO_IOAS, &v);
	dt_exec_put_rc(x, err);
	if (!err && op->nr == IOMMU_VFIO_IOAS_GET)
		dt_text_printf(&x->t, " ioas=%u", v.ioas_id);
}

/* VFIO_GET_API_VERSION and VFIO_CHECK_EXTENSION answer with a value. */
static void do_vfio_check(struct dt_exec *x, const struct dt_op *op)
{
	int fd = dt_exec_fd(x, op);
	long r;

	if (op->nr == 0) {
		dt_text_printf(&x->t, " api_version");
		r = ioctl(fd, VFIO_GET_API_VERSION);
	} else {
		dt_text_printf(&x->t, " extension=%llu", (unsigned long long)op->d);
		r = ioctl(fd, VFIO_CHECK_EXTENSION, (unsigned long)op->d);
	}
	dt_exec_put_len(x, r, errno);
}

static void do_vfio_set_iommu(struct dt_exec *x, const struct dt_op *op)
{
	int fd = dt_exec_fd(x, op);

	dt_text_printf(&x->t, " type=%llu", (unsigned long long)op->d);
	dt_exec_put_rc(x, ioctl(fd, VFIO_SET_IOMMU, (unsigned long)op->d) ? errno : 0);
}

/* The info and, when argsz leaves room, the capability chain after it. */
static void do_vfio_get_info(struct dt_exec *x, const struct dt_op *op)
{
	uint8_t buf[160];
	struct vfio_iommu_type1_info *info = (void *)buf;
	int fd = dt_exec_fd(x, op), err;

	memset(buf, 0, sizeof(buf));
	info->argsz = (uint32_t)op->b;
	dt_text_printf(&x->t, " argsz=%u", info->argsz);
	err = ioctl(fd, VFIO_IOMMU_GET_INFO, info) ? errno : 0;
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_text_printf(&x->t, " out_argsz=%u flags=%#x pgsizes=%#llx cap_offset=%u", info->argsz,
		       info->flags, (unsigned long long)info->iova_pgsizes, info->cap_offset);
	if (info->cap_offset && op->b > sizeof(*info))
		dt_exec_put_bytes(x, "caps", buf + sizeof(*info), op->b - sizeof(*info), 16);
}

static void do_vfio_map(struct dt_exec *x, const struct dt_op *op)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = (uint32_t)op->d, .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	m.iova = dt_exec_iova(x, "iova", op->a);
	m.size = op->b;
	m.vaddr = dt_exec_uptr(x, op->c);
	dt_text_printf(&x->t, " len=%#llx flags=%#x argsz=%u", (unsigned long long)op->b,
		       op->flags, m.argsz);
	err = ioctl(fd, VFIO_IOMMU_MAP_DMA, &m) ? errno : 0;
	dt_exec_put_rc(x, err);
	if (!err)
		x->iovas[op->out % DT_IOVA_SLOTS] = m.iova;
}

static void do_vfio_unmap(struct dt_exec *x, const struct dt_op *op)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = (uint32_t)op->d, .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	u.iova = dt_exec_iova(x, "iova", op->a);
	u.size = op->b;
	dt_text_printf(&x->t, " len=%#llx flags=%#x argsz=%u", (unsigned long long)op->b,
		       op->flags, u.argsz);
	err = ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &u) ? errno : 0;
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " unmapped=%#llx", (unsigned long long)u.size);
}

void dt_exec_vfio(struct dt_exec *x, const struct dt_op *op)
{
	switch (op->kind) {
	case DT_VFIO_IOAS: do_vfio_ioas(x, op); break;
	case DT_VFIO_CHECK: do_vfio_check(x, op); break;
	case DT_VFIO_SET_IOMMU: do_vfio_set_iommu(x, op); break;
	case DT_VFIO_GET_INFO: do_vfio_get_info(x, op); break;
	case DT_VFIO_MAP: do_vfio_map(x, op); break;
	case DT_VFIO_UNMAP: do_vfio_unmap(x, op); break;
	}
}
