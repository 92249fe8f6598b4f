// SPDX-License-Identifier: GPL-2.0
/*
 * Description: in-kernel accesses to an IOAS (the emulated-device path that
 * mdev drivers use) through IOMMU_TEST_CMD: CREATE_ACCESS, ACCESS_RW reads
 * and writes at any byte offset and across areas, readonly mappings,
 * ACCESS_PAGES pins and their pin counts, unmapping while pinned, and
 * ACCESS_REPLACE_IOAS; each with no domain, one mock domain, two mock domains
 * and a narrow aperture.
 */
#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define ACCESS_PAGES_N 32

FIXTURE(access)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	size_t psize;
	size_t length;
	unsigned char *buffer;
	int rw_fd;	/* an access that only reads and writes */
	int pin_fd;	/* an access that may pin pages */
};

FIXTURE_VARIANT(access)
{
	unsigned int mock_domains;
	bool narrow;
};

IOMMUFD_ADD_DOMAIN_VARIANTS(access);

FIXTURE_SETUP(access)
{
	size_t i;

	iommufd_open_or_skip(&self->fd);
	iommufd_test_cmd_or_skip(self->fd);
	self->psize = iommufd_page_size();
	self->length = ACCESS_PAGES_N * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	for (i = 0; i != self->length; i++)
		self->buffer[i] = (unsigned char)(i * 7 + 3);
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      variant->narrow, &self->doms);
	self->rw_fd = self->pin_fd = -1;
	test_cmd_create_access(self->ioas_id, &self->rw_fd, 0);
	test_cmd_create_access(self->ioas_id, &self->pin_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
}

FIXTURE_TEARDOWN(access)
{
	close(self->rw_fd);
	close(self->pin_fd);
	close(self->fd);
	check_nothing_pinned_after_close(self->buffer, self->length);
	munmap(self->buffer, self->length);
}

#define PG(n) ((size_t)(n) * self->psize)
#define BUF(n) (self->buffer + PG(n))
#define IOVA(n) ((__u64)MOCK_APERTURE_START + PG(n))
#define expected_refs() (self->doms.count ? 1 : 0)

/*
 * Cases that do not depend on the variant's domains run once, in a fixture
 * of their own: an IOAS with one access.
 */
FIXTURE(access_args)
{
	int fd;
	__u32 ioas_id;
	int rw_fd;
};

FIXTURE_SETUP(access_args)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_test_cmd_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	self->rw_fd = -1;
	test_cmd_create_access(self->ioas_id, &self->rw_fd, 0);
}

FIXTURE_TEARDOWN(access_args)
{
	close(self->rw_fd);
	close(self->fd);
}

TEST_F(access_args, create_access_rejects_bad_arguments)
{
	test_err_create_access(ENOENT, self->ioas_id + 1000, 0);
	test_err_create_access(EOPNOTSUPP, self->ioas_id, 1U << 5);
	/* The access keeps its IOAS busy. */
	test_err_destroy(EBUSY, self->ioas_id);
}

TEST_F(access_args, pin_one_page_of_a_huge_mapping)
{
	size_t psize = iommufd_page_size();
	/* Far more than any address space: never pinned as a whole. */
	__u64 huge = 1ULL << 62, iova = 1ULL << 24;
	char *buf = iommufd_test_buffer(psize);
	int pin_fd = -1;
	__u32 id;

	ASSERT_NE(NULL, buf);
	test_cmd_create_access(self->ioas_id, &pin_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	/*
	 * Without a domain a map pins nothing, and iopt_alloc_pages() checks
	 * only that the range does not wrap: the user range may reach far
	 * past what is mapped. Pinning one page of it costs one page (the
	 * kernel's pinned-page store is an xarray). Found by the mock's
	 * fuzzer: the mock sized its pin counters by the whole range.
	 */
	test_cmd_ioas_map_fixed(self->ioas_id, buf, huge, iova);
	test_cmd_access_pages(pin_fd, iova, psize, buf, MOCK_FLAGS_ACCESS_WRITE,
			      &id);
	test_cmd_md_check_refs(buf, psize, 1);
	test_cmd_destroy_access_pages(pin_fd, id);
	test_cmd_md_check_refs(buf, psize, 0);
	test_cmd_ioas_unmap_len(self->ioas_id, iova, huge, huge);
	close(pin_fd);
	munmap(buf, psize);
}

TEST_F(access, rw_reads_and_writes_at_any_offset)
{
	static const size_t offsets[] = { 0, 1, 511, 2048, 4095 };
	static const size_t lengths[] = { 1, 7, 100, 4096, 4097, 3 * 4096 + 5 };
	unsigned char *tmp = malloc(PG(8)), *back = malloc(PG(8));
	size_t o, l, i;

	ASSERT_NE(NULL, tmp);
	ASSERT_NE(NULL, back);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(16), IOVA(0));
	for (o = 0; o != sizeof(offsets) / sizeof(offsets[0]); o++) {
		for (l = 0; l != sizeof(lengths) / sizeof(lengths[0]); l++) {
			size_t off = PG(2) + offsets[o], len = lengths[l];
			__u32 flags = (o + l) % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0;

			for (i = 0; i != len; i++)
				tmp[i] = (unsigned char)(o * 31 + l * 17 + i);
			/* Write through the IOAS, see it in user memory. */
			test_cmd_access_rw(self->rw_fd, IOVA(0) + off, tmp, len,
					   MOCK_ACCESS_RW_WRITE | flags);
			ASSERT_EQ(0, memcmp(self->buffer + off, tmp, len));
			/* Change user memory, read it back through the IOAS. */
			for (i = 0; i != len; i++)
				self->buffer[off + i] ^= 0x5a;
			memset(back, 0, len);
			test_cmd_access_rw(self->rw_fd, IOVA(0) + off, back,
					   len, flags);
			ASSERT_EQ(0, memcmp(self->buffer + off, back, len));
		}
	}
	free(tmp);
	free(back);
}

