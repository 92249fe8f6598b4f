/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU_IOAS_MAP_FILE's pages (7.x): of a file, and of the selftest's
 * dma-buf. The part of drivers/iommu/iommufd/io_pagetable.h (and of
 * selftest.c's exporter) of Linux 7.3 that 6.12 does not have, kept apart
 * so that iommufd_private.h stays short. Included by iommufd_private.h;
 * include that one.
 *
 * A FILE iopt_pages holds the file through a descriptor of the mock's own
 * (file_fd: the kernel's get_file()); (file_dev, file_inode) name its pages
 * as umem_page_id() names a page of a shared file mapping. pin_map is the
 * mock's shared mapping of the range, each page touched when pinned: the
 * kernel's pin keeps a page after the file lets go of it (truncation, hole
 * punching), and such a page then no longer backs that mapping (pagemap).
 */
#ifndef IOMMUFD_MOCK_IO_PAGETABLE_FILE_H
#define IOMMUFD_MOCK_IO_PAGETABLE_FILE_H

struct iommufd_test_dma_buf;

/* io_pagetable.c */
int iopt_map_file_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			uint64_t *iova, int fd, uint64_t start, uint64_t length,
			int iommu_prot, unsigned int flags) MOCK_HIDDEN;

/* pages.c */
struct iopt_pages *iopt_alloc_file_pages(int fd, uint64_t start_byte,
					 uint64_t start, uint64_t length,
					 bool writable, int *rc) MOCK_HIDDEN;
struct iopt_pages *iopt_alloc_dmabuf_pages(struct iommufd_test_dma_buf *dmabuf,
					   uint64_t start_byte, uint64_t start,
					   uint64_t length, bool writable,
					   int *rc) MOCK_HIDDEN;
/* The address iopt_alloc_iova() aligns to: user VA, or file offset. */
uint64_t iopt_pages_first_byte(const struct iopt_pages *pages,
			       uint64_t start_byte) MOCK_HIDDEN;
/* iopt_revoke_notify(): the exporter took the buffer away. */
void iopt_dmabuf_revoke(struct iopt_pages *pages) MOCK_HIDDEN;
/* Whether the area's domains translate it (not a revoked dma-buf). */
bool iopt_area_translated(struct iopt_area *area) MOCK_HIDDEN;
/* Whether the area maps at iova the page the user sees at uva. */
bool iopt_area_maps_uva(struct iopt_area *area, uint64_t iova,
			uint64_t uva) MOCK_HIDDEN;

/* selftest_dmabuf.c: the selftest's dma-buf exporter */
/* dma_buf_get(): the buffer behind fd, referenced; NULL and *rc if none */
struct iommufd_test_dma_buf *dma_buf_get(int fd, int *rc) MOCK_HIDDEN;
void dma_buf_put(struct iommufd_test_dma_buf *dmabuf) MOCK_HIDDEN;
uint64_t dma_buf_size(const struct iommufd_test_dma_buf *dmabuf) MOCK_HIDDEN;
/* iommufd_test_dma_buf_iommufd_map() + attach: 0 or -ENODEV (revoked) */
int iommufd_test_dma_buf_attach(struct iommufd_test_dma_buf *dmabuf,
				struct iopt_pages *pages) MOCK_HIDDEN;
void iommufd_test_dma_buf_detach(struct iommufd_test_dma_buf *dmabuf,
				 struct iopt_pages *pages) MOCK_HIDDEN;
int iommufd_test_dmabuf_get(struct iommufd_ucmd *ucmd, unsigned int open_flags,
			    uint64_t len) MOCK_HIDDEN;
int iommufd_test_dmabuf_revoke(struct iommufd_ucmd *ucmd, int fd,
			       bool revoked) MOCK_HIDDEN;
/* the same dma-buf exported by a vfio-pci BAR (vfio_pci_dmabuf.c) */
struct vfio_device;
int dma_buf_export_vfio(struct vfio_device *vdev, uint64_t offset,
			uint64_t len, uint32_t nr_ranges, bool revoked,
			bool cloexec, struct iommufd_test_dma_buf **out) MOCK_HIDDEN;
struct vfio_device *dma_buf_vfio(const struct iommufd_test_dma_buf *dmabuf,
				 uint64_t *offset) MOCK_HIDDEN;
void dma_buf_vfio_move(struct iommufd_test_dma_buf *dmabuf, bool revoked,
		       bool forget) MOCK_HIDDEN;
/* vfio_pci_dmabuf.c: the buffer's last reference went */
void vfio_pci_dma_buf_release(struct vfio_device *vdev,
			      struct iommufd_test_dma_buf *dmabuf) MOCK_HIDDEN;

#endif
