// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd 0.2's calls for the ioctls after 6.12, against
 * the mock domain of a 7.x kernel: alloc_viommu (with the mock driver's
 * loopback data), alloc_vdev, alloc_veventq with events triggered by the
 * mock device and decoded by iommufd_vevent_next() (sequence numbers, the
 * lost-events marker), alloc_hw_queue, viommu_mmap of the selftest
 * vIOMMU's window, map_file_dma of a memfd read back through an access,
 * change_process; the decoder alone on made-up buffers;
 * and, on kernels without the ioctls (6.12, the userspace mock), the
 * -EOPNOTSUPP that names them.
 */
#include <sys/syscall.h>

#include "backend_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

/* ---- the decoder needs no kernel ---- */

struct vevent_raw {
	uint32_t flags, seq;
	uint32_t data; /* one u32 of event data in these made-up buffers */
};

TEST(vevent_decoder_sequences_and_lost_events)
{
	/* seq 0, seq 3 (1 and 2 dropped), then a marker: 4 and 5 dropped. */
	uint32_t buf[] = { 0, 0, 0xa0, 0, 3, 0xa3, 1, 5 };
	uint32_t next = 0, seq, lost;
	const void *data;
	size_t pos = 0;

	ASSERT_EQ(1, iommufd_vevent_next(buf, sizeof(buf), &pos, 4, &next,
					 &seq, &lost, &data));
	ASSERT_EQ(0, seq);
	ASSERT_EQ(0, lost);
	ASSERT_EQ(0xa0, *(const uint32_t *)data);
	ASSERT_EQ(1, next);
	ASSERT_EQ(1, iommufd_vevent_next(buf, sizeof(buf), &pos, 4, &next,
					 &seq, &lost, &data));
	ASSERT_EQ(3, seq);
	ASSERT_EQ(2, lost);
	ASSERT_EQ(0xa3, *(const uint32_t *)data);
	ASSERT_EQ(1, iommufd_vevent_next(buf, sizeof(buf), &pos, 4, &next,
					 &seq, &lost, &data));
	ASSERT_EQ(NULL, data);
	ASSERT_EQ(5, seq);
	ASSERT_EQ(2, lost);
	ASSERT_EQ(6, next);
	ASSERT_EQ(0, iommufd_vevent_next(buf, sizeof(buf), &pos, 4, &next,
					 &seq, &lost, &data));
	ASSERT_EQ(sizeof(buf), pos);
}

TEST(vevent_decoder_wraps_and_refuses_truncation)
{
	/* The kernel's counter is 31 bits: INT_MAX is followed by 0. */
	uint32_t buf[] = { 0, 0x7fffffff, 1, 0, 0, 2, 0, 1 };
	uint32_t next = 0x7fffffff, seq, lost;
	const void *data;
	size_t pos = 0;

	ASSERT_EQ(1, iommufd_vevent_next(buf, 12, &pos, 4, &next, &seq, &lost,
					 &data));
	ASSERT_EQ(0, lost);
	ASSERT_EQ(0, next);
	ASSERT_EQ(1, iommufd_vevent_next(buf, 24, &pos, 4, &next, &seq, &lost,
					 &data));
	ASSERT_EQ(0, seq);
	ASSERT_EQ(0, lost);
	/* A header cut short, and an event whose data is cut short. */
	ASSERT_EQ(-EINVAL, iommufd_vevent_next(buf, 28, &pos, 4, &next, &seq,
					       &lost, &data));
	pos = 0;
	ASSERT_EQ(-EINVAL, iommufd_vevent_next(buf, 10, &pos, 4, &next, &seq,
					       &lost, &data));
	ASSERT_EQ(-EINVAL, iommufd_vevent_next(NULL, 10, &pos, 4, &next, &seq,
					       &lost, &data));
}

/* ---- the objects, on a mock domain ---- */

#define VIOMMU_IOVA MOCK_APERTURE_START

FIXTURE(viommu)
{
	int fd;
	struct iommufd_backend *be;
	struct backend_reports rep;
	__u32 ioas_id, stdev_id, idev_id, parent_id;
	size_t page;
	void *buffer;
};

FIXTURE_SETUP(viommu)
{
	pthread_mutex_init(&self->rep.lock, NULL);
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	self->fd = iommufd_backend_fd(self->be);
	iommufd_mock_domain_or_skip(self->fd);
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &self->ioas_id));
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id,
						self->ioas_id,
						IOMMUFD_HWPT_ALLOC_NEST_PARENT,
						0, 0, NULL, 0, &self->parent_id));
	self->page = iommufd_page_size();
	self->buffer = iommufd_test_buffer(self->page);
	ASSERT_NE(NULL, self->buffer);
}

