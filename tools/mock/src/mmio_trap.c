// SPDX-License-Identifier: GPL-2.0
/*
 * mmap'ed BARs: every load and store reaches the device model. No kernel
 * file mirrors this; it stands where the CPU meets device memory.
 *
 * A store to an mmap'ed BAR is not a system call, so the mock cannot see
 * it the way it sees an ioctl. Two designs were weighed (README.md, "VFIO
 * devices"):
 *  - a device thread polling a shared page: sees a doorbell write late, and
 *    a read that must answer at once (edu's liveness register hands back
 *    the inverse of what was just written, and the vfio lane's programs
 *    check it on the very next load) would read stale memory;
 *  - a region without VFIO_REGION_INFO_FLAG_MMAP: exact, but programs that
 *    mmap BAR0 (the lane's, a userspace driver) would have to change.
 * So the mapping is PROT_NONE and each access traps (SIGSEGV): the handler
 * decodes the x86-64 instruction (the moves compilers emit for loads and
 * stores of 1, 2, 4 and 8 bytes, to and from general and SSE registers,
 * and xchg), performs it on the device under the mock's lock, and resumes
 * after it. A fault elsewhere goes to the handler that was there before
 * (or kills as it would have). Elsewhere than x86-64, and for a device with
 * the "nommap" option, BAR0 has no MMAP flag and is reached by pread/pwrite
 * as QEMU's x-no-mmap reaches it.
 *
 * A PROT_NONE mapping cannot be pinned: IOMMU_IOAS_MAP of it is EFAULT, as
 * the kernel refuses a VM_IO|VM_PFNMAP BAR mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "iommufd_mock_fd.h"
#include "vfio.h"

/*
 * Under valgrind, memcheck would report each trapped access as an invalid
 * read or write of a PROT_NONE page before the fault reaches the handler:
 * the window is marked addressable for memcheck (the CPU still faults).
 */
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#else
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#define MMIO_TRAP_MAX 64

/* One trapped mapping: process-private, as VMAs are (fork() copies them). */
struct mmio_window {
	uint64_t start, end;
	struct vfio_device_file *df;
	/* the device itself, which lives as long as the arena (df may not) */
	struct vfio_device *device;
	uint64_t bar_off;	/* BAR offset of start */
	/*
	 * Holds df: a child's copy inherited across fork() holds nothing, as
	 * 7.3's mmap windows of /dev/iommu in the mock (a child that ends
	 * with _exit() could not give it back)
	 */
	bool held;
};

static struct mmio_window g_windows[MMIO_TRAP_MAX];
static unsigned int g_nwindows;
static struct sigaction g_old_segv;
static bool g_handler_installed, g_atfork;

#if defined(__x86_64__)
bool mmio_trap_supported(void)
{
	return true;
}

/* ---- decoding the faulting instruction ---- */

struct mmio_insn {
	unsigned int len;	/* bytes of the instruction */
	unsigned int size;	/* bytes accessed */
	bool load, store;	/* xchg is both */
	bool sign_extend;	/* movsx */
	bool xmm;		/* the register is an SSE register */
	int reg;		/* register number, -1: immediate */
	bool byte_high;		/* AH, CH, DH, BH */
	uint64_t imm;
};

/* ModRM (+ SIB + displacement) length for a memory operand, or 0. */
static unsigned int modrm_len(const uint8_t *p, int *reg, bool rex_r)
{
	unsigned int mod = p[0] >> 6, rm = p[0] & 7, len = 1;

	*reg = ((p[0] >> 3) & 7) | (rex_r ? 8 : 0);
	if (mod == 3)
		return 0;	/* a register operand: not a memory access */
	if (rm == 4) {
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	}
	if (mod == 0 && rm == 5)
		len += 4;	/* RIP-relative */
	else if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return len;
}

