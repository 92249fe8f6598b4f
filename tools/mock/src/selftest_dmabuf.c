// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors the dma-buf exporter of drivers/iommu/iommufd/selftest.c (7.x;
 * split from selftest.c, as selftest_access.c is), checked against Linux
 * 7.3: IOMMU_TEST_OP_DMABUF_GET makes a buffer of whole pages and installs
 * its fd, IOMMU_TEST_OP_DMABUF_REVOKE sets or clears its revoked state and
 * tells every importer to let go (dma_buf_invalidate_mappings()), and the
 * little of drivers/dma-buf the importer side needs: dma_buf_get()/put()
 * and an attachment per importing iopt_pages.
 *
 * The buffer's fd is a genuine fd: a memfd named "dmabuf" (file.c), as the
 * kernel's is an anon inode of that name. Its memory is never touched by
 * anyone (the kernel's is reached only by physical address, which nothing
 * the suite sees exposes), so the mock keeps only its length.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_private.h"

/*
 * struct iommufd_test_dma_buf with its struct dma_buf's reference count;
 * also the buffer a vfio-pci BAR exports (vfio_pci_dmabuf.c), the mock's
 * one dma-buf: the kernel's are two exporters of one struct dma_buf.
 */
struct iommufd_test_dma_buf {
	unsigned int refs;	/* the file's, and one per importer */
	uint64_t length;
	bool revoked;
	struct iopt_pages **importers;	/* dmabuf->attachments */
	size_t nimporters;
	/* a BAR's: the device (NULL once it let go), where, how many ranges */
	struct vfio_device *vfio;
	uint64_t vfio_offset;
	uint32_t vfio_nr_ranges;
	bool from_vfio;
};

static void iommufd_test_dma_buf_release(void *private_data)
{
	dma_buf_put(private_data);
}

/* The dma-buf's file: no ioctl of its own (the mock answers ENOTTY). */
static const struct iommufd_file_ops iommufd_test_dmabuf_fops = {
	.name = "dmabuf",
	.release = iommufd_test_dma_buf_release,
};

/* dma_buf_get(): EBADF for no file at all, EINVAL for another file. */
struct iommufd_test_dma_buf *dma_buf_get(int fd, int *rc)
{
	struct iommufd_test_dma_buf *dmabuf;

	dmabuf = iommufd_file_private(fd, &iommufd_test_dmabuf_fops);
	if (dmabuf) {
		dmabuf->refs++;
		return dmabuf;
	}
	*rc = fd < 0 || syscall(SYS_fcntl, fd, F_GETFD) < 0 ? -EBADF : -EINVAL;
	return NULL;
}

/* dma_buf_put(): iommufd_test_dma_buf_release() with the last reference. */
void dma_buf_put(struct iommufd_test_dma_buf *dmabuf)
{
	if (--dmabuf->refs)
		return;
	if (dmabuf->vfio)	/* vfio_pci_dma_buf_release() */
		vfio_pci_dma_buf_release(dmabuf->vfio, dmabuf);
	mock_free(dmabuf->importers);
	mock_free(dmabuf);
}

uint64_t dma_buf_size(const struct iommufd_test_dma_buf *dmabuf)
{
	return dmabuf->length;
}

/*
 * iopt_map_dmabuf(): dma_buf_dynamic_attach(), then
 * iommufd_test_dma_buf_iommufd_map(), which refuses a revoked buffer.
 */
int iommufd_test_dma_buf_attach(struct iommufd_test_dma_buf *dmabuf,
				struct iopt_pages *pages)
{
	if (dmabuf->revoked)
		return -ENODEV;
	/* vfio_pci_dma_buf_iommufd_map(): one range only, for iommufd */
	if (dmabuf->from_vfio && dmabuf->vfio_nr_ranges != 1)
		return -EOPNOTSUPP;
	return ptr_array_add(&dmabuf->importers, &dmabuf->nimporters, pages);
}

/* dma_buf_detach() from iopt_release_pages(). */
void iommufd_test_dma_buf_detach(struct iommufd_test_dma_buf *dmabuf,
				 struct iopt_pages *pages)
{
	ptr_array_del(&dmabuf->importers, &dmabuf->nimporters, pages);
}

