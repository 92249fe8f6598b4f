// SPDX-License-Identifier: GPL-2.0
/*
 * Description: libiommufd's device side and viommu_mmap without a kernel
 * that has them: against a fake iommufd and a fake VFIO device (ioctl()
 * interposed), how PASID attach tells a kernel without it (6.12) from an
 * unbound device and from the kernel's own EINVAL, what it sends when the
 * kernel takes it, bad device fds (negative, closed, O_PATH, not VFIO),
 * and viommu_mmap's argument checks and a file without mmap. Runs on any
 * host, so it has its own main() instead of IOMMUFD_TEST_MAIN.
 */
#define BACKEND_FAKE_KERNEL
#include "backend_utils.h"

#ifdef IOMMUFD_HAVE_UAPI
#include <linux/vfio.h>

/*
 * Two /dev/null fds answer as an iommufd (IOMMU_DESTROY of id 0: ENOENT,
 * enough for set_fd) and as a VFIO device cdev of a kernel the test picks:
 *  - an unbound cdev answers EINVAL to everything (access_granted,
 *    drivers/vfio/vfio_main.c:1280 in 6.12, :1381 in 7.3), GET_INFO too;
 *  - 6.12 answers EINVAL to any attach or detach flag
 *    (drivers/vfio/device_cdev.c:175 and :210);
 *  - 7.3 takes VFIO_DEVICE_ATTACH_PASID and answers what the device's
 *    IOMMU says (attach_err), and DETACH_PASID of a PASID never attached
 *    with 0 (drivers/vfio/iommufd.c:223).
 */
static struct {
	int iommufd, dev;
	bool bound, knows_pasid;
	int attach_err;
	unsigned int detaches;
	__u32 detach_pasid, attach_pasid, attach_flags;
} fake = { .iommufd = -1, .dev = -1 };

static bool fake_ioctl(int fd, unsigned long request, void *arg, int *ret)
{
	if (fd == fake.iommufd && request == IOMMU_DESTROY) {
		*ret = backend_fake_answer(ENOENT);
		return true;
	}
	if (fd != fake.dev)
		return false;
	if (!fake.bound) {
		*ret = backend_fake_answer(EINVAL);
		return true;
	}
	switch (request) {
	case VFIO_DEVICE_GET_INFO:
		*ret = backend_fake_answer(0);
		return true;
#ifdef VFIO_DEVICE_ATTACH_PASID
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT: {
		struct vfio_device_attach_iommufd_pt *a = arg;

		fake.attach_flags = a->flags;
		fake.attach_pasid = a->pasid;
		if (!fake.knows_pasid && a->flags) {
			*ret = backend_fake_answer(EINVAL);
			return true;
		}
		if (!fake.attach_err)
			a->pt_id = 77; /* the HWPT the kernel chose */
		*ret = backend_fake_answer(fake.attach_err);
		return true;
	}
	case VFIO_DEVICE_DETACH_IOMMUFD_PT: {
		struct vfio_device_detach_iommufd_pt *d = arg;

		if (!fake.knows_pasid && d->flags) {
			*ret = backend_fake_answer(EINVAL);
			return true;
		}
		fake.detaches++;
		fake.detach_pasid = d->pasid;
		*ret = backend_fake_answer(0);
		return true;
	}
#endif
	}
	return false;
}

FIXTURE(fake_vfio)
{
	struct iommufd_backend *be;
	struct backend_reports rep;
};

FIXTURE_SETUP(fake_vfio)
{
	pthread_mutex_init(&self->rep.lock, NULL);
	fake.iommufd = open("/dev/null", O_RDWR | O_CLOEXEC);
	fake.dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fake.iommufd);
	ASSERT_LE(0, fake.dev);
	fake.bound = true;
	backend_fake_ioctl = fake_ioctl;
	self->be = iommufd_backend_new();
	ASSERT_NE(NULL, self->be);
	iommufd_backend_set_report_fn(self->be, backend_reports_fn, &self->rep);
	ASSERT_EQ(0, iommufd_backend_set_fd(self->be, fake.iommufd));
	ASSERT_EQ(0, iommufd_backend_connect(self->be));
}

FIXTURE_TEARDOWN(fake_vfio)
{
	iommufd_backend_disconnect(self->be);
	EXPECT_EQ(0, iommufd_backend_destroy(self->be));
	close(fake.dev);
	close(fake.iommufd);
}

#ifdef VFIO_DEVICE_ATTACH_PASID
TEST_F(fake_vfio, pasid_attach_sends_the_pasid_and_returns_the_hwpt)
{
	__u32 hwpt = 0;

	fake.knows_pasid = true;
	ASSERT_EQ(0, iommufd_backend_attach_device_pasid(self->be, fake.dev, 5,
							 2, &hwpt));
	ASSERT_EQ(77, hwpt);
	ASSERT_EQ(VFIO_DEVICE_ATTACH_PASID, fake.attach_flags);
	ASSERT_EQ(5, fake.attach_pasid);
	ASSERT_EQ(0, iommufd_backend_detach_device_pasid(self->be, fake.dev, 5));
	ASSERT_EQ(1, fake.detaches);
	ASSERT_EQ(5, fake.detach_pasid);
	ASSERT_EQ(0, self->rep.count);
}

