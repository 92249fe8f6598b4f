// SPDX-License-Identifier: GPL-2.0
/*
 * Description: dirty tracking on a mock domain: HWPT_ALLOC with
 * IOMMU_HWPT_ALLOC_DIRTY_TRACKING, HWPT_SET_DIRTY_TRACKING, pages marked
 * dirty by IOMMU_TEST_OP_DIRTY read back with HWPT_GET_DIRTY_BITMAP (with
 * and without NO_CLEAR, at two granularities, for sub-ranges), for mapped
 * sizes whose bitmaps span from part of a word to several bitmap pages; and
 * how far one dirty bit reaches where a hugetlb page gives huge leaves.
 */
#include "iommufd_probes.h"

#ifdef IOMMUFD_HAVE_UAPI
#ifdef IOMMUFD_UAPI_HAS_DIRTY

FIXTURE(dirty)
{
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;		/* the dirty-tracking domain */
	__u32 idev_id;
	size_t length;
	char *buffer;
	__u64 iova;
	size_t nbits;		/* length / MOCK_PAGE_SIZE */
	__u64 *marks;		/* what the test marked dirty */
	__u64 *bitmap;		/* what the kernel reported */
	size_t unit;		/* IO pages that share one dirty bit */
};

FIXTURE_VARIANT(dirty)
{
	size_t length;
};

/*
 * One bit per 2 KiB IO page: 128 KiB is one 64-bit word, 640 KiB ends inside
 * a word, 8 MiB is a whole bitmap page of words, 128 MiB needs two bitmap
 * pages (iova_bitmap walks the user bitmap one pinned page at a time).
 */
FIXTURE_VARIANT_ADD(dirty, size_128k) { .length = 128UL << 10 };
FIXTURE_VARIANT_ADD(dirty, size_256k) { .length = 256UL << 10 };
FIXTURE_VARIANT_ADD(dirty, size_640k) { .length = 640UL << 10 };
FIXTURE_VARIANT_ADD(dirty, size_2m) { .length = 2UL << 20 };
FIXTURE_VARIANT_ADD(dirty, size_8m) { .length = 8UL << 20 };
FIXTURE_VARIANT_ADD(dirty, size_128m) { .length = 128UL << 20 };

static size_t dirty_words(size_t nbits)
{
	return (nbits + 63) / 64;
}

static bool dirty_test_bit(const __u64 *bm, size_t bit)
{
	return bm[bit / 64] >> (bit % 64) & 1;
}

FIXTURE_SETUP(dirty)
{
	__u32 stdev;
	int ret;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	self->length = variant->length;
	self->buffer = iommufd_test_buffer_aligned(self->length, 2UL << 20);
	ASSERT_NE(NULL, self->buffer);
	self->iova = MOCK_APERTURE_START;
	self->nbits = self->length / MOCK_PAGE_SIZE;
	self->marks = calloc(dirty_words(self->nbits), sizeof(__u64));
	self->bitmap = calloc(dirty_words(self->nbits), sizeof(__u64));
	ASSERT_NE(NULL, self->marks);
	ASSERT_NE(NULL, self->bitmap);

	test_cmd_ioas_alloc(&self->ioas_id);
	/*
	 * Every CPU page is mapped on its own (no huge IO pages), so that
	 * how far one dirty bit reaches does not depend on how physically
	 * contiguous the buffer happens to be (THP). Allowed only before
	 * anything is mapped.
	 */
	test_cmd_option_set(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, 0);
	/* A device to allocate for; its automatic domain is not used. */
	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &self->idev_id);
	/*
	 * What one dirty bit covers changed with the mock IOMMU's move to
	 * the generic page table (7.x, drivers/iommu/generic_pt/, probed by
	 * the HWPT_ALLOC driver data that came with it, iommufd_probes.h):
	 * - 6.x's mock keeps a dirty bit per 2 KiB IO page (an xarray entry
	 *   each), so exactly the marked IO pages read back dirty;
	 * - 7.x's mock is an AMDv1 table with 2 KiB granules. iommufd maps
	 *   each CPU page with one iommu_map() (batch_iommu_map_small(),
	 *   pages.c), which the table stores as one leaf: two contiguous
	 *   2 KiB entries sharing one dirty bit, as a real IOMMU's PTE does.
	 *   Marking either half dirties the whole CPU page, and both of its
	 *   IO pages read back dirty. That is the hardware's granularity,
	 *   not a quirk; 6.x's finer answer was the mock's own.
	 */
	ret = iommufd_probe_mock_generic_pt(self->fd, self->idev_id,
					    self->ioas_id);
	ASSERT_LE(0, ret) TH_LOG("probe: %s", strerror(-ret));
	self->unit = ret ? iommufd_page_size() / MOCK_PAGE_SIZE : 1;
	ret = iommufd_probe_or_skip(
		_test_ioctl_hwpt_alloc(self->fd, self->idev_id, self->ioas_id,
				       IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				       &self->hwpt_id),
		"IOMMU_HWPT_ALLOC_DIRTY_TRACKING");
	ASSERT_EQ(0, ret) TH_LOG("hwpt alloc: %s", strerror(errno));
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				self->iova);
}

