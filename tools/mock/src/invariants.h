/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock's own invariants, checked from outside a call: by the fuzzer
 * after every ioctl and by the unit tests (tests/). Compiled into those
 * builds only, not into libiommufd_mock.so. The caller must be the only
 * thread in the mock (no lock is taken).
 */
#ifndef IOMMUFD_MOCK_INVARIANTS_H
#define IOMMUFD_MOCK_INVARIANTS_H

#include <stddef.h>

struct iommufd_ctx;

/**
 * iommufd_mock_check_ctx() - every invariant of one context
 * @ictx: the context
 * @why: where the first broken invariant is described
 * @len: the size of @why
 *
 * Object table (ids, count, free-id heap), each object's users against
 * what holds it, every IOAS's interval trees (order, balance, the max-gap
 * augmentation; areas and reserved ranges disjoint), domains against the
 * IOAS's HWPT list, and each page's pin holders against the areas filled
 * into domains and the access ranges that hold it.
 *
 * Return: 0, or -1 with @why set.
 */
int iommufd_mock_check_ctx(struct iommufd_ctx *ictx, char *why, size_t len);

/**
 * iommufd_mock_check_fd() - iommufd_mock_check_ctx() of fd's context
 * @fd: an fd of the mock; one that is not an iommufd context is fine
 * @why: as above
 * @len: as above
 *
 * Return: 0, or -1 with @why set.
 */
int iommufd_mock_check_fd(int fd, char *why, size_t len);

/**
 * iommufd_mock_check_unpinned() - no page of [uva, uva + length) is pinned
 * @uva: start
 * @length: bytes
 * @why: as above
 * @len: as above
 *
 * For after every context is gone: a pin left is a leak.
 *
 * Return: 0, or -1 with @why set.
 */
int iommufd_mock_check_unpinned(unsigned long uva, unsigned long length,
				char *why, size_t len);

#endif
