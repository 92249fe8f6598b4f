// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd 0.2's HWPT calls against the mock domain:
 * alloc_hwpt (paging, nest parent, dirty tracking, nested with driver data,
 * a fault queue), get_device_info, set_dirty_tracking, get_dirty_bitmap
 * (with and without clearing, at several page sizes), invalidate_cache
 * (with the kernel's partial progress), each call's reports and trace, bad
 * arguments, and an ioctl the kernel lacks (emulated by interposing
 * ioctl()) turned into -EOPNOTSUPP.
 */
#define BACKEND_FAKE_KERNEL
#include "backend_utils.h"

/* Without <linux/iommufd.h> (6.1 headers) the program is one skip. */
#ifdef IOMMUFD_HAVE_UAPI
#ifdef IOMMUFD_UAPI_HAS_NESTED

#define HWPT_IOVA MOCK_APERTURE_START
#define HWPT_LENGTH (256UL << 10)

FIXTURE(hwpt)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, stdev_id, idev_id;
	void *buffer;
};

FIXTURE_SETUP(hwpt)
{
	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	self->fd = iommufd_backend_fd(self->be);
	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &self->ioas_id));
	/* A mock device: the dev_id every HWPT is allocated for. */
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	self->buffer = iommufd_test_buffer_aligned(HWPT_LENGTH, 2UL << 20);
	ASSERT_NE(NULL, self->buffer);
}

FIXTURE_TEARDOWN(hwpt)
{
	/* Closing the fd destroys whatever a failed test left behind. */
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	if (self->buffer)
		munmap(self->buffer, HWPT_LENGTH);
}

/* ---- alloc_hwpt: paging ---- */

TEST_F(hwpt, paging_hwpt_maps_what_the_ioas_maps)
{
	__u32 hwpt, old;

	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id, 0, 0, 0, NULL,
						0, &hwpt));
	ASSERT_NE(0, hwpt);
	/* Move the mock device onto it; maps of the IOAS then reach it. */
	test_cmd(_test_cmd_mock_domain_replace(self->fd, self->stdev_id, hwpt,
					       &old));
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id, HWPT_IOVA,
					     HWPT_LENGTH, self->buffer, false));
	test_cmd_md_check_map(hwpt, HWPT_IOVA, HWPT_LENGTH, self->buffer);
	/* In use by the device: IOMMU_DESTROY says EBUSY. */
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, hwpt));
	backend_reports_reset(&self->rep);
	test_cmd(_test_cmd_mock_domain_replace(self->fd, self->stdev_id,
					       self->ioas_id, NULL));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, hwpt));
	ASSERT_EQ(0, self->rep.count);
}

TEST_F(hwpt, paging_hwpt_is_traced)
{
	static char out[16384];
	char line[160];
	__u32 hwpt;

	if (backend_is_trace_child()) {
		iommufd_backend_alloc_hwpt(self->be, self->idev_id,
					   self->ioas_id, 0, 0, 0, NULL, 0,
					   &hwpt);
		return;
	}
	ASSERT_EQ(0, backend_run_traced("hwpt.paging_hwpt_is_traced", "1", out,
					sizeof(out)));
	/* The child's ids are this process's: same fixture, fresh fd. */
	snprintf(line, sizeof(line),
		 "libiommufd:alloc_hwpt fd=%d dev=%u pt=%u flags=0x0 data_type=0 data_len=0 fault=0 hwpt=",
		 self->fd, self->idev_id, self->ioas_id);
	ASSERT_EQ(1, backend_count_lines(out, line, " ret=0"))
		TH_LOG("no \"%s... ret=0\" in:\n%s", line, out);
}

