// SPDX-License-Identifier: GPL-2.0
/*
 * Description: taking mappings apart, each case with no domain, one mock
 * domain, two mock domains and a domain with a narrow aperture (the ioas
 * fixture of iommufd_ioas): UNMAP (exact, contained, partial, empty, all),
 * COPY (to another IOAS, within one, across adjacent areas, bad sources)
 * and what destroying an IOAS or attaching a late domain does to the pages.
 * After every change the mock domains are asked what they translate
 * (MD_CHECK_MAP) and the pages how often they are pinned (MD_CHECK_REFS).
 */
#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#include "iommufd_ioas_fixture.h"

/* ---- IOMMU_IOAS_UNMAP ---- */

TEST_F(ioas, unmap_exact_area)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(4), PG(4), IOVA(4));
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(4), PG(4), PG(4));
	/* Only the one area went. */
	iommufd_check_map_all(&self->doms, IOVA(0), PG(4), BUF(0));
	iommufd_check_unmapped_all(&self->doms, IOVA(4), BUF(4));
	check_refs(BUF(0), PG(4), expected_refs());
	check_refs(BUF(4), PG(4), 0);
	/* And it can be mapped again at the same place. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(4), IOVA(4));
	iommufd_check_map_all(&self->doms, IOVA(4), PG(4), BUF(8));
}

TEST_F(ioas, unmap_range_containing_areas)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(2));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(2), PG(3), IOVA(6));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(5), PG(1), IOVA(12));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(6), PG(1), IOVA(20));
	/* Holes in the range are fine; the count is what was mapped. */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(16), PG(6));
	iommufd_check_unmapped_all(&self->doms, IOVA(2), BUF(0));
	iommufd_check_unmapped_all(&self->doms, IOVA(12), BUF(5));
	/* The area outside the range stays. */
	iommufd_check_map_all(&self->doms, IOVA(20), PG(1), BUF(6));
	check_refs(BUF(0), PG(6), 0);
	check_refs(BUF(6), PG(1), expected_refs());
}

TEST_F(ioas, unmap_partial_area_is_enoent)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(8));
	/*
	 * iommufd never splits an area on unmap: cutting its head, tail or
	 * middle, or a range that straddles its edge, is ENOENT.
	 */
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(8), PG(4));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(12), PG(4));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(10), PG(2));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(4), PG(8));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(12), PG(8));
	/* The area is untouched. */
	iommufd_check_map_all(&self->doms, IOVA(8), PG(8), BUF(0));
	check_refs(BUF(0), PG(8), expected_refs());
	/* Covering it wholly removes it. */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(4), PG(16), PG(8));
}

TEST_F(ioas, unmap_empty_and_bad_ranges)
{
	/* Nothing there: ENOENT (VFIO type1 said 0 bytes instead). */
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(4));
	/* Zero length is invalid, wrapping past the top overflows. */
	test_err_ioas_unmap(EINVAL, self->ioas_id, IOVA(0), 0);
	test_err_ioas_unmap(EOVERFLOW, self->ioas_id, UINT64_MAX - PG(1) + 1,
			    PG(2));
	test_err_ioas_unmap(EOVERFLOW, self->ioas_id, UINT64_MAX, PG(1));
	test_err_ioas_unmap(ENOENT, self->ioas_id + 1000, IOVA(0), PG(1));
	/* A range next to an area but not covering it removes nothing. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(4));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(4));
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(8), PG(4));
	iommufd_check_map_all(&self->doms, IOVA(4), PG(4), BUF(0));
}

TEST_F(ioas, unmap_all)
{
	/* (0, UINT64_MAX) means everything and succeeds even when empty. */
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, 0);

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(1), PG(7), IOVA(100));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(2), IOVA(1000));
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, PG(10));
	iommufd_check_unmapped_all(&self->doms, IOVA(0), BUF(0));
	iommufd_check_unmapped_all(&self->doms, IOVA(100), BUF(1));
	iommufd_check_unmapped_all(&self->doms, IOVA(1000), BUF(8));
	check_refs(BUF(0), PG(10), 0);
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(1));
}

