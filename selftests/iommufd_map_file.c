// SPDX-License-Identifier: GPL-2.0
/*
 * Description: IOMMU_IOAS_MAP_FILE (6.13+): memfd-backed mappings with no
 * domain, one mock domain, two mock domains and a narrow aperture, each on a
 * 4 KiB memfd and on a hugetlb memfd: whole files, offsets and lengths at the
 * file's edges, the IOVA alignment rule for offsets inside a page, readonly,
 * sealed and truncated files, a file that cannot be pinned, unmap and copy of
 * file areas, with MD_CHECK_MAP/MD_CHECK_REFS after each step; and dma-buf
 * (7.x): the mock's exporter (IOMMU_TEST_OP_DMABUF_GET) mapped with MAP_FILE,
 * revoked with IOMMU_TEST_OP_DMABUF_REVOKE, and what its mapping answers then.
 */
#include <fcntl.h>
#include <sys/syscall.h>

#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define HUGE_2M (2UL << 20)
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif

#ifdef IOMMUFD_UAPI_HAS_MAP_FILE

/*
 * The file in this fixture: `pages` pages of `psize` (4 KiB memfd pages or
 * 2 MiB hugetlb pages), mapped shared at `map` so that MD_CHECK_MAP and
 * MD_CHECK_REFS can name its pages by user address.
 */
FIXTURE(map_file)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	int mfd;
	size_t psize;		/* the file's page size */
	size_t length;
	char *map;
	__u64 base;
	bool has_test_cmd;
};

FIXTURE_VARIANT(map_file)
{
	unsigned int mock_domains;
	bool narrow;
	bool hugetlb;
};

#define MAP_FILE_VARIANTS(_backing, _huge)                                   \
	FIXTURE_VARIANT_ADD(map_file, no_domain_##_backing) {                \
		.mock_domains = 0, .hugetlb = _huge };                       \
	FIXTURE_VARIANT_ADD(map_file, mock_domain_##_backing) {              \
		.mock_domains = 1, .hugetlb = _huge };                       \
	FIXTURE_VARIANT_ADD(map_file, two_mock_domains_##_backing) {         \
		.mock_domains = 2, .hugetlb = _huge };                       \
	FIXTURE_VARIANT_ADD(map_file, narrow_aperture_##_backing) {          \
		.mock_domains = 1, .narrow = true, .hugetlb = _huge }

MAP_FILE_VARIANTS(memfd, false);
MAP_FILE_VARIANTS(hugetlb, true);

FIXTURE_SETUP(map_file)
{
	size_t i;

	self->mfd = -1;
	self->map = MAP_FAILED;
	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);
	self->has_test_cmd = iommufd_has_test_cmd(self->fd);
	self->psize = variant->hugetlb ? HUGE_2M : iommufd_page_size();
	self->length = (variant->hugetlb ? 2 : 16) * self->psize;
	self->mfd = iommufd_memfd(self->length,
				  MFD_ALLOW_SEALING |
				  (variant->hugetlb ? MFD_HUGETLB : 0));
	if (self->mfd < 0 && variant->hugetlb)
		SKIP(return, "memfd_create(MFD_HUGETLB) of %zu bytes: %s (no "
		     "2 MiB hugepages reserved? boot with hugepages=N)",
		     self->length, strerror(errno));
	ASSERT_LE(0, self->mfd) TH_LOG("memfd: %s", strerror(errno));
	self->map = mmap(NULL, self->length, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->mfd, 0);
	if (self->map == MAP_FAILED && variant->hugetlb)
		SKIP(return, "mmap of the hugetlb memfd: %s (too few "
		     "hugepages reserved?)", strerror(errno));
	ASSERT_NE(MAP_FAILED, self->map);
	/* Distinct bytes: a translation to the wrong page shows. */
	for (i = 0; i < self->length; i += 512)
		self->map[i] = (char)(i / 512 * 13 + 1);
	self->base = MOCK_APERTURE_START;
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      variant->narrow, &self->doms);
}