TEST_F(hwpt, nest_parent_takes_nested_hwpts)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	__u32 parent, nested, nested2;

	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id,
						IOMMUFD_HWPT_ALLOC_NEST_PARENT,
						0, 0, NULL, 0, &parent));
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id, parent,
						0, IOMMU_HWPT_DATA_SELFTEST,
						sizeof(data), &data, 0,
						&nested));
	/* The mock driver took the driver data: every IOTLB entry has it. */
	test_cmd_md_check_iotlb(nested, 0, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_md_check_iotlb(nested, MOCK_NESTED_DOMAIN_IOTLB_ID_MAX,
				IOMMU_TEST_IOTLB_DEFAULT);
	ASSERT_EQ(0, self->rep.count);

	/* A parent without NEST_PARENT takes none: EINVAL from the kernel. */
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      nested, 0,
						      IOMMU_HWPT_DATA_SELFTEST,
						      sizeof(data), &data, 0,
						      &nested2));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EINVAL, "IOMMU_HWPT_ALLOC failed");
	/*
	 * (Driver data on an IOAS is refused by 6.12's mock driver but taken
	 * by 7.3's, as a page-table type: kernel behaviour, not tested here.)
	 */

	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, parent));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, nested));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, parent));
}

#ifdef IOMMU_FAULT_QUEUE_ALLOC
TEST_F(hwpt, nested_hwpt_with_a_fault_queue)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_fault_alloc fault = { .size = sizeof(fault) };
	__u32 parent, nested;

	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id,
						IOMMUFD_HWPT_ALLOC_NEST_PARENT,
						0, 0, NULL, 0, &parent));
	test_cmd(ioctl(self->fd, IOMMU_FAULT_QUEUE_ALLOC, &fault));
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id, parent,
						IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID,
						IOMMU_HWPT_DATA_SELFTEST,
						sizeof(data), &data,
						fault.out_fault_id, &nested));
	/* The HWPT holds the queue. */
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, fault.out_fault_id));
	backend_reports_reset(&self->rep);
	/* A fault id that is not a fault queue: ENOENT, reported. */
	ASSERT_EQ(-ENOENT, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      parent,
						      IOMMUFD_HWPT_ALLOC_FAULT_ID_VALID,
						      IOMMU_HWPT_DATA_SELFTEST,
						      sizeof(data), &data,
						      parent, &nested));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  ENOENT, "flags=0x4");
	close(fault.out_fault_fd);
}
#endif

/* ---- alloc_hwpt: what the library refuses before the kernel sees it ---- */

TEST_F(hwpt, alloc_rejects_bad_arguments)
{
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	__u32 hwpt;

	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      self->ioas_id, 0, 0, 0,
						      NULL, 0, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EINVAL, "out_hwpt_id is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      self->ioas_id, 1u << 31,
						      0, 0, NULL, 0, &hwpt));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EINVAL, "unknown flags");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      self->ioas_id, 0,
						      IOMMU_HWPT_DATA_SELFTEST,
						      0, &data, 0, &hwpt));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EINVAL, "both be 0 (paging) or both set (nested)");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						      self->ioas_id, 0,
						      IOMMU_HWPT_DATA_SELFTEST,
						      sizeof(data), NULL, 0,
						      &hwpt));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EINVAL, "data is NULL");
	/* Unknown device: the kernel's ENOENT, named. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_alloc_hwpt(self->be, 99999,
						      self->ioas_id, 0, 0, 0,
						      NULL, 0, &hwpt));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  ENOENT, "dev=99999");
	ASSERT_NE(NULL, strstr(self->rep.msg, "no such device"));
}

/* PASID-capable domains: a flag after 6.12, probed in the headers. */
TEST_F(hwpt, pasid_flag_needs_headers_and_kernel)
{
	__u32 hwpt;
	int ret;

	ret = iommufd_backend_alloc_hwpt(self->be, self->idev_id,
					 self->ioas_id, IOMMUFD_HWPT_ALLOC_PASID,
					 0, 0, NULL, 0, &hwpt);
	if (!ret)
		return; /* a kernel and headers with PASID domains */
	ASSERT_EQ(-EOPNOTSUPP, ret);
	ASSERT_EQ(1, self->rep.count);
	ASSERT_EQ(EOPNOTSUPP, self->rep.err);
	/* Either the build or the kernel lacks it, and the report says which. */
	ASSERT_TRUE(strstr(self->rep.msg, "IOMMU_HWPT_ALLOC_PASID (Linux 6.15)") ||
		    strstr(self->rep.msg, "PASID 6.15"))
		TH_LOG("report: %s", self->rep.msg);
}

