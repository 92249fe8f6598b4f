// SPDX-License-Identifier: GPL-2.0
/*
 * A mock device destroyed while a PASID of it is still attached (Linux
 * 7.x's PASID test ops). tools/mock/README.md records that the kernel then
 * "detaches only the RID and warns": 7.3's iommufd_selftest_destroy()
 * (selftest.c) detaches IOMMU_NO_PASID alone before
 * iommufd_device_unbind(). Prints each call's answer; the kernel log tells
 * whether it warned.
 * Build: cc -I$KHDR/include -I$KSRC/drivers/iommu/iommufd pasid_destroy.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iommufd_test.h"

static int fd;

static int say(const char *what, int rc)
{
	printf("%s: %s\n", what, rc ? strerror(errno) : "0");
	return rc;
}

int main(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS };
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_PASID };
	struct iommu_test_cmd rep = { .size = sizeof(rep),
				      .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	struct iommu_test_cmd pa = { .size = sizeof(pa), .op = IOMMU_TEST_OP_PASID_ATTACH };
	struct iommu_destroy d = { .size = sizeof(d) };

	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || say("IOAS_ALLOC", ioctl(fd, IOMMU_IOAS_ALLOC, &a)))
		return 1;
	md.id = a.out_ioas_id;
	md.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID;
	if (say("MOCK_DOMAIN_FLAGS PASID", ioctl(fd, IOMMU_TEST_CMD, &md)))
		return 1;
	h.dev_id = md.mock_domain_flags.out_idev_id;
	h.pt_id = a.out_ioas_id;
	if (say("HWPT_ALLOC ALLOC_PASID", ioctl(fd, IOMMU_HWPT_ALLOC, &h)))
		return 1;
	rep.id = md.mock_domain_flags.out_stdev_id;
	rep.mock_domain_replace.pt_id = h.out_hwpt_id;
	if (say("the RID onto it", ioctl(fd, IOMMU_TEST_CMD, &rep)))
		return 1;
	pa.id = md.mock_domain_flags.out_stdev_id;
	pa.pasid_attach.pasid = 1;
	pa.pasid_attach.pt_id = h.out_hwpt_id;
	if (say("PASID_ATTACH pasid 1", ioctl(fd, IOMMU_TEST_CMD, &pa)))
		return 1;
	d.id = md.mock_domain_flags.out_stdev_id;
	say("IOMMU_DESTROY of the mock device", ioctl(fd, IOMMU_DESTROY, &d));
	say("close", close(fd));
	return 0;
}