FIXTURE_TEARDOWN(dirty)
{
	close(self->fd);
	munmap(self->buffer, self->length);
	free(self->marks);
	free(self->bitmap);
}

/* Marks every IO page whose index is a multiple of `stride`, plus the last. */
static size_t dirty_pattern(__u64 *marks, size_t nbits, size_t stride)
{
	size_t i, n = 0;

	memset(marks, 0, dirty_words(nbits) * sizeof(__u64));
	for (i = 0; i != nbits; i++) {
		if (i % stride && i != nbits - 1)
			continue;
		marks[i / 64] |= 1ULL << (i % 64);
		n++;
	}
	return n;
}

/*
 * Whether IO page `bit` must read back dirty: it, or another IO page
 * sharing its dirty bit (the same unit), was marked.
 */
static bool dirty_expected(const __u64 *marks, size_t unit, size_t bit)
{
	size_t first = bit - bit % unit, i;

	for (i = first; i != first + unit; i++)
		if (dirty_test_bit(marks, i))
			return true;
	return false;
}

/*
 * Compares the kernel's bitmap, bits [0, nbits), with what the marks from
 * first_bit on must make dirty. Braces: ASSERT_EQ() is two statements.
 */
#define check_bitmap_equals_marks(_first_bit, _nbits)                        \
	do {                                                                 \
		size_t __i;                                                  \
		for (__i = 0; __i != (_nbits); __i++) {                      \
			ASSERT_EQ(dirty_expected(self->marks, self->unit,    \
						 (_first_bit) + __i),        \
				  dirty_test_bit(self->bitmap, __i))         \
				TH_LOG("bit %zu (IO pages per dirty bit: %zu)", \
				       __i, self->unit);                     \
		}                                                            \
	} while (0)

#define check_bitmap_clear(_nbits)                                           \
	do {                                                                 \
		size_t __i;                                                  \
		for (__i = 0; __i != dirty_words(_nbits); __i++) {           \
			ASSERT_EQ(0, self->bitmap[__i])                      \
				TH_LOG("word %zu", __i);                     \
		}                                                            \
	} while (0)

#define read_bitmap(_iova, _len, _pgsz, _flags)                              \
	do {                                                                 \
		memset(self->bitmap, 0,                                      \
		       dirty_words(self->nbits) * sizeof(__u64));            \
		test_cmd_get_dirty_bitmap(self->hwpt_id, _iova, _len, _pgsz, \
					  self->bitmap, _flags);             \
	} while (0)

TEST_F(dirty, enable_and_disable)
{
	__u64 nr = 0;

	/* Marking needs tracking on: the mock refuses otherwise. */
	dirty_pattern(self->marks, self->nbits, 1);
	test_err_mock_dirty(EINVAL, self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks);
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	/* Enabling twice is not an error. */
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, &nr);
	ASSERT_EQ(self->nbits, nr);
	test_cmd_set_dirty_tracking(self->hwpt_id, false);
	test_err_mock_dirty(EINVAL, self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks);
	/* Re-enabling starts from a clean snapshot. */
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_clear(self->nbits);
}

TEST_F(dirty, bitmap_reports_and_clears)
{
	size_t marked = dirty_pattern(self->marks, self->nbits, 3);
	__u64 nr = 0;

	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_clear(self->nbits);

	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, &nr);
	ASSERT_EQ(marked, nr);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_equals_marks(0, self->nbits);
	/* Reading cleared them. */
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_clear(self->nbits);
}

