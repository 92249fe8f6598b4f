/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one list of libiommufd's trace points, in the spirit of QEMU's
 * trace-events file. trace.h expands each entry into an inline
 * trace_<name>() that fires a USDT probe libiommufd:<name> (where
 * <sys/sdt.h> exists) and, when IOMMUFD_TRACE is set, prints
 * "libiommufd:<name> key=value ..." to stderr.
 *
 * IOMMUFD_TRACE_EVENT(name, (prototype), (arguments), "format")
 *
 * Arguments are integers only (pointers as uint64_t) so that every USDT
 * argument has a fixed size a bpftrace script can read as argN. A USDT probe
 * takes at most 12 arguments. ret is 0 or a negative errno.
 */
IOMMUFD_TRACE_EVENT(set_fd,
	(int fd, int ret),
	(fd, ret),
	"fd=%d ret=%d")
IOMMUFD_TRACE_EVENT(connect,
	(int fd, int owned, uint32_t users, int opened, int ret),
	(fd, owned, users, opened, ret),
	"fd=%d owned=%d users=%u opened=%d ret=%d")
IOMMUFD_TRACE_EVENT(disconnect,
	(int fd, int owned, uint32_t users, int closed),
	(fd, owned, users, closed),
	"fd=%d owned=%d users=%u closed=%d")
IOMMUFD_TRACE_EVENT(alloc_ioas,
	(int fd, uint32_t ioas, int ret),
	(fd, ioas, ret),
	"fd=%d ioas=%u ret=%d")
IOMMUFD_TRACE_EVENT(free_id,
	(int fd, uint32_t id, int ret),
	(fd, id, ret),
	"fd=%d id=%u ret=%d")
