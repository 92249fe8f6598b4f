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
	uint64_t iovas[DT_IOVA_SLOTS];
	int acc_fd[2];
	uint32_t acc_pages[DT_SLOTS];
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
/* IOMMU_TEST_CMD op on id: 0 or errno. */
int dt_exec_test_cmd(int fd, struct iommu_test_cmd *cmd, unsigned int op, uint32_t id);

/* exec_hwpt.c */
void dt_exec_hwpt_alloc(struct dt_exec *x, const struct dt_op *op);
void dt_exec_set_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_get_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_test_dirty(struct dt_exec *x, const struct dt_op *op);
void dt_exec_hw_info(struct dt_exec *x, const struct dt_op *op);
void dt_exec_invalidate(struct dt_exec *x, const struct dt_op *op);
void dt_exec_check_iotlb(struct dt_exec *x, const struct dt_op *op);

#endif
