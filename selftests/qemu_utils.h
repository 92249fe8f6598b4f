/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU as an iommufd client, for qemu_iommufd_client.c: starting a QEMU 10
 * (the one scripts/qemu-fetch unpacks into the cache) with an iommufd backend
 * and a vfio-pci device, talking QMP to it over a unix socket, and reading
 * back what its trace points say it asked of /dev/iommu.
 *
 * QEMU's trace (`-trace iommufd*` with the "log" backend Debian builds, into
 * the file given by -D) is one line per event, the event's name and then
 * key=value pairs. The lines read here, as QEMU 10.0 prints them:
 *   iommufd_backend_connect fd=10 owned=1 users=1
 *   iommufd_backend_disconnect fd=10 users=0
 *   iommufd_backend_alloc_ioas  iommufd=10 ioas=2
 *   iommufd_backend_alloc_hwpt  iommufd=10 dev_id=1 pt_id=2 ... out_hwpt=3 (0)
 *   iommufd_backend_map_dma  iommufd=10 ioas=2 iova=0x0 size=0xc0000 addr=0x7f.. readonly=0 (0)
 *   iommufd_backend_unmap_dma  iommufd=10 ioas=2 iova=0x0 size=0x8000000 (0)
 *   iommufd_backend_free_id  iommufd=10 id=2 (0)
 *   iommufd_cdev_connect_and_bind  [iommufd=10] Successfully bound device 0000:00:0b.0 (fd=13): output devid=1
 *   iommufd_cdev_attach_ioas_hwpt  [iommufd=10] Successfully attached device 0000:00:0b.0 (13) to id=3
 *   vfio_listener_region_add_ram region_add [ram] 0x0 - 0xbffff [0x7f..]
 * The "(N)" at the end is the ioctl's result (0, or a negative errno).
 * Replaying the map and unmap lines gives the set of mappings QEMU believes
 * its IOAS holds; the tests hold that against the kernel's answers.
 *
 * Error convention: 0 or a negative errno, with why[] filled where passed.
 */
#ifndef IOMMUFD_HARNESS_QEMU_UTILS_H
#define IOMMUFD_HARNESS_QEMU_UTILS_H

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "vfio_utils.h"

/* The wrapper scripts/qemu-fetch writes; the Makefile passes its path. */
#define QEMU_ENV "IOMMUFD_HARNESS_QEMU"
#define QEMU_MAX_MAPS 64
/* TCG inside a TCG guest: QEMU 10 takes about 10 s to reach its main loop. */
#define QEMU_START_TIMEOUT_S 120
#define QEMU_EXIT_TIMEOUT_S 60

struct qemu_map {
	__u64 iova;
	__u64 size;
	bool readonly;
};

/* What the trace says QEMU did, replayed line by line. */
struct qemu_trace {
	int connects, disconnects;
	int connect_fd, connect_owned, connect_users;
	int binds, attaches;
	char bound_bdf[32];
	__u32 devid, ioas_id, hwpt_id, attached_id;
	bool ioas_freed, hwpt_freed;
	int ram_adds;		/* vfio_listener_region_add_ram */
	int maps, unmaps;	/* successful ones */
	int failed_maps;	/* map_dma lines ending in a negative errno */
	int failed_unmaps;	/* unmap_dma (not _non_exist) with an error */
	int split_unmaps;	/* unmaps that cut a live mapping */
	int nlive;
	struct qemu_map live[QEMU_MAX_MAPS];
};

/* One QEMU process and its files (in a private directory under /tmp). */
struct qemu_vm {
	pid_t pid;
	int status;		/* waitpid() status once it exited */
	FILE *qmp;
	char dir[64];
	char trace[96], log[96], sock[96];
};

/* ---- the trace ---- */

static inline void qemu_trace_unmap(struct qemu_trace *t, __u64 iova,
				    __u64 size)
{
	__u64 last = iova + size - 1;
	int i = 0;

	while (i < t->nlive) {
		struct qemu_map *m = &t->live[i];
		__u64 mlast = m->iova + m->size - 1;

		if (mlast < iova || m->iova > last) {
			i++;
			continue;
		}
		/* The kernel refuses to cut an area (ENOENT): count it. */
		if (m->iova < iova || mlast > last)
			t->split_unmaps++;
		*m = t->live[--t->nlive];
	}
}

