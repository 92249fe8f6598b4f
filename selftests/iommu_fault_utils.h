/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The witnesses of a DMA the IOMMU refused, whichever driver runs it.
 *
 *  1. Memory, first and always: the bytes behind the IOVA did not change.
 *     The caller compares them; the device itself says nothing (QEMU's edu
 *     has no error status, edu_dma()).
 *  2. The driver's fault log, where it keeps one: each IOMMU driver reports
 *     a refused DMA in the kernel log with a line of its own, whose format
 *     differs between drivers and, for VT-d, between kernels. The table
 *     below has one entry per driver: its line pattern, how a line names
 *     the device and the address, and which refusals it does not log at
 *     all (measured under QEMU 7.2), where the memory witness alone
 *     decides and the test says so.
 *
 * A test provokes a fault between two markers it writes to /dev/kmsg, the
 * begin marker naming the driver. scripts/dmesg-check allows a driver's fault
 * lines only inside a bracket that names that driver and fails the run on
 * any other. It reads the markers and the patterns from this file: keep each
 * IOMMU_FAULT_KMSG_* and IOMMU_FAULT_RE_* definition on one line, a plain
 * string; the patterns are POSIX EREs written without backslashes ("[[]"
 * is a literal '['), so C and awk read them alike.
 *
 * Functions return 0 or a negative errno, unless they say otherwise.
 */
#ifndef IOMMUFD_HARNESS_IOMMU_FAULT_UTILS_H
#define IOMMUFD_HARNESS_IOMMU_FAULT_UTILS_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/times.h>
#include <unistd.h>
#include <linux/types.h>

#include "pci_utils.h"

#define IOMMU_FAULT_KMSG_BEGIN "iommufd-harness: expect-iommu-fault begin"
#define IOMMU_FAULT_KMSG_END "iommufd-harness: expect-iommu-fault end"
#define IOMMU_FAULT_KMSG_WINDOW "iommufd-harness: iommu fault ratelimit window expired"
#define IOMMU_FAULT_WAIT_MS 3000
/* The drivers' printk ratelimit, see iommu_fault_begin(). */
#define IOMMU_FAULT_RATELIMIT_BURST 10
#define IOMMU_FAULT_RATELIMIT_S 5
#define IOMMU_FAULT_COUNT_US (3 * IOMMU_FAULT_RATELIMIT_S * 1000000LL)

/*
 * Each driver's fault lines, on 6.12 and 7.3:
 * - VT-d, dmar_fault_do_one() and dmar_fault() (drivers/iommu/intel/dmar.c:
 *   6.12:1921-2035, 7.3:1963-2080): "DMAR: [DMA Write NO_PASID] Request
 *   device [00:0b.0] fault addr 0x200000 [fault reason 0x05] PTE Write
 *   access is not set", 7.x naming the device "[0000:00:0b.0]" (the PCI
 *   segment was added); before it "DMAR: DRHD: handling fault status ...".
 * - AMD-Vi, amd_iommu_report_page_fault() (drivers/iommu/amd/iommu.c:
 *   6.12:848-895, 7.3:860-909, the same text): "vfio-pci 0000:00:0b.0:
 *   AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0x200000
 *   flags=0x0020]", or "AMD-Vi: Event logged [IO_PAGE_FAULT
 *   device=0000:00:0b.0 ...]" for a device the driver does not know.
 * - virtio-iommu, viommu_fault_handler() (drivers/iommu/virtio-iommu.c:
 *   6.12:576-610, 7.3:593-627, the same text): "virtio_iommu virtio0: page
 *   fault from EP 96 at 0x300000 [W]" (measured, edu at 00:0c.0); the
 *   endpoint is the device's PCI requester id (QEMU's VIOT table maps each
 *   PCI function to the endpoint of its bus/devfn), the letters are empty
 *   unless a permission faulted.
 * Each IOMMU_FAULT_RE_<NAME> belongs to the table entry whose .name is
 * <NAME> in lower case: dmesg-check pairs them, and the begin marker names
 * the driver by that .name.
 */
