// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode, the HWPT ops: HWPT_ALLOC, dirty tracking (SET_DIRTY_TRACKING,
 * GET_DIRTY_BITMAP, the test op DIRTY), HWPT_INVALIDATE and MD_CHECK_IOTLB
 * of nested HWPTs, GET_HW_INFO of a mock device.
 */
#include <linux/iommufd.h>
#include <stddef.h>
#include <string.h>

#include "iommufd_test.h"
#include "exec.h"

/*
 * Nested HWPT data: the selftest iotlb, plus 7.x's pagetable_type after it
 * when nr says 8 bytes (a 6.12 kernel must accept its zero tail, or refuse
 * it the same way as the mock).
 */
void dt_exec_hwpt_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct {
		uint32_t iotlb, pagetable_type;
	} data = { IOMMU_TEST_IOTLB_DEFAULT, 0 };
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	h.dev_id = dt_exec_ref(x, op->ref[0]);
	h.pt_id = dt_exec_ref(x, op->ref[1]);
	if (op->flags & IOMMU_HWPT_FAULT_ID_VALID)
		h.fault_id = dt_exec_ref(x, op->ref[2]);
	if (op->nr) {
		h.data_type = IOMMU_HWPT_DATA_SELFTEST;
		h.data_len = op->nr == 1 ? 4 : 8;
		h.data_uptr = (uintptr_t)&data;
	}
	dt_text_printf(&x->t, " flags=%#x data_len=%u", op->flags, h.data_len);
	err = dt_exec_ioctl(fd, IOMMU_HWPT_ALLOC, &h);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_exec_put_id(x, DT_REF_HWPT, op->out, h.out_hwpt_id);
}

void dt_exec_set_dirty(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_hwpt_set_dirty_tracking s = { .size = sizeof(s), .flags = op->flags };
	int fd = dt_exec_fd(x, op);

	s.hwpt_id = dt_exec_ref(x, op->ref[0]);
	dt_text_printf(&x->t, " flags=%#x", op->flags);
	dt_exec_put_rc(x, dt_exec_ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &s));
}

/* Bitmaps: length / page_size bits, at most 16 pages + 2 KiB of 2 KiB pages. */
#define DT_BITMAP_BYTES 64

void dt_exec_get_dirty(struct dt_exec *x, const struct dt_op *op)
{
	uint64_t bitmap[DT_BITMAP_BYTES / 8] = { 0 };
	struct iommu_hwpt_get_dirty_bitmap g = { .size = sizeof(g), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	g.hwpt_id = dt_exec_ref(x, op->ref[0]);
	g.iova = dt_exec_iova(x, "iova", op->a);
	g.length = op->b;
	g.page_size = op->d;
	g.data = (uintptr_t)bitmap;
	dt_text_printf(&x->t, " len=%#llx pgsize=%#llx flags=%#x", (unsigned long long)op->b,
		       (unsigned long long)op->d, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_exec_put_bytes(x, "bitmap", (uint8_t *)bitmap,
			  (op->b / op->d + 7) / 8 > DT_BITMAP_BYTES ? DT_BITMAP_BYTES :
			  (op->b / op->d + 7) / 8, DT_BITMAP_BYTES);
}

void dt_exec_test_dirty(struct dt_exec *x, const struct dt_op *op)
{
	uint64_t bitmap[DT_BITMAP_BYTES / 8];
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	uint32_t hwpt = dt_exec_ref(x, op->ref[0]);
	unsigned int i;

	for (i = 0; i < DT_BITMAP_BYTES / 8; i++)
		bitmap[i] = op->c;
	c.dirty.iova = dt_exec_iova(x, "iova", op->a);
	c.dirty.length = op->b;
	c.dirty.page_size = op->d;
	c.dirty.uptr = (uintptr_t)bitmap;
	dt_text_printf(&x->t, " len=%#llx pgsize=%#llx bits=%016llx", (unsigned long long)op->b,
		       (unsigned long long)op->d, (unsigned long long)op->c);
	err = dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_DIRTY, hwpt);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " nr_dirty=%llu", (unsigned long long)c.dirty.out_nr_dirty);
}

/*
 * GET_HW_INFO of a mock device: the selftest type and register, the
 * capabilities; flags and an input type only 7.x knows of.
 */
