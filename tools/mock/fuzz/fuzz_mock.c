// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target over the mock's ioctl dispatcher (README.md, "Fuzzing").
 *
 * Each input is a stream in src/record.h's format: the same bytes
 * IOMMUFD_MOCK_RECORD writes while the suite runs, so the suite's streams
 * seed it. The mock's objects are linked in (without intercept.c) and
 * called through src/iommufd_mock_fd.h's entry points, as the interposed
 * ioctl() would. After every call the mock's invariants are checked
 * (src/invariants.h); after the input every fd is closed and nothing may be
 * left: no pin on the harness's buffers, no fd more than before. A broken
 * invariant aborts, which libFuzzer reports as a crash with the input.
 *
 * IOMMUFD_MOCK_KERNEL=6.12|7.3 fixes the personality for the run; unset,
 * each input's header picks it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"
#include "invariants.h"
#include "record.h"

#define BUF_SIZE (8UL << 20)
/*
 * RLIMIT_MEMLOCK for the inputs that run without CAP_IPC_LOCK: less than
 * the buffers hold, so that pinning can run out (ENOMEM and its unwinding).
 */
#define MEMLOCK_LIMIT (2UL << 20)
#define ARG_SIZE (64UL << 10)
/*
 * The PROT_NONE reservation after each buffer (virtual space only): the
 * mock adds offsets to a user pointer (a dirty bitmap's bit for an IOVA
 * far from its base, VFIO capabilities up to argsz), which must fault, not
 * land in the fuzzer's own memory.
 */
#define TAIL_GUARD (64ULL << 30)

struct fuzz_buf {
	uint8_t *base;
	size_t size;
	int prot;
};

static struct fuzz_buf g_bufs[IOMMUFD_RECORD_NR_BUFS];
static uint8_t *g_arg;		/* ARG_SIZE, an unmapped page after it */
static int g_forced_kernel = -1;
/* FUZZ_MOCK_TRACE=1: each decoded call and its result on stderr */
static bool g_trace;
static int g_baseline_fds;

static int ctx_fd[IOMMUFD_RECORD_CTX_SLOTS];
static int slot_fd[IOMMUFD_RECORD_FD_SLOTS];

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_mock: %s: %s\n", what, why);
	abort();
}

/* A mapping of size bytes after a PROT_NONE page, before TAIL_GUARD. */
static uint8_t *map_guarded(size_t size, int prot, int flags, int fd)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t total = ps + size + TAIL_GUARD;
	uint8_t *area = mmap(NULL, total, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	void *p;

	if (area == MAP_FAILED)
		return NULL;
	p = mmap(area + ps, size, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		munmap(area, total);
		return NULL;
	}
	return p;
}

static void buf_set(enum iommufd_record_buf b, uint8_t *base, size_t size,
		    int prot)
{
	if (!base)
		die("buffer", strerror(errno));
	g_bufs[b] = (struct fuzz_buf){ .base = base, .size = size, .prot = prot };
}

/* A file on disk (writeback: a writeable shared pin of it is EFAULT). */
static int disk_file(void)
{
	char path[] = "/var/tmp/fuzz_mock.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || unlink(path) || ftruncate(fd, BUF_SIZE))
		die("file buffer", strerror(errno));
	return fd;
}

