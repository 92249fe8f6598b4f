// SPDX-License-Identifier: GPL-2.0
/*
 * Mirrors drivers/iommu/iommufd/fault.c of Linux 6.12 (since 6.14 the
 * fault queue lives in eventq.c, beside the vEVENTQ): IOMMU_FAULT_QUEUE_ALLOC,
 * the faults a HWPT with a queue receives (iommufd_fault_iopf_handler()),
 * and the queue's file: read() hands out faults, write() takes responses;
 * and 7.3's eventq.c vEVENTQ half (IOMMU_VEVENTQ_ALLOC, the queue's read
 * and poll) with driver.c's iommufd_viommu_report_event().
 *
 * Fault queue: the groups live in the context (the arena, shared with the
 * children of fork()); the fd is an eventfd whose counter is non-zero
 * exactly while a fault waits to be read, so that poll(), select() and
 * epoll see what the kernel's file says (always writable, readable while
 * the deliver list is not empty). read() and write() are interposed
 * (intercept.c).
 *
 * vEVENTQ: the kernel's deliver list, num_events and sequence live in a
 * MAP_SHARED mapping under a process-shared mutex, and the fd is an eventfd
 * whose counter is non-zero exactly while the list is not empty. Why: after
 * fork() parent and child hold copies of the mock's state (README.md,
 * "fork") but, as in the kernel, one queue: an event the child reports must
 * wake the parent's poll() and be read by it, with one depth and one run of
 * sequence numbers. poll(), select() and epoll see the eventfd as they
 * would see the kernel's file; read() is interposed (intercept.c) and hands
 * out whole records from the shared list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "iommufd_private.h"

static const struct iommufd_file_ops iommufd_fault_fops;

/*
 * wake_up_interruptible() and poll's list_empty() of the fault queue: the
 * eventfd follows, written through any fd of the file (the program may
 * have dup()ed and closed the first); with none left nobody can poll.
 */
static void iommufd_fault_update_wakeup(struct iommufd_fault *fault)
{
	int efd = iommufd_file_fd(&iommufd_fault_fops, fault);
	uint64_t v = 1;

	if (efd < 0)
		return;
	if (fault->ndeliver && !fault->signalled) {
		if (syscall(SYS_write, efd, &v, sizeof(v)) == sizeof(v))
			fault->signalled = true;
	} else if (!fault->ndeliver && fault->signalled) {
		if (syscall(SYS_read, efd, &v, sizeof(v)) == sizeof(v))
			fault->signalled = false;
	}
}

/* Drops groups[i] from an array of n (order kept). */
static void group_array_del(struct iommufd_fault_group **groups, size_t *n,
			    size_t i)
{
	memmove(&groups[i], &groups[i + 1], (*n - i - 1) * sizeof(*groups));
	(*n)--;
}

