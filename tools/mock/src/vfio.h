/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock's VFIO side: PCI devices handed to userspace through vfio-pci's
 * cdev (/dev/vfio/devices/vfioN), configured by IOMMUFD_MOCK_VFIO. Mirrors
 * drivers/vfio/vfio.h and drivers/vfio/pci/vfio_pci_priv.h of Linux 6.12
 * and 7.3, with the device model (QEMU's edu, edu.c) and the IOMMU in front
 * of it (pci_iommu.c) that the kernel gets from hardware.
 *
 * Files (each mirrors the kernel file of its name where there is one):
 *   vfio_main.c       the devices (IOMMUFD_MOCK_VFIO), the device file and
 *                     its ioctl dispatch, VFIO_DEVICE_FEATURE
 *   device_cdev.c     BIND_IOMMUFD, ATTACH/DETACH_IOMMUFD_PT
 *   vfio_iommufd.c    drivers/vfio/iommufd.c: the physical device's
 *                     bind/attach/detach on iommufd
 *   vfio_pci_core.c   GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, SET_IRQS,
 *                     RESET, region read/write, mmap
 *   vfio_pci_config.c config space as vfio-pci virtualizes it
 *   edu.c             the device: QEMU's hw/misc/edu.c, written here
 *   pci_iommu.c       the mock IOMMU in front of these devices: its domains,
 *                     a DMA translated through them, the fault record
 *   mmio_trap.c       mmap'ed BARs: loads and stores trapped (SIGSEGV)
 *   vfio_sysfs.c      what a VMM reads in sysfs, and the device nodes
 *
 * All device state lives in the arena (fork() shares it), under the mock's
 * lock.
 */
#ifndef IOMMUFD_MOCK_VFIO_H
#define IOMMUFD_MOCK_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include "iommufd_private.h"

#define VFIO_MOCK_MAX_DEVICES 16
#define VFIO_MOCK_MAX_DMABUFS 16
/* vfio-pci's config space for a conventional PCI device (pdev->cfg_size) */
#define VFIO_MOCK_CFG_SIZE 256
/* VFIO_PCI_INDEX_TO_OFFSET(): a region's offset in the device fd */
#define VFIO_MOCK_OFFSET_SHIFT 40
#define VFIO_MOCK_INDEX(off) ((off) >> VFIO_MOCK_OFFSET_SHIFT)
#define VFIO_MOCK_OFFSET(off) ((off) & ((1ULL << VFIO_MOCK_OFFSET_SHIFT) - 1))

struct vfio_device;

/* A device model behind vfio-pci: its identity and BAR0 (edu.c). */
struct vfio_pci_model {
	const char *name;	/* as IOMMUFD_MOCK_VFIO names it */
	uint16_t vendor, device, subsystem_vendor, subsystem_device;
	uint8_t revision;
	uint32_t class;		/* class, subclass, prog-if */
	uint64_t bar0_size;	/* 32-bit non-prefetchable memory */
	bool msi;		/* an MSI capability, one vector, 64-bit */
	void (*reset)(struct vfio_device *vdev);
	/* a 1, 2, 4 or 8-byte access to BAR0 at off */
	uint64_t (*bar_read)(struct vfio_device *vdev, uint64_t off,
			     unsigned int size);
	void (*bar_write)(struct vfio_device *vdev, uint64_t off,
			  unsigned int size, uint64_t val);
};

/* edu's registers (edu.c) */
struct edu_state {
	uint32_t liveness, fact, status, irq_status;
	uint64_t dma_src, dma_dst, dma_cnt, dma_cmd;
	uint8_t buf[4096];
};

/* struct vfio_pci_irq_ctx: the eventfd VFIO signals, a dup held by the mock */
struct vfio_mock_irq {
	int fd;			/* -1: none */
	bool masked;		/* INTx: automasked until unmasked */
	int unmask_fd;		/* INTx: VFIO_IRQ_SET_ACTION_UNMASK eventfd */
};

/* struct vfio_device + struct vfio_pci_core_device of one mock device */
struct vfio_device {
	char bdf[16];			/* 0000:00:0b.0 */
	unsigned int index;		/* /dev/vfio/devices/vfio<index> */
	unsigned int group;		/* /sys/kernel/iommu_groups/<group> */
	int64_t model;			/* mock_so_off() of its vfio_pci_model */
	bool mmap_bars;			/* VFIO_REGION_INFO_FLAG_MMAP offered */
	/* vfio_main.c */
	unsigned int open_count;	/* bound device files (cdev: 0 or 1) */
	struct vfio_device_file *bound;	/* the file that bound it */
	/* vfio_pci_config.c: what the user sees, vconfig */
	uint8_t vconfig[VFIO_MOCK_CFG_SIZE];
	uint32_t bar0_user;		/* the BAR as the user last wrote it */
	/* vfio_pci_core.c: interrupts */
	int irq_type;			/* VFIO_PCI_*_IRQ_INDEX in use, or -1 */
	struct vfio_mock_irq intx, msi, err, req;
	/* the model's state */
	struct edu_state edu;
	/* pci_iommu.c: the iommufd device while bound */
	struct iommufd_device *idev;
	/* vfio_pci_dmabuf.c: the dma-bufs of its BAR (7.x) */
	struct iommufd_test_dma_buf *dmabufs[VFIO_MOCK_MAX_DMABUFS];
	unsigned int ndmabufs;
};

static inline const struct vfio_pci_model *
vfio_model(const struct vfio_device *vdev)
{
	return mock_so_ptr(vdev->model);
}

/* The file behind an fd of /dev/vfio/devices/vfioN (vfio_device_file). */
struct vfio_device_file {
	struct vfio_device *device;
	struct iommufd_ctx *iommufd;	/* held from bind to unbind */
	bool access_granted;
	uint32_t devid;
	unsigned int refs;	/* the fds' file, and each BAR mapping */
	bool file_gone;		/* the fds' file was released */
	/* who holds the BAR mappings: a process killed with one mapped */
	struct {
		int pid;
		unsigned int maps;
	} mappers[4];
};

/* mmio_trap.c: a process's mappings of df hold it (pid's count +1 or -1) */
void vfio_device_file_mapped(struct vfio_device_file *df, int pid,
			     int delta) MOCK_HIDDEN;

/* pages.c: the mock's own descriptor of a file (the kernel's get_file()) */
int file_get(int fd) MOCK_HIDDEN;

/* ---- vfio_main.c ---- */

/*
 * The devices of IOMMUFD_MOCK_VFIO, made at the first call that needs them
 * (on the first failure, a line on stderr naming the variable and none
 * made): 0, or -ENODEV for a malformed variable.
 */
int vfio_devices_init(void) MOCK_HIDDEN;
/* The device of /dev/vfio/devices/vfio<index>, or NULL. */
struct vfio_device *vfio_device_by_index(unsigned int index) MOCK_HIDDEN;
struct vfio_device *vfio_device_by_bdf(const char *bdf) MOCK_HIDDEN;
unsigned int vfio_device_count(void) MOCK_HIDDEN;
struct vfio_device *vfio_device_nth(unsigned int i) MOCK_HIDDEN;
/* open() of the cdev: a new device file and its fd, or -errno */
int vfio_device_fops_cdev_open(struct vfio_device *device,
			       bool cloexec) MOCK_HIDDEN;
extern const struct iommufd_file_ops vfio_device_fops MOCK_HIDDEN;
void vfio_device_file_put(struct vfio_device_file *df) MOCK_HIDDEN;
/* the holds of killed processes on the device's bound file go */
void vfio_device_reap(struct vfio_device *device) MOCK_HIDDEN;

/* ---- device_cdev.c ---- */

long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df,
				void *arg) MOCK_HIDDEN;