static void bufs_init(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	uint8_t *huge;
	int fd;

	buf_set(IOMMUFD_RECORD_BUF_ANON, map_guarded(BUF_SIZE, rw, anon, -1),
		BUF_SIZE, rw);
	buf_set(IOMMUFD_RECORD_BUF_RDONLY,
		map_guarded(BUF_SIZE, PROT_READ, anon, -1), BUF_SIZE, PROT_READ);
	buf_set(IOMMUFD_RECORD_BUF_NONE,
		map_guarded(BUF_SIZE, PROT_NONE, anon, -1), BUF_SIZE, PROT_NONE);
	fd = memfd_create("fuzz_mock", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, BUF_SIZE))
		die("memfd", strerror(errno));
	buf_set(IOMMUFD_RECORD_BUF_MEMFD, map_guarded(BUF_SIZE, rw, MAP_SHARED, fd),
		BUF_SIZE, rw);
	close(fd);
	/* hugetlb where pages are reserved; else THP-backed anonymous memory */
	huge = map_guarded(BUF_SIZE, rw, anon | MAP_HUGETLB, -1);
	if (!huge) {
		huge = map_guarded(BUF_SIZE, rw, anon, -1);
		if (huge)
			madvise(huge, BUF_SIZE, MADV_HUGEPAGE);
	}
	buf_set(IOMMUFD_RECORD_BUF_HUGE, huge, BUF_SIZE, rw);
	fd = disk_file();
	buf_set(IOMMUFD_RECORD_BUF_FILE_SHARED,
		map_guarded(BUF_SIZE, rw, MAP_SHARED, fd), BUF_SIZE, rw);
	buf_set(IOMMUFD_RECORD_BUF_FILE_PRIVATE,
		map_guarded(BUF_SIZE, rw, MAP_PRIVATE, fd), BUF_SIZE, rw);
	close(fd);
	/* the page at 0 is never mapped (mmap_min_addr) */
	g_bufs[IOMMUFD_RECORD_BUF_NULL] = (struct fuzz_buf){ .size = 4096 };
	g_arg = map_guarded(ARG_SIZE, rw, anon, -1);
	if (!g_arg)
		die("arg buffer", strerror(errno));
}

/* The open fds; with verbose, each one and what it is, on stderr. */
/*
 * CAP_IPC_LOCK on or off in the effective set (it stays permitted): with it
 * the mock charges no pin (pages.c, IOPT_PAGES_ACCOUNT_NONE), without it
 * every pin is charged to RLIMIT_MEMLOCK.
 */
static void ipc_lock_set(bool on)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << (CAP_IPC_LOCK % 32);

	if (syscall(SYS_capget, &hdr, d))
		return;
	if (!(d[CAP_IPC_LOCK / 32].permitted & bit))
		return;
	if (on)
		d[CAP_IPC_LOCK / 32].effective |= bit;
	else
		d[CAP_IPC_LOCK / 32].effective &= ~bit;
	syscall(SYS_capset, &hdr, d);
}

static int count_fds(bool verbose)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		die("/proc/self/fd", strerror(errno));
	while ((e = readdir(d))) {
		char path[300], target[256] = "";

		if (e->d_name[0] == '.')
			continue;
		n++;
		if (!verbose)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if (readlink(path, target, sizeof(target) - 1) < 0)
			strcpy(target, "?");
		fprintf(stderr, "fuzz_mock: fd %s -> %s\n", e->d_name, target);
	}
	closedir(d);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *k = getenv("IOMMUFD_MOCK_KERNEL");
	int fd;

	(void)argc;
	(void)argv;
	for (unsigned int i = 0; k && *k && i < iommufd_mock_nr_kernels(); i++)
		if (!strcmp(k, iommufd_mock_kernel_name(i)))
			g_forced_kernel = (int)i;
	if (k && *k && g_forced_kernel < 0)
		die("IOMMUFD_MOCK_KERNEL", "not a kernel this build speaks");
	g_trace = getenv("FUZZ_MOCK_TRACE") != NULL;
	setrlimit(RLIMIT_MEMLOCK,
		  &(struct rlimit){ MEMLOCK_LIMIT, MEMLOCK_LIMIT });
	bufs_init();
	/* the first open reads the environment once; inputs set it after */
	fd = iommufd_mock_fd_open(true);
	if (fd < 0)
		die("open", strerror(errno));
	iommufd_mock_fd_close(fd);
	close(fd);
	for (int i = 0; i < IOMMUFD_RECORD_CTX_SLOTS; i++)
		ctx_fd[i] = -1;
	for (int i = 0; i < IOMMUFD_RECORD_FD_SLOTS; i++)
		slot_fd[i] = -1;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd < 0)
		return;
	iommufd_mock_fd_close(*fd);
	close(*fd);
	*fd = -1;
}

static void check_all(const char *after)
{
	char why[512];

	for (int i = 0; i < IOMMUFD_RECORD_CTX_SLOTS; i++)
		if (ctx_fd[i] >= 0 && iommufd_mock_check_fd(ctx_fd[i], why,
							    sizeof(why)))
			die(after, why);
}

/* Tagged pointers become pointers into the harness's buffers. */
static void untag(uint8_t *arg, size_t len)
{
	for (size_t o = 0; o + 8 <= len; o += 8) {
		struct fuzz_buf *b;
		uint64_t v;

		memcpy(&v, arg + o, 8);
		if (!iommufd_record_is_ptr(v))
			continue;
		b = &g_bufs[((v >> 32) & 0xff) % IOMMUFD_RECORD_NR_BUFS];
		v = (uintptr_t)b->base + (uint32_t)v % b->size;
		memcpy(arg + o, &v, 8);
	}
}

