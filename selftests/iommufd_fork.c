// SPDX-License-Identifier: GPL-2.0
/*
 * Description: one iommufd context shared across fork(), as one struct file
 * is: a child's objects, ids and areas are the parent's; a child's close()
 * or exit leaves the parent's fd working; the parent reads and writes a
 * live child's mapped memory through an access and a late domain pins it
 * (the child's mm, not the parent's copy); after the child exits, what a
 * domain pinned stays readable and writeable, and what nothing pinned can
 * no longer be pinned (EFAULT). With no domain, one and two mock domains.
 */
#include <sys/wait.h>

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#define FORK_PAGES 4
/* What each process's copy of the buffer holds after fork(). */
#define PARENT_BYTE 0x5a
#define CHILD_BYTE 0xc3
#define WRITTEN_BYTE 0x7e

FIXTURE(fork)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	size_t psize;
	size_t length;
	unsigned char *buffer;	/* private: the child's copy is its own */
	unsigned char *tmp;
	int to_parent[2], to_child[2];
};

FIXTURE_VARIANT(fork)
{
	unsigned int mock_domains;
};

FIXTURE_VARIANT_ADD(fork, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(fork, mock_domain) { .mock_domains = 1 };
FIXTURE_VARIANT_ADD(fork, two_mock_domains) { .mock_domains = 2 };

FIXTURE_SETUP(fork)
{
	iommufd_open_or_skip(&self->fd);
	iommufd_test_cmd_or_skip(self->fd);
	self->psize = iommufd_page_size();
	self->length = FORK_PAGES * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	memset(self->buffer, PARENT_BYTE, self->length);
	self->tmp = malloc(self->length);
	ASSERT_NE(NULL, self->tmp);
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      false, &self->doms);
	ASSERT_EQ(0, pipe(self->to_parent));
	ASSERT_EQ(0, pipe(self->to_child));
}

FIXTURE_TEARDOWN(fork)
{
	close(self->to_parent[0]);
	close(self->to_parent[1]);
	close(self->to_child[0]);
	close(self->to_child[1]);
	close(self->fd);
	/* Whatever the children did, nothing of ours stays pinned. */
	check_nothing_pinned_after_close(self->buffer, self->length);
	free(self->tmp);
	munmap(self->buffer, self->length);
}

#define IOVA ((__u64)MOCK_APERTURE_START)

/* The child: its own bytes in its copy of the buffer, mapped at IOVA. */
static int child_maps_its_buffer(int fd, __u32 ioas_id, unsigned char *buf,
				 size_t length)
{
	__u64 iova = IOVA;

	memset(buf, CHILD_BYTE, length);
	return _test_ioctl_ioas_map(fd, ioas_id, buf, length, &iova,
				    IOMMUFD_MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

/* Whether every byte of [p, p + len) is b. */
static bool all_bytes(const unsigned char *p, size_t len, unsigned char b)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != b)
			return false;
	return true;
}

#define wait_child_ok(_child)                                                \
	do {                                                                 \
		int __status;                                                \
		ASSERT_EQ(_child, waitpid(_child, &__status, 0));            \
		ASSERT_TRUE(WIFEXITED(__status));                            \
		ASSERT_EQ(0, WEXITSTATUS(__status))                          \
			TH_LOG("child step %d failed",                       \
			       WEXITSTATUS(__status));                       \
	} while (0)

TEST_F(fork, child_objects_ids_and_areas_are_the_parents)
{
	__u32 child_ioas = 0, next;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child) {
		__u32 id;

		if (_test_ioctl_ioas_alloc(self->fd, &id))
			_exit(10);
		if (write(self->to_parent[1], &id, sizeof(id)) != sizeof(id))
			_exit(11);
		/* Into the parent's IOAS, from the child's memory. */
		if (child_maps_its_buffer(self->fd, self->ioas_id, self->buffer,
					  self->length))
			_exit(12);
		_exit(0);
	}
	wait_child_ok(child);
	ASSERT_EQ(sizeof(child_ioas),
		  read(self->to_parent[0], &child_ioas, sizeof(child_ioas)));
	ASSERT_LT(self->ioas_id, child_ioas);
	/* Ids go on from the child's: one allocator for the context. */
	test_cmd_ioas_alloc(&next);
	EXPECT_EQ(child_ioas + 1, next);
	/* The child's IOAS is an object of this context. */
	test_cmd_destroy(child_ioas);
	test_err_destroy(ENOENT, child_ioas);
	test_cmd_destroy(next);
	/* The area the child mapped is this IOAS's, whole. */
	test_err_ioas_map_fixed(EEXIST, self->ioas_id, self->buffer,
				self->psize, IOVA);
	test_cmd_ioas_unmap(self->ioas_id, IOVA, self->length);
	test_err_ioas_unmap(ENOENT, self->ioas_id, IOVA, self->length);
}