void vfio_df_unbind_iommufd(struct vfio_device_file *df) MOCK_HIDDEN;
long vfio_df_ioctl_attach_pt(struct vfio_device_file *df, void *arg) MOCK_HIDDEN;
long vfio_df_ioctl_detach_pt(struct vfio_device_file *df, void *arg) MOCK_HIDDEN;

/* ---- vfio_iommufd.c ---- */

int vfio_iommufd_physical_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx,
			       uint32_t *out_device_id) MOCK_HIDDEN;
void vfio_iommufd_physical_unbind(struct vfio_device *vdev) MOCK_HIDDEN;
int vfio_iommufd_physical_attach_ioas(struct vfio_device *vdev,
				      uint32_t *pt_id) MOCK_HIDDEN;
void vfio_iommufd_physical_detach_ioas(struct vfio_device *vdev) MOCK_HIDDEN;
int vfio_iommufd_physical_pasid_attach_ioas(struct vfio_device *vdev,
					    uint32_t pasid,
					    uint32_t *pt_id) MOCK_HIDDEN;
void vfio_iommufd_physical_pasid_detach_ioas(struct vfio_device *vdev,
					     uint32_t pasid) MOCK_HIDDEN;

/* ---- vfio_pci_core.c ---- */

void vfio_pci_core_enable(struct vfio_device *vdev) MOCK_HIDDEN;
void vfio_pci_core_disable(struct vfio_device *vdev) MOCK_HIDDEN;
long vfio_pci_core_ioctl(struct vfio_device *vdev, unsigned long cmd,
			 void *arg) MOCK_HIDDEN;
long vfio_pci_ioctl_get_region_info(struct vfio_device *vdev,
				    void *arg) MOCK_HIDDEN;
int vfio_pci_core_device_feature(struct vfio_device *vdev, uint32_t flags,
				 uint64_t arg, size_t argsz) MOCK_HIDDEN;
/* pread/pwrite of the device fd: bytes done, or -errno */
long vfio_pci_core_rw(struct vfio_device *vdev, uint64_t ubuf, size_t count,
		      uint64_t pos, bool write) MOCK_HIDDEN;