/* ---- IOMMU_IOAS_COPY ---- */

/* A second IOAS, with one mock domain of its own if the variant has any. */
#define make_second_ioas(_idp, _hwptp)                                       \
	do {                                                                 \
		test_cmd_ioas_alloc(_idp);                                   \
		*(_hwptp) = 0;                                               \
		if (self->doms.count)                                        \
			test_cmd_mock_domain(*(_idp), NULL, _hwptp, NULL);   \
	} while (0)

TEST_F(ioas, copy_to_another_ioas)
{
	__u32 dst, dst_hwpt;
	__u64 dst_iova = IOVA(40);

	make_second_ioas(&dst, &dst_hwpt);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	test_cmd_ioas_copy(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMUFD_MAP_RW, dst,
			   &dst_iova, self->ioas_id, IOVA(0), PG(8));
	ASSERT_EQ(IOVA(40), dst_iova);
	if (dst_hwpt)
		test_cmd_md_check_map(dst_hwpt, IOVA(40), PG(8), BUF(0));
	/* The copy shares the pin with the source: still pinned once. */
	check_refs(BUF(0), PG(8), expected_refs());

	/* Unmapping the source leaves the copy standing. */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(8), PG(8));
	if (dst_hwpt)
		test_cmd_md_check_map(dst_hwpt, IOVA(40), PG(8), BUF(0));
	check_refs(BUF(0), PG(8), dst_hwpt ? 1 : 0);
	test_cmd_ioas_unmap_len(dst, IOVA(40), PG(8), PG(8));
	check_refs(BUF(0), PG(8), 0);
}

TEST_F(ioas, copy_within_the_same_ioas)
{
	__u64 iova = 0;

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	/* A slice from the middle, kernel-chosen destination. */
	test_cmd_ioas_copy(IOMMUFD_MAP_RW, self->ioas_id, &iova, self->ioas_id,
			   IOVA(2), PG(3));
	ASSERT_NE(IOVA(2), iova);
	ASSERT_LE(self->doms.usable_start, iova);
	iommufd_check_map_all(&self->doms, iova, PG(3), BUF(2));
	/* The copy is an area of its own: it unmaps on its own. */
	test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(3), PG(3));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(8), BUF(0));
}

TEST_F(ioas, copy_spans_adjacent_areas)
{
	__u32 dst, dst_hwpt;
	__u64 dst_iova = IOVA(64);

	make_second_ioas(&dst, &dst_hwpt);
	/* Two areas back to back in IOVA, from unrelated user memory. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(10), PG(2), IOVA(2));
	test_cmd_ioas_copy(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMUFD_MAP_RW, dst,
			   &dst_iova, self->ioas_id, IOVA(1), PG(2));
	if (dst_hwpt) {
		test_cmd_md_check_map(dst_hwpt, IOVA(64), PG(1), BUF(1));
		test_cmd_md_check_map(dst_hwpt, IOVA(65), PG(1), BUF(10));
	}
	/* Each source area gave its own destination area. */
	test_err_ioas_unmap(ENOENT, dst, IOVA(64) + PG(1) / 2, PG(1));
	test_cmd_ioas_unmap_len(dst, IOVA(64), PG(1), PG(1));
	test_cmd_ioas_unmap_len(dst, IOVA(65), PG(1), PG(1));
}

