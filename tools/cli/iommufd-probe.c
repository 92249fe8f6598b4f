// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * iommufd-probe: what does this /dev/iommu support?
 *
 * Connects through libiommufd (so a pre-opened fd works as in a VMM), then
 * asks each optional part of the uAPI a question that has no lasting effect
 * and prints one `key: value` line per answer. The answers come from the
 * kernel (or the userspace mock), never from the headers this was built
 * with: a feature the headers know may still be absent at run time.
 *
 * Exit status: 0 all probes answered as a working iommufd does; 1 /dev/iommu
 * could not be used or a probe failed unexpectedly; 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <iommufd/backend.h>
#include "iommufd_test.h"

#define PROBE_MAX_RANGES 16

static int probe_failures;

static void probe_unexpected(const char *key, int err)
{
	printf("%s: unexpected error %s (%s)\n", key, strerrorname_np(err) ?: "?",
	       strerror(err));
	probe_failures++;
}

static void probe_iova_ranges(int fd, uint32_t ioas_id)
{
	struct iommu_iova_range ranges[PROBE_MAX_RANGES];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = PROBE_MAX_RANGES,
		.allowed_iovas = (uintptr_t)ranges,
	};
	uint32_t i;

	if (ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd)) {
		probe_unexpected("iova_ranges", errno);
		return;
	}
	printf("iova_ranges: %u, alignment %" PRIu64 ":", cmd.num_iovas,
	       (uint64_t)cmd.out_iova_alignment);
	for (i = 0; i < cmd.num_iovas && i < PROBE_MAX_RANGES; i++)
		printf(" [0x%" PRIx64 "-0x%" PRIx64 "]", (uint64_t)ranges[i].start,
		       (uint64_t)ranges[i].last);
	printf("\n");
}

static void probe_option(int fd, const char *key, uint32_t option_id,
			 uint32_t object_id)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = IOMMU_OPTION_OP_GET,
		.object_id = object_id,
	};

	if (ioctl(fd, IOMMU_OPTION, &cmd)) {
		if (errno == ENOTTY)
			printf("%s: absent (IOMMU_OPTION: ENOTTY)\n", key);
		else
			probe_unexpected(key, errno);
		return;
	}
	printf("%s: %" PRIu64 "\n", key, (uint64_t)cmd.val64);
}

static void probe_vfio_compat(int fd)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_VFIO_IOAS_GET,
	};

	/*
	 * A fresh context has no compatibility IOAS; GET then answers ENODEV
	 * (vfio_compat.c), not the ENOENT an unknown object id gets.
	 */
	if (!ioctl(fd, IOMMU_VFIO_IOAS, &cmd))
		printf("vfio_compat: present, compat ioas=%u\n", cmd.ioas_id);
	else if (errno == ENODEV)
		printf("vfio_compat: present, no compat IOAS yet\n");
	else if (errno == ENOTTY)
		printf("vfio_compat: absent (IOMMU_VFIO_IOAS: ENOTTY)\n");
	else
		probe_unexpected("vfio_compat", errno);
}

static void probe_test_cmd(int fd)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = 0,
	};

	/*
	 * Id 0 is never an IOAS, so a kernel with the test command fails the
	 * attach with ENOENT and creates nothing; one without it has no such
	 * ioctl number at all (ENOTTY).
	 */
	if (!ioctl(fd, IOMMU_TEST_CMD, &cmd))
		printf("test_cmd: present, but mock domain on id 0 succeeded\n");
	else if (errno == ENOTTY)
		printf("test_cmd: absent (kernel without CONFIG_IOMMUFD_TEST)\n");
	else if (errno == ENOENT)
		printf("test_cmd: present (CONFIG_IOMMUFD_TEST mock domain)\n");
	else
		probe_unexpected("test_cmd", errno);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: iommufd-probe [--fd N | --fd fd=N]\n"
		"Reports which parts of the iommufd uAPI /dev/iommu answers.\n"
		"  --fd N   use an already open /dev/iommu fd instead of opening it\n");
}

/*
 * Why /dev/iommu could not be used, in terms of what to do about it: a
 * kernel without iommufd registers no "iommu" misc device (/proc/misc); one
 * with it may still lack the node (no devtmpfs, a container) or refuse it
 * to this user. Either way the userspace mock answers in its place.
 */
static void explain_no_iommufd(void)
{
	bool registered = false;
	char line[128], name[64];
	struct stat st;
	unsigned int minor;
	FILE *misc;

	misc = fopen("/proc/misc", "r");
	while (misc && fgets(line, sizeof(line), misc)) {
		if (sscanf(line, "%u %63s", &minor, name) == 2 && !strcmp(name, "iommu")) {
			registered = true;
			break;
		}
	}
	if (misc)
		fclose(misc);
	if (stat("/dev/iommu", &st)) {
		if (registered)
			fprintf(stderr, "iommufd-probe: the kernel has iommufd (misc device 'iommu', minor %u, in /proc/misc) but /dev/iommu does not exist: mount devtmpfs on /dev or create it (mknod /dev/iommu c 10 %u)\n",
				minor, minor);
		else
			fprintf(stderr, "iommufd-probe: this kernel has no iommufd: no 'iommu' misc device in /proc/misc (CONFIG_IOMMUFD not set, or its module not loaded: modprobe iommufd)\n");
	} else if (access("/dev/iommu", R_OK | W_OK)) {
		fprintf(stderr, "iommufd-probe: /dev/iommu exists but cannot be opened by this user (%s): run with access to it (root, or a group that has it)\n",
			strerror(errno));
	}
	fprintf(stderr, "iommufd-probe: without a kernel iommufd, the userspace mock answers as Linux 6.12 or 7.3 does: LD_PRELOAD=<build>/libiommufd_mock.so iommufd-probe (tools/mock/README.md)\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct iommufd_backend *be;
	const char *fd_str = NULL;
	uint32_t ioas_id;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			fd_str = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "iommufd-probe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	be = iommufd_backend_new();
	if (!be)
		return 1;
	/* The library reports what went wrong (naming the fd string) itself. */
	if (fd_str && iommufd_backend_set_fd_str(be, fd_str)) {
		iommufd_backend_destroy(be);
		return 1;
	}
	if (iommufd_backend_connect(be)) {
		if (!fd_str)
			explain_no_iommufd();
		iommufd_backend_destroy(be);
		return 1;
	}
	printf("device: fd=%d %s\n", iommufd_backend_fd(be),
	       iommufd_backend_owned(be) ? "(opened /dev/iommu)" : "(pre-opened)");

	ret = iommufd_backend_alloc_ioas(be, &ioas_id);
	if (ret) {
		probe_failures++;
	} else {
		printf("ioas_alloc: ok, ioas=%u\n", ioas_id);
		probe_iova_ranges(iommufd_backend_fd(be), ioas_id);
		probe_option(iommufd_backend_fd(be), "option.huge_pages",
			     IOMMU_OPTION_HUGE_PAGES, ioas_id);
		if (iommufd_backend_free_id(be, ioas_id))
			probe_failures++;
	}
	probe_option(iommufd_backend_fd(be), "option.rlimit_mode",
		     IOMMU_OPTION_RLIMIT_MODE, 0);
	probe_vfio_compat(iommufd_backend_fd(be));
	probe_test_cmd(iommufd_backend_fd(be));

	iommufd_backend_disconnect(be);
	iommufd_backend_destroy(be);
	return probe_failures ? 1 : 0;
}
