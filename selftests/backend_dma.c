// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd's map_dma and unmap_dma against the kernel:
 * readonly and writeable maps seen through the mock access path, EFAULT
 * for a PCI BAR, unmapped and PROT_NONE memory, the kernel's ENOENT for
 * unmaps of nothing and of half an area in both unmap modes, and an IOAS
 * in use by a mock domain.
 */
#include "backend_utils.h"

/* Without <linux/iommufd.h> (6.1 headers) the program is one skip. */
#ifdef IOMMUFD_HAVE_UAPI

/* Inside the mock domain's aperture (MOCK_APERTURE_START is 16 MiB). */
#define DMA_IOVA (1ULL << 24)
#define DMA_PAGES 4

FIXTURE(dma)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id;
	size_t page, length;
	void *buffer;
};

static void dma_backend_start(struct __test_metadata *_metadata, int *fd,
		      struct iommufd_backend **be, struct backend_reports *rep,
		      __u32 *ioas_id)
{
	pthread_mutex_init(&rep->lock, NULL);
	*be = iommufd_backend_new();
	ASSERT_NE(NULL, *be);
	iommufd_backend_set_report_fn(*be, backend_reports_fn, rep);
	ASSERT_EQ(0, iommufd_backend_connect(*be));
	*fd = iommufd_backend_fd(*be);
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(*be, ioas_id));
}

FIXTURE_SETUP(dma)
{
	self->page = iommufd_page_size();
	self->length = DMA_PAGES * self->page;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	dma_backend_start(_metadata, &self->fd, &self->be, &self->rep, &self->ioas_id);
}

FIXTURE_TEARDOWN(dma)
{
	/* Closing /dev/iommu destroys whatever a failed test left behind. */
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	munmap(self->buffer, self->length);
}

/* ---- readable / writeable, seen from a device through an access ---- */

TEST_F(dma, readonly_map_is_readable_not_writeable)
{
	char *seen = malloc(self->length), *wanted = malloc(self->length);
	int access_fd;

	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, wanted);
	memset(self->buffer, 0xa5, self->length);

	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->length, self->buffer, true));
	test_cmd(_test_cmd_create_access(self->fd, self->ioas_id, &access_fd,
					 0));

	/* The device reads what the CPU wrote. */
	test_cmd(_test_cmd_access_rw(self->fd, access_fd, DMA_IOVA, seen,
				     self->length, 0));
	ASSERT_EQ(0, memcmp(seen, self->buffer, self->length));

	/*
	 * A device write is refused: iommufd_access_rw() checks the area's
	 * IOMMU_WRITE permission before touching a page and fails with EPERM
	 * (check_area_prot() in drivers/iommu/iommufd/device.c).
	 */
	memset(wanted, 0x5a, self->length);
	test_err(EPERM, _test_cmd_access_rw(self->fd, access_fd, DMA_IOVA,
					    wanted, self->length,
					    MOCK_ACCESS_RW_WRITE));
	memset(wanted, 0xa5, self->length);
	ASSERT_EQ(0, memcmp(wanted, self->buffer, self->length));
	ASSERT_EQ(0, self->rep.count);

	close(access_fd);
	free(seen);
	free(wanted);
}

TEST_F(dma, writeable_map_receives_device_writes)
{
	char *data = malloc(self->page), *seen = malloc(self->page);
	int access_fd;
	size_t i;

	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, seen);
	memset(self->buffer, 0, self->length);
	for (i = 0; i < self->page; i++)
		data[i] = (char)(i * 7 + 1);

	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->length, self->buffer, false));
	test_cmd(_test_cmd_create_access(self->fd, self->ioas_id, &access_fd,
					 0));

	/* The device writes the second page; the CPU sees it there. */
	test_cmd(_test_cmd_access_rw(self->fd, access_fd,
				     DMA_IOVA + self->page, data, self->page,
				     MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(0, memcmp(data, (char *)self->buffer + self->page,
			    self->page));
	/* Only there. */
	memset(seen, 0, self->page);
	ASSERT_EQ(0, memcmp(seen, self->buffer, self->page));
	ASSERT_EQ(0, memcmp(seen, (char *)self->buffer + 2 * self->page,
			    self->page));
	/* And reads back through the device. */
	test_cmd(_test_cmd_access_rw(self->fd, access_fd,
				     DMA_IOVA + self->page, seen, self->page,
				     0));
	ASSERT_EQ(0, memcmp(data, seen, self->page));

	close(access_fd);
	free(data);
	free(seen);
}

/* ---- EFAULT: memory the kernel cannot pin ---- */

/*
 * IOMMU_IOAS_MAP pins pages only when something needs them: with no domain
 * and no access attached the map is accepted and pinning waits. A mock
 * domain makes the map pin at once, as a real device's domain would.
 */
#define dma_attach_mock_domain(_stdev)                                       \
	backend_mock_domain(self->fd, self->ioas_id, _stdev, 0)

#define ASSERT_EFAULT_WARNING(_vaddr)                                        \
	do {                                                                 \
		ASSERT_EQ(-EFAULT, iommufd_backend_map_dma(                  \
				self->be, self->ioas_id, DMA_IOVA,           \
				self->page, _vaddr, false));                 \
		ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_WARNING,        \
				  "map_dma", EFAULT, "PCI BAR");             \
		ASSERT_NE(NULL, strstr(self->rep.msg, "VM_PFNMAP"));         \
		ASSERT_NE(NULL, strstr(self->rep.msg, "iova=0x1000000"));    \
	} while (0)

