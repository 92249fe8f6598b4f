// SPDX-License-Identifier: GPL-2.0
/*
 * Run mode: executes one sequence against whatever /dev/iommu this process
 * sees (the kernel's, or the mock's under LD_PRELOAD) and writes the
 * canonical trace: one line per op with its arguments as the sequence names
 * them (slots, buffers, IOVAs), the resolved ids, the return value and
 * errno name, and every output field. No address of this process appears:
 * the buffers live at the same fixed addresses in every run (gen.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <linux/iommufd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommufd_test.h"
#include "difftest.h"
#include "exec.h"


/* ---- text ---- */

void dt_text_printf(struct dt_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->cap + (size_t)n) * 2 + 256;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	t->len += (size_t)n;
}

void dt_text_free(struct dt_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* Every op's line goes out as soon as it ends: a crash keeps the prefix. */
void dt_exec_flush_line(struct dt_exec *x)
{
	size_t off = 0;

	dt_text_printf(&x->t, "\n");
	while (off < x->t.len) {
		ssize_t n = write(x->out_fd, x->t.s + off, x->t.len - off);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(3);
		}
		off += (size_t)n;
	}
	x->t.len = 0;
}

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* "= 0" or "= ENOENT": the canonical result of a call. */
void dt_exec_put_rc(struct dt_exec *x, int err)
{
	if (err)
		dt_text_printf(&x->t, " = %s", errname(err));
	else
		dt_text_printf(&x->t, " = 0");
}

/* The running op's enum dt_size_mode; the threads' ioctls run with 0. */
static unsigned int size_mode;

/*
 * Every iommufd ioctl struct starts with its __u32 size. Other than
 * DT_SIZE_EXACT, the struct goes in a copy whose size field says 4 bytes
 * less or 16 more (the tail zero, or with one non-zero byte), and what
 * the kernel wrote comes back.
 */
int dt_exec_ioctl_ret(int fd, unsigned long req, void *arg, long *ret)
{
	uint64_t buf[64];
	uint32_t size;
	int rc;

	*ret = 0;
	memcpy(&size, arg, sizeof(size));
	if (!size_mode || size + 16 > sizeof(buf)) {
		*ret = ioctl(fd, req, arg);
		return *ret < 0 ? errno : 0;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, arg, size);
	if (size_mode == DT_SIZE_LONG_DIRTY)
		((uint8_t *)buf)[size + 9] = 1;
	size = size_mode == DT_SIZE_SHORT ? size - 4 : size + 16;
	memcpy(buf, &size, sizeof(size));
	*ret = ioctl(fd, req, buf);
	rc = *ret < 0 ? errno : 0;
	memcpy(&size, arg, sizeof(size));
	memcpy(arg, buf, size);
	memcpy(arg, &size, sizeof(size));
	return rc;
}

int dt_exec_ioctl(int fd, unsigned long req, void *arg)
{
	long ret;

	return dt_exec_ioctl_ret(fd, req, arg, &ret);
}

/* ---- arguments ---- */

static const char *const ref_names[DT_REF_NR] = {
	[DT_REF_RAW] = "raw", [DT_REF_IOAS] = "ioas", [DT_REF_HWPT] = "hwpt",
	[DT_REF_DHWPT] = "dhwpt", [DT_REF_STDEV] = "stdev", [DT_REF_IDEV] = "idev",
	[DT_REF_VIOMMU] = "viommu", [DT_REF_VDEV] = "vdev", [DT_REF_VEVENTQ] = "veventq",
	[DT_REF_HWQ] = "hwq", [DT_REF_FAULT] = "fault",
};

uint32_t dt_exec_ref(struct dt_exec *x, uint16_t ref)
{
	unsigned int kind = ref >> 8, idx = ref & 0xff;
	uint32_t id;

	if (kind == DT_REF_RAW || kind >= DT_REF_NR) {
		dt_text_printf(&x->t, " id%u", idx);
		return idx;
	}
	id = x->ids[kind][idx % DT_SLOTS];
	if (!id)
		id = idx + 1;	/* never filled: a raw small id */
	dt_text_printf(&x->t, " %s%u=%u", ref_names[kind], idx, id);
	return id;
}