/* ---- get_device_info ---- */

TEST_F(hwpt, device_info_of_the_mock_iommu)
{
	struct iommu_test_hw_info info;
	__u32 len = sizeof(info), type = 0;
	__u8 pasid = 0xff;
	uint64_t caps = 0;

	memset(&info, 0xa5, sizeof(info));
	ASSERT_EQ(0, iommufd_backend_get_device_info(self->be, self->idev_id,
						     IOMMUFD_HW_INFO_TYPE_DEFAULT,
						     &info, &len, &type, &caps,
						     &pasid));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	ASSERT_EQ(sizeof(info), len);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	ASSERT_EQ(0, info.flags);
	/* The mock IOMMU tracks dirty pages; 6.12's has no PASIDs. */
	ASSERT_NE(0, caps & IOMMU_HW_CAP_DIRTY_TRACKING);
	ASSERT_EQ(0, pasid);
	ASSERT_EQ(0, self->rep.count);

	/* Without a buffer the kernel still says what it has. */
	len = 0;
	ASSERT_EQ(0, iommufd_backend_get_device_info(self->be, self->idev_id,
						     IOMMUFD_HW_INFO_TYPE_DEFAULT,
						     NULL, &len, NULL, NULL,
						     NULL));
	ASSERT_EQ(sizeof(info), len);
	ASSERT_EQ(0, iommufd_backend_get_device_info(self->be, self->idev_id,
						     IOMMUFD_HW_INFO_TYPE_DEFAULT,
						     NULL, NULL, &type, NULL,
						     NULL));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
}

TEST_F(hwpt, device_info_errors)
{
	struct iommu_test_hw_info info;
	__u32 len = sizeof(info);
	int ret;

	ASSERT_EQ(-EINVAL, iommufd_backend_get_device_info(self->be,
							   self->idev_id, 0,
							   &info, NULL, NULL,
							   NULL, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_device_info",
			  EINVAL, "data without data_len");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_get_device_info(self->be, 99999, 0,
							   &info, &len, NULL,
							   NULL, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_device_info",
			  ENOENT, "no such device");
	/* An explicit input type: 7.x kernels and headers only. */
	backend_reports_reset(&self->rep);
	ret = iommufd_backend_get_device_info(self->be, self->idev_id,
					      IOMMU_HW_INFO_TYPE_SELFTEST,
					      &info, &len, NULL, NULL, NULL);
	if (!ret)
		return;
	ASSERT_EQ(-EOPNOTSUPP, ret);
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_device_info",
			  EOPNOTSUPP, "IOMMU_HW_INFO_FLAG_INPUT_TYPE");
}

/* ---- dirty tracking, at several bitmap granularities ---- */

FIXTURE(dirty)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, stdev_id, idev_id, hwpt_id;
	void *buffer;
	size_t nbits;
	__u64 page_size;
	uint64_t *marks, *bitmap;
};

FIXTURE_VARIANT(dirty)
{
	/* Bitmap page size in units of the mock's IO page (half a CPU page). */
	unsigned int io_pages;
};
FIXTURE_VARIANT_ADD(dirty, io_page) { .io_pages = 1 };
FIXTURE_VARIANT_ADD(dirty, cpu_page) { .io_pages = 2 };
FIXTURE_VARIANT_ADD(dirty, four_cpu_pages) { .io_pages = 8 };

