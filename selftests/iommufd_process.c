// SPDX-License-Identifier: GPL-2.0
/*
 * Description: IOMMU_IOAS_CHANGE_PROCESS (6.14+), which moves the pinned-page
 * accounting of every mapping of a context to the calling process (a live
 * update hands the iommufd to a new process): a child of fork() takes the
 * parent's pins of memfd mappings, seen in both processes' VmPin; what it
 * refuses (anonymous-memory mappings), and that a refusal changes nothing.
 * With no domain, with one mock domain, and with two. And
 * IOMMU_IOAS_NOIOMMU_GET_PA (7.x) without a noiommu device: its argument
 * rules and what it says for IOVA with and without mappings.
 */
#include <sys/wait.h>

#include "iommufd_feature_utils.h"
#include "proc_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#ifndef CAP_IPC_LOCK
#define CAP_IPC_LOCK 14
#endif
#ifndef CAP_SYS_RAWIO
#define CAP_SYS_RAWIO 17
#endif

#ifdef IOMMUFD_UAPI_HAS_CHANGE_PROCESS

#define CP_PAGES 16

FIXTURE(change_process)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	int mfd;
	size_t length;
	char *anon;
};

FIXTURE_VARIANT(change_process)
{
	unsigned int mock_domains;
	bool narrow;
};

FIXTURE_VARIANT_ADD(change_process, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(change_process, mock_domain) { .mock_domains = 1 };
FIXTURE_VARIANT_ADD(change_process, two_mock_domains) { .mock_domains = 2 };

FIXTURE_SETUP(change_process)
{
	self->mfd = -1;
	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_CHANGE_PROCESS);
	self->length = CP_PAGES * iommufd_page_size();
	self->mfd = iommufd_memfd(self->length, 0);
	ASSERT_LE(0, self->mfd);
	self->anon = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->anon);
	/*
	 * Root (CAP_IPC_LOCK) pins without accounting (IOPT_PAGES_ACCOUNT_NONE,
	 * pages.c); without it pins count in the user's locked_vm and in the
	 * mm's pinned_vm, which /proc/<pid>/status shows as VmPin.
	 */
	ASSERT_EQ(0, drop_effective_cap(CAP_IPC_LOCK))
		TH_LOG("capset: %s", strerror(errno));
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      false, &self->doms);
}

FIXTURE_TEARDOWN(change_process)
{
	close(self->fd);
	if (self->mfd >= 0)
		close(self->mfd);
	munmap(self->anon, self->length);
}

#define CP_IOVA ((__u64)MOCK_APERTURE_START)
/* What the mappings pin: the whole file once, only with a domain. */
#define pinned_kb() (self->doms.count ? (long)(self->length / 1024) : 0)

TEST_F(change_process, nothing_mapped_is_a_no_op)
{
	test_cmd_ioas_change_process();
	test_err(EOPNOTSUPP, ({
		struct iommu_ioas_change_process cmd = {
			.size = sizeof(cmd), .__reserved = 1,
		};
		ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &cmd);
	}));
}

