// SPDX-License-Identifier: GPL-2.0
/*
 * Description: I/O page faults the mock device reports
 * (IOMMU_TEST_OP_TRIGGER_IOPF) reaching a fault queue (IOMMU_FAULT_QUEUE_ALLOC,
 * 6.11+) through the domain that takes them, as iommu_report_device_fault()
 * routes them: at the RID, at a PASID through the nested domain of the RID
 * (the selftest driver's user-managed PASID table), through a paging domain
 * (6.13+) and at a PASID with a domain of its own (6.15+); read() handing out
 * whole faults with the lowest free cookie, write() taking responses, poll(),
 * and leaving the domain answering what waits.
 */
#include <poll.h>
#include <sys/wait.h>

#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#if defined(IOMMUFD_UAPI_HAS_FAULT_QUEUE) && defined(IOMMUFD_UAPI_HAS_NESTED)

#define FAULT_SIZE sizeof(struct iommu_hwpt_pgfault)
/*
 * The nested domain's driver data as every kernel takes it: iotlb, the
 * whole struct before 6.19 (whose kernels refuse a longer one, EINVAL).
 */
#define SELFTEST_DATA_LEN sizeof(((struct iommu_hwpt_selftest *)0)->iotlb)
#define FAULT_ADDR 0xdeadbeef000ULL
#define FAULT_PERM (IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE)
/* A PASID nothing is attached to in any variant. */
#define LONE_PASID 7

/*
 * A mock device whose faults at `pasid` go to the queue fault_id through
 * fault_hwpt; plain_hwpt is the same kind of domain without a queue, where
 * the device goes when a case makes it leave.
 */
FIXTURE(fault)
{
	int fd, fault_fd;
	__u32 ioas_id, stdev_id, idev_id, parent_id;
	__u32 fault_id, fault_hwpt, plain_hwpt;
};

FIXTURE_VARIANT(fault)
{
	__u32 pasid;		/* where the device's faults come from */
	bool paging;		/* a paging domain (6.13+), not a nested one */
	bool pasid_attach;	/* the domain is the PASID's own (6.15+) */
	/* a PASID without its own domain faults through the RID's */
	bool lone_pasid_reaches;
};

/* The RID on a nested domain: what 6.11 brought. */
FIXTURE_VARIANT_ADD(fault, rid_nested)
{
	.pasid = 0,	/* IOMMU_NO_PASID */
	.lone_pasid_reaches = true,
};

/*
 * A fault at a PASID the device has no domain for: the selftest driver's
 * PASID table is the user's, so it goes to the nested domain of the RID
 * (find_fault_handler() in io-pgfault.c). The kernel's own selftest
 * triggers all its faults this way.
 */
FIXTURE_VARIANT_ADD(fault, rid_nested_at_pasid)
{
	.pasid = 1,
	.lone_pasid_reaches = true,
};

FIXTURE_VARIANT_ADD(fault, rid_paging)
{
	.pasid = 0,	/* IOMMU_NO_PASID */
	.paging = true,
};

FIXTURE_VARIANT_ADD(fault, pasid_nested)
{
	.pasid = 1,
	.pasid_attach = true,
};

/*
 * The device on the variant's domain with the queue: at the RID (the IOAS's
 * automatic domain is replaced), or at its PASID (the RID goes to a
 * PASID-compatible paging domain, as a PASID's domain wants).
 */
FIXTURE_SETUP(fault)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	__u32 pasid_flag = 0, dev_flags = 0, rid_hwpt;
	int ret;

	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_FAULT_QUEUE_ALLOC);
	if (variant->pasid_attach) {
#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)
		iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_PASID_ATTACH);
		pasid_flag = IOMMU_HWPT_ALLOC_PASID;
		dev_flags = MOCK_FLAGS_DEVICE_PASID;
#else
		SKIP(return, "headers without IOMMU_HWPT_ALLOC_PASID (uapi, "
		     "6.15+) or IOMMU_TEST_OP_PASID_ATTACH (iommufd_test.h)");
#endif
	}
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain_flags(self->ioas_id, dev_flags, &self->stdev_id,
				   NULL, &self->idev_id);
	test_cmd_fault_alloc(&self->fault_id, &self->fault_fd);
	if (variant->paging) {
		ret = iommufd_probe_or_skip(
			_test_ioctl_hwpt_alloc_iopf(self->fd, self->idev_id,
						    self->ioas_id, 0,
						    self->fault_id, NULL, 0,
						    &self->fault_hwpt),
			"IOMMU_HWPT_FAULT_ID_VALID on a paging HWPT (6.13+)");
		ASSERT_EQ(0, ret) TH_LOG("paging with a queue: %s",
					 strerror(errno));
		test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0,
				    &self->plain_hwpt);
	} else {
		test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
				    IOMMU_HWPT_ALLOC_NEST_PARENT | pasid_flag,
				    &self->parent_id);
		test_cmd_hwpt_alloc_iopf(self->idev_id, self->parent_id,
					 pasid_flag, self->fault_id, &data,
					 SELFTEST_DATA_LEN, &self->fault_hwpt);
		test_cmd(_test_ioctl_hwpt_alloc_data(
			self->fd, self->idev_id, self->parent_id, pasid_flag,
			IOMMU_HWPT_DATA_SELFTEST, &data, SELFTEST_DATA_LEN,
			&self->plain_hwpt));
	}
	if (!variant->pasid_attach) {
		test_cmd_mock_domain_replace(self->stdev_id, self->fault_hwpt,
					     NULL);
		return;
	}
