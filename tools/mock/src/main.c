// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/main.c, checked against Linux 6.12 and 7.3:
 * the iommufd context, object ids, object destruction, the /dev/iommu file
 * operations and the ioctl table with its size rules (each row says the
 * feature it came with, personality.h).
 *
 * Object ids come from a lowest-free allocator starting at 1, as xa_alloc()
 * on an XA_FLAGS_ALLOC1 xarray hands them out, so the ids a program sees
 * match the kernel's. The kernel reserves the id at allocation with
 * XA_ZERO_ENTRY, which lookups do not find, and stores the object at
 * iommufd_object_finalize(): mostly at the end of the ioctl that made it,
 * for a few objects earlier (a bound device, an automatic domain, an
 * access). In the mock an object remembers the ioctl it was born in and is
 * found by id once that ioctl has returned (ioctl_seq), or once finalized
 * where the kernel finalizes early; nothing runs beside an ioctl under the
 * mock's lock, so every caller sees the same. What this decides: a
 * MOCK_DOMAIN whose pt_id is its own new selftest object's id is ENOENT,
 * and one whose pt_id is its own new device's id EINVAL, as in the kernel
 * (both found by tools/difftest).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include <linux/iommufd.h>
#include "iommufd_test.h"

#include "iommufd_private.h"
#include "record.h"

struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
};

static const struct iommufd_object_ops iommufd_object_ops[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_ACCESS] = { .destroy = iommufd_access_destroy_object },
	[IOMMUFD_OBJ_HWPT_PAGING] = { .destroy = iommufd_hwpt_paging_destroy },
	[IOMMUFD_OBJ_HWPT_NESTED] = { .destroy = iommufd_hwpt_nested_destroy },
	[IOMMUFD_OBJ_IOAS] = { .destroy = iommufd_ioas_destroy },
	[IOMMUFD_OBJ_SELFTEST] = { .destroy = iommufd_selftest_destroy },
	[IOMMUFD_OBJ_VIOMMU] = { .destroy = iommufd_viommu_destroy },
	[IOMMUFD_OBJ_VDEVICE] = { .destroy = iommufd_vdevice_destroy },
	[IOMMUFD_OBJ_VEVENTQ] = { .destroy = iommufd_veventq_destroy },
	[IOMMUFD_OBJ_HW_QUEUE] = { .destroy = iommufd_hw_queue_destroy },
	[IOMMUFD_OBJ_FAULT] = { .destroy = iommufd_fault_destroy },
	/* devices hold nothing the mock must release */
};

/* ---- the id allocator: ctx->objects ---- */

static void ids_push(struct iommufd_ctx *ictx, uint32_t id)
{
	uint32_t i;

	if (ictx->nfree == ictx->free_cap) {
		uint32_t ncap = ictx->free_cap ? ictx->free_cap * 2 : 64;
		uint32_t *n = mock_realloc(ictx->free_ids, ncap * sizeof(*n));

		if (!n)
			abort();
		ictx->free_ids = n;
		ictx->free_cap = ncap;
	}
	i = ictx->nfree++;
	while (i && ictx->free_ids[(i - 1) / 2] > id) {
		ictx->free_ids[i] = ictx->free_ids[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	ictx->free_ids[i] = id;
}

static uint32_t ids_pop(struct iommufd_ctx *ictx)
{
	uint32_t top = ictx->free_ids[0], last = ictx->free_ids[--ictx->nfree];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= ictx->nfree)
			break;
		if (c + 1 < ictx->nfree && ictx->free_ids[c + 1] < ictx->free_ids[c])
			c++;
		if (ictx->free_ids[c] >= last)
			break;
		ictx->free_ids[i] = ictx->free_ids[c];
		i = c;
	}
	if (ictx->nfree)
		ictx->free_ids[i] = last;
	return top;
}