FIXTURE_TEARDOWN(map_file)
{
	close(self->fd);
	/* Every object went with the fd: no page of the file stays pinned. */
	if (self->has_test_cmd && self->map != MAP_FAILED)
		check_nothing_pinned_after_close(self->map, self->length);
	if (self->map != MAP_FAILED)
		munmap(self->map, self->length);
	if (self->mfd >= 0)
		close(self->mfd);
}

#define PG(n) ((size_t)(n) * self->psize)
#define MAP(n) (self->map + PG(n))
#define IOVA(n) (self->base + PG(n))

/*
 * Pins while a domain holds the pages (4 KiB pages only: the kernel does not
 * count pins of compound pages, so for hugetlb this asks nothing).
 */
#define check_refs(_uptr, _len, _refs)                                       \
	do {                                                                 \
		if (self->has_test_cmd)                                      \
			test_cmd_md_check_refs(_uptr, _len, _refs);          \
	} while (0)
#define domain_refs() (self->doms.count ? 1 : 0)

TEST_F(map_file, whole_file_maps_and_unmaps)
{
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), self->length, self->map);
	check_refs(self->map, self->length, domain_refs());

	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), self->length,
				self->length);
	iommufd_check_unmapped_all(&self->doms, IOVA(0), self->map);
	check_refs(self->map, self->length, 0);
}

TEST_F(map_file, kernel_chosen_iova_keeps_the_offset_alignment)
{
	__u64 iova = 0;

	/* From the second page to the end: the IOAS chooses where. */
	test_cmd_ioas_map_file(self->ioas_id, self->mfd, PG(1), PG(1),
			       &iova, IOMMUFD_MAP_RW);
	ASSERT_LE(self->doms.usable_start, iova);
	ASSERT_GE(self->doms.usable_last, iova + PG(1) - 1);
	/* iopt_alloc_iova() keeps the low bits of the source offset. */
	ASSERT_EQ(0, iova % self->psize);
	iommufd_check_map_all(&self->doms, iova, PG(1), MAP(1));
	check_refs(MAP(1), PG(1), domain_refs());
	check_refs(MAP(0), PG(1), 0);
	test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(1), PG(1));
}

TEST_F(map_file, range_ending_at_end_of_file)
{
	/* The last page alone, then everything but the first. */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd,
				     self->length - PG(1), PG(1), IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), PG(1),
			      self->map + self->length - PG(1));
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, PG(1),
				     self->length - PG(1), IOVA(4));
	iommufd_check_map_all(&self->doms, IOVA(4), self->length - PG(1),
			      MAP(1));
	/* The last page is in both areas: pinned by each. */
	check_refs(self->map + self->length - PG(1), PG(1),
		   2 * domain_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, self->length);
	check_refs(self->map, self->length, 0);
}

TEST_F(map_file, range_past_end_of_file_fails_when_pinned)
{
	int access_fd;
	char byte;

	/*
	 * Whatever passes the beyond-the-end byte of the file is refused by
	 * memfd_pin_folios() (EINVAL, mm/gup.c), at MAP_FILE when a domain
	 * pins at once, at first use when nothing does.
	 */
	if (self->doms.count) {
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->mfd,
					     PG(1), self->length, IOVA(0));
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->mfd,
					     self->length, PG(1), IOVA(0));
		/* Nothing was left mapped or pinned. */
		test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, 0);
		check_refs(self->map, self->length, 0);
		return;
	}
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, self->length,
				     PG(1), IOVA(0));
	if (self->has_test_cmd) {
		test_cmd_create_access(self->ioas_id, &access_fd, 0);
		test_err_access_rw(EINVAL, access_fd, IOVA(0), &byte, 1, 0);
		close(access_fd);
	}
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(1), PG(1));
}

