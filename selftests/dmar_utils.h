/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel log as a witness of DMA faults: the Intel IOMMU driver reports
 * each DMA it refuses with a "DMAR: [DMA Write ...]" line. The real-IOMMU
 * tests provoke such faults on purpose, bracket them with markers the
 * runner recognises, and wait for the line of the fault they caused.
 *
 * Functions return 0 or a negative errno.
 */
#ifndef IOMMUFD_HARNESS_DMAR_UTILS_H
#define IOMMUFD_HARNESS_DMAR_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#include "pci_utils.h"

/*
 * The runner (scripts/vmtest) fails a run on any DMAR fault line in dmesg
 * unless it lies between these two markers.
 */
#define DMAR_KMSG_FAULT_BEGIN "iommufd-harness: expect-dmar-fault begin"
#define DMAR_KMSG_FAULT_END "iommufd-harness: expect-dmar-fault end"
#define DMAR_FAULT_WAIT_MS 3000

/*
 * dmar_fault() (drivers/iommu/intel/dmar.c) prints through one ratelimit
 * state, DEFAULT_RATELIMIT_BURST (10) passes per DEFAULT_RATELIMIT_INTERVAL
 * (5 s), and asks it once for the "DRHD: handling fault status" line, once
 * per fault record, and once more for the loop turn that finds no further
 * record: three passes for one fault, two of them visible. A fault past
 * the burst is cleared without a word (measured: the 4th fault within 5 s
 * printed its status line and no record), which would fail its test for no
 * fault of the kernel's. So before a fault is provoked, the passes of the
 * last interval are estimated from the log (2 per status line, 1 per
 * record) and, if no room is left for 3, the test waits for the window to
 * move on. The interval gets a margin: the log's timestamps and the
 * ratelimit's jiffies are different clocks.
 */
#define DMAR_RATELIMIT_BURST 10
#define DMAR_RATELIMIT_US (5500 * 1000LL)
#define DMAR_PASSES_PER_FAULT 3

/* usleep() may refuse a second or more; nanosleep() does not. */
static inline void dmar_sleep_us(long long us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000 };

	while (us > 0 && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

struct dmar_kmsg {
	int fd;
};

/* One /dev/kmsg record: "prio,seq,usec,flags;text\n[ KEY=val\n...]". */
static inline int dmar_kmsg_next(int fd, long long *usec, char *text,
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
static inline int dmar_kmsg_mark(const char *text)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", text);
	return pci_sysfs_write("/dev/kmsg", line);
}

/*
 * Writes the begin marker and positions k after it, so that
 * dmar_fault_wait() sees only what comes next; waits first if the DMAR
 * ratelimit window has no room for another fault. Returns 0 or -errno.
 */
static inline int dmar_fault_begin(struct dmar_kmsg *k)
{
	long long usec, now = -1, seen[64];
	unsigned int passes[64], nseen = 0, i, n, recent;
	char text[512];
	int ret;

	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	ret = dmar_kmsg_mark(DMAR_KMSG_FAULT_BEGIN);
	if (ret)
		return ret;
	/* Read everything up to our marker, whose timestamp is "now". */
	while (!(ret = dmar_kmsg_next(k->fd, &usec, text, sizeof(text), 0))) {
		if (!strncmp(text, "DMAR: DRHD: handling fault", 26) ||
		    !strncmp(text, "DMAR: [", 7)) {
			passes[nseen % 64] = text[6] == '[' ? 1 : 2;
			seen[nseen++ % 64] = usec;
		}
		if (!strcmp(text, DMAR_KMSG_FAULT_BEGIN))
			now = usec;
	}
	if (ret != -EAGAIN)
		return ret;
	if (now < 0)
		return -ENOMSG;
	/* Oldest first: drop passes until a fault fits, then sleep that long. */
	n = nseen < 64 ? nseen : 64;
	for (;;) {
		long long oldest = now + 1;
		unsigned int at = 0;

		recent = 0;
		for (i = 0; i < n; i++) {
			if (seen[i] <= now - DMAR_RATELIMIT_US)
				continue;
			recent += passes[i];
			if (seen[i] < oldest) {
				oldest = seen[i];
				at = i;
			}
		}
		if (recent + DMAR_PASSES_PER_FAULT <=
		    DMAR_RATELIMIT_BURST)
			break;
		dmar_sleep_us(oldest + DMAR_RATELIMIT_US - now);
		now = oldest + DMAR_RATELIMIT_US;
		seen[at] = now - DMAR_RATELIMIT_US;
	}
	return 0;
}

/*
 * Whether text is the fault record of a DMA write (or read) by the PCI
 * device bdf (0000:00:0b.0) at the page of iova. The driver names the
 * device in two ways, and each kernel's is accepted for what it is
 * (dmar_fault_do_one(), drivers/iommu/intel/dmar.c):
 *   6.x  "Request device [00:0b.0]"        bus:slot.func
 *   7.x  "Request device [0000:00:0b.0]"   with the PCI segment
 * Both name the same device; the rest of the line is the same.
 */
static inline bool dmar_fault_matches(const char *text, const char *bdf,
				      bool write, __u64 iova)
{
	const char *colon = strchr(bdf, ':');
	char full[80], seg_less[80], addr[64];

	snprintf(full, sizeof(full), "Request device [%s]", bdf);
	/* Without the segment: what follows the first colon. */
	snprintf(seg_less, sizeof(seg_less), "Request device [%s]",
		 colon && strchr(colon + 1, ':') ? colon + 1 : bdf);
	snprintf(addr, sizeof(addr), "fault addr 0x%llx ",
		 (unsigned long long)(iova & ~0xfffULL));
	return strstr(text, write ? "[DMA Write" : "[DMA Read") &&
	       (strstr(text, full) || strstr(text, seg_less)) &&
	       strstr(text, addr);
}

/*
 * Waits for the fault record of a DMA write (or read) by the device bdf
 * at the page of iova (dmar_fault_matches()); the line found goes to
 * line[]. Returns 0 or -ETIMEDOUT.
 */
static inline int dmar_fault_wait(struct dmar_kmsg *k, const char *bdf,
				  bool write, __u64 iova, char *line,
				  size_t len)
{
	struct timespec start, now;
	int left = DMAR_FAULT_WAIT_MS;
	char text[512];
	long long usec;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (left > 0) {
		if (!dmar_kmsg_next(k->fd, &usec, text, sizeof(text), left) &&
		    dmar_fault_matches(text, bdf, write, iova)) {
			snprintf(line, len, "%s", text);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = DMAR_FAULT_WAIT_MS -
		       ((now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000);
	}
	return -ETIMEDOUT;
}

static inline void dmar_fault_end(struct dmar_kmsg *k)
{
	dmar_kmsg_mark(DMAR_KMSG_FAULT_END);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

#endif /* IOMMUFD_HARNESS_DMAR_UTILS_H */
