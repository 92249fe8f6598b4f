// SPDX-License-Identifier: GPL-2.0
/*
 * Description: QEMU 10's own iommufd backend as a client of the kernel:
 * QEMU started in the vfio-lane guest with -object iommufd and edu on
 * vfio-pci through it connects once, binds, allocates an IOAS and a HWPT,
 * attaches, and maps exactly its guest RAM (writable) and ROMs (readonly);
 * the kernel agrees (pins, exact unmaps, readonly areas refuse writes); a
 * pre-opened fd is used and left open; a hot-plugged DIMM and a ROM remap
 * are mapped as QEMU's memory listener says; no pin outlives QEMU, and edu
 * binds again afterwards.
 *
 * The QEMU is bookworm-backports' qemu-system-x86 10.0, unpacked into the
 * cache by scripts/qemu-fetch (bookworm's 7.2 has no iommufd backend); the
 * Makefile fetches it when it builds this program and passes the wrapper's
 * path in $IOMMUFD_HARNESS_QEMU. It runs paused (-S) under TCG inside the
 * TCG guest: no guest code runs, which is enough for the machine to be built
 * and reset and for every RAM and ROM section to reach vfio's memory
 * listener. Where QEMU is absent (not fetched: no network) or does not run
 * at all, the cases skip saying so; where it runs and behaves wrongly, they
 * fail. Run with:
 *
 *     scripts/vmtest --lane vfio --tests qemu_iommufd_client
 */
#include "qemu_utils.h"

#ifdef VFIO_UAPI_HAS_CDEV

#define MIB (1024ULL * 1024)
#define GUEST_RAM "128M"
#define GUEST_RAM_BYTES (128 * MIB)
/* Room for one 128 MiB DIMM (pc-dimm needs slots and maxmem). */
#define GUEST_RAM_HOTPLUG "128M,slots=2,maxmem=512M"
#define DIMM_BYTES (128 * MIB)
/*
 * The PC's legacy window: [0xc0000, 0x100000) shows option ROM space and
 * the top of the BIOS, not RAM, at reset (q35's PAM registers route it away
 * from RAM); the RAM below and above it is plain RAM. Measured with QEMU
 * 10.0, -m 128M: 0-0xbffff and 0x100000-0x7ffffff writable, 0xc0000 and
 * 0xe0000 (128 KiB each) and the 256 KiB BIOS under 4 GiB readonly.
 */
#define LEGACY_ROM_START 0xc0000ULL
#define LEGACY_ROM_END 0x100000ULL
#define BIOS_SEGMENT_F 0xf0000ULL	/* the last 64 KiB, PAM0's high half */
#define FOUR_GIB (1ULL << 32)
/*
 * q35's MCH: PAM0 at config offset 0x90 (bits 5:4 route 0xf0000-0xfffff;
 * 3 = reads and writes go to RAM), reached through the 0xcf8/0xcfc
 * configuration mechanism of bus 0, device 0, function 0.
 */
#define MCH_PAM0_CFG_ADDR "0x80000090"
#define PAM_RAM_RW_HIGH "0x30"
#define TRACE_POLL_S 30
/*
 * Per case: QEMU's start (measured 5 to 31 s in a TCG guest on a loaded
 * host, up to QEMU_START_TIMEOUT_S), its work and its exit; the harness's
 * default of 30 s is too short for TCG inside TCG.
 */
#define CASE_TIMEOUT_S 240

FIXTURE(qemu_client)
{
	struct vfio_pci_dev dev;
	const char *qemu;
	struct qemu_vm vm;
	struct qemu_trace tr;
	int fd;			/* our /dev/iommu, when a case opens one */
	long long pins_before;	/* machine-wide FOLL_PIN pages before QEMU */
};

FIXTURE_SETUP(qemu_client)
{
	char why[512];

	self->fd = -1;
	self->vm.pid = -1;
	/* edu on vfio-pci, with its group and cdev; QEMU opens the cdev. */
	vfio_pci_open_or_skip(&self->dev);
	close(self->dev.fd);
	self->dev.fd = -1;
	self->qemu = qemu_binary(why, sizeof(why));
	if (!self->qemu)
		SKIP(return, "%s", why);
	if (qemu_runs(self->qemu, why, sizeof(why)))
		SKIP(return, "%s", why);
	self->pins_before = qemu_foll_pins();
	ASSERT_LE(0, self->pins_before) TH_LOG("no nr_foll_pin_* in /proc/vmstat");
}