#define IOMMU_FAULT_RE_INTEL "DMAR: [[]DMA (Read|Write)|DMAR: DRHD: handling fault"
#define IOMMU_FAULT_RE_AMD "AMD-Vi: Event logged [[]IO_PAGE_FAULT"
#define IOMMU_FAULT_RE_VIRTIO "(page|domain|unknown) fault from EP [0-9]+"
/*
 * The userspace mock's IOMMU in front of its VFIO devices (tools/mock,
 * pci_iommu.c) keeps no kernel log: it appends one line per refused page
 * to the file "faults" of its instance, /sys/class/iommu/iommufd-mock0
 * (the mock's own sysfs): "iommufd-mock0: [DMA Write] device 0000:00:0b.0
 * iova 0x200000: not mapped" (or "mapped readonly", "blocked (no domain
 * attached)"). The witness reads that file instead of /dev/kmsg.
 */
#define IOMMU_FAULT_RE_MOCK "iommufd-mock[0-9]+: [[]DMA (Read|Write)[]]"
#define IOMMU_FAULT_MOCK_LOG "/sys/class/iommu/iommufd-mock0/faults"

/* The ways a test makes the IOMMU refuse a device write. */
enum iommu_fault_kind {
	IOMMU_FAULT_READONLY,	/* to an IOVA mapped readonly */
	IOMMU_FAULT_UNMAPPED,	/* to an IOVA no longer mapped */
	IOMMU_FAULT_BLOCKED,	/* by a detached device (blocking domain) */
	IOMMU_FAULT_NR_KINDS,
};

static inline const char *iommu_fault_kind_name(enum iommu_fault_kind kind)
{
	static const char *const names[IOMMU_FAULT_NR_KINDS] = {
		"a write to a readonly IOVA",
		"a write to an unmapped IOVA",
		"a write while the device is detached",
	};

	return kind < IOMMU_FAULT_NR_KINDS ? names[kind] : "?";
}

struct iommu_fault_driver {
	const char *name;	/* as scripts/vmtest --iommu and the markers say */
	const char *label;	/* for messages */
	/* Whether the /sys/class/iommu instance `name` is one of the driver's. */
	bool (*is_instance)(const char *name);
	const char *line_re;	/* IOMMU_FAULT_RE_* */
	/*
	 * Ratelimit passes one provoked fault takes, and a line that takes
	 * two (iommu_fault_begin() explains).
	 */
	unsigned int passes_per_fault;
	const char *two_pass_line;
	/* Whether text is the line of a write (or read) by bdf at iova's page. */
	bool (*matches)(const char *text, const char *bdf, bool write,
			__u64 iova);
	/* NULL: the driver logs this refusal; else why it logs nothing. */
	const char *silent[IOMMU_FAULT_NR_KINDS];
	/* a file of fault lines the driver writes instead of the kernel log */
	const char *log;
};

/* The number after token in text (hex with 0x, or decimal), if any. */
static inline bool iommu_fault_number_after(const char *text,
					    const char *token,
					    unsigned long long *val)
{
	const char *p = strstr(text, token);
	char *end;

	if (!p)
		return false;
	p += strlen(token);
	*val = strtoull(p, &end, 0);
	return end != p;
}

static inline bool iommu_fault_same_page(unsigned long long addr, __u64 iova)
{
	return (addr & ~0xfffULL) == (iova & ~0xfffULL);
}

/*
 * VT-d names the device in each kernel's way (dmar_fault_do_one()):
 *   6.x  "Request device [00:0b.0]"        bus:slot.func
 *   7.x  "Request device [0000:00:0b.0]"   with the PCI segment
 * and the page of the address ("fault addr 0x200000").
 */
static inline bool iommu_fault_matches_intel(const char *text, const char *bdf,
					     bool write, __u64 iova)
{
	const char *colon = strchr(bdf, ':');
	char full[80], seg_less[80];
	unsigned long long addr;

	snprintf(full, sizeof(full), "Request device [%s]", bdf);
	snprintf(seg_less, sizeof(seg_less), "Request device [%s]",
		 colon && strchr(colon + 1, ':') ? colon + 1 : bdf);
	return strstr(text, write ? "[DMA Write" : "[DMA Read") &&
	       (strstr(text, full) || strstr(text, seg_less)) &&
	       iommu_fault_number_after(text, "fault addr ", &addr) &&
	       iommu_fault_same_page(addr, iova);
}

/*
 * AMD-Vi names the device with its segment in both forms ("vfio-pci
 * 0000:00:0b.0: ..." from pci_err(), "device=0000:00:0b.0"), the same on
 * 6.12 and 7.3. The direction is not checked: it is a bit of the event's
 * flags (EVENT_FLAG_RW, amd_iommu_types.h), which QEMU 7.2's emulation
 * fills from its own access flags rather than the specification's layout.
 */
