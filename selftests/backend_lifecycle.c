// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd's backend lifecycle against /dev/iommu: connect,
 * alloc, map, unmap, free, disconnect; the fd closed exactly when the last
 * user leaves and never when pre-opened; the user limit; many threads
 * connecting at once; objects freed twice.
 */
#include "backend_utils.h"

/* Without <linux/iommufd.h> (6.1 headers) the program is one skip. */
#ifdef IOMMUFD_HAVE_UAPI

#define LIFECYCLE_IOVA (1ULL << 24)
#define LIFECYCLE_PAGES 4
#define LIFECYCLE_THREADS 8
#define LIFECYCLE_STRESS_ROUNDS 2000

/*
 * owned: the library opens /dev/iommu. preopened: the test opens it and
 * hands the fd over, as libvirt does for QEMU.
 */
FIXTURE(lifecycle)
{
	int fd;		/* preopened: ours; owned: -1 until connected */
	struct iommufd_backend *be;
	struct backend_reports rep;
	int fds_before;
	size_t length;
	void *buffer;
};

FIXTURE_VARIANT(lifecycle)
{
	bool preopened;
};
FIXTURE_VARIANT_ADD(lifecycle, owned) { .preopened = false };
FIXTURE_VARIANT_ADD(lifecycle, preopened) { .preopened = true };

FIXTURE_SETUP(lifecycle)
{
	pthread_mutex_init(&self->rep.lock, NULL);
	self->length = LIFECYCLE_PAGES * iommufd_page_size();
	self->buffer = iommufd_test_buffer(self->length);
	ASSERT_NE(NULL, self->buffer);
	self->fd = -1;
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	if (variant->preopened) {
		iommufd_open_or_skip(&self->fd);
		ASSERT_EQ(0, iommufd_backend_set_fd(self->be, self->fd));
		ASSERT_FALSE(iommufd_backend_owned(self->be));
		ASSERT_EQ(self->fd, iommufd_backend_fd(self->be));
	}
	self->fds_before = backend_count_fds();
}

FIXTURE_TEARDOWN(lifecycle)
{
	while (iommufd_backend_users(self->be))
		iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	if (variant->preopened) {
		/* Destroy does not close what it was given either. */
		EXPECT_TRUE(backend_fd_is_open(self->fd));
		close(self->fd);
	}
	munmap(self->buffer, self->length);
}

/* After the last disconnect: closed if owned, untouched if pre-opened. */
#define ASSERT_FD_AFTER_LAST_USER(_fd)                                       \
	do {                                                                 \
		if (variant->preopened) {                                    \
			ASSERT_TRUE(backend_fd_is_open(_fd));                \
			ASSERT_EQ(_fd, iommufd_backend_fd(self->be));        \
		} else {                                                     \
			ASSERT_FALSE(backend_fd_is_open(_fd));               \
			ASSERT_EQ(EBADF, errno);                             \
			ASSERT_EQ(-1, iommufd_backend_fd(self->be));         \
		}                                                            \
		ASSERT_EQ(self->fds_before, backend_count_fds());            \
	} while (0)

TEST_F(lifecycle, connect_alloc_map_unmap_free_disconnect)
{
	__u32 ioas_id = 0;
	__u64 unmapped = 0;
	int fd;

	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	fd = iommufd_backend_fd(self->be);
	ASSERT_TRUE(backend_fd_is_open(fd));
	ASSERT_EQ(!variant->preopened, iommufd_backend_owned(self->be));
	if (variant->preopened) {
		ASSERT_EQ(self->fd, fd);
	} else {
		ASSERT_EQ(self->fds_before + 1, backend_count_fds());
	}

	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &ioas_id));
	ASSERT_NE(0, ioas_id);
	ASSERT_EQ(0, iommufd_backend_map_dma(self->be, ioas_id, LIFECYCLE_IOVA,
					     self->length, self->buffer,
					     false));
	/* The mapping is really there: the kernel refuses to map it twice. */
	test_err(EEXIST, _test_ioctl_ioas_map(fd, ioas_id, self->buffer,
					      self->length,
					      &(__u64){ LIFECYCLE_IOVA },
					      IOMMUFD_MAP_RW |
					      IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, iommufd_backend_unmap_dma(self->be, ioas_id,
					       LIFECYCLE_IOVA, self->length));
	/* ... and gone: a second raw unmap finds nothing. */
	test_err(ENOENT, _test_ioctl_ioas_unmap(fd, ioas_id, LIFECYCLE_IOVA,
						self->length, &unmapped));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, ioas_id));
	test_err(ENOENT, _test_ioctl_destroy(fd, ioas_id));
	ASSERT_EQ(0, self->rep.count) TH_LOG("unexpected report: %s: %s",
					     self->rep.op, self->rep.msg);

	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_FD_AFTER_LAST_USER(fd);
}

