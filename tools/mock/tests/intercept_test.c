// SPDX-License-Identifier: GPL-2.0
/*
 * Description: run with libiommufd_mock.so preloaded: every libc way of
 * reaching /dev/iommu gets a mock context; dup'ed fds share it and it dies
 * with the last one; fork gives the child a copy; the ioctl struct-size
 * rules; an fd made by an ioctl that then fails is taken back; and fds that
 * are not ours pass through untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/iommufd.h>
#include "iommufd_test.h"
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "check.h"

static int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	*id = rc ? 0 : cmd.out_ioas_id;
	return rc;
}

static int destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static void test_paths(void)
{
	const char *paths[] = { "/dev/iommu", "//dev/iommu", "/dev/./iommu",
				"/dev/../dev/iommu", "/dev//iommu" };
	struct stat st;
	__u32 id;
	int fd, dirfd;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fd = open(paths[i], O_RDWR);
		CHECK(fd >= 0 && !ioas_alloc(fd, &id) && id == 1, "%s", paths[i]);
		close(fd);
	}
	dirfd = open("/dev", O_RDONLY | O_DIRECTORY);
	fd = openat(dirfd, "iommu", O_RDWR);
	CHECK(fd >= 0 && !ioas_alloc(fd, &id), "openat(/dev, iommu)");
	close(fd);
	close(dirfd);
	CHECK(!chdir("/dev"), "chdir");
	fd = open("iommu", O_RDWR);
	CHECK(fd >= 0 && !ioas_alloc(fd, &id), "relative open");
	close(fd);
	CHECK(!chdir("/"), "chdir");
	fd = open("/dev/iommu", O_RDWR | O_DIRECTORY);
	CHECK(fd < 0 && errno == ENOTDIR, "O_DIRECTORY");
	fd = open("/dev/iommu/", O_RDWR);
	CHECK(fd < 0 && errno == ENOTDIR, "trailing slash");
	/* Other names are not ours. */
	fd = open("/dev/iommux", O_RDWR);
	CHECK(fd < 0 && errno == ENOENT, "/dev/iommux");
	CHECK(!access("/dev/iommu", R_OK | W_OK), "access");
	CHECK(!stat("/dev/iommu", &st) && S_ISCHR(st.st_mode), "stat");
}

static void test_dup_and_close(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC), fd2, fd3, other;
	__u32 a, b, c;

	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC kept");
	CHECK(!ioas_alloc(fd, &a) && a == 1, "first id");
	fd2 = dup(fd);
	CHECK(fcntl(fd2, F_GETFD) == 0, "dup clears FD_CLOEXEC");
	/* Same context: the next id, and objects are visible through both. */
	CHECK(!ioas_alloc(fd2, &b) && b == 2, "shared ids");
	close(fd);
	CHECK(!destroy(fd2, a), "context outlives the first fd");
	fd3 = fcntl(fd2, F_DUPFD_CLOEXEC, 100);
	CHECK(fd3 >= 100 && fcntl(fd3, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC");
	close(fd2);
	/* The lowest free id is reused, as xa_alloc() does. */
	CHECK(!ioas_alloc(fd3, &c) && c == 1, "lowest free id");
	close(fd3);
	/* Last fd gone: a new open is a new, empty context. */
	fd = open("/dev/iommu", O_RDWR);
	CHECK(!ioas_alloc(fd, &a) && a == 1, "fresh context");
	/* dup2 over a mock fd drops that fd's reference. */
	other = open("/dev/null", O_RDONLY);
	fd2 = open("/dev/iommu", O_RDWR);
	CHECK(dup2(other, fd2) == fd2, "dup2");
	CHECK(ioas_alloc(fd2, &b) && errno == ENOTTY, "fd2 is /dev/null now");
	CHECK(!ioas_alloc(fd, &b) && b == 2, "fd unaffected");
	close(other);
	close(fd2);
	close(fd);
	/* A closed mock fd is a closed fd: EBADF, as the kernel says. */
	CHECK(ioas_alloc(fd, &b) && errno == EBADF, "ioctl after close");
}

/*
 * After fork() parent and child share the context, as they share the
 * kernel's struct file: ids the child allocates are the parent's, and the
 * child's close() (or exit) leaves the parent's fd working.
 */
static void test_fork(void)
{
	int fd = open("/dev/iommu", O_RDWR), status = 0;
	__u32 id;
	pid_t pid;

	CHECK(!ioas_alloc(fd, &id) && id == 1, "parent id");
	pid = fork();
	if (!pid) {
		/* The parent's IOAS 1 is the child's too; id 2 is next. */
		if (ioas_alloc(fd, &id) || id != 2 || destroy(fd, 1))
			_exit(1);
		close(fd);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status), "child");
	CHECK(destroy(fd, 1) && errno == ENOENT, "the child destroyed id 1");
	CHECK(!destroy(fd, 2), "the child's IOAS is the parent's");
	CHECK(!ioas_alloc(fd, &id) && id == 1, "lowest free id again");
	/* A child that ends with _exit() still holds it: the parent's close
	 * then finds that holder gone and releases the context. */
	pid = fork();
	if (!pid)
		_exit(ioas_alloc(fd, &id) || id != 2);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status), "second child");
	CHECK(!destroy(fd, 2), "the second child's IOAS");
	close(fd);
	fd = open("/dev/iommu", O_RDWR);
	CHECK(!ioas_alloc(fd, &id) && id == 1, "a new open is a new context");
	close(fd);
}

