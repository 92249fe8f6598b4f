// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Description: built by "make check-install" against the installed library,
 * with only what pkg-config reports: the header is found, the symbols link,
 * and calls that need no /dev/iommu behave as documented.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <iommufd/backend.h>

static int reports;

static void count_report(void *opaque, enum iommufd_report_level level,
			 const char *op, int err, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
	if (!strcmp(op, "set_fd") && err == EINVAL)
		reports++;
}

int main(void)
{
	struct iommufd_backend *be = iommufd_backend_new();
	int ret;

	if (!be) {
		perror("iommufd_backend_new");
		return 1;
	}
	iommufd_backend_set_report_fn(be, count_report, NULL);
	ret = iommufd_backend_set_fd_str(be, "fd=abc");
	if (ret != -EINVAL || reports != 1) {
		fprintf(stderr, "set_fd_str(\"fd=abc\") = %d, %d report(s)\n",
			ret, reports);
		return 1;
	}
	if (iommufd_backend_destroy(be)) {
		fprintf(stderr, "destroy of an unconnected backend failed\n");
		return 1;
	}
	return 0;
}