FIXTURE_SETUP(dirty)
{
	size_t i;

	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	self->fd = iommufd_backend_fd(self->be);
	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &self->ioas_id));
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id,
						IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING,
						0, 0, NULL, 0, &self->hwpt_id));
	self->buffer = iommufd_test_buffer_aligned(HWPT_LENGTH, 2UL << 20);
	ASSERT_NE(NULL, self->buffer);
	/*
	 * One mapping per CPU page: an IOPTE never spans more than one
	 * mapping, so the domain tracks dirt per CPU page at most. 7.3's mock
	 * domain (a generic page table) would otherwise map a physically
	 * contiguous buffer with large IOPTEs and report every IO page of a
	 * large IOPTE dirty when one is; 6.12's tracks each 2 KiB IO page.
	 */
	for (i = 0; i < HWPT_LENGTH / iommufd_page_size(); i++)
		ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
			HWPT_IOVA + i * iommufd_page_size(), iommufd_page_size(),
			(char *)self->buffer + i * iommufd_page_size(), false));
	self->page_size = (__u64)MOCK_PAGE_SIZE * variant->io_pages;
	self->nbits = HWPT_LENGTH / self->page_size;
	self->marks = calloc((self->nbits + 63) / 64, 8);
	self->bitmap = calloc((HWPT_LENGTH / MOCK_PAGE_SIZE + 63) / 64, 8);
	ASSERT_NE(NULL, self->marks);
	ASSERT_NE(NULL, self->bitmap);
}

FIXTURE_TEARDOWN(dirty)
{
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	if (self->buffer)
		munmap(self->buffer, HWPT_LENGTH);
	free(self->marks);
	free(self->bitmap);
}

/*
 * Marks CPU pages 0, 3, 6, ... and the last one dirty through the mock
 * domain (IOMMU_TEST_OP_DIRTY at the IO page size, both IO pages of each:
 * 6.12's op indexes the domain by iova / page_size, so it is only right at
 * the IO page size; whole CPU pages because 7.3's IOPTEs may be that big),
 * and sets in marks the bits, at page_size, that must read back dirty.
 */
static void dirty_mark(struct __test_metadata *_metadata, int fd, __u32 hwpt,
		       uint64_t *marks, size_t nbits, __u64 page_size)
{
	size_t cpu = iommufd_page_size(), ncpu = HWPT_LENGTH / cpu, j, b;
	size_t per_cpu = cpu / MOCK_PAGE_SIZE, io_bits = ncpu * per_cpu;
	uint64_t *io = calloc((io_bits + 63) / 64, 8);

	ASSERT_NE(NULL, io);
	for (j = 0; j < ncpu; j++) {
		if (j % 3 && j != ncpu - 1)
			continue;
		for (b = j * per_cpu; b < (j + 1) * per_cpu; b++)
			io[b / 64] |= 1ULL << (b % 64);
		/* Every bitmap page that overlaps CPU page j. */
		for (b = j * cpu / page_size;
		     b < nbits && b * page_size < (j + 1) * cpu; b++)
			marks[b / 64] |= 1ULL << (b % 64);
	}
	test_cmd(_test_cmd_mock_dirty(fd, hwpt, HWPT_IOVA, HWPT_LENGTH,
				      MOCK_PAGE_SIZE, io, NULL));
	free(io);
}

#define dirty_read(_flags)                                                   \
	({                                                                   \
		memset(self->bitmap, 0, (self->nbits + 63) / 64 * 8);        \
		iommufd_backend_get_dirty_bitmap(self->be, self->hwpt_id,    \
						 HWPT_IOVA, HWPT_LENGTH,     \
						 self->page_size, _flags,    \
						 self->bitmap);              \
	})

#define ASSERT_BITMAP_IS(_expect)                                            \
	do {                                                                 \
		size_t __i;                                                  \
		for (__i = 0; __i < self->nbits; __i++)                      \
			ASSERT_EQ((_expect)[__i / 64] >> (__i % 64) & 1,     \
				  self->bitmap[__i / 64] >> (__i % 64) & 1)  \
				TH_LOG("bit %zu of %zu", __i, self->nbits);  \
	} while (0)

