// SPDX-License-Identifier: GPL-2.0
/*
 * Description: vIOMMU event queues (IOMMU_VEVENTQ_ALLOC, 6.15+) on the mock
 * vIOMMU: allocation and its depth limits, one queue per type, events the
 * mock device reports (IOMMU_TEST_OP_TRIGGER_VEVENT) read through the queue's
 * fd with their headers and sequence numbers, overflow and the trailing
 * lost-events header, short reads, poll() (also waking on an event), and
 * closing or destroying a queue with events still in it.
 */
#include <sys/wait.h>

#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#if defined(IOMMUFD_UAPI_HAS_VEVENTQ) && defined(IOMMUFD_TEST_HAS_VEVENT) && \
	defined(IOMMUFD_TEST_HAS_VIOMMU) && defined(IOMMUFD_UAPI_HAS_NESTED)

/* The arbitrary bound of eventq.c (VEVENTQ_MAX_DEPTH). */
#define VEVENTQ_MAX_DEPTH (1U << 19)
#define VIRT_ID 0x42

/* One vEVENT as read(2) hands it out: header, then the selftest payload. */
struct vevent_record {
	struct iommufd_vevent_header hdr;
	struct iommu_viommu_event_selftest data;
};

/*
 * A mock device attached to a nested HWPT of a selftest vIOMMU, with a
 * vDEVICE of virtual id VIRT_ID: what TRIGGER_VEVENT needs to report an
 * event (the device must be behind the vIOMMU and have a non-zero virtual
 * id, selftest.c).
 */
FIXTURE(veventq)
{
	int fd;
	__u32 ioas_id, stdev_id, idev_id, parent_id, viommu_id, nested_id;
	__u32 vdev_id;
};

FIXTURE_SETUP(veventq)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };

	iommufd_open_or_skip(&self->fd);
	iommufd_ioctl_or_skip(self->fd, IOMMU_VEVENTQ_ALLOC);
	iommufd_mock_domain_or_skip(self->fd);
	iommufd_test_op_or_skip(self->fd, IOMMU_TEST_OP_TRIGGER_VEVENT);
	test_cmd_ioas_alloc(&self->ioas_id);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &self->parent_id);
	test_cmd_viommu_alloc(self->idev_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &self->viommu_id);
	test_cmd(_test_ioctl_hwpt_alloc_data(self->fd, self->idev_id,
					     self->viommu_id, 0,
					     IOMMU_HWPT_DATA_SELFTEST, &data,
					     sizeof(data), &self->nested_id));
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, VIRT_ID,
			       &self->vdev_id);
	test_cmd_mock_domain_replace(self->stdev_id, self->nested_id, NULL);
}

FIXTURE_TEARDOWN(veventq)
{
	close(self->fd);
}

/* Reads whatever the queue holds into buf (at most len bytes). */
static ssize_t veventq_read(int qfd, void *buf, size_t len)
{
	return read(qfd, buf, len);
}

