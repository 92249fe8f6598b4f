// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where the library's messages go: a hook per process, optionally per backend. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * The process-wide hook. Callers may replace it while other threads report
 * (a VMM swaps hooks around its own logging setup), so the pair is read and
 * written under one lock; the hook itself is called after the lock is
 * dropped, so a hook may report or replace hooks without deadlocking.
 */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static iommufd_report_fn report_fn = iommufd_report_stderr;
static void *report_opaque;

IOMMUFD_EXPORT
void iommufd_report_stderr(void *opaque, enum iommufd_report_level level,
			   const char *op, int err, const char *msg)
{
	char ebuf[64];

	(void)opaque;
	/* One fprintf per line: stdio locks the stream, so lines stay whole. */
	if (err)
		fprintf(stderr, "iommufd: %s%s: %s: %s\n",
			level == IOMMUFD_REPORT_WARNING ? "warning: " : "", op,
			msg, strerror_r(err, ebuf, sizeof(ebuf)));
	else
		fprintf(stderr, "iommufd: %s%s: %s\n",
			level == IOMMUFD_REPORT_WARNING ? "warning: " : "", op,
			msg);
}

IOMMUFD_EXPORT
void iommufd_report_set_fn(iommufd_report_fn fn, void *opaque)
{
	pthread_mutex_lock(&report_lock);
	report_fn = fn;
	report_opaque = opaque;
	pthread_mutex_unlock(&report_lock);
}

void iommufd_report(const struct iommufd_backend *be,
		    enum iommufd_report_level level, const char *op, int err,
		    const char *fmt, ...)
{
	pthread_mutex_t *be_lock = be ? (pthread_mutex_t *)&be->report_lock : NULL;
	iommufd_report_fn fn = NULL;
	void *opaque = NULL;
	bool own = false;
	char msg[512];
	va_list ap;

	/* Failures are the slow path: two uncontended locks at most. */
	if (be_lock) {
		pthread_mutex_lock(be_lock);
		own = be->has_report;
		fn = be->report_fn;
		opaque = be->report_opaque;
		pthread_mutex_unlock(be_lock);
	}
	if (!own) {
		pthread_mutex_lock(&report_lock);
		fn = report_fn;
		opaque = report_opaque;
		pthread_mutex_unlock(&report_lock);
	}
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(opaque, level, op, err, msg);
}

int iommufd_missing(const struct iommufd_backend *be, const char *op, int fd,
		    const char *what, const char *since, bool in_build)
{
	if (in_build)
		iommufd_error(be, op, EOPNOTSUPP,
			      "fd=%d: libiommufd was built with uapi headers without %s (Linux %s); rebuild it against newer headers",
			      fd, what, since);
	else
		iommufd_error(be, op, EOPNOTSUPP,
			      "fd=%d: the running kernel lacks %s (ENOTTY; it came with Linux %s)",
			      fd, what, since);
	return -EOPNOTSUPP;
}
