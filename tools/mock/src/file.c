// SPDX-License-Identifier: GPL-2.0
/*
 * What the VFS does for the kernel's iommufd: the fd table, struct file with
 * its reference count (shared by every fd dup()ed from it, released with the
 * last one) and the file operations an fd dispatches to. No iommufd file
 * mirrors this; it stands in for fs/file.c and fs/file_table.c. Checked
 * against Linux 6.12.
 *
 * A mock file is a genuine fd (a memfd named after the file's kind), so its
 * number never collides with anything else the process opens.
 *
 * The lock: one process-wide mutex serialises every call into the mock; it
 * is what the kernel's many locks collapse to when all callers share one
 * address space. Only the iommufd_mock_fd_*() entry points (for intercept.c)
 * take it. Everything behind them runs with it held and never calls an
 * interposed libc function (raw system calls only), so the mutex need not be
 * recursive.
 *
 * fork(): as the kernel's fork() takes a reference on every file of the fd
 * table, the child's copies of the parent's fds refer to the same files and
 * contexts, which live in the arena (arena.c) that parent and child share.
 * The lock is the arena's (process-shared, robust). Each file counts the
 * fds every process holds on it; the fds a process still holds when it
 * exits are dropped by the mock's destructor (exit()), or, for a process
 * that ended without one (_exit(), a signal), when another process drops
 * its own and finds the holder gone (README.md, "fork").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "iommufd_private.h"
#include "vfio.h"

/* The fds one process holds on a file. */
struct file_holder {
	int pid;
	unsigned int nfds;
};

/*
 * struct file: what every fd dup()ed from one open, or inherited by fork(),
 * refers to. In the arena; f_count is every process's fds plus those a
 * fork() in progress takes for the child.
 */
struct iommufd_file {
	int64_t f_op;		/* mock_so_off() of the file operations */
	uint64_t ino;		/* its memfd's inode: found again after exec() */
	void *private_data;
	unsigned int f_count;
	struct file_holder *holders;
	size_t nholders;
};

static const struct iommufd_file_ops *file_op(const struct iommufd_file *file)
{
	return mock_so_ptr(file->f_op);
}

/* The arena's lock; a process-private one if the arena could not be made. */
static pthread_mutex_t *g_lock;
static pthread_mutex_t g_private_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_have_arena;
static int g_pid;
/* The fd table is the process's own (libc's heap), as in the kernel. */
static struct iommufd_file **g_files;
static int g_files_cap;
/* Read without the lock: zero means no fd is ours, the common case. */
static int g_nfiles;
/* The files fork() in progress took a reference on, one per fd. */
static struct iommufd_file **g_fork_files;
static size_t g_nfork_files;

/*
 * The VMAs of mmap()s of mock files (7.x's mmap windows): each holds its
 * window's owner and the context, as the kernel's vm_ops open/close and
 * vm_file do. g_nvmas is read without the lock by munmap().
 */
struct mock_vma {
	uint64_t start, end;
	struct iommufd_object *owner;
	struct iommufd_ctx *ictx;
};
static struct mock_vma *g_vmas;
static size_t g_nvmas;

static void mock_lock(void);
static void mock_unlock(void);
static void fd_table_after_exec(void);
static void reap_dead_holders(void);
static struct file_holder *file_holder(struct iommufd_file *file, int pid);

/*
 * fork(): each fd of ours gets a reference for the child now, while the
 * lock keeps the table still; the child turns them into its own fds.
 */
static void atfork_prepare(void)
{
	mock_lock();
	if (g_have_arena)
		mock_shared()->forks++;
	free(g_fork_files);
	g_fork_files = malloc((g_files_cap ? g_files_cap : 1) *
			      sizeof(*g_fork_files));
	g_nfork_files = 0;
	for (int fd = 0; g_fork_files && fd < g_files_cap; fd++) {
		if (!g_files[fd])
			continue;
		g_files[fd]->f_count++;
		g_fork_files[g_nfork_files++] = g_files[fd];
	}
}

static void atfork_parent(void)
{
	mock_unlock();
}

/*
 * The child: its fd table (a copy of the parent's) now counts as its own
 * fds on the shared files. The mmap windows it inherits hold nothing
 * (README.md, "Not emulated"): they are forgotten here.
 */
