// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMUFD_MOCK_RECORD=<dir>: each context's ioctl stream, written to
 * <dir>/<pid>-<n>.ios in the fuzzer's input format (record.h), so that the
 * suite's own streams seed the fuzzer (fuzz/README.md). No kernel file
 * mirrors this.
 *
 * Each record is appended with an open/write/close of raw system calls:
 * the recorder keeps no fd a test could close or count (close_range(),
 * fd-leak checks), and never calls an interposed libc function (the mock's
 * lock is held here, file.c).
 *
 * A pointer in an argument is rewritten as (buffer kind, offset in its
 * mapping) from /proc/self/maps, and the first bytes it points to are
 * recorded as a FILL before the call (allowed IOVAs, driver data,
 * invalidation entries). A context whose address is reused after its
 * release continues the old stream: both are valid inputs all the same.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_private.h"
#include "record.h"

#define RECORD_STREAMS 64
#define RECORD_MAX_STREAM 65536
#define RECORD_FILL_MAX 256

struct record_stream {
	const struct iommufd_ctx *ictx;
	pid_t pid;
	unsigned int seq;
	size_t written;
	int fds[IOMMUFD_RECORD_FD_SLOTS];
	unsigned int nfds;
};

static struct record_stream g_streams[RECORD_STREAMS];
static unsigned int g_next_seq;

static const char *record_dir(void)
{
	static const char *dir;
	static int done;

	if (!done) {
		dir = getenv("IOMMUFD_MOCK_RECORD");
		if (dir && !*dir)
			dir = NULL;
		done = 1;
	}
	return dir;
}

/* The stream of ictx in this process, a new one if it has none yet. */
static struct record_stream *record_stream_get(const struct iommufd_ctx *ictx)
{
	pid_t pid = getpid();
	struct record_stream *free_slot = NULL;

	for (int i = 0; i < RECORD_STREAMS; i++) {
		struct record_stream *s = &g_streams[i];

		if (s->ictx == ictx && s->pid == pid)
			return s;
		/* a stream of the parent, copied by fork(), is not ours */
		if (!free_slot && (!s->ictx || s->pid != pid))
			free_slot = s;
	}
	if (!free_slot)
		free_slot = &g_streams[g_next_seq % RECORD_STREAMS];
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->ictx = ictx;
	free_slot->pid = pid;
	free_slot->seq = g_next_seq++;
	return free_slot;
}

static void record_append(struct record_stream *s, const void *data,
			  size_t len)
{
	char path[4096];
	int fd;

	if (s->written + len > RECORD_MAX_STREAM)
		return;
	snprintf(path, sizeof(path), "%s/%d-%u.ios", record_dir(), (int)s->pid,
		 s->seq);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (!s->written) {
		uint8_t hdr = iommufd_record_hdr_of_kernel(
			iommufd_mock_personality());

		syscall(SYS_write, fd, &hdr, 1);
		s->written = 1;
	}
	if (syscall(SYS_write, fd, data, len) == (long)len)
		s->written += len;
	syscall(SYS_close, fd);
}

/* The kind of buffer the mapping holding va is, and va's offset in it. */
static int record_classify(uint64_t va, uint32_t *off, uint64_t *avail)
{
	char buf[8192], line[4096];
	size_t have = 0, ll = 0;
	int fd, kind = -1;

	if (va < 4096) {
		*off = (uint32_t)va;
		*avail = 0;
		return IOMMUFD_RECORD_BUF_NULL;
	}
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		long n = syscall(SYS_read, fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		have = (size_t)n;
		for (size_t i = 0; i < have && kind < 0; i++) {
			unsigned long start, end;
			char perms[8], path[4096] = "";

			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = 0;
			ll = 0;
			if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095[^\n]",
				   &start, &end, perms, path) < 3 ||
			    va < start || va >= end)
				continue;
			*off = (uint32_t)(va - start);
			*avail = perms[0] == 'r' ? end - va : 0;
			if (perms[0] != 'r' && perms[1] != 'w')
				kind = IOMMUFD_RECORD_BUF_NONE;
			else if (strstr(path, "anon_hugepage") ||
				 strstr(path, "hugepages"))
				kind = IOMMUFD_RECORD_BUF_HUGE;
			else if (perms[1] != 'w')
				kind = IOMMUFD_RECORD_BUF_RDONLY;
			else if (perms[3] == 's' &&
				 (!strncmp(path, "/memfd:", 7) ||
				  !strncmp(path, "/SYSV", 5) ||
				  !strncmp(path, "/dev/zero", 9)))
				kind = IOMMUFD_RECORD_BUF_MEMFD;
			else if (path[0] == '/')
				kind = perms[3] == 's' ?
					       IOMMUFD_RECORD_BUF_FILE_SHARED :
					       IOMMUFD_RECORD_BUF_FILE_PRIVATE;
			else
				kind = IOMMUFD_RECORD_BUF_ANON;
		}
		if (kind >= 0)
			break;
	}
	syscall(SYS_close, fd);
	return kind;
}

/*
 * Rewrites the pointers among the argument's bytes; the FILL records of
 * what they point to go to out (at most outcap bytes), their size returned.
 */