/* whether [pos, pos + len) of the device fd may be mmap'ed: 0 or -errno */
int vfio_pci_core_mmap_check(struct vfio_device *vdev, size_t len, int prot,
			     int flags, uint64_t pos) MOCK_HIDDEN;
/* signal the device's interrupt (INTx or MSI, whichever is enabled) */
void vfio_pci_raise_irq(struct vfio_device *vdev) MOCK_HIDDEN;
/* the device's BAR0 accesses, whoever makes them (pread, trap) */
uint64_t vfio_pci_bar_read(struct vfio_device *vdev, uint64_t off,
			   unsigned int size) MOCK_HIDDEN;
void vfio_pci_bar_write(struct vfio_device *vdev, uint64_t off,
			unsigned int size, uint64_t val) MOCK_HIDDEN;

/* ---- vfio_pci_dmabuf.c (7.x) ---- */

int vfio_pci_core_feature_dma_buf(struct vfio_device *vdev, uint32_t flags,
				  uint64_t arg, size_t argsz) MOCK_HIDDEN;
void vfio_pci_dma_buf_move(struct vfio_device *vdev, bool revoked) MOCK_HIDDEN;
void vfio_pci_dma_buf_cleanup(struct vfio_device *vdev) MOCK_HIDDEN;

/* ---- vfio_pci_config.c ---- */

void vfio_config_init(struct vfio_device *vdev) MOCK_HIDDEN;
void vfio_config_reset(struct vfio_device *vdev) MOCK_HIDDEN;
/* a config space access of 1, 2 or 4 bytes at pos (aligned to size) */
uint32_t vfio_config_read(struct vfio_device *vdev, unsigned int pos,
			  unsigned int size) MOCK_HIDDEN;
void vfio_config_write(struct vfio_device *vdev, unsigned int pos,
		       unsigned int size, uint32_t val) MOCK_HIDDEN;
bool vfio_config_bus_master(const struct vfio_device *vdev) MOCK_HIDDEN;
bool vfio_config_memory_enabled(const struct vfio_device *vdev) MOCK_HIDDEN;
bool vfio_config_msi_enabled(const struct vfio_device *vdev) MOCK_HIDDEN;
bool vfio_config_intx_disabled(const struct vfio_device *vdev) MOCK_HIDDEN;

/* ---- edu.c ---- */

extern const struct vfio_pci_model edu_model MOCK_HIDDEN;

/* ---- pci_iommu.c ---- */

/*
 * Whether idev is a mock PCI device (behind the mock IOMMU of these
 * devices) rather than a selftest mock device.
 */
static inline bool pci_iommu_is_pci_device(const struct iommufd_device *idev)
{
	return idev->pci_device != NULL;
}
/* pci_iommu_domain_alloc_paging(): declared in iommufd_private.h */
/*
 * A DMA by the device: len bytes between buf and the bus address iova,
 * translated through the domain the device is attached to. Returns 0, or
 * -EFAULT for a refused DMA (nothing moved, a fault recorded).
 */
int pci_iommu_dma(struct vfio_device *vdev, uint64_t iova, void *buf,
		  uint64_t len, bool write) MOCK_HIDDEN;

/* ---- mmio_trap.c ---- */

/*
 * Maps a trapped window of BAR0 for the program: loads and stores reach
 * vfio_pci_bar_read()/write(). The mapping holds df. Returns the address,
 * or MAP_FAILED with *err set.
 */
void *mmio_trap_map(struct vfio_device_file *df, void *addr, size_t len,
		    int flags, uint64_t bar_off, int *err) MOCK_HIDDEN;
/* [addr, addr + len) was unmapped: the trapped windows there are gone */
void mmio_trap_unmap(uint64_t addr, uint64_t len) MOCK_HIDDEN;
/* the same from munmap(), without the lock (it takes it if need be) */
void mmio_trap_munmap(void *addr, size_t len) MOCK_HIDDEN;
/* whether the trap can work on this machine (x86-64 loads and stores) */
bool mmio_trap_supported(void) MOCK_HIDDEN;

/* ---- vfio_sysfs.c ---- */

/* Builds the sysfs tree of the devices (its path into root): 0 or -errno. */
int vfio_sysfs_init(char *root, size_t len) MOCK_HIDDEN;
/* An exec'd image finds the tree its parent image made. */
void vfio_sysfs_attach(const char *root) MOCK_HIDDEN;
/*
 * Where an absolute, normalised path lives: the mock's tree (its path in
 * out), or the real filesystem (false).
 */
bool vfio_sysfs_redirect(const char *path, char *out, size_t len) MOCK_HIDDEN;
/* The device of a /dev/vfio/devices/vfioN or /dev/char/M:m path, or NULL. */
struct vfio_device *vfio_sysfs_cdev(const char *path) MOCK_HIDDEN;
/* A refused DMA, appended to the mock IOMMU's fault record. */
void vfio_sysfs_fault_record(const char *line) MOCK_HIDDEN;

#endif