static void atfork_child(void)
{
	__atomic_store_n(&g_pid, (int)syscall(SYS_getpid), __ATOMIC_RELAXED);
	mock_lock();
	for (size_t i = 0; i < g_nfork_files; i++) {
		struct file_holder *h = file_holder(g_fork_files[i], g_pid);

		if (h)
			h->nfds++;
		else	/* out of memory: the fd stays, the file forgets it */
			g_fork_files[i]->f_count--;
	}
	free(g_fork_files);
	g_fork_files = NULL;
	g_nfork_files = 0;
	free(g_vmas);
	g_vmas = NULL;
	g_nvmas = 0;
	mock_unlock();
}

int iommufd_mock_pid(void)
{
	int pid = __atomic_load_n(&g_pid, __ATOMIC_RELAXED);

	return pid ? pid : (int)syscall(SYS_getpid);
}

static void init_once(void)
{
	struct mock_shared *shared = mock_arena_init();

	__atomic_store_n(&g_pid, (int)syscall(SYS_getpid), __ATOMIC_RELAXED);
	g_have_arena = shared != NULL;
	g_lock = shared ? &shared->lock : &g_private_lock;
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	/* before any answer: an exec'd image uses fds it kept, unopened */
	iommufd_mock_personality_init();
}

static void mock_lock(void)
{
	static bool after_exec_done;

	pthread_once(&g_once, init_once);
	/*
	 * The owner died inside the mock (killed): its call was cut short,
	 * as a process killed in the kernel is not; carry on.
	 */
	if (pthread_mutex_lock(g_lock) == EOWNERDEAD)
		pthread_mutex_consistent(g_lock);
	if (!after_exec_done) {
		after_exec_done = true;
		if (g_have_arena && mock_arena_attached())
			fd_table_after_exec();
	}
	reap_dead_holders();
}

static void mock_unlock(void)
{
	pthread_mutex_unlock(g_lock);
}

/* ---- the fd table (lock held) ---- */

static struct iommufd_file *fd_lookup(int fd)
{
	if (fd < 0 || fd >= g_files_cap)
		return NULL;
	return g_files[fd];
}

static int fd_store(int fd, struct iommufd_file *file)
{
	if (fd >= g_files_cap) {
		int ncap = g_files_cap ? g_files_cap : 64;
		struct iommufd_file **n;

		while (ncap <= fd)
			ncap *= 2;
		n = realloc(g_files, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + g_files_cap, 0, (ncap - g_files_cap) * sizeof(*n));
		g_files = n;
		g_files_cap = ncap;
	}
	if (!g_files[fd] && file)
		__atomic_add_fetch(&g_nfiles, 1, __ATOMIC_RELAXED);
	if (g_files[fd] && !file)
		__atomic_sub_fetch(&g_nfiles, 1, __ATOMIC_RELAXED);
	g_files[fd] = file;
	return 0;
}

/* The holder entry of pid (made if missing), or NULL without memory. */
static struct file_holder *file_holder(struct iommufd_file *file, int pid)
{
	struct file_holder *n;

	for (size_t i = 0; i < file->nholders; i++)
		if (file->holders[i].pid == pid)
			return &file->holders[i];
	n = mock_realloc(file->holders, (file->nholders + 1) * sizeof(*n));
	if (!n)
		return NULL;
	file->holders = n;
	n[file->nholders] = (struct file_holder){ .pid = pid };
	return &n[file->nholders++];
}

/* The holder entry of pid, or NULL. */
static struct file_holder *file_holder_find(struct iommufd_file *file, int pid)
{
	for (size_t i = 0; i < file->nholders; i++)
		if (file->holders[i].pid == pid)
			return &file->holders[i];
	return NULL;
}

static void file_holder_del(struct iommufd_file *file, size_t i)
{
	file->holders[i] = file->holders[--file->nholders];
}

/* One more fd of this process on file. */
static int file_hold(struct iommufd_file *file)
{
	struct file_holder *h = file_holder(file, g_pid);

	if (!h)
		return -ENOMEM;
	h->nfds++;
	file->f_count++;
	return 0;
}

/*
 * The fds of processes that ended without the mock's destructor (_exit(),
 * a signal) are closed now, as the kernel closed them at their exit.
 */
static void file_reap(struct iommufd_file *file)
{
	for (size_t i = 0; i < file->nholders;) {
		if (file->holders[i].pid == g_pid ||
		    umem_pid_alive(file->holders[i].pid)) {
			i++;
			continue;
		}
		file->f_count -= file->holders[i].nfds;
		file_holder_del(file, i);
	}
}

