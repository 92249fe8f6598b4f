/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the libiommufd test programs (backend_*.c): capturing the
 * library's reports, counting open fds, running a test again with
 * IOMMUFD_TRACE set to read its trace, and finding a PCI memory BAR to
 * mmap. The raw ioctl helpers come from iommufd_utils.h.
 */
#ifndef IOMMUFD_HARNESS_BACKEND_UTILS_H
#define IOMMUFD_HARNESS_BACKEND_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iommufd/backend.h>

#include "iommufd_utils.h"
#include "pci_utils.h"

/*
 * 6.12's kselftest_harness.h keeps `pid_t child` in a non-volatile local
 * across setjmp() in every TEST_F wrapper; once gcc -O2 inlines a fixture's
 * setup and body into that wrapper, -Wextra's -Wclobbered fires inside the
 * harness. Later harnesses restructured the wrapper; the warning is about
 * their code, not ours, so it is silenced for our programs only.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

/* ---- the report hook, captured ---- */

struct backend_reports {
	pthread_mutex_t lock;
	unsigned int count;
	/* The last report. */
	enum iommufd_report_level level;
	int err;
	char op[32];
	char msg[512];
};

static inline void backend_reports_fn(void *opaque,
				      enum iommufd_report_level level,
				      const char *op, int err, const char *msg)
{
	struct backend_reports *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->count++;
	r->level = level;
	r->err = err;
	snprintf(r->op, sizeof(r->op), "%s", op);
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
	pthread_mutex_unlock(&r->lock);
}

static inline void backend_reports_reset(struct backend_reports *r)
{
	pthread_mutex_lock(&r->lock);
	r->count = 0;
	r->err = 0;
	r->op[0] = r->msg[0] = '\0';
	pthread_mutex_unlock(&r->lock);
}

/*
 * Exactly one report since the last reset, with this level, operation and
 * errno, and a message containing _needle.
 */
#define ASSERT_ONE_REPORT(_r, _level, _op, _err, _needle)                    \
	do {                                                                 \
		ASSERT_EQ(1, (_r)->count) TH_LOG("reports: %u, last: %s: %s", \
						 (_r)->count, (_r)->op,      \
						 (_r)->msg);                 \
		ASSERT_EQ(_level, (_r)->level);                              \
		ASSERT_STREQ(_op, (_r)->op);                                 \
		ASSERT_EQ(_err, (_r)->err) TH_LOG("message: %s", (_r)->msg); \
		ASSERT_NE(NULL, strstr((_r)->msg, _needle))                  \
			TH_LOG("\"%s\" not in \"%s\"", _needle, (_r)->msg);  \
	} while (0)

/* ---- fds ---- */

/* How many fds this process has open (the directory's own fd excluded). */
static inline int backend_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static inline bool backend_fd_is_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* ---- running one test again with IOMMUFD_TRACE=1 ---- */

#define BACKEND_TRACE_CHILD_ENV "BACKEND_TRACE_CHILD"

/*
 * True in the copy of the program backend_run_traced() started: that copy
 * does the work, its parent reads the trace.
 */
static inline bool backend_is_trace_child(void)
{
	return getenv(BACKEND_TRACE_CHILD_ENV) != NULL;
}

/*
 * Runs this program again as "exe -r <test>" with IOMMUFD_TRACE=trace and
 * collects its stderr (the trace lines, the library's reports, the harness's
 * diagnostics) into out. The trace flag is read once at load time, which is
 * why a fresh process is needed. Returns the child's exit status, or -1.
 */
static inline int backend_run_traced(const char *test, const char *trace,
				     char *out, size_t len)
{
	size_t used = 0;
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int devnull = open("/dev/null", O_WRONLY);
		char exe[PATH_MAX];
		ssize_t l;

		/*
		 * readlink() rather than exec of /proc/self/exe itself: under
		 * valgrind the latter is valgrind's own binary, while readlink
		 * is answered with the program's path.
		 */
		l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (l <= 0)
			_exit(127);
		exe[l] = '\0';

		dup2(pipefd[1], STDERR_FILENO);
		/* The child's KTAP lines would confuse the outer runner. */
		if (devnull >= 0)
			dup2(devnull, STDOUT_FILENO);
		close(pipefd[0]);
		setenv("IOMMUFD_TRACE", trace, 1);
		setenv(BACKEND_TRACE_CHILD_ENV, "1", 1);
		execl(exe, exe, "-r", test, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (used + 1 < len &&
	       (n = read(pipefd[0], out + used, len - used - 1)) > 0)
		used += n;
	out[used] = '\0';
	/* Drain what did not fit so the child never blocks on a full pipe. */
	while (read(pipefd[0], &status, sizeof(status)) > 0)
		;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* How many lines of text start with prefix and contain needle (or any). */
static inline int backend_count_lines(const char *text, const char *prefix,
				      const char *needle)
{
	size_t plen = strlen(prefix);
	const char *p = text;
	int n = 0;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)llen, p);
		if (!strncmp(line, prefix, plen) &&
		    (!needle || strstr(line, needle)))
			n++;
		p = eol ? eol + 1 : NULL;
	}
	return n;
}