TEST_F(map_file, offset_inside_a_page_follows_iova_alignment)
{
	struct iommu_iova_range range;
	__u64 align = 0, iova;
	__u32 num = 1;

	test_cmd_ioas_iova_ranges(self->ioas_id, &range, &num, &align);
	if (align < iommufd_page_size()) {
		/*
		 * An offset that is a multiple of the IOAS's alignment but
		 * not of a CPU page: the area starts inside the page, at an
		 * IOVA with the same low bits.
		 */
		iova = IOVA(0) + align;
		test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, align,
					     PG(1), iova);
		iommufd_check_map_all(&self->doms, iova, PG(1),
				      self->map + align);
		test_cmd_ioas_unmap_len(self->ioas_id, iova, PG(1), PG(1));
	}
	if (align > 1) {
		/* Less than the alignment is refused (iopt_insert_area()). */
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->mfd,
					     align / 2, PG(1), IOVA(0));
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->mfd,
					     0, align / 2, IOVA(0));
	}
	check_refs(self->map, self->length, 0);
}

TEST_F(map_file, readonly_mapping)
{
	__u64 iova = IOVA(0);
	char buf[16] = "written by dma";
	int access_fd;

	test_cmd_ioas_map_file(self->ioas_id, self->mfd, 0, PG(1), &iova,
			       IOMMU_IOAS_MAP_READABLE |
			       IOMMU_IOAS_MAP_FIXED_IOVA);
	iommufd_check_map_all(&self->doms, IOVA(0), PG(1), self->map);
	check_refs(self->map, PG(1), domain_refs());
	if (self->has_test_cmd) {
		test_cmd_create_access(self->ioas_id, &access_fd, 0);
		/* Reading works; a write through a readonly area is EPERM. */
		test_cmd_access_rw(access_fd, IOVA(0), buf, sizeof(buf), 0);
		ASSERT_EQ(0, memcmp(buf, self->map, sizeof(buf)));
		test_err_access_rw(EPERM, access_fd, IOVA(0), buf, sizeof(buf),
				   MOCK_ACCESS_RW_WRITE);
		close(access_fd);
	}
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(1), PG(1));
}

TEST_F(map_file, writes_through_the_iova_land_in_the_file)
{
	char buf[32] = "dma write into the memfd";
	char back[32];
	int access_fd;

	if (!self->has_test_cmd)
		SKIP(return, IOMMUFD_NO_TEST_CMD_REASON);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, PG(2),
				     IOVA(0));
	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_cmd_access_rw(access_fd, IOVA(1) - 8, buf, sizeof(buf),
			   MOCK_ACCESS_RW_WRITE);
	/* The file itself changed, seen through read(2) at that offset. */
	ASSERT_EQ(sizeof(back), pread(self->mfd, back, sizeof(back),
				      PG(1) - 8));
	ASSERT_EQ(0, memcmp(buf, back, sizeof(buf)));
	close(access_fd);
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), PG(2), PG(2));
}

TEST_F(map_file, sealed_file_maps)
{
	/*
	 * The usual VMM setup: guest memory in a memfd sealed against
	 * shrinking and growing. Seals other than size do not concern
	 * MAP_FILE; it checks none (pages.c pins through
	 * memfd_pin_folios(), which looks at the file type and size only).
	 */
	ASSERT_EQ(0, fcntl(self->mfd, F_ADD_SEALS,
			   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	iommufd_check_map_all(&self->doms, IOVA(0), self->length, self->map);
	check_refs(self->map, self->length, domain_refs());
	/* The file cannot change size under the mapping. */
	ASSERT_EQ(-1, ftruncate(self->mfd, 0));
	ASSERT_EQ(EPERM, errno);
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), self->length,
				self->length);
	check_refs(self->map, self->length, 0);
}

TEST_F(map_file, truncated_file_keeps_the_pinned_pages)
{
	char *zero;

	zero = calloc(1, self->length);
	ASSERT_NE(NULL, zero);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	/* Cut the file to nothing and grow it again: new, zeroed pages. */
	ASSERT_EQ(0, ftruncate(self->mfd, 0));
	ASSERT_EQ(0, ftruncate(self->mfd, self->length));
	ASSERT_EQ(0, memcmp(self->map, zero, self->length));
	if (self->doms.count) {
		unsigned int i;

		/* The domains still translate to the old, pinned pages. */
		for (i = 0; i < self->doms.count; i++)
			test_err_md_check_map(EINVAL, self->doms.hwpt_id[i],
					      IOVA(0), PG(1), self->map);
	} else if (self->has_test_cmd) {
		/* Nothing was pinned: the IOAS reads the file as it is now. */
		ASSERT_EQ(0, iommufd_ioas_compare(self->fd, self->ioas_id,
						  IOVA(0), self->length, zero));
	}
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), self->length,
				self->length);
	/* Shrunk again: a new mapping past the end fails once pinned. */
	ASSERT_EQ(0, ftruncate(self->mfd, PG(1)));
	if (self->doms.count)
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->mfd,
					     0, PG(2), IOVA(0));
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, PG(1),
				     IOVA(0));
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, PG(1));
	/* Back to full size for the teardown's look at every page. */
	ASSERT_EQ(0, ftruncate(self->mfd, self->length));
	free(zero);
}