FIXTURE_TEARDOWN(qemu_client)
{
	qemu_vm_cleanup(&self->vm);
	if (self->fd >= 0)
		close(self->fd);
}

/* ---- steps the cases share ---- */

static void start_qemu(struct __test_metadata *_metadata,
		       FIXTURE_DATA(qemu_client) *self, const char *mem)
{
	long start = qemu_now_ms();
	char why[512], tail[1024];
	int ret, i;

	ret = qemu_vm_start(&self->vm, self->qemu, self->dev.bdf, mem,
			    self->fd, why, sizeof(why));
	TH_LOG("QEMU -m %s answered QMP after %ld ms", mem, qemu_now_ms() - start);
	if (ret) {
		qemu_vm_log_tail(&self->vm, tail, sizeof(tail));
		ASSERT_EQ(0, ret) TH_LOG("%s: %s\nQEMU said:\n%s", why,
					 strerror(-ret), tail);
	}
	test_cmd_neg_errno(qemu_trace_read(self->vm.trace, &self->tr));
	for (i = 0; i < self->tr.nlive; i++)
		TH_LOG("QEMU mapped 0x%llx+0x%llx%s", self->tr.live[i].iova,
		       self->tr.live[i].size,
		       self->tr.live[i].readonly ? " readonly" : "");
}

/* QMP quit: QEMU must exit on its own, with status 0. */
static void quit_qemu(struct __test_metadata *_metadata,
		      FIXTURE_DATA(qemu_client) *self)
{
	char tail[1024];

	test_cmd_neg_errno(qemu_vm_quit(&self->vm));
	qemu_vm_log_tail(&self->vm, tail, sizeof(tail));
	ASSERT_TRUE(WIFEXITED(self->vm.status)) TH_LOG("QEMU: %s", tail);
	ASSERT_EQ(0, WEXITSTATUS(self->vm.status)) TH_LOG("QEMU: %s", tail);
	test_cmd_neg_errno(qemu_trace_read(self->vm.trace, &self->tr));
}

/*
 * Rereads the trace until cond holds or TRACE_POLL_S pass: QEMU's listener
 * runs in its main loop, after the QMP command that triggered it answered.
 */
#define trace_wait_for(_cond)                                                \
	({                                                                   \
		long __end = qemu_now_ms() + TRACE_POLL_S * 1000L;           \
		bool __ok;                                                   \
		while (!(__ok = (_cond)) && qemu_now_ms() < __end) {         \
			usleep(200 * 1000);                                  \
			qemu_trace_read(self->vm.trace, &self->tr);          \
		}                                                            \
		__ok;                                                        \
	})

/* The live mapping that contains iova, or NULL. */
static const struct qemu_map *map_covering(const struct qemu_trace *t,
					   __u64 iova)
{
	int i;

	for (i = 0; i < t->nlive; i++)
		if (t->live[i].iova <= iova &&
		    iova - t->live[i].iova < t->live[i].size)
			return &t->live[i];
	return NULL;
}

/*
 * What the trace must say once QEMU has realized the device: one backend
 * connect, one bind of our device, an IOAS, a HWPT allocated on it and the
 * device attached to that HWPT; every map succeeded, one per RAM section
 * the listener was given; no unmap failed or cut a mapping in two.
 */
static void check_setup_trace(struct __test_metadata *_metadata,
			      FIXTURE_DATA(qemu_client) *self, int owned)
{
	struct qemu_trace *t = &self->tr;

	ASSERT_EQ(1, t->connects);
	ASSERT_EQ(owned, t->connect_owned);
	ASSERT_EQ(1, t->connect_users);
	ASSERT_EQ(1, t->binds);
	ASSERT_STREQ(self->dev.bdf, t->bound_bdf);
	ASSERT_NE(0, t->ioas_id);
	ASSERT_NE(0, t->hwpt_id);
	ASSERT_EQ(1, t->attaches);
	ASSERT_EQ(t->hwpt_id, t->attached_id);
	ASSERT_EQ(0, t->failed_maps);
	ASSERT_EQ(0, t->failed_unmaps);
	ASSERT_EQ(0, t->split_unmaps);
	ASSERT_FALSE(qemu_trace_overlaps(t));
	ASSERT_EQ(t->ram_adds, t->maps);
}

