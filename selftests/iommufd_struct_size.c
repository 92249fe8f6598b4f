// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the extensible-struct rules of every iommufd ioctl. Each
 * command starts with its own size; the kernel rejects a size below the
 * first version of the struct (EINVAL), accepts a larger one whose extra
 * bytes are zero, as if they were not there, and refuses non-zero bytes it
 * does not know (E2BIG), before doing anything else.
 */
#include <stddef.h>

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define offsetofend(_t, _m) (offsetof(_t, _m) + sizeof(((_t *)0)->_m))

/* One page of command buffer: bigger than any iommufd struct. */
#define SS_BUFFER 4096

struct ss_ctx {
	__u32 ioas_id;
	void *page;
};

FIXTURE(struct_size)
{
	int fd;
	struct ss_ctx ctx;
	__u8 *buf;
};

FIXTURE_VARIANT(struct_size)
{
	const char *name;
	unsigned long nr;
	size_t min_size;	/* the struct's first version */
	size_t size;		/* the struct in these headers */
	bool needs_test_cmd;
	/* Fills a reference command; its outcome is expect_errno (0: success). */
	void (*fill)(void *cmd, const struct ss_ctx *ctx);
	int expect_errno;
};

FIXTURE_SETUP(struct_size)
{
	iommufd_open_or_skip(&self->fd);
	if (variant->needs_test_cmd)
		iommufd_test_cmd_or_skip(self->fd);
	self->buf = iommufd_test_buffer(SS_BUFFER);
	self->ctx.page = iommufd_test_buffer(iommufd_page_size());
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->ctx.page);
	test_cmd_ioas_alloc(&self->ctx.ioas_id);
}

FIXTURE_TEARDOWN(struct_size)
{
	close(self->fd);
	munmap(self->buf, SS_BUFFER);
	munmap(self->ctx.page, iommufd_page_size());
}

/* ---- Reference commands, one per ioctl ---- */

static void fill_destroy(void *p, const struct ss_ctx *ctx)
{
	struct iommu_destroy *cmd = p;

	cmd->id = 0xfffff;	/* no such object */
}

static void fill_ioas_alloc(void *p, const struct ss_ctx *ctx)
{
}

static void fill_allow_iovas(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_allow_iovas *cmd = p;

	cmd->ioas_id = ctx->ioas_id;	/* an empty list: allowed */
}

static void fill_copy(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_copy *cmd = p;

	cmd->flags = IOMMUFD_MAP_RW;
	cmd->dst_ioas_id = ctx->ioas_id;
	cmd->src_ioas_id = ctx->ioas_id;
	cmd->length = iommufd_page_size();
	cmd->src_iova = MOCK_APERTURE_START;	/* nothing mapped there */
}

static void fill_iova_ranges(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_iova_ranges *cmd = p;

	cmd->ioas_id = ctx->ioas_id;	/* no room: EMSGSIZE */
}

static void fill_map(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_map *cmd = p;

	cmd->flags = IOMMUFD_MAP_RW;	/* kernel-chosen IOVA, repeatable */
	cmd->ioas_id = ctx->ioas_id;
	cmd->user_va = (uintptr_t)ctx->page;
	cmd->length = iommufd_page_size();
}

static void fill_unmap(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_unmap *cmd = p;

	cmd->ioas_id = ctx->ioas_id;
	cmd->iova = MOCK_APERTURE_START;
	cmd->length = iommufd_page_size();
}

static void fill_option(void *p, const struct ss_ctx *ctx)
{
	struct iommu_option *cmd = p;

	cmd->option_id = IOMMU_OPTION_RLIMIT_MODE;
	cmd->op = IOMMU_OPTION_OP_GET;
}

static void fill_vfio_ioas(void *p, const struct ss_ctx *ctx)
{
	struct iommu_vfio_ioas *cmd = p;

	cmd->op = IOMMU_VFIO_IOAS_GET;	/* none set: ENODEV */
}

static void fill_test_cmd(void *p, const struct ss_ctx *ctx)
{
	struct iommu_test_cmd *cmd = p;

	/* Counting pins of zero bytes: trivially true. */
	cmd->op = IOMMU_TEST_OP_MD_CHECK_REFS;
	cmd->check_refs.uptr = (uintptr_t)ctx->page;
}

/*
 * Object ids 0 name nothing: these commands fail at lookup. Only the ioctls
 * of 6.6+ headers use it.
 */
static __attribute__((unused)) void fill_nothing(void *p,
						 const struct ss_ctx *ctx)
{
}

#define SS_VARIANT(_name, _ioctl, _struct, _last, _fill, _errno, ...)        \
	FIXTURE_VARIANT_ADD(struct_size, _name) {                            \
		.name = #_ioctl,                                             \
		.nr = _ioctl,                                                \
		.min_size = offsetofend(struct _struct, _last),              \
		.size = sizeof(struct _struct),                              \
		.fill = _fill,                                               \
		.expect_errno = _errno,                                      \
		__VA_ARGS__                                                  \
	}