static inline bool iommu_fault_matches_amd(const char *text, const char *bdf,
					   bool write, __u64 iova)
{
	char pfx[80], dev[80];
	unsigned long long addr;

	snprintf(pfx, sizeof(pfx), "%s: AMD-Vi: Event logged [IO_PAGE_FAULT",
		 bdf);
	snprintf(dev, sizeof(dev), "[IO_PAGE_FAULT device=%s ", bdf);
	return (strstr(text, pfx) || strstr(text, dev)) &&
	       iommu_fault_number_after(text, " address=", &addr) &&
	       iommu_fault_same_page(addr, iova);
}

/*
 * virtio-iommu names the endpoint by number: the requester id of a PCI
 * function, bus << 8 | devfn (QEMU's VIOT; the same on 6.12 and 7.3). The
 * letters after the address say which permission faulted; QEMU sets them
 * only for a permission fault, so a missing mapping shows "[]": a write
 * must not be reported as a read alone ("[R]").
 */
static inline bool iommu_fault_matches_virtio(const char *text,
					      const char *bdf, bool write,
					      __u64 iova)
{
	unsigned int seg, bus, slot, fn;
	unsigned long long addr;
	char ep[64];

	if (sscanf(bdf, "%x:%x:%x.%x", &seg, &bus, &slot, &fn) != 4)
		return false;
	snprintf(ep, sizeof(ep), " fault from EP %u at ",
		 bus << 8 | slot << 3 | fn);
	return strstr(text, ep) &&
	       iommu_fault_number_after(text, ep, &addr) &&
	       iommu_fault_same_page(addr, iova) &&
	       !(write && strstr(text, "[R]"));
}

/* VT-d names its instances dmar0, dmar1, ... (intel/dmar.c:1074 on 6.12). */
static inline bool iommu_fault_is_dmar(const char *name)
{
	return !strncmp(name, "dmar", 4);
}

/* AMD-Vi names them ivhd0, ... (amd/init.c:2129 on 6.12, iommu_init_pci()). */
static inline bool iommu_fault_is_ivhd(const char *name)
{
	return !strncmp(name, "ivhd", 4);
}

/*
 * virtio-iommu names its instance after its transport device
 * (virtio_bus_name(), virtio-iommu.c: 6.12:1196, 7.3:1232): the PCI address of the
 * virtio-iommu-pci function ("0000:00:0b.0", measured), whose virtio child
 * is bound to the virtio_iommu driver.
 */
static inline bool iommu_fault_is_virtio(const char *name)
{
	char path[PATH_MAX], link[300], drv[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", PCI_SYSFS_DEVICES, name);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		if (!strncmp(e->d_name, "virtio", 6)) {
			snprintf(link, sizeof(link), "%.250s/driver", e->d_name);
			found = !pci_sysfs_link_name(name, link, drv,
						     sizeof(drv)) &&
				!strcmp(drv, "virtio_iommu");
		}
	closedir(d);
	return found;
}

static inline bool iommu_fault_line_is_mock(const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, IOMMU_FAULT_RE_MOCK, REG_EXTENDED | REG_NOSUB))
		return false;
	hit = !regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	return hit;
}

/* "iommufd-mock0: [DMA Write] device 0000:00:0b.0 iova 0x200000: ..." */
static inline bool iommu_fault_matches_mock(const char *text, const char *bdf,
					    bool write, __u64 iova)
{
	char dev[80];
	unsigned long long addr;

	snprintf(dev, sizeof(dev), "] device %s iova ", bdf);
	return iommu_fault_line_is_mock(text) &&
	       strstr(text, write ? "[DMA Write]" : "[DMA Read]") &&
	       iommu_fault_number_after(text, dev, &addr) &&
	       iommu_fault_same_page(addr, iova);
}

/*
 * The mock's instance, and only where the program runs on the mock
 * (tools/mock README: the symbol it exports).
 */
static inline bool iommu_fault_is_mock(const char *name)
{
	return !strncmp(name, "iommufd-mock", 12) &&
	       dlsym(RTLD_DEFAULT, "iommufd_mock_version");
}

#define AMD_VI_QEMU_SILENT                                                   \
	"QEMU 7.2's AMD-Vi raised no event: its event-log interrupt stayed at 0"