/* Where the mock writes through a pointer of the argument, or -1. */
static long out_ptr_offset(unsigned long cmd, const uint8_t *arg, size_t len)
{
	uint32_t op;

	switch (cmd) {
	/* mapped memory is written later, by ACCESS_RW through its IOVA */
	case IOMMU_IOAS_MAP:
		return offsetof(struct iommu_ioas_map, user_va);
	case VFIO_IOMMU_MAP_DMA:
		return offsetof(struct vfio_iommu_type1_dma_map, vaddr);
	case IOMMU_IOAS_IOVA_RANGES:
		return offsetof(struct iommu_ioas_iova_ranges, allowed_iovas);
	case IOMMU_GET_HW_INFO:
		return offsetof(struct iommu_hw_info, data_uptr);
	case IOMMU_HWPT_GET_DIRTY_BITMAP:
		return offsetof(struct iommu_hwpt_get_dirty_bitmap, data);
	case IOMMU_VIOMMU_ALLOC:
		return offsetof(struct iommu_viommu_alloc, data_uptr);
	case IOMMU_TEST_CMD:
		if (len < offsetofend(struct iommu_test_cmd, op))
			return -1;
		memcpy(&op, arg + offsetof(struct iommu_test_cmd, op), 4);
		return op == IOMMU_TEST_OP_ACCESS_RW ?
			       (long)offsetof(struct iommu_test_cmd, access_rw.uptr) :
			       -1;
	}
	return -1;
}

/*
 * The pointers the mock writes through (selftest_access.c's ACCESS_RW
 * read, GET_HW_INFO's data, IOVA_RANGES' array, the dirty bitmap, the
 * vIOMMU's data, and mapped memory, which ACCESS_RW writes) must not reach the fuzzer's own memory, which no kernel
 * would write: one that is not inside a buffer's reservation (the buffer
 * and the PROT_NONE space after it, which takes any offset the mock adds)
 * becomes the same offset in the PROT_NONE buffer. Elsewhere it would be
 * unmapped memory or ours; either way the call gets EFAULT.
 */
static void confine_out_ptr(unsigned long cmd, uint8_t *arg, size_t len)
{
	long off = out_ptr_offset(cmd, arg, len);
	struct fuzz_buf *none = &g_bufs[IOMMUFD_RECORD_BUF_NONE];
	uint64_t v;

	if (off < 0 || (size_t)off + 8 > len)
		return;
	memcpy(&v, arg + off, 8);
	if (v < 4096)
		return;
	for (int b = 0; b < IOMMUFD_RECORD_NR_BUFS; b++)
		if (g_bufs[b].base && v >= (uintptr_t)g_bufs[b].base &&
		    v - (uintptr_t)g_bufs[b].base < g_bufs[b].size + TAIL_GUARD)
			return;
	v = (uintptr_t)none->base + v % none->size;
	memcpy(arg + off, &v, 8);
}

/* An access fd named by its slot (record.h). */
static void access_fd_from_slot(uint8_t *arg, size_t len)
{
	uint32_t op, id;

	if (len < offsetofend(struct iommu_test_cmd, id))
		return;
	memcpy(&op, arg + offsetof(struct iommu_test_cmd, op), 4);
	memcpy(&id, arg + offsetof(struct iommu_test_cmd, id), 4);
	if (!iommufd_record_op_takes_access_fd(op) ||
	    id >= IOMMUFD_RECORD_FD_SLOTS)
		return;
	id = (uint32_t)slot_fd[id];
	memcpy(arg + offsetof(struct iommu_test_cmd, id), &id, 4);
}

/*
 * A new fd the call returned goes to a free slot (else it is closed). The
 * argument lies in the arg buffer wherever its place put it.
 */
static void keep_out_fd(unsigned long cmd, const uint8_t *arg)
{
	size_t avail = (size_t)(g_arg + ARG_SIZE - arg);
	long off = iommufd_record_out_fd_offset(cmd, arg, avail);
	uint32_t fd;

	if (off < 0 || (size_t)off + sizeof(fd) > avail)
		return;
	memcpy(&fd, arg + off, 4);
	for (int i = 0; i < IOMMUFD_RECORD_FD_SLOTS; i++) {
		if (slot_fd[i] < 0) {
			slot_fd[i] = (int)fd;
			return;
		}
	}
	close_fd(&(int){ (int)fd });
}

