/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock's heap, shared with every child of fork() (arena.c). What the
 * kernel keeps once in the one struct file behind every process's fd is kept
 * once here: every object of every context, the trees, the pin counters and
 * the ids, in memory that a fork() shares at the same address, so pointers
 * stay valid in both processes.
 *
 * The fuzzer and the unit tests that link the objects directly build with
 * IOMMUFD_MOCK_ARENA_LIBC: the calls are libc's malloc() family there, which
 * ASan and LeakSanitizer watch block by block.
 */
#ifndef IOMMUFD_MOCK_ARENA_H
#define IOMMUFD_MOCK_ARENA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "itree.h"

struct iopt_pages;
struct iommufd_file;
struct vfio_devices;

/*
 * State every process of one arena shares (the roots the objects hang off).
 * Everything in it, like everything the mock_*alloc() calls return, is
 * touched only with the lock held.
 */
/*
 * What a process's mm counts of the mock's pins, as /proc/<pid>/status
 * shows it: mm->pinned_vm (VmPin, every pin) and the mm->locked_vm of
 * IOPT_PAGES_ACCOUNT_MM (VmLck), in pages; signed, as the kernel's can go
 * below zero where IOAS_CHANGE_PROCESS moved an owner but not its charge.
 */
struct mock_vm_charge {
	int pid;
	int64_t pinned_vm, locked_vm;
};

struct mock_shared {
	pthread_mutex_t lock;	/* the mock's lock: process-shared, robust */
	/* pages.c: what the kernel keeps per user and per mm */
	uint64_t user_locked_vm, mm_locked_vm;
	struct mock_vm_charge *vm_charges;	/* per process, by pid */
	size_t nvm_charges;
	struct itree pages_by_uva;
	struct iopt_pages **file_pages;
	size_t nfile_pages;
	/* file.c: every struct file, and whether any process forked */
	struct iommufd_file **files;
	size_t nfiles;
	uint64_t forks;
	/* vfio_main.c: IOMMUFD_MOCK_VFIO's devices, once made */
	struct vfio_devices *vfio;
};

/**
 * mock_arena_init() - map the shared heap (once per process tree)
 *
 * Called at the mock's first use, before any fork() that is to share it.
 *
 * Return: the shared roots, or NULL if the mapping failed (the mock then
 * answers every open ENOMEM).
 */
struct mock_shared *mock_arena_init(void);

/*
 * Whether this image joined an arena an exec'd-from image made (its fd
 * table is then rebuilt from the files there, file.c).
 */
bool mock_arena_attached(void);

/*
 * A pointer into the library (a const table: file operations, access ops, a
 * device model), as the arena keeps it: an offset from an anchor in the
 * library, the same in every image of one build, where the library itself
 * may sit elsewhere (exec()).
 */
extern const char mock_so_anchor[];
#define MOCK_SO_NULL INT64_MIN

static inline int64_t mock_so_off(const void *p)
{
	return p ? (int64_t)((uintptr_t)p - (uintptr_t)mock_so_anchor) :
		   MOCK_SO_NULL;
}

static inline const void *mock_so_ptr(int64_t off)
{
	return off == MOCK_SO_NULL ? NULL : mock_so_anchor + off;
}

/* The shared roots; mock_arena_init() must have succeeded. */
struct mock_shared *mock_shared(void);

void *mock_malloc(size_t size);
void *mock_calloc(size_t n, size_t size);
void *mock_realloc(void *ptr, size_t size);
void mock_free(void *ptr);

/* Bytes handed out and not freed yet (the tests' leak check). */
uint64_t mock_arena_in_use(void);

#endif