/* The last reference runs the file's release. */
static void file_put_ref(struct iommufd_file *file)
{
	if (--file->f_count && file->nholders) {
		file_reap(file);
		if (file->f_count)
			return;
	} else if (file->f_count) {
		return;
	}
	ptr_array_del(&mock_shared()->files, &mock_shared()->nfiles, file);
	file_op(file)->release(file->private_data);
	mock_free(file->holders);
	mock_free(file);
}

/*
 * Every process that ended since the last call (exit() or not) has its fds
 * closed now, as the kernel closed them when it exited: the objects they
 * alone held go before this call does anything. Only after a fork(), and
 * each process is looked at once.
 */
static void reap_dead_holders(void)
{
	struct { int pid; bool alive; } seen[16];
	size_t nseen = 0;

	if (!g_have_arena || !mock_shared()->forks)
		return;
	for (size_t i = 0; i < mock_shared()->nfiles;) {
		struct iommufd_file *file = mock_shared()->files[i];
		bool dead = false;

		for (size_t h = 0; h < file->nholders && !dead; h++) {
			int pid = file->holders[h].pid;
			size_t k;

			if (pid == g_pid)
				continue;
			for (k = 0; k < nseen && seen[k].pid != pid; k++)
				;
			if (k == nseen) {
				bool alive = umem_pid_alive(pid);

				if (nseen < 16)
					seen[nseen++] = (typeof(seen[0])){ pid, alive };
				dead = !alive;
			} else {
				dead = !seen[k].alive;
			}
		}
		if (!dead) {
			i++;
			continue;
		}
		/* The release may free other files: look at the list again. */
		file->f_count++;
		file_reap(file);
		file_put_ref(file);
		i = 0;
	}
}

/* fput() of one of this process's fds on file. */
static void fput(struct iommufd_file *file)
{
	for (size_t i = 0; i < file->nholders; i++) {
		if (file->holders[i].pid != g_pid)
			continue;
		if (!--file->holders[i].nfds)
			file_holder_del(file, i);
		break;
	}
	file_put_ref(file);
}

/* Forgets fd (it was closed, or is about to be); drops its reference. */
static void fd_drop(int fd)
{
	struct iommufd_file *file = fd_lookup(fd);

	if (!file)
		return;
	fd_store(fd, NULL);
	fput(file);
}

/*
 * exec() kept this process's fds but for the O_CLOEXEC ones, and the new
 * image joined the arena (arena.c): the fds still open on the memfd of a
 * file this pid held are its fds again; the others were closed by exec.
 */
