// SPDX-License-Identifier: GPL-2.0
/*
 * The mock's heap in memory shared across fork(). No kernel file mirrors
 * this: in the kernel a child of fork() holds the parent's struct file, so
 * both act on one iommufd_ctx (its objects, areas, pins and ids). The mock
 * keeps all of that here: one MAP_SHARED|MAP_ANONYMOUS|MAP_NORESERVE region,
 * reserved once at the mock's first use (the first open of /dev/iommu) and so
 * inherited by every later fork() at the same address, with the mock's lock
 * (process-shared and robust) and the roots of pages.c's global state at its
 * start. What stays private to a process is its fd table (file.c), its
 * mmap windows (file.c) and its view of its own memory (umem.c).
 *
 * The allocator: power-of-two size classes from 32 bytes, one free list per
 * class, and a bump pointer; blocks of a page or more are page aligned and,
 * from 1 MiB, give their memory back (MADV_REMOVE) when freed. It runs only
 * under the mock's lock, like everything the lock serialises. Address space
 * is reserved, not memory: untouched pages cost nothing, and the region is
 * gone when the last process of the tree exits.
 *
 * exec(): a program the tree execs shares the arena too (the kernel keeps
 * an fd without O_CLOEXEC, and its context, across exec, and a VMM's
 * pins show in /proc/<its pid>/status to its parent: qemu_iommufd_client).
 * Where /dev/shm takes a file, the region is a file there, named in the
 * environment (IOMMUFD_MOCK_ARENA) that exec'd programs inherit; the new
 * image maps it at the same address (MAP_FIXED_NOREPLACE), so every
 * pointer inside stays valid, if the same build of the mock is loaded (the
 * header says which). Pointers from the arena into the library, which sits
 * elsewhere in each image, are kept as offsets (mock_so_ptr()). The file is
 * removed when its creator exits; without /dev/shm, or when the address is
 * taken in the new image, the arena is the anonymous one of before and an
 * exec'd program starts afresh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arena.h"

const char mock_so_anchor[1] __attribute__((visibility("hidden")));

#ifdef IOMMUFD_MOCK_ARENA_LIBC

static struct mock_shared g_shared_libc;
static uint64_t g_in_use_libc;

struct mock_shared *mock_arena_init(void)
{
	pthread_mutex_init(&g_shared_libc.lock, NULL);
	return &g_shared_libc;
}

bool mock_arena_attached(void)
{
	return false;
}

struct mock_shared *mock_shared(void)
{
	return &g_shared_libc;
}

void *mock_malloc(size_t size)
{
	return malloc(size);
}

void *mock_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

void *mock_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

void mock_free(void *ptr)
{
	free(ptr);
}

uint64_t mock_arena_in_use(void)
{
	return g_in_use_libc;
}

#else

/*
 * Address space only (MAP_NORESERVE); what is touched is what costs. Under
 * valgrind, whose memcheck pays for a mapping by its size, a small one: a
 * process of iommufd_lifecycle took 133 s with 8 GiB, 4.8 s with 256 MiB,
 * 1.3 s with 32 MiB (1 s without the arena), and check's valgrind run 477 s
 * with 256 MiB. The whole 7.3 suite passes with 32 MiB (700 cases).
 */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif
#define ARENA_SIZE (RUNNING_ON_VALGRIND ? 32ULL << 20 : 8ULL << 30)
/* Where the arena goes, far from what ld.so and malloc place. */
#define ARENA_HINT 0x3e0000000000ULL
#define ARENA_ENV "IOMMUFD_MOCK_ARENA"
#define ARENA_MAGIC 0x696f6d6d75666441ULL
#define BLK_MAGIC 0x6d6f636bU
#define NCLS 40
#define MIN_SHIFT 5		/* 32-byte blocks: a 16-byte header and data */
#define HDR 16
#define PAGE 4096
#define GIVE_BACK (1ULL << 20)

struct blk {
	uint32_t cls;
	uint32_t magic;
	uint64_t next;		/* on a free list: the next block's offset */
};

struct arena {
	uint64_t magic;
	/* what an exec'd image checks before it maps the file at this address */
	uint64_t addr, size;
	char build[64];
	char path[96];
	int creator;
	/* the machine it is: an image asking for another makes its own */
	char machine[320];
	uint64_t brk;		/* offset of the first byte never handed out */
	uint64_t in_use;	/* blocks handed out and not freed */
	uint64_t free_head[NCLS];	/* offsets; 0 is "none" */
	struct mock_shared shared;
};

