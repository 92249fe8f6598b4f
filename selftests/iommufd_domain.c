// SPDX-License-Identifier: GPL-2.0
/*
 * Description: mock domains through IOMMU_TEST_CMD: attach and what the
 * domain's page table holds after every change, devices sharing an automatic
 * domain, a second domain from IOMMU_HWPT_ALLOC, the aperture and alignment
 * a domain imposes on its IOAS, MOCK_DOMAIN_REPLACE between IOASes and page
 * tables, pin counts through all of it, and IOMMU_GET_HW_INFO.
 */
#include "iommufd_probes.h"

#ifdef IOMMUFD_HAVE_UAPI

FIXTURE(domain)
{
	int fd;
	size_t psize;
	size_t length;
	char *buffer;
	__u32 ioas_id;
};

FIXTURE_SETUP(domain)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	self->psize = iommufd_page_size();
	self->length = 32 * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	test_cmd_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(domain)
{
	int fd;

	close(self->fd);
	/* Whatever the case did, closing the fd must unpin everything. */
	fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, _test_cmd_md_check_refs(fd, self->buffer, self->length,
					     0));
	close(fd);
	munmap(self->buffer, self->length);
}

#define PG(n) ((size_t)(n) * self->psize)
#define BUF(n) (self->buffer + PG(n))
#define IOVA(n) ((__u64)MOCK_APERTURE_START + PG(n))

#define skip_without_hwpt_alloc()                                            \
	do {                                                                 \
		if (!domain_has_hwpt_alloc(self->fd))                        \
			SKIP(return, "IOMMU_HWPT_ALLOC: not in this kernel " \
				     "or headers");                          \
	} while (0)

/*
 * Whether IOMMU_HWPT_ALLOC is known (an unknown device id gives ENOENT).
 * Unused when the headers predate it.
 */
static __attribute__((unused)) bool domain_has_hwpt_alloc(int fd)
{
#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
	return _test_ioctl_hwpt_alloc(fd, 0, 0, 0, NULL) == 0 ||
	       errno != ENOTTY;
#else
	return false;
#endif
}

TEST_F(domain, attach_reports_aperture)
{
	struct iommu_iova_range range;
	__u32 stdev, hwpt, idev, num = 1;
	__u64 align;

	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, &idev);
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(1, num);
	ASSERT_EQ(MOCK_APERTURE_START, range.start);
	ASSERT_EQ(MOCK_APERTURE_LAST, range.last);
	ASSERT_EQ(MOCK_PAGE_SIZE, align);

	/* Below and above the aperture are reserved. */
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1),
				MOCK_APERTURE_START - PG(1));
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(2),
				(__u64)MOCK_APERTURE_LAST + 1 - PG(1));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1),
				(__u64)MOCK_APERTURE_LAST + 1 - PG(1));
	test_cmd_md_check_map(hwpt, (__u64)MOCK_APERTURE_LAST + 1 - PG(1), PG(1),
			      BUF(0));

	/* With the device gone the IOAS is unrestricted again. */
	test_cmd_destroy(stdev);
	num = 1;
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(0, range.start);
	ASSERT_EQ(UINT64_MAX, range.last);
	ASSERT_EQ(1, align);
}

TEST_F(domain, attach_fills_existing_mappings)
{
	__u32 hwpt;

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(8), IOVA(100));
	/* Without a domain nothing is pinned yet. */
	test_cmd_md_check_refs(BUF(0), PG(16), 0);

	test_cmd_mock_domain(self->ioas_id, NULL, &hwpt, NULL);
	test_cmd_md_check_map(hwpt, IOVA(0), PG(4), BUF(0));
	test_cmd_md_check_map(hwpt, IOVA(100), PG(8), BUF(8));
	test_cmd_md_check_refs(BUF(0), PG(4), 1);
	test_cmd_md_check_refs(BUF(4), PG(4), 0);
	test_cmd_md_check_refs(BUF(8), PG(8), 1);
	/* Mapped after attach: in the domain at once. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(20), PG(2), IOVA(50));
	test_cmd_md_check_map(hwpt, IOVA(50), PG(2), BUF(20));
	test_cmd_md_check_refs(BUF(20), PG(2), 1);
}

TEST_F(domain, attach_refused_for_mapping_outside_aperture)
{
	__u32 stdev;

	/* Legal in a domain-less IOAS, outside what the mock can translate. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1), PG(1));
	test_err_mock_domain(EADDRINUSE, self->ioas_id, &stdev, NULL, NULL);
	test_cmd_ioas_unmap(self->ioas_id, PG(1), PG(1));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1),
				(__u64)MOCK_APERTURE_LAST + 1);
	test_err_mock_domain(EADDRINUSE, self->ioas_id, &stdev, NULL, NULL);
	test_cmd_ioas_unmap(self->ioas_id, (__u64)MOCK_APERTURE_LAST + 1, PG(1));
	/* A failed attach left nothing pinned behind. */
	test_cmd_md_check_refs(BUF(0), PG(1), 0);
	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, NULL);
}