static void test_struct_size(void)
{
	int fd = open("/dev/iommu", O_RDWR), pfd[2];
	struct {
		struct iommu_ioas_alloc cmd;
		__u32 tail;
	} big = { .cmd = { .size = sizeof(big) } };
	struct iommu_ioas_alloc small = { .size = 4 };
	int avail = -1;

	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &small) && errno == EINVAL, "short");
	big.tail = 1;
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &big) && errno == E2BIG, "tail");
	big.tail = 0;
	CHECK(!ioctl(fd, IOMMU_IOAS_ALLOC, &big), "zero tail");
	CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8) && errno == EFAULT, "bad ptr");
	CHECK(ioctl(fd, _IO(IOMMUFD_TYPE, 0x9f), &big) && errno == ENOTTY,
	      "unknown");
	close(fd);
	/* Not ours: a pipe answers FIONREAD as usual. */
	CHECK(!pipe(pfd) && write(pfd[1], "abc", 3) == 3, "pipe");
	CHECK(!ioctl(pfd[0], FIONREAD, &avail) && avail == 3, "FIONREAD");
	close(pfd[0]);
	close(pfd[1]);
}

/* Kernels without CONFIG_CROSS_MEMORY_ATTACH answer ENOSYS; so does this. */
static int deny_process_vm(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static int count_fds(void)
{
	int n = 0, fd;

	/* The lowest free number, probed upwards: no opendir() fd of our own. */
	for (fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* The same rules when user memory is reached through the pipe fallback. */
static void test_without_process_vm(void)
{
	int status = 0;
	pid_t pid = fork();

	if (!pid) {
		struct iommu_ioas_iova_ranges r = { .size = sizeof(r) };
		int fd;

		int fds;

		if (deny_process_vm())
			_exit(3);
		test_struct_size();
		fd = open("/dev/iommu", O_RDWR);
		fds = count_fds();
		CHECK(!ioas_alloc(fd, &r.ioas_id), "alloc");
		CHECK(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r) && errno == EMSGSIZE &&
			      r.num_iovas == 1 && r.out_iova_alignment == 1,
		      "IOVA_RANGES written back through the pipe");
		CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8) && errno == EFAULT,
		      "EFAULT through the pipe");
		{
			/* Fails after the size was read: E2BIG. */
			struct {
				struct iommu_ioas_alloc cmd;
				__u32 tail;
			} big = { .cmd = { .size = sizeof(big) }, .tail = 1 };

			CHECK(ioctl(fd, IOMMU_IOAS_ALLOC, &big) && errno == E2BIG,
			      "E2BIG through the pipe");
		}
		/* The pipe lives for one ioctl, whatever its outcome. */
		CHECK(count_fds() == fds, "%d fds, expected %d", count_fds(), fds);
		close(fd);
		_exit(failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status), "child without process_vm_*: %d",
	      WEXITSTATUS(status));
}

/*
 * IOMMU_TEST_OP_CREATE_ACCESS and IOMMU_FAULT_QUEUE_ALLOC make an fd, then
 * write their answer back; into read-only memory that fails with EFAULT and
 * the fd must be taken back, with what it held. The mock does that without
 * the interposed close(): its lock is not recursive, so a call back into the
 * wrapper would deadlock (the child's alarm turns that into a failure).
 */