TEST_F(fork, child_close_and_exit_leave_the_parents_fd)
{
	__u32 id;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child) {
		/* Its own fd goes; the parent's is another fd of the file. */
		if (close(self->fd))
			_exit(10);
		if (!_test_ioctl_ioas_alloc(self->fd, &id) || errno != EBADF)
			_exit(11);
		_exit(0);
	}
	wait_child_ok(child);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* An exit closes every fd the child has, as close() would. */
		if (_test_ioctl_ioas_alloc(self->fd, &id))
			_exit(10);
		exit(0);
	}
	wait_child_ok(child);
	/* The context and its IOAS outlive both children. */
	test_cmd_ioas_map_fixed(self->ioas_id, self->buffer, self->length,
				IOVA);
	test_cmd_ioas_unmap(self->ioas_id, IOVA, self->length);
	test_cmd_ioas_alloc(&id);
	test_cmd_destroy(id);
}

TEST_F(fork, live_childs_memory_through_an_access_and_a_late_domain)
{
	unsigned char go = 0;
	int access_fd = -1;
	pid_t child;

	/* The late domain is a mock domain, in every variant. */
	iommufd_mock_domain_or_skip(self->fd);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* Only the parent writes here: its end gone, read() sees EOF. */
		close(self->to_child[1]);
		if (child_maps_its_buffer(self->fd, self->ioas_id, self->buffer,
					  self->length))
			_exit(10);
		if (write(self->to_parent[1], "m", 1) != 1 ||
		    read(self->to_child[0], &go, 1) != 1)
			_exit(11);
		/* The parent wrote page 1 through its access: into ours. */
		if (!all_bytes(self->buffer + self->psize, self->psize,
			       WRITTEN_BYTE))
			_exit(12);
		if (!all_bytes(self->buffer, self->psize, CHILD_BYTE))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(1, read(self->to_parent[0], &go, 1));
	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	/* The area is the child's memory, not the parent's copy of it. */
	test_cmd_access_rw(access_fd, IOVA, self->tmp, self->length, 0);
	EXPECT_TRUE(all_bytes(self->tmp, self->length, CHILD_BYTE));
	/* A late domain pins the child's pages, from the child's mm. */
	test_cmd_mock_domain(self->ioas_id, NULL, NULL, NULL);
	memset(self->tmp, 0, self->length);
	test_cmd_access_rw(access_fd, IOVA, self->tmp, self->length, 0);
	EXPECT_TRUE(all_bytes(self->tmp, self->length, CHILD_BYTE));
	memset(self->tmp, WRITTEN_BYTE, self->psize);
	test_cmd_access_rw(access_fd, IOVA + self->psize, self->tmp,
			   self->psize, MOCK_ACCESS_RW_WRITE);
	/* The parent's own copy is untouched by either. */
	EXPECT_TRUE(all_bytes(self->buffer, self->length, PARENT_BYTE));
	ASSERT_EQ(1, write(self->to_child[1], "y", 1));
	wait_child_ok(child);
	close(access_fd);
	test_cmd_ioas_unmap(self->ioas_id, IOVA, self->length);
}

TEST_F(fork, exited_childs_pins_outlive_it_and_nothing_else_does)
{
	int access_fd = -1;
	pid_t child;

	/* A late mock domain is tried in every variant. */
	iommufd_mock_domain_or_skip(self->fd);
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		if (child_maps_its_buffer(self->fd, self->ioas_id, self->buffer,
					  self->length))
			_exit(10);
		exit(0);
	}
	wait_child_ok(child);
	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	if (self->doms.count) {
		/* Pinned while the child lived: those pages outlive its mm. */
		test_cmd_access_rw(access_fd, IOVA, self->tmp, self->length, 0);
		EXPECT_TRUE(all_bytes(self->tmp, self->length, CHILD_BYTE));
		/* A further domain is filled from the pinned pages. */
		test_cmd_mock_domain(self->ioas_id, NULL, NULL, NULL);
		memset(self->tmp, WRITTEN_BYTE, self->psize);
		test_cmd_access_rw(access_fd, IOVA, self->tmp, self->psize,
				   MOCK_ACCESS_RW_WRITE);
		memset(self->tmp, 0, self->length);
		test_cmd_access_rw(access_fd, IOVA, self->tmp, self->length, 0);
		EXPECT_TRUE(all_bytes(self->tmp, self->psize, WRITTEN_BYTE));
		EXPECT_TRUE(all_bytes(self->tmp + self->psize,
				      self->length - self->psize, CHILD_BYTE));
	} else {
		/* Nothing pinned them: they went with the child's mm. */
		test_err_mock_domain(EFAULT, self->ioas_id, NULL, NULL, NULL);
		test_err_access_rw(EFAULT, access_fd, IOVA, self->tmp,
				   self->length, 0);
	}
	EXPECT_TRUE(all_bytes(self->buffer, self->length, PARENT_BYTE));
	close(access_fd);
	test_cmd_ioas_unmap(self->ioas_id, IOVA, self->length);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