TEST_F(domain, attach_refused_for_unaligned_mapping)
{
	__u32 stdev, hwpt;

	/* Byte-granular IOVAs are fine until a domain needs IO pages. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0) + 16, 64, IOVA(0) + 16);
	test_err_mock_domain(EADDRINUSE, self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_ioas_unmap(self->ioas_id, IOVA(0) + 16, 64);
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
}

TEST_F(domain, reserved_range_blocks_attach_of_nothing)
{
	__u32 stdev;

	/* A reservation inside the aperture does not disturb attach. */
	test_cmd_add_reserved(self->ioas_id, IOVA(0), PG(16));
	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, NULL);
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1), IOVA(8));
	/* Zero and wrapping lengths for a reservation. */
	test_err_add_reserved(EINVAL, self->ioas_id, IOVA(32), 0);
	test_err_add_reserved(EOVERFLOW, self->ioas_id, UINT64_MAX, PG(2));
	test_err_add_reserved(ENOENT, self->ioas_id + 1000, IOVA(32), PG(1));
}

TEST_F(domain, devices_share_the_automatic_domain)
{
	__u32 stdev1, hwpt1, idev1, stdev2, hwpt2, idev2;

	test_cmd_mock_domain(self->ioas_id, &stdev1, &hwpt1, &idev1);
	test_cmd_mock_domain(self->ioas_id, &stdev2, &hwpt2, &idev2);
	/*
	 * Any automatic domain of the IOAS that accepts the device is reused,
	 * so the second device joins the first domain.
	 */
	ASSERT_EQ(hwpt1, hwpt2);
	ASSERT_NE(idev1, idev2);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_md_check_map(hwpt1, IOVA(0), PG(4), BUF(0));
	test_cmd_md_check_refs(BUF(0), PG(4), 1);

	/* The domain lives while any device uses it. */
	test_cmd_destroy(stdev1);
	test_cmd_md_check_map(hwpt1, IOVA(0), PG(4), BUF(0));
	test_cmd_destroy(stdev2);
	test_err_md_check_map(ENOENT, hwpt1, IOVA(0), PG(4), BUF(0));
	test_cmd_md_check_refs(BUF(0), PG(4), 0);
}

TEST_F(domain, device_attaches_to_a_domain_directly)
{
	__u32 stdev1, hwpt1, stdev2, hwpt2;

	test_cmd_mock_domain(self->ioas_id, &stdev1, &hwpt1, NULL);
	/* The pt id of MOCK_DOMAIN may be a page table, not only an IOAS. */
	test_cmd_mock_domain(hwpt1, &stdev2, &hwpt2, NULL);
	ASSERT_EQ(hwpt1, hwpt2);
	test_cmd_destroy(stdev1);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	test_cmd_md_check_map(hwpt1, IOVA(0), PG(2), BUF(0));
	test_cmd_destroy(stdev2);
	test_err_md_check_map(ENOENT, hwpt1, IOVA(0), PG(2), BUF(0));
}

TEST_F(domain, check_map_rejects_bad_queries)
{
	__u32 hwpt;

	test_cmd_mock_domain(self->ioas_id, NULL, &hwpt, NULL);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	/* Queries must be in IO pages. */
	test_err_md_check_map(EINVAL, hwpt, IOVA(0) + 1, PG(1), BUF(0));
	test_err_md_check_map(EINVAL, hwpt, IOVA(0), PG(1) + 1, BUF(0));
	test_err_md_check_map(EINVAL, hwpt, IOVA(0), PG(1), BUF(0) + 1);
	/* Other memory than what is mapped there: EINVAL (a mismatch). */
	test_err_md_check_map(EINVAL, hwpt, IOVA(0), PG(1), BUF(1));
	/* Part of the mapping is fine; past its end is not mapped. */
	test_cmd_md_check_map(hwpt, IOVA(1), PG(2), BUF(1));
	test_err_md_check_map(EINVAL, hwpt, IOVA(3), PG(2), BUF(3));
	test_err_md_check_map(ENOENT, hwpt + 1000, IOVA(0), PG(1), BUF(0));
	/* Refs are counted in CPU pages. */
	test_err_md_check_refs(EINVAL, BUF(0) + 8, PG(1), 1);
	test_err_md_check_refs(EINVAL, BUF(0), PG(1) - 8, 1);
	test_err_md_check_refs(EIO, BUF(0), PG(1), 2);
}

