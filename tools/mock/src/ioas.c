// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/ioas.c, checked against Linux 6.12 and 7.3:
 * the IOAS object and its ioctls (IOAS_ALLOC, IOVA_RANGES, ALLOW_IOVAS, MAP,
 * COPY, UNMAP; 7.x: MAP_FILE, CHANGE_PROCESS, NOIOMMU_GET_PA) and the
 * IOMMU_OPTION handlers that belong to an IOAS or to the context's
 * accounting. The order of checks, and so which errno wins when several
 * apply, is the kernel's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>

#include "iommufd_private.h"

/* iommufd_ioas_destroy() */
void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);

	iopt_destroy_table(&ioas->iopt);
	mock_free(ioas->hwpt_list);
}

/* iommufd_ioas_alloc() */
static struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = _iommufd_object_alloc(ictx, sizeof(*ioas), IOMMUFD_OBJ_IOAS);
	if (!ioas)
		return NULL;
	iopt_init_table(&ioas->iopt);
	return ioas;
}

int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (!ioas)
		return -ENOMEM;
	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iommufd_object_abort(ucmd->ictx, &ioas->obj);
	return rc;
}

struct iova_ranges_out {
	uint64_t uptr;
	uint32_t max, count;
};

static int iova_ranges_fill(void *arg, uint64_t start, uint64_t last)
{
	struct iova_ranges_out *out = arg;
	struct iommu_iova_range range = { .start = start, .last = last };
	int rc;

	if (out->count < out->max) {
		rc = umem_copy_to(out->uptr +
					  (uint64_t)out->count * sizeof(range),
				  &range, sizeof(range));
		if (rc)
			return rc;
	}
	out->count++;
	return 0;
}

/* iommufd_ioas_iova_ranges(): the holes, EMSGSIZE after responding. */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iova_ranges_out out = {
		.uptr = cmd->allowed_iovas, .max = cmd->num_iovas
	};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	rc = iopt_for_each_reserved_hole(&ioas->iopt, iova_ranges_fill, &out);
	if (rc)
		return rc;
	cmd->num_iovas = out.count;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		return rc;
	return out.count > out.max ? -EMSGSIZE : 0;
}

static void free_allowed(struct itree *itree)
{
	struct itree_node *n;

	while ((n = itree_min(itree))) {
		itree_remove(itree, n);
		mock_free(container_of(n, struct iopt_allowed, node));
	}
}

/* iommufd_ioas_load_iovas(): ranges must be well formed and disjoint. */
static int iommufd_ioas_load_iovas(struct itree *itree, uint64_t uptr,
				   uint32_t num)
{
	for (uint32_t i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct iopt_allowed *allowed;
		int rc;

		rc = umem_copy_from(&range, uptr + i * sizeof(range),
				    sizeof(range));
		if (rc)
			return rc;
		if (range.start >= range.last ||
		    itree_first(itree, range.start, range.last))
			return -EINVAL;
		allowed = mock_calloc(1, sizeof(*allowed));
		if (!allowed)
			return -ENOMEM;
		allowed->node.start = range.start;
		allowed->node.last = range.last;
		itree_insert(itree, &allowed->node);
	}
	return 0;
}

int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct itree allowed_iova = {};
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	rc = iommufd_ioas_load_iovas(&allowed_iova, cmd->allowed_iovas,
				     cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allow_iova(&ioas->iopt, &allowed_iova);
	free_allowed(&allowed_iova);
	return rc;
}

/* conv_iommu_prot(): the mock keeps the uAPI's READABLE/WRITEABLE bits. */
static int conv_iommu_prot(uint32_t map_flags)
{
	return map_flags & (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE);
}