TEST_F(map_file, copy_of_a_file_area_shares_the_pins)
{
	__u64 dst = IOVA(0) + self->length;
	__u32 ioas2;

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	/* Within the IOAS, and into a second IOAS without a domain. */
	test_cmd_ioas_copy(IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
			   self->ioas_id, &dst, self->ioas_id, IOVA(0),
			   self->length);
	iommufd_check_map_all(&self->doms, dst, self->length, self->map);
	test_cmd_ioas_alloc(&ioas2);
	dst = IOVA(0);
	test_cmd_ioas_copy(IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA, ioas2,
			   &dst, self->ioas_id, IOVA(0), self->length);
	/* One set of pages behind all three areas: pinned once. */
	check_refs(self->map, self->length, domain_refs());

	/* The source can go; the copies keep the pages. */
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), self->length,
				self->length);
	iommufd_check_unmapped_all(&self->doms, IOVA(0), self->map);
	iommufd_check_map_all(&self->doms, IOVA(0) + self->length,
			      self->length, self->map);
	check_refs(self->map, self->length, domain_refs());
	if (self->has_test_cmd)
		ASSERT_EQ(0, iommufd_ioas_compare(self->fd, ioas2, IOVA(0),
						  self->length, self->map));
	/*
	 * A slice of a file area copies too (iopt_get_pages() takes the
	 * pages under any contiguous range), still without a new pin.
	 */
	dst = IOVA(0) + self->length;
	test_cmd_ioas_copy(IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA, ioas2,
			   &dst, self->ioas_id, IOVA(0) + self->length + PG(1),
			   PG(1));
	if (self->has_test_cmd)
		ASSERT_EQ(0, iommufd_ioas_compare(self->fd, ioas2, dst, PG(1),
						  MAP(1)));
	check_refs(self->map, self->length, domain_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, self->length);
	check_refs(self->map, self->length, 0);
	test_cmd_destroy(ioas2);
}

TEST_F(map_file, file_and_user_mappings_of_the_same_pages)
{
	/* The memfd through MAP_FILE and through its mmap (IOAS_MAP). */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	test_cmd_ioas_map_fixed(self->ioas_id, self->map, self->length,
				IOVA(0) + self->length);
	iommufd_check_map_all(&self->doms, IOVA(0), self->length, self->map);
	iommufd_check_map_all(&self->doms, IOVA(0) + self->length,
			      self->length, self->map);
	/* Two areas, two iopt_pages: each pins. */
	check_refs(self->map, self->length, 2 * domain_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, IOVA(0), self->length,
				self->length);
	check_refs(self->map, self->length, domain_refs());
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, self->length);
	check_refs(self->map, self->length, 0);
}

TEST_F(map_file, attach_after_map_fills_the_new_domain)
{
	__u32 stdev, hwpt;

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     IOVA(0));
	iommufd_mock_domain_or_skip(self->fd);
	/* The file's pages are pinned and mapped into a late domain too. */
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_md_check_map(hwpt, IOVA(0), self->length, self->map);
	check_refs(self->map, self->length, 1);
	test_cmd_destroy(stdev);
	check_refs(self->map, self->length, domain_refs());
	test_cmd_ioas_unmap(self->ioas_id, IOVA(0), self->length);
}

/*
 * Files that are not memfds: the backing of map_file plays no part, so these
 * run once per domain variant.
 */
FIXTURE(map_file_pin)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	bool has_test_cmd;
};