TEST_F(dirty, no_clear_keeps_the_bits)
{
	dirty_pattern(self->marks, self->nbits, 5);
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, NULL);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE,
		    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	check_bitmap_equals_marks(0, self->nbits);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE,
		    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	check_bitmap_equals_marks(0, self->nbits);
	/* A normal read still sees them, and clears them. */
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_equals_marks(0, self->nbits);
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_clear(self->nbits);
}

TEST_F(dirty, bitmap_at_cpu_page_granularity)
{
	size_t psize = iommufd_page_size();
	size_t per = psize / MOCK_PAGE_SIZE, bits = self->length / psize, i;

	/* Every 7th IO page: a CPU page bit is set if any of its IO pages is. */
	dirty_pattern(self->marks, self->nbits, 7);
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, NULL);
	read_bitmap(self->iova, self->length, psize, 0);
	for (i = 0; i != bits; i++) {
		bool any = false;
		size_t j;

		for (j = 0; j != per; j++)
			any |= dirty_test_bit(self->marks, i * per + j);
		ASSERT_EQ(any, dirty_test_bit(self->bitmap, i))
			TH_LOG("CPU page %zu", i);
	}
	/* Bits past the range are not written. */
	if (bits % 64)
		ASSERT_EQ(0, self->bitmap[bits / 64] >> (bits % 64));
}

TEST_F(dirty, bitmap_of_a_sub_range)
{
	size_t skip = self->nbits / 4, count = self->nbits / 2;

	dirty_pattern(self->marks, self->nbits, 2);
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, NULL);
	/* Bit 0 of the answer is the first IO page of the range asked for. */
	read_bitmap(self->iova + skip * MOCK_PAGE_SIZE, count * MOCK_PAGE_SIZE,
		    MOCK_PAGE_SIZE, 0);
	check_bitmap_equals_marks(skip, count);
	/* Only that range was cleared: the rest still reads dirty. */
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	{
		size_t i;

		for (i = 0; i != self->nbits; i++) {
			bool inside = i >= skip && i < skip + count;

			ASSERT_EQ(inside ? false :
					   dirty_expected(self->marks,
							  self->unit, i),
				  dirty_test_bit(self->bitmap, i))
				TH_LOG("bit %zu", i);
		}
	}
}

TEST_F(dirty, get_bitmap_rejects_bad_arguments)
{
	struct iommu_hwpt_get_dirty_bitmap cmd = {
		.size = sizeof(cmd),
		.hwpt_id = self->hwpt_id,
		.iova = self->iova,
		.length = self->length,
		.page_size = MOCK_PAGE_SIZE,
		.data = (uintptr_t)self->bitmap,
	};

	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id, self->iova, 0,
				  MOCK_PAGE_SIZE, self->bitmap, 0);
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id, self->iova,
				  self->length, 0, self->bitmap, 0);
	/* Range not a multiple of the IO page, or of the bitmap's page. */
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id, self->iova + 1,
				  self->length, MOCK_PAGE_SIZE, self->bitmap, 0);
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id,
				  self->iova + MOCK_PAGE_SIZE, self->length,
				  MOCK_PAGE_SIZE * 4, self->bitmap, 0);
	test_err_get_dirty_bitmap(EOVERFLOW, self->hwpt_id, UINT64_MAX - 2047,
				  self->length, MOCK_PAGE_SIZE, self->bitmap, 0);
	test_err_get_dirty_bitmap(EOPNOTSUPP, self->hwpt_id, self->iova,
				  self->length, MOCK_PAGE_SIZE, self->bitmap,
				  1U << 7);
	cmd.__reserved = 1;
	test_err(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &cmd));
	/* Not a paging hwpt. */
	test_err_get_dirty_bitmap(ENOENT, self->ioas_id, self->iova,
				  self->length, MOCK_PAGE_SIZE, self->bitmap, 0);
	test_err_get_dirty_bitmap(ENOENT, self->hwpt_id + 1000, self->iova,
				  self->length, MOCK_PAGE_SIZE, self->bitmap, 0);
}

