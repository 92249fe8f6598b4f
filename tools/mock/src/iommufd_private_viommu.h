/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vIOMMU family of libiommufd_mock.so (vIOMMU, vDEVICE, vEVENTQ, HW
 * queue, mmap windows; 6.13 to 6.17, personality.h) and what their files
 * offer the others: the part of drivers/iommu/iommufd/iommufd_private.h of
 * Linux 7.3 that 6.12 does not have, kept apart so that each header stays
 * short. Included at the end of iommufd_private.h; include that one.
 */
#ifndef IOMMUFD_MOCK_PRIVATE_VIOMMU_H
#define IOMMUFD_MOCK_PRIVATE_VIOMMU_H

/* ---- eventq.c (7.x) ---- */

/* A vEVENTQ; its events live in memory parent and child share (eventq.c). */
struct iommufd_veventq {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_viommu *viommu;
	uint32_t type;
	struct veventq_shared *shared;
	size_t shared_size;
};

int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
void iommufd_veventq_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
/* iommufd_viommu_report_event() (driver.c): 0, -EOPNOTSUPP without a queue */
int iommufd_viommu_report_event(struct iommufd_viommu *viommu, uint32_t type,
				const void *event_data,
				size_t data_len) MOCK_HIDDEN;

/* ---- viommu.c (7.x) ---- */

struct iommufd_viommu {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_hwpt_paging *hwpt;	/* the NEST_PARENT it holds */
	uint32_t type;
	struct iommufd_vdevice **vdevs;	/* viommu->vdevs, by virt_id */
	size_t nvdevs;
	struct iommufd_veventq **veventqs;	/* viommu->veventqs */
	size_t nveventqs;
	/* mock_viommu->hw_queue[IOMMU_TEST_HW_QUEUE_MAX] */
	struct iommufd_hw_queue *hw_queue[2];
	uint64_t mmap_offset;	/* mock_viommu->mmap_offset, 0: none */
};

struct iommufd_vdevice {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	uint64_t virt_id;
};

/*
 * driver.c (7.x): an mmap window of a driver object, kept in the context
 * (struct iommufd_mmap); its bytes live in the context's memfd at the
 * window's offset, so mmap() of /dev/iommu there shows them.
 */
struct iommufd_mmap {
	struct iommufd_object *owner;
	uint64_t offset, length;	/* vm_pgoff << PAGE_SHIFT, length */
};

int iommufd_viommu_alloc_mmap(struct iommufd_viommu *viommu, uint64_t length,
			      const void *data, size_t data_len,
			      uint64_t *offset) MOCK_HIDDEN;
void iommufd_viommu_destroy_mmap(struct iommufd_viommu *viommu,
				 uint64_t offset) MOCK_HIDDEN;
int iommufd_fops_mmap(void *private_data, size_t length, int prot, int flags,
		      uint64_t offset, struct iommufd_object **owner,
		      struct iommufd_ctx **ictx) MOCK_HIDDEN;
void iommufd_viommu_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
void iommufd_vdevice_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
/* iommufd_device_pre_destroy(): the device's vDEVICE becomes a tombstone */
void iommufd_device_pre_destroy(struct iommufd_device *idev) MOCK_HIDDEN;
/* iommufd_viommu_get_vdev_id(): 0, or -ENOENT without a vDEVICE there */
int iommufd_viommu_get_vdev_id(struct iommufd_viommu *viommu,
			       struct iommufd_device *idev,
			       uint64_t *vdev_id) MOCK_HIDDEN;
void iommufd_hw_queue_destroy(struct iommufd_object *obj) MOCK_HIDDEN;
int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd) MOCK_HIDDEN;
/* a HW queue's holds: its vIOMMU, and the queue before it (invariants.c) */
void iommufd_hw_queue_holds(const struct iommufd_object *obj,
			    iommufd_hold_fn *hold, void *arg) MOCK_HIDDEN;
int iommufd_viommu_cache_invalidate(struct iommufd_viommu *viommu,
				    struct iommu_hwpt_invalidate *cmd,
				    uint32_t *done) MOCK_HIDDEN;

#endif
