/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CHECK() for the mock's test programs: on a false condition, one line
 * "<program>:<line>: <condition>: <message> (errno <name>)" on stderr and
 * one more in `failures`. Safe from many threads (race_test): the errno is
 * taken before anything else can change it, the line is written whole, the
 * count is atomic.
 */
#ifndef IOMMUFD_MOCK_TESTS_CHECK_H
#define IOMMUFD_MOCK_TESTS_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

extern char *program_invocation_short_name;

static unsigned long failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			int __e = errno;                                     \
			flockfile(stderr);                                   \
			fprintf(stderr, "%s:%d: %s: ",                       \
				program_invocation_short_name, __LINE__,     \
				#cond);                                      \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, " (errno %s)\n", strerror(__e));     \
			funlockfile(stderr);                                 \
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);  \
		}                                                            \
	} while (0)

#endif /* IOMMUFD_MOCK_TESTS_CHECK_H */
