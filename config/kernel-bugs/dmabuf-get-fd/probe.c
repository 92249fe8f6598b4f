// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for dmabuf-get-fd: does IOMMU_TEST_OP_DMABUF_GET answer with the
 * descriptor of the dma-buf it creates? Exit 0: the bug is there (it answers
 * 0 while a new descriptor appeared); 1: it answers the new descriptor; 4:
 * cannot tell (no /dev/iommu, no IOMMU_TEST_CMD, or a kernel without the op).
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

int main(void)
{
/* The op and its member came with 7.x's test header (see iommufd_utils_7x.h). */
#if defined(IOMMU_HW_QUEUE_TYPE_SELFTEST) && defined(IOMMU_IOAS_NOIOMMU_GET_PA)
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DMABUF_GET,
		.dmabuf_get = { .length = 4096, .open_flags = O_CLOEXEC },
	};
	char path[64], link[128] = "";
	int fd, next, ret;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return UNKNOWN;
	/* The lowest free descriptor: the one a new fd gets. */
	next = fcntl(0, F_DUPFD, 0);
	if (next < 0)
		return UNKNOWN;
	close(next);
	ret = ioctl(fd, IOMMU_TEST_CMD, &cmd);
	if (ret < 0)
		return UNKNOWN;	/* ENOTTY, EOPNOTSUPP: no such op here */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", next);
	if (readlink(path, link, sizeof(link) - 1) < 0 || !strstr(link, "dmabuf"))
		return UNKNOWN;
	printf("DMABUF_GET answered %d; the new dma-buf is fd %d\n", ret, next);
	return ret == next ? ABSENT : PRESENT;
#else
	return UNKNOWN;
#endif
}