FIXTURE_VARIANT(map_file_pin)
{
	unsigned int mock_domains;
	bool narrow;
};

IOMMUFD_ADD_DOMAIN_VARIANTS(map_file_pin);

FIXTURE_SETUP(map_file_pin)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);
	self->has_test_cmd = iommufd_has_test_cmd(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      variant->narrow, &self->doms);
}

FIXTURE_TEARDOWN(map_file_pin)
{
	close(self->fd);
}

TEST_F(map_file_pin, file_that_cannot_be_pinned)
{
	const __u64 iova = MOCK_APERTURE_START;
	int pipefd[2], access_fd;
	char byte;

	/*
	 * A pipe is a file (fget() works), but neither shmem nor hugetlbfs:
	 * memfd_pin_folios() refuses it with EINVAL when the pages are
	 * pinned, which with no domain is only at first use.
	 */
	ASSERT_EQ(0, pipe(pipefd));
	if (self->doms.count) {
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, pipefd[0],
					     0, iommufd_page_size(), iova);
	} else {
		test_cmd_ioas_map_file_fixed(self->ioas_id, pipefd[0], 0,
					     iommufd_page_size(), iova);
		if (self->has_test_cmd) {
			test_cmd_create_access(self->ioas_id, &access_fd, 0);
			test_err_access_rw(EINVAL, access_fd, iova, &byte, 1,
					   0);
			close(access_fd);
		}
		test_cmd_ioas_unmap(self->ioas_id, iova, iommufd_page_size());
	}
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- Argument checks: nothing reaches a domain, run once ---- */

FIXTURE(map_file_args)
{
	int fd;
	__u32 ioas_id;
	int mfd;
	size_t psize;
};

FIXTURE_SETUP(map_file_args)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);
	self->psize = iommufd_page_size();
	self->mfd = iommufd_memfd(4 * self->psize, 0);
	ASSERT_LE(0, self->mfd);
	test_cmd_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(map_file_args)
{
	close(self->mfd);
	close(self->fd);
}

TEST_F(map_file_args, rejects_bad_arguments)
{
	__u64 iova = MOCK_APERTURE_START;
	int closed;

	/* Flags: only FIXED_IOVA, READABLE, WRITEABLE exist; one of R/W. */
	test_err_ioas_map_file(EOPNOTSUPP, self->ioas_id, self->mfd, 0,
			       self->psize, &iova, IOMMUFD_MAP_RW | 1U << 3);
	test_err_ioas_map_file(EINVAL, self->ioas_id, self->mfd, 0,
			       self->psize, &iova, IOMMU_IOAS_MAP_FIXED_IOVA);
	/* Lengths and offsets that overflow. */
	test_err_ioas_map_file(EOVERFLOW, self->ioas_id, self->mfd, 0,
			       UINT64_MAX, &iova, IOMMUFD_MAP_RW);
	test_err_ioas_map_file(EOVERFLOW, self->ioas_id, self->mfd,
			       UINT64_MAX - 10, self->psize, &iova,
			       IOMMUFD_MAP_RW);
	iova = UINT64_MAX;
	test_err_ioas_map_file(EOVERFLOW, self->ioas_id, self->mfd, 0,
			       self->psize, &iova,
			       IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	/* Nothing to map. */
	test_err_ioas_map_file(EINVAL, self->ioas_id, self->mfd, 0, 0, &iova,
			       IOMMUFD_MAP_RW);
	/* Not an IOAS. */
	test_err_ioas_map_file(ENOENT, self->ioas_id + 100, self->mfd, 0,
			       self->psize, &iova, IOMMUFD_MAP_RW);
	/* Not a file descriptor: -1, and a number just closed. */
	test_err_ioas_map_file(EBADF, self->ioas_id, -1, 0, self->psize, &iova,
			       IOMMUFD_MAP_RW);
	closed = dup(self->mfd);
	ASSERT_LE(0, closed);
	close(closed);
	test_err_ioas_map_file(EBADF, self->ioas_id, closed, 0, self->psize,
			       &iova, IOMMUFD_MAP_RW);
	/* An fd of an iommufd itself is a file, but not one to pin. */
	iova = MOCK_APERTURE_START;
	test_cmd_ioas_map_file(self->ioas_id, self->fd, 0, self->psize, &iova,
			       IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
	test_cmd_ioas_unmap(self->ioas_id, iova, self->psize);
}

TEST_F(map_file_args, overlap_with_an_existing_area_is_eexist)
{
	__u64 iova = MOCK_APERTURE_START;

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0,
				     2 * self->psize, iova);
	test_err_ioas_map_file_fixed(EEXIST, self->ioas_id, self->mfd, 0,
				     self->psize, iova + self->psize);
	test_cmd_ioas_unmap_len(self->ioas_id, iova, 2 * self->psize,
				2 * self->psize);
}

#else /* !IOMMUFD_UAPI_HAS_MAP_FILE */
TEST(map_file_needs_headers)
{
	SKIP(return, "uapi headers without IOMMU_IOAS_MAP_FILE (6.13+)");
}
#endif

/* ---- dma-buf through MAP_FILE (7.x) ---- */

#if defined(IOMMUFD_UAPI_HAS_MAP_FILE) && defined(IOMMUFD_TEST_HAS_DMABUF)
FIXTURE(dmabuf)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	int dfd;
	size_t length;
};