IOMMUFD_TRACE_EVENT(map_dma,
	(int fd, uint32_t ioas, uint64_t iova, uint64_t size, uint64_t vaddr, int readonly, int ret),
	(fd, ioas, iova, size, vaddr, readonly, ret),
	"fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " vaddr=0x%" PRIx64 " readonly=%d ret=%d")
IOMMUFD_TRACE_EVENT(unmap_dma,
	(int fd, uint32_t ioas, uint64_t iova, uint64_t size, uint64_t unmapped, int ret),
	(fd, ioas, iova, size, unmapped, ret),
	"fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " unmapped=0x%" PRIx64 " ret=%d")
/* The kernel's ENOENT that the default mode turns into success. */
IOMMUFD_TRACE_EVENT(unmap_dma_nonexistent,
	(int fd, uint32_t ioas, uint64_t iova, uint64_t size, int strict),
	(fd, ioas, iova, size, strict),
	"fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " strict=%d")
/* LIBIOMMUFD_0.2 */
IOMMUFD_TRACE_EVENT(alloc_hwpt,
	(int fd, uint32_t dev_id, uint32_t pt_id, uint32_t flags, uint32_t data_type, uint32_t data_len, uint32_t fault_id, uint32_t hwpt_id, int ret),
	(fd, dev_id, pt_id, flags, data_type, data_len, fault_id, hwpt_id, ret),
	"fd=%d dev=%u pt=%u flags=0x%x data_type=%u data_len=%u fault=%u hwpt=%u ret=%d")
IOMMUFD_TRACE_EVENT(get_device_info,
	(int fd, uint32_t dev_id, uint32_t in_type, uint32_t type, uint32_t data_len, uint64_t caps, uint32_t max_pasid_log2, int ret),
	(fd, dev_id, in_type, type, data_len, caps, max_pasid_log2, ret),
	"fd=%d dev=%u in_type=%u type=%u data_len=%u caps=0x%" PRIx64 " max_pasid_log2=%u ret=%d")
IOMMUFD_TRACE_EVENT(set_dirty_tracking,
	(int fd, uint32_t hwpt_id, int enable, int ret),
	(fd, hwpt_id, enable, ret),
	"fd=%d hwpt=%u enable=%d ret=%d")
IOMMUFD_TRACE_EVENT(get_dirty_bitmap,
	(int fd, uint32_t hwpt_id, uint64_t iova, uint64_t size, uint64_t page_size, uint32_t flags, uint64_t bitmap, int ret),
	(fd, hwpt_id, iova, size, page_size, flags, bitmap, ret),
	"fd=%d hwpt=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " page_size=0x%" PRIx64 " flags=0x%x bitmap=0x%" PRIx64 " ret=%d")
IOMMUFD_TRACE_EVENT(invalidate_cache,
	(int fd, uint32_t id, uint32_t data_type, uint32_t entry_len, uint32_t entries, uint32_t done, int ret),
	(fd, id, data_type, entry_len, entries, done, ret),
	"fd=%d id=%u data_type=%u entry_len=%u entries=%u done=%u ret=%d")
IOMMUFD_TRACE_EVENT(bind_device,
	(int fd, int device_fd, uint32_t dev_id, int ret),
	(fd, device_fd, dev_id, ret),
	"fd=%d device_fd=%d dev=%u ret=%d")
IOMMUFD_TRACE_EVENT(attach_device,
	(int fd, int device_fd, uint32_t pt_id, uint32_t hwpt_id, int ret),
	(fd, device_fd, pt_id, hwpt_id, ret),
	"fd=%d device_fd=%d pt=%u hwpt=%u ret=%d")
IOMMUFD_TRACE_EVENT(detach_device,
	(int fd, int device_fd, int ret),
	(fd, device_fd, ret),
	"fd=%d device_fd=%d ret=%d")
IOMMUFD_TRACE_EVENT(attach_device_pasid,
	(int fd, int device_fd, uint32_t pasid, uint32_t pt_id, uint32_t hwpt_id, int ret),
	(fd, device_fd, pasid, pt_id, hwpt_id, ret),
	"fd=%d device_fd=%d pasid=%u pt=%u hwpt=%u ret=%d")
IOMMUFD_TRACE_EVENT(detach_device_pasid,
	(int fd, int device_fd, uint32_t pasid, int ret),
	(fd, device_fd, pasid, ret),
	"fd=%d device_fd=%d pasid=%u ret=%d")
/* LIBIOMMUFD_0.2, 7.x ioctls */
IOMMUFD_TRACE_EVENT(alloc_viommu,
	(int fd, uint32_t dev_id, uint32_t type, uint32_t hwpt_id, uint32_t data_len, uint32_t viommu_id, int ret),
	(fd, dev_id, type, hwpt_id, data_len, viommu_id, ret),
	"fd=%d dev=%u type=%u hwpt=%u data_len=%u viommu=%u ret=%d")
IOMMUFD_TRACE_EVENT(alloc_vdev,
	(int fd, uint32_t dev_id, uint32_t viommu_id, uint64_t virt_id, uint32_t vdev_id, int ret),
	(fd, dev_id, viommu_id, virt_id, vdev_id, ret),
	"fd=%d dev=%u viommu=%u virt_id=0x%" PRIx64 " vdev=%u ret=%d")
IOMMUFD_TRACE_EVENT(alloc_veventq,
	(int fd, uint32_t viommu_id, uint32_t type, uint32_t depth, uint32_t veventq_id, int veventq_fd, int ret),
	(fd, viommu_id, type, depth, veventq_id, veventq_fd, ret),
	"fd=%d viommu=%u type=%u depth=%u veventq=%u veventq_fd=%d ret=%d")
IOMMUFD_TRACE_EVENT(alloc_hw_queue,
	(int fd, uint32_t viommu_id, uint32_t type, uint32_t index, uint64_t iova, uint64_t length, uint32_t hw_queue_id, int ret),
	(fd, viommu_id, type, index, iova, length, hw_queue_id, ret),
	"fd=%d viommu=%u type=%u index=%u iova=0x%" PRIx64 " length=0x%" PRIx64 " hw_queue=%u ret=%d")
IOMMUFD_TRACE_EVENT(map_file_dma,
	(int fd, uint32_t ioas, uint64_t iova, uint64_t size, int mfd, uint64_t start, int readonly, int ret),
	(fd, ioas, iova, size, mfd, start, readonly, ret),
	"fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " mfd=%d start=0x%" PRIx64 " readonly=%d ret=%d")
IOMMUFD_TRACE_EVENT(change_process,
	(int fd, int ret),
	(fd, ret),
	"fd=%d ret=%d")
/* LIBIOMMUFD_0.3 */
IOMMUFD_TRACE_EVENT(map_device_bar,
	(int fd, uint32_t ioas, uint64_t iova, uint64_t size, int device_fd, uint32_t region, uint64_t offset, int readonly, int ret),
	(fd, ioas, iova, size, device_fd, region, offset, readonly, ret),
	"fd=%d ioas=%u iova=0x%" PRIx64 " size=0x%" PRIx64 " device_fd=%d region=%u offset=0x%" PRIx64 " readonly=%d ret=%d")
IOMMUFD_TRACE_EVENT(viommu_mmap,
	(int fd, uint32_t viommu_id, uint64_t offset, uint64_t length, uint64_t addr, int ret),
	(fd, viommu_id, offset, length, addr, ret),
	"fd=%d viommu=%u offset=0x%" PRIx64 " length=0x%" PRIx64 " addr=0x%" PRIx64 " ret=%d")