TEST_F(dirty, read_clears_unless_told_not_to)
{
	uint64_t *none = calloc((self->nbits + 63) / 64, 8);

	ASSERT_NE(NULL, none);
	ASSERT_EQ(0, iommufd_backend_set_dirty_tracking(self->be, self->hwpt_id,
							true));
	ASSERT_EQ(0, dirty_read(0));
	ASSERT_BITMAP_IS(none);

	dirty_mark(_metadata, self->fd, self->hwpt_id, self->marks,
		   self->nbits, self->page_size);
	ASSERT_EQ(0, dirty_read(IOMMUFD_DIRTY_BITMAP_NO_CLEAR));
	ASSERT_BITMAP_IS(self->marks);
	ASSERT_EQ(0, dirty_read(IOMMUFD_DIRTY_BITMAP_NO_CLEAR));
	ASSERT_BITMAP_IS(self->marks);
	/* The default read reports and clears. */
	ASSERT_EQ(0, dirty_read(0));
	ASSERT_BITMAP_IS(self->marks);
	ASSERT_EQ(0, dirty_read(0));
	ASSERT_BITMAP_IS(none);

	ASSERT_EQ(0, iommufd_backend_set_dirty_tracking(self->be, self->hwpt_id,
							false));
	ASSERT_EQ(0, self->rep.count);
	free(none);
}

TEST_F(dirty, bad_bitmap_arguments_are_named)
{
	ASSERT_EQ(-EINVAL, iommufd_backend_get_dirty_bitmap(self->be,
		self->hwpt_id, HWPT_IOVA, HWPT_LENGTH, 3 * MOCK_PAGE_SIZE, 0,
		self->bitmap));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  EINVAL, "page_size is not a power of two");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_get_dirty_bitmap(self->be,
		self->hwpt_id, HWPT_IOVA + 1, HWPT_LENGTH, self->page_size, 0,
		self->bitmap));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  EINVAL, "multiples of page_size");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_get_dirty_bitmap(self->be,
		self->hwpt_id, HWPT_IOVA, HWPT_LENGTH, self->page_size, 0,
		NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  EINVAL, "bitmap is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_get_dirty_bitmap(self->be,
		self->hwpt_id, HWPT_IOVA, HWPT_LENGTH, self->page_size, 2,
		self->bitmap));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  EINVAL, "unknown flags");
	/* The IOAS is not a HWPT: the kernel's ENOENT. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_get_dirty_bitmap(self->be,
		self->ioas_id, HWPT_IOVA, HWPT_LENGTH, self->page_size, 0,
		self->bitmap));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  ENOENT, "IOMMU_HWPT_GET_DIRTY_BITMAP failed");
}

TEST_F(dirty, tracking_needs_a_dirty_capable_hwpt)
{
	__u32 plain;

	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id, 0, 0, 0, NULL,
						0, &plain));
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_set_dirty_tracking(self->be,
								  plain, true));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "set_dirty_tracking", EOPNOTSUPP,
			  "IOMMUFD_HWPT_ALLOC_DIRTY_TRACKING");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_set_dirty_tracking(self->be,
							      99999, true));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "set_dirty_tracking", ENOENT, "hwpt=99999");
}

/* ---- invalidate_cache ---- */

FIXTURE(inval)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, stdev_id, idev_id, parent_id, nested_id;
};

FIXTURE_SETUP(inval)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	self->fd = iommufd_backend_fd(self->be);
	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &self->ioas_id));
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id,
						IOMMUFD_HWPT_ALLOC_NEST_PARENT,
						0, 0, NULL, 0, &self->parent_id));
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->parent_id, 0,
						IOMMU_HWPT_DATA_SELFTEST,
						sizeof(data), &data, 0,
						&self->nested_id));
}

FIXTURE_TEARDOWN(inval)
{
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
}

#define check_iotlb(_id, _val) test_cmd_md_check_iotlb(self->nested_id, _id, _val)