SS_VARIANT(destroy, IOMMU_DESTROY, iommu_destroy, id, fill_destroy, ENOENT);
SS_VARIANT(ioas_alloc, IOMMU_IOAS_ALLOC, iommu_ioas_alloc, out_ioas_id,
	   fill_ioas_alloc, 0);
SS_VARIANT(ioas_allow_iovas, IOMMU_IOAS_ALLOW_IOVAS, iommu_ioas_allow_iovas,
	   allowed_iovas, fill_allow_iovas, 0);
SS_VARIANT(ioas_copy, IOMMU_IOAS_COPY, iommu_ioas_copy, src_iova, fill_copy,
	   ENOENT);
SS_VARIANT(ioas_iova_ranges, IOMMU_IOAS_IOVA_RANGES, iommu_ioas_iova_ranges,
	   out_iova_alignment, fill_iova_ranges, EMSGSIZE);
SS_VARIANT(ioas_map, IOMMU_IOAS_MAP, iommu_ioas_map, iova, fill_map, 0);
SS_VARIANT(ioas_unmap, IOMMU_IOAS_UNMAP, iommu_ioas_unmap, length, fill_unmap,
	   ENOENT);
SS_VARIANT(option, IOMMU_OPTION, iommu_option, val64, fill_option, 0);
SS_VARIANT(vfio_ioas, IOMMU_VFIO_IOAS, iommu_vfio_ioas, __reserved,
	   fill_vfio_ioas, ENODEV);
SS_VARIANT(test_cmd, IOMMU_TEST_CMD, iommu_test_cmd, last, fill_test_cmd, 0,
	   .needs_test_cmd = true);
#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
SS_VARIANT(hwpt_alloc, IOMMU_HWPT_ALLOC, iommu_hwpt_alloc, __reserved,
	   fill_nothing, ENOENT);
#endif
#ifdef IOMMUFD_UAPI_HAS_HW_INFO
SS_VARIANT(get_hw_info, IOMMU_GET_HW_INFO, iommu_hw_info, __reserved,
	   fill_nothing, ENOENT);
#endif
#ifdef IOMMUFD_UAPI_HAS_DIRTY
SS_VARIANT(hwpt_set_dirty_tracking, IOMMU_HWPT_SET_DIRTY_TRACKING,
	   iommu_hwpt_set_dirty_tracking, __reserved, fill_nothing, ENOENT);
SS_VARIANT(hwpt_get_dirty_bitmap, IOMMU_HWPT_GET_DIRTY_BITMAP,
	   iommu_hwpt_get_dirty_bitmap, data, fill_nothing, ENOENT);
#endif
#ifdef IOMMU_HWPT_INVALIDATE	/* 6.8 */
SS_VARIANT(hwpt_invalidate, IOMMU_HWPT_INVALIDATE, iommu_hwpt_invalidate,
	   __reserved, fill_nothing, ENOENT);
#endif
#ifdef IOMMU_FAULT_QUEUE_ALLOC	/* 6.11 */
SS_VARIANT(fault_queue_alloc, IOMMU_FAULT_QUEUE_ALLOC, iommu_fault_alloc,
	   out_fault_fd, fill_nothing, 0);
#endif

/*
 * Issues the reference command in a buffer `size` bytes long whose bytes
 * past the struct are zero, except `poison` at offset poison_at (if any).
 */
static int ss_issue(int fd, const FIXTURE_VARIANT(struct_size) *v,
		    __u8 *buf, const struct ss_ctx *ctx, __u32 size,
		    size_t poison_at)
{
	memset(buf, 0, SS_BUFFER);
	v->fill(buf, ctx);
	*(__u32 *)buf = size;
	if (poison_at)
		buf[poison_at] = 0x77;
	errno = 0;
	return ioctl(fd, v->nr, buf);
}

/* Whether the running kernel knows this ioctl at all. */
#define skip_unknown_ioctl()                                                 \
	do {                                                                 \
		if (ss_issue(self->fd, variant, self->buf, &self->ctx,       \
			     variant->size, 0) && errno == ENOTTY)           \
			SKIP(return, "%s: ENOTTY (not in this kernel)",      \
			     variant->name);                                 \
	} while (0)

#define check_outcome(_ret)                                                  \
	do {                                                                 \
		if (variant->expect_errno) {                                 \
			ASSERT_EQ(-1, _ret);                                 \
			ASSERT_EQ(variant->expect_errno, errno)              \
				TH_LOG("%s: %s", variant->name,              \
				       strerror(errno));                     \
		} else {                                                     \
			ASSERT_EQ(0, _ret) TH_LOG("%s: %s", variant->name,   \
						  strerror(errno));          \
		}                                                            \
	} while (0)

TEST_F(struct_size, exact_size_gives_the_reference_outcome)
{
	skip_unknown_ioctl();
	check_outcome(ss_issue(self->fd, variant, self->buf, &self->ctx,
			       variant->size, 0));
	/* The first version of the struct is enough. */
	check_outcome(ss_issue(self->fd, variant, self->buf, &self->ctx,
			       variant->min_size, 0));
}

