// SPDX-License-Identifier: GPL-2.0
/*
 * What a run exercised and what the kernel may answer.
 *
 * The per-op count: every op line of the reference side's traces, by op
 * name, how often it ran, how often it succeeded and each errno it got,
 * printed at the end of a run (which ioctls and test ops a run reached).
 *
 * The errno table (--kernel-only's oracle without a mock): one row per op
 * of the grammar, the errnos the kernel's source can return for it beyond
 * those every ioctl may answer (main.c iommufd_fops_ioctl(): ENOTTY for a
 * number it does not know, EINVAL below the struct's first version,
 * E2BIG for non-zero bytes past it, EFAULT for the copy, ENOMEM; an
 * unknown IOMMU_TEST_CMD op is EOPNOTSUPP, selftest.c iommufd_test()).
 * EBADF comes with every call that takes a descriptor: the sequence may
 * have closed the fd slot it names (ioctl(2), read(2), ...).
 * Each row names the functions that return them, in Linux 7.3 unless
 * said; 6.12 returns a subset of each (its handlers are older forms of
 * the same functions). An errno outside a row is a finding: either the
 * kernel answers something its source does not say, or the row is wrong
 * (the finding's evidence decides, then the row changes with its source).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

#define DT_COMMON "EBADF ENOTTY EINVAL E2BIG EFAULT ENOMEM"
#define DT_TEST DT_COMMON " EOPNOTSUPP"
/*
 * Attaching a device to a page table: io_pagetable.c
 * iopt_table_enforce_dev_resv_regions() -> iopt_reserve_iova() and
 * iopt_check_iova_alignment() refuse with EADDRINUSE a device whose
 * reserved regions or IOVA alignment clash with what is mapped.
 */
#define DT_ATTACH " ENOENT EBUSY ENODEV EADDRINUSE"

