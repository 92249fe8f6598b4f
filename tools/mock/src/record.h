/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock's ioctl-stream format: what IOMMUFD_MOCK_RECORD=<dir> writes
 * (record.c, one file per context) and what the fuzzer (fuzz/fuzz_mock.c)
 * decodes. One definition for both sides, so a recorded stream replays.
 *
 * A stream is a header byte and records, little endian, packed:
 *
 *   header       u8 flags: the personality, the index of its kernel
 *                among those the mock speaks (personality.h, 0 the oldest)
 *                in bit 0 (its low bit) and bits 2..7 (the others), taken
 *                modulo their number; bit 1 set = without CAP_IPC_LOCK
 *                (pins are charged to RLIMIT_MEMLOCK); the recorder writes
 *                the personality only
 *   IOCTL  0x00  u8 ctx, u8 cmd (index into iommufd_record_cmds[]),
 *                u8 place, u16 len, len bytes: the argument struct
 *   FILL   0x01  u8 buf, u32 off, u16 len, len bytes written at buffer
 *                buf's offset off (what a pointer in a struct points to)
 *   OPEN   0x02  another context (the first one exists from the start)
 *   CLOSE  0x03  u8 ctx: close that context's fd
 *   CLOSE_FD 0x04 u8 slot: close an fd an ioctl returned (access, fault)
 *   DUP    0x05  u8 ctx: a new context slot that is a dup() of it
 *
 * Pointers: user memory is described, never stored. Every 8-byte aligned
 * u64 of an argument whose top 16 bits are IOMMUFD_RECORD_PTR_TAG is a
 * pointer into buffer (bits 32..39) at offset (bits 0..31, modulo the
 * buffer's size); the replayer owns the buffers and rewrites the value.
 * Untagged values pass unchanged: a struct without pointers replays as is.
 *
 * File descriptors: the test ops on an access take its fd in cmd->id; the
 * stream holds the index of that fd among the fds the stream's ioctls
 * returned (below IOMMUFD_RECORD_FD_SLOTS), not the process's number.
 */
#ifndef IOMMUFD_MOCK_RECORD_H
#define IOMMUFD_MOCK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include "iommufd_test.h"

enum iommufd_record_op {
	IOMMUFD_RECORD_IOCTL,
	IOMMUFD_RECORD_FILL,
	IOMMUFD_RECORD_OPEN,
	IOMMUFD_RECORD_CLOSE,
	IOMMUFD_RECORD_CLOSE_FD,
	IOMMUFD_RECORD_DUP,
	IOMMUFD_RECORD_NR_OPS,
};

#define IOMMUFD_RECORD_HDR_NO_IPC_LOCK 0x02

/* The personality's index in a header byte, and back. */
static inline unsigned int iommufd_record_hdr_kernel(uint8_t hdr)
{
	return (hdr & 1) | (hdr >> 2) << 1;
}

static inline uint8_t iommufd_record_hdr_of_kernel(unsigned int index)
{
	return (uint8_t)((index & 1) | (index >> 1) << 2);
}

/* The size of an IOCTL record's fixed part and a FILL record's. */
#define IOMMUFD_RECORD_IOCTL_HDR 6
#define IOMMUFD_RECORD_FILL_HDR 8
#define IOMMUFD_RECORD_MAX_ARG 4096

/* IOCTL's place: where the replayer puts the argument. */
enum iommufd_record_place {
	IOMMUFD_RECORD_PLACE_BUF,	/* at the start of a large buffer */
	IOMMUFD_RECORD_PLACE_EDGE,	/* its end touches an unmapped page */
	IOMMUFD_RECORD_PLACE_NULL,	/* arg is NULL */
	IOMMUFD_RECORD_PLACE_VALUE,	/* arg is the u64 in the bytes (VFIO's
					   integer arguments) */
	IOMMUFD_RECORD_NR_PLACES,
};
/* place bit: set the struct's leading u32 size/argsz to len first */
#define IOMMUFD_RECORD_PLACE_FIXSIZE 0x10

/* The buffers a tagged pointer may name. */
enum iommufd_record_buf {
	IOMMUFD_RECORD_BUF_ANON,	/* private anonymous, read-write */
	IOMMUFD_RECORD_BUF_RDONLY,	/* private, read-only */
	IOMMUFD_RECORD_BUF_NONE,	/* PROT_NONE */
	IOMMUFD_RECORD_BUF_MEMFD,	/* shared memfd, read-write */
	IOMMUFD_RECORD_BUF_HUGE,	/* hugetlb (anonymous THP if none) */
	IOMMUFD_RECORD_BUF_FILE_SHARED,	/* a file on disk, MAP_SHARED */
	IOMMUFD_RECORD_BUF_FILE_PRIVATE, /* a file on disk, MAP_PRIVATE */
	IOMMUFD_RECORD_BUF_NULL,	/* the unmapped page at 0 */
	IOMMUFD_RECORD_NR_BUFS,
};

#define IOMMUFD_RECORD_PTR_TAG 0xfa57ULL
#define IOMMUFD_RECORD_FD_SLOTS 16
#define IOMMUFD_RECORD_CTX_SLOTS 4

static inline bool iommufd_record_is_ptr(uint64_t v)
{
	return v >> 48 == IOMMUFD_RECORD_PTR_TAG;
}

static inline uint64_t iommufd_record_ptr(unsigned int buf, uint32_t off)
{
	return IOMMUFD_RECORD_PTR_TAG << 48 | (uint64_t)(buf & 0xff) << 32 | off;
}

/*
 * The ioctl numbers a stream can name: iommufd's whole range (0x80 up to
 * the newest known, numbers the mock lacks included, for ENOTTY), the test
 * command, VFIO type1 on /dev/iommu, and one number nobody has.
 */
#define IOMMUFD_RECORD_NR_IOMMUFD 0x16
static const unsigned long iommufd_record_vfio_cmds[] = {
	IOMMU_TEST_CMD,
	VFIO_GET_API_VERSION,
	VFIO_CHECK_EXTENSION,
	VFIO_SET_IOMMU,
	VFIO_IOMMU_GET_INFO,
	VFIO_IOMMU_MAP_DMA,
	VFIO_IOMMU_UNMAP_DMA,
	VFIO_IOMMU_DIRTY_PAGES,
	_IO(';', 0x42),
};
#define IOMMUFD_RECORD_NR_CMDS                                               \
	(IOMMUFD_RECORD_NR_IOMMUFD +                                         \
	 sizeof(iommufd_record_vfio_cmds) / sizeof(iommufd_record_vfio_cmds[0]))

static inline unsigned long iommufd_record_cmd(unsigned int idx)
{
	idx %= IOMMUFD_RECORD_NR_CMDS;
	if (idx < IOMMUFD_RECORD_NR_IOMMUFD)
		return _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + idx);
	return iommufd_record_vfio_cmds[idx - IOMMUFD_RECORD_NR_IOMMUFD];
}