TEST_F(inval, entries_are_flushed_and_counted)
{
	struct iommu_hwpt_invalidate_selftest reqs[2] = {
		{ .iotlb_id = 1 }, { .iotlb_id = 3 },
	};
	__u32 n = 2;

	ASSERT_EQ(0, iommufd_backend_invalidate_cache(self->be, self->nested_id,
		IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, sizeof(reqs[0]), &n, reqs));
	ASSERT_EQ(2, n);
	check_iotlb(0, IOMMU_TEST_IOTLB_DEFAULT);
	check_iotlb(1, 0);
	check_iotlb(2, IOMMU_TEST_IOTLB_DEFAULT);
	check_iotlb(3, 0);

	/* No requests: only asks whether the data type is known. */
	n = 0;
	ASSERT_EQ(0, iommufd_backend_invalidate_cache(self->be, self->nested_id,
		IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, sizeof(reqs[0]), &n, NULL));
	ASSERT_EQ(0, n);
	/* FLAG_ALL flushes everything in one request. */
	reqs[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	n = 1;
	ASSERT_EQ(0, iommufd_backend_invalidate_cache(self->be, self->nested_id,
		IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, sizeof(reqs[0]), &n, reqs));
	ASSERT_EQ(1, n);
	check_iotlb(0, 0);
	check_iotlb(2, 0);
	ASSERT_EQ(0, self->rep.count);
}

TEST_F(inval, partial_progress_is_counted_and_reported)
{
	struct iommu_hwpt_invalidate_selftest reqs[3] = {
		{ .iotlb_id = 0 },
		{ .iotlb_id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1 },
		{ .iotlb_id = 2 },
	};
	__u32 n = 3;

	/* The kernel stops at the bad second request, after the first. */
	ASSERT_EQ(-EINVAL, iommufd_backend_invalidate_cache(self->be,
		self->nested_id, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		sizeof(reqs[0]), &n, reqs));
	ASSERT_EQ(1, n);
	check_iotlb(0, 0);
	check_iotlb(2, IOMMU_TEST_IOTLB_DEFAULT);
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "invalidate_cache",
			  EINVAL, "after 1 of 3 requests");

	/* Unknown request flags: the driver's EOPNOTSUPP, none handled. */
	backend_reports_reset(&self->rep);
	reqs[0].flags = 1u << 7;
	n = 3;
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_invalidate_cache(self->be,
		self->nested_id, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		sizeof(reqs[0]), &n, reqs));
	ASSERT_EQ(0, n);
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "invalidate_cache",
			  EOPNOTSUPP, "after 0 of 3 requests");
}

TEST_F(inval, bad_arguments)
{
	struct iommu_hwpt_invalidate_selftest req = { .iotlb_id = 0 };
	__u32 n = 1;

	ASSERT_EQ(-EINVAL, iommufd_backend_invalidate_cache(self->be,
		self->nested_id, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		sizeof(req), NULL, &req));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "invalidate_cache",
			  EINVAL, "entry_num is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_invalidate_cache(self->be,
		self->nested_id, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		sizeof(req), &n, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "invalidate_cache",
			  EINVAL, "requests without data");
	/* A paging HWPT has no cache to invalidate this way. */
	backend_reports_reset(&self->rep);
	n = 1;
	ASSERT_GT(0, iommufd_backend_invalidate_cache(self->be,
		self->parent_id, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		sizeof(req), &n, &req));
	ASSERT_EQ(0, n);
	ASSERT_EQ(1, self->rep.count);
	ASSERT_NE(NULL, strstr(self->rep.msg, "after 0 of 1 requests"));
}

/* ---- every 0.2 call on a backend without users ---- */