static const struct iommu_fault_driver iommu_fault_drivers[] = {
	{
		.name = "intel",
		.label = "VT-d",
		.is_instance = iommu_fault_is_dmar,
		.line_re = IOMMU_FAULT_RE_INTEL,
		/*
		 * dmar_fault() asks its one ratelimit state once for the
		 * "DRHD: handling fault status" line, once per fault record
		 * and once for the loop turn that finds no further record:
		 * three passes, the status line standing for two of them.
		 */
		.passes_per_fault = 3,
		.two_pass_line = "DMAR: DRHD: handling fault",
		.matches = iommu_fault_matches_intel,
	},
	{
		.name = "amd",
		.label = "AMD-Vi",
		.is_instance = iommu_fault_is_ivhd,
		.line_re = IOMMU_FAULT_RE_AMD,
		.passes_per_fault = 1,	/* the device's own ratelimit state */
		.matches = iommu_fault_matches_amd,
		/*
		 * Measured in the vfio lane (QEMU 7.2, 7.3 guest): for each of
		 * these refusals the memory stayed intact, no line was logged,
		 * and the count of the driver's event-log interrupt ("AMD-Vi",
		 * the IOMMU's PCI MSI in /proc/interrupts) stayed 0: the
		 * emulated IOMMU raises no event the driver could print.
		 */
		.silent = {
			[IOMMU_FAULT_READONLY] = AMD_VI_QEMU_SILENT,
			[IOMMU_FAULT_UNMAPPED] = AMD_VI_QEMU_SILENT,
			[IOMMU_FAULT_BLOCKED] = AMD_VI_QEMU_SILENT,
		},
	},
	{
		.name = "virtio",
		.label = "virtio-iommu",
		.is_instance = iommu_fault_is_virtio,
		.line_re = IOMMU_FAULT_RE_VIRTIO,
		/*
		 * QEMU reports a refused DMA once per 4-byte piece of it:
		 * measured, one 2048-byte edu write gave "page fault from EP
		 * 96 at 0x300000 [W]", 0x300004, ... 0x300024, ten lines, and
		 * silence for the rest. One fault takes the whole burst.
		 */
		.passes_per_fault = IOMMU_FAULT_RATELIMIT_BURST,
		.matches = iommu_fault_matches_virtio,
	},
	{
		.name = "mock",
		.label = "iommufd-mock",
		.is_instance = iommu_fault_is_mock,
		.line_re = IOMMU_FAULT_RE_MOCK,
		.passes_per_fault = 1,	/* no ratelimit: every page a line */
		.matches = iommu_fault_matches_mock,
		.log = IOMMU_FAULT_MOCK_LOG,
	},
};

#define IOMMU_FAULT_NR_DRIVERS                                               \
	(sizeof(iommu_fault_drivers) / sizeof(iommu_fault_drivers[0]))

/*
 * The driver of the IOMMU that translates for the PCI device bdf, from its
 * sysfs "iommu" link (dmar0, ivhd0, 0000:00:0b.0), or NULL when it has none or
 * one not in the table (name[] gets the instance's name either way).
 */
static inline const struct iommu_fault_driver *
iommu_fault_driver_of(const char *bdf, char *name, size_t len)
{
	unsigned int i;

	pci_sysfs_link_name(bdf, "iommu", name, len);
	for (i = 0; name[0] && i < IOMMU_FAULT_NR_DRIVERS; i++)
		if (iommu_fault_drivers[i].is_instance(name))
			return &iommu_fault_drivers[i];
	return NULL;
}

/* Whether text is one of the driver's fault lines (its IOMMU_FAULT_RE_*). */
static inline bool iommu_fault_line_is(const struct iommu_fault_driver *drv,
				       const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, drv->line_re, REG_EXTENDED | REG_NOSUB))
		return false;
	hit = !regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	return hit;
}

/* ---- the kernel log ---- */

/* One /dev/kmsg record: "prio,seq,usec,flags;text\n[ KEY=val\n...]". */
static inline int iommu_kmsg_next(int fd, long long *usec, char *text,
				  size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char rec[2048];
	const char *semi;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n >= 0)
			break;
		if (errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms <= 0)
			return -EAGAIN;
		if (poll(&p, 1, timeout_ms) <= 0)
			return -EAGAIN;
		timeout_ms = 1;	/* a record is there now */
	}
	rec[n] = '\0';
	semi = strchr(rec, ';');
	if (!semi || sscanf(rec, "%*u,%*u,%lld", usec) != 1)
		return -EIO;
	snprintf(text, len, "%.*s", (int)strcspn(semi + 1, "\n"), semi + 1);
	return 0;
}