TEST_F(change_process, child_takes_the_pins_of_file_mappings)
{
	long before = proc_vm_pin_kb(getpid());
	int status, to_parent[2], to_child[2];
	char go = 0;
	pid_t child;

	/* The child acts on the parent's context (one struct file). */
#define vm_pin_is(_pid, _kb) (proc_vm_pin_kb(_pid) == (_kb))

	ASSERT_LE(0, before);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     CP_IOVA);
	ASSERT_TRUE(vm_pin_is(getpid(), before + pinned_kb()));

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(to_child));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		long child_before = proc_vm_pin_kb(getpid());

		/* The child shares the parent's iommufd: same context. */
		if (_test_ioctl_ioas_change_process(self->fd))
			_exit(10);
		if (!vm_pin_is(getpid(), child_before + pinned_kb()))
			_exit(11);
		/* Asking again changes nothing: it is the owner already. */
		if (_test_ioctl_ioas_change_process(self->fd) ||
		    !vm_pin_is(getpid(), child_before + pinned_kb()))
			_exit(12);
		/* Hold on until the parent has looked at itself. */
		if (write(to_parent[1], "x", 1) != 1 ||
		    read(to_child[0], &go, 1) != 1)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &go, 1));
	/* The parent no longer carries the pins. */
	EXPECT_TRUE(vm_pin_is(getpid(), before));
	ASSERT_EQ(1, write(to_child[1], "y", 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child step %d failed", WEXITSTATUS(status));

	/* Back to the parent, then unmapping uncharges it. */
	test_cmd_ioas_change_process();
	ASSERT_TRUE(vm_pin_is(getpid(), before + pinned_kb()));
	/* The area the child took over is still this context's, whole. */
	test_cmd_ioas_unmap(self->ioas_id, CP_IOVA, self->length);
	ASSERT_TRUE(vm_pin_is(getpid(), before));
#undef vm_pin_is
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

TEST_F(change_process, anonymous_mappings_are_refused)
{
	__u32 ioas2;

	/* An anonymous area alone. */
	test_cmd_ioas_map_fixed(self->ioas_id, self->anon, self->length,
				CP_IOVA);
	test_err_ioas_change_process(EINVAL);
	test_cmd_ioas_unmap(self->ioas_id, CP_IOVA, self->length);
	/* A memfd area in one IOAS, an anonymous one in another. */
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     CP_IOVA);
	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map_fixed(ioas2, self->anon, self->length, CP_IOVA);
	/* Every IOAS of the context is looked at: EINVAL for the whole. */
	test_err_ioas_change_process(EINVAL);
	/* Without the anonymous area the file area alone moves. */
	test_cmd_destroy(ioas2);
	test_cmd_ioas_change_process();
	test_cmd_ioas_unmap(self->ioas_id, CP_IOVA, self->length);
}

TEST_F(change_process, refusal_leaves_the_pins_in_place)
{
	long before = proc_vm_pin_kb(getpid());
	__u32 ioas2;

	ASSERT_LE(0, before);
	test_cmd_ioas_map_file_fixed(self->ioas_id, self->mfd, 0, self->length,
				     CP_IOVA);
	test_cmd_ioas_alloc(&ioas2);
	test_cmd_ioas_map_fixed(ioas2, self->anon, self->length, CP_IOVA);
	test_err_ioas_change_process(EINVAL);
	/* Nothing changed: the pins are where they were. */
	ASSERT_EQ(before + pinned_kb(), proc_vm_pin_kb(getpid()));
	test_cmd_destroy(ioas2);
	/* The owner asks: nothing to move, VmPin stays. */
	test_cmd_ioas_change_process();
	ASSERT_EQ(before + pinned_kb(), proc_vm_pin_kb(getpid()));
	test_cmd_ioas_unmap(self->ioas_id, CP_IOVA, self->length);
	ASSERT_EQ(before, proc_vm_pin_kb(getpid()));
}

#else
TEST(change_process_needs_headers)
{
	SKIP(return, "uapi headers without IOMMU_IOAS_CHANGE_PROCESS (6.14+)");
}
#endif /* IOMMUFD_UAPI_HAS_CHANGE_PROCESS */

#ifdef IOMMUFD_UAPI_HAS_NOIOMMU_GET_PA
FIXTURE(noiommu_get_pa)
{
	int fd;
	__u32 ioas_id;
	char *buf;
};

FIXTURE_SETUP(noiommu_get_pa)
{
	__u64 len = 1;

	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_NOIOMMU_GET_PA);
	self->buf = iommufd_test_buffer(iommufd_page_size());
	ASSERT_NE(NULL, self->buf);
	test_cmd_ioas_alloc(&self->ioas_id);
	/*
	 * Without CONFIG_IOMMUFD_NOIOMMU the ioctl is in the table but its
	 * handler is a stub that answers EOPNOTSUPP to everything
	 * (iommufd_private.h): nothing of its rules can be seen. An empty
	 * IOAS otherwise answers ENOENT.
	 */
	if (_test_ioctl_noiommu_get_pa(self->fd, self->ioas_id, 0,
				       MOCK_APERTURE_START, &len, NULL) &&
	    errno == EOPNOTSUPP)
		SKIP(return, "IOMMU_IOAS_NOIOMMU_GET_PA: EOPNOTSUPP for a "
		     "valid query (kernel without CONFIG_IOMMUFD_NOIOMMU)");
}

FIXTURE_TEARDOWN(noiommu_get_pa)
{
	close(self->fd);
	munmap(self->buf, iommufd_page_size());
}

TEST_F(noiommu_get_pa, argument_rules)
{
	const __u64 iova = MOCK_APERTURE_START;

	test_err_noiommu_get_pa(EOPNOTSUPP, self->ioas_id, 1, iova, 1);
	test_err_noiommu_get_pa(EINVAL, self->ioas_id, 0, iova, 0);
	test_err_noiommu_get_pa(EOVERFLOW, self->ioas_id, 0, UINT64_MAX, 1);
	test_err_noiommu_get_pa(ENOENT, self->ioas_id + 100, 0, iova, 1);
	test_err_noiommu_get_pa(ENOENT, self->ioas_id, 0, iova, 1);
}

TEST_F(noiommu_get_pa, mapped_iova_without_a_noiommu_device)
{
	const __u64 iova = MOCK_APERTURE_START;

	/*
	 * Mapped, but stored in no noiommu domain (no noiommu device is
	 * attached): the kernel will not hand out physical addresses of
	 * pages it has not pinned for such a device.
	 */
	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, iommufd_page_size(),
				iova);
	test_err_noiommu_get_pa(EOPNOTSUPP, self->ioas_id, 0, iova, 1);
	test_cmd_ioas_unmap(self->ioas_id, iova, iommufd_page_size());
	test_err_noiommu_get_pa(ENOENT, self->ioas_id, 0, iova, 1);
}

TEST_F(noiommu_get_pa, needs_cap_sys_rawio)
{
	int status;
	pid_t child = fork();

	ASSERT_LE(0, child);
	if (!child) {
		__u64 len = 1;

		if (drop_effective_cap(CAP_SYS_RAWIO))
			_exit(10);
		if (!_test_ioctl_noiommu_get_pa(self->fd, self->ioas_id, 0,
						MOCK_APERTURE_START, &len,
						NULL) || errno != EPERM)
			_exit(11);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
}
#else
TEST(noiommu_get_pa_needs_headers)
{
	SKIP(return, "uapi headers without IOMMU_IOAS_NOIOMMU_GET_PA (7.x)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