static struct arena *g_arena;
static bool g_attached;

/* The build of this library: an exec'd image shares only the same one. */
static void arena_build(char *out, size_t len)
{
	snprintf(out, len, "%s %s %zu %ld", __DATE__, __TIME__,
		 sizeof(struct arena),
		 (long)((uintptr_t)&mock_free - (uintptr_t)&mock_malloc));
}

/*
 * The variables that say what machine the mock is (its personality, its
 * devices): an exec'd image that asks for another does not join.
 */
static void arena_machine(char *out, size_t len)
{
	const char *k = getenv("IOMMUFD_MOCK_KERNEL"), *v = getenv("IOMMUFD_MOCK_VFIO");

	snprintf(out, len, "%s|%s", k ? k : "", v ? v : "");
}

/* The arena an exec'd parent image left in IOMMUFD_MOCK_ARENA, or NULL. */
static struct arena *arena_attach(void)
{
	const char *path = getenv(ARENA_ENV);
	struct arena head;
	char build[64], machine[320];
	long fd, addr;

	if (!path || !*path)
		return NULL;
	fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	arena_build(build, sizeof(build));
	arena_machine(machine, sizeof(machine));
	if (syscall(SYS_pread64, fd, &head, sizeof(head), 0) != sizeof(head) ||
	    head.magic != ARENA_MAGIC || head.size != ARENA_SIZE ||
	    strcmp(head.build, build) || strcmp(head.machine, machine)) {
		syscall(SYS_close, fd);
		return NULL;
	}
	addr = syscall(SYS_mmap, head.addr, ARENA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd, 0);
	syscall(SYS_close, fd);
	if (addr == -1)
		return NULL;
	if ((uint64_t)addr != head.addr) {	/* a kernel without NOREPLACE */
		syscall(SYS_munmap, addr, ARENA_SIZE);
		return NULL;
	}
	return (struct arena *)addr;
}