/*
 * A range asked for must be mapped throughout. The walk over it
 * (__iommu_read_and_clear_dirty(), io_pagetable.c) goes area by contiguous
 * area from its start and refuses the range (EINVAL) at the first IOVA
 * without one: a range that starts on a hole is refused before anything is
 * read, so nothing is cleared. (VFIO type1's GET_BITMAP reports holes as
 * clean instead; iommufd's walk was written to refuse them.) Linux 6.7 to
 * 7.3 (at least) drop the walk's answer and say 0 with nothing read:
 * config/kernel-bugs/dirty-bitmap-walk-error.
 */
TEST_F(dirty, range_with_a_hole_is_refused)
{
	const size_t hole = iommufd_page_size();

	dirty_pattern(self->marks, self->nbits, 3);
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, NULL);
	/* A page of hole, then all but the last page of the mapped range. */
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id, self->iova - hole,
				  self->length, MOCK_PAGE_SIZE, self->bitmap,
				  0);
	/* Nothing was read, so the whole mapped range still reads dirty. */
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_equals_marks(0, self->nbits);
	/* A hole after the mapped part is refused too. */
	test_err_get_dirty_bitmap(EINVAL, self->hwpt_id, self->iova + hole,
				  self->length, MOCK_PAGE_SIZE, self->bitmap,
				  0);
}

TEST_F(dirty, unmap_forgets_dirty_state)
{
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	dirty_pattern(self->marks, self->nbits, 1);
	test_cmd_mock_dirty(self->hwpt_id, self->iova, self->length,
			    MOCK_PAGE_SIZE, self->marks, NULL);
	test_cmd_ioas_unmap(self->ioas_id, self->iova, self->length);
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				self->iova);
	/* A new mapping at the same IOVA starts clean. */
	read_bitmap(self->iova, self->length, MOCK_PAGE_SIZE, 0);
	check_bitmap_clear(self->nbits);
}

/*
 * Which domains can track at all does not depend on the mapped size: once,
 * on an IOAS with a dirty-tracking domain and nothing mapped.
 */
FIXTURE(dirty_caps)
{
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;
};

FIXTURE_SETUP(dirty_caps)
{
	__u32 stdev, idev;
	int ret;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
	ret = iommufd_probe_or_skip(
		_test_ioctl_hwpt_alloc(self->fd, idev, self->ioas_id,
				       IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				       &self->hwpt_id),
		"IOMMU_HWPT_ALLOC_DIRTY_TRACKING");
	ASSERT_EQ(0, ret) TH_LOG("hwpt alloc: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dirty_caps)
{
	close(self->fd);
}

TEST_F(dirty_caps, tracking_needs_a_capable_domain)
{
	__u32 stdev, hwpt_auto, hwpt, idev_nodirty;

	/* An automatic domain is allocated without dirty ops. */
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt_auto, NULL);
	test_err_set_dirty_tracking(EOPNOTSUPP, hwpt_auto, true);
	{
		struct iommu_hwpt_set_dirty_tracking cmd = {
			.size = sizeof(cmd),
			.flags = 2,
			.hwpt_id = self->hwpt_id,
		};

		test_err(EOPNOTSUPP,
			 ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &cmd));
	}
	test_err_set_dirty_tracking(ENOENT, self->ioas_id, true);

	/* A device whose IOMMU cannot track dirty pages. */
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_NO_DIRTY,
				   NULL, NULL, &idev_nodirty);
	test_err_hwpt_alloc(EOPNOTSUPP, idev_nodirty, self->ioas_id,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt);
	/* ...nor join a domain that tracks. */
	test_err_mock_domain_flags(EINVAL, self->hwpt_id,
				   MOCK_FLAGS_DEVICE_NO_DIRTY, NULL, NULL,
				   NULL);
}

/*
 * Huge leaves. A dirty bit belongs to a leaf IOPTE, and iommufd maps
 * physically contiguous memory with the largest page size of the domain
 * that the IOVA and the physical address are aligned to and that fits
 * (pages.c batches contiguous pages into one iommu_map(); the core's
 * iommu_pgsize(), 7.x's pt_compute_best_pgsize()). A 2 MiB hugetlb page
 * mapped alone at a 2 MiB aligned IOVA is one contiguous, aligned run
 * whatever its neighbours, so its leaves are known:
 * - 6.x: a MOCK_FLAGS_DEVICE_HUGE_IOVA device's domains take 1 MiB pages
 *   beside 2 KiB ones: two 1 MiB leaves;
 * - 7.x, the generic page table: pagetable_type MOCK_IOMMUPT_HUGE takes
 *   1 MiB and CPU pages: two 1 MiB leaves; MOCK_IOMMUPT_DEFAULT takes every
 *   power of two from 2 KiB: one 2 MiB leaf (no larger, as the area ends
 *   there).
 * Which mock the kernel has is probed (HWPT_ALLOC driver data,
 * iommufd_probes.h); the other kernel's variants skip.
 */