TEST_F(struct_size, short_size_is_einval)
{
	skip_unknown_ioctl();
	test_err(EINVAL, ss_issue(self->fd, variant, self->buf, &self->ctx,
				  variant->min_size - 1, 0));
	test_err(EINVAL, ss_issue(self->fd, variant, self->buf, &self->ctx,
				  sizeof(__u32), 0));
	test_err(EINVAL, ss_issue(self->fd, variant, self->buf, &self->ctx, 0,
				  0));
}

TEST_F(struct_size, larger_size_with_zero_tail_is_accepted)
{
	skip_unknown_ioctl();
	check_outcome(ss_issue(self->fd, variant, self->buf, &self->ctx,
			       variant->size + 8, 0));
	check_outcome(ss_issue(self->fd, variant, self->buf, &self->ctx,
			       SS_BUFFER, 0));
}

TEST_F(struct_size, non_zero_unknown_tail_is_e2big)
{
	skip_unknown_ioctl();
	/*
	 * A byte past any struct this kernel could know. (A byte just past
	 * the struct of these headers may be a field a newer kernel knows.)
	 */
	test_err(E2BIG, ss_issue(self->fd, variant, self->buf, &self->ctx,
				 SS_BUFFER, SS_BUFFER - 1));
	test_err(E2BIG, ss_issue(self->fd, variant, self->buf, &self->ctx,
				 SS_BUFFER, 1024));
}

TEST_F(struct_size, size_beyond_readable_memory_is_efault)
{
	__u8 *guard;
	size_t psize = iommufd_page_size();

	skip_unknown_ioctl();
	/* The command at the end of a page whose successor is not mapped. */
	guard = mmap(NULL, 2 * psize, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, guard);
	ASSERT_EQ(0, munmap(guard + psize, psize));
	memset(guard, 0, psize);
	variant->fill(guard + psize - variant->size, &self->ctx);
	*(__u32 *)(guard + psize - variant->size) = variant->size + 64;
	test_err(EFAULT, ioctl(self->fd, variant->nr,
			       guard + psize - variant->size));
	munmap(guard, psize);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN

/* ---- The 7.x ioctls, in the same table ---- */
#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI
#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
static void fill_map_file(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_map_file *cmd = p;

	cmd->flags = IOMMUFD_MAP_RW;
	cmd->ioas_id = ctx->ioas_id;
	cmd->fd = -1;			/* no file: EBADF */
	cmd->length = iommufd_page_size();
}

SS_VARIANT(ioas_map_file, IOMMU_IOAS_MAP_FILE, iommu_ioas_map_file, iova,
	   fill_map_file, EBADF);
#endif
#ifdef IOMMUFD_UAPI_HAS_VIOMMU
/* Type 0 (IOMMU_VIOMMU_TYPE_DEFAULT) is reserved: EOPNOTSUPP. */
/* data_len/data_uptr came later (6.15): the first version ends before. */
SS_VARIANT(viommu_alloc, IOMMU_VIOMMU_ALLOC, iommu_viommu_alloc,
	   out_viommu_id, fill_nothing, EOPNOTSUPP);
SS_VARIANT(vdevice_alloc, IOMMU_VDEVICE_ALLOC, iommu_vdevice_alloc, virt_id,
	   fill_nothing, ENOENT);
#endif
#ifdef IOMMUFD_UAPI_HAS_CHANGE_PROCESS
/* Nothing mapped: nothing to move, success. */
SS_VARIANT(ioas_change_process, IOMMU_IOAS_CHANGE_PROCESS,
	   iommu_ioas_change_process, __reserved, fill_nothing, 0);
#endif
#ifdef IOMMUFD_UAPI_HAS_VEVENTQ
/* The kernel's table ends the first version at out_veventq_fd. */
SS_VARIANT(veventq_alloc, IOMMU_VEVENTQ_ALLOC, iommu_veventq_alloc,
	   out_veventq_fd, fill_nothing, EOPNOTSUPP);
#endif
#ifdef IOMMUFD_UAPI_HAS_HW_QUEUE
SS_VARIANT(hw_queue_alloc, IOMMU_HW_QUEUE_ALLOC, iommu_hw_queue_alloc,
	   length, fill_nothing, EOPNOTSUPP);
#endif
#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
/*
 * A flag: EOPNOTSUPP with or without CONFIG_IOMMUFD_NOIOMMU (the stub
 * refuses everything, the real handler unknown flags).
 */
static void fill_noiommu_get_pa(void *p, const struct ss_ctx *ctx)
{
	struct iommu_ioas_noiommu_get_pa *cmd = p;

	cmd->flags = 1;
	cmd->ioas_id = ctx->ioas_id;
	cmd->length = 1;
}

SS_VARIANT(ioas_noiommu_get_pa, IOMMU_IOAS_NOIOMMU_GET_PA,
	   iommu_ioas_noiommu_get_pa, out_phys, fill_noiommu_get_pa,
	   EOPNOTSUPP);
#endif
#endif /* IOMMUFD_HAVE_UAPI */