/* ---- the mock domain, where it can exist ---- */

/*
 * Attaches a mock domain to the IOAS (the returned stdev id detaches it),
 * or skips with the reason where mock domains cannot exist. _expect is the
 * errno the attach must fail with, or 0 for success.
 */
#define backend_mock_domain(_fd, _ioas, _stdevp, _expect)                    \
	do {                                                                 \
		char __iommu[64];                                            \
		int __ret, __err;                                            \
									     \
		iommufd_test_cmd_or_skip(_fd);                               \
		__ret = _test_cmd_mock_domain(_fd, _ioas, _stdevp, NULL,     \
					      NULL);                         \
		__err = __ret ? errno : 0;                                   \
		if (__err == EINVAL && iommufd_hw_iommu_name(__iommu,        \
							 sizeof(__iommu)))   \
			SKIP(return, "IOMMU_TEST_OP_MOCK_DOMAIN: EINVAL while "  \
			     "hardware IOMMU %s is active (mock devices are " \
			     "not probed then)", __iommu);                    \
		ASSERT_EQ(_expect, __err) TH_LOG("mock domain: %s",          \
						 strerror(__err));           \
	} while (0)

/* ---- a kernel of our own making ---- */

#ifdef BACKEND_FAKE_KERNEL
#include <dlfcn.h>
#include <stdarg.h>

/*
 * A program that defines BACKEND_FAKE_KERNEL before including this header
 * stands in for kernels it cannot boot (one without an ioctl, one that
 * answers a flag with a bare EINVAL): it defines ioctl() itself, which the
 * library's calls (linked in statically) reach before libc's and before the
 * userspace mock's (the executable comes first in the symbol lookup). When
 * backend_fake_ioctl is set, it sees each call first and answers it by
 * returning true with *ret (0, or -1 with errno set); everything else goes
 * on to the real ioctl(). Each case runs in its own child (the harness
 * forks), so setting it stays there. (A seccomp filter would do the same
 * for the kernel, but the guest kernel has no CONFIG_SECCOMP_FILTER and the
 * mock makes no system call.)
 */
static bool (*backend_fake_ioctl)(int fd, unsigned long request, void *arg,
				  int *ret);

int ioctl(int fd, unsigned long request, ...)
{
	static int (*next)(int, unsigned long, ...);
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (backend_fake_ioctl && backend_fake_ioctl(fd, request, arg, &ret))
		return ret;
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return next(fd, request, arg);
}

/* For a fake answer: -1 with errno set to err, or 0. */
static inline int backend_fake_answer(int err)
{
	errno = err;
	return err ? -1 : 0;
}
#endif /* BACKEND_FAKE_KERNEL */

/* ---- a PCI memory BAR to mmap ---- */

/*
 * mmaps the first `length` bytes of the ivshmem-plain device's shared
 * memory (1af4:1110, BAR2), through the shared scanner (pci_utils.h). The
 * mapping is VM_IO | VM_PFNMAP, exactly what pin_user_pages() refuses.
 * Returns the address, or NULL with why[] saying what was missing.
 */
static inline void *backend_map_pci_bar(size_t length, char *why, size_t wlen)
{
	void *p = NULL;
	int ret = pci_map_first_bar(0x1af4, 0x1110, 2, length, &p, why, wlen);

	if (ret == -ENODEV)
		snprintf(why, wlen, "no ivshmem-plain PCI device (1af4:1110) in %s",
			 PCI_SYSFS_DEVICES);
	return ret ? NULL : p;
}

#endif /* IOMMUFD_HARNESS_BACKEND_UTILS_H */
