// SPDX-License-Identifier: GPL-2.0
/*
 * The calling process's memory, seen the way the kernel's iommufd sees it.
 * No iommufd file mirrors this: it stands for copy_{from,to}_user() and for
 * the checks of pin_user_pages() (mm/gup.c), as of Linux 6.12.
 *
 * copy_from_user()/copy_to_user() become process_vm_readv()/writev() on
 * ourselves (or a pipe where those are not built), so a bad pointer in an
 * ioctl argument gives EFAULT instead of a crash, exactly as the kernel
 * answers.
 *
 * pin_user_pages(FOLL_LONGTERM [| FOLL_WRITE]) refuses ranges that are not
 * mapped, lack read (or write) permission, are VM_IO/VM_PFNMAP (device
 * memory such as a PCI BAR), or are shared writable mappings of a file on a
 * filesystem that tracks dirty pages. The mock applies the same rules from
 * /proc/self/maps (and smaps VmFlags for the io/pf bits). One snapshot of the
 * maps serves a whole ioctl, so attaching a domain to N areas reads it once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "iommufd_private.h"

/*
 * Under valgrind, memory written through process_vm_writev() looks like
 * another process's: tell memcheck it is defined now, as it would assume
 * after a copy_to_user() by an ioctl it knows.
 */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

struct vma {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset, dev, inode;
	bool read, write, shared;
	bool special;		/* VM_IO or VM_PFNMAP */
	bool file_needs_dirty;	/* shared file mapping with writeback */
	bool hugetlb;		/* shared mapping of a hugetlbfs file */
	uint64_t kpagesize;	/* smaps KernelPageSize, 0 until read */
};

/*
 * The maps of one process: the caller's, or (pid) that of the process whose
 * memory an iopt_pages maps, another one after fork() (the kernel's
 * pages->source_mm).
 */
static struct {
	struct vma *v;
	size_t n, cap;
	bool valid;
	bool kpagesize;		/* smaps' KernelPageSize read into v[] */
	int pid;		/* 0: the calling process */
	/* every VMA (the maps text), or those of [qstart, qend) (queried) */
	bool full;
	uint64_t qstart, qend;
} snap;

/* /proc/self/<what>, or /proc/<pid>/<what> for the snapshot's process. */
static void proc_path(char *buf, size_t size, const char *what)
{
	if (snap.pid)
		snprintf(buf, size, "/proc/%d/%s", snap.pid, what);
	else
		snprintf(buf, size, "/proc/self/%s", what);
}

uint64_t umem_page_size(void)
{
	static uint64_t ps;

	if (!ps)
		ps = (uint64_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* Reads a whole /proc file with raw syscalls (never through our own open). */
static char *read_proc(const char *path, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	int fd;

	if (!buf)
		return NULL;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t rc;

		if (len == cap) {
			char *n = realloc(buf, cap * 2 + 1);

			if (!n) {
				free(buf);
				syscall(SYS_close, fd);
				return NULL;
			}
			buf = n;
			cap *= 2;
		}
		rc = syscall(SYS_read, fd, buf + len, cap - len);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		len += (size_t)rc;
	}
	syscall(SYS_close, fd);
	buf[len] = 0;
	*lenp = len;
	return buf;
}

/*
 * The filesystem of a file mapping, found from the mapping itself, never
 * from the path text /proc/self/maps prints (that text is " (deleted)" for
 * an unlinked file and escapes a newline as "\012"; neither names a file
 * statfs() can find). /proc/self/map_files/<start>-<end> is the mapped file
 * whatever its name; reading it needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE (fs/proc/base.c, proc_map_files_get_link()), so
 * without those the device number of the maps line is looked up in
 * /proc/self/mountinfo. A device no mount shows (the kernel's internal shm
 * and hugetlbfs mounts behind memfds, SysV shm, /dev/zero) is 0: unknown.
 */
static unsigned long mount_fs_magic(uint64_t dev)
{
	static const struct {
		const char *name;
		unsigned long magic;
	} known[] = {
		{ "tmpfs", TMPFS_MAGIC },
		{ "hugetlbfs", HUGETLBFS_MAGIC },
		{ "ramfs", RAMFS_MAGIC },
	};
	unsigned long magic = 0;
	char path[64], *buf, *line, *p;
	size_t len;

	proc_path(path, sizeof(path), "mountinfo");
	buf = read_proc(path, &len);

	if (!buf)
		return 0;
	for (line = buf; line && *line && !magic; line = p) {
		unsigned long maj, min;
		char *sep;

		p = strchr(line, '\n');
		if (p)
			*p++ = 0;
		/* mount id, parent id, major:minor, ... " - " fstype ... */
		if (sscanf(line, "%*u %*u %lu:%lu", &maj, &min) != 2 ||
		    (((uint64_t)maj << 32) | min) != dev)
			continue;
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		sep += 3;
		magic = 1;	/* a filesystem, none of those without writeback */
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			size_t n = strlen(known[i].name);

			if (!strncmp(sep, known[i].name, n) && sep[n] == ' ')
				magic = known[i].magic;
		}
	}
	free(buf);
	return magic;
}