/* Decodes a load or store at p: 0, or -1 for an instruction not handled. */
static int mmio_decode(const uint8_t *p, struct mmio_insn *in)
{
	bool opsize16 = false, rep_f3 = false, rex_w = false, rex_r = false;
	bool rex = false;
	const uint8_t *start = p;
	unsigned int m, opsize;
	uint8_t op;

	memset(in, 0, sizeof(*in));
	for (;; p++) {
		if (*p == 0x66)
			opsize16 = true;
		else if (*p == 0xf3)
			rep_f3 = true;
		else if (*p == 0xf2 || *p == 0xf0 || *p == 0x67 || *p == 0x2e ||
			 *p == 0x3e || *p == 0x26 || *p == 0x36 || *p == 0x64 ||
			 *p == 0x65)
			;
		else
			break;
		if (p - start > 4)
			return -1;
	}
	if ((*p & 0xf0) == 0x40) {
		rex = true;
		rex_w = *p & 8;
		rex_r = *p & 4;
		p++;
	}
	opsize = rex_w ? 8 : opsize16 ? 2 : 4;
	op = *p++;
	if (op == 0x0f) {
		op = *p++;
		m = modrm_len(p, &in->reg, rex_r);
		if (!m)
			return -1;
		switch (op) {
		case 0xb6: case 0xb7: case 0xbe: case 0xbf:	/* movzx, movsx */
			in->load = true;
			in->size = op & 1 ? 2 : 1;
			in->sign_extend = op >= 0xbe;
			/* the destination's width, kept in imm */
			in->imm = opsize;
			break;
		case 0x6e:	/* 66 0f 6e: movd/movq xmm, m */
		case 0x7e:	/* 66 0f 7e: movd/movq m, xmm; f3 0f 7e: movq xmm, m */
		case 0xd6:	/* 66 0f d6: movq m64, xmm */
			in->xmm = true;
			if (op == 0x7e && rep_f3) {
				in->load = true;
				in->size = 8;
			} else if (!opsize16) {
				return -1;	/* MMX forms */
			} else {
				in->load = op == 0x6e;
				in->store = !in->load;
				in->size = op == 0xd6 || rex_w ? 8 : 4;
			}
			break;
		default:
			return -1;
		}
		in->len = p + m - start;
		return 0;
	}
	m = modrm_len(p, &in->reg, rex_r);
	if (!m)
		return -1;
	switch (op) {
	case 0x88: case 0x8a:	/* mov r/m8, r8; mov r8, r/m8 */
		in->size = 1;
		in->load = op == 0x8a;
		in->store = !in->load;
		in->byte_high = !rex && in->reg >= 4 && in->reg < 8;
		break;
	case 0x89: case 0x8b:	/* mov r/m, r; mov r, r/m */
		in->size = opsize;
		in->load = op == 0x8b;
		in->store = !in->load;
		break;
	case 0x87:		/* xchg r/m, r */
		in->size = opsize;
		in->load = in->store = true;
		break;
	case 0x63:		/* movsxd r64, r/m32 */
		if (!rex_w)
			return -1;
		in->size = 4;
		in->load = true;
		in->sign_extend = true;
		in->imm = 8;
		break;
	case 0xc6: case 0xc7:	/* mov r/m, imm */
		if (in->reg & 7)
			return -1;
		in->store = true;
		in->reg = -1;
		if (op == 0xc6) {
			in->size = 1;
			in->imm = p[m];
			m += 1;
		} else if (opsize == 2) {
			in->size = 2;
			in->imm = p[m] | (uint16_t)p[m + 1] << 8;
			m += 2;
		} else {
			int32_t imm;

			memcpy(&imm, p + m, 4);
			in->size = opsize;
			in->imm = (uint64_t)(int64_t)imm;
			m += 4;
		}
		break;
	default:
		return -1;
	}
	in->len = p + m - start;
	return 0;
}

static const int gregs_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static uint64_t reg_get(ucontext_t *uc, const struct mmio_insn *in)
{
	if (in->reg < 0)
		return in->imm;
	if (in->xmm) {
		uint64_t v;

		memcpy(&v, &uc->uc_mcontext.fpregs->_xmm[in->reg], 8);
		return v;
	}
	if (in->byte_high)
		return uc->uc_mcontext.gregs[gregs_of[in->reg - 4]] >> 8;
	return uc->uc_mcontext.gregs[gregs_of[in->reg]];
}