TEST_F(ioas, copy_rejects_bad_sources)
{
	__u32 dst, dst_hwpt;
	__u64 dst_iova = IOVA(64);
	__u32 fixed = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMUFD_MAP_RW;
	char *ro;

	make_second_ioas(&dst, &dst_hwpt);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(4), PG(2), IOVA(4));
	/* Nothing mapped at the source, or a hole inside the range. */
	test_err_ioas_copy(ENOENT, fixed, dst, &dst_iova, self->ioas_id,
			   IOVA(16), PG(1));
	test_err_ioas_copy(ENOENT, fixed, dst, &dst_iova, self->ioas_id,
			   IOVA(0), PG(6));
	/* Zero length, no permission, unknown flag, unknown IOAS. */
	test_err_ioas_copy(EINVAL, fixed, dst, &dst_iova, self->ioas_id,
			   IOVA(0), 0);
	test_err_ioas_copy(EINVAL, IOMMU_IOAS_MAP_FIXED_IOVA, dst, &dst_iova,
			   self->ioas_id, IOVA(0), PG(1));
	test_err_ioas_copy(EOPNOTSUPP, fixed | (1U << 5), dst, &dst_iova,
			   self->ioas_id, IOVA(0), PG(1));
	test_err_ioas_copy(ENOENT, fixed, dst, &dst_iova, self->ioas_id + 1000,
			   IOVA(0), PG(1));
	test_err_ioas_copy(ENOENT, fixed, dst + 1000, &dst_iova, self->ioas_id,
			   IOVA(0), PG(1));
	/* The destination must be free. */
	dst_iova = IOVA(4);
	test_err_ioas_copy(EEXIST, fixed, self->ioas_id, &dst_iova,
			   self->ioas_id, IOVA(0), PG(2));

	/* A writeable copy of a read-only mapping is refused. */
	ro = mmap(NULL, PG(2), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	dst_iova = IOVA(8);
	test_cmd_ioas_map_flags(self->ioas_id, ro, PG(2), &dst_iova,
				IOMMU_IOAS_MAP_FIXED_IOVA |
				IOMMU_IOAS_MAP_READABLE);
	dst_iova = IOVA(64);
	test_err_ioas_copy(EPERM, fixed, dst, &dst_iova, self->ioas_id,
			   IOVA(8), PG(2));
	test_cmd_ioas_copy(IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			   dst, &dst_iova, self->ioas_id, IOVA(8), PG(2));
	test_cmd_ioas_unmap_len(dst, 0, UINT64_MAX, PG(2));
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(8), PG(2), PG(2));
	munmap(ro, PG(2));
}

/* ---- Lifetime of mappings ---- */

TEST_F(ioas, destroy_ioas_releases_pages)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	check_refs(BUF(0), PG(8), expected_refs());
	if (self->doms.count) {
		/* Attached devices keep the IOAS busy. */
		test_err_destroy(EBUSY, self->ioas_id);
		test_cmd_destroy(self->doms.stdev_id[0]);
		if (self->doms.count > 1) {
			/*
			 * The second domain was allocated by hand: it stays
			 * until it is destroyed, even with no device.
			 */
			test_cmd_destroy(self->doms.stdev_id[1]);
			test_err_destroy(EBUSY, self->ioas_id);
			test_cmd_md_check_map(self->doms.hwpt_id[1], IOVA(0),
					      PG(8), BUF(0));
			check_refs(BUF(0), PG(8), 1);
			test_cmd_destroy(self->doms.hwpt_id[1]);
		}
		/* The automatic domain went with its last device. */
		test_err_md_check_map(ENOENT, self->doms.hwpt_id[0], IOVA(0),
				      PG(1), BUF(0));
		/* Mappings stay in the IOAS, no longer pinned. */
		check_refs(BUF(0), PG(8), 0);
	}
	test_cmd_destroy(self->ioas_id);
	check_refs(BUF(0), PG(8), 0);
	test_err_ioas_unmap(ENOENT, self->ioas_id, 0, UINT64_MAX);
}

TEST_F(ioas, domain_attached_after_map_is_filled)
{
	__u32 stdev = 0, hwpt = 0;

	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(16), PG(4), IOVA(32));
	/* A late device joins an existing auto domain or gets a new one. */
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	if (self->doms.count)
		ASSERT_EQ(self->doms.hwpt_id[0], hwpt);
	test_cmd_md_check_map(hwpt, IOVA(0), PG(8), BUF(0));
	test_cmd_md_check_map(hwpt, IOVA(32), PG(4), BUF(16));
	check_refs(BUF(0), PG(8), 1);
	test_cmd_destroy(stdev);
	check_refs(BUF(0), PG(8), expected_refs());
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
