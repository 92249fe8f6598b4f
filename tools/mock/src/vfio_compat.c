// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/vfio_compat.c, checked against Linux 6.12:
 * IOMMU_VFIO_IOAS (the compat IOAS) and the VFIO type1 container ioctls
 * answered on /dev/iommu (GET_API_VERSION, CHECK_EXTENSION, SET_IOMMU,
 * IOMMU_GET_INFO with its capabilities, MAP_DMA, UNMAP_DMA). No-iommu mode
 * is not built (as with CONFIG_VFIO_NOIOMMU=n).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "iommufd_private.h"

/* get_compat_ioas(): ENODEV until IOMMU_VFIO_IOAS set one. */
static struct iommufd_ioas *get_compat_ioas(struct iommufd_ctx *ictx, int *rc)
{
	if (!ictx->vfio_ioas)
		*rc = -ENODEV;
	return ictx->vfio_ioas;
}

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		if (!ucmd->ictx->vfio_ioas)
			return -ENODEV;
		cmd->ioas_id = ucmd->ictx->vfio_ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (!ioas)
			return -ENOENT;
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* iommufd_vfio_map_dma(): a fixed-IOVA map into the compat IOAS. */
static int iommufd_vfio_map_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	const uint32_t supported_flags = VFIO_DMA_MAP_FLAG_READ |
					 VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	struct iommufd_ioas *ioas;
	int iommu_prot = 0, rc;
	uint64_t iova;

	if (umem_copy_from(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || (map.flags & ~supported_flags))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		iommu_prot |= IOMMU_IOAS_MAP_READABLE;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		iommu_prot |= IOMMU_IOAS_MAP_WRITEABLE;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	iova = map.iova;
	return iopt_map_user_pages(ictx, &ioas->iopt, &iova, map.vaddr,
				   map.size, iommu_prot, 0);
}

/* iommufd_vfio_unmap_dma(): reports what it removed even when it fails. */
static int iommufd_vfio_unmap_dma(struct iommufd_ctx *ictx, uint64_t arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	struct iommufd_ioas *ioas;
	uint64_t unmapped = 0;
	int rc;

	if (umem_copy_from(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || (unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return -EINVAL;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova != 0 || unmap.size != 0)
			return -EINVAL;
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (ioas->iopt.disable_large_pages) {
			/*
			 * Cut at the last byte of the range and before its
			 * first (no cut is needed before IOVA 0).
			 */
			uint64_t iovas[] = { unmap.iova + unmap.size - 1,
					     unmap.iova - 1 };

			rc = iopt_cut_iova(&ioas->iopt, iovas,
					   unmap.iova ? 2 : 1);
			if (rc)
				return rc;
		}
		rc = iopt_unmap_iova(&ioas->iopt, unmap.iova, unmap.size,
				     &unmapped);
	}
	unmap.size = unmapped;
	if (umem_copy_to(arg, &unmap, minsz))
		rc = -EFAULT;
	return rc;
}

/*
 * iommufd_vfio_cc_iommu(): a mock device cannot enforce cache coherency,
 * so any HWPT on the compat IOAS says no.
 */
static int iommufd_vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;
	int rc;

	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	return ioas->nhwpt ? 0 : 1;
}

static long iommufd_vfio_check_extension(struct iommufd_ctx *ictx,
					 unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_DMA_CC_IOMMU:
		return iommufd_vfio_cc_iommu(ictx);
	default:
		/* NOIOMMU (not built), TYPE1_NESTING, UPDATE_VADDR, unknown */
		return 0;
	}
}

static int iommufd_vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommufd_ioas *ioas;
	int rc;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	/* Type1 v1 unmaps inside mappings: no large IOPTEs that can't split. */
	if (type == VFIO_TYPE1_IOMMU)
		return iopt_disable_large_pages(&ioas->iopt);
	return 0;
}

/* iommufd_get_pagesizes() */
static uint64_t iommufd_get_pagesizes(struct iommufd_ioas *ioas)
{
	uint64_t ps = umem_page_size(), pgsize_bitmap = UINT64_MAX;
	struct io_pagetable *iopt = &ioas->iopt;

	for (size_t i = 0; i < iopt->ndomains; i++)
		pgsize_bitmap &= iopt->domains[i]->pgsize_bitmap;
	if (pgsize_bitmap & (ps - 1)) {
		pgsize_bitmap &= ~(ps - 1);
		pgsize_bitmap |= ps;
	}
	return pgsize_bitmap > iopt->iova_alignment ? pgsize_bitmap :
						      iopt->iova_alignment;
}