static int group_array_insert(struct iommufd_fault_group ***groups,
			      size_t *n, size_t i,
			      struct iommufd_fault_group *group)
{
	struct iommufd_fault_group **g =
		mock_realloc(*groups, (*n + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	memmove(&g[i + 1], &g[i], (*n - i) * sizeof(*g));
	g[i] = group;
	(*n)++;
	*groups = g;
	return 0;
}

/*
 * iommufd_auto_response_faults(): on detach or replace the kernel answers
 * the attachment's faults IOMMU_PAGE_RESP_INVALID (the mock driver's
 * page_response does nothing) and frees them, read or not.
 */
void iommufd_auto_response_faults(struct iommufd_hw_pagetable *hwpt,
				  uint64_t handle)
{
	struct iommufd_fault *fault = hwpt ? hwpt->fault : NULL;
	size_t i;

	if (!fault)
		return;
	for (i = 0; i < fault->ndeliver;) {
		if (fault->deliver[i]->handle != handle) {
			i++;
			continue;
		}
		mock_free(fault->deliver[i]);
		group_array_del(fault->deliver, &fault->ndeliver, i);
	}
	for (i = 0; i < fault->nresponse;) {
		if (fault->response[i]->handle != handle) {
			i++;
			continue;
		}
		mock_free(fault->response[i]);
		group_array_del(fault->response, &fault->nresponse, i);
	}
	iommufd_fault_update_wakeup(fault);
}

/* iommufd_fault_destroy(): what nobody answered is answered INVALID. */
void iommufd_fault_destroy(struct iommufd_object *obj)
{
	struct iommufd_fault *fault =
		container_of(obj, struct iommufd_fault, obj);
	size_t i;

	for (i = 0; i < fault->ndeliver; i++)
		mock_free(fault->deliver[i]);
	for (i = 0; i < fault->nresponse; i++)
		mock_free(fault->response[i]);
	mock_free(fault->deliver);
	mock_free(fault->response);
}

void iommufd_fault_iopf_handler(struct iommufd_hw_pagetable *hwpt,
				uint64_t handle,
				const struct iommu_hwpt_pgfault *msg)
{
	struct iommufd_fault *fault = hwpt->fault;
	struct iommufd_fault_group *group = mock_calloc(1, sizeof(*group));

	/*
	 * The kernel answers a group it cannot allocate at once (the abort
	 * group of iommu_report_device_fault()): nothing is queued.
	 */
	if (!group)
		return;
	group->handle = handle;
	group->msg = *msg;
	if (group_array_insert(&fault->deliver, &fault->ndeliver,
			       fault->ndeliver, group)) {
		mock_free(group);
		return;
	}
	iommufd_fault_update_wakeup(fault);
}

/*
 * xa_alloc() of fault->response (XA_FLAGS_ALLOC1, xa_limit_32b): the lowest
 * free cookie from 1, and where it goes in the array sorted by cookie.
 */
static uint32_t fault_cookie_alloc(const struct iommufd_fault *fault,
				   size_t *pos)
{
	uint32_t cookie = 1;
	size_t i;

	for (i = 0; i < fault->nresponse; i++, cookie++)
		if (fault->response[i]->cookie != cookie)
			break;
	*pos = i;
	return cookie;
}

/*
 * iommufd_fault_fops_read(): whole groups (one fault each here), oldest
 * first, each given the lowest free cookie and kept for its response; a
 * count that is not a multiple of a fault is ESPIPE, one too small for the
 * first group EINVAL; an empty queue reads 0 at once (the kernel's read
 * never blocks).
 */
static long iommufd_fault_fops_read(void *private_data, uint64_t ubuf,
				    size_t count)
{
	const size_t fault_size = sizeof(struct iommu_hwpt_pgfault);
	struct iommufd_fault *fault = private_data;
	size_t done = 0;
	long rc = 0;

	if (count % fault_size)
		return -ESPIPE;
	while (fault->ndeliver) {
		struct iommufd_fault_group *group = fault->deliver[0];
		size_t pos;

		if (done >= count || fault_size > count - done) {
			/* Read count doesn't fit the first fault group */
			if (!done)
				rc = -EINVAL;
			break;
		}
		group->msg.cookie = fault_cookie_alloc(fault, &pos);
		rc = umem_copy_to(ubuf + done, &group->msg, fault_size);
		if (rc)
			break;
		group->cookie = group->msg.cookie;
		rc = group_array_insert(&fault->response, &fault->nresponse,
					pos, group);
		if (rc)
			break;
		group_array_del(fault->deliver, &fault->ndeliver, 0);
		done += fault_size;
	}
	iommufd_fault_update_wakeup(fault);
	umem_snapshot_drop();
	return done ? (long)done : rc;
}

/*
 * iommufd_fault_fops_write(): responses, each for the cookie of a fault
 * read and not answered yet, with code SUCCESS or INVALID; the first bad
 * one ends the write (EINVAL if it is the first), what came before it is
 * taken.
 */
static long iommufd_fault_fops_write(void *private_data, uint64_t ubuf,
				     size_t count)
{
	const size_t response_size = sizeof(struct iommu_hwpt_page_response);
	struct iommufd_fault *fault = private_data;
	struct iommu_hwpt_page_response response;
	size_t done = 0, i;
	long rc = 0;

	if (count % response_size)
		return -ESPIPE;
	while (count > done) {
		rc = umem_copy_from(&response, ubuf + done, response_size);
		if (rc)
			break;
		if (response.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    response.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < fault->nresponse; i++)
			if (fault->response[i]->cookie == response.cookie)
				break;
		if (i == fault->nresponse) {
			rc = -EINVAL;
			break;
		}
		/* iopf_group_response(): the mock driver's is a no-op */
		mock_free(fault->response[i]);
		group_array_del(fault->response, &fault->nresponse, i);
		done += response_size;
	}
	umem_snapshot_drop();
	return done ? (long)done : rc;
}

/* iommufd_fault_fops_release(): the fd's holds on the object and ctx go. */
static void iommufd_fault_fops_release(void *private_data)
{
	struct iommufd_fault *fault = private_data;
	struct iommufd_ctx *ictx = fault->ictx;

	fault->obj.users--;
	iommufd_ctx_put(ictx);
}

static const struct iommufd_file_ops iommufd_fault_fops = {
	.name = "[iommufd-pgfault]",
	.read = iommufd_fault_fops_read,
	.write = iommufd_fault_fops_write,
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
	/* iommufd_eventq_init(): get_unused_fd_flags(O_CLOEXEC) */
	fdno = eventfd(0, EFD_CLOEXEC);
	if (fdno < 0) {
		iommufd_object_abort(ucmd->ictx, &fault->obj);
		return -EMFILE;
	}
	fdno = iommufd_file_install_fd(&iommufd_fault_fops, fault, fdno);
	if (fdno < 0) {
		iommufd_object_abort(ucmd->ictx, &fault->obj);
		return fdno;
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

/* eventq.c: an arbitrary upper bound for veventq_depth that fits all HWs */
#define VEVENTQ_MAX_DEPTH (1U << 19)
/* The largest event_data a mock driver reports (the selftest's is 4 bytes). */
#define VEVENT_DATA_MAX 16

/* struct iommufd_vevent: a normal vEVENT of the deliver list. */
struct veventq_slot {
	struct iommufd_vevent_header header;
	uint32_t data_len;
	uint8_t event_data[VEVENT_DATA_MAX];
};

/*
 * What the kernel's struct iommufd_veventq guards with common.lock. The
 * deliver list is the ring slots[head .. head + num_events), then the
 * lost_events_header if `lost`: iommufd_vevent_handler() only ever adds at
 * the tail and drops a lost_events_header that is last, so it is last
 * whenever it is queued.
 */
struct veventq_shared {
	pthread_mutex_t lock;	/* eventq->lock, shared across fork() */
	bool signalled;		/* the eventfd's counter is not zero */
	uint32_t depth, num_events, sequence, head;
	bool lost;
	struct iommufd_vevent_header lost_events_header;
	struct veventq_slot slots[];
};

static bool veventq_empty(const struct veventq_shared *q)
{
	return !q->num_events && !q->lost;
}

static const struct iommufd_file_ops iommufd_veventq_fops;

/*
 * wake_up_interruptible() and poll's list_empty(): the eventfd follows,
 * written through any fd of the file (the program may have dup()ed and
 * closed the first); with none left nobody can poll or read any more.
 */
static void veventq_update_wakeup(struct iommufd_veventq *veventq)
{
	struct veventq_shared *q = veventq->shared;
	int efd = iommufd_file_fd(&iommufd_veventq_fops, veventq);
	uint64_t v = 1;

	if (efd < 0)
		return;

	if (!veventq_empty(q) && !q->signalled) {
		if (syscall(SYS_write, efd, &v, sizeof(v)) == sizeof(v))
			q->signalled = true;
	} else if (veventq_empty(q) && q->signalled) {
		if (syscall(SYS_read, efd, &v, sizeof(v)) == sizeof(v))
			q->signalled = false;
	}
}

/* iommufd_veventq_abort()/_destroy(): what nobody read goes with it. */
void iommufd_veventq_destroy(struct iommufd_object *obj)
{
	struct iommufd_veventq *veventq =
		container_of(obj, struct iommufd_veventq, obj);
	struct iommufd_viommu *viommu = veventq->viommu;

	ptr_array_del(&viommu->veventqs, &viommu->nveventqs, veventq);
	viommu->obj.users--;
	if (veventq->shared) {
		pthread_mutex_destroy(&veventq->shared->lock);
		syscall(SYS_munmap, veventq->shared, veventq->shared_size);
	}
}

/* iommufd_viommu_find_veventq() */
static struct iommufd_veventq *
iommufd_viommu_find_veventq(struct iommufd_viommu *viommu, uint32_t type)
{
	for (size_t i = 0; i < viommu->nveventqs; i++)
		if (viommu->veventqs[i]->type == type)
			return viommu->veventqs[i];
	return NULL;
}

/*
 * iommufd_veventq_fops_read(): as many whole records as fit; less room
 * than one header, or than a first normal vEVENT, is EINVAL; an empty
 * queue reads 0 at once (the kernel's read never blocks). A positioned
 * read is ESPIPE (nonseekable_open()): the eventfd refuses pread() itself.
 */
static long iommufd_veventq_fops_read(void *private_data, uint64_t ubuf,
				      size_t count)
{
	struct iommufd_veventq *veventq = private_data;
	struct veventq_shared *q = veventq->shared;
	size_t done = 0;
	long rc = 0;

	if (count < sizeof(struct iommufd_vevent_header))
		return -EINVAL;
	pthread_mutex_lock(&q->lock);
	while (!veventq_empty(q)) {
		const struct veventq_slot *cur =
			q->num_events ? &q->slots[q->head] : NULL;
		uint8_t rec[sizeof(struct iommufd_vevent_header) +
			    VEVENT_DATA_MAX];
		size_t len = sizeof(struct iommufd_vevent_header);

		if (done >= count || len > count - done)
			break;
		if (cur && len + cur->data_len > count - done) {
			/* Read count doesn't fit a single normal vEVENT */
			if (!done)
				rc = -EINVAL;
			break;
		}
		if (cur) {
			memcpy(rec, &cur->header, len);
			memcpy(rec + len, cur->event_data, cur->data_len);
			len += cur->data_len;
		} else {
			memcpy(rec, &q->lost_events_header, len);
		}
		rc = umem_copy_to(ubuf + done, rec, len);
		if (rc)
			break;
		done += len;
		if (cur) {
			q->head = (q->head + 1) % q->depth;
			q->num_events--;
		} else {
			q->lost = false;
		}
	}
	veventq_update_wakeup(veventq);
	pthread_mutex_unlock(&q->lock);
	umem_snapshot_drop();
	return done ? (long)done : rc;
}

/* iommufd_eventq_fops_release(): the fd's holds on the object and ctx go. */
static void iommufd_veventq_fops_release(void *private_data)
{
	struct iommufd_veventq *veventq = private_data;
	struct iommufd_ctx *ictx = veventq->ictx;

	veventq->obj.users--;
	iommufd_ctx_put(ictx);
}

/* The kernel's file has no write method: vfs_write() says EINVAL. */
static long iommufd_veventq_fops_write(void *private_data, uint64_t ubuf,
				       size_t count)
{
	(void)private_data;
	(void)ubuf;
	(void)count;
	return -EINVAL;
}

static const struct iommufd_file_ops iommufd_veventq_fops = {
	.name = "[iommufd-viommu-event]",
	.read = iommufd_veventq_fops_read,
	.write = iommufd_veventq_fops_write,
	.release = iommufd_veventq_fops_release,
};

/* The shared deliver list of a new queue, and the eventfd it signals. */
static int veventq_shared_alloc(struct iommufd_veventq *veventq,
				uint32_t depth)
{
	size_t size = sizeof(struct veventq_shared) +
		      (size_t)depth * sizeof(struct veventq_slot);
	pthread_mutexattr_t attr;
	struct veventq_shared *q;
	long addr;

	addr = syscall(SYS_mmap, NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (addr == -1)
		return -ENOMEM;
	q = (struct veventq_shared *)addr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&q->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	q->depth = depth;
	q->lost_events_header.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
	veventq->shared = q;
	veventq->shared_size = size;
	return 0;
}

/* iommufd_veventq_alloc(): the checks in the kernel's order. */
int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct iommufd_veventq *veventq;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	int fdno, rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth || cmd->veventq_depth > VEVENTQ_MAX_DEPTH)
		return -EINVAL;
	obj = iommufd_get_object(ucmd->ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (!obj)
		return -ENOENT;
	viommu = container_of(obj, struct iommufd_viommu, obj);
	if (iommufd_viommu_find_veventq(viommu, cmd->type))
		return -EEXIST;
	veventq = _iommufd_object_alloc(ucmd->ictx, sizeof(*veventq),
					IOMMUFD_OBJ_VEVENTQ);
	if (!veventq)
		return -ENOMEM;
	veventq->type = cmd->type;
	veventq->viommu = viommu;
	viommu->obj.users++;
	rc = ptr_array_add(&viommu->veventqs, &viommu->nveventqs, veventq);
	if (rc) {
		viommu->obj.users--;
		iommufd_object_abort(ucmd->ictx, &veventq->obj);
		return rc;
	}
	rc = veventq_shared_alloc(veventq, cmd->veventq_depth);
	if (rc)
		goto out_abort;
	/* iommufd_eventq_init(): get_unused_fd_flags(O_CLOEXEC) */
	fdno = eventfd(0, EFD_CLOEXEC);
	if (fdno < 0) {
		rc = -errno;
		goto out_abort;
	}
	fdno = iommufd_file_install_fd(&iommufd_veventq_fops, veventq, fdno);
	if (fdno < 0) {
		rc = fdno;
		goto out_abort;
	}
	veventq->ictx = ucmd->ictx;
	iommufd_ctx_get(ucmd->ictx);
	veventq->obj.users++;
	cmd->out_veventq_id = veventq->obj.id;
	cmd->out_veventq_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/* never handed out: discarding the fd drops its holds */
		iommufd_file_discard(fdno);
		goto out_abort;
	}
	return 0;

out_abort:
	iommufd_object_abort_and_destroy(ucmd->ictx, &veventq->obj);
	return rc;
}

/*
 * iommufd_viommu_report_event() (driver.c) with iommufd_vevent_handler()
 * (iommufd_private.h): a full queue takes the lost_events_header instead,
 * which carries the sequence number the lost event would have had; every
 * add first drops a lost_events_header that is last. Sequence numbers wrap
 * at INT_MAX (31 bits).
 */
int iommufd_viommu_report_event(struct iommufd_viommu *viommu, uint32_t type,
				const void *event_data, size_t data_len)
{
	struct iommufd_veventq *veventq;
	struct iommufd_vevent_header *hdr;
	struct veventq_shared *q;

	if (!data_len || data_len > VEVENT_DATA_MAX || !event_data)
		return -EINVAL;
	veventq = iommufd_viommu_find_veventq(viommu, type);
	if (!veventq)
		return -EOPNOTSUPP;
	q = veventq->shared;
	pthread_mutex_lock(&q->lock);
	q->lost = false;
	if (q->num_events == q->depth) {
		hdr = &q->lost_events_header;
		q->lost = true;
	} else {
		struct veventq_slot *slot =
			&q->slots[(q->head + q->num_events) % q->depth];

		slot->header.flags = 0;
		slot->data_len = data_len;
		memcpy(slot->event_data, event_data, data_len);
		hdr = &slot->header;
		q->num_events++;
	}
	hdr->sequence = q->sequence;
	q->sequence = (q->sequence + 1) & INT_MAX;
	veventq_update_wakeup(veventq);
	pthread_mutex_unlock(&q->lock);
	return 0;
}