static unsigned long vma_fs_magic(const struct vma *v)
{
	char path[96], name[48];
	struct statfs st;

	snprintf(name, sizeof(name), "map_files/%llx-%llx",
		 (unsigned long long)v->start, (unsigned long long)v->end);
	proc_path(path, sizeof(path), name);
	if (!statfs(path, &st))
		return (unsigned long)st.f_type;
	return mount_fs_magic(v->dev);
}

/*
 * FOLL_LONGTERM|FOLL_WRITE is refused on shared file mappings whose
 * filesystem does writeback (the kernel's vma_needs_dirty_tracking(), from
 * writable_file_mapping_allowed() in mm/gup.c); shmem, hugetlbfs and ramfs
 * have none, nor do the internal mounts behind memfds and SysV shm.
 */
static bool fs_needs_dirty_tracking(unsigned long magic)
{
	switch (magic) {
	case 0:
	case TMPFS_MAGIC:
	case HUGETLBFS_MAGIC:
	case RAMFS_MAGIC:
		return false;
	default:
		return true;
	}
}

/* Marks VM_IO/VM_PFNMAP VMAs from smaps, only read when a VMA looks like a device. */
static void snapshot_mark_special(void)
{
	uint64_t cur = UINT64_MAX;
	char path[64], *buf, *p, *line;
	size_t len, i = 0;

	proc_path(path, sizeof(path), "smaps");
	buf = read_proc(path, &len);

	if (!buf)
		return;
	for (line = buf; line && *line; line = p) {
		p = strchr(line, '\n');
		if (p)
			*p++ = 0;
		if (strchr(line, '-') && line[0] != 'V' &&
		    ((line[0] >= '0' && line[0] <= '9') ||
		     (line[0] >= 'a' && line[0] <= 'f'))) {
			char *end;
			uint64_t s = strtoull(line, &end, 16);

			if (*end == '-')
				cur = s;
			continue;
		}
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if (!strstr(line, " io") && !strstr(line, " pf"))
			continue;
		for (i = 0; i < snap.n; i++)
			if (snap.v[i].start == cur)
				snap.v[i].special = true;
	}
	free(buf);
}

/*
 * The path only hints that smaps is worth reading (device memory is mapped
 * from /dev, /sys or an anon inode); what a file mapping is comes from the
 * mapping (vma_fs_magic()). "/dev/zero (deleted)" is shared anonymous
 * memory (shmem, such as the mock's own arena), never device memory;
 * reading smaps for it would walk all of the arena's page tables.
 */
static bool path_hints_device(const char *path)
{
	return path && *path &&
	       (!strncmp(path, "/dev/", 5) || !strncmp(path, "/sys/", 5) ||
		!strncmp(path, "anon_inode:", 11)) &&
	       strncmp(path, "/dev/zero", 9);
}

/* A shared file mapping: whether it is hugetlbfs, whether pins need dirty tracking. */
static void vma_classify_file(struct vma *v)
{
	if (v->shared && v->inode) {
		unsigned long magic = vma_fs_magic(v);

		v->hugetlb = magic == HUGETLBFS_MAGIC;
		v->file_needs_dirty = v->write && fs_needs_dirty_tracking(magic);
	}
}