FIXTURE_TEARDOWN(viommu)
{
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	if (self->buffer)
		munmap(self->buffer, self->page);
}

/*
 * A kernel (6.12) or mock without the ioctl, or a build with headers
 * without it: the library's -EOPNOTSUPP with the report naming it is the
 * whole contract there; the case then skips saying so, never silently.
 */
#define skip_if_kernel_lacks(_ret, _op, _ioctl)                              \
	do {                                                                 \
		if ((_ret) == -EOPNOTSUPP &&                                 \
		    (strstr(self->rep.msg, "lacks " _ioctl) ||               \
		     strstr(self->rep.msg, "headers without " _ioctl))) {    \
			ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,   \
					  _op, EOPNOTSUPP, _ioctl);          \
			SKIP(return, "%s", self->rep.msg);                   \
		}                                                            \
	} while (0)

/*
 * Whether mmap() of this iommufd is a plain file's: the userspace mock's fd
 * is a memfd, which maps any offset, where a kernel refuses an offset no
 * vIOMMU handed out (ENXIO, or ENODEV without the interface).
 */
static bool viommu_mmap_is_a_plain_files(int fd)
{
	size_t page = iommufd_page_size();
	void *p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return false;
	munmap(p, page);
	return true;
}

#define VIOMMU_MOCK_MMAP_SKIP                                                \
	"the userspace mock does not emulate mmap of the iommufd (its fd is a plain memfd)"

#ifdef IOMMU_VIOMMU_TYPE_SELFTEST /* the 7.x tree's iommufd_test.h */
static int viommu_alloc(struct __test_metadata *_metadata,
			FIXTURE_DATA(viommu) *self, __u32 *viommu)
{
	struct iommu_viommu_selftest data = { .in_data = 0xbadc0ffe };
	int ret;

	ret = iommufd_backend_alloc_viommu(self->be, self->idev_id,
					   IOMMU_VIOMMU_TYPE_SELFTEST,
					   self->parent_id, &data, sizeof(data),
					   viommu);
	/* The mock driver loops the data back: proof it saw it. */
	if (!ret)
		EXPECT_EQ(0xbadc0ffe, data.out_data);
	return ret;
}

TEST_F(viommu, viommu_and_vdev)
{
	__u32 viommu, vdev, other;
	int ret;

	ret = viommu_alloc(_metadata, self, &viommu);
	skip_if_kernel_lacks(ret, "alloc_viommu", "IOMMU_VIOMMU_ALLOC");
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	ASSERT_EQ(0, iommufd_backend_alloc_vdev(self->be, self->idev_id, viommu,
						0x99, &vdev));
	/* One vDEVICE per device. */
	ASSERT_EQ(-EEXIST, iommufd_backend_alloc_vdev(self->be, self->idev_id,
						      viommu, 0x98, &other));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_vdev",
			  EEXIST, "virt_id=0x98");
	/* A vIOMMU needs a nest parent, not the IOAS. */
	backend_reports_reset(&self->rep);
	ASSERT_GT(0, iommufd_backend_alloc_viommu(self->be, self->idev_id,
						  IOMMU_VIOMMU_TYPE_SELFTEST,
						  self->ioas_id, NULL, 0,
						  &other));
	ASSERT_EQ(1, self->rep.count);
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, vdev));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, viommu));
}

