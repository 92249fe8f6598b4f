// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the IOAS uAPI, each case with no domain, one mock domain, two
 * mock domains and a domain with a narrow aperture: IOVA_RANGES,
 * ALLOW_IOVAS, reserved ranges, MAP (fixed and kernel-chosen IOVA, alignment,
 * overlaps, readonly, memfd, anonymous and huge pages) and the huge-pages
 * OPTION; UNMAP and COPY are iommufd_ioas_unmap's. After every
 * change the mock domains are asked what they translate (MD_CHECK_MAP) and
 * the pages how often they are pinned (MD_CHECK_REFS).
 */
#include <sys/syscall.h>

#include "iommufd_utils.h"
#include "pci_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#include "iommufd_ioas_fixture.h"

/*
 * ---- Argument checks ----
 *
 * These never reach a domain: they run once, on an IOAS without one,
 * rather than once per variant with the same result.
 */
FIXTURE(ioas_args)
{
	int fd;
	__u32 ioas_id;
	size_t psize;
	char *buffer;
	__u64 base;
};

FIXTURE_SETUP(ioas_args)
{
	iommufd_open_or_skip(&self->fd);
	self->psize = iommufd_page_size();
	self->buffer = iommufd_test_buffer(4 * self->psize);
	ASSERT_NE(NULL, self->buffer);
	self->base = MOCK_APERTURE_START;
	test_cmd_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(ioas_args)
{
	close(self->fd);
	munmap(self->buffer, 4 * self->psize);
}

TEST_F(ioas_args, iova_ranges_bad_ioas)
{
	__u32 num = 0;

	test_err_ioas_iova_ranges(ENOENT, self->ioas_id + 1000, NULL, &num,
				  NULL);
}

TEST_F(ioas_args, allow_iovas_rejects_bad_ranges)
{
	struct iommu_iova_range ranges[2] = {
		{ .start = IOVA(8), .last = IOVA(8) },
	};

	/* A range must hold more than one byte: start < last. */
	test_err_ioas_allow_iovas(EINVAL, self->ioas_id, ranges, 1);
	ranges[0].last = IOVA(8) - 1;
	test_err_ioas_allow_iovas(EINVAL, self->ioas_id, ranges, 1);

	/* Ranges may not overlap each other. */
	ranges[0] = (struct iommu_iova_range){ IOVA(0), IOVA(8) - 1 };
	ranges[1] = (struct iommu_iova_range){ IOVA(4), IOVA(12) - 1 };
	test_err_ioas_allow_iovas(EINVAL, self->ioas_id, ranges, 2);
	/* Adjacent is fine. */
	ranges[1] = (struct iommu_iova_range){ IOVA(8), IOVA(12) - 1 };
	test_cmd_ioas_allow_iovas(self->ioas_id, ranges, 2);

	/* A bad user pointer is EFAULT. */
	test_err_ioas_allow_iovas(EFAULT, self->ioas_id,
				  (struct iommu_iova_range *)8, 1);
	test_err_ioas_allow_iovas(ENOENT, self->ioas_id + 1000, ranges, 1);
}

TEST_F(ioas_args, map_rejects_bad_arguments)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = self->ioas_id,
		.user_va = (uintptr_t)BUF(0),
		.length = PG(1),
		.iova = IOVA(0),
	};
	__u64 iova = IOVA(0);

	/* Zero length. */
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), 0, IOVA(0));
	/* Neither readable nor writeable. */
	test_err_ioas_map_flags(EINVAL, self->ioas_id, BUF(0), PG(1), &iova,
				IOMMU_IOAS_MAP_FIXED_IOVA);
	/* Unknown flags and a non-zero reserved field. */
	test_err_ioas_map_flags(EOPNOTSUPP, self->ioas_id, BUF(0), PG(1),
				&iova, IOMMUFD_MAP_RW | (1U << 3));
	cmd.__reserved = 1;
	test_err(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	/* IOVA and length past what an unsigned long can hold. */
	test_err_ioas_map_fixed(EOVERFLOW, self->ioas_id, BUF(0), PG(1),
				UINT64_MAX);
	test_err_ioas_map_fixed(EOVERFLOW, self->ioas_id, BUF(0), UINT64_MAX,
				IOVA(0));
	/* An IOAS id that does not exist. */
	test_err_ioas_map_fixed(ENOENT, self->ioas_id + 1000, BUF(0), PG(1),
				IOVA(0));
	/* Nothing was mapped by any of those. */
	test_err_ioas_unmap(ENOENT, self->ioas_id, 0, UINT64_MAX - 1);
}