FIXTURE_VARIANT(dmabuf)
{
	unsigned int mock_domains;
	bool narrow;
};

FIXTURE_VARIANT_ADD(dmabuf, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(dmabuf, mock_domain) { .mock_domains = 1 };
FIXTURE_VARIANT_ADD(dmabuf, two_mock_domains) { .mock_domains = 2 };

/* The mock's dma-buf of four pages, and an IOAS with the variant's domains. */
#define dmabuf_prepare(_domains)                                               \
	do {                                                                 \
		int __dfd = -1;                                              \
                                                                             \
		self->dfd = -1;                                              \
		iommufd_open_or_skip(&self->fd);                             \
		iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);        \
		iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_DMABUF_GET); \
		self->length = 4 * iommufd_page_size();                      \
		test_cmd_dmabuf_get(self->length, &__dfd);                   \
		ASSERT_TRUE(iommufd_fd_is_dmabuf(__dfd))                     \
		TH_LOG("DMABUF_GET answered %d, which is not a dma-buf "     \
		       "(config/kernel-bugs/dmabuf-get-fd)", __dfd);         \
		self->dfd = __dfd;                                           \
		test_cmd_ioas_alloc(&self->ioas_id);                         \
		iommufd_domains_setup(self->fd, self->ioas_id, _domains,     \
				      false, &self->doms);                   \
	} while (0)

FIXTURE_SETUP(dmabuf)
{
	dmabuf_prepare(variant->mock_domains);
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->dfd >= 0)
		close(self->dfd);
	close(self->fd);
}

/* Cases whose answer does not depend on the domains: run once. */
FIXTURE(dmabuf_args)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	int dfd;
	size_t length;
};

FIXTURE_SETUP(dmabuf_args)
{
	dmabuf_prepare(0);
}

FIXTURE_TEARDOWN(dmabuf_args)
{
	if (self->dfd >= 0)
		close(self->dfd);
	close(self->fd);
}

#define DIOVA ((__u64)MOCK_APERTURE_START)

/*
 * What the area at iova answers IOMMU_IOAS_NOIOMMU_GET_PA when no noiommu
 * device exists: ENOENT if nothing is mapped, EINVAL for a revoked dma-buf
 * (iopt_get_phys() in io_pagetable.c checks that first), EOPNOTSUPP for
 * anything else: a probe of the area's state that creates nothing. Kernels
 * without CONFIG_IOMMUFD_NOIOMMU answer EOPNOTSUPP for everything.
 */
#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
static int dmabuf_area_state(int fd, __u32 ioas_id, __u64 iova)
{
	__u64 len = 1;

	if (_test_ioctl_noiommu_get_pa(fd, ioas_id, 0, iova, &len, NULL))
		return errno;
	return 0;
}
#endif


