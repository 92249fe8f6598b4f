// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stderr side of the trace points: IOMMUFD_TRACE=1 (any value but
 * empty or "0") prints every trace point as one line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

int iommufd_trace_enabled;

/*
 * Read once, before main(): the hot path then tests a plain int and never
 * calls getenv(), which is not safe against a concurrent setenv().
 */
__attribute__((constructor)) static void iommufd_trace_init(void)
{
	const char *v = getenv("IOMMUFD_TRACE");

	iommufd_trace_enabled = v && *v && strcmp(v, "0") != 0;
}

void iommufd_trace_emit(const char *name, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n, m;

	n = snprintf(line, sizeof(line), "libiommufd:%s ", name);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/*
	 * One write() per line keeps lines whole when threads trace at once;
	 * a trace failure has nowhere to be reported, so it is ignored.
	 */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