TEST_F(dma, pci_bar_is_efault_with_warning)
{
	char why[400];
	__u32 stdev_id;
	void *bar;

	dma_attach_mock_domain(&stdev_id);
	bar = backend_map_pci_bar(self->page, why, sizeof(why));
	if (!bar)
		SKIP(return, "no PCI memory BAR to mmap: %.400s", why);
	ASSERT_EFAULT_WARNING(bar);
	munmap(bar, self->page);
}

TEST_F(dma, unmapped_memory_is_efault)
{
	__u32 stdev_id;
	void *hole = iommufd_test_buffer(self->page);

	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, munmap(hole, self->page));
	dma_attach_mock_domain(&stdev_id);
	ASSERT_EFAULT_WARNING(hole);
}

TEST_F(dma, prot_none_memory_is_efault)
{
	__u32 stdev_id;
	void *p = mmap(NULL, self->page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	dma_attach_mock_domain(&stdev_id);
	ASSERT_EFAULT_WARNING(p);
	munmap(p, self->page);
}

TEST_F(dma, without_domain_pinning_waits)
{
	void *hole = iommufd_test_buffer(self->page);

	ASSERT_NE(NULL, hole);
	ASSERT_EQ(0, munmap(hole, self->page));
	/*
	 * Nothing to pin for yet, so nothing fails: the same hole that is
	 * EFAULT with a domain maps fine here ...
	 */
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->page, hole, false));
	ASSERT_EQ(0, self->rep.count);
	/* ... and the failure moves to whoever needs the pages. */
	backend_mock_domain(self->fd, self->ioas_id, NULL, EFAULT);
}

TEST_F(dma, other_map_failures_are_errors)
{
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->length, self->buffer, false));
	/* The same IOVA again overlaps. */
	ASSERT_EQ(-EEXIST, iommufd_backend_map_dma(self->be, self->ioas_id,
						   DMA_IOVA, self->length,
						   self->buffer, false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "map_dma", EEXIST,
			  "IOMMU_IOAS_MAP failed");
	ASSERT_NE(NULL, strstr(self->rep.msg, "ioas="));
	/* An unknown IOAS. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_map_dma(self->be, UINT32_MAX - 1,
						   DMA_IOVA, self->length,
						   self->buffer, false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "map_dma", ENOENT,
			  "ioas=4294967294");
}

/*
 * Ranges the kernel refuses, each with its own errno, passed through and
 * reported with the range (bad-input table, tools/lib/README.md).
 */
TEST_F(dma, bad_ranges_are_refused_with_the_kernels_errno)
{
	/* Zero length: no pages to pin (pages.c:1377 in 7.3, the same in 6.12). */
	ASSERT_EQ(-EINVAL, iommufd_backend_map_dma(self->be, self->ioas_id,
						   DMA_IOVA, 0, self->buffer,
						   false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "map_dma", EINVAL,
			  "size=0x0");
	/* A length no unsigned long holds (ioas.c: iommufd_ioas_map()). */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOVERFLOW, iommufd_backend_map_dma(self->be, self->ioas_id,
						      DMA_IOVA, UINT64_MAX,
						      self->buffer, false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "map_dma",
			  EOVERFLOW, "size=0xffffffffffffffff");
	/* A range that wraps past the top of the IOVA space. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOVERFLOW, iommufd_backend_map_dma(self->be, self->ioas_id,
		UINT64_MAX & ~(uint64_t)(self->page - 1), 2 * self->page,
		self->buffer, false));
	ASSERT_EQ(1, self->rep.count);
	/* Nothing of it was mapped. */
	ASSERT_EQ(0, iommufd_backend_unmap_dma(self->be, self->ioas_id, 0,
					       UINT64_MAX));
}

/*
 * An IOVA off the IOAS's alignment: an IOAS starts byte-aligned
 * (iopt_init_table(): iova_alignment = 1, io_pagetable.c:864 in 6.12), so without a domain the kernel
 * takes it; a domain raises the alignment to its smallest page, and then
 * the map is EINVAL (io_pagetable.c iopt_check_iova()).
 */
TEST_F(dma, unaligned_iova_is_einval_once_a_domain_is_attached)
{
	__u32 stdev_id = 0;

	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     DMA_IOVA + 1, self->page,
					     self->buffer, false));
	ASSERT_EQ(0, iommufd_backend_unmap_dma(self->be, self->ioas_id, 0,
					       UINT64_MAX));
	dma_attach_mock_domain(&stdev_id);
	ASSERT_EQ(-EINVAL, iommufd_backend_map_dma(self->be, self->ioas_id,
						   DMA_IOVA + 1, self->page,
						   self->buffer, false));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "map_dma", EINVAL,
			  "iova=0x1000001");
	test_cmd_destroy(stdev_id);
}

