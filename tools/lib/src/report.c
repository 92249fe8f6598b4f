// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where the library's messages go: a hook per process, optionally per backend. */
#include <fcntl.h>
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

int iommufd_missing_as(const struct iommufd_backend *be, const char *op,
		       const char *obj, const char *what, const char *since,
		       const char *kernel_answer)
{
	iommufd_error(be, op, EOPNOTSUPP,
		      "%s: the running kernel lacks %s (%s; it came with Linux %s)",
		      obj, what, kernel_answer, since);
	return -EOPNOTSUPP;
}

int iommufd_missing(const struct iommufd_backend *be, const char *op, int fd,
		    const char *what, const char *since, bool in_build)
{
	char obj[24];

	snprintf(obj, sizeof(obj), "fd=%d", fd);
	if (!in_build)
		return iommufd_missing_as(be, op, obj, what, since, "ENOTTY");
	iommufd_error(be, op, EOPNOTSUPP,
		      "%s: libiommufd was built with uapi headers without %s (Linux %s); rebuild it against newer headers",
		      obj, what, since);
	return -EOPNOTSUPP;
}

const char *iommufd_quote(char *buf, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	buf[o++] = '"';
	for (i = 0; str[i] && i < IOMMUFD_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes >= 0x80 too: a terminal may read them as C1 controls. */
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	if (str[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

const char *iommufd_fd_ebadf_why(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return "not an open file descriptor";
	if (fl & O_PATH)
		return "an O_PATH file descriptor, which cannot do ioctls (open the file O_RDWR)";
	return "the file refuses ioctls (EBADF)";
}