/* _iommufd_object_alloc(): xa_alloc() of the lowest free id >= 1. */
void *_iommufd_object_alloc(struct iommufd_ctx *ictx, size_t size,
			    enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	uint32_t id;

	if (!ictx->nfree && ictx->next_fresh > INT32_MAX)
		return NULL;
	obj = mock_calloc(1, size);
	if (!obj)
		return NULL;
	id = ictx->nfree ? ids_pop(ictx) : ictx->next_fresh++;
	if (id >= ictx->objs_cap) {
		uint32_t ncap = ictx->objs_cap ? ictx->objs_cap : 64;
		struct iommufd_object **n;

		while (ncap <= id)
			ncap *= 2;
		n = mock_realloc(ictx->objs, ncap * sizeof(*n));
		if (!n)
			abort();
		memset(n + ictx->objs_cap, 0,
		       (ncap - ictx->objs_cap) * sizeof(*n));
		ictx->objs = n;
		ictx->objs_cap = ncap;
	}
	obj->type = type;
	obj->id = id;
	obj->users = 1;
	obj->born = ictx->ioctl_seq;
	ictx->objs[id] = obj;
	ictx->nobjs++;
	return obj;
}

/* iommufd_object_finalize(): from now on its id finds it. */
void iommufd_object_finalize(struct iommufd_object *obj)
{
	obj->born = UINT64_MAX;
}

/* iommufd_object_abort(): removes the id and frees the object. */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	ictx->objs[obj->id] = NULL;
	ictx->nobjs--;
	ids_push(ictx, obj->id);
	mock_free(obj);
}

/* iommufd_object_abort_and_destroy(): the type's destroy, then abort. */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	if (iommufd_object_ops[obj->type].destroy)
		iommufd_object_ops[obj->type].destroy(obj);
	iommufd_object_abort(ictx, obj);
}

/*
 * iommufd_object_tombstone_user(): the object goes, its id stays taken (the
 * kernel stores XA_ZERO_ENTRY): it names nothing until the context dies.
 */
void iommufd_object_tombstone(struct iommufd_ctx *ictx,
			      struct iommufd_object *obj)
{
	if (iommufd_object_ops[obj->type].destroy)
		iommufd_object_ops[obj->type].destroy(obj);
	ictx->objs[obj->id] = NULL;
	ictx->nobjs--;
	mock_free(obj);
}

/*
 * iommufd_get_object(): wrong type, absent, or not finalized yet (born in
 * the running ioctl) is ENOENT (NULL).
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, uint32_t id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj = id < ictx->objs_cap ? ictx->objs[id] : NULL;

	if (!obj || obj->born == ictx->ioctl_seq ||
	    (type != IOMMUFD_OBJ_ANY && obj->type != type))
		return NULL;
	return obj;
}

/* iommufd_object_remove() on behalf of IOMMU_DESTROY */
static int iommufd_object_remove(struct iommufd_ctx *ictx, uint32_t id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_ANY);

	if (!obj)
		return -ENOENT;
	if (obj->users != 1)
		return -EBUSY;
	/* The compat IOAS is not refcounted: it goes with its object. */
	if (obj->type == IOMMUFD_OBJ_IOAS &&
	    ictx->vfio_ioas == container_of(obj, struct iommufd_ioas, obj))
		ictx->vfio_ioas = NULL;
	iommufd_object_abort_and_destroy(ictx, obj);
	return 0;
}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, cmd->id);
}

/* iommufd_fops_open(): a fresh context per open, like the kernel. */
int iommufd_fops_open(bool cloexec)
{
	struct iommufd_ctx *ictx;
	int fd = iommufd_mock_personality_init();

	if (fd)
		return fd;
	ictx = mock_calloc(1, sizeof(*ictx));
	if (!ictx)
		return -ENOMEM;
	ictx->refs = 1;
	ictx->next_fresh = 1;
	ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
	fd = iommufd_file_install(&iommufd_fops, ictx, cloexec);
	if (fd < 0)
		iommufd_ctx_put(ictx);
	return fd;
}

