/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Expands trace-events.h into trace_<name>() functions.
 *
 * Cost when nobody listens: the USDT probe is a single nop plus an ELF note
 * (tools attach by patching the nop), and the stderr path is one
 * predictable branch on a flag read once at load time.
 */
#ifndef LIBIOMMUFD_TRACE_H
#define LIBIOMMUFD_TRACE_H

#include <inttypes.h>
#include <stdint.h>

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define SDT_USE_VARIADIC 1 /* for STAP_PROBEV */
#include <sys/sdt.h>
#define IOMMUFD_HAVE_USDT 1
#endif
#endif

#ifdef IOMMUFD_HAVE_USDT
#define IOMMUFD_USDT(name, ...) STAP_PROBEV(libiommufd, name, __VA_ARGS__)
#else
#define IOMMUFD_USDT(name, ...) do { } while (0)
#endif

/*
 * Set once by a constructor from the IOMMUFD_TRACE environment variable.
 * Hidden on the declaration too, so that -fPIC code reads it directly
 * instead of through the GOT: it is read on every operation.
 */
extern int iommufd_trace_enabled __attribute__((visibility("hidden")));

void iommufd_trace_emit(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define IOMMUFD_TRACE_UNPAREN(...) __VA_ARGS__

#define IOMMUFD_TRACE_EVENT(name, proto, args, fmt)                          \
	static inline void trace_##name proto                                \
	{                                                                    \
		IOMMUFD_USDT(name, IOMMUFD_TRACE_UNPAREN args);              \
		if (__builtin_expect(iommufd_trace_enabled, 0))              \
			iommufd_trace_emit(#name, fmt,                       \
					   IOMMUFD_TRACE_UNPAREN args);      \
	}
#include "trace-events.h"
#undef IOMMUFD_TRACE_EVENT

#endif /* LIBIOMMUFD_TRACE_H */