void dt_exec_hw_info(struct dt_exec *x, const struct dt_op *op)
{
	uint8_t data[16];
	struct iommu_hw_info h = { .size = sizeof(h), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	memset(data, 0xa5, sizeof(data));
	h.dev_id = dt_exec_ref(x, op->ref[0]);
	h.data_len = (uint32_t)op->b;
	h.data_uptr = (uintptr_t)data;
	memcpy((uint8_t *)&h + offsetof(struct iommu_hw_info, data_uptr) + 8, &op->d, 4);
	dt_text_printf(&x->t, " flags=%#x data_len=%u in_type=%#llx", op->flags, h.data_len,
		       (unsigned long long)op->d);
	err = dt_exec_ioctl(fd, IOMMU_GET_HW_INFO, &h);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_text_printf(&x->t, " type=%#x len=%u pasid_log2=%u caps=%#llx", h.out_data_type,
		       h.data_len, h.out_max_pasid_log2, (unsigned long long)h.out_capabilities);
	dt_exec_put_bytes(x, "data", data, op->b, sizeof(data));
}

/*
 * 7.x: HWPT_INVALIDATE of a vIOMMU, op->nr entries of struct
 * iommu_viommu_invalidate_selftest (flags, vdev_id, cache_id from op->a),
 * laid out entry_len apart.
 */
static void invalidate_viommu(struct dt_exec *x, const struct dt_op *op)
{
	uint32_t e[2][4] = { { 0 } };	/* room for 16-byte entries */
	struct iommu_hwpt_invalidate v = { .size = sizeof(v) };
	int fd = dt_exec_fd(x, op), err;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		e[i][0] = (op->a >> (8 * i)) & 3;
		e[i][1] = (op->a >> (8 * i + 2)) % 4;
		e[i][2] = (op->a >> (8 * i + 4)) % 5;
	}
	v.hwpt_id = dt_exec_ref(x, op->ref[0]);
	v.data_uptr = (uintptr_t)e;
	v.data_type = (uint32_t)op->d;
	v.entry_len = (uint32_t)op->b;
	v.entry_num = op->nr;
	dt_text_printf(&x->t, " viommu type=%#x entry_len=%u num=%u e0=%u/%u/%u e1=%u/%u/%u",
		       v.data_type, v.entry_len, op->nr, e[0][0], e[0][1], e[0][2], e[1][0],
		       e[1][1], e[1][2]);
	if (v.entry_len && v.entry_len < sizeof(e[0]))
		memmove((uint8_t *)e + v.entry_len, e[1], sizeof(e[1]));
	err = dt_exec_ioctl(fd, IOMMU_HWPT_INVALIDATE, &v);
	dt_exec_put_rc(x, err);
	dt_text_printf(&x->t, " done=%u", v.entry_num);
}

/* HWPT_INVALIDATE with op->nr selftest entries (flags, iotlb_id from op->a). */
static void invalidate_hwpt(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_hwpt_invalidate_selftest e[2][2] = { { { 0 } } };	/* room for 12-byte entries */
	struct iommu_hwpt_invalidate v = { .size = sizeof(v) };
	int fd = dt_exec_fd(x, op), err;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		e[i][0].flags = (op->a >> (8 * i)) & 3;
		e[i][0].iotlb_id = (op->a >> (8 * i + 2)) % 5;
	}
	v.hwpt_id = dt_exec_ref(x, op->ref[0]);
	v.data_uptr = (uintptr_t)e;
	v.data_type = (uint32_t)op->d;
	v.entry_len = (uint32_t)op->b;
	v.entry_num = op->nr;
	dt_text_printf(&x->t, " type=%#x entry_len=%u num=%u e0=%u/%u e1=%u/%u", v.data_type,
		       v.entry_len, op->nr, e[0][0].flags, e[0][0].iotlb_id, e[1][0].flags,
		       e[1][0].iotlb_id);
	if (v.entry_len != sizeof(e[0][0]))	/* entries laid out at entry_len */
		memcpy((uint8_t *)e + v.entry_len, &e[1][0], sizeof(e[1][0]));
	err = dt_exec_ioctl(fd, IOMMU_HWPT_INVALIDATE, &v);
	dt_exec_put_rc(x, err);
	dt_text_printf(&x->t, " done=%u", v.entry_num);
}

void dt_exec_invalidate(struct dt_exec *x, const struct dt_op *op)
{
	if (op->flags & 1)
		invalidate_viommu(x, op);
	else
		invalidate_hwpt(x, op);
}

void dt_exec_check_iotlb(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	uint32_t hwpt = dt_exec_ref(x, op->ref[0]);

	c.check_iotlb.id = (uint32_t)op->a;
	c.check_iotlb.iotlb = (uint32_t)op->d;
	dt_text_printf(&x->t, " iotlb%u=%#x", c.check_iotlb.id, c.check_iotlb.iotlb);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_MD_CHECK_IOTLB, hwpt));
}

