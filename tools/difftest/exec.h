/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of run mode share: the state of one running sequence and
 * the helpers that print an op's arguments and results (exec.c); the ops
 * live in exec.c (IOAS, access, fds, threads, fork) and exec_hwpt.c
 * (HWPTs, dirty tracking, invalidation, hardware info).
 */
#ifndef DIFFTEST_EXEC_H
#define DIFFTEST_EXEC_H

#include <stdint.h>

#include "iommufd_test.h"
#include "difftest.h"

struct dt_exec {
	int fd[2];
	uint32_t ids[DT_REF_NR][DT_SLOTS];
	uint32_t max_id;		/* the largest id any op was answered */
	uint64_t iovas[DT_IOVA_SLOTS];
	int acc_fd[2];
	uint32_t acc_pages[DT_SLOTS];
	/* 7.x objects' fds and windows, by slot; -1 or NULL when none */
	int veventq_fd[DT_SLOTS], fault_fd[DT_SLOTS], dmabuf_fd[2];
	uint32_t cookie[DT_SLOTS];	/* the last cookie a fault read gave */
	struct {
		uint64_t offset, length;	/* what VIOMMU_ALLOC answered */
		void *addr;			/* where mmap() put it */
		size_t mapped;
	} window[DT_SLOTS];
	int memfd, hugetlb_fd;		/* DT_BUF_MEMFD's file; a hugetlb memfd */
	int out_fd;
	struct dt_text t;
};

/* The op's fd slot's fd, printed. */
int dt_exec_fd(struct dt_exec *x, const struct dt_op *op);
/* An object reference resolved to an id, printed as slot=id. */
uint32_t dt_exec_ref(struct dt_exec *x, uint16_t ref);
/* A new id into a slot, printed as slot<-id. */
void dt_exec_put_id(struct dt_exec *x, unsigned int kind, unsigned int slot, uint32_t id);
/* An IOVA code resolved, printed as name=value. */
uint64_t dt_exec_iova(struct dt_exec *x, const char *name, uint64_t code);
/* "= 0" or "= ERRNO". */
void dt_exec_put_rc(struct dt_exec *x, int err);
/* Bytes in hex, the first max of them, then a hash of the rest. */
void dt_exec_put_bytes(struct dt_exec *x, const char *name, const uint8_t *p, size_t n,
		       size_t max);
/* ioctl() of an iommufd struct, sized as the running op says: 0 or errno. */
int dt_exec_ioctl(int fd, unsigned long req, void *arg);
/* The same, and what ioctl() returned in *ret (an fd, a count) when it is >= 0. */
int dt_exec_ioctl_ret(int fd, unsigned long req, void *arg, long *ret);
/* IOMMU_TEST_CMD op on id: 0 or errno. */
int dt_exec_test_cmd(int fd, struct iommu_test_cmd *cmd, unsigned int op, uint32_t id);

/* A user pointer code resolved, printed as uptr=buffer+offset. */
uint64_t dt_exec_uptr(struct dt_exec *x, uint64_t code);
/* Closes fd if it is one, and marks it closed. */
void dt_exec_close(int *fd);
/* Prints a read()/write() result: "= N" bytes or "= ERRNO". */
void dt_exec_put_len(struct dt_exec *x, long n, int err);

/* exec_hwpt.c */
void dt_exec_hwpt_alloc(struct dt_exec *x, const struct dt_op *op);
void dt_exec_set_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_get_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_test_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_hw_info(struct dt_exec *x, const struct dt_op *op);
void dt_exec_invalidate(struct dt_exec *x, const struct dt_op *op);
void dt_exec_check_iotlb(struct dt_exec *x, const struct dt_op *op);

/* exec_viommu.c: vIOMMU, vDEVICE, vEVENTQ, HW queue, device caches, PASIDs */
void dt_exec_viommu(struct dt_exec *x, const struct dt_op *op);
/* exec_fault.c: fault queues and I/O page faults */
void dt_exec_fault(struct dt_exec *x, const struct dt_op *op);
/* exec_file.c: the files a run maps, dma-bufs, MAP_FILE, processes */
void dt_exec_files_open(struct dt_exec *x);
void dt_exec_files_close(struct dt_exec *x);
void dt_exec_file(struct dt_exec *x, const struct dt_op *op);
/* exec_vfio.c: the VFIO type1 compatibility ioctls */
void dt_exec_vfio(struct dt_exec *x, const struct dt_op *op);

/* audit.c: --kernel-only's end of a sequence, the oracles that need no mock */
unsigned int dt_exec_fd_count(void);
void dt_exec_audit(struct dt_exec *x, unsigned int fds_at_start);
/* Ends the current trace line and writes it out. */
void dt_exec_flush_line(struct dt_exec *x);

#endif