void dt_exec_put_id(struct dt_exec *x, unsigned int kind, unsigned int slot, uint32_t id)
{
	x->ids[kind][slot % DT_SLOTS] = id;
	if (id > x->max_id && id < 1u << 20)
		x->max_id = id;
	dt_text_printf(&x->t, " %s%u<-%u", ref_names[kind], slot, id);
}

uint64_t dt_exec_iova(struct dt_exec *x, const char *name, uint64_t code)
{
	uint64_t v = dt_iova_decode(code, x->iovas);

	dt_text_printf(&x->t, " %s=%#llx", name, (unsigned long long)v);
	return v;
}

uint64_t dt_exec_uptr(struct dt_exec *x, uint64_t code)
{
	unsigned int b = (unsigned int)(code >> 32);

	dt_text_printf(&x->t, " uptr=%s+%#x", dt_buf_name(b), (uint32_t)code);
	return dt_uptr_decode(code);
}

void dt_exec_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void dt_exec_put_len(struct dt_exec *x, long n, int err)
{
	if (n < 0)
		dt_exec_put_rc(x, err);
	else
		dt_text_printf(&x->t, " = %ld", n);
}

int dt_exec_fd(struct dt_exec *x, const struct dt_op *op)
{
	dt_text_printf(&x->t, " fd%u", op->fd);
	return x->fd[op->fd & 1];
}

void dt_exec_put_bytes(struct dt_exec *x, const char *name, const uint8_t *p, size_t n,
		      size_t max)
{
	size_t i;

	dt_text_printf(&x->t, " %s=", name);
	for (i = 0; i < n && i < max; i++)
		dt_text_printf(&x->t, "%02x", p[i]);
	if (n > max) {
		uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a of the rest */

		for (; i < n; i++)
			h = (h ^ p[i]) * 0x100000001b3ULL;
		dt_text_printf(&x->t, "..%016llx", (unsigned long long)h);
	}
}

/*
 * Eight bytes per step: under TCG the buffers' fill is a measurable share
 * of a sequence, byte by byte.
 */
static void fill_pattern(uint8_t *p, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if (n - i >= 8)
			memcpy(p + i, &seed, 8);
		else
			memcpy(p + i, &seed, n - i);
	}
}

/* ---- the buffers ---- */

/* The memfd stays open: IOAS_MAP_FILE maps it (exec_file.c). */
static void buf_map_all(struct dt_exec *x)
{
	int memfd = memfd_create("difftest", MFD_CLOEXEC);
	unsigned int b;

	if (memfd < 0 || ftruncate(memfd, (off_t)dt_buf_pages(DT_BUF_MEMFD) * 4096))
		_exit(3);
	for (b = 0; b < DT_NR_BUFS; b++) {
		size_t len = (size_t)dt_buf_pages(b) * 4096;
		/* Populated in one call: under TCG each page fault is costly. */
		int flags = MAP_FIXED_NOREPLACE | (b == DT_BUF_NONE ? 0 : MAP_POPULATE);
		int fd = -1;
		void *p;

		if (b == DT_BUF_MEMFD || b == DT_BUF_ALIAS) {
			flags |= MAP_SHARED;
			fd = memfd;
		} else {
			flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		}
		p = mmap((void *)dt_buf_base(b), len, PROT_READ | PROT_WRITE, flags, fd, 0);
		if (p != (void *)dt_buf_base(b)) {
			fprintf(stderr, "difftest: cannot map buffer %s at %#lx: %m\n",
				dt_buf_name(b), (unsigned long)dt_buf_base(b));
			_exit(3);
		}
		/*
		 * No transparent huge pages: the kernel's page tables would
		 * use physical contiguity the mock cannot see. Every page
		 * touched, so no pin meets the shared zero page.
		 */
		madvise(p, len, MADV_NOHUGEPAGE);
		if (b != DT_BUF_ALIAS && b != DT_BUF_NONE)
			fill_pattern(p, len, b + 1);
		if (b == DT_BUF_RDONLY)
			mprotect(p, len, PROT_READ);
		else if (b == DT_BUF_NONE)
			mprotect(p, len, PROT_NONE);
	}
	x->memfd = memfd;
}

/* ---- the ops ---- */

int dt_exec_test_cmd(int fd, struct iommu_test_cmd *cmd, unsigned int op, uint32_t id)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return dt_exec_ioctl(fd, IOMMU_TEST_CMD, cmd);
}