static int snapshot_append(const struct vma *v)
{
	if (snap.n == snap.cap) {
		size_t ncap = snap.cap ? snap.cap * 2 : 256;
		struct vma *nv = realloc(snap.v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		snap.v = nv;
		snap.cap = ncap;
	}
	snap.v[snap.n++] = *v;
	return 0;
}

/*
 * The maps of pid (0: ours). Another process that is gone has none: its
 * pages cannot be pinned any more (EFAULT), as with the kernel's mm after
 * the last mmput().
 */
static int snapshot_load_pid(int pid)
{
	size_t len;
	char path[64], *buf, *line, *p;
	bool any_device = false;

	if (snap.valid && snap.pid == pid && snap.full)
		return 0;
	snap.valid = false;
	snap.pid = pid;
	snap.full = true;
	proc_path(path, sizeof(path), "maps");
	buf = read_proc(path, &len);
	if (!buf)
		return pid ? -EFAULT : -ENOMEM;
	snap.n = 0;
	snap.kpagesize = false;
	for (line = buf; line && *line; line = p) {
		char perms[8] = "", *end, *path;
		struct vma v = {};

		p = strchr(line, '\n');
		if (p)
			*p++ = 0;
		v.start = strtoull(line, &end, 16);
		if (*end != '-')
			continue;
		v.end = strtoull(end + 1, &end, 16);
		while (*end == ' ')
			end++;
		memcpy(perms, end, 4);
		{
			/* offset, major:minor, inode follow the permissions */
			char *f = strchr(end, ' ');
			unsigned long maj = 0, min = 0;

			if (f) {
				v.offset = strtoull(f + 1, &f, 16);
				maj = strtoul(f + 1, &f, 16);
				if (*f == ':')
					min = strtoul(f + 1, &f, 16);
				v.dev = ((uint64_t)maj << 32) | min;
				v.inode = strtoull(f, NULL, 10);
			}
		}
		v.read = perms[0] == 'r';
		v.write = perms[1] == 'w';
		v.shared = perms[3] == 's';
		/* skip perms, offset, dev, inode to the path */
		path = end;
		for (int field = 0; field < 4 && path; field++) {
			path = strchr(path, ' ');
			while (path && *path == ' ')
				path++;
		}
		if (path_hints_device(path))
			any_device = true;
		vma_classify_file(&v);
		if (snapshot_append(&v)) {
			free(buf);
			return -ENOMEM;
		}
	}
	free(buf);
	if (any_device)
		snapshot_mark_special();
	snap.valid = true;
	return 0;
}

/*
 * smaps' KernelPageSize of each VMA: a hugetlb VMA's huge page size (private
 * MAP_HUGETLB memory too, which /proc/self/maps cannot tell from a file by
 * its fields), else the CPU page. Read once per call, when first asked.
 */
static void snapshot_load_kpagesize(void)
{
	size_t len, i = 0;
	char path[64], *buf, *p, *line;
	bool cur = false;	/* the header just read is snap.v[i]'s */

	snap.kpagesize = true;
	proc_path(path, sizeof(path), "smaps");
	buf = read_proc(path, &len);
	if (!buf)
		return;
	for (line = buf; line && *line; line = p) {
		char *end;
		uint64_t s;

		p = strchr(line, '\n');
		if (p)
			*p++ = 0;
		s = strtoull(line, &end, 16);
		if (*end == '-' && end != line) {
			while (i < snap.n && snap.v[i].start < s)
				i++;
			cur = i < snap.n && snap.v[i].start == s;
			continue;
		}
		if (strncmp(line, "KernelPageSize:", 15) || !cur)
			continue;
		snap.v[i].kpagesize = strtoull(line + 15, NULL, 10) << 10;
	}
	free(buf);
}

/* The process of an iopt_pages: 0 for the caller's own. */
static int other_pid(int pid)
{
	return pid == iommufd_mock_pid() ? 0 : pid;
}

#ifdef PROCMAP_QUERY
static bool have_procmap_query = true;

/*
 * Linux 6.11's PROCMAP_QUERY on /proc/self/maps: the VMAs of [start, end),
 * a binary answer each, where the maps text has the kernel format every VMA
 * of the process (under TCG that was most of a pin's cost). Our own memory
 * only. Returns 0 done, 1 if the text must serve (no PROCMAP_QUERY, or a
 * VMA that may be device memory, whose VM_IO/VM_PFNMAP only smaps shows),
 * or -ENOMEM.
 */
static int snapshot_query(uint64_t start, uint64_t end)
{
	static char name[4096];	/* PATH_MAX: a longer name is ENAMETOOLONG */
	uint64_t addr = start;
	int fd, rc = 0;

	if (!have_procmap_query)
		return 1;
	if (snap.valid && snap.pid == 0 &&
	    (snap.full || (snap.qstart <= start && end <= snap.qend)))
		return 0;
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	snap.valid = false;
	snap.pid = 0;
	snap.full = false;
	snap.n = 0;
	snap.kpagesize = true;	/* each entry's comes with it */
	while (addr < end) {
		struct procmap_query q = {
			.size = sizeof(q),
			.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
			.query_addr = addr,
			.vma_name_addr = (uintptr_t)name,
			.vma_name_size = sizeof(name),
		};
		struct vma v = {};

		/* defined for memcheck, which does not know this ioctl */
		memset(name, 0, sizeof(name));
		if (syscall(SYS_ioctl, fd, PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)	/* no VMA at or after addr */
				break;
			if (errno == ENOTTY || errno == EINVAL)
				have_procmap_query = false;
			rc = 1;
			goto out;
		}
		VALGRIND_MAKE_MEM_DEFINED(&q, sizeof(q));
		if (q.vma_start >= end)
			break;
		if (q.vma_name_size && path_hints_device(name)) {
			rc = 1;
			goto out;
		}
		v.start = q.vma_start;
		v.end = q.vma_end;
		v.offset = q.vma_offset;
		v.dev = ((uint64_t)q.dev_major << 32) | q.dev_minor;
		v.inode = q.inode;
		v.read = q.vma_flags & PROCMAP_QUERY_VMA_READABLE;
		v.write = q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE;
		v.shared = q.vma_flags & PROCMAP_QUERY_VMA_SHARED;
		v.kpagesize = q.vma_page_size;
		vma_classify_file(&v);
		if (snapshot_append(&v)) {
			rc = -ENOMEM;
			goto out;
		}
		addr = q.vma_end;
	}
	snap.qstart = start;
	snap.qend = end;
	snap.valid = true;
out:
	syscall(SYS_close, fd);
	return rc;
}
#endif

/*
 * The VMAs of pid (0: ours) over [start, end) at least: queried where the
 * kernel can answer for a range, else the whole maps text.
 */
static int snapshot_load_range(int pid, uint64_t start, uint64_t end)
{
	pid = other_pid(pid);
#ifdef PROCMAP_QUERY
	if (!pid) {
		int rc = snapshot_query(start, end);

		if (rc <= 0)
			return rc;
	}
#endif
	return snapshot_load_pid(pid);
}

/* Index of the VMA containing addr, or of the first one after it. */
static size_t snapshot_find(uint64_t addr)
{
	size_t lo = 0, hi = snap.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (snap.v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int umem_snapshot_load(uint64_t va, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(va, len, &end))
		return -EFAULT;
	return snapshot_load_range(0, va, end);
}

int umem_check_pin(uint64_t uptr, uint64_t len, bool write, bool longterm)
{
	return umem_check_pin_pid(0, uptr, len, write, longterm);
}

int umem_check_pin_pid(int pid, uint64_t uptr, uint64_t len, bool write,
		       bool longterm)
{
	uint64_t cur = uptr, end;
	size_t i;
	int rc;

	if (!len)
		return 0;
	if (__builtin_add_overflow(uptr, len, &end))
		return -EFAULT;
	rc = snapshot_load_range(pid, uptr, end);
	if (rc)
		return rc;
	for (i = snapshot_find(cur); cur < end; i++) {
		const struct vma *v;

		if (i >= snap.n)
			return -EFAULT;
		v = &snap.v[i];
		if (v->start > cur)
			return -EFAULT;
		if (v->special || !v->read || (write && !v->write))
			return -EFAULT;
		if (write && longterm && v->file_needs_dirty)
			return -EFAULT;
		cur = v->end;
	}
	return 0;
}

int umem_page_id(uint64_t va, struct umem_page_id *id)
{
	return umem_page_id_pid(0, va, id);
}

/* The page id of va from the snapshot loaded: 0 or -EFAULT. */
static int snapshot_page_id(uint64_t va, struct umem_page_id *id)
{
	const struct vma *v;
	size_t i;

	i = snapshot_find(va);
	if (i >= snap.n || snap.v[i].start > va)
		return -EFAULT;
	v = &snap.v[i];
	va &= ~(umem_page_size() - 1);
	if (v->shared && v->inode) {
		/* A page of a file: the same wherever it is mapped. */
		id->dev = v->dev;
		id->inode = v->inode;
		id->offset = v->offset + (va - v->start);
	} else {
		id->dev = 0;
		id->inode = 0;
		id->offset = va;
	}
	return 0;
}

int umem_page_id_pid(int pid, uint64_t va, struct umem_page_id *id)
{
	int rc = snapshot_load_range(pid, va, va + 1);

	return rc ? rc : snapshot_page_id(va, id);
}

int umem_page_ids_pid(int pid, uint64_t va, uint64_t n,
		      struct umem_page_id *ids)
{
	uint64_t ps = umem_page_size(), end;
	int rc;

	if (!n)
		return 0;
	if (__builtin_mul_overflow(n, ps, &end) ||
	    __builtin_add_overflow(va, end, &end))
		return -EFAULT;
	rc = snapshot_load_range(pid, va, end);
	for (uint64_t i = 0; !rc && i < n; i++)
		rc = snapshot_page_id(va + i * ps, &ids[i]);
	return rc;
}

size_t umem_file_page_vas(const struct umem_page_id *id, uint64_t *vas,
			  size_t max)
{
	size_t n = 0;

	if (!id->inode || snapshot_load_pid(0))
		return 0;
	for (size_t i = 0; i < snap.n; i++) {
		const struct vma *v = &snap.v[i];

		if (!v->shared || v->inode != id->inode || v->dev != id->dev ||
		    id->offset < v->offset ||
		    id->offset - v->offset >= v->end - v->start)
			continue;
		if (n < max)
			vas[n] = v->start + (id->offset - v->offset);
		n++;
	}
	return n;
}

bool umem_page_is_hugetlb(uint64_t va)
{
	size_t i;

	if (snapshot_load_range(0, va, va + 1))
		return false;
	i = snapshot_find(va);
	return i < snap.n && snap.v[i].start <= va && snap.v[i].hugetlb;
}

uint64_t umem_contig_block(int pid, uint64_t va)
{
	uint64_t ps = umem_page_size(), kps;
	size_t i;

	if (snapshot_load_range(pid, va, va + 1))
		return ps;
	if (!snap.kpagesize)
		snapshot_load_kpagesize();
	i = snapshot_find(va);
	if (i >= snap.n || snap.v[i].start > va)
		return ps;
	kps = snap.v[i].kpagesize;
	/* a hugetlb VMA starts on a huge page: the block is naturally aligned */
	if (kps <= ps || (kps & (kps - 1)) || snap.v[i].start % kps)
		return ps;
	return kps;
}

/*
 * Without CONFIG_CROSS_MEMORY_ATTACH (tinyconfig-based guests) there is no
 * process_vm_readv(); a pipe does the same job: the kernel copies from or to
 * the user pointer and answers EFAULT for memory it cannot reach. The pipe
 * is made at the first copy of an ioctl and closed when the ioctl ends
 * (umem_snapshot_drop()), so the program never sees an extra fd of ours.
 */
static bool have_process_vm = true;
static int call_pipe[2] = { -1, -1 };

static int pipe_copy(void *dst, const void *src, size_t len)
{
	const size_t chunk = 65536;	/* the default pipe capacity */

	if (call_pipe[0] < 0 && syscall(SYS_pipe2, call_pipe, O_CLOEXEC)) {
		call_pipe[0] = call_pipe[1] = -1;
		return -ENOMEM;
	}
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		ssize_t w = syscall(SYS_write, call_pipe[1],
				    (const char *)src + off, n);

		if (w > 0 && syscall(SYS_read, call_pipe[0], (char *)dst + off,
				     (size_t)w) == w && w == (ssize_t)n)
			continue;
		/* A fault leaves bytes behind: this pipe is done for. */
		syscall(SYS_close, call_pipe[0]);
		syscall(SYS_close, call_pipe[1]);
		call_pipe[0] = call_pipe[1] = -1;
		return -EFAULT;
	}
	return 0;
}

static void pipe_drop(void)
{
	if (call_pipe[0] < 0)
		return;
	syscall(SYS_close, call_pipe[0]);
	syscall(SYS_close, call_pipe[1]);
	call_pipe[0] = call_pipe[1] = -1;
}

void umem_snapshot_drop(void)
{
	snap.valid = false;
	pipe_drop();
}

/* process_vm_readv() of len bytes of our own memory at uptr. */
static ssize_t read_self(void *dst, uint64_t uptr, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)uptr, len };

	return process_vm_readv(iommufd_mock_pid(), &local, 1, &remote, 1, 0);
}