/* The files of creators that died without exit() (killed): removed. */
static void arena_remove_stale(void)
{
	char buf[4096], path[300];
	long dfd, n;

	dfd = syscall(SYS_openat, AT_FDCWD, "/dev/shm",
		      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	while (dfd >= 0 && (n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			int pid;

			off += e->d_reclen;
			if (sscanf(e->d_name, "iommufd-mock-arena.%d.", &pid) != 1 ||
			    pid <= 0 || !kill(pid, 0) || errno != ESRCH)
				continue;
			snprintf(path, sizeof(path), "/dev/shm/%.200s", e->d_name);
			unlink(path);
		}
	}
	if (dfd >= 0)
		syscall(SYS_close, dfd);
}

/* A new arena: a file in /dev/shm named in the environment, or anonymous. */
static struct arena *arena_create(void)
{
	char path[96];
	long fd, addr = -1;

	arena_remove_stale();
	snprintf(path, sizeof(path), "/dev/shm/iommufd-mock-arena.%d.XXXXXX",
		 (int)getpid());
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0 && !ftruncate(fd, ARENA_SIZE)) {
		addr = syscall(SYS_mmap, ARENA_HINT, ARENA_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			       fd, 0);
		if (addr == -1)
			addr = syscall(SYS_mmap, NULL, ARENA_SIZE,
				       PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_NORESERVE, fd, 0);
	}
	if (fd >= 0)
		syscall(SYS_close, fd);
	if (addr != -1) {
		struct arena *a = (struct arena *)addr;

		snprintf(a->path, sizeof(a->path), "%s", path);
		a->creator = getpid();
		setenv(ARENA_ENV, path, 1);
		return a;
	}
	if (fd >= 0)
		unlink(path);
	addr = syscall(SYS_mmap, NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return addr == -1 ? NULL : (struct arena *)addr;
}

/* The creator's exit: no exec'd program can join the arena any more. */
__attribute__((destructor)) static void arena_exit(void)
{
	if (g_arena && g_arena->path[0] && g_arena->creator == getpid())
		unlink(g_arena->path);
}

bool mock_arena_attached(void)
{
	return g_attached;
}

struct mock_shared *mock_arena_init(void)
{
	pthread_mutexattr_t attr;

	if (g_arena)
		return &g_arena->shared;
	g_arena = arena_attach();
	if (g_arena) {
		g_attached = true;
		return &g_arena->shared;
	}
	g_arena = arena_create();
	if (!g_arena)
		return NULL;
	g_arena->addr = (uintptr_t)g_arena;
	g_arena->size = ARENA_SIZE;
	arena_build(g_arena->build, sizeof(g_arena->build));
	arena_machine(g_arena->machine, sizeof(g_arena->machine));
	g_arena->magic = ARENA_MAGIC;
	g_arena->brk = (sizeof(*g_arena) + 63) & ~63ULL;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	/* A process killed inside the mock must not hang the others. */
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&g_arena->shared.lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return &g_arena->shared;
}

struct mock_shared *mock_shared(void)
{
	return &g_arena->shared;
}

static struct blk *blk_at(uint64_t off)
{
	return (struct blk *)((char *)g_arena + off);
}

static unsigned int size_class(size_t size)
{
	unsigned int cls = 0;

	while (cls < NCLS && (1ULL << (cls + MIN_SHIFT)) < size + HDR)
		cls++;
	return cls;
}

/* *fresh: the block comes from never-used memory (still all zero). */
static void *arena_alloc(size_t size, bool *fresh)
{
	unsigned int cls = size_class(size);
	uint64_t bytes, off;
	struct blk *b;

	*fresh = false;
	if (cls >= NCLS || !g_arena)
		return NULL;
	bytes = 1ULL << (cls + MIN_SHIFT);
	off = g_arena->free_head[cls];
	if (off) {
		b = blk_at(off);
		g_arena->free_head[cls] = b->next;
	} else {
		off = g_arena->brk;
		if (bytes >= PAGE)
			off = (off + PAGE - 1) & ~(uint64_t)(PAGE - 1);
		if (off > ARENA_SIZE || bytes > ARENA_SIZE - off)
			return NULL;
		g_arena->brk = off + bytes;
		b = blk_at(off);
		*fresh = true;
	}
	b->cls = cls;
	b->magic = BLK_MAGIC;
	b->next = 0;
	g_arena->in_use++;
	return (char *)b + HDR;
}

void *mock_malloc(size_t size)
{
	bool fresh;

	return arena_alloc(size, &fresh);
}

/*
 * Memory never handed out is still the zeroes the anonymous mapping gave:
 * clearing it would touch every page of it, where libc's calloc() of fresh
 * memory touches none. pages.c's pin counters are 16 KiB blocks of which one
 * page is written: with 1e5 pinned mappings, 1.6 GB of shmem against 400 MB
 * (a 2 GiB guest's bench_mock was killed by the OOM killer).
 */
void *mock_calloc(size_t n, size_t size)
{
	size_t bytes;
	bool fresh;
	void *p;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	p = arena_alloc(bytes, &fresh);
	if (p && !fresh)
		memset(p, 0, bytes);
	return p;
}

static struct blk *blk_of(void *ptr)
{
	struct blk *b = (struct blk *)((char *)ptr - HDR);

	/* A pointer that is not ours is a bug: stop here, not later. */
	if (b->magic != BLK_MAGIC || b->cls >= NCLS)
		abort();
	return b;
}

void mock_free(void *ptr)
{
	uint64_t bytes, off;
	struct blk *b;

	if (!ptr)
		return;
	b = blk_of(ptr);
	bytes = 1ULL << (b->cls + MIN_SHIFT);
	off = (uint64_t)((char *)b - (char *)g_arena);
	b->magic = 0;
	if (bytes >= GIVE_BACK)
		madvise((char *)b + PAGE, bytes - PAGE, MADV_REMOVE);
	b->next = g_arena->free_head[b->cls];
	g_arena->free_head[b->cls] = off;
	g_arena->in_use--;
}

void *mock_realloc(void *ptr, size_t size)
{
	uint64_t have;
	void *n;

	if (!ptr)
		return mock_malloc(size);
	have = (1ULL << (blk_of(ptr)->cls + MIN_SHIFT)) - HDR;
	if (size <= have)
		return ptr;
	n = mock_malloc(size);
	if (!n)
		return NULL;
	memcpy(n, ptr, have);
	mock_free(ptr);
	return n;
}

uint64_t mock_arena_in_use(void)
{
	return g_arena ? g_arena->in_use : 0;
}

#endif
