// SPDX-License-Identifier: GPL-2.0
/*
 * Description: one memfd, mapped MAP_SHARED twice, is one set of pages:
 * pinned through one mapping (IOMMU_IOAS_MAP of it) or through the file
 * (IOMMU_IOAS_MAP_FILE, 6.13+), each page is the page the other mapping
 * shows. MD_CHECK_REFS counts its pin through either mapping, ACCESS_PAGES
 * checks the pages it pinned against either (selftest.c compares struct
 * pages), and MD_CHECK_MAP finds them through either; anonymous memory
 * with the same contents, or the next page of the file, is another page.
 */
#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define VIEW_PAGES 4
#define AREA_IOVA (MOCK_APERTURE_START + (1ULL << 20))

/*
 * A memfd of VIEW_PAGES pages, mapped shared at view[0] and view[1], filled
 * through view[0]; an IOAS with a mock domain (so a mapping pins at once)
 * where the variant maps the memfd at AREA_IOVA; an access that pins.
 */
FIXTURE(memfd_views)
{
	int fd, mfd, access_fd;
	__u32 ioas_id, stdev_id, hwpt_id;
	void *view[2];
	size_t len;
};

FIXTURE_VARIANT(memfd_views)
{
	bool map_file;	/* IOMMU_IOAS_MAP_FILE, not IOMMU_IOAS_MAP of view[0] */
};

FIXTURE_VARIANT_ADD(memfd_views, ioas_map_of_one_view)
{
	.map_file = false,
};

FIXTURE_VARIANT_ADD(memfd_views, ioas_map_file)
{
	.map_file = true,
};

FIXTURE_SETUP(memfd_views)
{
	int i;

	self->mfd = -1;
	self->access_fd = -1;
	self->len = VIEW_PAGES * iommufd_page_size();
	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	if (variant->map_file) {
#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
		iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);
#else
		SKIP(return, "uapi headers without IOMMU_IOAS_MAP_FILE (6.13+)");
#endif
	}
	self->mfd = iommufd_memfd(self->len, 0);
	ASSERT_LE(0, self->mfd) TH_LOG("memfd: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		self->view[i] = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
				     MAP_SHARED, self->mfd, 0);
		ASSERT_NE(MAP_FAILED, self->view[i]);
	}
	ASSERT_NE(self->view[0], self->view[1]);
	for (i = 0; i < VIEW_PAGES; i++)
		memset((char *)self->view[0] + i * iommufd_page_size(), i + 1,
		       iommufd_page_size());
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, &self->hwpt_id,
			     NULL);
	if (variant->map_file) {
#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
		test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0,
					     self->len, AREA_IOVA);
#endif
	} else {
		test_cmd_ioas_map_fixed(self->ioas_id, self->view[0], self->len,
					AREA_IOVA);
	}
	test_cmd_create_access(self->ioas_id, &self->access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
}

FIXTURE_TEARDOWN(memfd_views)
{
	if (self->access_fd >= 0)
		close(self->access_fd);
	close(self->fd);
	if (self->view[0])
		munmap(self->view[0], self->len);
	if (self->view[1])
		munmap(self->view[1], self->len);
	if (self->mfd >= 0)
		close(self->mfd);
}

TEST_F(memfd_views, refs_count_the_pin_through_either_view)
{
	/* The domain pinned each page once, whichever mapping looks. */
	test_cmd_md_check_refs(self->view[0], self->len, 1);
	test_cmd_md_check_refs(self->view[1], self->len, 1);
	test_cmd_ioas_unmap(self->ioas_id, AREA_IOVA, self->len);
	test_cmd_md_check_refs(self->view[0], self->len, 0);
	test_cmd_md_check_refs(self->view[1], self->len, 0);
}

TEST_F(memfd_views, access_pages_are_the_pages_of_either_view)
{
	__u32 id[2];

	test_cmd_access_pages(self->access_fd, AREA_IOVA, self->len,
			      self->view[1], 0, &id[0]);
	test_cmd_access_pages(self->access_fd, AREA_IOVA, self->len,
			      self->view[0], 0, &id[1]);
	test_cmd_destroy_access_pages(self->access_fd, id[0]);
	test_cmd_destroy_access_pages(self->access_fd, id[1]);
	/* A part of the area: the pages of the same part of the file. */
	test_cmd_access_pages(self->access_fd,
			      AREA_IOVA + iommufd_page_size(),
			      iommufd_page_size(),
			      (char *)self->view[1] + iommufd_page_size(), 0,
			      &id[0]);
	test_cmd_destroy_access_pages(self->access_fd, id[0]);
}

TEST_F(memfd_views, another_page_is_not_the_pinned_one)
{
	size_t ps = iommufd_page_size();
	void *copy;

	/* The next page of the file, through the other view: EBADE. */
	test_err_access_pages(EBADE, self->access_fd, AREA_IOVA, ps,
			      (char *)self->view[1] + ps, 0);
	/* Anonymous memory with the same bytes: EBADE. */
	copy = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, copy);
	memcpy(copy, self->view[0], self->len);
	test_err_access_pages(EBADE, self->access_fd, AREA_IOVA, self->len,
			      copy, 0);
	munmap(copy, self->len);
}

TEST_F(memfd_views, check_map_finds_the_pages_through_either_view)
{
	test_cmd_md_check_map(self->hwpt_id, AREA_IOVA, self->len,
			      self->view[0]);
	test_cmd_md_check_map(self->hwpt_id, AREA_IOVA, self->len,
			      self->view[1]);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