/* ---- A second domain from IOMMU_HWPT_ALLOC ---- */

#ifdef IOMMUFD_UAPI_HAS_HWPT_ALLOC
TEST_F(domain, hwpt_alloc_second_domain)
{
	__u32 stdev, hwpt_auto, idev, hwpt, stdev2, got;

	skip_without_hwpt_alloc();
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt_auto, &idev);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));

	/* A domain of our own for the device, on the same IOAS. */
	test_cmd_hwpt_alloc(idev, self->ioas_id, 0, &hwpt);
	ASSERT_NE(hwpt_auto, hwpt);
	/* It is filled with what the IOAS holds and follows it from now on. */
	test_cmd_md_check_map(hwpt, IOVA(0), PG(4), BUF(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(4), IOVA(8));
	test_cmd_md_check_map(hwpt, IOVA(8), PG(4), BUF(8));
	test_cmd_md_check_map(hwpt_auto, IOVA(8), PG(4), BUF(8));
	/* Two domains, one pin. */
	test_cmd_md_check_refs(BUF(0), PG(4), 1);

	/* Unused, it can be destroyed; the IOAS is busy while it exists. */
	test_err_destroy(EBUSY, self->ioas_id);
	test_cmd_mock_domain(hwpt, &stdev2, &got, NULL);
	ASSERT_EQ(hwpt, got);
	test_err_destroy(EBUSY, hwpt);
	test_cmd_ioas_unmap(self->ioas_id, IOVA(0), PG(4));
	test_err_md_check_map(EINVAL, hwpt, IOVA(0), PG(1), BUF(0));
	test_err_md_check_map(EINVAL, hwpt_auto, IOVA(0), PG(1), BUF(0));
	test_cmd_destroy(stdev2);
	test_cmd_destroy(hwpt);
	test_err_md_check_map(ENOENT, hwpt, IOVA(8), PG(1), BUF(8));
	test_cmd_md_check_map(hwpt_auto, IOVA(8), PG(4), BUF(8));
}

TEST_F(domain, hwpt_alloc_rejects_bad_arguments)
{
	__u32 stdev, idev, hwpt, hwpt_auto;

	skip_without_hwpt_alloc();
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt_auto, &idev);
	/* Unknown device, a pt id that is not a page table or IOAS. */
	test_err_hwpt_alloc(ENOENT, idev + 1000, self->ioas_id, 0, &hwpt);
	test_err_hwpt_alloc(EINVAL, idev, self->ioas_id + 1000, 0, &hwpt);
	test_err_hwpt_alloc(EINVAL, idev, stdev, 0, &hwpt);
	/* The device id must be a device. */
	test_err_hwpt_alloc(ENOENT, self->ioas_id, self->ioas_id, 0, &hwpt);
	/* Unknown allocation flags. */
	test_err_hwpt_alloc(EOPNOTSUPP, idev, self->ioas_id, 1U << 30, &hwpt);
	/* A nesting parent is a paging domain like any other for the mock. */
	test_cmd_hwpt_alloc(idev, self->ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
			    &hwpt);
	test_cmd_destroy(hwpt);
}

TEST_F(domain, replace_between_domains_of_one_ioas)
{
	__u32 stdev, hwpt_auto, idev, hwpt, got = 0;

	skip_without_hwpt_alloc();
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt_auto, &idev);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_hwpt_alloc(idev, self->ioas_id, 0, &hwpt);

	test_cmd_mock_domain_replace(stdev, hwpt, &got);
	ASSERT_EQ(hwpt, got);
	/* The automatic domain lost its only device and is gone. */
	test_err_md_check_map(ENOENT, hwpt_auto, IOVA(0), PG(1), BUF(0));
	test_cmd_md_check_map(hwpt, IOVA(0), PG(4), BUF(0));
	test_cmd_md_check_refs(BUF(0), PG(4), 1);
	/* The allocated domain now is busy; back to an automatic one. */
	test_err_destroy(EBUSY, hwpt);
	test_cmd_mock_domain_replace(stdev, self->ioas_id, &got);
	test_cmd_md_check_map(got, IOVA(0), PG(4), BUF(0));
	test_cmd_destroy(hwpt);
}
#else
TEST_F(domain, hwpt_alloc_second_domain)
{
	SKIP(return, "uapi headers without IOMMU_HWPT_ALLOC");
}
#endif

/* ---- MOCK_DOMAIN_REPLACE between IOASes ---- */

