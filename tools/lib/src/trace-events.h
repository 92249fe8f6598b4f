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