/* iommufd_fops_release(): the file's reference on the context goes. */
static void iommufd_fops_release(void *private_data)
{
	iommufd_ctx_put(private_data);
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	return umem_copy_to(ucmd->ubuffer + offsetof(struct iommu_option, val64),
			    &cmd->val64, sizeof(cmd->val64));
}

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_fault_alloc fault;
	struct iommu_hw_info info;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate cache;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_test_cmd test;
	struct iommu_viommu_alloc viommu;
	struct iommu_vdevice_alloc vdev;
	struct iommu_veventq_alloc veventq;
	struct iommu_hw_queue_alloc hw_queue;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_change_process change_process;
	struct iommu_ioas_noiommu_get_pa noiommu_get_pa;
};

struct iommufd_ioctl_op {
	unsigned int size, min_size;
	unsigned long ioctl_num;
	int (*execute)(struct iommufd_ucmd *ucmd);
	/* ENOTTY in a personality without it (personality.h) */
	enum iommufd_mock_feature feature;
};

#define IOCTL_OP_SINCE(_feature, _ioctl, _fn, _struct, _last)                \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {                             \
		.size = sizeof(_struct),                                     \
		.min_size = offsetofend(_struct, _last),                     \
		.ioctl_num = _ioctl,                                         \
		.execute = _fn,                                              \
		.feature = _feature,                                         \
	}
#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                \
	IOCTL_OP_SINCE(IOMMUFD_MOCK_BASE, _ioctl, _fn, _struct, _last)

/*
 * The table of the newest kernel the mock speaks; a row whose feature the
 * personality lacks does not exist for it. Every struct the oldest kernel
 * has is the same size in the newest headers (the driver data
 * iommu_hwpt_selftest grew: selftest.c).
 */
static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_VIOMMU, IOMMU_VIOMMU_ALLOC,
		       iommufd_viommu_alloc_ioctl, struct iommu_viommu_alloc,
		       out_viommu_id),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_VIOMMU, IOMMU_VDEVICE_ALLOC,
		       iommufd_vdevice_alloc_ioctl, struct iommu_vdevice_alloc,
		       virt_id),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_HW_QUEUE, IOMMU_HW_QUEUE_ALLOC,
		       iommufd_hw_queue_alloc_ioctl, struct iommu_hw_queue_alloc,
		       length),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_VEVENTQ, IOMMU_VEVENTQ_ALLOC,
		       iommufd_veventq_alloc, struct iommu_veventq_alloc,
		       out_veventq_fd),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_IOAS_MAP_FILE, IOMMU_IOAS_MAP_FILE,
		       iommufd_ioas_map_file, struct iommu_ioas_map_file, iova),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_IOAS_CHANGE_PROCESS,
		       IOMMU_IOAS_CHANGE_PROCESS, iommufd_ioas_change_process,
		       struct iommu_ioas_change_process, __reserved),
	IOCTL_OP_SINCE(IOMMUFD_MOCK_NOIOMMU_GET_PA, IOMMU_IOAS_NOIOMMU_GET_PA,
		       iommufd_ioas_noiommu_get_pa,
		       struct iommu_ioas_noiommu_get_pa, out_phys),
};

/*
 * iommufd_fops_ioctl(): numbers outside the table go to VFIO compat; then
 * an unknown number is ENOTTY, a size below the first version of the struct
 * EINVAL, and copy_struct_from_user() applies the tail rule.
 */
