// SPDX-License-Identifier: GPL-2.0
/*
 * Description: object ids and lifetimes on /dev/iommu: IOMMU_DESTROY of each
 * object type, ids of the wrong type, busy objects, id reuse, per-fd id
 * spaces, closing the fd with everything alive, unknown ioctls, and the
 * context-wide IOMMU_OPTION (rlimit accounting mode).
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include "iommufd_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

FIXTURE(objects)
{
	int fd;
	size_t psize;
	char *buffer;
	size_t length;
};

FIXTURE_SETUP(objects)
{
	iommufd_open_or_skip(&self->fd);
	self->psize = iommufd_page_size();
	self->length = 16 * self->psize;
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
}

FIXTURE_TEARDOWN(objects)
{
	close(self->fd);
	munmap(self->buffer, self->length);
}

#define PG(n) ((size_t)(n) * self->psize)
#define IOVA0 ((__u64)MOCK_APERTURE_START)

TEST_F(objects, ioas_alloc_gives_distinct_nonzero_ids)
{
	__u32 ids[32];
	int i, j;

	for (i = 0; i != 32; i++) {
		test_cmd_ioas_alloc(&ids[i]);
		/* 0 is never an object id: XA_FLAGS_ALLOC1. */
		ASSERT_NE(0, ids[i]);
		for (j = 0; j != i; j++) {
			ASSERT_NE(ids[j], ids[i]) TH_LOG("ids %u and %u", j, i);
		}
	}
	for (i = 0; i != 32; i++)
		test_cmd_destroy(ids[i]);
}

TEST_F(objects, ioas_alloc_flags_are_rejected)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };

	/* No IOAS_ALLOC flag is defined: any bit is EOPNOTSUPP. */
	test_err(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 1U << 31;
	test_err(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
}

TEST_F(objects, destroy_ioas_twice)
{
	__u32 id;

	test_cmd_ioas_alloc(&id);
	test_cmd_destroy(id);
	test_err_destroy(ENOENT, id);
	/* 0 and ids never handed out are unknown too. */
	test_err_destroy(ENOENT, 0);
	test_err_destroy(ENOENT, 12345);
}

TEST_F(objects, freed_id_is_handed_out_again)
{
	__u32 a, b, c;

	/*
	 * Ids come from an allocating xarray: the lowest free id is used
	 * next, so a stale id can name a new object. Userspace must not keep
	 * ids of destroyed objects.
	 */
	test_cmd_ioas_alloc(&a);
	test_cmd_ioas_alloc(&b);
	test_cmd_destroy(a);
	test_cmd_ioas_alloc(&c);
	ASSERT_EQ(a, c);
	test_cmd_destroy(b);
	test_cmd_destroy(c);
}

TEST_F(objects, ids_are_per_fd)
{
	int fd2 = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	__u32 id, id2;

	ASSERT_LE(0, fd2);
	test_cmd_ioas_alloc(&id);
	/* The second context has no objects: the same id is unknown there. */
	ASSERT_EQ(-1, _test_ioctl_destroy(fd2, id));
	ASSERT_EQ(ENOENT, errno);
	/* Each context numbers from the start. */
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd2, &id2));
	ASSERT_EQ(id, id2);
	ASSERT_EQ(0, _test_ioctl_destroy(fd2, id2));
	/* Destroying in one context left the other alone. */
	test_cmd_ioas_map_fixed(id, self->buffer, PG(1), IOVA0);
	close(fd2);
}

TEST_F(objects, mock_device_objects)
{
	__u32 ioas, stdev = 0, hwpt = 0, idev = 0;

	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&ioas);
	test_cmd_mock_domain(ioas, &stdev, &hwpt, &idev);
	/* Four objects, four ids. */
	ASSERT_NE(0, stdev);
	ASSERT_NE(0, hwpt);
	ASSERT_NE(0, idev);
	ASSERT_NE(stdev, hwpt);
	ASSERT_NE(stdev, idev);
	ASSERT_NE(hwpt, idev);
	ASSERT_NE(ioas, stdev);

	/* The IOAS and the domain are in use by the attached device. */
	test_err_destroy(EBUSY, ioas);
	test_err_destroy(EBUSY, hwpt);
	/* The device object belongs to its driver (here the mock). */
	test_err_destroy(EBUSY, idev);

	/* Destroying the test device detaches and unbinds it... */
	test_cmd_destroy(stdev);
	/* ...and its automatic domain went with it. */
	test_err_destroy(ENOENT, hwpt);
	test_err_destroy(ENOENT, idev);
	test_cmd_destroy(ioas);
}