/* Whether poll() says the queue fd is readable, without waiting. */
static int veventq_readable(int qfd)
{
	struct pollfd pfd = { .fd = qfd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

TEST_F(veventq, alloc_checks_depth_type_and_viommu)
{
	const __u32 t = IOMMU_VEVENTQ_TYPE_SELFTEST;
	__u32 id, id2;
	int qfd;

	/* Depth 1 .. 2^19 (eventq.c). */
	test_err_veventq_alloc(EINVAL, self->viommu_id, t, 0);
	test_err_veventq_alloc(EINVAL, self->viommu_id, t,
			       VEVENTQ_MAX_DEPTH + 1);
	/* Type 0 is reserved; the viommu id must name a vIOMMU. */
	test_err_veventq_alloc(EOPNOTSUPP, self->viommu_id,
			       IOMMU_VEVENTQ_TYPE_DEFAULT, 1);
	test_err_veventq_alloc(ENOENT, self->parent_id, t, 1);
	test_err_veventq_alloc(ENOENT, 0, t, 1);

	test_cmd_veventq_alloc(self->viommu_id, t, VEVENTQ_MAX_DEPTH, &id,
			       &qfd);
	ASSERT_LE(0, qfd);
	/* One queue per type and vIOMMU. */
	test_err_veventq_alloc(EEXIST, self->viommu_id, t, 1);
	/* Another type is another queue (no driver checks the type). */
	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
			       1, &id2, NULL);
	/* The vIOMMU is held by its queues. */
	test_err_destroy(EBUSY, self->viommu_id);
	/* A queue whose fd is open is held by the fd. */
	test_err_destroy(EBUSY, id);
	close(qfd);
	test_cmd_destroy(id);
	test_cmd_destroy(id2);
	/* Freed: the type can have a queue again. */
	test_cmd_veventq_alloc(self->viommu_id, t, 1, &id, NULL);
	test_cmd_destroy(id);
}

TEST_F(veventq, trigger_without_a_queue_is_eopnotsupp)
{
	/* The device is found, but its vIOMMU has no queue of this type. */
	test_err_trigger_vevent(EOPNOTSUPP, self->idev_id);
	test_err_trigger_vevent(ENOENT, 0);
}

TEST_F(veventq, events_carry_headers_and_sequence_numbers)
{
	struct vevent_record rec[4];
	__u32 id;
	int qfd, i;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 8,
			       &id, &qfd);
	/* Empty: read(2) returns 0 at once (it never blocks). */
	ASSERT_EQ(0, veventq_read(qfd, rec, sizeof(rec)));
	ASSERT_FALSE(veventq_readable(qfd));

	for (i = 0; i < 3; i++)
		test_cmd_trigger_vevent(self->idev_id);
	ASSERT_TRUE(veventq_readable(qfd));
	ASSERT_EQ(3 * sizeof(rec[0]), veventq_read(qfd, rec, sizeof(rec)));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, rec[i].hdr.flags);
		ASSERT_EQ(i, rec[i].hdr.sequence);
		/* The mock reports the device's virtual id. */
		ASSERT_EQ(VIRT_ID, rec[i].data.virt_id);
	}
	ASSERT_FALSE(veventq_readable(qfd));

	/* Sequence numbers go on across reads. */
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(sizeof(rec[0]), veventq_read(qfd, rec, sizeof(rec)));
	ASSERT_EQ(3, rec[0].hdr.sequence);
	close(qfd);
	test_cmd_destroy(id);
}

TEST_F(veventq, reads_take_whole_events)
{
	struct vevent_record rec[2];
	char small[sizeof(struct iommufd_vevent_header)];
	__u32 id;
	int qfd;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
			       &id, &qfd);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	/* Less than a header, or than one whole event: EINVAL, nothing lost. */
	ASSERT_EQ(-1, veventq_read(qfd, small, sizeof(small) - 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, veventq_read(qfd, small, sizeof(small)));
	ASSERT_EQ(EINVAL, errno);
	/* Room for one and a half: one event, the second stays queued. */
	ASSERT_EQ(sizeof(rec[0]), veventq_read(qfd, rec, sizeof(rec) - 2));
	ASSERT_EQ(0, rec[0].hdr.sequence);
	ASSERT_EQ(sizeof(rec[0]), veventq_read(qfd, rec, sizeof(rec)));
	ASSERT_EQ(1, rec[0].hdr.sequence);
	/* The queue is not seekable: a positioned read is ESPIPE. */
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(-1, pread(qfd, rec, sizeof(rec), 0));
	ASSERT_EQ(ESPIPE, errno);
	/* Nor writable: the file has no write method (vfs_write()). */
	ASSERT_EQ(-1, write(qfd, &(__u64){ 1 }, sizeof(__u64)));
	ASSERT_EQ(EINVAL, errno);
	close(qfd);
	test_cmd_destroy(id);
}

TEST_F(veventq, overflow_ends_in_a_lost_events_header)
{
	struct vevent_record rec[4];
	struct iommufd_vevent_header *tail;
	__u32 id;
	int qfd;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 2,
			       &id, &qfd);
	/*
	 * Depth 2, four events: the third and fourth are lost. The queue
	 * keeps one lost-events header at its tail, carrying the sequence
	 * number the next event would have had when the last was lost.
	 */
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(2 * sizeof(rec[0]) + sizeof(*tail),
		  veventq_read(qfd, rec, sizeof(rec)));
	ASSERT_EQ(0, rec[0].hdr.sequence);
	ASSERT_EQ(1, rec[1].hdr.sequence);
	tail = &rec[2].hdr;
	ASSERT_EQ(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, tail->flags);
	ASSERT_EQ(3, tail->sequence);

	/* Room again: the next event is numbered after the lost ones. */
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(sizeof(rec[0]), veventq_read(qfd, rec, sizeof(rec)));
	ASSERT_EQ(0, rec[0].hdr.flags);
	ASSERT_EQ(4, rec[0].hdr.sequence);
	close(qfd);
	test_cmd_destroy(id);
}