static long __iommufd_fops_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
				 void *arg)
{
	const struct iommufd_ioctl_op *op;
	union ucmd_buffer buf;
	struct iommufd_ucmd ucmd = {
		.ictx = ictx, .ubuffer = (uintptr_t)arg, .cmd = &buf
	};
	unsigned int nr = _IOC_NR(cmd);
	long rc;

	size_t got;

	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= sizeof(iommufd_ioctl_ops) /
					     sizeof(iommufd_ioctl_ops[0]))
		return iommufd_vfio_ioctl(ictx, cmd, (uintptr_t)arg);
	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	/*
	 * One read for the size and the struct where the user's memory allows
	 * (each system call counts under TCG); the kernel's two reads, with
	 * their answers, where it does not.
	 */
	got = umem_copy_from_prefix(&buf, ucmd.ubuffer, op->size);
	if (got >= sizeof(ucmd.user_size)) {
		memcpy(&ucmd.user_size, &buf, sizeof(ucmd.user_size));
	} else {
		rc = umem_copy_from(&ucmd.user_size, ucmd.ubuffer,
				    sizeof(ucmd.user_size));
		if (rc)
			return rc;
	}
	if (op->ioctl_num != cmd || !iommufd_mock_has(op->feature))
		return -ENOTTY;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	if (ucmd.user_size <= got) {
		/* copy_struct_from_user() of a struct no longer than ours */
		memset((char *)&buf + ucmd.user_size, 0,
		       op->size - ucmd.user_size);
	} else {
		rc = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
					   ucmd.user_size);
		if (rc)
			return rc;
	}
	return op->execute(&ucmd);
}

static long iommufd_fops_ioctl(void *private_data, unsigned long cmd, void *arg)
{
	struct iommufd_ctx *ictx = private_data;
	long rc = iommufd_record_ioctl(ictx, cmd, arg, __iommufd_fops_ioctl);

	/* Whatever the outcome, the call's snapshot and pipe end with it. */
	umem_snapshot_drop();
	/* The objects this call made are finalized: ids find them now. */
	ictx->ioctl_seq++;
	return rc;
}

const struct iommufd_file_ops iommufd_fops = {
	.name = "iommufd-mock",
	.ioctl = iommufd_fops_ioctl,
	.mmap = iommufd_fops_mmap,
	.release = iommufd_fops_release,
};

/* iommufd_ctx_get(): accesses and fault queues hold the context. */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	ictx->refs++;
}

/*
 * iommufd_ctx_put(): with the last reference, what iommufd_fops_release()
 * does: destroy the objects nothing else holds until nothing is left.
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	if (--ictx->refs)
		return;
	while (ictx->nobjs) {
		unsigned int destroyed = 0;

		for (uint32_t id = 1; id < ictx->next_fresh; id++) {
			struct iommufd_object *obj = ictx->objs[id];

			if (!obj || obj->users != 1)
				continue;
			iommufd_object_abort_and_destroy(ictx, obj);
			destroyed++;
		}
		if (!destroyed)
			break;
	}
	mock_free(ictx->objs);
	mock_free(ictx->free_ids);
	mock_free(ictx);
}

/* iommufd_ucmd_respond(): copies the response back, truncated to user_size. */
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	return umem_copy_to(ucmd->ubuffer, ucmd->cmd,
			    ucmd->user_size < cmd_len ? ucmd->user_size : cmd_len);
}

/*
 * copy_struct_from_user(): a shorter user struct is zero extended; a longer
 * one is accepted only if every byte we do not know is zero (else E2BIG).
 */
int copy_struct_from_user(void *dst, size_t ksize, uint64_t src, size_t usize)
{
	size_t size = ksize < usize ? ksize : usize;
	int rc;

	memset(dst, 0, ksize);
	if (usize > ksize) {
		unsigned char buf[256];
		uint64_t pos = src + ksize, left = usize - ksize;

		while (left) {
			size_t n = left < sizeof(buf) ? left : sizeof(buf);

			rc = umem_copy_from(buf, pos, n);
			if (rc)
				return rc;
			for (size_t i = 0; i < n; i++)
				if (buf[i])
					return -E2BIG;
			pos += n;
			left -= n;
		}
	}
	return umem_copy_from(dst, src, size);
}

bool capable(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}