TEST_F(domain, replace_moves_device_to_another_ioas)
{
	__u32 stdev, hwpt, ioas2, hwpt2 = 0;

	test_cmd_ioas_alloc(&ioas2);
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_ioas_map_fixed(ioas2, BUF(8), PG(4), IOVA(0));
	test_cmd_md_check_refs(BUF(0), PG(4), 1);
	test_cmd_md_check_refs(BUF(8), PG(4), 0);

	test_cmd_mock_domain_replace(stdev, ioas2, &hwpt2);
	ASSERT_NE(0, hwpt2);
	/* The device's new domain translates the other IOAS's memory. */
	test_cmd_md_check_map(hwpt2, IOVA(0), PG(4), BUF(8));
	test_cmd_md_check_refs(BUF(8), PG(4), 1);
	/* The old automatic domain is gone with its pins. */
	test_cmd_md_check_refs(BUF(0), PG(4), 0);
	test_cmd_destroy(self->ioas_id);
	test_err_destroy(EBUSY, ioas2);

	/* And back: the first IOAS is gone now. */
	test_err_mock_domain_replace(ENOENT, stdev, self->ioas_id);
	/* The failed replace left the device where it was. */
	test_cmd_md_check_map(hwpt2, IOVA(0), PG(4), BUF(8));
}

TEST_F(domain, replace_to_the_same_ioas_is_a_no_op)
{
	__u32 stdev, hwpt, got = 0;

	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_mock_domain_replace(stdev, self->ioas_id, &got);
	ASSERT_EQ(hwpt, got);
	test_cmd_md_check_map(hwpt, IOVA(0), PG(4), BUF(0));
	test_cmd_md_check_refs(BUF(0), PG(4), 1);
}

TEST_F(domain, replace_refused_when_target_cannot_hold_mappings)
{
	__u32 stdev, hwpt, ioas2;

	test_cmd_ioas_alloc(&ioas2);
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	/* The target IOAS has a mapping the mock aperture cannot hold. */
	test_cmd_ioas_map_fixed(ioas2, BUF(4), PG(1), PG(1));
	test_err_mock_domain_replace(EADDRINUSE, stdev, ioas2);
	test_cmd_md_check_map(hwpt, IOVA(0), PG(2), BUF(0));
	test_cmd_md_check_refs(BUF(4), PG(1), 0);
	/* Bad ids. */
	test_err_mock_domain_replace(ENOENT, stdev, ioas2 + 1000);
	test_err_mock_domain_replace(ENOENT, stdev + 1000, ioas2);
}

TEST_F(domain, huge_iova_device)
{
	__u32 stdev, hwpt, idev, num = 1;
	struct iommu_iova_range range;
	__u64 align = 0;
	int generic;
	char *huge;

	/*
	 * A domain that also takes 1 MiB IO pages. 6.x asked for it per
	 * device (MOCK_FLAGS_DEVICE_HUGE_IOVA: the device's domains add 1 MiB
	 * to the 2 KiB IO page). 7.x's mock on the generic page table refuses
	 * that flag (mock_dev_create() accepts only NO_DIRTY and PASID,
	 * selftest.c) and takes the page table's type per domain instead:
	 * HWPT_ALLOC driver data pagetable_type = MOCK_IOMMUPT_HUGE, a table
	 * of 1 MiB and CPU pages (pgsize_bitmap MOCK_HUGE_PAGE_SIZE |
	 * PAGE_SIZE, mock_domain_alloc_pgtable()). The probe is that same
	 * driver data (iommufd_probes.h).
	 */
	generic = iommufd_mock_generic_pt_or_skip(self->fd, self->ioas_id);
	if (!generic) {
		test_cmd_mock_domain_flags(self->ioas_id,
					   MOCK_FLAGS_DEVICE_HUGE_IOVA_6X,
					   &stdev, &hwpt, NULL);
	} else {
#ifdef IOMMUFD_UAPI_HAS_NESTED
		test_err_mock_domain_flags(EINVAL, self->ioas_id,
					   MOCK_FLAGS_DEVICE_HUGE_IOVA_6X,
					   NULL, NULL, NULL);
		test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
		test_cmd_hwpt_alloc_mock_pt(idev, self->ioas_id, 0,
					    IOMMUFD_MOCK_PT_HUGE, &hwpt);
		/* Its automatic domain goes with the move. */
		test_cmd_mock_domain_replace(stdev, hwpt, NULL);
#endif
	}
	/*
	 * The smallest page of the IOAS's only domain is its alignment: the
	 * 2 KiB IO page on 6.x, the CPU page on 7.x's huge table.
	 */
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(generic ? self->psize : MOCK_PAGE_SIZE, align);

	huge = iommufd_test_buffer_aligned(4UL << 20, 2UL << 20);
	ASSERT_NE(NULL, huge);
	test_cmd_ioas_map_fixed(self->ioas_id, huge, 4UL << 20,
				MOCK_APERTURE_START);
	test_cmd_md_check_map(hwpt, MOCK_APERTURE_START, 4UL << 20, huge);
	test_cmd_ioas_unmap(self->ioas_id, MOCK_APERTURE_START, 4UL << 20);
	test_err_md_check_map(EINVAL, hwpt, MOCK_APERTURE_START, PG(1), huge);
	munmap(huge, 4UL << 20);
	(void)idev;
}

