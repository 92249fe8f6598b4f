// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the raw uAPI lifecycle of an IOAS, one ioctl at a time:
 * open, IOAS_ALLOC, MAP at a fixed IOVA, UNMAP, UNMAP of nothing (ENOENT),
 * DESTROY, DESTROY of an unknown id (ENOENT), close; and proof that the
 * IOMMU_TEST_CMD mock domain answers and sees the mapping.
 */
#include <stdlib.h>

#include "iommufd_utils.h"

/* Without <linux/iommufd.h> (6.1 headers) the program is one skip. */
#ifdef IOMMUFD_HAVE_UAPI

/* Inside the mock domain's aperture (MOCK_APERTURE_START is 16 MiB). */
#define LIFECYCLE_IOVA (1ULL << 24)
#define LIFECYCLE_PAGES 16

FIXTURE(lifecycle)
{
	int fd;
	__u32 ioas_id;
	size_t length;
	void *buffer;
};

FIXTURE_SETUP(lifecycle)
{
	iommufd_open_or_skip(&self->fd);
	self->length = LIFECYCLE_PAGES * iommufd_page_size();
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	test_cmd_ioas_alloc(&self->ioas_id);
	ASSERT_NE(0, self->ioas_id);
}

FIXTURE_TEARDOWN(lifecycle)
{
	munmap(self->buffer, self->length);
	/* Closing the fd destroys whatever a failed test left behind. */
	close(self->fd);
}

TEST_F(lifecycle, map_unmap_destroy)
{
	__u64 unmapped = 0;

	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				  LIFECYCLE_IOVA);
	/* The same range again overlaps what is there. */
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, self->buffer,
				      self->length, LIFECYCLE_IOVA);

	test_cmd(_test_ioctl_ioas_unmap(self->fd, self->ioas_id,
					LIFECYCLE_IOVA, self->length,
					&unmapped));
	/* UNMAP reports back how much it removed. */
	ASSERT_EQ(self->length, unmapped);

	test_cmd_destroy(self->ioas_id);
}

TEST_F(lifecycle, unmap_of_nothing_is_enoent)
{
	/*
	 * iommufd treats an area as an object: removing one that is not there
	 * is ENOENT, unlike VFIO type1, which reports zero bytes unmapped.
	 */
	test_err_ioas_unmap(ENOENT, self->ioas_id, LIFECYCLE_IOVA,
				  self->length);

	/* Map, unmap, and the second unmap of the same range is ENOENT. */
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				  LIFECYCLE_IOVA);
	test_cmd_ioas_unmap(self->ioas_id, LIFECYCLE_IOVA, self->length);
	test_err_ioas_unmap(ENOENT, self->ioas_id, LIFECYCLE_IOVA,
				  self->length);
}

TEST_F(lifecycle, destroy_unknown_id_is_enoent)
{
	test_cmd_destroy(self->ioas_id);
	/* Ids are not reused at once, so the one just freed is unknown now. */
	test_err_destroy(ENOENT, self->ioas_id);
	test_err_destroy(ENOENT, UINT32_MAX);
}

TEST_F(lifecycle, unmap_into_destroyed_ioas_is_enoent)
{
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				  LIFECYCLE_IOVA);
	/* Destroying an IOAS with mappings in it is allowed: they go with it. */
	test_cmd_destroy(self->ioas_id);
	test_err_ioas_unmap(ENOENT, self->ioas_id, LIFECYCLE_IOVA,
				  self->length);
}

TEST_F(lifecycle, mock_domain_sees_the_mapping)
{
	__u32 stdev_id = 0, hwpt_id = 0;

	/* Absent test command, or mock devices refused (a real IOMMU driver). */
	iommufd_mock_domain_or_skip(self->fd);

	test_cmd_mock_domain(self->ioas_id, &stdev_id, &hwpt_id, NULL);
	ASSERT_NE(0, stdev_id);
	ASSERT_NE(0, hwpt_id);

	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				  LIFECYCLE_IOVA);
	/* The domain's page table points at exactly our pages. */
	test_cmd_md_check_map(hwpt_id, LIFECYCLE_IOVA, self->length,
			      self->buffer);

	test_cmd_ioas_unmap(self->ioas_id, LIFECYCLE_IOVA, self->length);
	/* After unmap, the domain has no translation there any more. */
	test_err_md_check_map(EINVAL, hwpt_id, LIFECYCLE_IOVA,
			      iommufd_page_size(), self->buffer);

	/* The IOAS is in use by the mock domain's attachment. */
	test_err_destroy(EBUSY, self->ioas_id);
	test_cmd_destroy(stdev_id);
	test_cmd_destroy(self->ioas_id);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