#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, pasid_flag,
			    &rid_hwpt);
	test_cmd_mock_domain_replace(self->stdev_id, rid_hwpt, NULL);
	test_cmd_pasid_attach(self->stdev_id, variant->pasid,
			      self->fault_hwpt);
#else
	(void)rid_hwpt;
#endif
}

FIXTURE_TEARDOWN(fault)
{
#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)
	/* 7.3 WARNs at a PASID left attached when its device goes */
	if (variant->pasid_attach)
		_test_cmd_pasid_detach(self->fd, self->stdev_id, variant->pasid);
#endif
	close(self->fault_fd);
	close(self->fd);
}

/* One page request from the device at the variant's PASID. */
#define trigger(_grpid)                                                      \
	test_cmd_trigger_iopf(self->idev_id, variant->pasid, _grpid,         \
			      FAULT_PERM, FAULT_ADDR)

/* read(2) of up to n faults: bytes read, or -1 with errno. */
static ssize_t fault_read(int fault_fd, struct iommu_hwpt_pgfault *f,
			  size_t n)
{
	memset(f, 0xa5, n * FAULT_SIZE);
	return read(fault_fd, f, n * FAULT_SIZE);
}

/* Reads the oldest fault and returns its cookie. */
#define read_one()                                                           \
	({                                                                   \
		struct iommu_hwpt_pgfault __f;                               \
		ASSERT_EQ((ssize_t)FAULT_SIZE,                               \
			  fault_read(self->fault_fd, &__f, 1))               \
			TH_LOG("read: %s", strerror(errno));                 \
		__f.cookie;                                                  \
	})

/* write(2) of one response: bytes taken, or -1 with errno. */
static ssize_t fault_respond(int fault_fd, __u32 cookie, __u32 code)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = code };

	return write(fault_fd, &r, sizeof(r));
}

static short fault_poll(int fault_fd)
{
	struct pollfd p = { .fd = fault_fd, .events = POLLIN | POLLOUT };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* The device goes to plain_hwpt: at its PASID, or at the RID. */
static int fault_leave_domain(FIXTURE_DATA(fault) *self,
			      const FIXTURE_VARIANT(fault) *variant)
{
#if defined(IOMMUFD_UAPI_HAS_PASID) && defined(IOMMUFD_TEST_HAS_PASID)
	if (variant->pasid_attach)
		return _test_cmd_pasid_attach(self->fd,
					      IOMMU_TEST_OP_PASID_REPLACE,
					      self->stdev_id, variant->pasid,
					      self->plain_hwpt);
#endif
	return _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
					     self->plain_hwpt, NULL);
}