/* ---- IOMMU_GET_HW_INFO ---- */

#ifdef IOMMUFD_UAPI_HAS_HW_INFO
TEST_F(domain, get_hw_info_of_mock_device)
{
	struct iommu_test_hw_info info[2];
	__u32 idev, len, type = 0;
	__u64 caps = 0;

	test_cmd_mock_domain(self->ioas_id, NULL, NULL, &idev);
	(void)iommufd_probe_or_skip(_test_ioctl_get_hw_info(self->fd, idev,
							    NULL, NULL, NULL,
							    NULL),
				    "IOMMU_GET_HW_INFO");

	/* Exactly the driver's size. */
	memset(info, 0xff, sizeof(info));
	len = sizeof(info[0]);
	test_cmd_get_hw_info(idev, info, &len, &type, &caps);
	ASSERT_EQ(sizeof(info[0]), len);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info[0].test_reg);
	ASSERT_EQ(0, info[0].flags);
#ifdef IOMMUFD_UAPI_HAS_DIRTY
	/* The mock IOMMU can track dirty pages for this device. */
	ASSERT_EQ(IOMMU_HW_CAP_DIRTY_TRACKING,
		  caps & IOMMU_HW_CAP_DIRTY_TRACKING);
#endif

	/* A bigger buffer: the rest is zeroed, the length says the truth. */
	memset(info, 0xff, sizeof(info));
	len = sizeof(info);
	test_cmd_get_hw_info(idev, info, &len, NULL, NULL);
	ASSERT_EQ(sizeof(info[0]), len);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info[0].test_reg);
	ASSERT_EQ(0, info[1].flags);
	ASSERT_EQ(0, info[1].test_reg);

	/* A smaller one gets the head only, and the full length back. */
	memset(info, 0xff, sizeof(info));
	len = sizeof(__u32);
	test_cmd_get_hw_info(idev, info, &len, NULL, NULL);
	ASSERT_EQ(sizeof(info[0]), len);
	ASSERT_EQ(0, info[0].flags);
	ASSERT_EQ(0xffffffff, info[0].test_reg);

	/* No buffer: only the type and the length. */
	len = 0;
	test_cmd_get_hw_info(idev, NULL, &len, &type, NULL);
	ASSERT_EQ(sizeof(info[0]), len);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
}

/*
 * GET_HW_INFO with flags and, in the field that 7.x shares between
 * in_data_type and out_data_type, an input type; no data is asked for.
 */
static int domain_hw_info_typed(int fd, __u32 idev, __u32 flags,
				__u32 in_type, __u32 *out_type)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = idev,
		.out_data_type = in_type,	/* 7.x: in_data_type */
	};
	int ret = ioctl(fd, IOMMU_GET_HW_INFO, &cmd);

	if (!ret && out_type)
		*out_type = cmd.out_data_type;
	return ret;
}