/* ---- IOMMU_IOAS_IOVA_RANGES ---- */

TEST_F(ioas, iova_ranges_report_usable_window)
{
	struct iommu_iova_range ranges[4];
	__u32 num = 0;
	__u64 align = 0;

	/* No room given: EMSGSIZE, and the count tells how much is needed. */
	test_err_ioas_iova_ranges(EMSGSIZE, self->ioas_id, NULL, &num, &align);
	ASSERT_EQ(1, num);

	num = 4;
	memset(ranges, 0xa5, sizeof(ranges));
	test_cmd_ioas_iova_ranges(self->ioas_id, ranges, &num, &align);
	ASSERT_EQ(1, num);
	/* A domain's aperture (and our reservation) bound the IOAS. */
	ASSERT_EQ(self->doms.usable_start, ranges[0].start);
	ASSERT_EQ(self->doms.usable_last, ranges[0].last);
	/* Entries past the count are not written. */
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, ranges[1].start);
	/* Without a domain any byte alignment; the mock IO page otherwise. */
	ASSERT_EQ(self->doms.count ? MOCK_PAGE_SIZE : 1, align);
}

TEST_F(ioas, iova_ranges_split_by_reserved)
{
	struct iommu_iova_range ranges[3];
	__u32 num = 1;

	skip_without_test_cmd();
	test_cmd_add_reserved(self->ioas_id, IOVA(4), PG(4));

	/* Capacity for one of two: EMSGSIZE, the first is filled in. */
	test_err_ioas_iova_ranges(EMSGSIZE, self->ioas_id, ranges, &num, NULL);
	ASSERT_EQ(2, num);
	ASSERT_EQ(self->doms.usable_start, ranges[0].start);

	num = 3;
	test_cmd_ioas_iova_ranges(self->ioas_id, ranges, &num, NULL);
	ASSERT_EQ(2, num);
	ASSERT_EQ(self->doms.usable_start, ranges[0].start);
	ASSERT_EQ(IOVA(4) - 1, ranges[0].last);
	ASSERT_EQ(IOVA(8), ranges[1].start);
	ASSERT_EQ(self->doms.usable_last, ranges[1].last);

	/* Nothing can be mapped into the reservation, fixed or partly. */
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1), IOVA(5));
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(2), IOVA(3));
	/* Right next to it is fine. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(4), PG(4), IOVA(8));
	/* A reservation may not cover what is mapped. */
	test_err_add_reserved(EADDRINUSE, self->ioas_id, IOVA(2), PG(1));
}

/* ---- IOMMU_IOAS_ALLOW_IOVAS ---- */

TEST_F(ioas, allow_iovas_steers_allocation)
{
	struct iommu_iova_range allowed = {
		.start = IOVA(32), .last = IOVA(48) - 1,
	};
	__u64 iova;
	int i;

	test_cmd_ioas_allow_iovas(self->ioas_id, &allowed, 1);
	/* Kernel-chosen IOVAs all land in the allowed window until it is full. */
	for (i = 0; i != 4; i++) {
		test_cmd_ioas_map(self->ioas_id, BUF(4 * i), PG(4), &iova);
		ASSERT_LE(allowed.start, iova);
		ASSERT_GE(allowed.last, iova + PG(4) - 1);
	}
	test_err_ioas_map(ENOSPC, self->ioas_id, BUF(16), PG(1), &iova);

	/*
	 * The allowed list only limits allocation: a fixed IOVA outside it is
	 * still accepted.
	 */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(16), PG(1), IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(1), BUF(16));

	/* An empty list lifts the limit again. */
	test_cmd_ioas_allow_iovas(self->ioas_id, NULL, 0);
	test_cmd_ioas_map(self->ioas_id, BUF(20), PG(1), &iova);
}