TEST_F(objects, mock_domain_on_bad_ids)
{
	__u32 ioas, stdev;

	iommufd_mock_domain_or_skip(self->fd);
	test_err_mock_domain(ENOENT, 999, NULL, NULL, NULL);
	test_cmd_ioas_alloc(&ioas);
	test_cmd_mock_domain(ioas, &stdev, NULL, NULL);
	/* A device id is neither an IOAS nor a page table. */
	test_err_mock_domain(EINVAL, stdev, NULL, NULL, NULL);
	/* Unknown device flags. */
	test_err_mock_domain_flags(EINVAL, ioas, 1U << 20, NULL, NULL, NULL);
}

TEST_F(objects, mock_domain_on_its_own_new_ids)
{
	__u32 ioas, stdev;

	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&ioas);
	/*
	 * MOCK_DOMAIN makes its selftest object (the next free id) and binds
	 * a device (the one after) before it attaches to pt_id. The selftest
	 * object holds XA_ZERO_ENTRY until the op finalizes it, which no
	 * lookup finds: ENOENT. The device is finalized at bind and is no
	 * page table: EINVAL. (6.12 selftest.c:754 and :779, 7.3 :1061 and
	 * :1086; device.c iommufd_device_bind(). Found by tools/difftest: the
	 * mock used to say EINVAL for the first.)
	 */
	test_err_mock_domain(ENOENT, ioas + 1, NULL, NULL, NULL);
	test_err_mock_domain(EINVAL, ioas + 2, NULL, NULL, NULL);
	/* Both failures gave their ids back. */
	test_cmd_mock_domain(ioas, &stdev, NULL, NULL);
	ASSERT_EQ(ioas + 1, stdev);
}

TEST_F(objects, ids_of_the_wrong_type)
{
	__u32 ioas, stdev, hwpt, idev;
	__u64 iova = IOVA0;

	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&ioas);
	test_cmd_mock_domain(ioas, &stdev, &hwpt, &idev);
	test_cmd_ioas_map_fixed(ioas, self->buffer, PG(2), IOVA0);

	/* IOAS ioctls on a hwpt, device or test object id: ENOENT. */
	test_err_ioas_map_fixed(ENOENT, hwpt, self->buffer, PG(1), IOVA0);
	test_err_ioas_map_fixed(ENOENT, idev, self->buffer, PG(1), IOVA0);
	test_err_ioas_unmap(ENOENT, stdev, 0, UINT64_MAX);
	test_err_ioas_copy(ENOENT, IOMMUFD_MAP_RW, ioas, &iova, hwpt, IOVA0,
			   PG(1));
	/* A page-table query on an IOAS id: ENOENT. */
	test_err_md_check_map(ENOENT, ioas, IOVA0, PG(1), self->buffer);
	/* Replacing with a device that is an IOAS id. */
	test_err_mock_domain_replace(ENOENT, ioas, ioas);
	test_cmd_md_check_map(hwpt, IOVA0, PG(2), self->buffer);
}

TEST_F(objects, ioas_busy_while_access_attached)
{
	__u32 ioas;
	int access_fd = -1;

	iommufd_test_cmd_or_skip(self->fd);
	test_cmd_ioas_alloc(&ioas);
	test_cmd_create_access(ioas, &access_fd, 0);
	ASSERT_LE(0, access_fd);
	test_err_destroy(EBUSY, ioas);
	/* Closing the access fd detaches it. */
	ASSERT_EQ(0, close(access_fd));
	test_cmd_destroy(ioas);
}