/*
 * The newline matters: printk finalizes a record only once it ends with
 * one (or the next record arrives), and readers of /dev/kmsg see only
 * finalized records.
 */
static inline int iommu_kmsg_mark(const char *text)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", text);
	return pci_sysfs_write("/dev/kmsg", line);
}

/*
 * Every driver above prints its fault lines through a ratelimit state of
 * DEFAULT_RATELIMIT_BURST (10) passes per DEFAULT_RATELIMIT_INTERVAL (5 s):
 * VT-d one for all faults (dmar_fault()), AMD-Vi one per device
 * (dev_data->rs), virtio-iommu one for its call site. A fault past the
 * burst is refused without a word. So before a fault is provoked, the test
 * counts the passes the log shows and, with no room left for one more
 * fault, waits for the window to expire.
 *
 * The window is measured in jiffies, a fixed window from its first pass
 * (___ratelimit(), lib/ratelimit.c), and under TCG on a loaded host the
 * guest's periodic tick loses ticks: measured, a window begun at 39.47 s of
 * log time was still open at 45.08 s. So the log's timestamps only say
 * which passes may still count (any in the last IOMMU_FAULT_COUNT_US, a
 * margin for jiffies running at a third of their speed, or since the last
 * IOMMU_FAULT_KMSG_WINDOW marker), and the wait is measured in jiffies
 * themselves: times() returns them (in USER_HZ units). Once a whole
 * interval of jiffies has passed, whatever window was open has expired;
 * the marker then tells later tests that the passes before it no longer
 * count.
 */