/*
 * The mappings of a q35 machine with `ram` bytes below 4 GiB, just reset:
 * all of its RAM writable but the legacy ROM window, which is mapped
 * readonly and exactly tiled by ROM mappings, and the BIOS readonly at the
 * top of 4 GiB (the reset vector), nothing else.
 */
static void check_reset_layout(struct __test_metadata *_metadata,
			       const struct qemu_trace *t, __u64 ram)
{
	__u64 rom = 0, bios = 0, rw = 0;
	int i;

	for (i = 0; i < t->nlive; i++) {
		const struct qemu_map *m = &t->live[i];

		if (!m->readonly) {
			ASSERT_LE(m->iova + m->size, ram)
				TH_LOG("writable 0x%llx+0x%llx beyond RAM",
				       m->iova, m->size);
			rw += m->size;
		} else if (m->iova + m->size == FOUR_GIB) {
			bios += m->size;
		} else {
			ASSERT_LE(LEGACY_ROM_START, m->iova);
			ASSERT_LE(m->iova + m->size, LEGACY_ROM_END);
			rom += m->size;
		}
	}
	ASSERT_EQ(LEGACY_ROM_END - LEGACY_ROM_START, rom);
	ASSERT_EQ(ram - (LEGACY_ROM_END - LEGACY_ROM_START), rw);
	/* SeaBIOS images are 128 or 256 KiB. */
	ASSERT_TRUE(bios == 128 * 1024 || bios == 256 * 1024)
		TH_LOG("BIOS mapping of 0x%llx bytes", bios);
}

/*
 * The machine-wide FOLL_PIN count is `pages` above what it was before QEMU
 * started, give or take the pins other kernel users hold for a moment (the
 * guest's root is 9p; measured: a few pages either way).
 */
#define FOLL_PIN_NOISE_PAGES 64

static void check_foll_pins(struct __test_metadata *_metadata,
			    FIXTURE_DATA(qemu_client) *self, long long pages)
{
	long long now = qemu_foll_pins();

	ASSERT_LE(self->pins_before + pages - FOLL_PIN_NOISE_PAGES, now);
	ASSERT_GE(self->pins_before + pages + FOLL_PIN_NOISE_PAGES, now);
}

/*
 * iommufd accounts every page it pins for a domain in the owning mm's
 * pinned_vm (VmPin; do_update_pinned() in pages.c of 6.12 and 7.3) and pins
 * them with FOLL_PIN: while QEMU runs, both equal the bytes QEMU mapped.
 */
static void check_pins(struct __test_metadata *_metadata,
		       FIXTURE_DATA(qemu_client) *self)
{
	__u64 mapped = qemu_trace_bytes(&self->tr, false) +
		       qemu_trace_bytes(&self->tr, true);

	ASSERT_EQ(mapped / 1024, proc_vm_pin_kb(self->vm.pid));
	check_foll_pins(_metadata, self, mapped / iommufd_page_size());
}

/*
 * After QEMU, the device is free: it binds to a new iommufd and attaches
 * to a new IOAS (the kernel would refuse a bind while QEMU's lasted).
 */
static void check_edu_free(struct __test_metadata *_metadata,
			   FIXTURE_DATA(qemu_client) *self)
{
	char why[256];
	__u32 ioas, hwpt, devid;
	int devfd;

	if (self->fd < 0)
		iommufd_open_or_skip(&self->fd);
	devfd = vfio_pci_cdev_open(&self->dev, why, sizeof(why));
	ASSERT_LE(0, devfd) TH_LOG("%s", why);
	test_cmd_ioas_alloc(&ioas);
	test_cmd_vfio_bind(devfd, self->fd, &devid);
	test_cmd_vfio_attach(devfd, ioas, &hwpt);
	close(devfd);
	test_cmd_destroy(ioas);
}

/* ---- the cases ---- */