#define DIRTY_HUGE_SIZE (2UL << 20)

FIXTURE(dirty_huge)
{
	int fd;
	__u32 ioas_id, hwpt_id;
	char *buffer;		/* one 2 MiB hugetlb page */
	__u64 iova;
	size_t psz;		/* the bitmap's page_size: a CPU page */
	size_t nbits;		/* bits of the whole page */
	size_t leaf_bits;	/* bits of one leaf */
	bool generic_pt;	/* 7.x's mock */
	__u64 *bitmap;		/* a whole CPU page, for bits past a range */
};

FIXTURE_VARIANT(dirty_huge)
{
	bool generic_pt;	/* the mock this variant is for */
	int pt_type;		/* 7.x: pagetable_type */
	size_t leaf;		/* the leaf size a 2 MiB page gets */
};

FIXTURE_VARIANT_ADD(dirty_huge, huge_iova_6x)
{
	.generic_pt = false, .leaf = 1UL << 20,
};
FIXTURE_VARIANT_ADD(dirty_huge, pt_huge_7x)
{
	.generic_pt = true, .pt_type = IOMMUFD_MOCK_PT_HUGE, .leaf = 1UL << 20,
};
FIXTURE_VARIANT_ADD(dirty_huge, pt_default_7x)
{
	.generic_pt = true, .pt_type = IOMMUFD_MOCK_PT_DEFAULT,
	.leaf = 2UL << 20,
};

FIXTURE_SETUP(dirty_huge)
{
	__u32 stdev, idev;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	self->generic_pt = iommufd_mock_generic_pt_or_skip(self->fd,
							   self->ioas_id);
	if (self->generic_pt != variant->generic_pt)
		SKIP(return, "%s",
		     self->generic_pt ?
			     "6.x's mock: 7.x refuses MOCK_FLAGS_DEVICE_HUGE_IOVA" :
			     "7.x's generic page table: this mock domain "
			     "takes no pagetable_type");
	self->buffer = iommufd_hugetlb_2m(DIRTY_HUGE_SIZE);
	if (!self->buffer)
		SKIP(return, "MAP_HUGETLB: %s (no 2 MiB hugepages reserved; "
		     "boot with hugepages=N)", strerror(errno));
	self->psz = iommufd_page_size();
	self->nbits = DIRTY_HUGE_SIZE / self->psz;
	self->leaf_bits = variant->leaf / self->psz;
	self->bitmap = iommufd_test_buffer_aligned(self->psz, self->psz);
	ASSERT_NE(NULL, self->bitmap);
	self->iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, self->iova % DIRTY_HUGE_SIZE);

	if (!variant->generic_pt) {
		test_cmd_mock_domain_flags(self->ioas_id,
					   MOCK_FLAGS_DEVICE_HUGE_IOVA_6X,
					   &stdev, NULL, &idev);
		test_cmd_hwpt_alloc(idev, self->ioas_id,
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
				    &self->hwpt_id);
	} else {
#ifdef IOMMUFD_UAPI_HAS_NESTED
		test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
		test_cmd_hwpt_alloc_mock_pt(idev, self->ioas_id,
					    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					    variant->pt_type, &self->hwpt_id);
#endif
	}
	test_cmd_set_dirty_tracking(self->hwpt_id, true);
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, DIRTY_HUGE_SIZE,
				self->iova);
}

FIXTURE_TEARDOWN(dirty_huge)
{
	close(self->fd);
	if (self->buffer)
		munmap(self->buffer, DIRTY_HUGE_SIZE);
	if (self->bitmap)
		munmap(self->bitmap, self->psz);
}

/*
 * Marks the IO page at offset `off` of the huge page dirty, as a device
 * write would (the 2 KiB IO page: 6.x's IOMMU_TEST_OP_DIRTY indexes its
 * xarray by iova / page_size, which is the IO page only at that size).
 */