static size_t record_pointers(uint8_t *arg, size_t len, uint8_t *out,
			      size_t outcap)
{
	size_t used = 0;

	for (size_t o = 0; o + 8 <= len; o += 8) {
		uint64_t va, tagged, avail;
		uint8_t *rec = out + used;
		uint32_t off;
		uint16_t n;
		int kind;

		memcpy(&va, arg + o, 8);
		if (va < 4096 || va >> 47)
			continue;
		kind = record_classify(va, &off, &avail);
		if (kind < 0)
			continue;
		tagged = iommufd_record_ptr(kind, off);
		memcpy(arg + o, &tagged, 8);
		n = avail < RECORD_FILL_MAX ? (uint16_t)avail : RECORD_FILL_MAX;
		if (!n || used + IOMMUFD_RECORD_FILL_HDR + n > outcap ||
		    umem_copy_from(rec + IOMMUFD_RECORD_FILL_HDR, va, n))
			continue;
		rec[0] = IOMMUFD_RECORD_FILL;
		rec[1] = (uint8_t)kind;
		memcpy(rec + 2, &off, 4);
		memcpy(rec + 6, &n, 2);
		used += IOMMUFD_RECORD_FILL_HDR + n;
	}
	return used;
}

/* An access fd in cmd->id becomes its slot among the stream's fds. */
static void record_access_fd(struct record_stream *s, uint8_t *arg,
			     size_t len)
{
	uint32_t op, id, slot = 0xffff;

	if (len < offsetofend(struct iommu_test_cmd, id))
		return;
	memcpy(&op, arg + offsetof(struct iommu_test_cmd, op), 4);
	if (!iommufd_record_op_takes_access_fd(op))
		return;
	memcpy(&id, arg + offsetof(struct iommu_test_cmd, id), 4);
	for (unsigned int i = 0; i < s->nfds; i++)
		if ((uint32_t)s->fds[i] == id)
			slot = i;
	if (slot == 0xffff && id >= IOMMUFD_RECORD_FD_SLOTS)
		slot = id;
	memcpy(arg + offsetof(struct iommu_test_cmd, id), &slot, 4);
}

static void record_call(struct record_stream *s, unsigned long cmd,
			int idx, void *arg)
{
	size_t fill_cap = 8 * (IOMMUFD_RECORD_FILL_HDR + RECORD_FILL_MAX);
	size_t cap = IOMMUFD_RECORD_IOCTL_HDR + IOMMUFD_RECORD_MAX_ARG + fill_cap;
	uint8_t *rec = malloc(cap), *ioc;
	uint8_t place = IOMMUFD_RECORD_PLACE_BUF;
	uint64_t uarg = (uintptr_t)arg;
	size_t fills = 0;
	uint32_t size;
	uint16_t len;

	if (!rec)
		return;
	/* the fills go first, the ioctl after them: leave room for both */
	ioc = rec + fill_cap;
	if (iommufd_record_cmd_takes_value(cmd)) {
		place = IOMMUFD_RECORD_PLACE_VALUE;
		len = 8;
		memcpy(ioc + IOMMUFD_RECORD_IOCTL_HDR, &uarg, 8);
	} else if (umem_copy_from(&size, uarg, sizeof(size))) {
		place = IOMMUFD_RECORD_PLACE_NULL;
		len = 0;
	} else {
		len = size < 4 ? 4 :
		      size > IOMMUFD_RECORD_MAX_ARG ? IOMMUFD_RECORD_MAX_ARG :
						      (uint16_t)size;
		/* a struct cut by an unmapped page: its readable head */
		while (len > 4 &&
		       umem_copy_from(ioc + IOMMUFD_RECORD_IOCTL_HDR, uarg, len)) {
			len = (uint16_t)(len - 4);
			place = IOMMUFD_RECORD_PLACE_EDGE;
		}
		if (len == 4)
			memcpy(ioc + IOMMUFD_RECORD_IOCTL_HDR, &size, 4);
		if (cmd == IOMMU_TEST_CMD)
			record_access_fd(s, ioc + IOMMUFD_RECORD_IOCTL_HDR, len);
		fills = record_pointers(ioc + IOMMUFD_RECORD_IOCTL_HDR, len, rec,
					fill_cap);
	}
	ioc[0] = IOMMUFD_RECORD_IOCTL;
	ioc[1] = 0;
	ioc[2] = (uint8_t)idx;
	ioc[3] = place;
	memcpy(ioc + 4, &len, 2);
	if (fills)
		record_append(s, rec, fills);
	record_append(s, ioc, IOMMUFD_RECORD_IOCTL_HDR + len);
	free(rec);
}

/* The fd a successful call returned, for the access ops that name it. */
static void record_result(struct record_stream *s, unsigned long cmd,
			  void *arg)
{
	uint8_t head[sizeof(struct iommu_test_cmd)];
	uint32_t fd;
	long off;

	/* the offset, from the op's bytes, then the fd from the user's struct */
	if (umem_copy_from(head, (uintptr_t)arg,
			   offsetofend(struct iommu_test_cmd, op)))
		return;
	off = iommufd_record_out_fd_offset(cmd, head, sizeof(head));
	if (off < 0 || s->nfds == IOMMUFD_RECORD_FD_SLOTS ||
	    umem_copy_from(&fd, (uintptr_t)arg + (uint64_t)off, sizeof(fd)))
		return;
	s->fds[s->nfds++] = (int)fd;
}

long iommufd_record_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
			  void *arg,
			  long (*fn)(struct iommufd_ctx *ictx,
				     unsigned long cmd, void *arg))
{
	struct record_stream *s;
	int idx;
	long rc;

	if (!record_dir())
		return fn(ictx, cmd, arg);
	idx = iommufd_record_cmd_index(cmd);
	if (idx < 0)
		return fn(ictx, cmd, arg);
	s = record_stream_get(ictx);
	record_call(s, cmd, idx, arg);
	rc = fn(ictx, cmd, arg);
	if (rc >= 0)
		record_result(s, cmd, arg);
	return rc;
}
