// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the mmap half of drivers/iommu/iommufd/driver.c
 * (_iommufd_alloc_mmap(), _iommufd_destroy_mmap()) and main.c's
 * iommufd_fops_mmap(), checked against Linux 7.3 (6.12 has no mmap of
 * /dev/iommu: its personality keeps mmap() acting on the memfd).
 *
 * A driver object (the selftest vIOMMU) offers a window of pages at an
 * offset of /dev/iommu that no other window uses, the lowest free one from
 * PAGE_SIZE on (the kernel's mt_mmap, MT_FLAGS_ALLOC_RANGE). The kernel
 * remaps the driver's pages there; the mock keeps the window's bytes in the
 * context's memfd at that offset, so a mmap() of the /dev/iommu fd (which
 * is that memfd, file.c) shows them. file.c maps it and counts one hold on
 * the owner and the context per VMA, as iommufd_vma_ops do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_private.h"

/* The window of ictx that holds offset, or NULL (mtree_load()). */
static struct iommufd_mmap *iommufd_mmap_load(struct iommufd_ctx *ictx,
					      uint64_t offset)
{
	for (size_t i = 0; i < ictx->nmmaps; i++) {
		struct iommufd_mmap *immap = ictx->mmaps[i];

		if (offset >= immap->offset &&
		    offset - immap->offset < immap->length)
			return immap;
	}
	return NULL;
}

/*
 * The window's bytes: zeros but for data at its start, in the context's
 * memfd (any fd of the context names the same memfd).
 */
static int iommufd_mmap_fill(struct iommufd_ctx *ictx,
			     struct iommufd_mmap *immap, const void *data,
			     size_t data_len)
{
	int fd = iommufd_file_fd(&iommufd_fops, ictx);
	uint64_t end = immap->offset + immap->length;
	struct stat st;

	if (fd < 0 || syscall(SYS_fstat, fd, &st))
		return -ENOMEM;
	if ((uint64_t)st.st_size < end &&
	    syscall(SYS_ftruncate, fd, (off_t)end))
		return -ENOMEM;
	/* a window that was used before must read as fresh pages */
	if (syscall(SYS_fallocate, fd,
		    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    (off_t)immap->offset, (off_t)immap->length))
		return -ENOMEM;
	if (syscall(SYS_pwrite64, fd, data, data_len,
		    (off_t)immap->offset) != (long)data_len)
		return -ENOMEM;
	return 0;
}

/*
 * _iommufd_alloc_mmap() for a vIOMMU: the lowest free range of length
 * bytes from PAGE_SIZE on ("skip the first page to ease caller identifying
 * the returned offset"), holding data at its start.
 */
int iommufd_viommu_alloc_mmap(struct iommufd_viommu *viommu, uint64_t length,
			      const void *data, size_t data_len,
			      uint64_t *offset)
{
	struct iommufd_ctx *ictx = viommu->ictx;
	uint64_t start = umem_page_size();
	struct iommufd_mmap *immap;
	size_t i;
	int rc;

	if (!length || length % umem_page_size())
		return -EINVAL;
	/* ctx->mmaps is sorted by offset: first fit */
	for (i = 0; i < ictx->nmmaps; i++) {
		if (ictx->mmaps[i]->offset - start >= length)
			break;
		start = ictx->mmaps[i]->offset + ictx->mmaps[i]->length;
	}
	immap = mock_calloc(1, sizeof(*immap));
	if (!immap)
		return -ENOMEM;
	immap->owner = &viommu->obj;
	immap->offset = start;
	immap->length = length;
	rc = ptr_array_add(&ictx->mmaps, &ictx->nmmaps, immap);
	if (rc) {
		mock_free(immap);
		return rc;
	}
	/* keep the order: move it from the end to slot i */
	memmove(&ictx->mmaps[i + 1], &ictx->mmaps[i],
		(ictx->nmmaps - 1 - i) * sizeof(*ictx->mmaps));
	ictx->mmaps[i] = immap;
	rc = iommufd_mmap_fill(ictx, immap, data, data_len);
	if (rc) {
		iommufd_viommu_destroy_mmap(viommu, start);
		return rc;
	}
	*offset = start;
	return 0;
}

/* _iommufd_destroy_mmap(): the range is free again (VMAs hold the owner). */
void iommufd_viommu_destroy_mmap(struct iommufd_viommu *viommu,
				 uint64_t offset)
{
	struct iommufd_ctx *ictx = viommu->ictx;
	struct iommufd_mmap *immap = iommufd_mmap_load(ictx, offset);

	if (!immap || immap->offset != offset)
		return;
	ptr_array_del(&ictx->mmaps, &ictx->nmmaps, immap);
	if (!ictx->nmmaps) {
		mock_free(ictx->mmaps);
		ictx->mmaps = NULL;
	}
	mock_free(immap);
}

/*
 * iommufd_fops_mmap(), and before it what the mmap system call checks
 * (length 0, an offset that is not page aligned: EINVAL; the VMA is the
 * length rounded up to pages): a shared, non-executable mapping of exactly
 * one window, else EINVAL, EPERM or ENXIO. Before IOMMUFD_MOCK_HW_QUEUE
 * /dev/iommu had no mmap method: 1, "act on the memfd", as the mock always
 * did.
 */
int iommufd_fops_mmap(void *private_data, size_t length, int prot, int flags,
		      uint64_t offset, struct iommufd_object **owner,
		      struct iommufd_ctx **out_ictx)
{
	struct iommufd_ctx *ictx = private_data;
	uint64_t ps = umem_page_size();
	struct iommufd_mmap *immap;

	if (!iommufd_mock_has(IOMMUFD_MOCK_HW_QUEUE))
		return 1;
	if (!length || offset % ps)
		return -EINVAL;
	length = (length + ps - 1) & ~(ps - 1);
	if ((flags & MAP_TYPE) == MAP_PRIVATE)
		return -EINVAL;
	if (prot & PROT_EXEC)
		return -EPERM;
	immap = iommufd_mmap_load(ictx, offset);
	/* only the exact window: mtree_load() finds any offset inside it */
	if (!immap || immap->offset != offset || immap->length != length)
		return -ENXIO;
	*owner = immap->owner;
	*out_ictx = ictx;
	return 0;
}