static void do_ioas_alloc(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int fd = dt_exec_fd(x, op), err = dt_exec_ioctl(fd, IOMMU_IOAS_ALLOC, &a);

	dt_text_printf(&x->t, " huge=%s", op->flags ? "off" : "on");
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_exec_put_id(x, DT_REF_IOAS, op->out, a.out_ioas_id);
	if (op->flags) {
		struct iommu_option o = { .size = sizeof(o),
					  .option_id = IOMMU_OPTION_HUGE_PAGES,
					  .op = IOMMU_OPTION_OP_SET,
					  .object_id = a.out_ioas_id };

		dt_text_printf(&x->t, " huge_off");
		dt_exec_put_rc(x, dt_exec_ioctl(fd, IOMMU_OPTION, &o));
	}
}

static void do_destroy(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_destroy d = { .size = sizeof(d) };
	int fd = dt_exec_fd(x, op);

	d.id = dt_exec_ref(x, op->ref[0]);
	dt_exec_put_rc(x, dt_exec_ioctl(fd, IOMMU_DESTROY, &d));
}

static void do_iova_ranges(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q) };
	int fd = dt_exec_fd(x, op), err;
	unsigned int i;

	memset(r, 0xa5, sizeof(r));
	q.ioas_id = dt_exec_ref(x, op->ref[0]);
	q.num_iovas = op->nr;
	q.allowed_iovas = (uintptr_t)r;
	dt_text_printf(&x->t, " cap=%u", op->nr);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q);
	dt_exec_put_rc(x, err);
	if (err && err != EMSGSIZE)
		return;
	dt_text_printf(&x->t, " num=%u align=%#llx", q.num_iovas,
		       (unsigned long long)q.out_iova_alignment);
	for (i = 0; i < q.num_iovas && i < op->nr; i++)
		dt_text_printf(&x->t, " [%#llx,%#llx]", (unsigned long long)r[i].start,
			       (unsigned long long)r[i].last);
}

static void do_allow_iovas(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_iova_range r[2];
	struct iommu_ioas_allow_iovas q = { .size = sizeof(q) };
	int fd = dt_exec_fd(x, op);

	q.ioas_id = dt_exec_ref(x, op->ref[0]);
	q.num_iovas = op->nr;
	q.allowed_iovas = (uintptr_t)r;
	r[0].start = dt_exec_iova(x, "start0", op->a);
	r[0].last = r[0].start + op->b - 1;
	r[1].start = dt_exec_iova(x, "start1", op->c);
	r[1].last = r[1].start + op->d - 1;
	dt_text_printf(&x->t, " n=%u len0=%#llx len1=%#llx", op->nr,
		       (unsigned long long)op->b, (unsigned long long)op->d);
	dt_exec_put_rc(x, dt_exec_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &q));
}

static void do_map(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_map m = { .size = sizeof(m), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	m.ioas_id = dt_exec_ref(x, op->ref[0]);
	m.iova = dt_exec_iova(x, "iova", op->a);
	m.length = op->b;
	m.user_va = dt_exec_uptr(x, op->c);
	dt_text_printf(&x->t, " len=%#llx flags=%#x", (unsigned long long)op->b, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_MAP, &m);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	x->iovas[op->out % DT_IOVA_SLOTS] = m.iova;
	dt_text_printf(&x->t, " iova%u<-%#llx", op->out, (unsigned long long)m.iova);
}

static void do_copy(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_copy c = { .size = sizeof(c), .flags = op->flags };
	int fd = dt_exec_fd(x, op), err;

	c.dst_ioas_id = dt_exec_ref(x, op->ref[0]);
	c.src_ioas_id = dt_exec_ref(x, op->ref[1]);
	c.src_iova = dt_exec_iova(x, "src", op->a);
	c.dst_iova = dt_exec_iova(x, "dst", op->c);
	c.length = op->b;
	dt_text_printf(&x->t, " len=%#llx flags=%#x", (unsigned long long)op->b, op->flags);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_COPY, &c);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	x->iovas[op->out % DT_IOVA_SLOTS] = c.dst_iova;
	dt_text_printf(&x->t, " iova%u<-%#llx", op->out, (unsigned long long)c.dst_iova);
}