TEST_F(fault, a_fault_reaches_the_queue)
{
	struct iommu_hwpt_pgfault f[2];

	ASSERT_EQ(0, fault_read(self->fault_fd, f, 2));
	trigger(2);
	ASSERT_EQ((ssize_t)FAULT_SIZE, fault_read(self->fault_fd, f, 2))
		TH_LOG("read: %s", strerror(errno));
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_LAST_PAGE |
			  (variant->pasid ? IOMMU_PGFAULT_FLAGS_PASID_VALID : 0),
		  f[0].flags);
	ASSERT_EQ(self->idev_id, f[0].dev_id);
	ASSERT_EQ(variant->pasid, f[0].pasid);
	ASSERT_EQ(2, f[0].grpid);
	ASSERT_EQ(FAULT_PERM, f[0].perm);
	ASSERT_EQ(FAULT_ADDR, f[0].addr);
	ASSERT_EQ(0, f[0].length);
	ASSERT_EQ(1, f[0].cookie);
	/* Answered once; the cookie is gone after that. */
	ASSERT_EQ((ssize_t)sizeof(struct iommu_hwpt_page_response),
		  fault_respond(self->fault_fd, 1, IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(-1, fault_respond(self->fault_fd, 1,
				    IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fault_read(self->fault_fd, f, 2));
}

TEST_F(fault, read_hands_out_whole_faults)
{
	struct iommu_hwpt_pgfault f[3];

	trigger(1);
	trigger(2);
	/* Not a multiple of a fault: ESPIPE; none fits: EINVAL. */
	ASSERT_EQ(-1, read(self->fault_fd, f, FAULT_SIZE - 1));
	ASSERT_EQ(ESPIPE, errno);
	ASSERT_EQ(-1, read(self->fault_fd, f, 0));
	ASSERT_EQ(EINVAL, errno);
	/* One at a time, oldest first; then both in one read. */
	ASSERT_EQ((ssize_t)FAULT_SIZE, fault_read(self->fault_fd, f, 1));
	ASSERT_EQ(1, f[0].grpid);
	trigger(3);
	ASSERT_EQ((ssize_t)(2 * FAULT_SIZE), fault_read(self->fault_fd, f, 3));
	ASSERT_EQ(2, f[0].grpid);
	ASSERT_EQ(3, f[1].grpid);
	ASSERT_EQ(2, f[0].cookie);
	ASSERT_EQ(3, f[1].cookie);
	ASSERT_EQ(0, fault_read(self->fault_fd, f, 3));
}

TEST_F(fault, cookies_are_the_lowest_free)
{
	trigger(1);
	trigger(2);
	trigger(3);
	ASSERT_EQ(1, read_one());
	ASSERT_EQ(2, read_one());
	ASSERT_EQ(3, read_one());
	ASSERT_EQ((ssize_t)sizeof(struct iommu_hwpt_page_response),
		  fault_respond(self->fault_fd, 2, IOMMUFD_PAGE_RESP_INVALID));
	trigger(4);
	ASSERT_EQ(2, read_one());
	trigger(5);
	ASSERT_EQ(4, read_one());
}

TEST_F(fault, write_takes_responses_until_a_bad_one)
{
	struct iommu_hwpt_page_response r[2] = {
		{ .cookie = 1, .code = IOMMUFD_PAGE_RESP_SUCCESS },
		{ .cookie = 1, .code = IOMMUFD_PAGE_RESP_SUCCESS },
	};

	trigger(1);
	ASSERT_EQ(1, read_one());
	ASSERT_EQ(-1, write(self->fault_fd, r, sizeof(r[0]) - 1));
	ASSERT_EQ(ESPIPE, errno);
	/* Neither SUCCESS nor INVALID; a cookie nobody was given. */
	ASSERT_EQ(-1, fault_respond(self->fault_fd, 1, 2));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, fault_respond(self->fault_fd, 99,
				    IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(EINVAL, errno);
	/* The first is taken, the second (its cookie is gone) ends it. */
	ASSERT_EQ((ssize_t)sizeof(r[0]), write(self->fault_fd, r, sizeof(r)));
	ASSERT_EQ(0, write(self->fault_fd, r, 0));
}

TEST_F(fault, poll_says_readable_while_a_fault_waits)
{
	ASSERT_EQ(POLLOUT, fault_poll(self->fault_fd));
	trigger(1);
	ASSERT_EQ(POLLIN | POLLOUT, fault_poll(self->fault_fd));
	/* Read but not answered: no longer waiting to be read. */
	read_one();
	ASSERT_EQ(POLLOUT, fault_poll(self->fault_fd));
}

TEST_F(fault, leaving_the_domain_answers_its_faults)
{
	struct iommu_hwpt_pgfault f[2];

	trigger(1);
	trigger(2);
	ASSERT_EQ(1, read_one());
	ASSERT_EQ(0, fault_leave_domain(self, variant))
		TH_LOG("leaving: %s", strerror(errno));
	/* The one read was answered for us, the one unread is gone. */
	ASSERT_EQ(-1, fault_respond(self->fault_fd, 1,
				    IOMMUFD_PAGE_RESP_SUCCESS));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fault_read(self->fault_fd, f, 2));
	ASSERT_EQ(POLLOUT, fault_poll(self->fault_fd));
	/* A domain without a queue takes the next fault: nothing comes. */
	trigger(3);
	ASSERT_EQ(0, fault_read(self->fault_fd, f, 2));
}

TEST_F(fault, a_pasid_without_its_own_domain)
{
	struct iommu_hwpt_pgfault f[2];

	test_cmd_trigger_iopf(self->idev_id, LONE_PASID, 1, FAULT_PERM,
			      FAULT_ADDR);
	if (!variant->lone_pasid_reaches) {
		ASSERT_EQ(0, fault_read(self->fault_fd, f, 2));
		return;
	}
	ASSERT_EQ((ssize_t)FAULT_SIZE, fault_read(self->fault_fd, f, 2));
	ASSERT_EQ(LONE_PASID, f[0].pasid);
	ASSERT_EQ(IOMMU_PGFAULT_FLAGS_LAST_PAGE |
			  IOMMU_PGFAULT_FLAGS_PASID_VALID,
		  f[0].flags);
}

TEST_F(fault, unknown_device_is_enoent)
{
	test_err_trigger_iopf(ENOENT, self->ioas_id, variant->pasid);
}

/* fork(): one queue, as the kernel's file is shared; a child's fault wakes
 * the parent's poll and is read there. */
TEST_F(fault, a_fault_from_a_child_reaches_the_parent)
{
	struct pollfd p = { .fd = self->fault_fd, .events = POLLIN };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_NE(-1, pid);
	if (!pid)
		_exit(_test_cmd_trigger_iopf(self->fd, self->idev_id,
					     variant->pasid, 9, FAULT_PERM,
					     FAULT_ADDR) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(1, poll(&p, 1, 1000));
	ASSERT_EQ(1, read_one());
}

#else
TEST(fault_needs_headers)
{
	SKIP(return, "headers without IOMMU_FAULT_QUEUE_ALLOC (uapi, 6.11+)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