static const struct dt_errno_row {
	const char *op, *call, *errnos, *source;
} errno_table[] = {
	{ "ioas_alloc", "IOMMU_IOAS_ALLOC", DT_COMMON, "ioas.c iommufd_ioas_alloc_ioctl()" },
	{ "destroy", "IOMMU_DESTROY", DT_COMMON " ENOENT EBUSY",
	  "main.c iommufd_destroy() -> iommufd_object_remove(): ENOENT no object, EBUSY users" },
	{ "iova_ranges", "IOMMU_IOAS_IOVA_RANGES", DT_COMMON " ENOENT EMSGSIZE",
	  "ioas.c iommufd_ioas_iova_ranges(): EMSGSIZE when num_iovas is short" },
	{ "allow_iovas", "IOMMU_IOAS_ALLOW_IOVAS", DT_COMMON " ENOENT EADDRINUSE EOVERFLOW",
	  "ioas.c iommufd_ioas_allow_iovas(), io_pagetable.c iopt_set_allow_iova(): "
	  "EADDRINUSE for a mapped area outside the new ranges" },
	{ "map", "IOMMU_IOAS_MAP", DT_COMMON " ENOENT EEXIST ENOSPC EOVERFLOW EPERM EBUSY EADDRINUSE",
	  "ioas.c iommufd_ioas_map(), io_pagetable.c iopt_map_user_pages()/iopt_alloc_iova()/"
	  "iopt_insert_area(), pages.c pfn_reader_user_pin() (EFAULT from GUP)" },
	{ "copy", "IOMMU_IOAS_COPY", DT_COMMON " ENOENT EEXIST ENOSPC EOVERFLOW EPERM EBUSY EADDRINUSE",
	  "ioas.c iommufd_ioas_copy(), io_pagetable.c iopt_get_pages()/iopt_map_pages()" },
	{ "unmap", "IOMMU_IOAS_UNMAP", DT_COMMON " ENOENT EBUSY EOVERFLOW",
	  "ioas.c iommufd_ioas_unmap(), io_pagetable.c iopt_unmap_iova_range(): ENOENT "
	  "nothing or a cut area, EBUSY an area a HW queue or access locks" },
	{ "option", "IOMMU_OPTION", DT_COMMON " ENOENT EOPNOTSUPP EPERM EBUSY EADDRINUSE",
	  "main.c iommufd_option(), iommufd_option_rlimit_mode() (EPERM without "
	  "CAP_SYS_RESOURCE, EBUSY with objects), ioas.c iommufd_ioas_option() -> "
	  "io_pagetable.c iopt_disable_large_pages() -> iopt_calculate_iova_alignment() "
	  "(EADDRINUSE an area not aligned to the new alignment)" },
	{ "hwpt_alloc", "IOMMU_HWPT_ALLOC", DT_COMMON DT_ATTACH " EOPNOTSUPP EEXIST",
	  "hw_pagetable.c iommufd_hwpt_alloc(), iommufd_hwpt_paging_alloc(), "
	  "iommufd_hwpt_nested_alloc(), iommufd_viommu_alloc_hwpt_nested(); "
	  "selftest.c mock_domain_alloc_paging_flags()/mock_domain_alloc_nested()" },
	{ "mock_domain", "IOMMU_TEST_OP_MOCK_DOMAIN(_FLAGS)", DT_TEST DT_ATTACH,
	  "selftest.c iommufd_test_mock_domain(), device.c iommufd_device_bind()/attach()" },
	{ "mock_replace", "IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE", DT_TEST DT_ATTACH,
	  "selftest.c iommufd_test_mock_domain_replace(), device.c iommufd_device_replace()" },
	{ "md_check_map", "IOMMU_TEST_OP_MD_CHECK_MAP", DT_TEST " ENOENT",
	  "selftest.c iommufd_test_md_check_pa()" },
	{ "md_check_refs", "IOMMU_TEST_OP_MD_CHECK_REFS", DT_TEST " EIO",
	  "selftest.c iommufd_test_md_check_refs(): EIO a count differs, GUP errors" },
	{ "access_create", "IOMMU_TEST_OP_CREATE_ACCESS", DT_TEST " ENOENT EMFILE EADDRINUSE",
	  "selftest.c iommufd_test_create_access(), device.c iommufd_access_create(), "
	  "io_pagetable.c iopt_add_access() -> iopt_calculate_iova_alignment() -> "
	  "iopt_check_iova_alignment(): EADDRINUSE an area not aligned to the PAGE_SIZE "
	  "an access that pins pages needs" },
	{ "access_pages", "IOMMU_TEST_OP_ACCESS_PAGES",
	  DT_TEST " EBADFD ENOENT EOVERFLOW EBUSY EBADE EPERM",
	  "selftest.c iommufd_test_access_pages() (EBADF/EBADFD no access fd, "
	  "iommufd_test_check_pages(): EBADE pages not the user's, "
	  "iommufd_access_get()), device.c iommufd_access_pin_pages() (EPERM a write "
	  "pin of an area mapped without IOMMU_WRITE), pages.c iopt_area_add_access()" },
	{ "access_unpin", "IOMMU_TEST_OP_DESTROY_ACCESS_PAGES", DT_TEST " EBADFD ENOENT",
	  "selftest.c iommufd_test_access_item_destroy()" },
	{ "access_rw", "IOMMU_TEST_OP_ACCESS_RW", DT_TEST " EBADFD ENOENT EOVERFLOW EPERM",
	  "selftest.c iommufd_test_access_rw(), device.c iommufd_access_rw() (EPERM a "
	  "write to an area without IOMMU_WRITE), pages.c iopt_pages_rw_access()" },
	{ "access_close", "close() of an access fd", "EBADF", "close(2)" },
	{ "access_replace", "IOMMU_TEST_OP_ACCESS_REPLACE_IOAS",
	  DT_TEST " EBADFD ENOENT EBUSY EADDRINUSE",
	  "selftest.c iommufd_test_access_replace_ioas(), device.c iommufd_access_replace() "
	  "-> iommufd_access_change_ioas() -> io_pagetable.c iopt_add_access() (as CREATE_ACCESS)" },
	{ "set_dirty", "IOMMU_HWPT_SET_DIRTY_TRACKING", DT_COMMON " ENOENT EOPNOTSUPP",
	  "hw_pagetable.c iommufd_hwpt_set_dirty_tracking()" },
	{ "get_dirty", "IOMMU_HWPT_GET_DIRTY_BITMAP", DT_COMMON " ENOENT EOPNOTSUPP EOVERFLOW",
	  "hw_pagetable.c iommufd_hwpt_get_dirty_bitmap(), io_pagetable.c "
	  "iopt_read_and_clear_dirty_data(), iova_bitmap.c" },
	{ "test_dirty", "IOMMU_TEST_OP_DIRTY", DT_TEST " ENOENT", "selftest.c iommufd_test_dirty()" },
	{ "add_reserved", "IOMMU_TEST_OP_ADD_RESERVED", DT_TEST " ENOENT EADDRINUSE EOVERFLOW",
	  "selftest.c iommufd_test_add_reserved(), io_pagetable.c iopt_reserve_iova()" },
	{ "fd_open", "open(\"/dev/iommu\")", "EMFILE ENOMEM", "open(2)" },
	{ "fd_dup", "fcntl(F_DUPFD_CLOEXEC)", "EBADF EMFILE", "fcntl(2)" },
	{ "fd_close", "close()", "EBADF", "close(2)" },
	{ "buf_write", "a CPU write", "", "" },
	{ "hw_info", "IOMMU_GET_HW_INFO", DT_COMMON " ENOENT EOPNOTSUPP",
	  "device.c iommufd_get_hw_info(), selftest.c mock_domain_hw_info()" },
	{ "invalidate", "IOMMU_HWPT_INVALIDATE", DT_COMMON " ENOENT EOPNOTSUPP",
	  "hw_pagetable.c iommufd_hwpt_invalidate(), selftest.c "
	  "mock_hwpt_cache_invalidate_user()/mock_viommu_cache_invalidate()" },
	{ "md_check_iotlb", "IOMMU_TEST_OP_MD_CHECK_IOTLB", DT_TEST " ENOENT",
	  "selftest.c iommufd_test_md_check_iotlb()" },
	{ "viommu_alloc", "IOMMU_VIOMMU_ALLOC", DT_COMMON " ENOENT EOPNOTSUPP",
	  "viommu.c iommufd_viommu_alloc_ioctl(), selftest.c mock_viommu_init()" },
	{ "viommu_mmap", "mmap() of a vIOMMU window", "EBADF EINVAL EPERM ENXIO ENODEV ENOMEM",
	  "main.c iommufd_fops_mmap() (6.12's fops have no mmap: ENODEV from mmap(2))" },
	{ "viommu_munmap", "munmap()", "EINVAL", "munmap(2)" },
	{ "vdevice_alloc", "IOMMU_VDEVICE_ALLOC", DT_COMMON " ENOENT EEXIST EOPNOTSUPP EBUSY",
	  "viommu.c iommufd_vdevice_alloc_ioctl(), selftest.c mock_vdevice_init()" },
	{ "veventq_alloc", "IOMMU_VEVENTQ_ALLOC", DT_COMMON " ENOENT EOPNOTSUPP EEXIST EMFILE",
	  "eventq.c iommufd_veventq_alloc(), iommufd_eventq_init()" },
	{ "veventq_read", "read() of a vEVENTQ", "EINVAL EFAULT",
	  "eventq.c iommufd_veventq_fops_read()" },
	{ "veventq_close", "close() of a vEVENTQ", "EBADF", "close(2)" },
	{ "trigger_vevent", "IOMMU_TEST_OP_TRIGGER_VEVENT", DT_TEST " ENOENT",
	  "selftest.c iommufd_test_trigger_vevent(), driver.c iommufd_viommu_report_event()" },
	{ "hw_queue_alloc", "IOMMU_HW_QUEUE_ALLOC",
	  DT_COMMON " ENOENT EOPNOTSUPP EEXIST EIO EBUSY EOVERFLOW ERANGE EADDRINUSE",
	  "viommu.c iommufd_hw_queue_alloc_ioctl(), iommufd_hw_queue_alloc_phys() -> "
	  "iommufd_access_attach_internal() -> io_pagetable.c iopt_add_access() "
	  "(EADDRINUSE as CREATE_ACCESS), selftest.c mock_hw_queue_init_phys() (EEXIST, EIO)" },
	{ "dev_check_cache", "IOMMU_TEST_OP_DEV_CHECK_CACHE", DT_TEST " ENOENT",
	  "selftest.c iommufd_test_dev_check_cache()" },
	{ "pasid", "IOMMU_TEST_OP_PASID_ATTACH/REPLACE/DETACH/CHECK_HWPT",
	  DT_TEST DT_ATTACH " EEXIST",
	  "selftest.c iommufd_test_pasid_attach()..check_hwpt(), device.c "
	  "iommufd_device_attach()/replace() with a pasid" },
	{ "fault_alloc", "IOMMU_FAULT_QUEUE_ALLOC", DT_COMMON " EOPNOTSUPP EMFILE",
	  "eventq.c iommufd_fault_alloc()" },
	{ "trigger_iopf", "IOMMU_TEST_OP_TRIGGER_IOPF", DT_TEST " ENOENT",
	  "selftest.c iommufd_test_trigger_iopf()" },
	{ "fault_read", "read() of a fault queue", "ESPIPE EINVAL EFAULT ENOMEM",
	  "eventq.c iommufd_fault_fops_read()" },
	{ "fault_write", "write() of page responses", "ESPIPE EINVAL EFAULT",
	  "eventq.c iommufd_fault_fops_write()" },
	{ "fault_close", "close() of a fault queue", "EBADF", "close(2)" },
	{ "dmabuf_get", "IOMMU_TEST_OP_DMABUF_GET", DT_TEST, "selftest.c iommufd_test_dmabuf_get()" },
	{ "dmabuf_revoke", "IOMMU_TEST_OP_DMABUF_REVOKE", DT_TEST " EBADF",
	  "selftest.c iommufd_test_dmabuf_revoke()" },
	{ "map_file", "IOMMU_IOAS_MAP_FILE",
	  DT_COMMON " ENOENT EEXIST ENOSPC EOVERFLOW EPERM EBUSY EADDRINUSE EBADF ENODEV EOPNOTSUPP",
	  "ioas.c iommufd_ioas_map_file(), io_pagetable.c iopt_map_file_pages(), pages.c "
	  "iopt_alloc_file_pages()/iopt_alloc_dmabuf_pages() (ENODEV revoked)" },
	{ "change_process", "IOMMU_IOAS_CHANGE_PROCESS", DT_COMMON " EOPNOTSUPP EBUSY",
	  "ioas.c iommufd_ioas_change_process(): EOPNOTSUPP __reserved, EBUSY an area "
	  "not yet pinned, EINVAL an area not of a file, ENOMEM the new charge" },
	{ "noiommu_get_pa", "IOMMU_IOAS_NOIOMMU_GET_PA", DT_COMMON " ENOENT EOPNOTSUPP",
	  "ioas.c iommufd_ioas_noiommu_get_pa() (EOPNOTSUPP without CONFIG_IOMMUFD_NOIOMMU)" },
	{ "vfio_ioas", "IOMMU_VFIO_IOAS", DT_COMMON " ENOENT ENODEV EOPNOTSUPP",
	  "vfio_compat.c iommufd_vfio_ioas()" },
	{ "vfio_check", "VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION", "EBADF ENOTTY ENODEV",
	  "vfio_compat.c iommufd_vfio_ioctl(), iommufd_vfio_check_extension(): "
	  "VFIO_DMA_CC_IOMMU asks iommufd_vfio_cc_iommu(), ENODEV without a compat IOAS" },
	{ "vfio_set_iommu", "VFIO_SET_IOMMU", "EBADF ENOTTY EINVAL ENODEV EPERM ENOMEM",
	  "vfio_compat.c iommufd_vfio_set_iommu()" },
	{ "vfio_get_info", "VFIO_IOMMU_GET_INFO", "EBADF ENOTTY EINVAL ENODEV EFAULT ENOMEM",
	  "vfio_compat.c iommufd_vfio_iommu_get_info()" },
	{ "vfio_map", "VFIO_IOMMU_MAP_DMA",
	  "EBADF ENOTTY EINVAL ENODEV EFAULT ENOMEM EEXIST ENOSPC EOVERFLOW EPERM EBUSY EADDRINUSE ENOENT",
	  "vfio_compat.c iommufd_vfio_map_dma(), then IOMMU_IOAS_MAP's iopt_map_user_pages()" },
	{ "vfio_unmap", "VFIO_IOMMU_UNMAP_DMA",
	  "EBADF ENOTTY EINVAL ENODEV EFAULT ENOENT EBUSY EOPNOTSUPP EOVERFLOW",
	  "vfio_compat.c iommufd_vfio_unmap_dma(), io_pagetable.c iopt_unmap_iova() "
	  "(EOVERFLOW iova + size wraps)" },
};

