// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for selftest-destroy-pasid: does IOMMU_DESTROY of a PASID-capable
 * mock device release the domain one of its PASIDs is attached to? Exit 0:
 * the bug is there (the domain stays busy); 1: it is released; 4: cannot
 * tell (no /dev/iommu, no IOMMU_TEST_CMD, or a kernel without the PASID
 * test ops).
 *
 * Where the bug is, this leaves what its case leaves: the kernel warns
 * (the entry's Report lines) and the objects of this fd leak at its close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"

enum { PRESENT = 0, ABSENT = 1, UNKNOWN = 4 };

#if defined(MOCK_PASID_WIDTH) && defined(IOMMU_HW_QUEUE_ALLOC)
static int test_cmd(int fd, struct iommu_test_cmd *cmd, __u32 op, __u32 id)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return ioctl(fd, IOMMU_TEST_CMD, cmd);
}

static int destroy(int fd, __u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d) ? errno : 0;
}
#endif

int main(void)
{
/* The PASID test ops came with 6.15's test header, its uAPI with 6.15. */
#if defined(MOCK_PASID_WIDTH) && defined(IOMMU_HW_QUEUE_ALLOC)
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt),
		.flags = IOMMU_HWPT_ALLOC_PASID,
	};
	struct iommu_test_cmd cmd;
	__u32 stdev, idev;
	int fd, err;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, IOMMU_IOAS_ALLOC, &ioas))
		return UNKNOWN;
	memset(&cmd, 0, sizeof(cmd));
	cmd.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID;
	if (test_cmd(fd, &cmd, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, ioas.out_ioas_id))
		return UNKNOWN;
	stdev = cmd.mock_domain_flags.out_stdev_id;
	idev = cmd.mock_domain_flags.out_idev_id;
	hwpt.dev_id = idev;
	hwpt.pt_id = ioas.out_ioas_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt))
		return UNKNOWN;
	/* The RID too on a PASID-compatible domain, as the case has it. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.mock_domain_replace.pt_id = hwpt.out_hwpt_id;
	if (test_cmd(fd, &cmd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, stdev))
		return UNKNOWN;
	memset(&cmd, 0, sizeof(cmd));
	cmd.pasid_attach.pasid = 1;
	cmd.pasid_attach.pt_id = hwpt.out_hwpt_id;
	if (test_cmd(fd, &cmd, IOMMU_TEST_OP_PASID_ATTACH, stdev))
		return UNKNOWN;	/* EOPNOTSUPP, EINVAL: no PASID ops here */
	if (destroy(fd, stdev))
		return UNKNOWN;
	err = destroy(fd, hwpt.out_hwpt_id);
	printf("after IOMMU_DESTROY of the device, IOMMU_DESTROY of its PASID's domain: %s\n",
	       err ? strerror(err) : "0");
	if (err == EBUSY)
		return PRESENT;
	return err ? UNKNOWN : ABSENT;
#else
	return UNKNOWN;
#endif
}