TEST_F(lifecycle, fd_closed_exactly_by_the_last_user)
{
	const unsigned int users = 5;
	unsigned int i;
	int fd;

	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	fd = iommufd_backend_fd(self->be);
	for (i = 1; i < users; i++) {
		ASSERT_EQ(0, iommufd_backend_connect(self->be));
		/* Later users share the first one's fd: nothing reopens. */
		ASSERT_EQ(fd, iommufd_backend_fd(self->be));
	}
	ASSERT_EQ(users, iommufd_backend_users(self->be));

	for (i = users; i > 1; i--) {
		iommufd_backend_disconnect(self->be);
		ASSERT_EQ(i - 1, iommufd_backend_users(self->be));
		ASSERT_TRUE(backend_fd_is_open(fd));
		ASSERT_EQ(fd, iommufd_backend_fd(self->be));
	}
	iommufd_backend_disconnect(self->be);
	ASSERT_FD_AFTER_LAST_USER(fd);

	/* One disconnect too many changes nothing. */
	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_FD_AFTER_LAST_USER(fd);
	ASSERT_EQ(0, self->rep.count);

	/* The next connect starts over: owned backends open again. */
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_TRUE(backend_fd_is_open(iommufd_backend_fd(self->be)));
	iommufd_backend_disconnect(self->be);
}

TEST_F(lifecycle, lowered_limit_is_e2big)
{
	const uint32_t limit = 4;
	uint32_t i;

	ASSERT_EQ(0, iommufd_backend_set_max_users(self->be, limit));
	for (i = 0; i < limit; i++)
		ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_EQ(-E2BIG, iommufd_backend_connect(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "connect", E2BIG,
			  "too many connections");
	ASSERT_NE(NULL, strstr(self->rep.msg, "limit=4"));
	ASSERT_EQ(limit, iommufd_backend_users(self->be));

	/* The limit cannot drop below the users already there. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EBUSY, iommufd_backend_set_max_users(self->be, limit - 1));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_max_users",
			  EBUSY, "more than the new limit");

	/* One leaves, one more may come. */
	iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	for (i = 0; i < limit; i++)
		iommufd_backend_disconnect(self->be);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
}

TEST_F(lifecycle, destroy_with_users_is_ebusy)
{
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_EQ(-EBUSY, iommufd_backend_destroy(self->be));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "destroy", EBUSY,
			  "1 user(s)");
	/* Refused means untouched: still connected and usable. */
	ASSERT_EQ(1, iommufd_backend_users(self->be));
	ASSERT_TRUE(backend_fd_is_open(iommufd_backend_fd(self->be)));
	iommufd_backend_disconnect(self->be);
}

TEST_F(lifecycle, set_fd_while_connected_is_ebusy)
{
	int other;

	iommufd_open_or_skip(&other);
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_EQ(-EBUSY, iommufd_backend_set_fd(self->be, other));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "set_fd", EBUSY,
			  "cannot change its fd");
	ASSERT_NE(other, iommufd_backend_fd(self->be));
	iommufd_backend_disconnect(self->be);
	close(other);
}

TEST_F(lifecycle, free_unknown_id_is_reported)
{
	__u32 ioas_id;

	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_EQ(0, iommufd_backend_alloc_ioas(self->be, &ioas_id));
	ASSERT_EQ(0, iommufd_backend_free_id(self->be, ioas_id));

	/* Freed already: the kernel does not reuse the id at once. */
	ASSERT_EQ(-ENOENT, iommufd_backend_free_id(self->be, ioas_id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "free_id", ENOENT,
			  "no such object");
	ASSERT_NE(NULL, strstr(self->rep.msg, "id="));

	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOENT, iommufd_backend_free_id(self->be, UINT32_MAX));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "free_id", ENOENT,
			  "id=4294967295");
	iommufd_backend_disconnect(self->be);
}