TEST_F(domain, get_hw_info_rejects_bad_arguments)
{
	struct iommu_test_hw_info info;
	__u32 stdev, idev, len = sizeof(info), type = 0;

	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
	(void)iommufd_probe_or_skip(_test_ioctl_get_hw_info(self->fd, idev,
							    NULL, NULL, NULL,
							    NULL),
				    "IOMMU_GET_HW_INFO");
	/* Ids that are not devices. */
	test_err_get_hw_info(ENOENT, self->ioas_id, &info, &len);
	test_err_get_hw_info(ENOENT, stdev, &info, &len);
	test_err_get_hw_info(ENOENT, idev + 1000, &info, &len);
	/* A bad buffer. */
	test_err_get_hw_info(EFAULT, idev, (void *)8, &len);

	/*
	 * Flag bit 0. 6.x has no flags: any is EOPNOTSUPP. 7.x defines it as
	 * IOMMU_HW_INFO_FLAG_INPUT_TYPE (iommufd_get_hw_info(), device.c):
	 * in_data_type, sharing its field with out_data_type, then names
	 * the type asked for, which the driver may refuse (the mock takes
	 * only DEFAULT and SELFTEST, mock_domain_hw_info(), selftest.c).
	 * The probe is that flag asking for the DEFAULT type; which branch
	 * holds then depends on the rest of the input-type contract.
	 */
	errno = 0;
	if (domain_hw_info_typed(self->fd, idev, 1, 0, &type)) {
		/* 6.x: no flag at all is known. */
		ASSERT_EQ(EOPNOTSUPP, errno);
		test_err(EOPNOTSUPP,
			 domain_hw_info_typed(self->fd, idev, 1U << 1, 0, NULL));
		return;
	}
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	/* Asking for the mock's own type is the same answer. */
	type = 0;
	test_cmd(domain_hw_info_typed(self->fd, idev, 1,
				      IOMMU_HW_INFO_TYPE_SELFTEST, &type));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	/* Another driver's type: the mock refuses it. */
	test_err(EOPNOTSUPP,
		 domain_hw_info_typed(self->fd, idev, 1,
				      IOMMU_HW_INFO_TYPE_INTEL_VTD, NULL));
	/* Without the flag, in_data_type is ignored (read as DEFAULT). */
	type = 0;
	test_cmd(domain_hw_info_typed(self->fd, idev, 0,
				      IOMMU_HW_INFO_TYPE_INTEL_VTD, &type));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, type);
	/* The next bit is still reserved. */
	test_err(EOPNOTSUPP,
		 domain_hw_info_typed(self->fd, idev, 1U << 1, 0, NULL));
}

TEST_F(domain, get_hw_info_without_dirty_capability)
{
	__u32 idev;
	__u64 caps = ~0ULL;

#ifndef IOMMUFD_UAPI_HAS_DIRTY
	SKIP(return, "uapi headers without out_capabilities (6.7)");
#endif
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_NO_DIRTY,
				   NULL, NULL, &idev);
	(void)iommufd_probe_or_skip(_test_ioctl_get_hw_info(self->fd, idev,
							    NULL, NULL, NULL,
							    &caps),
				    "IOMMU_GET_HW_INFO");
	ASSERT_EQ(0, caps & IOMMU_HW_CAP_DIRTY_TRACKING);
}
#else
TEST_F(domain, get_hw_info_of_mock_device)
{
	SKIP(return, "uapi headers without IOMMU_GET_HW_INFO");
}
#endif

/* ---- Nested translation: a mock stage-1 domain on a stage-2 parent ---- */

#ifdef IOMMUFD_UAPI_HAS_NESTED
FIXTURE(nested)
{
	int fd;
	__u32 ioas_id, stdev_id, idev_id, auto_hwpt;
	__u32 parent_id;	/* paging, IOMMU_HWPT_ALLOC_NEST_PARENT */
	__u32 nested_id;
};

FIXTURE_SETUP(nested)
{
	int ret;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->auto_hwpt,
			     &self->idev_id);
	ret = iommufd_probe_or_skip(
		_test_ioctl_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				       IOMMU_HWPT_ALLOC_NEST_PARENT,
				       &self->parent_id),
		"IOMMU_HWPT_ALLOC");
	ASSERT_EQ(0, ret) TH_LOG("parent: %s", strerror(errno));
	ret = iommufd_probe_or_skip(
		({
			struct iommu_hwpt_selftest data = {
				.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
			};
			_test_ioctl_hwpt_alloc_data(self->fd, self->idev_id,
						    self->parent_id, 0,
						    IOMMU_HWPT_DATA_SELFTEST,
						    &data, sizeof(data),
						    &self->nested_id);
		}),
		"nested IOMMU_HWPT_ALLOC");
	ASSERT_EQ(0, ret) TH_LOG("nested: %s", strerror(errno));
}

FIXTURE_TEARDOWN(nested)
{
	close(self->fd);
}

#define check_iotlbs(_hwpt, _v0, _v1, _v2, _v3)                              \
	do {                                                                 \
		test_cmd_md_check_iotlb(_hwpt, 0, _v0);                      \
		test_cmd_md_check_iotlb(_hwpt, 1, _v1);                      \
		test_cmd_md_check_iotlb(_hwpt, 2, _v2);                      \
		test_cmd_md_check_iotlb(_hwpt, 3, _v3);                      \
	} while (0)

TEST_F(nested, alloc_takes_driver_data)
{
	__u32 other;
	const __u32 d = IOMMU_TEST_IOTLB_DEFAULT;

	/* The mock copies the user's iotlb value into every entry. */
	check_iotlbs(self->nested_id, d, d, d, d);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->parent_id, 0x1234,
				   &other);
	check_iotlbs(other, 0x1234, 0x1234, 0x1234, 0x1234);
	/* Only four entries exist; a paging hwpt has no IOTLB to check. */
	test_err_md_check_iotlb(EINVAL, self->nested_id, 4, d);
	test_err_md_check_iotlb(ENOENT, self->parent_id, 0, d);
	test_cmd_destroy(other);
}