/*
 * QEMU opens /dev/iommu itself: one connect (owned), the trace's setup
 * steps, the reset layout, its one /dev/iommu fd, pins equal to the
 * mappings while it runs. Then the listener follows the memory map: a
 * hot-plugged DIMM (object-add + device_add pc-dimm) is mapped writable at
 * the address QEMU gives it, and a ROM remap (PAM0 switched to RAM for
 * 0xf0000-0xfffff, written through HMP's port I/O as a BIOS would) replaces
 * the readonly BIOS mapping there by a writable one; the pins follow. After
 * QEMU exits no pin is left and edu binds again. (Unplugging the DIMM needs
 * the guest's ACPI to eject it; no guest code runs here, so it is not tried.)
 */
TEST_F_TIMEOUT(qemu_client, owned_fd_maps_ram_roms_hotplug_and_remap,
	       CASE_TIMEOUT_S)
{
	const struct qemu_map *m;
	int n, last = -1;
	char reply[1024];
	long long addr;

	start_qemu(_metadata, self, GUEST_RAM_HOTPLUG);
	check_setup_trace(_metadata, self, 1);
	ASSERT_EQ(0, qemu_qmp(&self->vm, "{\"execute\":\"query-memory-size-summary\"}",
			      reply, sizeof(reply)));
	ASSERT_EQ(GUEST_RAM_BYTES, qemu_qmp_number(reply, "base-memory"));
	check_reset_layout(_metadata, &self->tr, GUEST_RAM_BYTES);
	n = qemu_proc_fds_on(self->vm.pid, IOMMUFD_DEV_PATH, &last);
	ASSERT_EQ(1, n);
	ASSERT_EQ(self->tr.connect_fd, last);
	check_pins(_metadata, self);

	/* Hot-plug. */
	ASSERT_EQ(0, qemu_qmp(&self->vm,
			      "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"mem1\",\"size\":134217728}}",
			      reply, sizeof(reply))) TH_LOG("%s", reply);
	ASSERT_EQ(0, qemu_qmp(&self->vm,
			      "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"dimm1\",\"memdev\":\"mem1\"}}",
			      reply, sizeof(reply))) TH_LOG("%s", reply);
	ASSERT_EQ(0, qemu_qmp(&self->vm, "{\"execute\":\"query-memory-devices\"}",
			      reply, sizeof(reply)));
	addr = qemu_qmp_number(reply, "addr");
	ASSERT_LE(FOUR_GIB, addr) TH_LOG("%s", reply);
	ASSERT_TRUE(trace_wait_for(qemu_trace_find(&self->tr, addr)));
	m = qemu_trace_find(&self->tr, addr);
	ASSERT_EQ(DIMM_BYTES, m->size);
	ASSERT_FALSE(m->readonly);
	check_setup_trace(_metadata, self, 1);
	check_pins(_metadata, self);

	/* ROM remap. */
	m = map_covering(&self->tr, BIOS_SEGMENT_F);
	ASSERT_NE(NULL, m);
	ASSERT_TRUE(m->readonly);
	ASSERT_EQ(0, qemu_hmp_silent(&self->vm, "o /w 0xcf8 " MCH_PAM0_CFG_ADDR,
				     reply, sizeof(reply))) TH_LOG("%s", reply);
	ASSERT_EQ(0, qemu_hmp_silent(&self->vm, "o /b 0xcfc " PAM_RAM_RW_HIGH,
				     reply, sizeof(reply))) TH_LOG("%s", reply);
	ASSERT_TRUE(trace_wait_for((m = map_covering(&self->tr, BIOS_SEGMENT_F)) &&
				   !m->readonly));
	ASSERT_LE(LEGACY_ROM_END, m->iova + m->size);
	/* Only 0xf0000-0xfffff changed: the rest of the window stays ROM. */
	m = map_covering(&self->tr, BIOS_SEGMENT_F - 1);
	ASSERT_NE(NULL, m);
	ASSERT_TRUE(m->readonly);
	check_setup_trace(_metadata, self, 1);
	check_pins(_metadata, self);

	quit_qemu(_metadata, self);
	/*
	 * Measured with QEMU 10.0: nothing is traced at exit (no unmap, free
	 * or disconnect); it exits without finalizing its objects and the
	 * kernel releases the context with the fd. That release is what the
	 * pins and edu's new bind below prove. One connect, at most one
	 * disconnect, whichever QEMU does.
	 */
	ASSERT_LE(self->tr.disconnects, 1);
	check_foll_pins(_metadata, self, 0);
	check_edu_free(_metadata, self);
}