/* Writes a loaded value as the instruction would (zero-extending 32-bit). */
static void reg_set(ucontext_t *uc, const struct mmio_insn *in, uint64_t v)
{
	greg_t *r;
	unsigned int width = in->size;

	if (in->xmm) {
		/* movd/movq to xmm clears the rest of the register */
		memset(&uc->uc_mcontext.fpregs->_xmm[in->reg], 0, 16);
		memcpy(&uc->uc_mcontext.fpregs->_xmm[in->reg], &v, in->size);
		return;
	}
	if (in->imm) {		/* movzx, movsx, movsxd: to the wider width */
		if (in->sign_extend)
			v = in->size == 1 ? (uint64_t)(int64_t)(int8_t)v :
			    in->size == 2 ? (uint64_t)(int64_t)(int16_t)v :
					    (uint64_t)(int64_t)(int32_t)v;
		width = in->imm;
	}
	if (in->byte_high) {
		r = &uc->uc_mcontext.gregs[gregs_of[in->reg - 4]];
		*r = (*r & ~0xff00LL) | (greg_t)((v & 0xff) << 8);
		return;
	}
	r = &uc->uc_mcontext.gregs[gregs_of[in->reg]];
	switch (width) {
	case 1:
		*r = (*r & ~0xffLL) | (greg_t)(v & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffLL) | (greg_t)(v & 0xffff);
		break;
	case 4:
		*r = (greg_t)(uint32_t)v;
		break;
	default:
		*r = (greg_t)v;
	}
}

/* ---- the access, under the mock's lock ---- */

struct mmio_access {
	uint64_t addr;
	const struct mmio_insn *in;
	uint64_t store_val, load_val;
	bool found;
	char bdf[16];
};

static void mmio_access_locked(void *arg)
{
	struct mmio_access *a = arg;

	for (unsigned int i = 0; i < g_nwindows; i++) {
		struct mmio_window *w = &g_windows[i];
		struct vfio_device *vdev = w->device;
		uint64_t off;

		if (a->addr < w->start || a->addr >= w->end)
			continue;
		a->found = true;
		memcpy(a->bdf, vdev->bdf, sizeof(a->bdf));
		if (!a->in)
			return;
		off = w->bar_off + (a->addr - w->start);
		/* memory decoding off: the kernel's fault handler gives SIGBUS */
		if (!vfio_config_memory_enabled(vdev)) {
			a->load_val = ~0ULL;
			return;
		}
		if (a->in->load)
			a->load_val = vfio_pci_bar_read(vdev, off, a->in->size);
		if (a->in->store)
			vfio_pci_bar_write(vdev, off, a->in->size, a->store_val);
		return;
	}
}

static void mmio_chain(int sig, siginfo_t *si, void *uc)
{
	if (g_old_segv.sa_flags & SA_SIGINFO) {
		g_old_segv.sa_sigaction(sig, si, uc);
		return;
	}
	if (g_old_segv.sa_handler == SIG_DFL || g_old_segv.sa_handler == SIG_IGN) {
		/* return to the faulting instruction: it faults again, fatally */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	g_old_segv.sa_handler(sig);
}

static void mmio_trap_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	const uint8_t *ip = (const uint8_t *)uc->uc_mcontext.gregs[REG_RIP];
	struct mmio_access a = { .addr = (uintptr_t)si->si_addr };
	struct mmio_insn in;
	int saved = errno;

	if (si->si_code != SEGV_ACCERR) {
		mmio_chain(sig, si, ucv);
		return;
	}
	if (mmio_decode(ip, &in)) {
		iommufd_mock_call_locked(mmio_access_locked, &a);
		if (!a.found) {
			mmio_chain(sig, si, ucv);
			return;
		}
		fprintf(stderr, "libiommufd_mock: an access to the mmap'ed BAR0 of %s (address %p) by an instruction the trap does not decode (%02x %02x %02x %02x %02x %02x): use pread()/pwrite() of the region, or the device's nommap option\n",
			a.bdf, si->si_addr, ip[0], ip[1], ip[2], ip[3], ip[4], ip[5]);
		abort();
	}
	a.in = &in;
	if (in.store)
		a.store_val = reg_get(uc, &in);
	iommufd_mock_call_locked(mmio_access_locked, &a);
	if (!a.found) {
		mmio_chain(sig, si, ucv);
		return;
	}
	if (in.load)
		reg_set(uc, &in, a.load_val);
	uc->uc_mcontext.gregs[REG_RIP] += in.len;
	errno = saved;
}