TEST_F(ioas, allow_iovas_conflict_with_reserved)
{
	struct iommu_iova_range allowed = {
		.start = IOVA(0), .last = IOVA(16) - 1,
	};

	skip_without_test_cmd();
	test_cmd_add_reserved(self->ioas_id, IOVA(32), PG(4));
	/* Allowed and reserved may never intersect, from either side. */
	allowed.last = IOVA(33);
	test_err_ioas_allow_iovas(EADDRINUSE, self->ioas_id, &allowed, 1);
	allowed.last = IOVA(16) - 1;
	test_cmd_ioas_allow_iovas(self->ioas_id, &allowed, 1);
	test_err_add_reserved(EADDRINUSE, self->ioas_id, IOVA(8), PG(1));

	if (self->doms.count) {
		/* The domain's aperture is a reservation too. */
		allowed.start = 0;
		allowed.last = MOCK_APERTURE_START;
		test_err_ioas_allow_iovas(EADDRINUSE, self->ioas_id, &allowed,
					  1);
	}
}

/* ---- IOMMU_IOAS_MAP ---- */

TEST_F(ioas, map_fixed_is_translated_and_pinned)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(16), IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(16), BUF(0));
	/* A mock domain pins the pages once, however many domains share them. */
	check_refs(BUF(0), PG(16), expected_refs());
	check_refs(BUF(16), PG(16), 0);

	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(16), PG(16));
	iommufd_check_unmapped_all(&self->doms, IOVA(0), BUF(0));
	check_refs(BUF(0), PG(16), 0);
}

TEST_F(ioas, map_kernel_chosen_iova)
{
	__u64 iova = 0;

	test_cmd_ioas_map(self->ioas_id, BUF(0), PG(8), &iova);
	/* Never 0, always inside what IOVA_RANGES reports. */
	ASSERT_NE(0, iova);
	ASSERT_LE(self->doms.usable_start, iova);
	ASSERT_GE(self->doms.usable_last, iova + PG(8) - 1);
	/* The buffer is 2 MiB aligned: the IOVA keeps that up to the length. */
	ASSERT_EQ(0, iova % PG(8));
	iommufd_check_map_all(&self->doms, iova, PG(8), BUF(0));
	check_refs(BUF(0), PG(8), expected_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(8), PG(8));
}

TEST_F(ioas, map_kernel_chosen_iovas_are_disjoint)
{
	static const unsigned int pages[] = { 1, 3, 2, 8, 1, 5, 4, 7 };
	__u64 iova[8], total = 0;
	unsigned int i, j, off = 0;

	for (i = 0; i != 8; i++) {
		test_cmd_ioas_map(self->ioas_id, BUF(off), PG(pages[i]),
				  &iova[i]);
		iommufd_check_map_all(&self->doms, iova[i], PG(pages[i]),
				      BUF(off));
		off += pages[i];
		total += PG(pages[i]);
	}
	for (i = 0; i != 8; i++)
		for (j = 0; j != 8; j++)
			if (i != j)
				ASSERT_TRUE(iova[i] + PG(pages[i]) <= iova[j] ||
					    iova[j] + PG(pages[j]) <= iova[i]);
	/* Unmap-all removes exactly what was mapped. */
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, total);
}