static void do_unmap(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u) };
	int fd = dt_exec_fd(x, op), err;

	u.ioas_id = dt_exec_ref(x, op->ref[0]);
	u.iova = dt_exec_iova(x, "iova", op->a);
	u.length = op->b;
	dt_text_printf(&x->t, " len=%#llx", (unsigned long long)op->b);
	err = dt_exec_ioctl(fd, IOMMU_IOAS_UNMAP, &u);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " unmapped=%#llx", (unsigned long long)u.length);
}

static void do_option(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_option o = { .size = sizeof(o), .option_id = op->nr,
				  .op = (uint16_t)op->flags, .val64 = op->d };
	int fd = dt_exec_fd(x, op), err;

	o.object_id = dt_exec_ref(x, op->ref[0]);
	dt_text_printf(&x->t, " option=%u op=%s val=%llu", op->nr,
		       op->flags == IOMMU_OPTION_OP_SET ? "set" : "get",
		       (unsigned long long)op->d);
	err = dt_exec_ioctl(fd, IOMMU_OPTION, &o);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " out=%llu", (unsigned long long)o.val64);
}

static void do_mock_domain(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	uint32_t pt = dt_exec_ref(x, op->ref[0]);

	dt_text_printf(&x->t, " dev_flags=%#x", op->flags);
	c.mock_domain_flags.dev_flags = op->flags;
	err = dt_exec_test_cmd(fd, &c, op->flags ? IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS :
			       IOMMU_TEST_OP_MOCK_DOMAIN, pt);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	dt_exec_put_id(x, DT_REF_STDEV, op->out, c.mock_domain.out_stdev_id);
	dt_exec_put_id(x, DT_REF_DHWPT, op->out, c.mock_domain.out_hwpt_id);
	dt_exec_put_id(x, DT_REF_IDEV, op->out, c.mock_domain.out_idev_id);
}

static void do_mock_replace(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	uint32_t dev = dt_exec_ref(x, op->ref[0]);

	c.mock_domain_replace.pt_id = dt_exec_ref(x, op->ref[1]);
	err = dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, dev);
	dt_exec_put_rc(x, err);
	if (!err)
		dt_text_printf(&x->t, " pt_out=%u", c.mock_domain_replace.pt_id);
}

static void do_check_map(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	uint32_t hwpt = dt_exec_ref(x, op->ref[0]);

	c.check_map.iova = dt_exec_iova(x, "iova", op->a);
	c.check_map.length = op->b;
	c.check_map.uptr = dt_exec_uptr(x, op->c);
	dt_text_printf(&x->t, " len=%#llx", (unsigned long long)op->b);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt));
}

static void do_check_refs(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);

	c.check_refs.uptr = dt_exec_uptr(x, op->c);
	c.check_refs.length = op->b;
	c.check_refs.refs = (uint32_t)op->d;
	dt_text_printf(&x->t, " len=%#llx refs=%u", (unsigned long long)op->b, c.check_refs.refs);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_MD_CHECK_REFS, 0));
}

static void do_access_create(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	uint32_t ioas = dt_exec_ref(x, op->ref[0]);

	c.create_access.flags = op->flags;
	dt_text_printf(&x->t, " flags=%#x acc%u", op->flags, op->out & 1);
	err = dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_CREATE_ACCESS, ioas);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	if (x->acc_fd[op->out & 1] >= 0)
		close(x->acc_fd[op->out & 1]);
	x->acc_fd[op->out & 1] = (int)c.create_access.out_access_fd;
}

/* The access fd of slot nr: -1 (EBADF) when none was created. */
static int acc_fd(struct dt_exec *x, const struct dt_op *op)
{
	dt_text_printf(&x->t, " acc%u", op->nr & 1);
	return x->acc_fd[op->nr & 1];
}

static void do_access_pages(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	int afd = acc_fd(x, op);

	c.access_pages.flags = op->flags;
	c.access_pages.iova = dt_exec_iova(x, "iova", op->a);
	c.access_pages.length = op->b;
	c.access_pages.uptr = dt_exec_uptr(x, op->c);
	dt_text_printf(&x->t, " len=%#llx flags=%#x", (unsigned long long)op->b, op->flags);
	err = dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_ACCESS_PAGES, (uint32_t)afd);
	dt_exec_put_rc(x, err);
	if (err)
		return;
	x->acc_pages[op->out % DT_SLOTS] = c.access_pages.out_access_pages_id;
	dt_text_printf(&x->t, " pages%u<-%u", op->out, c.access_pages.out_access_pages_id);
}