/* One line of the trace; unknown events are ignored. */
static inline void qemu_trace_line(struct qemu_trace *t, const char *line)
{
	unsigned long long iova, size;
	unsigned int ioas, id, a, b;
	int fd, ro, ret, n;
	const char *p;
	char bdf[32];

	if ((p = strstr(line, "iommufd_backend_connect "))) {
		if (sscanf(p, "iommufd_backend_connect fd=%d owned=%d users=%d",
			   &t->connect_fd, &t->connect_owned,
			   &t->connect_users) == 3)
			t->connects++;
	} else if ((p = strstr(line, "iommufd_backend_disconnect "))) {
		t->disconnects++;
	} else if ((p = strstr(line, "iommufd_backend_alloc_ioas "))) {
		if (sscanf(p, "iommufd_backend_alloc_ioas iommufd=%d ioas=%u",
			   &fd, &ioas) == 2)
			t->ioas_id = ioas;
	} else if ((p = strstr(line, "iommufd_backend_alloc_hwpt "))) {
		p = strstr(p, "out_hwpt=");
		if (p && sscanf(p, "out_hwpt=%u (%d)", &id, &ret) == 2 && !ret)
			t->hwpt_id = id;
	} else if ((p = strstr(line, "iommufd_backend_free_id "))) {
		if (sscanf(p, "iommufd_backend_free_id iommufd=%d id=%u (%d)",
			   &fd, &id, &ret) == 3 && !ret) {
			t->ioas_freed |= t->ioas_id && id == t->ioas_id;
			t->hwpt_freed |= t->hwpt_id && id == t->hwpt_id;
		}
	} else if ((p = strstr(line, "iommufd_backend_map_dma "))) {
		n = sscanf(p, "iommufd_backend_map_dma iommufd=%d ioas=%u iova=0x%llx size=0x%llx",
			   &fd, &ioas, &iova, &size);
		p = strstr(p, "readonly=");
		if (n != 4 || !p || sscanf(p, "readonly=%d (%d)", &ro, &ret) != 2)
			return;
		if (ret) {
			t->failed_maps++;
		} else if (t->nlive < QEMU_MAX_MAPS) {
			t->maps++;
			t->live[t->nlive++] = (struct qemu_map){ iova, size, ro };
		}
	} else if ((p = strstr(line, "iommufd_backend_unmap_dma "))) {
		if (sscanf(p, "iommufd_backend_unmap_dma iommufd=%d ioas=%u iova=0x%llx size=0x%llx (%d)",
			   &fd, &ioas, &iova, &size, &ret) != 5)
			return;
		if (ret) {
			t->failed_unmaps++;
			return;
		}
		t->unmaps++;
		qemu_trace_unmap(t, iova, size);
	} else if ((p = strstr(line, "iommufd_cdev_connect_and_bind "))) {
		p = strstr(p, "bound device ");
		if (p && sscanf(p, "bound device %31s (fd=%d): output devid=%u",
				bdf, &fd, &id) == 3) {
			t->binds++;
			t->devid = id;
			snprintf(t->bound_bdf, sizeof(t->bound_bdf), "%s", bdf);
		}
	} else if ((p = strstr(line, "iommufd_cdev_attach_ioas_hwpt "))) {
		p = strstr(p, "to id=");
		if (p && sscanf(p, "to id=%u", &id) == 1) {
			t->attaches++;
			t->attached_id = id;
		}
	} else if ((p = strstr(line, "vfio_listener_region_add_ram "))) {
		if (sscanf(p, "vfio_listener_region_add_ram region_add [ram] 0x%x - 0x%x",
			   &a, &b) >= 1)
			t->ram_adds++;
	}
}