TEST_F(ioas, map_keeps_offset_within_page)
{
	__u64 iova = 0;

	/*
	 * A user address half-way into a page maps to an IOVA half-way into
	 * a page: the offset is not something the IOAS can translate away.
	 */
	test_cmd_ioas_map(self->ioas_id, BUF(0) + MOCK_PAGE_SIZE, PG(2), &iova);
	ASSERT_EQ(MOCK_PAGE_SIZE, iova % self->psize);
	iommufd_check_map_all(&self->doms, iova, PG(2),
			      BUF(0) + MOCK_PAGE_SIZE);
	/* Those pages and the next one are pinned under domains. */
	check_refs(BUF(0), PG(3), expected_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(2), PG(2));
	check_refs(BUF(0), PG(3), 0);
}

TEST_F(ioas, map_alignment_rules)
{
	__u64 iova;

	if (!self->doms.count) {
		/*
		 * An IOAS without a domain is a software table: any byte
		 * alignment of IOVA, user address and length is accepted.
		 */
		test_cmd_ioas_map_fixed(self->ioas_id, BUF(0) + 1, PG(1) - 3,
					IOVA(0) + 1);
		test_cmd_ioas_map(self->ioas_id, BUF(4) + 5, 7, &iova);
		ASSERT_EQ(5, iova % self->psize);
		test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0) + 1, PG(1) - 3,
					PG(1) - 3);
		return;
	}
	/* Under a mock domain everything must be a multiple of its IO page. */
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1),
				IOVA(0) + 1);
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0) + 1, PG(1),
				IOVA(0));
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1) - 1,
				IOVA(0));
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0),
				MOCK_PAGE_SIZE / 2, IOVA(0));
	test_err_ioas_map(EINVAL, self->ioas_id, BUF(0) + 8, PG(1), &iova);
	/* Half pages are the mock's IO page size, so those work. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0) + MOCK_PAGE_SIZE,
				MOCK_PAGE_SIZE, IOVA(0) + MOCK_PAGE_SIZE);
	iommufd_check_map_all(&self->doms, IOVA(0) + MOCK_PAGE_SIZE,
			      MOCK_PAGE_SIZE, BUF(0) + MOCK_PAGE_SIZE);
	/* The first half of that IO page is not mapped. */
	iommufd_check_unmapped_all(&self->doms, IOVA(0), BUF(0));
}

TEST_F(ioas, map_overlap_is_eexist)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(16));
	/* Head, tail, inside, around and exact overlaps are all refused. */
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(4), IOVA(14));
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(4), IOVA(18));
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(1), IOVA(17));
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(8), IOVA(14));
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(4), IOVA(16));
	/* The last byte alone overlaps. */
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, BUF(8), PG(1),
				IOVA(19));
	/* Touching at either end is not an overlap. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(2), IOVA(14));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(10), PG(2), IOVA(20));
	/* The failed attempts changed nothing. */
	iommufd_check_map_all(&self->doms, IOVA(14), PG(2), BUF(8));
	iommufd_check_map_all(&self->doms, IOVA(16), PG(4), BUF(0));
	iommufd_check_map_all(&self->doms, IOVA(20), PG(2), BUF(10));
	/* The same user memory may be mapped at several IOVAs. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(32));
	iommufd_check_map_all(&self->doms, IOVA(32), PG(4), BUF(0));
	check_refs(BUF(0), PG(4), expected_refs() * 2);
}

TEST_F(ioas, map_iova_wraps_is_eoverflow)
{
	/* Page aligned, so no domain rejects it for alignment first. */
	__u64 top = UINT64_MAX - PG(1) + 1;

	if (self->doms.count)
		/* Outside the aperture is reserved, reported as EINVAL. */
		test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), PG(1),
					top - PG(1));
	/* Ending past the top of the IOVA space. */
	test_err_ioas_map_fixed(EOVERFLOW, self->ioas_id, BUF(0), PG(2), top);
}