/*
 * The ioctl answers with the descriptor it created: the lowest free one, as
 * for any new fd, naming a dma-buf. Linux 7.3 answers 0 and the descriptor
 * it made is never named (config/kernel-bugs/dmabuf-get-fd).
 */
FIXTURE(dmabuf_get)
{
	int fd;
};

FIXTURE_SETUP(dmabuf_get)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_DMABUF_GET);
}

FIXTURE_TEARDOWN(dmabuf_get)
{
	close(self->fd);
}

TEST_F(dmabuf_get, answers_the_new_fd)
{
	int next = iommufd_lowest_free_fd(), dfd = -1;

	test_cmd_dmabuf_get(4 * iommufd_page_size(), &dfd);
	ASSERT_TRUE(iommufd_fd_is_dmabuf(next))
	TH_LOG("no dma-buf at fd %d, the lowest free before the call", next);
	close(next);
	ASSERT_EQ(next, dfd);
}

TEST_F(dmabuf_get, rejects_bad_lengths)
{
	/* 1..512 pages, rounded up to whole pages (selftest.c). */
	test_err_dmabuf_get(EINVAL, 0);
	test_err_dmabuf_get(EINVAL, 512 * iommufd_page_size() + 1);
}

TEST_F(dmabuf, map_and_unmap)
{
	__u64 iova = 0;

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	/* Part of it, at a kernel-chosen IOVA. */
	test_cmd_ioas_map_file(self->ioas_id, self->dfd, iommufd_page_size(),
			       iommufd_page_size(), &iova, IOMMUFD_MAP_RW);
	ASSERT_NE(DIOVA, iova);
	test_cmd_ioas_unmap_len(self->ioas_id, iova, iommufd_page_size(),
				iommufd_page_size());
	test_cmd_ioas_unmap_len(self->ioas_id, DIOVA, self->length,
				self->length);
}

TEST_F(dmabuf_args, map_rejects_ranges_outside_the_buffer)
{
	/* dmabuf->size <= start + length - 1: EINVAL (pages.c). */
	test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->dfd, 0,
				     self->length + iommufd_page_size(), DIOVA);
	test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, self->dfd,
				     self->length, iommufd_page_size(), DIOVA);
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, 0);
}

TEST_F(dmabuf_args, cpu_access_through_the_iova_is_refused)
{
	char byte = 0;
	int access_fd;

	/* Accesses pin struct pages; a dma-buf has none to give: EINVAL. */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_err_access_rw(EINVAL, access_fd, DIOVA, &byte, 1, 0);
	close(access_fd);
	test_cmd_ioas_unmap(self->ioas_id, DIOVA, self->length);
}

TEST_F(dmabuf_args, change_process_refuses_dmabuf_areas)
{
#ifdef IOMMUFD_UAPI_HAS_CHANGE_PROCESS
	/* CHANGE_PROCESS moves file maps only: a dma-buf area is EINVAL. */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	test_err_ioas_change_process(EINVAL);
	test_cmd_ioas_unmap(self->ioas_id, DIOVA, self->length);
	test_cmd_ioas_change_process();
#else
	SKIP(return, "uapi headers without IOMMU_IOAS_CHANGE_PROCESS");
#endif
}

TEST_F(dmabuf, revoke_takes_the_mapping_away)
{
	__u32 stdev, hwpt;

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
	ASSERT_EQ(EOPNOTSUPP, dmabuf_area_state(self->fd, self->ioas_id,
						DIOVA));
#endif
	test_cmd_dmabuf_revoke(self->dfd, true);
#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
	{
		int state = dmabuf_area_state(self->fd, self->ioas_id, DIOVA);

		/* Only a CONFIG_IOMMUFD_NOIOMMU kernel looks at the area. */
		if (state != EOPNOTSUPP)
			ASSERT_EQ(EINVAL, state);
	}
#endif
	/* A new mapping of the revoked buffer is refused (ENODEV). */
	test_err_ioas_map_file_fixed(ENODEV, self->ioas_id, self->dfd, 0,
				     self->length, DIOVA + self->length);
	/* A domain attached now finds nothing to fill, and attaches. */
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt, NULL);
	test_cmd_destroy(stdev);

	/*
	 * Restoring the buffer does not bring the old mapping back (the
	 * revoke cleared its address for good); a new one works again.
	 */
	test_cmd_dmabuf_revoke(self->dfd, false);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA + self->length);
	/* The revoked area is still there, and unmaps. */
	test_cmd_ioas_unmap_len(self->ioas_id, DIOVA, self->length,
				self->length);
	test_cmd_ioas_unmap_len(self->ioas_id, 0, UINT64_MAX, self->length);
}