/* Replays the whole trace file into *t. Returns 0 or a negative errno. */
static inline int qemu_trace_read(const char *path, struct qemu_trace *t)
{
	char line[512];
	FILE *f = fopen(path, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		qemu_trace_line(t, line);
	fclose(f);
	return 0;
}

/* The live mapping that starts at iova, or NULL. */
static inline const struct qemu_map *qemu_trace_find(const struct qemu_trace *t,
						     __u64 iova)
{
	int i;

	for (i = 0; i < t->nlive; i++)
		if (t->live[i].iova == iova)
			return &t->live[i];
	return NULL;
}

/* Bytes of the live mappings, readonly ones or writable ones. */
static inline __u64 qemu_trace_bytes(const struct qemu_trace *t, bool readonly)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < t->nlive; i++)
		if (t->live[i].readonly == readonly)
			sum += t->live[i].size;
	return sum;
}

/* Whether two live mappings overlap (the kernel refuses that: EEXIST). */
static inline bool qemu_trace_overlaps(const struct qemu_trace *t)
{
	int i, j;

	for (i = 0; i < t->nlive; i++)
		for (j = i + 1; j < t->nlive; j++)
			if (t->live[i].iova < t->live[j].iova + t->live[j].size &&
			    t->live[j].iova < t->live[i].iova + t->live[i].size)
				return true;
	return false;
}

/* ---- the process ---- */

/* The QEMU the tests run; NULL with why[] filled when it is not there. */
static inline const char *qemu_binary(char *why, size_t wlen)
{
	const char *q = getenv(QEMU_ENV);

	if (!q || !*q) {
		snprintf(why, wlen, "%s is not set (make -C selftests sets it to the QEMU scripts/qemu-fetch unpacks)",
			 QEMU_ENV);
		return NULL;
	}
	if (access(q, X_OK)) {
		snprintf(why, wlen, "no QEMU 10 at %s=%s (scripts/qemu-fetch could not fetch bookworm-backports' qemu-system-x86: no network?)",
			 QEMU_ENV, q);
		return NULL;
	}
	return q;
}

/* Runs `QEMU --version`: whether the unpacked QEMU runs at all here. */
static inline int qemu_runs(const char *qemu, char *why, size_t wlen)
{
	char cmd[PATH_MAX + 32], out[256] = "";
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --version 2>&1", qemu);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	st = pclose(p);
	if (st != 0 || !strstr(out, "QEMU emulator version")) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(why, wlen, "%s --version does not run here: %s", qemu,
			 out);
		return -ENOEXEC;
	}
	return 0;
}

static inline long qemu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * The next QMP reply (a line with "return" or "error"; events are passed
 * over) into buf. Returns 0 for "return", -EIO for "error", -EPIPE when QEMU
 * closed the socket.
 */
static inline int qemu_qmp_reply(struct qemu_vm *vm, char *buf, size_t len)
{
	while (fgets(buf, len, vm->qmp)) {
		if (strstr(buf, "\"event\""))
			continue;
		if (strstr(buf, "\"return\""))
			return 0;
		if (strstr(buf, "\"error\""))
			return -EIO;
	}
	return -EPIPE;
}

/*
 * Sends one QMP command (a JSON object, on one line) and reads its reply
 * into buf. Returns as qemu_qmp_reply().
 */
static inline int qemu_qmp(struct qemu_vm *vm, const char *json, char *buf,
			   size_t len)
{
	if (fprintf(vm->qmp, "%s\n", json) < 0 || fflush(vm->qmp))
		return -EPIPE;
	return qemu_qmp_reply(vm, buf, len);
}

/*
 * An HMP command through QMP's human-monitor-command, for commands that
 * print nothing when they succeed (o): HMP reports its errors ("invalid
 * char in format") as text in a successful QMP reply. Returns 0, -EIO when
 * it printed something (in buf), or as qemu_qmp().
 */
static inline int qemu_hmp_silent(struct qemu_vm *vm, const char *cmdline,
				  char *buf, size_t len)
{
	char json[256];
	int ret;

	snprintf(json, sizeof(json),
		 "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"%s\"}}",
		 cmdline);
	ret = qemu_qmp(vm, json, buf, len);
	return ret ?: strstr(buf, "\"return\": \"\"") ? 0 : -EIO;
}