static void do_access_unpin(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	int afd = acc_fd(x, op);

	c.destroy_access_pages.access_pages_id = x->acc_pages[op->out % DT_SLOTS];
	dt_text_printf(&x->t, " pages%u=%u", op->out, c.destroy_access_pages.access_pages_id);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, (uint32_t)afd));
}

static void do_access_rw(struct dt_exec *x, const struct dt_op *op)
{
	static uint8_t buf[9000];
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op), err;
	int afd = acc_fd(x, op);

	c.access_rw.iova = dt_exec_iova(x, "iova", op->a) + op->c;
	c.access_rw.length = op->b;
	c.access_rw.uptr = (uintptr_t)buf;
	c.access_rw.flags = op->flags;
	dt_text_printf(&x->t, " +%#llx len=%llu flags=%#x", (unsigned long long)op->c,
		       (unsigned long long)op->b, op->flags);
	memset(buf, 0x5a, sizeof(buf));
	if (op->flags & MOCK_ACCESS_RW_WRITE)
		fill_pattern(buf, sizeof(buf), op->d);
	err = dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_ACCESS_RW, (uint32_t)afd);
	dt_exec_put_rc(x, err);
	if (!err && !(op->flags & MOCK_ACCESS_RW_WRITE))
		dt_exec_put_bytes(x, "read", buf, op->b, 16);
}

static void do_access_close(struct dt_exec *x, const struct dt_op *op)
{
	int afd = acc_fd(x, op);

	dt_exec_put_rc(x, close(afd) ? errno : 0);
	x->acc_fd[op->nr & 1] = -1;
}

static void do_add_reserved(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	uint32_t ioas = dt_exec_ref(x, op->ref[0]);

	c.add_reserved.start = dt_exec_iova(x, "start", op->a);
	c.add_reserved.length = op->b;
	dt_text_printf(&x->t, " len=%#llx", (unsigned long long)op->b);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_ADD_RESERVED, ioas));
}

static void do_fd(struct dt_exec *x, const struct dt_op *op)
{
	int *fd = &x->fd[op->fd & 1], nfd;

	dt_text_printf(&x->t, " fd%u", op->fd & 1);
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	switch (op->kind) {
	case DT_FD_OPEN:
		nfd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		break;
	case DT_FD_DUP:
		nfd = x->fd[0] >= 0 ? fcntl(x->fd[0], F_DUPFD_CLOEXEC, 0) : -1;
		if (x->fd[0] < 0)
			errno = EBADF;
		break;
	default:
		dt_exec_put_rc(x, 0);
		return;
	}
	dt_exec_put_rc(x, nfd < 0 ? errno : 0);
	*fd = nfd;
}

static void do_buf_write(struct dt_exec *x, const struct dt_op *op)
{
	unsigned int b = (unsigned int)(op->c >> 32);
	uint64_t uptr = dt_exec_uptr(x, op->c);

	dt_text_printf(&x->t, " len=%#llx", (unsigned long long)op->b);
	/* Only the writeable buffers; the others would take SIGSEGV. */
	if (b != DT_BUF_ANON && b != DT_BUF_MEMFD && b != DT_BUF_ALIAS) {
		dt_text_printf(&x->t, " = skipped");
		return;
	}
	if ((uint32_t)op->c + op->b > (uint64_t)dt_buf_pages(b) * 4096)
		dt_text_printf(&x->t, " = skipped");
	else
		fill_pattern((uint8_t *)(uintptr_t)uptr, op->b, op->d), dt_exec_put_rc(x, 0);
}

/*
 * Threads: each maps and unmaps pages of its own IOVA window of one IOAS,
 * concurrently; their results do not depend on the interleaving, so each
 * thread records them and the trace prints them after the join, in thread
 * order.
 */
struct dt_thread {
	pthread_t tid;
	int fd;
	uint32_t ioas;
	uint64_t iova;
	unsigned int idx;
	int err[6];	/* four maps, then unmaps of the first and third */
};