TEST_F(ioas, map_readonly_memory)
{
	char *ro = mmap(NULL, PG(4), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	__u64 iova = IOVA(0);

	ASSERT_NE(MAP_FAILED, ro);
	/* Read-only IOMMU mappings of read-only memory are fine. */
	test_cmd_ioas_map_flags(self->ioas_id, ro, PG(4), &iova,
				IOMMU_IOAS_MAP_FIXED_IOVA |
				IOMMU_IOAS_MAP_READABLE);
	iommufd_check_map_all(&self->doms, IOVA(0), PG(4), ro);

	iova = IOVA(8);
	if (self->doms.count) {
		/* A domain pins for write at once: the memory refuses. */
		test_err_ioas_map_flags(EFAULT, self->ioas_id, ro, PG(4), &iova,
					IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMUFD_MAP_RW);
	} else {
		/*
		 * Without a domain nothing is pinned until an access asks, so
		 * the writeable map is accepted and fails only when used.
		 */
		test_cmd_ioas_map_flags(self->ioas_id, ro, PG(4), &iova,
					IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMUFD_MAP_RW);
	}
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX,
				self->doms.count ? PG(4) : PG(8));
	munmap(ro, PG(4));
}

TEST_F(ioas, map_of_unmapped_user_memory)
{
	char *hole = mmap(NULL, PG(4), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, PG(4)));
	if (self->doms.count) {
		/* Pinning an address with no VMA behind it faults. */
		test_err_ioas_map_fixed(EFAULT, self->ioas_id, hole, PG(4),
					IOVA(0));
		test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA(0), PG(4));
	} else {
		/* Nothing is pinned without a domain: accepted as is. */
		test_cmd_ioas_map_fixed(self->ioas_id, hole, PG(4), IOVA(0));
		test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(4), PG(4));
	}
}

/* A memfd of `length` bytes, mapped shared; returns its fd, -1 on error. */
static int __attribute__((noinline)) ioas_memfd_map(size_t length,
						     char **map)
{
	int mfd = syscall(__NR_memfd_create, "iommufd_ioas", 0);

	if (mfd < 0)
		return -1;
	if (ftruncate(mfd, length))
		goto out_close;
	*map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (*map == MAP_FAILED) {
out_close:
		close(mfd);
		return -1;
	}
	return mfd;
}

TEST_F(ioas, map_memfd_memory)
{
	char *shm = NULL;
	int mfd = ioas_memfd_map(PG(8), &shm);

	ASSERT_LE(0, mfd) TH_LOG("memfd: %s", strerror(errno));
	memset(shm, 0x5a, PG(8));

	test_cmd_ioas_map_fixed(self->ioas_id, shm, PG(8), IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(8), shm);
	check_refs(shm, PG(8), expected_refs());

	/* A second mapping of the same file sees the same pages. */
	{
		char *again = mmap(NULL, PG(8), PROT_READ | PROT_WRITE,
				   MAP_SHARED, mfd, 0);

		ASSERT_NE(MAP_FAILED, again);
		iommufd_check_map_all(&self->doms, IOVA(0), PG(8), again);
		munmap(again, PG(8));
	}
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(8), PG(8));
	check_refs(shm, PG(8), 0);
	munmap(shm, PG(8));
	close(mfd);
}

TEST_F(ioas, map_hugetlb_memory)
{
	char *huge = mmap(NULL, 2 * HUGE_2M, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
				  MAP_POPULATE,
			  -1, 0);
	__u64 iova = 0;

	if (huge == MAP_FAILED)
		SKIP(return, "MAP_HUGETLB: %s (no 2 MiB hugepages reserved; "
		     "boot with hugepages=N)", strerror(errno));

	/* Part of a huge page can be mapped on its own. */
	test_cmd_ioas_map_fixed(self->ioas_id, huge + PG(3), PG(5), IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(5), huge + PG(3));

	test_cmd_ioas_map(self->ioas_id, huge, 2 * HUGE_2M, &iova);
	/* A huge page aligned user address gets a huge page aligned IOVA. */
	ASSERT_EQ(0, iova % HUGE_2M);
	iommufd_check_map_all(&self->doms, iova, 2 * HUGE_2M, huge);

	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX,
				2 * HUGE_2M + PG(5));
	munmap(huge, 2 * HUGE_2M);
}