TEST(unconnected_backend_is_ebadf)
{
	struct iommufd_backend *be = iommufd_backend_new();
	struct backend_reports rep = { .lock = PTHREAD_MUTEX_INITIALIZER };
	uint64_t bm = 0;
	__u32 id = 0, n = 0;
	void *addr = NULL;

	ASSERT_NE(NULL, be);
	iommufd_backend_set_report_fn(be, backend_reports_fn, &rep);
	ASSERT_EQ(-EBADF, iommufd_backend_alloc_hwpt(be, 1, 2, 0, 0, 0, NULL, 0, &id));
	ASSERT_EQ(-EBADF, iommufd_backend_get_device_info(be, 1, 0, NULL, NULL,
							  NULL, NULL, NULL));
	ASSERT_EQ(-EBADF, iommufd_backend_set_dirty_tracking(be, 1, true));
	ASSERT_EQ(-EBADF, iommufd_backend_get_dirty_bitmap(be, 1, 0, 4096, 4096,
							   0, &bm));
	ASSERT_EQ(-EBADF, iommufd_backend_invalidate_cache(be, 1, 0, 8, &n, NULL));
	ASSERT_EQ(-EBADF, iommufd_backend_bind_device(be, 0, &id));
	ASSERT_EQ(-EBADF, iommufd_backend_attach_device(be, 0, 1, NULL));
	ASSERT_EQ(-EBADF, iommufd_backend_detach_device(be, 0));
	ASSERT_EQ(-EBADF, iommufd_backend_attach_device_pasid(be, 0, 1, 1, NULL));
	ASSERT_EQ(-EBADF, iommufd_backend_detach_device_pasid(be, 0, 1));
	ASSERT_EQ(-EBADF, iommufd_backend_viommu_mmap(be, 1, 0, 4096, &addr));
	ASSERT_EQ(11, rep.count);
	ASSERT_EQ(EBADF, rep.err);
	ASSERT_STREQ("viommu_mmap", rep.op);
	ASSERT_NE(NULL, strstr(rep.msg, "not connected"));
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_hwpt(NULL, 1, 2, 0, 0, 0, NULL, 0, &id));
	ASSERT_EQ(0, iommufd_backend_destroy(be));
}

/* ---- a kernel without the ioctl ---- */

/*
 * An older kernel answers ENOTTY for an ioctl number it does not know: the
 * fake kernel of backend_utils.h does so for hwpt_enotty_nr.
 */
static unsigned long hwpt_enotty_nr;

static bool hwpt_fake_enotty(int fd, unsigned long request, void *arg, int *ret)
{
	if (request != hwpt_enotty_nr)
		return false;
	*ret = backend_fake_answer(ENOTTY);
	return true;
}

#define hwpt_kernel_lacks(_nr)                                               \
	do {                                                                 \
		hwpt_enotty_nr = (_nr);                                      \
		backend_fake_ioctl = hwpt_fake_enotty;                       \
	} while (0)

TEST_F(hwpt, kernel_without_hwpt_alloc_is_eopnotsupp)
{
	__u32 hwpt;

	hwpt_kernel_lacks(IOMMU_HWPT_ALLOC);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_alloc_hwpt(self->be,
		self->idev_id, self->ioas_id, 0, 0, 0, NULL, 0, &hwpt));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hwpt",
			  EOPNOTSUPP,
			  "the running kernel lacks IOMMU_HWPT_ALLOC (ENOTTY; it came with Linux 6.6)");
}

TEST_F(hwpt, kernel_without_dirty_tracking_is_eopnotsupp)
{
	uint64_t bm = 0;

	hwpt_kernel_lacks(IOMMU_HWPT_GET_DIRTY_BITMAP);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_get_dirty_bitmap(self->be, 1,
		HWPT_IOVA, 4096, 4096, 0, &bm));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_dirty_bitmap",
			  EOPNOTSUPP, "lacks IOMMU_HWPT_GET_DIRTY_BITMAP");
}

TEST_F(hwpt, kernel_without_invalidate_is_eopnotsupp)
{
	__u32 n = 0;

	hwpt_kernel_lacks(IOMMU_HWPT_INVALIDATE);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_invalidate_cache(self->be, 1,
		IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 8, &n, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "invalidate_cache",
			  EOPNOTSUPP, "lacks IOMMU_HWPT_INVALIDATE");
}

TEST_F(hwpt, kernel_without_hw_info_is_eopnotsupp)
{
	hwpt_kernel_lacks(IOMMU_GET_HW_INFO);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_get_device_info(self->be,
		self->idev_id, 0, NULL, NULL, NULL, NULL, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "get_device_info",
			  EOPNOTSUPP, "lacks IOMMU_GET_HW_INFO");
}

#else /* !IOMMUFD_UAPI_HAS_NESTED */
TEST(hwpt)
{
	SKIP(return, "uapi headers without IOMMU_HWPT_INVALIDATE (6.8)");
}
#endif
#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