static int viommu_trigger_vevent(int fd, __u32 idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_TRIGGER_VEVENT,
		.trigger_vevent = { .dev_id = idev },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

TEST_F(viommu, veventq_delivers_counts_and_marks_losses)
{
	struct iommu_hwpt_selftest nested_data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	const struct iommu_viommu_event_selftest *ev;
	uint32_t next = 0, seq, lost;
	__u32 viommu, vdev, veventq, nested;
	unsigned char buf[256];
	const void *data;
	size_t pos = 0;
	ssize_t n;
	int ret, qfd, i;

	ret = viommu_alloc(_metadata, self, &viommu);
	skip_if_kernel_lacks(ret, "alloc_viommu", "IOMMU_VIOMMU_ALLOC");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, iommufd_backend_alloc_vdev(self->be, self->idev_id, viommu,
						0x42, &vdev));
	/*
	 * The mock device reports events for the vIOMMU it is attached to: a
	 * nested HWPT allocated on the vIOMMU itself (pt_id = the vIOMMU).
	 */
	ASSERT_EQ(0, iommufd_backend_alloc_hwpt(self->be, self->idev_id, viommu,
						0, IOMMU_HWPT_DATA_SELFTEST,
						sizeof(nested_data),
						&nested_data, 0, &nested));
	test_cmd(_test_cmd_mock_domain_replace(self->fd, self->stdev_id, nested,
					       NULL));
	ret = iommufd_backend_alloc_veventq(self->be, viommu,
					    IOMMU_VEVENTQ_TYPE_SELFTEST, 2,
					    &veventq, &qfd);
	skip_if_kernel_lacks(ret, "alloc_veventq", "IOMMU_VEVENTQ_ALLOC");
	ASSERT_EQ(0, ret);
	/* Three events into a queue of two: the third is lost. */
	for (i = 0; i < 3; i++)
		test_cmd(viommu_trigger_vevent(self->fd, self->idev_id));
	n = read(qfd, buf, sizeof(buf));
	ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, iommufd_vevent_next(buf, n, &pos, sizeof(*ev),
						 &next, &seq, &lost, &data));
		ev = data;
		ASSERT_NE(NULL, ev);
		ASSERT_EQ(i, seq);
		ASSERT_EQ(0, lost);
		ASSERT_EQ(0x42, ev->virt_id);
	}
	ASSERT_EQ(1, iommufd_vevent_next(buf, n, &pos, sizeof(*ev), &next,
					 &seq, &lost, &data));
	ASSERT_EQ(NULL, data);
	ASSERT_EQ(2, seq);
	ASSERT_EQ(1, lost);
	ASSERT_EQ(0, iommufd_vevent_next(buf, n, &pos, sizeof(*ev), &next,
					 &seq, &lost, &data));
	/* One queue per type. */
	ASSERT_EQ(-EEXIST, iommufd_backend_alloc_veventq(self->be, viommu,
		IOMMU_VEVENTQ_TYPE_SELFTEST, 2, &veventq, &qfd));
	close(qfd);
}

TEST_F(viommu, hw_queue_on_parent_memory)
{
	__u32 viommu, q0, q1;
	int ret;

	ret = viommu_alloc(_metadata, self, &viommu);
	skip_if_kernel_lacks(ret, "alloc_viommu", "IOMMU_VIOMMU_ALLOC");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     VIOMMU_IOVA, self->page,
					     self->buffer, false));
	ret = iommufd_backend_alloc_hw_queue(self->be, viommu,
					     IOMMU_HW_QUEUE_TYPE_SELFTEST, 0,
					     VIOMMU_IOVA, self->page, &q0);
	skip_if_kernel_lacks(ret, "alloc_hw_queue", "IOMMU_HW_QUEUE_ALLOC");
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	/* The mock takes queues in order and one per index. */
	ASSERT_EQ(-EEXIST, iommufd_backend_alloc_hw_queue(self->be, viommu,
		IOMMU_HW_QUEUE_TYPE_SELFTEST, 0, VIOMMU_IOVA, self->page, &q1));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_hw_queue",
			  EEXIST, "index=0");
}
/*
 * The selftest vIOMMU's MMIO window: two pages whose first word the mock
 * driver sets to in_data (7.3 selftest.c mock_viommu_init()), at the
 * offset and length it writes into the data's out_mmap_* fields.
 */
TEST_F(viommu, mmap_window_reads_the_loopback_and_holds_the_viommu)
{
	struct iommu_viommu_selftest data = { .in_data = 0xbadc0ffe };
	volatile __u32 *win;
	void *addr = NULL;
	__u32 viommu;
	int ret;

	ret = iommufd_backend_alloc_viommu(self->be, self->idev_id,
					   IOMMU_VIOMMU_TYPE_SELFTEST,
					   self->parent_id, &data, sizeof(data),
					   &viommu);
	skip_if_kernel_lacks(ret, "alloc_viommu", "IOMMU_VIOMMU_ALLOC");
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	if (iommufd_target_is_userspace_mock() &&
	    viommu_mmap_is_a_plain_files(self->fd)) {
		ASSERT_EQ(0, iommufd_backend_free_id(self->be, viommu));
		SKIP(return, VIOMMU_MOCK_MMAP_SKIP);
	}
	ASSERT_EQ(2 * self->page, data.out_mmap_length);

	/* Only the window as handed out: not a part of it, not shifted. */
	ASSERT_EQ(-ENXIO, iommufd_backend_viommu_mmap(self->be, viommu,
		data.out_mmap_offset, self->page, &addr));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
			  ENXIO, "not an offset and length IOMMU_VIOMMU_ALLOC handed out");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENXIO, iommufd_backend_viommu_mmap(self->be, viommu,
		data.out_mmap_offset + self->page, data.out_mmap_length, &addr));
	ASSERT_EQ(1, self->rep.count);
	ASSERT_EQ(NULL, addr);

	ASSERT_EQ(0, iommufd_backend_viommu_mmap(self->be, viommu,
		data.out_mmap_offset, data.out_mmap_length, &addr));
	win = addr;
	ASSERT_EQ(0xbadc0ffe, win[0]);
	win[1] = 0x5a5aa5a5;
	ASSERT_EQ(0x5a5aa5a5, win[1]);
	/* The mapping holds the vIOMMU until it is gone. */
	ASSERT_EQ(-EBUSY, iommufd_backend_free_id(self->be, viommu));
	ASSERT_EQ(0, munmap(addr, data.out_mmap_length));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, viommu));
}
#endif /* IOMMU_VIOMMU_TYPE_SELFTEST */