TEST_F(ioas, map_of_io_memory_cannot_be_pinned)
{
	size_t len = iommufd_page_size();
	void *bar = NULL;
	int access_fd = -1;
	char why[256];

	/* The first page of any PCI device's memory BAR, through sysfs. */
	if (pci_map_first_bar(PCI_ID_ANY, PCI_ID_ANY, -1, len, &bar, why,
			      sizeof(why)))
		SKIP(return, "no PCI memory BAR can be mmap'ed through sysfs "
		     "here: %s", why);
	if (self->doms.count) {
		/* VM_IO/VM_PFNMAP pages have no struct page to pin. */
		test_err_ioas_map_fixed(EFAULT, self->ioas_id, bar, len,
					IOVA(0));
	} else {
		/* Accepted while nothing pins, refused when something does. */
		test_cmd_ioas_map_fixed(self->ioas_id, bar, len, IOVA(0));
		if (self->has_test_cmd) {
			test_cmd_create_access(self->ioas_id, &access_fd,
				MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
			test_err_access_pages(EFAULT, access_fd, IOVA(0), len,
					      NULL, 0);
			close(access_fd);
		}
		test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), len, len);
	}
	munmap(bar, len);
}

TEST_F(ioas, option_huge_pages)
{
	__u64 val = 99, align = 0;
	__u32 num = 1;
	struct iommu_iova_range range;

	/* Large pages are on by default. */
	test_cmd_option_get(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, &val);
	ASSERT_EQ(1, val);
	/* Only 0 and 1 are values; the object must be an IOAS. */
	test_err_option(EINVAL, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
			self->ioas_id, 2);
	test_err_option(ENOENT, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
			self->ioas_id + 1000, 0);
	test_err_option(EOPNOTSUPP, IOMMU_OPTION_HUGE_PAGES, 2, self->ioas_id,
			0);

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	if (self->doms.count) {
		/* Not once domains hold pages: they were mapped large. */
		test_err_option(EINVAL, IOMMU_OPTION_HUGE_PAGES,
				IOMMU_OPTION_OP_SET, self->ioas_id, 0);
		test_cmd_ioas_unmap(self->ioas_id, IOVA(0), PG(2));
	}
	test_cmd_option_set(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, 0);
	test_cmd_option_get(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, &val);
	ASSERT_EQ(0, val);
	/* Small pages only: the IOAS now works in whole CPU pages. */
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(self->psize, align);
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(8),
				MOCK_PAGE_SIZE, IOVA(8));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(4), IOVA(8));
	iommufd_check_map_all(&self->doms, IOVA(8), PG(4), BUF(8));
	test_cmd_option_set(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, 1);
	test_cmd_option_get(IOMMU_OPTION_HUGE_PAGES, self->ioas_id, &val);
	ASSERT_EQ(1, val);
}

TEST_F(ioas, map_many_pages_in_small_batches)
{
	__u64 iova = 0;

	skip_without_test_cmd();
	/*
	 * With a tiny temporary-memory budget the kernel fills domains a few
	 * pages per batch; the result must be the same.
	 */
	test_cmd_set_temp_memory_limit(sizeof(unsigned long) * 4 + 16);
	test_cmd_ioas_map(self->ioas_id, BUF(0), PG(IOAS_BUFFER_PAGES), &iova);
	iommufd_check_map_all(&self->doms, iova, PG(IOAS_BUFFER_PAGES),
			      BUF(0));
	check_refs(BUF(0), PG(IOAS_BUFFER_PAGES), expected_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(IOAS_BUFFER_PAGES),
				PG(IOAS_BUFFER_PAGES));
	check_refs(BUF(0), PG(IOAS_BUFFER_PAGES), 0);
	test_cmd_set_temp_memory_limit(IOMMUFD_TEST_DEFAULT_MEMORY_LIMIT);
	/* Smaller than one batch element is refused. */
	test_err_set_temp_memory_limit(EINVAL, 4);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
