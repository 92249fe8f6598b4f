/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LIBIOMMUFD_0.1 interface as released: every declaration of the 0.1
 * header, frozen. "make check-abi" compiles this after the current
 * <iommufd/backend.h>; C accepts a repeated declaration only with the same
 * type, so any change to a 0.1 prototype, to the hook's type or to the
 * values of the report levels is a compile error. Never edit this file:
 * new calls go into a new node (libiommufd.map) and a new snapshot.
 */
#include <stdbool.h>
#include <stdint.h>

struct iommufd_backend;

_Static_assert(IOMMUFD_REPORT_ERROR == 0, "0.1: IOMMUFD_REPORT_ERROR is 0");
_Static_assert(IOMMUFD_REPORT_WARNING == 1, "0.1: IOMMUFD_REPORT_WARNING is 1");
_Static_assert(sizeof(enum iommufd_report_level) == sizeof(int),
	       "0.1: enum iommufd_report_level is int-sized");

typedef void (*iommufd_report_fn)(void *opaque,
				  enum iommufd_report_level level,
				  const char *op, int err, const char *msg);

void iommufd_report_stderr(void *opaque, enum iommufd_report_level level,
			   const char *op, int err, const char *msg);

void iommufd_report_set_fn(iommufd_report_fn fn, void *opaque);

struct iommufd_backend *iommufd_backend_new(void);

int iommufd_backend_destroy(struct iommufd_backend *be);

int iommufd_backend_set_report_fn(struct iommufd_backend *be,
				  iommufd_report_fn fn, void *opaque);

int iommufd_backend_set_fd(struct iommufd_backend *be, int fd);

int iommufd_backend_set_fd_str(struct iommufd_backend *be, const char *str);

int iommufd_backend_set_max_users(struct iommufd_backend *be,
				  uint32_t max_users);

int iommufd_backend_set_strict_unmap(struct iommufd_backend *be, bool strict);

int iommufd_backend_connect(struct iommufd_backend *be);

void iommufd_backend_disconnect(struct iommufd_backend *be);

uint32_t iommufd_backend_users(const struct iommufd_backend *be);

int iommufd_backend_fd(const struct iommufd_backend *be);

bool iommufd_backend_owned(const struct iommufd_backend *be);

int iommufd_backend_alloc_ioas(struct iommufd_backend *be, uint32_t *ioas_id);

int iommufd_backend_free_id(struct iommufd_backend *be, uint32_t id);

int iommufd_backend_map_dma(struct iommufd_backend *be, uint32_t ioas_id,
			    uint64_t iova, uint64_t size, void *vaddr,
			    bool readonly);

int iommufd_backend_unmap_dma(struct iommufd_backend *be, uint32_t ioas_id,
			      uint64_t iova, uint64_t size);