int umem_copy_from(void *dst, uint64_t uptr, size_t len)
{
	ssize_t rc;

	if (!len)
		return 0;
	if (have_process_vm) {
		rc = read_self(dst, uptr, len);
		if (rc == (ssize_t)len)
			return 0;
		if (rc >= 0 || errno != ENOSYS)
			return -EFAULT;
		have_process_vm = false;
	}
	return pipe_copy(dst, (const void *)(uintptr_t)uptr, len);
}

size_t umem_copy_from_prefix(void *dst, uint64_t uptr, size_t len)
{
	ssize_t rc;

	if (!len || !have_process_vm)
		return 0;
	rc = read_self(dst, uptr, len);
	return rc > 0 ? (size_t)rc : 0;
}

int umem_copy_to(uint64_t uptr, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len };
	struct iovec remote = { (void *)(uintptr_t)uptr, len };
	ssize_t rc;

	if (!len)
		return 0;
	if (have_process_vm) {
		rc = process_vm_writev(iommufd_mock_pid(), &local, 1, &remote, 1, 0);
		if (rc == (ssize_t)len)
			goto out_defined;
		if (rc >= 0 || errno != ENOSYS)
			return -EFAULT;
		have_process_vm = false;
	}
	if (pipe_copy((void *)(uintptr_t)uptr, src, len))
		return -EFAULT;