static bool in_arg_buffer(const void *arg)
{
	return arg >= (const void *)g_arg &&
	       arg < (const void *)(g_arg + ARG_SIZE);
}

static void trace_ioctl(unsigned int ctx, unsigned long cmd, const void *arg,
			size_t len, int ret)
{
	bool ours = in_arg_buffer(arg);
	int err = errno;

	fprintf(stderr, "fuzz_mock: ctx %u ioctl %#lx", ctx, cmd);
	if (cmd == IOMMU_TEST_CMD && ours && len >= 8)
		fprintf(stderr, " op %u", ((const uint32_t *)arg)[1]);
	fprintf(stderr, " arg %p len %zu:", arg, len);
	for (size_t i = 0; ours && i + 4 <= len && i < 64; i += 4)
		fprintf(stderr, " %08x", *(const uint32_t *)((const char *)arg + i));
	fprintf(stderr, " -> %d%s%s\n", ret, ret < 0 ? " " : "",
		ret < 0 ? strerror(err) : "");
}

static size_t do_ioctl(const uint8_t *p, size_t left)
{
	unsigned int ctx, place;
	unsigned long cmd;
	uint16_t len;
	void *arg;
	int ret;

	if (left < IOMMUFD_RECORD_IOCTL_HDR)
		return left;
	ctx = p[1] % IOMMUFD_RECORD_CTX_SLOTS;
	cmd = iommufd_record_cmd(p[2]);
	place = p[3];
	memcpy(&len, p + 4, 2);
	if (len > left - IOMMUFD_RECORD_IOCTL_HDR)
		len = (uint16_t)(left - IOMMUFD_RECORD_IOCTL_HDR);
	if (len > IOMMUFD_RECORD_MAX_ARG)
		len = IOMMUFD_RECORD_MAX_ARG;
	memset(g_arg, 0, 2 * IOMMUFD_RECORD_MAX_ARG);
	memcpy(g_arg, p + IOMMUFD_RECORD_IOCTL_HDR, len);
	if (place & IOMMUFD_RECORD_PLACE_FIXSIZE && len >= 4) {
		uint32_t sz = len;

		memcpy(g_arg, &sz, 4);
	}
	untag(g_arg, len);
	confine_out_ptr(cmd, g_arg, len);
	if (cmd == IOMMU_TEST_CMD)
		access_fd_from_slot(g_arg, len);
	switch ((place & 0xf) % IOMMUFD_RECORD_NR_PLACES) {
	case IOMMUFD_RECORD_PLACE_EDGE:
		/* the struct's last byte is the arg buffer's last */
		arg = memmove(g_arg + ARG_SIZE - len, g_arg, len);
		break;
	case IOMMUFD_RECORD_PLACE_NULL:
		arg = NULL;
		break;
	case IOMMUFD_RECORD_PLACE_VALUE: {
		uint64_t v = 0;

		memcpy(&v, g_arg, len < 8 ? len : 8);
		/* only VFIO's integer ioctls take a value; others a pointer */
		arg = iommufd_record_cmd_takes_value(cmd) ? (void *)(uintptr_t)v :
							    g_arg;
		break;
	}
	default:
		arg = g_arg;
	}
	ret = -1;
	errno = EBADF;
	if (ctx_fd[ctx] >= 0 &&
	    iommufd_mock_fd_ioctl(ctx_fd[ctx], cmd, arg, &ret) && ret >= 0 &&
	    in_arg_buffer(arg))
		keep_out_fd(cmd, arg);
	if (g_trace)
		trace_ioctl(ctx, cmd, arg, len, ret);
	if (arg != g_arg && in_arg_buffer(arg))
		memset(arg, 0, len);
	check_all("after an ioctl");
	return IOMMUFD_RECORD_IOCTL_HDR + len;
}