TEST_F(nested, alloc_rejects_bad_parents_and_data)
{
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	__u32 plain, id;

	/* A paging parent without NEST_PARENT, or an automatic one. */
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &plain);
	test_err(EINVAL, _test_ioctl_hwpt_alloc_data(
				 self->fd, self->idev_id, plain, 0,
				 IOMMU_HWPT_DATA_SELFTEST, &data,
				 sizeof(data), &id));
	test_err(EINVAL, _test_ioctl_hwpt_alloc_data(
				 self->fd, self->idev_id, self->auto_hwpt, 0,
				 IOMMU_HWPT_DATA_SELFTEST, &data,
				 sizeof(data), &id));
	/* data_len must match data_type: none with data, data with none. */
	test_err(EINVAL, _test_ioctl_hwpt_alloc_data(
				 self->fd, self->idev_id, self->parent_id, 0,
				 IOMMU_HWPT_DATA_NONE, &data, sizeof(data),
				 &id));
	test_err(EINVAL, _test_ioctl_hwpt_alloc_data(
				 self->fd, self->idev_id, self->parent_id, 0,
				 IOMMU_HWPT_DATA_SELFTEST, &data, 0, &id));
	/* A type the mock driver does not speak. */
	test_err(EOPNOTSUPP, _test_ioctl_hwpt_alloc_data(
				     self->fd, self->idev_id, self->parent_id,
				     0, 0xbad, &data, sizeof(data), &id));
	/* A nested domain cannot itself be a parent. */
	test_err(EOPNOTSUPP, _test_ioctl_hwpt_alloc_data(
				     self->fd, self->idev_id, self->parent_id,
				     IOMMU_HWPT_ALLOC_NEST_PARENT,
				     IOMMU_HWPT_DATA_SELFTEST, &data,
				     sizeof(data), &id));
	test_err(EINVAL, _test_ioctl_hwpt_alloc_data(
				 self->fd, self->idev_id, self->nested_id, 0,
				 IOMMU_HWPT_DATA_SELFTEST, &data,
				 sizeof(data), &id));
	test_cmd_destroy(plain);
}

