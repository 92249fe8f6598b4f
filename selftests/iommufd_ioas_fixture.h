/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioas fixture of iommufd_ioas and iommufd_ioas_unmap: an IOAS with no
 * domain, one mock domain, two mock domains or a domain with a narrow
 * aperture, a buffer of distinct bytes to map, and the checks every case
 * makes after a change (MD_CHECK_MAP through iommufd_check_*, MD_CHECK_REFS).
 * Include under #ifdef IOMMUFD_HAVE_UAPI, after iommufd_utils.h.
 */
#ifndef IOMMUFD_IOAS_FIXTURE_H
#define IOMMUFD_IOAS_FIXTURE_H

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
	if (self->has_test_cmd)
		check_nothing_pinned_after_close(self->buffer, self->length);
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

#endif /* IOMMUFD_IOAS_FIXTURE_H */