static void fd_table_after_exec(void)
{
	struct mock_shared *sh = mock_shared();
	unsigned int *found = calloc(sh->nfiles + 1, sizeof(*found));
	char buf[4096];
	long dfd, n;

	if (!found)
		return;
	dfd = syscall(SYS_openat, AT_FDCWD, "/proc/self/fd",
		      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (dfd >= 0 && (n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			char *end;
			long fd = strtol(e->d_name, &end, 10);
			struct stat st;

			off += e->d_reclen;
			if (end == e->d_name || *end || fd == dfd ||
			    syscall(SYS_fstat, fd, &st))
				continue;
			for (size_t i = 0; i < sh->nfiles; i++)
				if (sh->files[i]->ino == st.st_ino &&
				    file_holder_find(sh->files[i], g_pid) &&
				    !fd_store(fd, sh->files[i]))
					found[i]++;
		}
	}
	if (dfd >= 0)
		syscall(SYS_close, dfd);
	/* Each file's count: what this pid held before, less what exec closed. */
	for (size_t i = sh->nfiles; i-- > 0;) {
		struct iommufd_file *file = sh->files[i];
		struct file_holder *h = file_holder_find(file, g_pid);
		unsigned int gone;

		if (!h)
			continue;
		gone = h->nfds - found[i];
		h->nfds = found[i];
		if (!h->nfds)
			file_holder_del(file, h - file->holders);
		/* the last reference runs the release (going down the list) */
		if (gone) {
			file->f_count -= gone - 1;
			file_put_ref(file);
		}
	}
	free(found);
}

/* ---- for the emulation (lock held) ---- */

int iommufd_file_install_fd(const struct iommufd_file_ops *fops,
			    void *private_data, int fd)
{
	struct iommufd_file *file = mock_calloc(1, sizeof(*file));
	struct mock_shared *shared = mock_shared();

	if (!file || file_hold(file) ||
	    ptr_array_add(&shared->files, &shared->nfiles, file))
		goto err;
	if (fd_store(fd, file)) {
		ptr_array_del(&shared->files, &shared->nfiles, file);
		goto err;
	}
	file->f_op = mock_so_off(fops);
	file->private_data = private_data;
	{
		struct stat st;

		if (!syscall(SYS_fstat, fd, &st))
			file->ino = st.st_ino;
	}
	return fd;

err:
	syscall(SYS_close, fd);
	if (file)
		mock_free(file->holders);
	mock_free(file);
	return -ENOMEM;
}

int iommufd_file_install(const struct iommufd_file_ops *fops,
			 void *private_data, bool cloexec)
{
	int fd = (int)syscall(SYS_memfd_create, fops->name,
			      cloexec ? MFD_CLOEXEC : 0);

	if (fd < 0)
		return -errno;
	return iommufd_file_install_fd(fops, private_data, fd);
}

void *iommufd_file_private(int fd, const struct iommufd_file_ops *fops)
{
	struct iommufd_file *file = fd_lookup(fd);

	return file && file_op(file) == fops ? file->private_data : NULL;
}

int iommufd_file_fd(const struct iommufd_file_ops *fops, void *private_data)
{
	for (int fd = 0; fd < g_files_cap; fd++)
		if (g_files[fd] && file_op(g_files[fd]) == fops &&
		    g_files[fd]->private_data == private_data)
			return fd;
	return -1;
}

void iommufd_file_discard(int fd)
{
	fd_drop(fd);
	syscall(SYS_close, fd);
}

/* ---- for intercept.c (each takes the lock) ---- */

bool iommufd_mock_fd_active(void)
{
	return __atomic_load_n(&g_nfiles, __ATOMIC_RELAXED);
}

int iommufd_mock_fd_open(bool cloexec)
{
	int fd;

	mock_lock();
	fd = !g_have_arena ? -ENOMEM : vfio_devices_init();
	if (!fd)
		fd = iommufd_fops_open(cloexec);
	mock_unlock();
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

bool iommufd_mock_fd_ioctl(int fd, unsigned long request, void *arg, int *ret)
{
	struct iommufd_file *file;
	long rc;

	mock_lock();
	file = fd_lookup(fd);
	if (!file) {
		mock_unlock();
		return false;
	}
	/* Access and fault files have no ioctl method: ENOTTY, as in the kernel. */
	rc = file_op(file)->ioctl ?
		     file_op(file)->ioctl(file->private_data, request, arg) :
		     -ENOTTY;
	mock_unlock();
	if (rc < 0) {
		errno = (int)-rc;
		*ret = -1;
	} else {
		*ret = (int)rc;
	}
	return true;
}

/* A file method's answer (a count or -errno) as the system call's. */
static void fd_syscall_result(long rc, long *ret)
{
	if (rc < 0) {
		errno = (int)-rc;
		*ret = -1;
	} else {
		*ret = rc;
	}
}

bool iommufd_mock_fd_read(int fd, void *buf, size_t count, long *ret)
{
	struct iommufd_file *file;
	long rc;

	if (!iommufd_mock_fd_active())
		return false;
	mock_lock();
	file = fd_lookup(fd);
	/* Files without a read method (the memfds) read as themselves. */
	if (!file || !file_op(file)->read) {
		mock_unlock();
		return false;
	}
	rc = file_op(file)->read(file->private_data, (uintptr_t)buf, count);
	mock_unlock();
	fd_syscall_result(rc, ret);
	return true;
}

bool iommufd_mock_fd_write(int fd, const void *buf, size_t count, long *ret)
{
	struct iommufd_file *file;
	long rc;

	if (!iommufd_mock_fd_active())
		return false;
	mock_lock();
	file = fd_lookup(fd);
	/* Files without a write method (the memfds) write as themselves. */
	if (!file || !file_op(file)->write) {
		mock_unlock();
		return false;
	}
	rc = file_op(file)->write(file->private_data, (uintptr_t)buf, count);
	mock_unlock();
	fd_syscall_result(rc, ret);
	return true;
}

bool iommufd_mock_fd_rw(int fd, void *buf, size_t count, uint64_t pos,
			bool write, long *ret)
{
	struct iommufd_file *file;
	long rc;

	if (!iommufd_mock_fd_active())
		return false;
	mock_lock();
	file = fd_lookup(fd);
	if (!file || !file_op(file)->rw) {
		mock_unlock();
		return false;
	}
	rc = file_op(file)->rw(file->private_data, (uintptr_t)buf, count, pos,
			    write);
	mock_unlock();
	fd_syscall_result(rc, ret);
	return true;
}

bool iommufd_mock_fd_used(void)
{
	return __atomic_load_n(&g_pid, __ATOMIC_RELAXED) && g_have_arena;
}

void iommufd_mock_call_locked(void (*fn)(void *arg), void *arg)
{
	mock_lock();
	if (g_have_arena)
		fn(arg);
	mock_unlock();
}

/* vm_ops->open: a new VMA (or a piece split off one) holds its owner. */
static void mock_vma_open(struct mock_vma *vma)
{
	vma->owner->users++;
	iommufd_ctx_get(vma->ictx);
}

/* vm_ops->close and the VMA's fput() */
static void mock_vma_close(struct mock_vma *vma)
{
	vma->owner->users--;
	iommufd_ctx_put(vma->ictx);
}

void iommufd_file_vma_holds(const struct iommufd_ctx *ictx,
			    iommufd_hold_fn *hold, void *arg)
{
	/* what mock_vma_open() took */
	for (size_t i = 0; i < g_nvmas; i++)
		if (g_vmas[i].ictx == ictx)
			hold(arg, g_vmas[i].owner);
}

static int mock_vma_add(struct mock_vma vma)
{
	struct mock_vma *n = realloc(g_vmas, (g_nvmas + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	g_vmas = n;
	g_vmas[g_nvmas] = vma;
	__atomic_store_n(&g_nvmas, g_nvmas + 1, __ATOMIC_RELAXED);
	mock_vma_open(&g_vmas[g_nvmas - 1]);
	return 0;
}

bool iommufd_mock_fd_mmap(int fd, void *addr, size_t len, int prot,
			  int flags, long off, void **ret)
{
	struct iommufd_object *owner;
	struct iommufd_ctx *ictx;
	struct iommufd_file *file;
	long rc, map;

	if (!iommufd_mock_fd_active())
		return false;
	mock_lock();
	file = fd_lookup(fd);
	if (file && file_op(file)->mmap_region) {
		int err = 0;

		*ret = file_op(file)->mmap_region(file->private_data, addr, len,
					       prot, flags, (uint64_t)off, &err);
		mock_unlock();
		if (*ret == MAP_FAILED)
			errno = err;
		return true;
	}
	rc = file && file_op(file)->mmap ?
		     file_op(file)->mmap(file->private_data, len, prot, flags,
				      (uint64_t)off, &owner, &ictx) :
		     1;
	if (rc == 1) {
		mock_unlock();
		return false;
	}
	if (rc) {
		mock_unlock();
		errno = (int)-rc;
		*ret = MAP_FAILED;
		return true;
	}
	map = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (map == -1) {
		rc = errno;
		mock_unlock();
		errno = (int)rc;
		*ret = MAP_FAILED;
		return true;
	}
	rc = mock_vma_add((struct mock_vma){
		.start = (uint64_t)map,
		.end = (uint64_t)map + ((len + umem_page_size() - 1) &
					~(umem_page_size() - 1)),
		.owner = owner,
		.ictx = ictx,
	});
	mock_unlock();
	if (rc) {
		syscall(SYS_munmap, map, len);
		errno = ENOMEM;
		*ret = MAP_FAILED;
		return true;
	}
	*ret = (void *)map;
	return true;
}

/*
 * munmap() of [addr, addr + len): what is left of each VMA it touched; a
 * VMA cut in two is two VMAs (the split opens the new one), one unmapped
 * whole is closed.
 */
void iommufd_mock_fd_munmap(void *addr, size_t len)
{
	uint64_t ps, start = (uintptr_t)addr, end;

	mmio_trap_munmap(addr, len);
	if (!__atomic_load_n(&g_nvmas, __ATOMIC_RELAXED))
		return;
	ps = umem_page_size();
	end = start + ((len + ps - 1) & ~(ps - 1));
	mock_lock();
	for (size_t i = 0; i < g_nvmas;) {
		struct mock_vma *vma = &g_vmas[i];
		bool left = vma->start < start, right = vma->end > end;

		if (vma->end <= start || vma->start >= end) {
			i++;
			continue;
		}
		if (left && right) {
			struct mock_vma tail = *vma;

			tail.start = end;
			vma->end = start;
			/* a failed split keeps the hold on the whole */
			mock_vma_add(tail);
			i++;
		} else if (left) {
			vma->end = start;
			i++;
		} else if (right) {
			vma->start = end;
			i++;
		} else {
			mock_vma_close(vma);
			g_vmas[i] = g_vmas[g_nvmas - 1];
			__atomic_store_n(&g_nvmas, g_nvmas - 1,
					 __ATOMIC_RELAXED);
		}
	}
	if (!g_nvmas) {
		free(g_vmas);
		g_vmas = NULL;
	}
	mock_unlock();
}

void iommufd_mock_fd_close(int fd)
{
	if (!iommufd_mock_fd_active())
		return;
	mock_lock();
	fd_drop(fd);
	mock_unlock();
}

void iommufd_mock_fd_close_range(unsigned int first, unsigned int last)
{
	if (!iommufd_mock_fd_active())
		return;
	mock_lock();
	for (int fd = 0; fd < g_files_cap; fd++)
		if ((unsigned int)fd >= first && (unsigned int)fd <= last)
			fd_drop(fd);
	mock_unlock();
}

void iommufd_mock_fd_dup(int oldfd, int newfd)
{
	struct iommufd_file *file;

	if (!iommufd_mock_fd_active())
		return;
	mock_lock();
	file = fd_lookup(oldfd);
	fd_drop(newfd);
	if (file && !file_hold(file) && fd_store(newfd, file))
		fput(file);
	mock_unlock();
}

void iommufd_mock_fd_forked(bool failed)
{
	if (!g_fork_files)
		return;
	mock_lock();
	/* no child: the references taken for it go */
	for (size_t i = 0; failed && i < g_nfork_files; i++)
		file_put_ref(g_fork_files[i]);
	free(g_fork_files);
	g_fork_files = NULL;
	g_nfork_files = 0;
	mock_unlock();
}

/*
 * A program exec'd from an image of the mock that made an arena (arena.c:
 * IOMMUFD_MOCK_ARENA) joins it before main(), so that the fds it kept are
 * the mock's from its first call on.
 */
__attribute__((constructor)) static void mock_exec_join(void)
{
	if (getenv("IOMMUFD_MOCK_ARENA")) {
		mock_lock();
		mock_unlock();
	}
}

/*
 * exit(): the kernel closes the process's fds and drops its mm. The mock
 * drops this process's fds (a context is released with the last one) and
 * its mmap windows' holds, then hands the pinned pages of its memory that
 * a shared context still holds over to the arena (pages_exit.c).
 */
__attribute__((destructor)) static void mock_exit(void)
{
	if (!__atomic_load_n(&g_pid, __ATOMIC_RELAXED))
		return;		/* the mock was never used here */
	mock_lock();
	for (int fd = 0; fd < g_files_cap; fd++)
		fd_drop(fd);
	free(g_files);
	g_files = NULL;
	g_files_cap = 0;
	for (size_t i = 0; i < g_nvmas; i++)
		mock_vma_close(&g_vmas[i]);
	free(g_vmas);
	g_vmas = NULL;
	g_nvmas = 0;
	free(g_fork_files);
	g_fork_files = NULL;
	if (g_have_arena)
		iopt_pages_mm_exit(&mock_shared()->pages_by_uva, g_pid);
	mock_unlock();
}

bool iommufd_mock_fd_is_iommufd(int fd)
{
	bool ours;

	if (!iommufd_mock_fd_active())
		return false;
	mock_lock();
	ours = iommufd_file_private(fd, &iommufd_fops) != NULL;
	mock_unlock();
	return ours;
}

bool iommufd_mock_fd_has_mock_bus(void)
{
	bool has;

	/*
	 * Every kernel the mock speaks registers the bus (6.4 on); a
	 * personality the build cannot be has no /dev/iommu, nor the bus.
	 */
	mock_lock();
	has = !iommufd_mock_personality_init();
	mock_unlock();
	return has;
}