/* usleep() may refuse a second or more; nanosleep() does not. */
static inline void iommu_fault_sleep_us(long long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Sleeps until the kernel's jiffies have advanced by `seconds`, at most a
 * minute of wall time. times() is jiffies in USER_HZ units, and they start
 * 5 minutes before 0 (INITIAL_JIFFIES), where the conversion jumps: only
 * small forward steps are added up.
 */
static inline void iommu_fault_sleep_jiffies(unsigned int seconds)
{
	long hz = sysconf(_SC_CLK_TCK);
	/* Two ticks more: times() rounds jiffies down to USER_HZ. */
	long need = seconds * hz + 2, got = 0, step;
	clock_t prev = times(NULL), cur;
	int turns;

	for (turns = 0; got < need && turns < 600; turns++) {
		iommu_fault_sleep_us(100 * 1000);
		cur = times(NULL);
		step = (long)(cur - prev);
		if (step > 0 && step < hz)
			got += step;
		prev = cur;
	}
}

/* A bracket around a provoked fault, and the log read past its start. */
struct iommu_fault_watch {
	int fd;
	const struct iommu_fault_driver *drv;	/* NULL: none known */
};

/* Ratelimit passes the line stands for, 0 if it is none of drv's. */
static inline unsigned int iommu_fault_passes(const struct iommu_fault_driver *drv,
					      const char *text)
{
	if (!iommu_fault_line_is(drv, text))
		return 0;
	return drv->two_pass_line && strstr(text, drv->two_pass_line) ? 2 : 1;
}

/*
 * Writes the begin marker (naming drv, "unknown" for NULL) and positions
 * w after it, so that iommu_fault_wait() sees only what comes next; waits
 * first if drv's ratelimit window may have no room for another fault (see
 * above). Returns 0 or -errno.
 */
static inline int iommu_fault_begin(struct iommu_fault_watch *w,
				    const struct iommu_fault_driver *drv)
{
	long long usec, now = -1, seen[64];
	unsigned int passes[64], nseen = 0, i, recent = 0, n;
	char text[512], begin[128];
	int ret;

	w->drv = drv;
	if (drv && drv->log) {
		/* the driver's own file: what it writes from now on */
		w->fd = open(drv->log, O_RDONLY | O_CLOEXEC);
		if (w->fd < 0)
			return -errno;
		return lseek(w->fd, 0, SEEK_END) < 0 ? -errno : 0;
	}
	w->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	snprintf(begin, sizeof(begin), "%s %s", IOMMU_FAULT_KMSG_BEGIN,
		 drv ? drv->name : "unknown");
	ret = iommu_kmsg_mark(begin);
	if (ret)
		return ret;
	/* Read everything up to our marker, whose timestamp is "now". */
	while (!(ret = iommu_kmsg_next(w->fd, &usec, text, sizeof(text), 0))) {
		n = drv ? iommu_fault_passes(drv, text) : 0;
		if (n) {
			passes[nseen % 64] = n;
			seen[nseen++ % 64] = usec;
		}
		/* Passes before an expired window no longer count. */
		if (!strcmp(text, IOMMU_FAULT_KMSG_WINDOW))
			nseen = 0;
		if (!strcmp(text, begin))
			now = usec;
	}
	if (ret != -EAGAIN)
		return ret;
	if (now < 0)
		return -ENOMSG;
	if (!drv)
		return 0;
	for (i = 0; i < (nseen < 64 ? nseen : 64); i++)
		if (seen[i] > now - IOMMU_FAULT_COUNT_US)
			recent += passes[i];
	if (nseen > 64 ||
	    recent + drv->passes_per_fault > IOMMU_FAULT_RATELIMIT_BURST) {
		iommu_fault_sleep_jiffies(IOMMU_FAULT_RATELIMIT_S);
		ret = iommu_kmsg_mark(IOMMU_FAULT_KMSG_WINDOW);
		if (ret)
			return ret;
		/* Past our own line: the fault comes after it. */
		while (!(ret = iommu_kmsg_next(w->fd, &usec, text, sizeof(text),
					       1000)) &&
		       strcmp(text, IOMMU_FAULT_KMSG_WINDOW))
			;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Reads on until the kernel log has been quiet for IOMMU_FAULT_QUIET_MS
 * (at most IOMMU_FAULT_WAIT_MS), so that every line of the fault lies
 * before the end marker. virtio-iommu prints its lines from
 * its event queue, after the DMA has ended: measured, the first line was
 * found and the end marker written while the rest of the burst (up to ten
 * lines, one per 4-byte piece) was still coming, and landed outside the
 * bracket.
 */
#define IOMMU_FAULT_QUIET_MS 1000

static inline void iommu_fault_settle(struct iommu_fault_watch *w)
{
	struct timespec start, now;
	long long usec;
	char text[512];
	int spent = 0;

	/* a driver with a file of its own wrote it before the DMA ended */
	if (w->drv && w->drv->log)
		return;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (spent < IOMMU_FAULT_WAIT_MS &&
	       !iommu_kmsg_next(w->fd, &usec, text, sizeof(text),
				IOMMU_FAULT_QUIET_MS)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		spent = (now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000;
	}
}

/*
 * The next line of a driver's own fault file (drv->log): 0, or -EAGAIN
 * when none has come within timeout_ms.
 */
static inline int iommu_fault_log_next(int fd, char *text, size_t len,
				       int timeout_ms)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0)
			return -errno;
		if (r == 1 && c == '\n')
			break;
		if (r == 1) {
			if (n + 1 < len)
				text[n++] = c;
			continue;
		}
		if (timeout_ms <= 0)
			return -EAGAIN;
		iommu_fault_sleep_us(10 * 1000);
		timeout_ms -= 10;
	}
	text[n] = '\0';
	return 0;
}

/*
 * Waits for the fault line of a DMA write (or read) by the device bdf at
 * the page of iova (the driver's matches()); the line found goes to
 * line[]. Returns 0, -ETIMEDOUT, or -ENOENT without a known driver.
 */
static inline int iommu_fault_wait(struct iommu_fault_watch *w,
				   const char *bdf, bool write, __u64 iova,
				   char *line, size_t len)
{
	struct timespec start, now;
	int left = IOMMU_FAULT_WAIT_MS;
	char text[512];
	long long usec;

	if (!w->drv)
		return -ENOENT;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (left > 0) {
		if (!(w->drv->log ?
			      iommu_fault_log_next(w->fd, text, sizeof(text), left) :
			      iommu_kmsg_next(w->fd, &usec, text, sizeof(text),
					      left)) &&
		    w->drv->matches(text, bdf, write, iova)) {
			snprintf(line, len, "%s", text);
			iommu_fault_settle(w);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = IOMMU_FAULT_WAIT_MS -
		       ((now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000);
	}
	return -ETIMEDOUT;
}

static inline void iommu_fault_end(struct iommu_fault_watch *w)
{
	if (!w->drv || !w->drv->log)
		iommu_kmsg_mark(IOMMU_FAULT_KMSG_END);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

#endif /* IOMMUFD_HARNESS_IOMMU_FAULT_UTILS_H */