static void *thread_main(void *arg)
{
	struct dt_thread *t = arg;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct iommu_ioas_map m = {
			.size = sizeof(m), .ioas_id = t->ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.user_va = dt_buf_base(DT_BUF_ANON) + (t->idx * 8 + i) * 4096,
			.length = 4096, .iova = t->iova + i * 0x2000,
		};
		t->err[i] = dt_exec_ioctl(t->fd, IOMMU_IOAS_MAP, &m);
	}
	for (i = 0; i < 2; i++) {
		struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = t->ioas,
					      .iova = t->iova + i * 0x4000, .length = 4096 };
		t->err[4 + i] = dt_exec_ioctl(t->fd, IOMMU_IOAS_UNMAP, &u);
	}
	return NULL;
}

static void do_threads(struct dt_exec *x, const struct dt_op *op)
{
	struct dt_thread th[3];
	unsigned int n = op->nr > 3 ? 3 : op->nr, i, j;
	int fd = dt_exec_fd(x, op);
	uint32_t ioas = dt_exec_ref(x, op->ref[0]);
	uint64_t base = dt_exec_iova(x, "base", op->a);

	size_mode = DT_SIZE_EXACT;
	for (i = 0; i < n; i++) {
		th[i] = (struct dt_thread){ .fd = fd, .ioas = ioas, .idx = i,
					    .iova = base + i * 0x100000 };
		if (pthread_create(&th[i].tid, NULL, thread_main, &th[i]))
			_exit(3);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i].tid, NULL);
	dt_text_printf(&x->t, " n=%u", n);
	for (i = 0; i < n; i++) {
		dt_text_printf(&x->t, " t%u:map", i);
		for (j = 0; j < 6; j++)
			dt_text_printf(&x->t, "%s%s", j == 4 ? ":unmap," : ",",
				       th[i].err[j] ? errname(th[i].err[j]) : "0");
	}
}

static void do_access_replace(struct dt_exec *x, const struct dt_op *op)
{
	struct iommu_test_cmd c = { 0 };
	int fd = dt_exec_fd(x, op);
	int afd = acc_fd(x, op);

	c.access_replace_ioas.ioas_id = dt_exec_ref(x, op->ref[0]);
	dt_exec_put_rc(x, dt_exec_test_cmd(fd, &c, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, (uint32_t)afd));
}

static void run_op(struct dt_exec *x, const struct dt_seq *seq, unsigned int *i);

/*
 * Fork: the next nr ops run in a child on the inherited fds; its lines come
 * back through a pipe and are printed indented, then the parent goes on
 * after them. The kernel shares one context between the two (one struct
 * file); the mock gives the child a copy (its README, "fork").
 */
