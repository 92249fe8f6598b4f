// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the IOAS uAPI, each case with no domain, one mock domain, two
 * mock domains and a domain with a narrow aperture: IOVA_RANGES,
 * ALLOW_IOVAS, reserved ranges, MAP (fixed and kernel-chosen IOVA, alignment,
 * overlaps, readonly, memfd, anonymous and huge pages), COPY, UNMAP (exact,
 * contained, partial, empty, all) and the huge-pages OPTION. After every
 * change the mock domains are asked what they translate (MD_CHECK_MAP) and
 * the pages how often they are pinned (MD_CHECK_REFS).
 */
#include <sys/syscall.h>

#include "iommufd_utils.h"
#include "pci_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define IOAS_BUFFER_PAGES 64
#define HUGE_2M (2UL << 20)

FIXTURE(ioas)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	size_t psize;
	size_t length;
	char *buffer;
	/* Every case maps at base + n * psize: valid in every variant. */
	__u64 base;
	bool has_test_cmd;
};

FIXTURE_VARIANT(ioas)
{
	unsigned int mock_domains;
	bool narrow;
};

IOMMUFD_ADD_DOMAIN_VARIANTS(ioas);

FIXTURE_SETUP(ioas)
{
	size_t i;

	iommufd_open_or_skip(&self->fd);
	self->has_test_cmd = iommufd_has_test_cmd(self->fd);
	self->psize = iommufd_page_size();
	self->length = IOAS_BUFFER_PAGES * self->psize;
	self->buffer = iommufd_test_buffer_aligned(self->length, HUGE_2M);
	ASSERT_NE(NULL, self->buffer);
	/* Distinct bytes, so that a translation to the wrong page shows. */
	for (i = 0; i != self->length; i++)
		self->buffer[i] = (char)(i * 7 + i / self->psize);
	self->base = MOCK_APERTURE_START;
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      variant->narrow, &self->doms);
}

FIXTURE_TEARDOWN(ioas)
{
	close(self->fd);
	/*
	 * Closing the fd destroyed every object; no page of the buffer may
	 * stay pinned. Asked through a fresh fd, which owns nothing.
	 */
	if (self->has_test_cmd) {
		int fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd);
		EXPECT_EQ(0, _test_cmd_md_check_refs(fd, self->buffer,
						     self->length, 0))
			TH_LOG("pages still pinned after close: %s",
			       strerror(errno));
		close(fd);
	}
	munmap(self->buffer, self->length);
}

#define PG(n) ((size_t)(n) * self->psize)
#define BUF(n) (self->buffer + PG(n))
#define IOVA(n) (self->base + PG(n))

/* Pinned once while any domain holds the pages, not at all without one. */
#define expected_refs() (self->doms.count ? 1 : 0)

#define skip_without_test_cmd()                                              \
	do {                                                                 \
		if (!self->has_test_cmd)                                     \
			SKIP(return, IOMMUFD_NO_TEST_CMD_REASON);            \
	} while (0)

#define check_refs(_buf, _len, _refs)                                        \
	do {                                                                 \
		if (self->has_test_cmd)                                      \
			test_cmd_md_check_refs(_buf, _len, _refs);           \
	} while (0)

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