TEST_F(access, rw_spans_adjacent_areas_not_holes)
{
	unsigned char tmp[64];

	/* Two areas adjacent in IOVA, apart in user memory. */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(1), IOVA(1));
	memset(tmp, 0xc3, sizeof(tmp));
	test_cmd_access_rw(self->rw_fd, IOVA(1) - 32, tmp, sizeof(tmp),
			   MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(0, memcmp(BUF(1) - 32, tmp, 32));
	ASSERT_EQ(0, memcmp(BUF(8), tmp, 32));
	/* A range running into unmapped IOVA is ENOENT. */
	test_err_access_rw(ENOENT, self->rw_fd, IOVA(2) - 32, tmp, sizeof(tmp),
			   0);
	test_err_access_rw(ENOENT, self->rw_fd, IOVA(4), tmp, sizeof(tmp), 0);
}

TEST_F(access, rw_rejects_bad_arguments)
{
	unsigned char tmp[16];

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(1), IOVA(0));
	test_err_access_rw(EINVAL, self->rw_fd, IOVA(0), tmp, 0, 0);
	test_err_access_rw(EOVERFLOW, self->rw_fd, UINT64_MAX - 4, tmp,
			   sizeof(tmp), 0);
	test_err_access_rw(EOPNOTSUPP, self->rw_fd, IOVA(0), tmp, sizeof(tmp),
			   1U << 1);
	/* The id must be an access fd: another fd, or none, is EBADFD. */
	test_err_access_rw(EBADFD, self->fd, IOVA(0), tmp, sizeof(tmp), 0);
	test_err_access_rw(EBADFD, 1000, IOVA(0), tmp, sizeof(tmp), 0);
	/* A bad user buffer. */
	test_err_access_rw(EFAULT, self->rw_fd, IOVA(0), (void *)8, 16,
			   MOCK_ACCESS_RW_WRITE);
}

TEST_F(access, rw_respects_readonly_mappings)
{
	unsigned char tmp[32];
	__u64 iova = IOVA(0);

	test_cmd_ioas_map_flags(self->ioas_id, BUF(0), PG(2), &iova,
				IOMMU_IOAS_MAP_FIXED_IOVA |
				IOMMU_IOAS_MAP_READABLE);
	test_cmd_access_rw(self->rw_fd, IOVA(1) - 16, tmp, sizeof(tmp), 0);
	ASSERT_EQ(0, memcmp(BUF(1) - 16, tmp, sizeof(tmp)));
	test_err_access_rw(EPERM, self->rw_fd, IOVA(0), tmp, sizeof(tmp),
			   MOCK_ACCESS_RW_WRITE);
	test_err_access_rw(EPERM, self->rw_fd, IOVA(0), tmp, sizeof(tmp),
			   MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH);
	/* Pins for write are refused the same way; for read they work. */
	test_err_access_pages(EPERM, self->pin_fd, IOVA(0), PG(1), BUF(0),
			      MOCK_FLAGS_ACCESS_WRITE);
	test_cmd_access_pages(self->pin_fd, IOVA(0), PG(1), BUF(0), 0, NULL);
}