static void do_fork(struct dt_exec *x, const struct dt_seq *seq, unsigned int *i)
{
	const struct dt_op *op = &seq->ops[*i];
	unsigned int end = *i + 1 + op->nr, j;
	int p[2], status;
	pid_t pid;
	char buf[4096];
	ssize_t n;

	if (end > seq->nr)
		end = seq->nr;
	dt_text_printf(&x->t, " ops=%u", end - *i - 1);
	dt_exec_flush_line(x);
	if (pipe(p))
		_exit(3);
	pid = fork();
	if (pid < 0)
		_exit(3);
	if (pid == 0) {
		close(p[0]);
		x->out_fd = p[1];
		for (j = *i + 1; j < end; j++) {
			dt_text_printf(&x->t, "  child ");
			run_op(x, seq, &j);
		}
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		dt_text_printf(&x->t, "%.*s", (int)n, buf);
	close(p[0]);
	waitpid(pid, &status, 0);
	dt_text_printf(&x->t, "%02u fork_end status=%#x", seq->orig[*i], status);
	*i = end - 1;
}

static void run_op(struct dt_exec *x, const struct dt_seq *seq, unsigned int *i)
{
	const struct dt_op *op = &seq->ops[*i];

	static const char *const sizes[] = { "", " size=short", " size=long0", " size=long1" };

	dt_text_printf(&x->t, "%02u %s%s", seq->orig[*i], dt_op_name(op->kind),
		       sizes[op->size_mode & 3]);
	size_mode = op->size_mode & 3;
	switch (op->kind) {
	case DT_IOAS_ALLOC: do_ioas_alloc(x, op); break;
	case DT_DESTROY: do_destroy(x, op); break;
	case DT_IOVA_RANGES: do_iova_ranges(x, op); break;
	case DT_ALLOW_IOVAS: do_allow_iovas(x, op); break;
	case DT_MAP: do_map(x, op); break;
	case DT_COPY: do_copy(x, op); break;
	case DT_UNMAP: do_unmap(x, op); break;
	case DT_OPTION: do_option(x, op); break;
	case DT_HWPT_ALLOC: dt_exec_hwpt_alloc(x, op); break;
	case DT_MOCK_DOMAIN: do_mock_domain(x, op); break;
	case DT_MOCK_REPLACE: do_mock_replace(x, op); break;
	case DT_CHECK_MAP: do_check_map(x, op); break;
	case DT_CHECK_REFS: do_check_refs(x, op); break;
	case DT_ACCESS_CREATE: do_access_create(x, op); break;
	case DT_ACCESS_PAGES: do_access_pages(x, op); break;
	case DT_ACCESS_UNPIN: do_access_unpin(x, op); break;
	case DT_ACCESS_RW: do_access_rw(x, op); break;
	case DT_ACCESS_CLOSE: do_access_close(x, op); break;
	case DT_SET_DIRTY: dt_exec_set_dirty(x, op); break;
	case DT_GET_DIRTY: dt_exec_get_dirty(x, op); break;
	case DT_TEST_DIRTY: dt_exec_test_dirty(x, op); break;
	case DT_ADD_RESERVED: do_add_reserved(x, op); break;
	case DT_FD_OPEN: case DT_FD_DUP: case DT_FD_CLOSE: do_fd(x, op); break;
	case DT_BUF_WRITE: do_buf_write(x, op); break;
	case DT_THREADS: do_threads(x, op); break;
	case DT_FORK: do_fork(x, seq, i); break;
	case DT_HW_INFO: dt_exec_hw_info(x, op); break;
	case DT_INVALIDATE: dt_exec_invalidate(x, op); break;
	case DT_CHECK_IOTLB: dt_exec_check_iotlb(x, op); break;
	case DT_ACCESS_REPLACE: do_access_replace(x, op); break;
	case DT_VIOMMU_ALLOC: case DT_VIOMMU_MMAP: case DT_VIOMMU_MUNMAP:
	case DT_VDEVICE_ALLOC: case DT_VEVENTQ_ALLOC: case DT_VEVENTQ_READ:
	case DT_VEVENTQ_CLOSE: case DT_TRIGGER_VEVENT: case DT_HW_QUEUE_ALLOC:
	case DT_DEV_CHECK_CACHE: case DT_PASID:
		dt_exec_viommu(x, op);
		break;
	case DT_FAULT_ALLOC: case DT_TRIGGER_IOPF: case DT_FAULT_READ:
	case DT_FAULT_WRITE: case DT_FAULT_CLOSE:
		dt_exec_fault(x, op);
		break;
	case DT_DMABUF_GET: case DT_DMABUF_REVOKE: case DT_MAP_FILE:
	case DT_CHANGE_PROCESS: case DT_NOIOMMU_GET_PA:
		dt_exec_file(x, op);
		break;
	case DT_VFIO_IOAS: case DT_VFIO_CHECK: case DT_VFIO_SET_IOMMU:
	case DT_VFIO_GET_INFO: case DT_VFIO_MAP: case DT_VFIO_UNMAP:
		dt_exec_vfio(x, op);
		break;
	}
	size_mode = DT_SIZE_EXACT;
	dt_exec_flush_line(x);
}

int dt_seq_run(const struct dt_seq *seq, int out_fd, int audit)
{
	struct dt_exec x = { .fd = { -1, -1 }, .acc_fd = { -1, -1 }, .out_fd = out_fd,
			     .veventq_fd = { -1, -1, -1, -1 }, .fault_fd = { -1, -1, -1, -1 },
			     .dmabuf_fd = { -1, -1 }, .memfd = -1, .hugetlb_fd = -1 };
	unsigned int i, fds = audit ? dt_exec_fd_count() : 0;

	buf_map_all(&x);
	x.fd[0] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	dt_text_printf(&x.t, "-- open fd0");
	dt_exec_put_rc(&x, x.fd[0] < 0 ? errno : 0);
	dt_exec_flush_line(&x);
	dt_exec_files_open(&x);
	dt_exec_flush_line(&x);
	for (i = 0; i < seq->nr; i++)
		run_op(&x, seq, &i);
	if (audit)
		dt_exec_audit(&x, fds);
	dt_text_free(&x.t);
	return 0;
}