/*
 * dma_buf_export() and dma_buf_fd() for vfio-pci (vfio_pci_dmabuf.c): a
 * buffer of len bytes of vdev's BAR from offset, in nr_ranges ranges.
 * Returns the fd and the buffer (*out, without a reference of its own).
 */
int dma_buf_export_vfio(struct vfio_device *vdev, uint64_t offset,
			uint64_t len, uint32_t nr_ranges, bool revoked,
			bool cloexec, struct iommufd_test_dma_buf **out)
{
	struct iommufd_test_dma_buf *dmabuf = mock_calloc(1, sizeof(*dmabuf));
	int fd;

	if (!dmabuf)
		return -ENOMEM;
	dmabuf->refs = 1;
	dmabuf->length = len;
	dmabuf->revoked = revoked;
	dmabuf->vfio = vdev;
	dmabuf->vfio_offset = offset;
	dmabuf->vfio_nr_ranges = nr_ranges;
	dmabuf->from_vfio = true;
	fd = iommufd_file_install(&iommufd_test_dmabuf_fops, dmabuf, cloexec);
	if (fd < 0) {
		mock_free(dmabuf);
		return fd;
	}
	*out = dmabuf;
	return fd;
}

/* The BAR behind a vfio-pci dma-buf (*offset: of byte 0), or NULL. */
struct vfio_device *dma_buf_vfio(const struct iommufd_test_dma_buf *dmabuf,
				 uint64_t *offset)
{
	*offset = dmabuf->vfio_offset;
	return dmabuf->revoked ? NULL : dmabuf->vfio;
}

/*
 * vfio_pci_dma_buf_move(): revoked, every importer lets go for good (as
 * iommufd_test_dmabuf_revoke()); restored, new importers may attach.
 * vfio_pci_dma_buf_cleanup() also forgets the device.
 */
void dma_buf_vfio_move(struct iommufd_test_dma_buf *dmabuf, bool revoked,
		       bool forget)
{
	if (dmabuf->revoked != revoked || forget) {
		dmabuf->revoked = revoked;
		for (size_t i = 0; revoked && i < dmabuf->nimporters; i++)
			iopt_dmabuf_revoke(dmabuf->importers[i]);
	}
	if (forget)
		dmabuf->vfio = NULL;
}

/*
 * iommufd_test_dmabuf_get(): 1 to 512 whole pages. The kernel installs the
 * fd and answers the ioctl with 0 (selftest.c:2066 returns 0 after
 * dma_buf_fd()), so the program finds its fd as the lowest free number.
 */
int iommufd_test_dmabuf_get(struct iommufd_ucmd *ucmd, unsigned int open_flags,
			    uint64_t len)
{
	uint64_t ps = umem_page_size();
	struct iommufd_test_dma_buf *dmabuf;
	int fd;

	(void)ucmd;
	len = (len + ps - 1) & ~(ps - 1);
	if (len == 0 || len > ps * 512)
		return -EINVAL;
	dmabuf = mock_calloc(1, sizeof(*dmabuf));
	if (!dmabuf)
		return -ENOMEM;
	dmabuf->refs = 1;
	dmabuf->length = len;
	fd = iommufd_file_install(&iommufd_test_dmabuf_fops, dmabuf,
				  open_flags & O_CLOEXEC);
	if (fd < 0) {
		mock_free(dmabuf);
		return fd;
	}
	return 0;
}

/*
 * iommufd_test_dmabuf_revoke(): whichever state is set, every importer is
 * invalidated (dma_buf_invalidate_mappings()), and an importer once
 * invalidated stays revoked (iopt_revoke_notify()): restoring the buffer
 * serves only new mappings.
 */
int iommufd_test_dmabuf_revoke(struct iommufd_ucmd *ucmd, int fd, bool revoked)
{
	struct iommufd_test_dma_buf *dmabuf;
	int rc;

	(void)ucmd;
	dmabuf = dma_buf_get(fd, &rc);
	if (!dmabuf)
		return rc;
	dmabuf->revoked = revoked;
	for (size_t i = 0; i < dmabuf->nimporters; i++)
		iopt_dmabuf_revoke(dmabuf->importers[i]);
	dma_buf_put(dmabuf);
	return 0;
}
