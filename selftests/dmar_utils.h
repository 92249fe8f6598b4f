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
#include <sys/times.h>
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
 * the burst is cleared without a word: its status line may still print,
 * its record does not. So before a fault is provoked, the test counts the
 * passes the log shows and, with no room left for 3, waits for the window
 * to expire.
 *
 * The window is measured in jiffies, a fixed window from its first pass
 * (___ratelimit(), lib/ratelimit.c), and under TCG on a loaded host the
 * guest's periodic tick loses ticks: measured, a window begun at 39.47 s of
 * log time was still open at 45.08 s. So the log's timestamps only say
 * which passes may still count (any in the last DMAR_COUNT_US, a margin
 * for jiffies running at a third of their speed, or since the last
 * DMAR_KMSG_WINDOW marker), and the wait is measured in jiffies
 * themselves: times() returns them (in USER_HZ units). Once a whole
 * interval of jiffies has passed, whatever window was open has expired;
 * the marker then tells later tests that the passes before it no longer
 * count.
 */
#define DMAR_RATELIMIT_BURST 10
#define DMAR_RATELIMIT_S 5
#define DMAR_COUNT_US (3 * DMAR_RATELIMIT_S * 1000000LL)
#define DMAR_PASSES_PER_FAULT 3
#define DMAR_KMSG_WINDOW "iommufd-harness: dmar ratelimit window expired"

/* usleep() may refuse a second or more; nanosleep() does not. */
static inline void dmar_sleep_us(long long us)
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
static inline void dmar_sleep_jiffies(unsigned int seconds)
{
	long hz = sysconf(_SC_CLK_TCK);
	/* Two ticks more: times() rounds jiffies down to USER_HZ. */
	long need = seconds * hz + 2, got = 0, step;
	clock_t prev = times(NULL), cur;
	int turns;

	for (turns = 0; got < need && turns < 600; turns++) {
		dmar_sleep_us(100 * 1000);
		cur = times(NULL);
		step = (long)(cur - prev);
		if (step > 0 && step < hz)
			got += step;
		prev = cur;
	}
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
 * ratelimit window may have no room for another fault (see above).
 * Returns 0 or -errno.
 */
static inline int dmar_fault_begin(struct dmar_kmsg *k)
{
	long long usec, now = -1, seen[64];
	unsigned int passes[64], nseen = 0, i, recent = 0;
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
		/* Passes before an expired window no longer count. */
		if (!strcmp(text, DMAR_KMSG_WINDOW))
			nseen = 0;
		if (!strcmp(text, DMAR_KMSG_FAULT_BEGIN))
			now = usec;
	}
	if (ret != -EAGAIN)
		return ret;
	if (now < 0)
		return -ENOMSG;
	for (i = 0; i < (nseen < 64 ? nseen : 64); i++)
		if (seen[i] > now - DMAR_COUNT_US)
			recent += passes[i];
	if (nseen > 64 || recent + DMAR_PASSES_PER_FAULT > DMAR_RATELIMIT_BURST) {
		dmar_sleep_jiffies(DMAR_RATELIMIT_S);
		ret = dmar_kmsg_mark(DMAR_KMSG_WINDOW);
		if (ret)
			return ret;
		/* Past our own line: the fault comes after it. */
		while (!(ret = dmar_kmsg_next(k->fd, &usec, text, sizeof(text),
					      1000)) &&
		       strcmp(text, DMAR_KMSG_WINDOW))
			;
		if (ret)
			return ret;
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