TEST_F(objects, close_releases_every_object)
{
	int fd2 = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	__u32 ioas, stdev, hwpt;
	int access_fd;

	ASSERT_LE(0, fd2);
	iommufd_mock_domain_or_skip(self->fd);
	/* A graph of objects in the second context, pages pinned. */
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd2, &ioas));
	ASSERT_EQ(0, _test_cmd_mock_domain(fd2, ioas, &stdev, &hwpt, NULL));
	ASSERT_EQ(0, _test_cmd_mock_domain(fd2, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, _test_cmd_create_access(fd2, ioas, &access_fd,
			     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES));
	{
		__u64 iova = IOVA0;

		ASSERT_EQ(0, _test_ioctl_ioas_map(fd2, ioas, self->buffer,
						  PG(8), &iova,
						  IOMMUFD_MAP_RW |
						  IOMMU_IOAS_MAP_FIXED_IOVA));
	}
	ASSERT_EQ(0, _test_cmd_access_pages(fd2, access_fd, IOVA0, PG(4),
					    self->buffer, 0, NULL));
	/*
	 * The IOAS's page store pins each page once, whoever uses it: the
	 * domain and the access share that pin.
	 */
	test_cmd_md_check_refs(self->buffer, PG(8), 1);

	/*
	 * The access fd holds the context open; closing both tears the graph
	 * down leaf first, and nothing stays pinned.
	 */
	ASSERT_EQ(0, close(fd2));
	test_cmd_md_check_refs(self->buffer, PG(8), 1);
	ASSERT_EQ(0, close(access_fd));
	test_cmd_md_check_refs(self->buffer, PG(8), 0);
}

TEST_F(objects, unknown_ioctls)
{
	struct { __u32 size; __u32 pad[15]; } blob = { .size = sizeof(blob) };

	/* A number inside iommufd's range that names no command. */
	test_err(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 0x1f),
			       &blob));
	/* A known number with another ioctl's direction bits. */
	test_err(ENOTTY, ioctl(self->fd, _IOW(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 1,
					      __u32), &blob));
	/* Outside the range, neither iommufd nor VFIO compat. */
	test_err(ENOTTY, ioctl(self->fd, _IO('x', 1), &blob));
	/* The size word is read before anything else: a bad pointer. */
	test_err(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, (void *)8));
	test_err(EFAULT, ioctl(self->fd, IOMMU_DESTROY, NULL));
}

/* ---- IOMMU_OPTION: the context-wide rlimit accounting mode ---- */

TEST_F(objects, option_rlimit_mode)
{
	__u64 val = 99;
	__u32 ioas;

	/* A fresh /dev/iommu accounts per user (0); 1 means per mm, like VFIO. */
	test_cmd_option_get(IOMMU_OPTION_RLIMIT_MODE, 0, &val);
	ASSERT_EQ(0, val);
	/* It is context wide: an object id is not accepted. */
	test_err_option(EOPNOTSUPP, IOMMU_OPTION_RLIMIT_MODE,
			IOMMU_OPTION_OP_GET, 1, 0);
	test_err_option(EOPNOTSUPP, IOMMU_OPTION_RLIMIT_MODE, 7, 0, 0);

	/* Changing the accounting needs CAP_SYS_RESOURCE (checked first). */
	if (!iommufd_has_cap(CAP_SYS_RESOURCE)) {
		test_err_option(EPERM, IOMMU_OPTION_RLIMIT_MODE,
				IOMMU_OPTION_OP_SET, 0, 1);
		SKIP(return, "setting the rlimit mode needs CAP_SYS_RESOURCE");
	}
	test_cmd_option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1);
	test_cmd_option_get(IOMMU_OPTION_RLIMIT_MODE, 0, &val);
	ASSERT_EQ(1, val);
	test_err_option(EINVAL, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET,
			0, 2);
	test_cmd_option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 0);

	/* Only while the context holds no object at all. */
	test_cmd_ioas_alloc(&ioas);
	test_err_option(EBUSY, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0,
			1);
	test_cmd_destroy(ioas);
	test_cmd_option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1);
}

TEST_F(objects, option_unknown_and_reserved)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};

	test_err_option(EOPNOTSUPP, 1000, IOMMU_OPTION_OP_GET, 0, 0);
	cmd.__reserved = 1;
	test_err(EOPNOTSUPP, ioctl(self->fd, IOMMU_OPTION, &cmd));
}

/* Drops one capability from the effective set of this process. */
static int objects_drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

TEST_F(objects, option_rlimit_mode_needs_cap_sys_resource)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u64 val = 1;

		if (objects_drop_cap(CAP_SYS_RESOURCE))
			_exit(10);
		/* Reading is free, changing the accounting is privileged. */
		if (_test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
				       IOMMU_OPTION_OP_GET, 0, &val))
			_exit(11);
		val = 1;
		if (!_test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_SET, 0, &val))
			_exit(12);
		_exit(errno == EPERM ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child step %d failed", WEXITSTATUS(status));
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
