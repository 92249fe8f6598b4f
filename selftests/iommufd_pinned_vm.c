// SPDX-License-Identifier: GPL-2.0
/*
 * Description: what iommufd's pins count in the process's mm, as
 * /proc/<pid>/status shows it: VmPin (mm->pinned_vm) grows by every page a
 * domain or an access pins, once per page however many domains hold it, in
 * every accounting mode (also for root, whose pins RLIMIT_MEMLOCK does not
 * limit), and shrinks when they go; VmLck (mm->locked_vm) grows too when
 * the context accounts per mm (IOMMU_OPTION_RLIMIT_MODE = 1). Read through
 * stdio, open()/read() and openat() of /proc, by the process and by its
 * child.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "iommufd_utils.h"
#include "proc_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#ifndef CAP_IPC_LOCK
#define CAP_IPC_LOCK 14
#endif
#ifndef CAP_SYS_RESOURCE
#define CAP_SYS_RESOURCE 24
#endif

#define PV_PAGES 4
#define PV_IOVA ((__u64)MOCK_APERTURE_START)

/* VmPin of this process as open() and read() see it, in KiB, or -1. */
static long vm_pin_kb_raw(int dirfd, const char *path)
{
	char buf[4096], *p;
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nVmPin:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/*
 * An IOAS with the variant's mock domains and PV_PAGES pages of anonymous
 * memory; vm_pin/vm_lck: what the mm counted before anything was mapped.
 */
FIXTURE(pinned_vm)
{
	int fd;
	__u32 ioas_id;
	struct iommufd_domains doms;
	void *buf;
	size_t len;
	long vm_pin, vm_lck;
};

FIXTURE_VARIANT(pinned_vm)
{
	unsigned int mock_domains;
	bool narrow;
	bool cap_ipc_lock;	/* keep it: IOPT_PAGES_ACCOUNT_NONE */
};

/* Without CAP_IPC_LOCK pins are accounted per user (the default). */
FIXTURE_VARIANT_ADD(pinned_vm, no_domain) { .mock_domains = 0 };
FIXTURE_VARIANT_ADD(pinned_vm, mock_domain) { .mock_domains = 1 };
FIXTURE_VARIANT_ADD(pinned_vm, two_mock_domains) { .mock_domains = 2 };
FIXTURE_VARIANT_ADD(pinned_vm, mock_domain_cap_ipc_lock)
{
	.mock_domains = 1,
	.cap_ipc_lock = true,
};

FIXTURE_SETUP(pinned_vm)
{
	iommufd_open_or_skip(&self->fd);
	if (variant->cap_ipc_lock) {
		if (!iommufd_has_cap(CAP_IPC_LOCK))
			SKIP(return, "accounting none needs CAP_IPC_LOCK");
	} else {
		ASSERT_EQ(0, drop_effective_cap(CAP_IPC_LOCK))
			TH_LOG("capset: %s", strerror(errno));
	}
	self->len = PV_PAGES * iommufd_page_size();
	self->buf = iommufd_test_buffer(self->len);
	ASSERT_NE(NULL, self->buf);
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      false, &self->doms);
	self->vm_pin = proc_vm_pin_kb(0);
	self->vm_lck = proc_status_kb(0, "VmLck");
	ASSERT_LE(0, self->vm_pin);
	ASSERT_LE(0, self->vm_lck);
}

FIXTURE_TEARDOWN(pinned_vm)
{
	close(self->fd);
	munmap(self->buf, self->len);
}

/* What a mapping pins at once: every page, once, where a domain is. */
#define mapped_kb() (self->doms.count ? (long)(self->len / 1024) : 0)

TEST_F(pinned_vm, a_mapping_counts_while_a_domain_pins_it)
{
	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, self->len, PV_IOVA);
	ASSERT_EQ(self->vm_pin + mapped_kb(), proc_vm_pin_kb(0));
	/* Only mm->locked_vm's own users count there in this mode. */
	ASSERT_EQ(self->vm_lck, proc_status_kb(0, "VmLck"));
	test_cmd_ioas_unmap(self->ioas_id, PV_IOVA, self->len);
	ASSERT_EQ(self->vm_pin, proc_vm_pin_kb(0));
}