static void test_fd_taken_back(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	int status = 0;
	pid_t pid = fork();

	if (!pid) {
		int fd = open("/dev/iommu", O_RDWR), fds;
		struct iommu_fault_alloc *fault;
		struct iommu_test_cmd *test;
		void *page;
		__u32 ioas;

		alarm(20);
		page = mmap(NULL, ps, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(page != MAP_FAILED && !ioas_alloc(fd, &ioas), "setup");
		fds = count_fds();
		test = page;
		*test = (struct iommu_test_cmd){
			.size = sizeof(*test),
			.op = IOMMU_TEST_OP_CREATE_ACCESS,
			.id = ioas,
		};
		CHECK(!mprotect(page, ps, PROT_READ), "mprotect");
		CHECK(ioctl(fd, IOMMU_TEST_CMD, test) && errno == EFAULT,
		      "CREATE_ACCESS answering into read-only memory");
		CHECK(count_fds() == fds, "access fd left: %d fds, expected %d",
		      count_fds(), fds);
		CHECK(!destroy(fd, ioas), "the access still holds the IOAS");
		CHECK(!mprotect(page, ps, PROT_READ | PROT_WRITE), "mprotect");
		fault = page;
		*fault = (struct iommu_fault_alloc){ .size = sizeof(*fault) };
		CHECK(!mprotect(page, ps, PROT_READ), "mprotect");
		CHECK(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, fault) && errno == EFAULT,
		      "FAULT_QUEUE_ALLOC answering into read-only memory");
		CHECK(count_fds() == fds, "fault fd left: %d fds, expected %d",
		      count_fds(), fds);
		/* Both objects are gone: the lowest id is free again. */
		CHECK(!ioas_alloc(fd, &ioas) && ioas == 1, "id %u", ioas);
		close(fd);
		_exit(failures ? 1 : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		      !WEXITSTATUS(status), "child taking fds back: status %#x",
	      status);
}

static int test_cmd(int fd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_TEST_CMD, cmd);
}

/*
 * 7.3's mmap window of the selftest vIOMMU's driver data (driver.c): only
 * the exact window maps, shared and not executable; it shows in_data; each
 * VMA (also a piece a munmap() split off) holds the vIOMMU.
 */
static void test_viommu_mmap(int fd)
{
	struct iommu_viommu_selftest data = { .in_data = 0xbadbeef };
	struct iommu_test_cmd md = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.data_len = sizeof(data), .data_uptr = (uintptr_t)&data,
	};
	long ps = sysconf(_SC_PAGESIZE);
	uint32_t *p;
	size_t len;
	off_t off;

	CHECK(!ioas_alloc(fd, &md.id), "ioas");
	CHECK(!test_cmd(fd, &md), "mock domain");
	hwpt.dev_id = md.mock_domain.out_idev_id;
	hwpt.pt_id = md.id;
	CHECK(!ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt), "nest parent");
	va.dev_id = hwpt.dev_id;
	va.hwpt_id = hwpt.out_hwpt_id;
	CHECK(!ioctl(fd, IOMMU_VIOMMU_ALLOC, &va), "viommu with data");
	len = data.out_mmap_length;
	off = data.out_mmap_offset;
	/* the first window starts past the first page (driver.c) */
	CHECK(len == 2 * (size_t)ps && off == ps, "window %zu at %jd", len,
	      (intmax_t)off);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off + ps);
	CHECK(p == MAP_FAILED && errno == ENXIO, "inside the window");
	p = mmap(NULL, len / 2, PROT_READ, MAP_SHARED, fd, off);
	CHECK(p == MAP_FAILED && errno == ENXIO, "half the window");
	p = mmap(NULL, len * 2, PROT_READ, MAP_SHARED, fd, off);
	CHECK(p == MAP_FAILED && errno == ENXIO, "twice the window");
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, off);
	CHECK(p == MAP_FAILED && errno == EINVAL, "private");
	p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, fd, off);
	CHECK(p == MAP_FAILED && errno == EPERM, "executable");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	CHECK(p != MAP_FAILED && p[0] == data.in_data && !p[1] &&
		      !p[ps / sizeof(*p)], "the window's loopback");
	CHECK(destroy(fd, va.out_viommu_id) && errno == EBUSY, "held by VMA");
	/* the second page's VMA still holds it after the first goes */
	munmap(p, ps);
	CHECK(destroy(fd, va.out_viommu_id) && errno == EBUSY, "held by half");
	munmap((char *)p + ps, ps);
	CHECK(!destroy(fd, va.out_viommu_id), "free once unmapped");
}