static size_t do_fill(const uint8_t *p, size_t left)
{
	struct fuzz_buf *b;
	uint32_t off;
	uint16_t len;

	if (left < IOMMUFD_RECORD_FILL_HDR)
		return left;
	b = &g_bufs[p[1] % IOMMUFD_RECORD_NR_BUFS];
	memcpy(&off, p + 2, 4);
	memcpy(&len, p + 6, 2);
	if (len > left - IOMMUFD_RECORD_FILL_HDR)
		len = (uint16_t)(left - IOMMUFD_RECORD_FILL_HDR);
	if (!b->base || b->prot == PROT_NONE)
		return IOMMUFD_RECORD_FILL_HDR + len;
	off %= b->size;
	if (len > b->size - off)
		len = (uint16_t)(b->size - off);
	if (!(b->prot & PROT_WRITE))
		mprotect(b->base, b->size, PROT_READ | PROT_WRITE);
	memcpy(b->base + off, p + IOMMUFD_RECORD_FILL_HDR, len);
	if (!(b->prot & PROT_WRITE))
		mprotect(b->base, b->size, b->prot);
	return IOMMUFD_RECORD_FILL_HDR + len;
}

static void open_ctx(int slot)
{
	if (slot < 0)
		return;
	ctx_fd[slot] = iommufd_mock_fd_open(true);
}

static int free_ctx_slot(void)
{
	for (int i = 0; i < IOMMUFD_RECORD_CTX_SLOTS; i++)
		if (ctx_fd[i] < 0)
			return i;
	return -1;
}

static void end_input(void)
{
	char why[512];

	for (int i = 0; i < IOMMUFD_RECORD_CTX_SLOTS; i++)
		close_fd(&ctx_fd[i]);
	for (int i = 0; i < IOMMUFD_RECORD_FD_SLOTS; i++)
		close_fd(&slot_fd[i]);
	if (count_fds(false) != g_baseline_fds) {
		snprintf(why, sizeof(why), "%d fds open, %d before the input",
			 count_fds(true), g_baseline_fds);
		die("after closing every fd", why);
	}
	for (int b = 0; b < IOMMUFD_RECORD_NR_BUFS; b++)
		if (g_bufs[b].base &&
		    iommufd_mock_check_unpinned((uintptr_t)g_bufs[b].base,
						g_bufs[b].size, why, sizeof(why)))
			die("after closing every fd", why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 1;

	if (!size)
		return 0;
	/*
	 * Per input: libFuzzer itself opens fds between inputs (the
	 * symbolizer's pipes when it prints a NEW_FUNC).
	 */
	g_baseline_fds = count_fds(false);
	iommufd_mock_personality_set(
		g_forced_kernel >= 0 ? (unsigned int)g_forced_kernel :
				       iommufd_record_hdr_kernel(data[0]) %
					       iommufd_mock_nr_kernels());
	ipc_lock_set(!(data[0] & IOMMUFD_RECORD_HDR_NO_IPC_LOCK));
	open_ctx(0);
	while (pos < size) {
		const uint8_t *p = data + pos;
		size_t left = size - pos;
		int s;

		switch (p[0] % IOMMUFD_RECORD_NR_OPS) {
		case IOMMUFD_RECORD_IOCTL:
			pos += do_ioctl(p, left);
			break;
		case IOMMUFD_RECORD_FILL:
			pos += do_fill(p, left);
			break;
		case IOMMUFD_RECORD_OPEN:
			open_ctx(free_ctx_slot());
			pos += 1;
			break;
		case IOMMUFD_RECORD_CLOSE:
			if (left >= 2)
				close_fd(&ctx_fd[p[1] % IOMMUFD_RECORD_CTX_SLOTS]);
			pos += 2;
			check_all("after a close");
			break;
		case IOMMUFD_RECORD_CLOSE_FD:
			if (left >= 2)
				close_fd(&slot_fd[p[1] % IOMMUFD_RECORD_FD_SLOTS]);
			pos += 2;
			check_all("after closing a returned fd");
			break;
		case IOMMUFD_RECORD_DUP:
			s = free_ctx_slot();
			if (left >= 2 && s >= 0 &&
			    ctx_fd[p[1] % IOMMUFD_RECORD_CTX_SLOTS] >= 0) {
				int old = ctx_fd[p[1] % IOMMUFD_RECORD_CTX_SLOTS];

				ctx_fd[s] = fcntl(old, F_DUPFD_CLOEXEC, 0);
				if (ctx_fd[s] >= 0)
					iommufd_mock_fd_dup(old, ctx_fd[s]);
			}
			pos += 2;
			break;
		}
	}
	end_input();
	return 0;
}