TEST_F(veventq, lost_events_header_alone_fits_a_header_sized_read)
{
	struct iommufd_vevent_header hdr;
	struct vevent_record rec;
	__u32 id;
	int qfd;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 1,
			       &id, &qfd);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(sizeof(rec), veventq_read(qfd, &rec, sizeof(rec)));
	/* The lost-events header has no payload: a header-sized read does. */
	ASSERT_EQ(sizeof(hdr), veventq_read(qfd, &hdr, sizeof(hdr)));
	ASSERT_EQ(IOMMU_VEVENTQ_FLAG_LOST_EVENTS, hdr.flags);
	ASSERT_EQ(1, hdr.sequence);
	ASSERT_EQ(0, veventq_read(qfd, &hdr, sizeof(hdr)));
	close(qfd);
	test_cmd_destroy(id);
}

TEST_F(veventq, poll_wakes_up_when_an_event_arrives)
{
	struct pollfd pfd = { .events = POLLIN };
	struct vevent_record rec;
	int status;
	pid_t child;
	__u32 id;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
			       &id, &pfd.fd);
	/* The child shares the iommufd and reports while the parent waits. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		usleep(200 * 1000);
		_exit(_test_cmd_trigger_vevent(self->fd, self->idev_id) ? 1 : 0);
	}
	ASSERT_EQ(1, poll(&pfd, 1, 20000));
	ASSERT_TRUE(pfd.revents & POLLIN);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(rec), veventq_read(pfd.fd, &rec, sizeof(rec)));
	ASSERT_EQ(VIRT_ID, rec.data.virt_id);
	/* Drained: not readable any more. */
	ASSERT_FALSE(veventq_readable(pfd.fd));
	close(pfd.fd);
	test_cmd_destroy(id);
}

TEST_F(veventq, closing_or_destroying_with_events_pending)
{
	struct vevent_record rec;
	__u32 id;
	int qfd;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
			       &id, &qfd);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_trigger_vevent(self->idev_id);
	/* Closing the fd drops no event: the object still has them. */
	close(qfd);
	test_cmd_trigger_vevent(self->idev_id);
	/* Destroying the object frees what nobody read. */
	test_cmd_destroy(id);
	test_err_trigger_vevent(EOPNOTSUPP, self->idev_id);

	/* A new queue starts empty, at sequence 0. */
	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
			       &id, &qfd);
	ASSERT_EQ(0, veventq_read(qfd, &rec, sizeof(rec)));
	test_cmd_trigger_vevent(self->idev_id);
	ASSERT_EQ(sizeof(rec), veventq_read(qfd, &rec, sizeof(rec)));
	ASSERT_EQ(0, rec.hdr.sequence);
	/* Closing /dev/iommu with a queue fd open and events pending. */
	test_cmd_trigger_vevent(self->idev_id);
	close(self->fd);
	/* The queue fd holds the context: it still reads. */
	ASSERT_EQ(sizeof(rec), veventq_read(qfd, &rec, sizeof(rec)));
	ASSERT_EQ(1, rec.hdr.sequence);
	close(qfd);
	self->fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
}

TEST_F(veventq, device_away_from_the_viommu_reports_nothing)
{
	__u32 id;

	test_cmd_veventq_alloc(self->viommu_id, IOMMU_VEVENTQ_TYPE_SELFTEST, 4,
			       &id, NULL);
	/* Back on the IOAS, the device is no longer behind the vIOMMU. */
	test_cmd_mock_domain_replace(self->stdev_id, self->ioas_id, NULL);
	test_err_trigger_vevent(ENOENT, self->idev_id);
	test_cmd_mock_domain_replace(self->stdev_id, self->nested_id, NULL);
	test_cmd_trigger_vevent(self->idev_id);
	test_cmd_destroy(id);
}

#else
TEST(veventq_needs_headers)
{
	SKIP(return, "headers without IOMMU_VEVENTQ_ALLOC (uapi, 6.15+) or "
	     "IOMMU_TEST_OP_TRIGGER_VEVENT (iommufd_test.h)");
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