/*
 * The personality is read once per process, so each is its own run
 * (Makefile, check): argv[1] names the IOMMUFD_MOCK_KERNEL it runs under.
 * A 6.13 ioctl is ENOTTY for 6.12 and known (a zero size is EINVAL) for
 * 7.3; a kernel the build cannot be fails the open with ENODEV. The mock
 * device bus is a directory for every kernel (asked before any open), and
 * what the filesystem says for a bogus one (a raw system call, past the
 * mock).
 */
static int test_personality(const char *kernel)
{
	const char *bus = "/sys/bus/iommufd_mock";
	struct stat st, raw;
	__u32 size = 0;
	int fd, rc, raw_rc;

	rc = stat(bus, &st);
	if (strcmp(kernel, "bogus")) {
		CHECK(!rc && S_ISDIR(st.st_mode), "%s has %s", kernel, bus);
		CHECK(!access(bus, R_OK | X_OK), "%s: access(%s)", kernel, bus);
	} else {
		raw_rc = syscall(SYS_newfstatat, AT_FDCWD, bus, &raw, 0);
		CHECK(rc == raw_rc && (!rc || errno == ENOENT),
		      "%s: %s as the filesystem has it", kernel, bus);
	}
	fd = open("/dev/iommu", O_RDWR);

	if (!strcmp(kernel, "bogus")) {
		CHECK(fd < 0 && errno == ENODEV, "IOMMUFD_MOCK_KERNEL=bogus");
		goto out;
	}
	CHECK(fd >= 0, "open as %s", kernel);
	rc = ioctl(fd, _IO(IOMMUFD_TYPE, 0x90), &size);	/* VIOMMU_ALLOC */
	if (!strcmp(kernel, "6.12"))
		CHECK(rc && errno == ENOTTY, "6.12 has no VIOMMU_ALLOC");
	else
		CHECK(rc && errno == EINVAL, "7.3 has VIOMMU_ALLOC");
	if (!strcmp(kernel, "7.3"))
		test_viommu_mmap(fd);
	close(fd);
out:
	printf("%s intercept_test personality %s\n",
	       failures ? "not ok" : "ok", kernel);
	return !!failures;
}

/*
 * exec(): an fd kept across it keeps its context (the program exec'd joins
 * the mock's arena, arena.c): the child image allocates in the parent's
 * IOAS space and destroys the parent's IOAS; an O_CLOEXEC fd is gone.
 */
static int exec_child(int fd, int cloexec_fd)
{
	struct stat st;
	__u32 id;

	CHECK(!ioas_alloc(fd, &id) && id == 2, "the context across exec: id %u", id);
	CHECK(!destroy(fd, 1), "destroy the parent's IOAS");
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "still /dev/iommu");
	CHECK(fcntl(cloexec_fd, F_GETFD) < 0 && errno == EBADF, "O_CLOEXEC fd gone");
	return failures ? 1 : 0;
}

static void test_exec(void)
{
	int fd = open("/dev/iommu", O_RDWR), cfd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	char a[16], b[16];
	int status;
	__u32 id;
	pid_t pid;

	CHECK(fd >= 0 && cfd >= 0 && !ioas_alloc(fd, &id) && id == 1, "open");
	snprintf(a, sizeof(a), "%d", fd);
	snprintf(b, sizeof(b), "%d", cfd);
	pid = fork();
	if (!pid) {
		execl("/proc/self/exe", "intercept_test", "exec-child", a, b, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      !WEXITSTATUS(status), "exec'd child: status 0x%x", status);
	CHECK(destroy(fd, 1) && errno == ENOENT, "the child destroyed it");
	CHECK(!destroy(fd, 2), "the child's IOAS is ours");
	close(fd);
	close(cfd);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exec-child"))
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	if (argc == 2)
		return test_personality(argv[1]);
	test_paths();
	test_dup_and_close();
	test_fork();
	test_struct_size();
	test_without_process_vm();
	test_fd_taken_back();
	test_exec();
	if (failures) {
		printf("not ok intercept_test: %lu failures\n", failures);
		return 1;
	}
	printf("ok intercept_test\n");
	return 0;
}