TEST_F(nested, invalidate_entries)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = {
		{ .iotlb_id = 1 }, { .iotlb_id = 3 },
	};
	const __u32 d = IOMMU_TEST_IOTLB_DEFAULT;
	__u32 num;

	/* Zero entries: nothing to do, and nothing done. */
	num = 0;
	test_cmd_hwpt_invalidate(self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	ASSERT_EQ(0, num);
	check_iotlbs(self->nested_id, d, d, d, d);

	num = 2;
	test_cmd_hwpt_invalidate(self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	ASSERT_EQ(2, num);
	check_iotlbs(self->nested_id, d, 0, d, 0);

	/*
	 * Unlike the ioctl structs, driver entries may not be longer than the
	 * kernel's, even with a zero tail (the driver's copy helper refuses
	 * data_len < entry_len), nor shorter than their first version.
	 */
	{
		struct { struct iommu_hwpt_invalidate_selftest e; __u32 z; }
			big = { .e = { .iotlb_id = 0 } };

		num = 1;
		test_err_hwpt_invalidate(EINVAL, self->nested_id, &big,
					 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					 sizeof(big), &num);
		ASSERT_EQ(0, num);
		num = 1;
		test_err_hwpt_invalidate(EINVAL, self->nested_id, &big,
					 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					 sizeof(__u32), &num);
		ASSERT_EQ(0, num);
	}
	check_iotlbs(self->nested_id, d, 0, d, 0);

	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	inv[0].iotlb_id = 0;
	num = 1;
	test_cmd_hwpt_invalidate(self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	check_iotlbs(self->nested_id, 0, 0, 0, 0);
}

/*
 * Whether IOMMU_HWPT_INVALIDATE may name a vIOMMU (7.x): one is allocated
 * over the nesting parent (IOMMU_VIOMMU_ALLOC, the selftest type) and sent
 * an empty invalidation, which the mock vIOMMU accepts (a zero-length
 * array validates the type, mock_viommu_cache_invalidate()). A kernel
 * without IOMMU_VIOMMU_ALLOC (ENOTTY, 6.12) has the 6.x lookup; so does
 * one with vIOMMUs that refuses the invalidation (ENOENT).
 * Returns 1 or 0; -1 when a kernel has vIOMMUs but the headers the suite
 * was built against cannot express the probe.
 */
#define NESTED_CMD_VIOMMU_ALLOC 0x90	/* IOMMUFD_CMD_VIOMMU_ALLOC, 7.x */

static int nested_invalidate_takes_viommu(struct __test_metadata *_metadata,
					  FIXTURE_DATA(nested) *self)
{
#if defined(IOMMU_VIOMMU_ALLOC) && defined(IOMMU_VIOMMU_TYPE_SELFTEST)
	struct iommu_viommu_alloc alloc = {
		.size = sizeof(alloc),
		.type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.dev_id = self->idev_id,
		.hwpt_id = self->parent_id,
	};
	__u32 num = 0, none[3];
	int ret;

	if (ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &alloc)) {
		ASSERT_EQ(ENOTTY, errno) TH_LOG("IOMMU_VIOMMU_ALLOC: %s",
						strerror(errno));
		return 0;
	}
	ret = _test_ioctl_hwpt_invalidate(self->fd, alloc.out_viommu_id,
					  none,
					  IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					  sizeof(none), &num);
	ASSERT_TRUE(!ret || errno == ENOENT)
		TH_LOG("HWPT_INVALIDATE of a vIOMMU: %s", strerror(errno));
	test_cmd_destroy(alloc.out_viommu_id);
	return !ret;
#else
	__u32 size = 0;

	/* Only whether the ioctl number is known: ENOTTY, or not. */
	errno = 0;
	if (ioctl(self->fd, _IO(IOMMUFD_TYPE, NESTED_CMD_VIOMMU_ALLOC),
		  &size) && errno == ENOTTY)
		return 0;
	return -1;
#endif
}

TEST_F(nested, invalidate_reports_how_far_it_got)
{
	struct iommu_hwpt_invalidate_selftest inv[3] = {
		{ .iotlb_id = 0 }, { .iotlb_id = 9 }, { .iotlb_id = 2 },
	};
	const __u32 d = IOMMU_TEST_IOTLB_DEFAULT;
	__u32 num = 3;
	int viommu;

	/* The second entry is bad: one handled, then EINVAL. */
	test_err_hwpt_invalidate(EINVAL, self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	ASSERT_EQ(1, num);
	check_iotlbs(self->nested_id, 0, d, d, d);
	/* Unknown flags in an entry. */
	inv[0].flags = 1U << 7;
	num = 1;
	test_err_hwpt_invalidate(EOPNOTSUPP, self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	ASSERT_EQ(0, num);
	/* The wrong data type, a zero entry length, a missing array. */
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
				 sizeof(inv[0]), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->nested_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 0, &num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->nested_id, NULL,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	/*
	 * Only nested page tables (and, since 7.x, vIOMMUs) take
	 * invalidations from userspace; what a paging HWPT gets changed with
	 * the vIOMMU. 6.x looks the id up as a nested HWPT only, so any other
	 * object is not found: ENOENT. 7.x looks up any object and dispatches
	 * on its type, nested HWPT or vIOMMU, and any other type is EINVAL
	 * (iommufd_hwpt_invalidate(), hw_pagetable.c). The probe is the
	 * dispatch itself: an invalidation addressed to a vIOMMU.
	 */
	viommu = nested_invalidate_takes_viommu(_metadata, self);
	if (viommu < 0)
		SKIP(return, "this kernel has IOMMU_VIOMMU_ALLOC, the uapi "
		     "headers the suite was built with do not: cannot tell "
		     "how HWPT_INVALIDATE looks its id up");
	num = 0;
	test_err_hwpt_invalidate(viommu ? EINVAL : ENOENT,
				 self->parent_id, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv[0]), &num);
	check_iotlbs(self->nested_id, 0, d, d, d);
}

TEST_F(nested, device_attaches_to_nested_domain)
{
	__u32 got = 0;

	test_cmd_mock_domain_replace(self->stdev_id, self->nested_id, &got);
	ASSERT_EQ(self->nested_id, got);
	/* In use: neither the nested domain nor its parent can go. */
	test_err_destroy(EBUSY, self->nested_id);
	test_err_destroy(EBUSY, self->parent_id);
	test_cmd_mock_domain_replace(self->stdev_id, self->parent_id, &got);
	ASSERT_EQ(self->parent_id, got);
	test_cmd_destroy(self->nested_id);
	test_err_destroy(EBUSY, self->parent_id);
	test_cmd_mock_domain_replace(self->stdev_id, self->ioas_id, &got);
	test_cmd_destroy(self->parent_id);
}
#endif /* IOMMUFD_UAPI_HAS_NESTED */

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