/* ---- objects in use ---- */

TEST_F(dma, free_ioas_with_mock_domain_is_ebusy)
{
	__u32 stdev_id = 0;

	dma_attach_mock_domain(&stdev_id);
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, self->ioas_id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "free_id", EBUSY,
			  "in use");
	/* Reported, not dropped: the IOAS is still there and usable. */
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->length, self->buffer, false));
	/* Detach the mock device, then the IOAS goes. */
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, stdev_id));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, self->ioas_id));
	ASSERT_EQ(1, self->rep.count);
}

/* ---- unmap and the kernel's ENOENT, in both modes ---- */

FIXTURE(unmap)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id;
	size_t page;
	void *buffer;
};

FIXTURE_VARIANT(unmap)
{
	bool strict;
};
FIXTURE_VARIANT_ADD(unmap, default_mode) { .strict = false };
FIXTURE_VARIANT_ADD(unmap, strict_mode) { .strict = true };

FIXTURE_SETUP(unmap)
{
	self->page = iommufd_page_size();
	self->buffer = iommufd_test_buffer(DMA_PAGES * self->page);
	ASSERT_NE(NULL, self->buffer);
	dma_backend_start(_metadata, &self->fd, &self->be, &self->rep, &self->ioas_id);
	ASSERT_EQ(0, iommufd_backend_set_strict_unmap(self->be,
						      variant->strict));
}

FIXTURE_TEARDOWN(unmap)
{
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	munmap(self->buffer, DMA_PAGES * self->page);
}

/* The library's answer to the kernel's ENOENT, per mode. */
#define ASSERT_UNMAP_ENOENT(_ioas, _iova, _len)                              \
	do {                                                                 \
		backend_reports_reset(&self->rep);                           \
		if (variant->strict) {                                       \
			ASSERT_EQ(-ENOENT, iommufd_backend_unmap_dma(        \
					self->be, _ioas, _iova, _len));      \
			ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,  \
					  "unmap_dma", ENOENT,               \
					  "cuts a mapping in two");          \
		} else {                                                     \
			ASSERT_EQ(0, iommufd_backend_unmap_dma(              \
					self->be, _ioas, _iova, _len));      \
			ASSERT_EQ(0, self->rep.count);                       \
		}                                                            \
	} while (0)

TEST_F(unmap, nothing_mapped)
{
	/* The kernel: ENOENT, as for any object that is not there. */
	test_err(ENOENT, _test_ioctl_ioas_unmap(self->fd, self->ioas_id,
						DMA_IOVA, self->page, NULL));
	ASSERT_UNMAP_ENOENT(self->ioas_id, DMA_IOVA, self->page);
}