static int mmio_install_handler(void)
{
	struct sigaction sa = { 0 };

	if (g_handler_installed)
		return 0;
	sa.sa_sigaction = mmio_trap_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &g_old_segv))
		return -errno;
	g_handler_installed = true;
	return 0;
}
#else
bool mmio_trap_supported(void)
{
	return false;
}

static int mmio_install_handler(void)
{
	return -EOPNOTSUPP;
}
#endif

/* ---- the windows ---- */

/* fork(): the child's copies of the windows trap, but hold nothing */
static void mmio_trap_atfork_child(void)
{
	for (unsigned int i = 0; i < g_nwindows; i++)
		g_windows[i].held = false;
}

static void mmio_window_put(struct mmio_window *w)
{
	if (w->held) {
		vfio_device_file_mapped(w->df, getpid(), -1);
		vfio_device_file_put(w->df);
	}
}

static void mmio_trap_exit_locked(void *arg)
{
	(void)arg;
	while (g_nwindows)
		mmio_window_put(&g_windows[--g_nwindows]);
}

/* exit(): the process's mappings go, and their holds */
__attribute__((destructor)) static void mmio_trap_exit(void)
{
	if (g_nwindows)
		iommufd_mock_call_locked(mmio_trap_exit_locked, NULL);
}

void *mmio_trap_map(struct vfio_device_file *df, void *addr, size_t len,
		    int flags, uint64_t bar_off, int *err)
{
	uint64_t ps = umem_page_size();
	long map;
	int rc;

	if (g_nwindows == MMIO_TRAP_MAX) {
		*err = ENOMEM;
		return MAP_FAILED;
	}
	rc = mmio_install_handler();
	if (!rc && !g_atfork && pthread_atfork(NULL, NULL, mmio_trap_atfork_child))
		rc = -ENOMEM;
	if (!rc)
		g_atfork = true;
	if (rc) {
		*err = -rc;
		return MAP_FAILED;
	}
	map = syscall(SYS_mmap, addr, len, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)),
		      -1, 0);
	if (map == -1) {
		*err = errno;
		return MAP_FAILED;
	}
	/* MAP_FIXED replaced what was there: a window of ours too */
	mmio_trap_unmap(map, len);
	VALGRIND_MAKE_MEM_DEFINED((void *)map, len);
	df->refs++;
	vfio_device_file_mapped(df, getpid(), 1);
	g_windows[g_nwindows++] = (struct mmio_window){
		.start = map,
		.end = map + ((len + ps - 1) & ~(ps - 1)),
		.df = df,
		.device = df->device,
		.bar_off = bar_off,
		.held = true,
	};
	return (void *)map;
}

/*
 * [addr, addr + len) is gone: a window unmapped whole drops its hold on the
 * device file; one cut keeps what is left (split in two if need be).
 */
void mmio_trap_unmap(uint64_t start, uint64_t len)
{
	uint64_t ps = umem_page_size(), end = start + ((len + ps - 1) & ~(ps - 1));

	for (unsigned int i = 0; i < g_nwindows;) {
		struct mmio_window *w = &g_windows[i];

		if (w->end <= start || w->start >= end) {
			i++;
			continue;
		}
		if (w->start < start && w->end > end &&
		    g_nwindows < MMIO_TRAP_MAX) {
			struct mmio_window tail = *w;

			tail.bar_off += end - w->start;
			tail.start = end;
			w->end = start;
			if (w->held) {
				w->df->refs++;
				vfio_device_file_mapped(w->df, getpid(), 1);
			}
			g_windows[g_nwindows++] = tail;
			i++;
		} else if (w->start < start) {
			w->end = start;
			i++;
		} else if (w->end > end) {
			w->bar_off += end - w->start;
			w->start = end;
			i++;
		} else {
			mmio_window_put(w);
			g_windows[i] = g_windows[--g_nwindows];
		}
	}
}

struct mmio_munmap_args {
	uint64_t addr, len;
};

static void mmio_trap_munmap_locked(void *arg)
{
	struct mmio_munmap_args *a = arg;

	mmio_trap_unmap(a->addr, a->len);
}

void mmio_trap_munmap(void *addr, size_t len)
{
	struct mmio_munmap_args a = { (uintptr_t)addr, len };

	if (!__atomic_load_n(&g_nwindows, __ATOMIC_RELAXED))
		return;
	iommufd_mock_call_locked(mmio_trap_munmap_locked, &a);
}