/* "key": <number> from a QMP reply, or -1. */
static inline long long qemu_qmp_number(const char *reply, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(reply, pat);
	return p ? strtoll(p + strlen(pat), NULL, 0) : -1;
}

/*
 * Starts QEMU paused (-S: no guest code runs, the machine is built and
 * reset) on a q35 machine with `mem` (-m's argument), an iommufd backend
 * (on iommufd_fd when >= 0: QEMU's fd=N option, the fd inherited across
 * exec; else QEMU opens /dev/iommu itself) and the device bdf on vfio-pci
 * through it, tracing iommufd* and the vfio listener into vm->trace. Waits
 * until QMP answers: QEMU accepts the connection in its main loop, after
 * every -device has been realized. Returns 0, or a negative errno with
 * why[] saying what happened (QEMU's own messages are in vm->log).
 */
static inline int qemu_vm_start(struct qemu_vm *vm, const char *qemu,
				const char *bdf, const char *mem,
				int iommufd_fd, char *why, size_t wlen)
{
	char obj[64], dev[96], qmp[128], buf[512];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	long deadline;
	int s, st;

	memset(vm, 0, sizeof(*vm));
	vm->pid = -1;
	snprintf(vm->dir, sizeof(vm->dir), "/tmp/qemu-client.XXXXXX");
	if (!mkdtemp(vm->dir))
		return -errno;
	snprintf(vm->trace, sizeof(vm->trace), "%s/trace.log", vm->dir);
	snprintf(vm->log, sizeof(vm->log), "%s/qemu.log", vm->dir);
	snprintf(vm->sock, sizeof(vm->sock), "%s/qmp.sock", vm->dir);
	if (iommufd_fd >= 0)
		snprintf(obj, sizeof(obj), "iommufd,id=iommufd0,fd=%d",
			 iommufd_fd);
	else
		snprintf(obj, sizeof(obj), "iommufd,id=iommufd0");
	snprintf(dev, sizeof(dev), "vfio-pci,host=%s,iommufd=iommufd0,id=hostdev0",
		 bdf);
	snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", vm->sock);

	vm->pid = fork();
	if (vm->pid < 0)
		return -errno;
	if (vm->pid == 0) {
		int log = open(vm->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		/*
		 * QEMU dies with the test: a case the harness kills at its
		 * timeout has no teardown to do it.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The suite opens fds O_CLOEXEC; this one must reach QEMU. */
		if (iommufd_fd >= 0)
			fcntl(iommufd_fd, F_SETFD, 0);
		execl(qemu, qemu, "-accel", "tcg", "-machine", "q35", "-m", mem,
		      "-nodefaults", "-display", "none", "-serial", "none",
		      "-monitor", "none", "-S", "-object", obj, "-device", dev,
		      "-trace", "enable=iommufd*", "-trace",
		      "enable=vfio_listener*", "-D", vm->trace, "-qmp", qmp,
		      (char *)NULL);
		_exit(127);
	}

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", vm->sock);
	deadline = qemu_now_ms() + QEMU_START_TIMEOUT_S * 1000L;
	for (;;) {
		if (waitpid(vm->pid, &st, WNOHANG) == vm->pid) {
			vm->pid = -1;
			snprintf(why, wlen, "QEMU exited (status 0x%x) before QMP answered; see %s",
				 st, vm->log);
			return -ECHILD;
		}
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (!connect(s, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		close(s);
		if (qemu_now_ms() > deadline) {
			snprintf(why, wlen, "QMP at %s did not answer within %d s",
				 vm->sock, QEMU_START_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		usleep(100 * 1000);
	}
	vm->qmp = fdopen(s, "r+");
	if (!vm->qmp) {
		close(s);
		return -errno;
	}
	/* The greeting, then capabilities negotiation leaves command mode. */
	if (!fgets(buf, sizeof(buf), vm->qmp) || !strstr(buf, "\"QMP\"")) {
		snprintf(why, wlen, "no QMP greeting on %s", vm->sock);
		return -EPROTO;
	}
	if (qemu_qmp(vm, "{\"execute\":\"qmp_capabilities\"}", buf,
		     sizeof(buf))) {
		snprintf(why, wlen, "qmp_capabilities: %.200s", buf);
		return -EPROTO;
	}
	return 0;
}

/*
 * Waits up to QEMU_EXIT_TIMEOUT_S for QEMU to exit, then kills it. Returns
 * 0 when it exited on its own (vm->status has how), -ETIMEDOUT when it had
 * to be killed.
 */
static inline int qemu_vm_wait(struct qemu_vm *vm)
{
	long deadline = qemu_now_ms() + QEMU_EXIT_TIMEOUT_S * 1000L;

	while (vm->pid > 0) {
		if (waitpid(vm->pid, &vm->status, WNOHANG) == vm->pid) {
			vm->pid = -1;
			return 0;
		}
		if (qemu_now_ms() > deadline) {
			kill(vm->pid, SIGKILL);
			waitpid(vm->pid, &vm->status, 0);
			vm->pid = -1;
			return -ETIMEDOUT;
		}
		usleep(100 * 1000);
	}
	return 0;
}

/* QMP quit, then the wait. Returns as qemu_vm_wait(), -EPIPE if quit failed. */
static inline int qemu_vm_quit(struct qemu_vm *vm)
{
	char buf[512];
	int ret = vm->qmp ? qemu_qmp(vm, "{\"execute\":\"quit\"}", buf,
				     sizeof(buf)) : -EPIPE;

	if (vm->qmp)
		fclose(vm->qmp);
	vm->qmp = NULL;
	/* QEMU may close the socket before or after it answers quit. */
	if (ret == -EPIPE && vm->pid > 0 && kill(vm->pid, 0))
		ret = 0;
	return qemu_vm_wait(vm) ?: (ret == -EIO ? -EIO : 0);
}

/* Whatever is left: the process killed, the files removed. */
static inline void qemu_vm_cleanup(struct qemu_vm *vm)
{
	if (vm->qmp)
		fclose(vm->qmp);
	vm->qmp = NULL;
	if (vm->pid > 0) {
		kill(vm->pid, SIGKILL);
		waitpid(vm->pid, &vm->status, 0);
		vm->pid = -1;
	}
	if (vm->dir[0]) {
		unlink(vm->trace);
		unlink(vm->log);
		unlink(vm->sock);
		rmdir(vm->dir);
	}
}

/* The last lines of QEMU's own output, for a failure's log. */
static inline void qemu_vm_log_tail(const struct qemu_vm *vm, char *buf,
				    size_t len)
{
	FILE *f = fopen(vm->log, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);

		fseek(f, size > (long)len - 1 ? size - (long)len + 1 : 0,
		      SEEK_SET);
		n = fread(buf, 1, len - 1, f);
	}
	buf[n] = '\0';
	fclose(f);
}

/* ---- what the kernel says about the QEMU process ---- */

/*
 * The fds of a process that are open on `path`; the number of the last one
 * in *last. Returns the count, or a negative errno.
 */
static inline int qemu_proc_fds_on(pid_t pid, const char *path, int *last)
{
	char dir[64], link[PATH_MAX + 64], target[PATH_MAX];
	struct dirent *e;
	int n = 0;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, path)) {
			n++;
			*last = atoi(e->d_name);
		}
	}
	closedir(d);
	return n;
}

/*
 * Pages pinned with FOLL_PIN and not yet released, machine-wide
 * (nr_foll_pin_acquired - nr_foll_pin_released in /proc/vmstat, mm/gup.c
 * counts every pin_user_pages() page there). iommufd pins a domain's pages
 * that way (pages.c, pfn_reader_user_pin()). Returns -1 if unreadable.
 */
static inline long long qemu_foll_pins(void)
{
	long long acquired = -1, released = -1, v;
	char key[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "nr_foll_pin_acquired"))
			acquired = v;
		else if (!strcmp(key, "nr_foll_pin_released"))
			released = v;
	}
	fclose(f);
	return acquired < 0 || released < 0 ? -1 : acquired - released;
}

#endif /* IOMMUFD_HARNESS_QEMU_UTILS_H */