/*
 * An offset nothing handed out: a kernel with the iommufd's mmap (7.3)
 * answers ENXIO, one without it (6.12: no mmap in its file operations)
 * ENODEV, which the library turns into -EOPNOTSUPP naming the interface.
 * Which kernel this is comes from asking it the same with a raw mmap().
 */
TEST(viommu_mmap_of_nothing)
{
	struct backend_reports rep = { .lock = PTHREAD_MUTEX_INITIALIZER };
	size_t page = iommufd_page_size();
	struct iommufd_backend *be;
	void *addr = NULL, *raw;
	int fd, kernel_err;

	iommufd_open_or_skip(&fd);
	be = iommufd_backend_new();
	ASSERT_NE(NULL, be);
	iommufd_backend_set_report_fn(be, backend_reports_fn, &rep);
	ASSERT_EQ(0, iommufd_backend_set_fd(be, fd));
	ASSERT_EQ(0, iommufd_backend_connect(be));
	if (iommufd_target_is_userspace_mock() && viommu_mmap_is_a_plain_files(fd))
		SKIP(goto out, VIOMMU_MOCK_MMAP_SKIP);
	raw = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kernel_err = raw == MAP_FAILED ? errno : 0;
	if (!kernel_err)
		munmap(raw, page);
	ASSERT_NE(0, kernel_err) TH_LOG("mmap of an offset no vIOMMU handed out succeeded");
	if (kernel_err == ENODEV) {
		ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_viommu_mmap(be, 1, 0, page,
								   &addr));
		ASSERT_ONE_REPORT(&rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
				  EOPNOTSUPP,
				  "the running kernel lacks mmap of the iommufd");
	} else {
		ASSERT_EQ(ENXIO, kernel_err);
		ASSERT_EQ(-ENXIO, iommufd_backend_viommu_mmap(be, 1, 0, page,
							      &addr));
		ASSERT_ONE_REPORT(&rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
				  ENXIO, "offset=0x0 length=0x1000");
	}
	ASSERT_EQ(NULL, addr);
out:
	iommufd_backend_disconnect(be);
	iommufd_backend_destroy(be);
	close(fd);
}

TEST_F(viommu, map_file_dma_reads_back_and_change_process)
{
	/* The fixture's buffer, so that a skip leaks nothing. */
	char *seen = self->buffer;
	int access_fd, mfd, ret;
	size_t i;

	mfd = syscall(SYS_memfd_create, "backend_viommu", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, 2 * self->page));
	for (i = 0; i < self->page; i++)
		seen[i] = (char)(i * 5 + 3);
	ASSERT_EQ((ssize_t)self->page, pwrite(mfd, seen, self->page, self->page));

	/* The file's second page, at the IOVA. */
	ret = iommufd_backend_map_file_dma(self->be, self->ioas_id, VIOMMU_IOVA,
					   self->page, mfd, self->page, true);
	skip_if_kernel_lacks(ret, "map_file_dma", "IOMMU_IOAS_MAP_FILE");
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	test_cmd(_test_cmd_create_access(self->fd, self->ioas_id, &access_fd, 0));
	memset(seen, 0, self->page);
	test_cmd(_test_cmd_access_rw(self->fd, access_fd, VIOMMU_IOVA, seen,
				     self->page, 0));
	for (i = 0; i < self->page; i++)
		ASSERT_EQ((char)(i * 5 + 3), seen[i]) TH_LOG("byte %zu", i);
	close(access_fd);

	/* Only file mappings: the iommufd may move to this process. */
	ret = iommufd_backend_change_process(self->be);
	skip_if_kernel_lacks(ret, "change_process", "IOMMU_IOAS_CHANGE_PROCESS");
	ASSERT_EQ(0, ret) TH_LOG("%s", self->rep.msg);
	/* With user memory mapped it may not. */
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, self->ioas_id,
					     VIOMMU_IOVA + self->page, self->page,
					     self->buffer, false));
	ASSERT_EQ(-EINVAL, iommufd_backend_change_process(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "change_process",
			  EINVAL, "only file mappings");
	close(mfd);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