TEST_F(fake_vfio, kernel_without_pasid_attach_is_eopnotsupp)
{
	fake.knows_pasid = false; /* 6.12 */
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_attach_device_pasid(self->be,
		fake.dev, 5, 2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EOPNOTSUPP,
			  "the running kernel lacks VFIO_DEVICE_ATTACH_PASID/DETACH_PASID (EINVAL for the flag; it came with Linux 6.15)");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_detach_device_pasid(self->be,
		fake.dev, 5));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "detach_device_pasid", EOPNOTSUPP, "pasid=5");
}

TEST_F(fake_vfio, kernel_einval_is_kept_and_the_probe_is_harmless)
{
	fake.knows_pasid = true; /* 7.3, a HWPT without ALLOC_PASID */
	fake.attach_err = EINVAL;
	ASSERT_EQ(-EINVAL, iommufd_backend_attach_device_pasid(self->be,
		fake.dev, 5, 2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EINVAL,
			  "IOMMUFD_HWPT_ALLOC_PASID");
	/* The question asked was a detach of a PASID nothing can have. */
	ASSERT_EQ(1, fake.detaches);
	ASSERT_EQ(UINT32_MAX, fake.detach_pasid);
}

TEST_F(fake_vfio, unbound_device_is_einval_on_any_kernel)
{
	int knows;

	fake.bound = false;
	for (knows = 0; knows < 2; knows++) {
		fake.knows_pasid = knows;
		backend_reports_reset(&self->rep);
		ASSERT_EQ(-EINVAL, iommufd_backend_attach_device_pasid(self->be,
			fake.dev, 5, 2, NULL));
		ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
				  "attach_device_pasid", EINVAL, "not bound");
	}
}

TEST_F(fake_vfio, driver_without_pasid_is_eopnotsupp_without_probing)
{
	fake.knows_pasid = true;
	fake.attach_err = EOPNOTSUPP;
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_attach_device_pasid(self->be,
		fake.dev, 5, 2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EOPNOTSUPP,
			  "no PASID support");
	ASSERT_EQ(0, fake.detaches);
}
#else
TEST_F(fake_vfio, headers_without_pasid_attach_are_eopnotsupp)
{
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_attach_device_pasid(self->be,
		fake.dev, 5, 2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EOPNOTSUPP,
			  "headers without VFIO_DEVICE_ATTACH_PASID");
}
#endif

/* Device fds that cannot be: each answer names what is wrong with the fd. */
TEST_F(fake_vfio, bad_device_fds_are_named)
{
	int opath = open("/dev/null", O_PATH | O_CLOEXEC), closed = dup(fake.dev);
	__u32 id;

	ASSERT_LE(0, opath);
	ASSERT_LE(0, closed);
	close(closed);
	ASSERT_EQ(-EINVAL, iommufd_backend_attach_device_pasid(self->be, -1, 5,
							       2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", EINVAL,
			  "negative file descriptor");
#ifdef VFIO_DEVICE_BIND_IOMMUFD
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EBADF, iommufd_backend_bind_device(self->be, opath, &id));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "bind_device",
			  EBADF, "device_fd is an O_PATH file descriptor");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EBADF, iommufd_backend_attach_device(self->be, closed, 2,
							NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "attach_device",
			  EBADF, "device_fd is not an open file descriptor");
#else
	(void)id;
#endif
#ifdef VFIO_DEVICE_ATTACH_PASID
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EBADF, iommufd_backend_detach_device_pasid(self->be, opath,
							      5));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "detach_device_pasid", EBADF, "O_PATH");
	/* Not a VFIO device at all: ENOTTY, never the EINVAL probing. */
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-ENOTTY, iommufd_backend_attach_device_pasid(self->be,
		fake.iommufd, 5, 2, NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR,
			  "attach_device_pasid", ENOTTY, "not a VFIO device cdev");
#endif
	close(opath);
}

/*
 * viommu_mmap: what it refuses before the kernel sees it, and a file
 * without mmap (here /dev/null, as 6.12's iommufd: ENODEV, mm/mmap.c:423).
 */
TEST_F(fake_vfio, viommu_mmap_arguments_and_a_kernel_without_it)
{
	void *addr = NULL;

	ASSERT_EQ(-EINVAL, iommufd_backend_viommu_mmap(self->be, 1, 0, 4096,
						       NULL));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
			  EINVAL, "out_addr is NULL");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_viommu_mmap(self->be, 1, 0, 0, &addr));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
			  EINVAL, "zero length");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EINVAL, iommufd_backend_viommu_mmap(self->be, 1, UINT64_MAX,
						       4096, &addr));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
			  EINVAL, "beyond what mmap() takes");
	backend_reports_reset(&self->rep);
	ASSERT_EQ(-EOPNOTSUPP, iommufd_backend_viommu_mmap(self->be, 1, 0, 4096,
							   &addr));
	ASSERT_ONE_REPORT(&self->rep, IOMMUFD_REPORT_ERROR, "viommu_mmap",
			  EOPNOTSUPP,
			  "lacks mmap of the iommufd (vIOMMU MMIO windows) (ENODEV from mmap(); it came with Linux 6.17)");
	ASSERT_EQ(NULL, addr);
}
TEST_HARNESS_MAIN
#else
IOMMUFD_TEST_MAIN
#endif /* IOMMUFD_HAVE_UAPI */