/*
 * -object iommufd,fd=N: QEMU uses our fd, opens no /dev/iommu of its own
 * and leaves ours open. Its IOAS and HWPT live in the fd's context, so once
 * QEMU has exited they are ours: the IOAS holds exactly the mappings the
 * trace left live (each unmaps whole, by its exact range; a range that cut
 * an area would give ENOENT), and nothing else.
 */
TEST_F_TIMEOUT(qemu_client, preopened_fd_used_and_kept, CASE_TIMEOUT_S)
{
	__u32 spare;
	int i, n, last = -1;

	iommufd_open_or_skip(&self->fd);
	start_qemu(_metadata, self, GUEST_RAM);
	check_setup_trace(_metadata, self, 0);
	ASSERT_EQ(self->fd, self->tr.connect_fd);
	n = qemu_proc_fds_on(self->vm.pid, IOMMUFD_DEV_PATH, &last);
	ASSERT_EQ(1, n);
	ASSERT_EQ(self->fd, last);
	check_reset_layout(_metadata, &self->tr, GUEST_RAM_BYTES);
	check_pins(_metadata, self);

	quit_qemu(_metadata, self);
	ASSERT_EQ(0, fcntl(self->fd, F_GETFD) < 0);
	test_cmd_ioas_alloc(&spare);
	test_cmd_destroy(spare);
	if (self->tr.ioas_freed) {
		test_err_destroy(ENOENT, self->tr.ioas_id);
	} else {
		for (i = 0; i < self->tr.nlive; i++)
			test_cmd_ioas_unmap_len(self->tr.ioas_id,
						self->tr.live[i].iova,
						self->tr.live[i].size,
						self->tr.live[i].size);
		test_cmd_ioas_unmap_len(self->tr.ioas_id, 0, UINT64_MAX, 0);
		if (!self->tr.hwpt_freed)
			test_cmd_destroy(self->tr.hwpt_id);
		test_cmd_destroy(self->tr.ioas_id);
	}
	check_foll_pins(_metadata, self, 0);
	check_edu_free(_metadata, self);
}

/*
 * The readonly flag of each mapping, as the kernel holds it: through an
 * in-kernel access (IOMMU_TEST_CMD) on QEMU's IOAS, left to our fd, every
 * mapping reads, and a write is refused with EPERM exactly where the trace
 * said readonly=1 (check_area_prot() in iommufd_access_rw(), device.c).
 */
TEST_F_TIMEOUT(qemu_client, readonly_flags_as_traced, CASE_TIMEOUT_S)
{
	__u64 word;
	int i, access_fd;

	iommufd_open_or_skip(&self->fd);
	iommufd_test_cmd_or_skip(self->fd);
	start_qemu(_metadata, self, GUEST_RAM);
	check_setup_trace(_metadata, self, 0);
	quit_qemu(_metadata, self);
	ASSERT_FALSE(self->tr.ioas_freed);
	ASSERT_LT(0, self->tr.nlive);

	test_cmd_create_access(self->tr.ioas_id, &access_fd, 0);
	for (i = 0; i < self->tr.nlive; i++) {
		const struct qemu_map *m = &self->tr.live[i];

		test_cmd_access_rw(access_fd, m->iova, &word, sizeof(word), 0);
		if (m->readonly)
			test_err_access_rw(EPERM, access_fd, m->iova, &word,
					   sizeof(word),
					   MOCK_ACCESS_RW_WRITE);
		else
			test_cmd_access_rw(access_fd, m->iova, &word,
					   sizeof(word), MOCK_ACCESS_RW_WRITE);
	}
	close(access_fd);
	test_cmd_ioas_unmap(self->tr.ioas_id, 0, UINT64_MAX);
	if (!self->tr.hwpt_freed)
		test_cmd_destroy(self->tr.hwpt_id);
	test_cmd_destroy(self->tr.ioas_id);
	check_foll_pins(_metadata, self, 0);
}

#endif /* VFIO_UAPI_HAS_CDEV */

VFIO_TEST_MAIN