TEST_F(dmabuf, closing_the_fd_keeps_the_mapping)
{
	/* The area holds its own reference on the dma-buf. */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	close(self->dfd);
	self->dfd = -1;
	test_cmd_ioas_unmap_len(self->ioas_id, DIOVA, self->length,
				self->length);
}

#ifdef IOMMUFD_UAPI_HAS_DIRTY
/*
 * How many pages of [DIOVA, DIOVA + length) hwpt translates: each is marked
 * dirty as a device write would (IOMMU_TEST_OP_DIRTY), then the bitmap is
 * read back. Only pages with a translation can hold the dirty bit, so the
 * count is what the domain maps (the dma-buf memory has no user address for
 * MD_CHECK_MAP to compare with).
 */
static int dmabuf_domain_count(struct __test_metadata *_metadata, int fd,
			       __u32 hwpt, size_t length)
{
	size_t ps = iommufd_page_size();
	__u64 bits = (1ULL << (length / ps)) - 1, out = 0;
	int n = 0;

	EXPECT_EQ(0, _test_cmd_mock_dirty(fd, hwpt, DIOVA, length, ps, &bits,
					  NULL));
	EXPECT_EQ(0, _test_ioctl_get_dirty_bitmap(fd, hwpt, DIOVA, length, ps,
						  &out, 0));
	for (; out; out &= out - 1)
		n++;
	return n;
}

TEST_F(dmabuf_args, revoke_unmaps_it_from_the_domains)
{
	size_t ps = iommufd_page_size();
	__u32 hwpt, idev;

	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_mock_domain(self->ioas_id, NULL, NULL, &idev);
	test_cmd_hwpt_alloc(idev, self->ioas_id,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt);
	test_cmd_mock_domain(hwpt, NULL, NULL, NULL);
	test_cmd_set_dirty_tracking(hwpt, true);

	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	ASSERT_EQ(self->length / ps,
		  dmabuf_domain_count(_metadata, self->fd, hwpt, self->length));
	/* The exporter revokes: iommufd unmaps it from every domain. */
	test_cmd_dmabuf_revoke(self->dfd, true);
	ASSERT_EQ(0, dmabuf_domain_count(_metadata, self->fd, hwpt,
					 self->length));
	/* Restoring the buffer does not map it again. */
	test_cmd_dmabuf_revoke(self->dfd, false);
	ASSERT_EQ(0, dmabuf_domain_count(_metadata, self->fd, hwpt,
					 self->length));
	/* A fresh mapping of the restored buffer is translated again. */
	test_cmd_ioas_unmap(self->ioas_id, DIOVA, self->length);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->dfd, 0, self->length,
				     DIOVA);
	ASSERT_EQ(self->length / ps,
		  dmabuf_domain_count(_metadata, self->fd, hwpt, self->length));
	test_cmd_ioas_unmap(self->ioas_id, DIOVA, self->length);
}
#endif

TEST_F(dmabuf_args, revoke_rejects_other_files)
{
	int mfd = iommufd_memfd(iommufd_page_size(), 0);

	ASSERT_LE(0, mfd);
	/* Not a dma-buf (dma_buf_get(): EINVAL), no fd at all (EBADF). */
	test_err_dmabuf_revoke(EINVAL, mfd, true);
	test_err_dmabuf_revoke(EBADF, -1, true);
	close(mfd);
}
#else
TEST(dmabuf_needs_headers)
{
	SKIP(return, "headers without IOMMU_IOAS_MAP_FILE or the 7.x dma-buf "
	     "test ops (IOMMU_TEST_OP_DMABUF_GET)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
