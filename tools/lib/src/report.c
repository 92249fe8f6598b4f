// SPDX-License-Identifier: LGPL-2.1-or-later
/* Where the library's messages go: a hook per process, optionally per backend. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

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
	report_fn = fn;
	report_opaque = opaque;
}

void iommufd_report(const struct iommufd_backend *be,
		    enum iommufd_report_level level, const char *op, int err,
		    const char *fmt, ...)
{
	iommufd_report_fn fn = report_fn;
	void *opaque = report_opaque;
	char msg[512];
	va_list ap;

	if (be && be->has_report) {
		fn = be->report_fn;
		opaque = be->report_opaque;
	}
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(opaque, level, op, err, msg);
}