TEST_F(unmap, nothing_mapped_is_traced)
{
	static char out[16384];
	char name[96], line[160];

	if (backend_is_trace_child()) {
		iommufd_backend_unmap_dma(self->be, self->ioas_id, DMA_IOVA,
					  self->page);
		return;
	}
	snprintf(name, sizeof(name), "unmap.%s.nothing_mapped_is_traced",
		 variant->strict ? "strict_mode" : "default_mode");
	/* The child's own reports go to its stderr too; both are read. */
	ASSERT_EQ(0, backend_run_traced(name, "1", out, sizeof(out)));
	snprintf(line, sizeof(line),
		 "libiommufd:unmap_dma_nonexistent fd=%d ioas=%u iova=0x%llx size=0x%zx strict=%d",
		 self->fd, self->ioas_id, DMA_IOVA, self->page,
		 variant->strict);
	ASSERT_EQ(1, backend_count_lines(out, line, NULL))
		TH_LOG("no \"%s\" in:\n%s", line, out);
	ASSERT_EQ(0, backend_count_lines(out, "libiommufd:unmap_dma ", NULL))
		TH_LOG("trace:\n%s", out);
}

TEST_F(unmap, cut_in_two_leaves_the_mapping)
{
	__u64 unmapped = 0;

	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     2 * self->page, self->buffer,
					     false));
	/* Half of an area: the kernel will not split it. */
	test_err(ENOENT, _test_ioctl_ioas_unmap(self->fd, self->ioas_id,
						DMA_IOVA, self->page, NULL));
	ASSERT_UNMAP_ENOENT(self->ioas_id, DMA_IOVA, self->page);
	ASSERT_UNMAP_ENOENT(self->ioas_id, DMA_IOVA + self->page, self->page);
	/* Both pages are still mapped, as one area. */
	test_cmd(_test_ioctl_ioas_unmap(self->fd, self->ioas_id, DMA_IOVA,
					2 * self->page, &unmapped));
	ASSERT_EQ(2 * self->page, unmapped);
}

/*
 * A range covering one whole area and cutting the next: the kernel removes
 * the whole area first, then meets the cut and answers ENOENT. The caller
 * hears "nothing happened" although the first area is gone.
 */
TEST_F(unmap, whole_area_then_cut_removes_the_first)
{
	char *buf = self->buffer;
	__u64 unmapped = 0;

	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, DMA_IOVA,
					     self->page, buf, false));
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     DMA_IOVA + self->page,
					     2 * self->page, buf + self->page,
					     false));
	ASSERT_UNMAP_ENOENT(self->ioas_id, DMA_IOVA, 2 * self->page);
	/* The first area went ... */
	test_err(ENOENT, _test_ioctl_ioas_unmap(self->fd, self->ioas_id,
						DMA_IOVA, self->page, NULL));
	/* ... the cut one stayed whole. */
	test_cmd(_test_ioctl_ioas_unmap(self->fd, self->ioas_id,
					DMA_IOVA + self->page, 2 * self->page,
					&unmapped));
	ASSERT_EQ(2 * self->page, unmapped);
}

TEST_F(unmap, unknown_ioas_is_enoent_too)
{
	/* No IOAS with that id: the same errno, so the same treatment. */
	test_err(ENOENT, _test_ioctl_ioas_unmap(self->fd, UINT32_MAX - 1,
						DMA_IOVA, self->page, NULL));
	ASSERT_UNMAP_ENOENT(UINT32_MAX - 1, DMA_IOVA, self->page);
}

TEST_F(unmap, everything_on_empty_ioas_succeeds)
{
	/* (0, UINT64_MAX) is "unmap all", which is no error when empty. */
	test_cmd(_test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
					NULL));
	ASSERT_EQ(0, iommufd_backend_unmap_dma(self->be, self->ioas_id, 0,
					       UINT64_MAX));
	ASSERT_EQ(0, self->rep.count);
}

TEST_F(unmap, other_failures_are_reported_in_both_modes)
{
	/* An empty range is EINVAL, which no mode hides. */
	ASSERT_EQ(-EINVAL, iommufd_backend_unmap_dma(self->be, self->ioas_id,
						     DMA_IOVA, 0));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "unmap_dma", EINVAL,
			  "IOMMU_IOAS_UNMAP failed");
	ASSERT_NE(NULL, strstr(self->rep.msg, "iova=0x1000000 size=0x0"));
	/* So is a range that wraps around. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOVERFLOW, iommufd_backend_unmap_dma(self->be, self->ioas_id,
							UINT64_MAX - 1,
							self->page));
	ASSERT_EQ(1, self->rep.count);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
