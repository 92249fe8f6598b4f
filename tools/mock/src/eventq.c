// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/fault.c of Linux 6.12 (since 6.14 the
 * fault queue lives in eventq.c, beside the vEVENTQ): IOMMU_FAULT_QUEUE_ALLOC
 * and the fault queue's file.
 *
 * Only the object and its fd exist: no fault is ever queued (the mock's
 * devices raise none; TRIGGER_IOPF drops its fault), so reading the fd reads
 * an empty memfd. See README.md, "Not emulated".
 */
#define _GNU_SOURCE
#include <errno.h>

#include "iommufd_private.h"

/* iommufd_fault_fops_release(): the fd's holds on the object and ctx go. */
static void iommufd_fault_fops_release(void *private_data)
{
	struct iommufd_fault *fault = private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	fault->obj.users--;
	iommufd_ctx_put(ictx);
}

static const struct iommufd_file_ops iommufd_fault_fops = {
	.name = "iommufd-mock-pgfault",
	.release = iommufd_fault_fops_release,
};

/* iommufd_fault_alloc(): an object and an fd that holds it and the ctx. */
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct iommufd_fault *fault;
	int fdno, rc;

	if (cmd->flags)
		return -EOPNOTSUPP;
	fault = _iommufd_object_alloc(ucmd->ictx, sizeof(*fault),
				      IOMMUFD_OBJ_FAULT);
	if (!fault)
		return -ENOMEM;
	fault->ictx = ucmd->ictx;
	fdno = iommufd_file_install(&iommufd_fault_fops, fault, true);
	if (fdno < 0) {
		iommufd_object_abort(ucmd->ictx, &fault->obj);
		return -EMFILE;
	}
	fault->obj.users++;
	iommufd_ctx_get(ucmd->ictx);
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* The fd was never handed out: discarding it drops its refs. */
		iommufd_file_discard(fdno);
		iommufd_object_abort_and_destroy(ucmd->ictx, &fault->obj);
	}
	return rc;
}