TEST_F(access, writes_to_readonly_memory_fault)
{
	unsigned char tmp[32] = { 1 };
	char *ro = mmap(NULL, PG(2), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	__u64 iova = IOVA(0);

	ASSERT_NE(MAP_FAILED, ro);
	if (self->doms.count) {
		/* Domains pin at map time, so the map itself fails. */
		test_err_ioas_map_flags(EFAULT, self->ioas_id, ro, PG(2),
					&iova, IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMUFD_MAP_RW);
	} else {
		/* Without one the failure comes when an access pins. */
		test_cmd_ioas_map_flags(self->ioas_id, ro, PG(2), &iova,
					IOMMU_IOAS_MAP_FIXED_IOVA |
					IOMMUFD_MAP_RW);
		test_err_access_pages(EFAULT, self->pin_fd, IOVA(0), PG(1),
				      ro, MOCK_FLAGS_ACCESS_WRITE);
		test_err_access_rw(EFAULT, self->rw_fd, IOVA(0), tmp,
				   sizeof(tmp), MOCK_ACCESS_RW_WRITE);
		test_cmd_ioas_unmap(self->ioas_id, IOVA(0), PG(2));
	}
	munmap(ro, PG(2));
}

TEST_F(access, pin_pages_and_release)
{
	__u32 id1, id2;

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	test_cmd_md_check_refs(BUF(0), PG(8), expected_refs());

	/* The kernel checks the pinned pages are the ones under uptr. */
	test_cmd_access_pages(self->pin_fd, IOVA(1), PG(3), BUF(1),
			      MOCK_FLAGS_ACCESS_WRITE, &id1);
	/* One pin per page for the whole IOAS page store. */
	test_cmd_md_check_refs(BUF(1), PG(3), 1);
	test_cmd_md_check_refs(BUF(4), PG(4), expected_refs());
	/* The same range twice, then release one: still pinned. */
	test_cmd_access_pages(self->pin_fd, IOVA(2), PG(1), BUF(2), 0, &id2);
	ASSERT_NE(id1, id2);
	test_cmd_destroy_access_pages(self->pin_fd, id1);
	test_cmd_md_check_refs(BUF(2), PG(1), 1);
	test_cmd_md_check_refs(BUF(1), PG(1), expected_refs());
	test_cmd_destroy_access_pages(self->pin_fd, id2);
	test_cmd_md_check_refs(BUF(0), PG(8), expected_refs());
	/* Released ids are gone. */
	test_err_destroy_access_pages(ENOENT, self->pin_fd, id1);
	/* Wrong user memory: the kernel's comparison fails with EBADE. */
	test_err_access_pages(EBADE, self->pin_fd, IOVA(0), PG(1), BUF(5), 0);
	test_cmd_md_check_refs(BUF(0), PG(8), expected_refs());
}

TEST_F(access, pin_in_whole_pages)
{
	__u32 id;

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(8), IOVA(0));
	/*
	 * A pin hands out struct pages, so it must start on a page boundary
	 * of the user memory; starting inside a page is EINVAL.
	 */
	test_err_access_pages(EINVAL, self->pin_fd, IOVA(2) + 100, PG(1),
			      BUF(2) + 100, 0);
	/* A length that ends inside a page pins that page as well. */
	test_cmd_access_pages(self->pin_fd, IOVA(2), PG(1) + 100, BUF(2), 0,
			      &id);
	test_cmd_md_check_refs(BUF(2), PG(2), 1);
	test_cmd_md_check_refs(BUF(4), PG(1), expected_refs());
	test_cmd_destroy_access_pages(self->pin_fd, id);
	test_cmd_md_check_refs(BUF(2), PG(2), expected_refs());

	/*
	 * Across two areas that meet on a page boundary: fine. The kernel
	 * compares the pins with one contiguous uptr, which two areas from
	 * separate memory are not; a NULL uptr skips that comparison and the
	 * pin counts show what was pinned.
	 */
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(20), PG(1), IOVA(8));
	test_cmd_access_pages(self->pin_fd, IOVA(7), PG(2), NULL, 0, &id);
	test_cmd_md_check_refs(BUF(7), PG(1), 1);
	test_cmd_md_check_refs(BUF(20), PG(1), 1);
	test_cmd_destroy_access_pages(self->pin_fd, id);
	test_cmd_md_check_refs(BUF(20), PG(1), expected_refs());
}