/* iommufd_ioas_map_file() (7.x, ioas.c:204): IOAS_MAP's checks, then a file. */
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map_file *cmd = ucmd->cmd;
	unsigned int flags = 0;
	struct iommufd_ioas *ioas;
	uint64_t iova = cmd->iova;
	int rc;

	if (cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			   IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_file_pages(ucmd->ictx, &ioas->iopt, &iova, cmd->fd,
				 cmd->start, cmd->length,
				 conv_iommu_prot(cmd->flags), flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	unsigned int flags = 0;
	struct iommufd_ioas *ioas;
	uint64_t iova = cmd->iova;
	int rc;

	if ((cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
			    IOMMU_IOAS_MAP_WRITEABLE |
			    IOMMU_IOAS_MAP_READABLE)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(ucmd->ictx, &ioas->iopt, &iova, cmd->user_va,
				 cmd->length, conv_iommu_prot(cmd->flags),
				 flags);
	if (rc)
		return rc;
	cmd->iova = iova;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iopt_pages_list *list = NULL;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	unsigned int flags = 0;
	size_t nlist = 0;
	uint64_t iova;
	int rc;

	iommufd_test_syz_conv_iova_id(ucmd, cmd->src_ioas_id, &cmd->src_iova,
				      &cmd->flags);
	if (cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			   IOMMU_IOAS_MAP_READABLE))
		return -EOPNOTSUPP;
	if (cmd->length >= UINT64_MAX || cmd->src_iova >= UINT64_MAX ||
	    cmd->dst_iova >= UINT64_MAX)
		return -EOVERFLOW;
	if (!conv_iommu_prot(cmd->flags))
		return -EINVAL;
	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (!src_ioas)
		return -ENOENT;
	rc = iopt_get_pages(&src_ioas->iopt, cmd->src_iova, cmd->length, &list,
			    &nlist);
	if (rc)
		goto out_free;
	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (!dst_ioas) {
		rc = -ENOENT;
		goto out_free;
	}
	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	iova = cmd->dst_iova;
	rc = iopt_map_pages(&dst_ioas->iopt, list, nlist, cmd->length, &iova,
			    conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_free;
	cmd->dst_iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	mock_free(list);
	return rc;
}

int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (!ioas)
		return -ENOENT;
	if (cmd->iova == 0 && cmd->length == UINT64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		if (rc)
			return rc;
	} else {
		if (cmd->iova >= UINT64_MAX || cmd->length >= UINT64_MAX)
			return -EOVERFLOW;
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		if (rc)
			return rc;
		if (!unmapped)
			return -ENOENT;
	}
	cmd->length = unmapped;
	return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * iommufd_ioas_noiommu_get_pa() (7.x): our kernels are built without
 * CONFIG_IOMMUFD_NOIOMMU, where iommufd_private.h makes it a stub that
 * answers EOPNOTSUPP to everything (7.3 iommufd_private.h:363); only the
 * ioctl table's size rules run before it.
 */
int iommufd_ioas_noiommu_get_pa(struct iommufd_ucmd *ucmd)
{
	(void)ucmd;
	return -EOPNOTSUPP;
}

/* for_each_ioas_area(): every area of every IOAS of the context. */
#define for_each_ioas_area(_ictx, _id, _ioas, _area)                         \
	for (_id = 1; _id < (_ictx)->next_fresh; _id++)                      \
		if (!(_ictx)->objs[_id] ||                                   \
		    (_ictx)->objs[_id]->type != IOMMUFD_OBJ_IOAS ||          \
		    !(_ioas = container_of((_ictx)->objs[_id],               \
					   struct iommufd_ioas, obj)))       \
			continue;                                            \
		else                                                         \
			for (_area = iopt_area_iter_first(&_ioas->iopt, 0,   \
							  UINT64_MAX);       \
			     _area; _area = iopt_area_iter_next(             \
					    _area, 0, UINT64_MAX))

/*
 * need_charge_update(): the pages were charged to another process. The
 * kernel compares mm and user; the mock's accounting is per process
 * (README.md), so a process is its pid (charge_pid: 0 for an mm gone).
 */
static bool need_charge_update(struct iopt_pages *pages)
{
	return pages->account_mode != IOPT_PAGES_ACCOUNT_NONE &&
	       pages->charge_pid != iommufd_mock_pid();
}

/*
 * iommufd_ioas_change_process() (7.x, ioas.c:555): every area of every IOAS
 * must be of a file (a user VA or a dma-buf is EINVAL, and nothing moves);
 * then the pins are charged to the caller before they leave their old
 * owner, so a caller without room for them gets ENOMEM and nothing changes.
 * An iopt_pages shared by several areas is counted once (last_npinned).
 */
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_change_process *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	uint64_t all_npinned[IOPT_PAGES_ACCOUNT_MM + 1] = {};
	struct iopt_pages **seen = NULL;
	size_t nseen = 0, i;
	struct iommufd_ioas *ioas;
	struct iopt_area *area;
	uint32_t id;
	int mode, rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	for_each_ioas_area(ictx, id, ioas, area)
		if (area->pages->type != IOPT_ADDRESS_FILE)
			return -EINVAL;
	for_each_ioas_area(ictx, id, ioas, area) {
		for (i = 0; i < nseen && seen[i] != area->pages; i++)
			;
		if (i < nseen)
			continue;
		rc = ptr_array_add(&seen, &nseen, area->pages);
		if (rc)
			goto out;
		if (need_charge_update(area->pages))
			all_npinned[area->pages->account_mode] +=
				area->pages->npinned;
	}
	/* charge_current() */
	for (mode = 0; mode <= IOPT_PAGES_ACCOUNT_MM; mode++) {
		if (!all_npinned[mode])
			continue;
		rc = iopt_update_pinned(iommufd_mock_pid(), mode,
					all_npinned[mode], true);
		if (rc) {
			while (mode-- > 0)
				if (all_npinned[mode])
					iopt_update_pinned(iommufd_mock_pid(),
							   mode,
							   all_npinned[mode],
							   false);
			goto out;
		}
	}
	/*
	 * Uncharge the old owner, then change_mm(). Pages of
	 * IOPT_PAGES_ACCOUNT_NONE keep their pinned_vm in the old mm and will
	 * uncount it from the new one, as the kernel's do.
	 */
	for (i = 0; i < nseen; i++) {
		if (need_charge_update(seen[i]))
			iopt_update_pinned(seen[i]->charge_pid,
					   seen[i]->account_mode,
					   seen[i]->npinned, false);
		seen[i]->source_pid = iommufd_mock_pid();
		seen[i]->charge_pid = iommufd_mock_pid();
	}
out:
	mock_free(seen);
	return rc;
}

/* iommufd_option_rlimit_mode(): per user, or per mm after SET 1. */
int iommufd_option_rlimit_mode(struct iommu_option *cmd,
			       struct iommufd_ctx *ictx)
{
	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (!capable(CAP_SYS_RESOURCE))
			return -EPERM;
		if (ictx->nobjs)
			return -EBUSY;
		if (cmd->val64 == 0)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
		else if (cmd->val64 == 1)
			ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
		else
			return -EINVAL;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int iommufd_ioas_option_huge_pages(struct iommu_option *cmd,
					  struct iommufd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		if (cmd->val64 == 0)
			return iopt_disable_large_pages(&ioas->iopt);
		if (cmd->val64 == 1) {
			iopt_enable_large_pages(&ioas->iopt);
			return 0;
		}
		return -EINVAL;
	}
	return -EOPNOTSUPP;
}

int iommufd_ioas_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
	if (!ioas)
		return -ENOENT;
	return iommufd_ioas_option_huge_pages(cmd, ioas);
}