TEST_F(pinned_vm, an_access_counts_what_it_pins_once)
{
	__u32 ids[2];
	int afd;

	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, self->len, PV_IOVA);
	test_cmd_create_access(self->ioas_id, &afd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	/* Two pins of the same pages: the pages are pinned once. */
	test_cmd_access_pages(afd, PV_IOVA, self->len, NULL, 0, &ids[0]);
	test_cmd_access_pages(afd, PV_IOVA, self->len, NULL, 0, &ids[1]);
	ASSERT_EQ(self->vm_pin + (long)(self->len / 1024), proc_vm_pin_kb(0));
	test_cmd_destroy_access_pages(afd, ids[0]);
	test_cmd_destroy_access_pages(afd, ids[1]);
	ASSERT_EQ(self->vm_pin + mapped_kb(), proc_vm_pin_kb(0));
	close(afd);
	test_cmd_ioas_unmap(self->ioas_id, PV_IOVA, self->len);
	ASSERT_EQ(self->vm_pin, proc_vm_pin_kb(0));
}

TEST_F(pinned_vm, every_way_of_reading_the_file_agrees)
{
	long want = self->vm_pin + mapped_kb();
	char path[64];
	int proc;

	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, self->len, PV_IOVA);
	ASSERT_EQ(want, proc_vm_pin_kb(0));		/* stdio */
	ASSERT_EQ(want, proc_vm_pin_kb(getpid()));
	ASSERT_EQ(want, vm_pin_kb_raw(AT_FDCWD, "/proc/self/status"));
	ASSERT_EQ(want, vm_pin_kb_raw(AT_FDCWD, "/proc/thread-self/status"));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", getpid(),
		 getpid());
	ASSERT_EQ(want, vm_pin_kb_raw(AT_FDCWD, path));
	proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, proc);
	ASSERT_EQ(want, vm_pin_kb_raw(proc, "self/status"));
	close(proc);
	test_cmd_ioas_unmap(self->ioas_id, PV_IOVA, self->len);
}

TEST_F(pinned_vm, a_child_sees_the_parent_count)
{
	pid_t parent = getpid(), child;
	int status;

	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, self->len, PV_IOVA);
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(proc_vm_pin_kb(parent) == self->vm_pin + mapped_kb() ?
			      0 : 1);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	test_cmd_ioas_unmap(self->ioas_id, PV_IOVA, self->len);
}

TEST_F(pinned_vm, accounting_per_mm_counts_in_vm_lck)
{
	if (variant->cap_ipc_lock)
		SKIP(return, "with CAP_IPC_LOCK nothing is accounted");
	if (!iommufd_has_cap(CAP_SYS_RESOURCE))
		SKIP(return, "IOMMU_OPTION_RLIMIT_MODE=1 needs CAP_SYS_RESOURCE");
	/* The mode is set in a context with no objects yet (else EBUSY). */
	close(self->fd);
	self->fd = open(IOMMUFD_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	test_cmd_option_set(IOMMU_OPTION_RLIMIT_MODE, 0, 1);
	test_cmd_ioas_alloc(&self->ioas_id);
	iommufd_domains_setup(self->fd, self->ioas_id, variant->mock_domains,
			      false, &self->doms);
	test_cmd_ioas_map_fixed(self->ioas_id, self->buf, self->len, PV_IOVA);
	ASSERT_EQ(self->vm_pin + mapped_kb(), proc_vm_pin_kb(0));
	ASSERT_EQ(self->vm_lck + mapped_kb(), proc_status_kb(0, "VmLck"));
	test_cmd_ioas_unmap(self->ioas_id, PV_IOVA, self->len);
	ASSERT_EQ(self->vm_pin, proc_vm_pin_kb(0));
	ASSERT_EQ(self->vm_lck, proc_status_kb(0, "VmLck"));
}

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN_NEEDS_TEST_CMD