TEST_F(access, pin_rejects_bad_arguments)
{
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	/* An access without pin support cannot pin. */
	test_err_access_pages(EOPNOTSUPP, self->rw_fd, IOVA(0), PG(1), BUF(0),
			      0);
	test_err_access_pages(EOPNOTSUPP, self->pin_fd, IOVA(0), PG(1), BUF(0),
			      1U << 3);
	test_err_access_pages(EINVAL, self->pin_fd, IOVA(0), 0, BUF(0), 0);
	test_err_access_pages(ENOENT, self->pin_fd, IOVA(4), PG(1), BUF(0), 0);
	test_err_access_pages(ENOENT, self->pin_fd, IOVA(1), PG(2), BUF(1), 0);
	test_err_access_pages(EOVERFLOW, self->pin_fd, UINT64_MAX - 8, PG(1),
			      BUF(0), 0);
	test_err_access_pages(EBADFD, self->fd, IOVA(0), PG(1), BUF(0), 0);
	/* More than the kernel's 16 MiB bound for one test pin. */
	test_err_access_pages(ENOMEM, self->pin_fd, IOVA(0), 32UL << 20,
			      BUF(0), 0);
	test_cmd_md_check_refs(BUF(0), PG(2), expected_refs());
}

TEST_F(access, pin_access_makes_the_ioas_page_aligned)
{
	struct iommu_iova_range range;
	__u32 num = 1;
	__u64 align = 0;

	/* An access that pins works in CPU pages: the IOAS must too. */
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(self->psize, align);
	test_err_ioas_map_fixed(EINVAL, self->ioas_id, BUF(0), MOCK_PAGE_SIZE,
				IOVA(0));
	/* Without it, the domain's (or no) alignment applies again. */
	close(self->pin_fd);
	self->pin_fd = -1;
	num = 1;
	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	ASSERT_EQ(self->doms.count ? MOCK_PAGE_SIZE : 1, align);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), MOCK_PAGE_SIZE,
				IOVA(0));
}

TEST_F(access, unmap_while_pinned_revokes_the_pin)
{
	__u32 id, id2;
	unsigned char tmp[8];

	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(4), IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(8), PG(4), IOVA(8));
	test_cmd_access_pages(self->pin_fd, IOVA(1), PG(2), BUF(1), 0, &id);
	test_cmd_access_pages(self->pin_fd, IOVA(8), PG(1), BUF(8), 0, &id2);
	/*
	 * Unmap tells the access to let go (its unmap callback unpins), then
	 * removes the area: unmap never fails because of a pin.
	 */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(4), PG(4));
	test_cmd_md_check_refs(BUF(0), PG(4), 0);
	test_err_destroy_access_pages(ENOENT, self->pin_fd, id);
	test_err_access_rw(ENOENT, self->rw_fd, IOVA(1), tmp, sizeof(tmp), 0);
	/* The other pin was outside the range and stays. */
	test_cmd_md_check_refs(BUF(8), PG(1), 1);
	test_cmd_destroy_access_pages(self->pin_fd, id2);
	test_cmd_md_check_refs(BUF(8), PG(4), expected_refs());
}

TEST_F(access, replace_ioas_moves_the_access)
{
	__u32 ioas2;
	unsigned char tmp[64];
	__u32 id;

	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map_fixed(self->ioas_id, BUF(0), PG(2), IOVA(0));
	test_cmd_ioas_map_fixed(ioas2, BUF(16), PG(2), IOVA(0));
	test_cmd_access_pages(self->pin_fd, IOVA(0), PG(1), BUF(0), 0, &id);

	/* Reads now come from the second IOAS's memory. */
	test_cmd_access_replace_ioas(self->rw_fd, ioas2);
	test_cmd_access_rw(self->rw_fd, IOVA(0) + 8, tmp, sizeof(tmp), 0);
	ASSERT_EQ(0, memcmp(BUF(16) + 8, tmp, sizeof(tmp)));

	/* Replacing drops the access's pins in the old IOAS. */
	test_cmd_access_replace_ioas(self->pin_fd, ioas2);
	test_err_destroy_access_pages(ENOENT, self->pin_fd, id);
	test_cmd_md_check_refs(BUF(0), PG(1), expected_refs());
	test_cmd_access_pages(self->pin_fd, IOVA(1), PG(1), BUF(17), 0, &id);
	test_cmd_md_check_refs(BUF(17), PG(1), 1);

	/* The first IOAS is free of accesses now. */
	if (!self->doms.count)
		test_cmd_destroy(self->ioas_id);
	test_err_destroy(EBUSY, ioas2);
	/* Same IOAS again is a no-op; unknown ones are ENOENT. */
	test_cmd_access_replace_ioas(self->pin_fd, ioas2);
	test_cmd_md_check_refs(BUF(17), PG(1), 1);
	test_err_access_replace_ioas(ENOENT, self->pin_fd, ioas2 + 1000);
	test_err_access_replace_ioas(EBADFD, self->fd, ioas2);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
