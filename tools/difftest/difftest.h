/* SPDX-License-Identifier: GPL-2.0 */
/*
 * difftest: differential random testing of the iommufd uAPI, kernel versus
 * the userspace mock. A sequence is a list of ops generated from (seed,
 * index) alone (gen.c), never from results, so the same sequence can be run
 * in two processes and any subset of it (the shrinker's) is still a
 * sequence. Ops name objects by slot, resolved to ids when they run
 * (exec.c), so dropping the op that filled a slot leaves a stale or empty
 * reference, which is itself a valid test. The driver (driver.c) runs each
 * sequence in both targets and compares their canonical traces.
 */
#ifndef DIFFTEST_H
#define DIFFTEST_H

#include <stddef.h>
#include <stdint.h>

enum dt_op_kind {
	DT_IOAS_ALLOC,
	DT_DESTROY,
	DT_IOVA_RANGES,
	DT_ALLOW_IOVAS,
	DT_MAP,
	DT_COPY,
	DT_UNMAP,
	DT_OPTION,
	DT_HWPT_ALLOC,
	DT_MOCK_DOMAIN,
	DT_MOCK_REPLACE,
	DT_CHECK_MAP,
	DT_CHECK_REFS,
	DT_ACCESS_CREATE,
	DT_ACCESS_PAGES,
	DT_ACCESS_UNPIN,
	DT_ACCESS_RW,
	DT_ACCESS_CLOSE,
	DT_SET_DIRTY,
	DT_GET_DIRTY,
	DT_TEST_DIRTY,
	DT_ADD_RESERVED,
	DT_FD_OPEN,
	DT_FD_DUP,
	DT_FD_CLOSE,
	DT_BUF_WRITE,
	DT_THREADS,
	DT_FORK,
	DT_HW_INFO,
	DT_INVALIDATE,
	DT_CHECK_IOTLB,
	DT_ACCESS_REPLACE,
	/* 7.x: vIOMMUs and what hangs off them (gen_viommu.c, exec_viommu.c) */
	DT_VIOMMU_ALLOC,
	DT_VIOMMU_MMAP,		/* mmap() of a vIOMMU's window, its first u32 read */
	DT_VIOMMU_MUNMAP,
	DT_VDEVICE_ALLOC,
	DT_VEVENTQ_ALLOC,
	DT_VEVENTQ_READ,	/* poll() then read() of a vEVENTQ's fd */
	DT_VEVENTQ_CLOSE,
	DT_TRIGGER_VEVENT,
	DT_HW_QUEUE_ALLOC,
	DT_DEV_CHECK_CACHE,
	DT_PASID,		/* nr: attach, replace, detach, check */
	/* fault queues and I/O page faults (6.11+; gen_viommu.c, exec_fault.c) */
	DT_FAULT_ALLOC,
	DT_TRIGGER_IOPF,
	DT_FAULT_READ,
	DT_FAULT_WRITE,
	DT_FAULT_CLOSE,
	/* 7.x: files and processes (gen_file.c, exec_file.c) */
	DT_DMABUF_GET,
	DT_DMABUF_REVOKE,
	DT_MAP_FILE,
	DT_CHANGE_PROCESS,
	DT_NOIOMMU_GET_PA,
	/* VFIO type1 compatibility on the iommufd fd (gen_vfio.c, exec_vfio.c) */
	DT_VFIO_IOAS,
	DT_VFIO_CHECK,		/* GET_API_VERSION, CHECK_EXTENSION */
	DT_VFIO_SET_IOMMU,
	DT_VFIO_GET_INFO,
	DT_VFIO_MAP,
	DT_VFIO_UNMAP,
	DT_NR_KINDS,
};

/*
 * An object reference: a slot of one kind, or a raw small id. A slot never
 * filled resolves to the raw id (index + 1), so that a shrunk sequence
 * still names something (usually nothing: ENOENT, which both must say).
 */
enum dt_ref_kind {
	DT_REF_RAW,
	DT_REF_IOAS,
	DT_REF_HWPT,	/* from HWPT_ALLOC */
	DT_REF_DHWPT,	/* the HWPT a MOCK_DOMAIN attached to */
	DT_REF_STDEV,
	DT_REF_IDEV,
	DT_REF_VIOMMU,
	DT_REF_VDEV,
	DT_REF_VEVENTQ,
	DT_REF_HWQ,	/* a HW queue */
	DT_REF_FAULT,
	DT_REF_NR,
};
#define DT_SLOTS 4
#define DT_REF(kind, idx) ((uint16_t)(((kind) << 8) | (idx)))

/* User memory: buffers at fixed addresses, identical in every process. */
enum dt_buf {
	DT_BUF_ANON,	/* anonymous, read-write */
	DT_BUF_MEMFD,	/* a shared memfd mapping, read-write */
	DT_BUF_RDONLY,	/* anonymous, filled, then PROT_READ */
	DT_BUF_NONE,	/* PROT_NONE */
	DT_BUF_ALIAS,	/* a second mapping of the memfd's first pages */
	DT_NR_BUFS,
};
#define DT_BUF_PAGES_MAX 64

/* An IOVA: a point of a small grid, or an IOVA a MAP/COPY returned. */
#define DT_IOVA_SLOTS 8

struct dt_op {
	uint8_t kind;
	uint8_t fd;		/* which iommufd slot (0 or 1) */
	uint8_t out;		/* output slot */
	uint8_t nr;		/* a count (ranges, threads, ops in a fork) */
	uint8_t size_mode;	/* enum dt_size_mode: the ioctl struct's size field */
	uint16_t ref[3];	/* object references */
	uint32_t flags;
	uint64_t a, b, c, d;	/* op-specific: iova, length, uptr, value */
};

/*
 * How an op's ioctl struct is sized: as the headers say, 4 bytes short,
 * 16 bytes long with a zero tail, or long with a non-zero tail (main.c's
 * rules: below the first version's end EINVAL, a non-zero tail E2BIG).
 */
enum dt_size_mode { DT_SIZE_EXACT, DT_SIZE_SHORT, DT_SIZE_LONG_ZERO, DT_SIZE_LONG_DIRTY };

#define DT_OPS_MAX 64

struct dt_seq {
	unsigned int nr;
	struct dt_op ops[DT_OPS_MAX];
	uint8_t orig[DT_OPS_MAX];	/* index of each op in the full sequence */
};

struct dt_gen_opts {
	unsigned int len_min, len_max;
	int fork;		/* emit DT_FORK (a known divergence today) */
	int threads;		/* emit DT_THREADS */
	int kernel_only;	/* run mode ends with the audit (audit.c) */
};

/* gen.c */
void dt_seq_generate(struct dt_seq *seq, uint64_t seed, uint64_t index,
		     const struct dt_gen_opts *opts);
void dt_seq_keep(struct dt_seq *seq, const uint8_t *keep, unsigned int nr);
const char *dt_op_name(unsigned int kind);
uint64_t dt_iova_decode(uint64_t code, const uint64_t *slots);
uint64_t dt_uptr_decode(uint64_t code);
const char *dt_buf_name(unsigned int buf);
unsigned int dt_buf_pages(unsigned int buf);
uintptr_t dt_buf_base(unsigned int buf);

/*
 * exec.c: runs the sequence in this process and writes its trace to out_fd;
 * with audit, then --kernel-only's end-of-sequence checks (audit.c).
 */
int dt_seq_run(const struct dt_seq *seq, int out_fd, int audit);

/* A growable text buffer for traces. */
struct dt_text {
	char *s;
	size_t len, cap;
};
void dt_text_printf(struct dt_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dt_text_free(struct dt_text *t);

#endif