out_defined:
	VALGRIND_MAKE_MEM_DEFINED((void *)(uintptr_t)uptr, len);
	return 0;
}

/*
 * Another process's memory (the kernel reaches a pages->source_mm other
 * than current's through its pins): process_vm_readv()/writev() on that
 * process, or its /proc/<pid>/mem where those are not built. Both need
 * ptrace access: a parent has it to its children (also under Yama's
 * ptrace_scope 1, which the guests do not build) and the same user to
 * processes that are not set-id.
 */
static int copy_pid(int pid, void *local_buf, uint64_t uptr, size_t len,
		    bool write)
{
	struct iovec local = { local_buf, len };
	struct iovec remote = { (void *)(uintptr_t)uptr, len };
	char path[64];
	ssize_t rc;
	int fd;

	rc = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0) :
		     process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (rc == (ssize_t)len)
		return 0;
	if (rc >= 0 || errno != ENOSYS)
		return -EFAULT;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			  (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -EFAULT;
	rc = write ? syscall(SYS_pwrite64, fd, local_buf, len, uptr) :
		     syscall(SYS_pread64, fd, local_buf, len, uptr);
	syscall(SYS_close, fd);
	return rc == (ssize_t)len ? 0 : -EFAULT;
}

int umem_copy_from_pid(int pid, void *dst, uint64_t uptr, size_t len)
{
	if (!other_pid(pid) || !len)
		return umem_copy_from(dst, uptr, len);
	return copy_pid(pid, dst, uptr, len, false);
}

int umem_copy_to_pid(int pid, uint64_t uptr, const void *src, size_t len)
{
	if (!other_pid(pid) || !len)
		return umem_copy_to(uptr, src, len);
	return copy_pid(pid, (void *)src, uptr, len, true);
}

/*
 * Whether pid still runs: a zombie has closed its files and dropped its mm
 * already, as far as the kernel's iommufd can tell.
 */
bool umem_pid_alive(int pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (syscall(SYS_kill, pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	/* "pid (comm) S ...": the state follows the last ')' */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] && p[2] != 'Z' && p[2] != 'X';
}

uint64_t umem_vmlck_pages(void)
{
	size_t len;
	char *buf = read_proc("/proc/self/status", &len), *p;
	uint64_t kb = 0;

	if (!buf)
		return 0;
	p = strstr(buf, "\nVmLck:");
	if (p)
		kb = strtoull(p + 7, NULL, 10);
	free(buf);
	return kb * 1024 / umem_page_size();
}