#define DT_NR_ROWS (sizeof(errno_table) / sizeof(errno_table[0]))

static const struct dt_errno_row *row_of(const char *op)
{
	unsigned int i;

	for (i = 0; i < DT_NR_ROWS; i++)
		if (!strcmp(errno_table[i].op, op))
			return &errno_table[i];
	return NULL;
}

/*
 * An op line: "NN name[ size=...] ... = RESULT ...", maybe after "  child ";
 * RESULT "-" for an op that prints no single result (threads, fork).
 */
int dt_trace_op(const char *line, char *name, size_t nlen, char *res, size_t rlen)
{
	const char *p = line, *eq;
	size_t n;

	while (*p == ' ')
		p++;
	if (!strncmp(p, "child ", 6))
		p += 6;
	if (p[0] < '0' || p[0] > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	snprintf(name, nlen, "%.*s", (int)n, p);
	eq = strstr(p, " = ");
	if (!eq) {
		/* threads and fork print their own results, no "= " */
		snprintf(res, rlen, "-");
		return 1;
	}
	eq += 3;
	n = strcspn(eq, " ");
	snprintf(res, rlen, "%.*s", (int)n, eq);
	return 1;
}

const char *dt_errno_unexpected(const char *name, const char *res, const char **why)
{
	const struct dt_errno_row *row = row_of(name);
	const char *p;
	size_t n = strlen(res);

	*why = NULL;
	if (res[0] != 'E')	/* 0, a byte count, "nofd", "skipped": not an errno */
		return NULL;
	if (!row) {
		*why = "no row in the errno table";
		return "stats.c errno_table";
	}
	for (p = row->errnos; (p = strstr(p, res)); p += n)
		if ((p == row->errnos || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return NULL;
	*why = row->call;
	return row->source;
}

/* ---- the per-op count ---- */

#define DT_STATS_ERRNOS 8

struct dt_op_stats {
	struct {
		unsigned long runs, ok;
		char err[DT_STATS_ERRNOS][32];
		unsigned long nerr[DT_STATS_ERRNOS];
	} op[DT_NR_KINDS];
};

struct dt_op_stats *dt_stats_new(void)
{
	struct dt_op_stats *st = calloc(1, sizeof(*st));

	if (!st)
		abort();
	return st;
}

static int kind_of(const char *name)
{
	unsigned int k;

	for (k = 0; k < DT_NR_KINDS; k++)
		if (!strcmp(dt_op_name(k), name))
			return (int)k;
	return -1;
}

void dt_stats_add(struct dt_op_stats *st, const struct dt_trace *t)
{
	char name[32], res[32];
	unsigned int i, e;
	int k;

	if (!st)
		return;
	for (i = 0; i < t->nr; i++) {
		if (!dt_trace_op(t->line[i], name, sizeof(name), res, sizeof(res)))
			continue;
		k = kind_of(name);
		if (k < 0)
			continue;
		st->op[k].runs++;
		if (res[0] != 'E') {
			st->op[k].ok++;
			continue;
		}
		for (e = 0; e < DT_STATS_ERRNOS; e++) {
			if (!st->op[k].err[e][0])
				snprintf(st->op[k].err[e], sizeof(st->op[k].err[e]), "%s", res);
			if (!strcmp(st->op[k].err[e], res)) {
				st->op[k].nerr[e]++;
				break;
			}
		}
	}
}

/* One line per op of the grammar, those never run included. */
void dt_stats_print(const struct dt_op_stats *st)
{
	unsigned int k, e;

	if (!st)
		return;
	printf("difftest: per op (the reference side): runs, successes (not an errno), errnos\n");
	for (k = 0; k < DT_NR_KINDS; k++) {
		printf("difftest:   %-16s %7lu %7lu", dt_op_name(k), st->op[k].runs, st->op[k].ok);
		for (e = 0; e < DT_STATS_ERRNOS && st->op[k].err[e][0]; e++)
			printf(" %s:%lu", st->op[k].err[e], st->op[k].nerr[e]);
		printf("\n");
	}
}