#define huge_mark(_off)                                                      \
	do {                                                                 \
		__u64 __one = 1, __nr = 0;                                   \
		test_cmd_mock_dirty(self->hwpt_id, self->iova + (_off),      \
				    MOCK_PAGE_SIZE, MOCK_PAGE_SIZE, &__one,  \
				    &__nr);                                  \
		ASSERT_EQ(1, __nr);                                          \
	} while (0)

/* Reads [iova + off, + len) into a zeroed bitmap page. */
#define huge_read(_off, _len, _flags)                                        \
	do {                                                                 \
		memset(self->bitmap, 0, self->psz);                          \
		test_cmd_get_dirty_bitmap(self->hwpt_id, self->iova + (_off), \
					  _len, self->psz, self->bitmap,     \
					  _flags);                           \
	} while (0)

/* Whether bit i is in [first, first + n). */
static bool huge_bit_in(size_t i, size_t first, size_t n)
{
	return i - first < n;
}

/* The bitmap page holds exactly bits [first, first + n) set. */
#define huge_expect_bits(_first, _n)                                         \
	do {                                                                 \
		size_t __i;                                                  \
		for (__i = 0; __i != self->psz * 8; __i++) {                 \
			ASSERT_EQ(huge_bit_in(__i, _first, _n),              \
				  dirty_test_bit(self->bitmap, __i))         \
				TH_LOG("bit %zu (leaf: %zu bits)", __i,      \
				       self->leaf_bits);                     \
		}                                                            \
	} while (0)

TEST_F(dirty_huge, one_dirty_page_reports_its_whole_leaf)
{
	size_t off = 3 * self->psz;

	huge_mark(off);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, self->leaf_bits);
	/* The read cleared the whole leaf. */
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, 0);

	/* A page of the last leaf dirties that leaf only. */
	huge_mark(DIRTY_HUGE_SIZE - self->psz);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(self->nbits - self->leaf_bits, self->leaf_bits);
}

TEST_F(dirty_huge, no_clear_reports_the_leaf_again)
{
	huge_mark(self->psz);
	huge_read(0, DIRTY_HUGE_SIZE, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	huge_expect_bits(0, self->leaf_bits);
	huge_read(0, DIRTY_HUGE_SIZE, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	huge_expect_bits(0, self->leaf_bits);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, self->leaf_bits);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, 0);
}

/*
 * A range that starts inside a dirty leaf. 6.x's mock reads from where the
 * range starts and records the huge page's size from there: the leaf's
 * dirty state lands shifted by the offset. 7.x's generic page table records
 * the leaf from its own start, before the bitmap's first IOVA, which
 * iova_bitmap_set() drops. Either way the leaf is cleared (unless NO_CLEAR).
 */
TEST_F(dirty_huge, a_range_starting_inside_a_leaf)
{
	size_t half = self->leaf_bits / 2 * self->psz;
	size_t expect = self->generic_pt ? 0 : self->leaf_bits;

	huge_mark(0);
	huge_read(half, DIRTY_HUGE_SIZE - half,
		  IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	huge_expect_bits(0, expect);
	/* NO_CLEAR left it dirty: the whole range sees the whole leaf. */
	huge_read(0, DIRTY_HUGE_SIZE, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
	huge_expect_bits(0, self->leaf_bits);
	huge_read(half, DIRTY_HUGE_SIZE - half, 0);
	huge_expect_bits(0, expect);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, 0);
}

/*
 * A range that ends inside a dirty leaf, the dirty page past its end: the
 * leaf is recorded whole on both kernels, so bits past the range's last
 * one are set too, as far as the bitmap's pinned page reaches
 * (iova_bitmap_set() writes what it pinned, not what was asked).
 */
TEST_F(dirty_huge, a_range_ending_inside_a_leaf)
{
	size_t half = self->leaf_bits / 2 * self->psz;

	huge_mark(self->leaf_bits * self->psz - self->psz);
	huge_read(0, half, 0);
	huge_expect_bits(0, self->leaf_bits);
	huge_read(0, DIRTY_HUGE_SIZE, 0);
	huge_expect_bits(0, 0);
}

#else /* !IOMMUFD_UAPI_HAS_DIRTY */
TEST(dirty_tracking)
{
	SKIP(return, "uapi headers without IOMMU_HWPT_GET_DIRTY_BITMAP");
}
#endif
#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