struct fill_cap_iova_arg {
	uint64_t cur, avail;
	struct vfio_iommu_type1_info_cap_iova_range *cap;
};

static int fill_cap_iova_range(void *argp, uint64_t start, uint64_t last)
{
	struct fill_cap_iova_arg *arg = argp;
	struct vfio_iova_range range = { .start = start, .end = last };
	size_t range_off = offsetof(typeof(*arg->cap), iova_ranges);
	uint32_t nr = arg->cap->nr_iovas;

	if (arg->avail >= sizeof(*arg->cap) + (nr + 1) * sizeof(range) &&
	    umem_copy_to(arg->cur + range_off + nr * sizeof(range), &range,
			 sizeof(range)))
		return -EFAULT;
	arg->cap->nr_iovas++;
	return 0;
}

/* iommufd_fill_cap_iova(): the holes between reserved ranges. */
static int iommufd_fill_cap_iova(struct iommufd_ioas *ioas, uint64_t cur,
				 uint64_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	struct fill_cap_iova_arg arg = { .cur = cur, .avail = avail, .cap = &cap };
	int rc;

	rc = iopt_for_each_reserved_hole(&ioas->iopt, fill_cap_iova_range, &arg);
	if (rc)
		return rc;
	if (avail >= sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range) &&
	    umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap) + cap.nr_iovas * sizeof(struct vfio_iova_range);
}

/* iommufd_fill_cap_dma_avail(): U32_MAX, as s390 QEMU needs. */
static int iommufd_fill_cap_dma_avail(struct iommufd_ioas *ioas, uint64_t cur,
				      uint64_t avail)
{
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap) && umem_copy_to(cur, &cap, sizeof(cap)))
		return -EFAULT;
	return sizeof(cap);
}

static int iommufd_vfio_iommu_get_info(struct iommufd_ctx *ictx, uint64_t arg)
{
	int (*const fill_fns[])(struct iommufd_ioas *, uint64_t, uint64_t) = {
		iommufd_fill_cap_dma_avail, iommufd_fill_cap_iova,
	};
	struct vfio_iommu_type1_info info = {};
	size_t minsz = offsetofend(typeof(info), iova_pgsizes);
	uint64_t total_cap_size = sizeof(info), last_cap = 0;
	bool have_last = false;
	struct iommufd_ioas *ioas;
	int rc;

	if (umem_copy_from(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = info.argsz < sizeof(info) ? info.argsz : sizeof(info);
	ioas = get_compat_ioas(ictx, &rc);
	if (!ioas)
		return rc;
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = iommufd_get_pagesizes(ioas);
	info.cap_offset = 0;
	for (size_t i = 0; i < sizeof(fill_fns) / sizeof(fill_fns[0]); i++) {
		int cap_size = info.argsz > total_cap_size ?
				       fill_fns[i](ioas, arg + total_cap_size,
						   info.argsz - total_cap_size) :
				       fill_fns[i](ioas, 0, 0);

		if (cap_size < 0)
			return cap_size;
		cap_size = (cap_size + 7) & ~7;
		if (have_last && info.argsz >= total_cap_size) {
			uint32_t next = (uint32_t)total_cap_size;

			if (umem_copy_to(last_cap +
						 offsetof(struct vfio_info_cap_header,
							  next),
					 &next, sizeof(next)))
				return -EFAULT;
		}
		last_cap = arg + total_cap_size;
		have_last = true;
		total_cap_size += cap_size;
	}
	if (info.argsz >= total_cap_size)
		info.cap_offset = sizeof(info);
	info.argsz = total_cap_size;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	return umem_copy_to(arg, &info, minsz);
}

/* iommufd_vfio_ioctl(): the type1 container ioctls on /dev/iommu. */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
			uint64_t arg)
{
	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return iommufd_vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommufd_vfio_iommu_get_info(ictx, arg);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_vfio_map_dma(ictx, arg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_vfio_unmap_dma(ictx, arg);
	default:
		return -ENOTTY;
	}
}