TEST_F(lifecycle, null_out_pointer_is_einval)
{
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	ASSERT_EQ(-EINVAL, iommufd_backend_alloc_ioas(self->be, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_ioas", EINVAL,
			  "ioas_id is NULL");
	iommufd_backend_disconnect(self->be);
}

TEST_F(lifecycle, disconnected_backend_is_ebadf)
{
	__u32 ioas_id = 0;

	ASSERT_EQ(0, iommufd_backend_connect(self->be));
	iommufd_backend_disconnect(self->be);
	/*
	 * Even with a pre-opened fd still open, a backend without users
	 * refuses work: nobody holds a connection that makes it valid.
	 */
	ASSERT_EQ(-EBADF, iommufd_backend_alloc_ioas(self->be, &ioas_id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "alloc_ioas", EBADF,
			  "not connected");
}

/* ---- many threads ---- */

struct lifecycle_threads {
	struct iommufd_backend *be;
	pthread_barrier_t all_connected;
	pthread_barrier_t all_checked;
	int fds[LIFECYCLE_THREADS];
	int errors;
};

struct lifecycle_thread {
	struct lifecycle_threads *shared;
	unsigned int index;
};

/* Everyone connects, waits for everyone, reads the fd, disconnects. */
static void *lifecycle_barrier_thread(void *arg)
{
	struct lifecycle_thread *t = arg;
	struct lifecycle_threads *s = t->shared;

	if (iommufd_backend_connect(s->be))
		__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&s->all_connected);
	s->fds[t->index] = iommufd_backend_fd(s->be);
	pthread_barrier_wait(&s->all_checked);
	iommufd_backend_disconnect(s->be);
	return NULL;
}

/* Connect/disconnect as fast as possible, checking the fd is usable. */
static void *lifecycle_stress_thread(void *arg)
{
	struct lifecycle_thread *t = arg;
	struct lifecycle_threads *s = t->shared;
	unsigned int i;

	for (i = 0; i < LIFECYCLE_STRESS_ROUNDS; i++) {
		if (iommufd_backend_connect(s->be)) {
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		/*
		 * While we are a user the count includes us and the fd stays
		 * open. A lost update in the count shows here, where the final
		 * count could not show it (extra disconnects at 0 are no-ops).
		 */
		if (!iommufd_backend_users(s->be) ||
		    !backend_fd_is_open(iommufd_backend_fd(s->be)))
			__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
		iommufd_backend_disconnect(s->be);
	}
	return NULL;
}

static int lifecycle_run_threads(struct iommufd_backend *be,
				 void *(*fn)(void *),
				 struct lifecycle_threads *s)
{
	struct lifecycle_thread t[LIFECYCLE_THREADS];
	pthread_t tid[LIFECYCLE_THREADS];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->be = be;
	pthread_barrier_init(&s->all_connected, NULL, LIFECYCLE_THREADS);
	pthread_barrier_init(&s->all_checked, NULL, LIFECYCLE_THREADS);
	for (i = 0; i < LIFECYCLE_THREADS; i++) {
		t[i].shared = s;
		t[i].index = i;
		if (pthread_create(&tid[i], NULL, fn, &t[i]))
			return -1;
	}
	for (i = 0; i < LIFECYCLE_THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&s->all_connected);
	pthread_barrier_destroy(&s->all_checked);
	return 0;
}

TEST_F(lifecycle, threads_share_one_fd)
{
	struct lifecycle_threads s;
	unsigned int i;

	ASSERT_EQ(0, lifecycle_run_threads(self->be, lifecycle_barrier_thread,
					   &s));
	ASSERT_EQ(0, s.errors);
	/* All users saw the same open fd... */
	for (i = 0; i < LIFECYCLE_THREADS; i++) {
		ASSERT_LE(0, s.fds[i]);
		ASSERT_EQ(s.fds[0], s.fds[i]);
	}
	/* ... and the last one out closed it, if it was ours. */
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_FD_AFTER_LAST_USER(s.fds[0]);
}

TEST_F(lifecycle, threads_stress_end_with_no_users)
{
	struct lifecycle_threads s;
	int fd = iommufd_backend_fd(self->be);

	ASSERT_EQ(0, lifecycle_run_threads(self->be, lifecycle_stress_thread,
					   &s));
	ASSERT_EQ(0, s.errors);
	ASSERT_EQ(0, iommufd_backend_users(self->be));
	ASSERT_EQ(0, self->rep.count);
	/* No fd leaked over thousands of open/close cycles. */
	ASSERT_EQ(self->fds_before, backend_count_fds());
	ASSERT_EQ(fd, iommufd_backend_fd(self->be));
}

/*
 * The same barrier run, counted through IOMMUFD_TRACE in a fresh process:
 * every connect traced, exactly one open and one close when owned, none
 * when pre-opened.
 */
TEST_F(lifecycle, threads_trace_one_open_one_close)
{
	static char out[65536];
	struct lifecycle_threads s;
	char name[128];
	int expect = variant->preopened ? 0 : 1;

	if (backend_is_trace_child()) {
		ASSERT_EQ(0, lifecycle_run_threads(self->be,
						   lifecycle_barrier_thread,
						   &s));
		ASSERT_EQ(0, s.errors);
		return;
	}
	snprintf(name, sizeof(name), "lifecycle.%s.threads_trace_one_open_one_close",
		 variant->preopened ? "preopened" : "owned");
	ASSERT_EQ(0, backend_run_traced(name, "1", out, sizeof(out)))
		TH_LOG("traced run failed:\n%s", out);
	ASSERT_EQ(LIFECYCLE_THREADS,
		  backend_count_lines(out, "libiommufd:connect ", "ret=0"))
		TH_LOG("trace:\n%s", out);
	ASSERT_EQ(LIFECYCLE_THREADS,
		  backend_count_lines(out, "libiommufd:disconnect ", NULL))
		TH_LOG("trace:\n%s", out);
	ASSERT_EQ(expect, backend_count_lines(out, "libiommufd:connect ",
					      "opened=1"))
		TH_LOG("trace:\n%s", out);
	ASSERT_EQ(expect, backend_count_lines(out, "libiommufd:disconnect ",
					      "closed=1"))
		TH_LOG("trace:\n%s", out);
	/* The close came with the last user gone. */
	ASSERT_EQ(expect, backend_count_lines(out, "libiommufd:disconnect ",
					      "users=0 closed=1"))
		TH_LOG("trace:\n%s", out);
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