/* The index of cmd, or -1 for a number the format cannot name. */
static inline int iommufd_record_cmd_index(unsigned long cmd)
{
	for (unsigned int i = 0; i < IOMMUFD_RECORD_NR_CMDS; i++)
		if (iommufd_record_cmd(i) == cmd)
			return (int)i;
	return -1;
}

/* VFIO's integer-argument ioctls: arg is a value, not a pointer. */
static inline bool iommufd_record_cmd_takes_value(unsigned long cmd)
{
	return cmd == VFIO_GET_API_VERSION || cmd == VFIO_CHECK_EXTENSION ||
	       cmd == VFIO_SET_IOMMU;
}

/* The test ops whose cmd->id is an access fd (selftest.c, iommufd_test()). */
static inline bool iommufd_record_op_takes_access_fd(uint32_t op)
{
	return op == IOMMU_TEST_OP_ACCESS_REPLACE_IOAS ||
	       op == IOMMU_TEST_OP_ACCESS_PAGES ||
	       op == IOMMU_TEST_OP_ACCESS_RW ||
	       op == IOMMU_TEST_OP_DESTROY_ACCESS_PAGES;
}

/*
 * Where a successful ioctl left a new fd in its argument, or -1: the fault
 * queue's out_fault_fd, the vEVENTQ's out_veventq_fd, CREATE_ACCESS's
 * out_access_fd.
 */
static inline long iommufd_record_out_fd_offset(unsigned long cmd,
						const void *arg, size_t len)
{
	uint32_t op;

	if (cmd == IOMMU_FAULT_QUEUE_ALLOC)
		return offsetof(struct iommu_fault_alloc, out_fault_fd);
	if (cmd == IOMMU_VEVENTQ_ALLOC)
		return len < offsetof(struct iommu_veventq_alloc, out_veventq_fd) + 4 ?
			       -1 :
			       (long)offsetof(struct iommu_veventq_alloc,
					      out_veventq_fd);
	if (cmd != IOMMU_TEST_CMD ||
	    len < offsetof(struct iommu_test_cmd, op) + sizeof(op))
		return -1;
	__builtin_memcpy(&op, (const char *)arg +
				      offsetof(struct iommu_test_cmd, op),
			 sizeof(op));
	if (op != IOMMU_TEST_OP_CREATE_ACCESS)
		return -1;
	return offsetof(struct iommu_test_cmd, create_access.out_access_fd);
}

struct iommufd_ctx;

/*
 * iommufd_record_ioctl() - the dispatcher's hook (main.c): runs fn, and
 * with IOMMUFD_MOCK_RECORD=<dir> appends the call to the context's stream
 * in <dir> first (and notes an fd it returned).
 *
 * Return: fn's result.
 */
long iommufd_record_ioctl(struct iommufd_ctx *ictx, unsigned long cmd,
			  void *arg,
			  long (*fn)(struct iommufd_ctx *ictx,
				     unsigned long cmd, void *arg))
	__attribute__((visibility("hidden")));

#endif
