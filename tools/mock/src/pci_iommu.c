// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU in front of the mock's VFIO PCI devices: what the kernel gets
 * from a hardware driver (the vfio lane's is QEMU's VT-d under
 * drivers/iommu/intel). No iommufd file mirrors it.
 *
 * Its paging domains look like that VT-d's: an aperture of 39 bits (QEMU
 * 7.2's intel-iommu default aw-bits), 4 KiB, 2 MiB and 1 GiB pages, no
 * driver data (EOPNOTSUPP). Unlike QEMU's VT-d it tracks dirty pages (a
 * VMM's migration code can be tested on it), and it reports no MSI window
 * as a reserved region (README.md, "VFIO devices").
 *
 * Translation: the mock's domains keep no page table (selftest.c); an IOVA
 * translates where the IOAS behind the domain has an area, which every
 * domain of the IOAS maps (a nested HWPT translates through its parent:
 * stage 1 is the identity). A device's DMA is done page by page as the
 * IOMMU walks it: each page either moves or faults, and a fault is written
 * to the fault record (vfio_sysfs.c: /sys/class/iommu/iommufd-mock0/faults)
 * where a driver's fault line would be logged. An area of a BAR's dma-buf
 * (7.x, IOMMU_IOAS_MAP_FILE) reaches that device's BAR: peer-to-peer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vfio.h"

#define PCI_IOMMU_PGSIZES ((1ULL << 12) | (1ULL << 21) | (1ULL << 30))
#define PCI_IOMMU_VA_LAST ((1ULL << 39) - 1)

int pci_iommu_domain_alloc_paging(struct mock_iommu_domain *domain,
				  struct iommufd_device *idev, uint32_t flags,
				  const struct iommu_hwpt_alloc *cmd)
{
	uint32_t valid = IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
			 IOMMU_HWPT_ALLOC_NEST_PARENT;

	(void)idev;
	/* a PASID-capable domain, which a device without PASIDs takes too */
	if (iommufd_mock_has(IOMMUFD_MOCK_PASID))
		valid |= IOMMU_HWPT_ALLOC_PASID;
	if ((flags & ~valid) || cmd)
		return -EOPNOTSUPP;
	domain->pgsize_bitmap = PCI_IOMMU_PGSIZES;
	domain->aperture_start = 0;
	domain->aperture_end = PCI_IOMMU_VA_LAST;
	domain->dirty_unit = umem_page_size();
	domain->dirty_ops = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	return 0;
}

enum pci_iommu_fault {
	PCI_IOMMU_OK,
	PCI_IOMMU_NOT_PRESENT,	/* no mapping at the IOVA */
	PCI_IOMMU_READONLY,	/* a write to a mapping without IOMMU_WRITE */
	PCI_IOMMU_BLOCKED,	/* no domain: the blocking domain */
};

static void pci_iommu_fault(struct vfio_device *vdev, uint64_t iova,
			    bool write, enum pci_iommu_fault why)
{
	static const char *const reason[] = {
		[PCI_IOMMU_NOT_PRESENT] = "not mapped",
		[PCI_IOMMU_READONLY] = "mapped readonly",
		[PCI_IOMMU_BLOCKED] = "blocked (no domain attached)",
	};
	char line[160];

	snprintf(line, sizeof(line),
		 "iommufd-mock0: [DMA %s] device %s iova 0x%llx: %s\n",
		 write ? "Write" : "Read", vdev->bdf,
		 (unsigned long long)(iova & ~(umem_page_size() - 1)),
		 reason[why]);
	vfio_sysfs_fault_record(line);
}

/* The area translating iova for the device, or why there is none. */
static enum pci_iommu_fault pci_iommu_translate(struct vfio_device *vdev,
						uint64_t iova, bool write,
						struct iommufd_hwpt_paging **pagingp,
						struct iopt_area **areap)
{
	struct iommufd_device *idev = vdev->idev;
	struct iommufd_hw_pagetable *hwpt = idev ? idev->hwpt : NULL;
	struct iommufd_hwpt_paging *paging;
	struct iopt_area *area;

	if (!hwpt)
		return PCI_IOMMU_BLOCKED;
	if (hwpt_is_paging(hwpt))
		paging = container_of(hwpt, struct iommufd_hwpt_paging, common);
	else
		paging = container_of(hwpt, struct iommufd_hwpt_nested,
				      common)->parent;
	area = iopt_area_iter_first(&paging->ioas->iopt, iova, iova);
	if (!area || !area->pages)
		return PCI_IOMMU_NOT_PRESENT;
	if (write && !(area->iommu_prot & IOMMU_IOAS_MAP_WRITEABLE))
		return PCI_IOMMU_READONLY;
	*pagingp = paging;
	*areap = area;
	return PCI_IOMMU_OK;
}

/*
 * Peer-to-peer: the area maps a dma-buf of another device's BAR
 * (vfio_pci_dmabuf.c); the transfer becomes that device's BAR accesses, in
 * 4-byte pieces (what edu's registers take). 0, or -EFAULT if the buffer
 * is no BAR's any more.
 */
static int pci_iommu_p2p(struct iopt_area *area, uint64_t iova, uint8_t *buf,
			 uint64_t n, bool write)
{
	struct iopt_pages *pages = area->pages;
	struct vfio_device *peer;
	uint64_t off;

	if (pages->dmabuf_revoked)
		return -EFAULT;
	peer = dma_buf_vfio(pages->dmabuf, &off);
	if (!peer || !vfio_config_memory_enabled(peer))
		return -EFAULT;
	off += pages->start + iopt_area_start_byte(area, iova);
	for (uint64_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		unsigned int m = n - i < 4 ? n - i : 4;

		if (write) {
			memcpy(&v, buf + i, m);
			vfio_pci_bar_write(peer, off + i, 4, v);
		} else {
			v = vfio_pci_bar_read(peer, off + i, 4);
			memcpy(buf + i, &v, m);
		}
	}
	return 0;
}

int pci_iommu_dma(struct vfio_device *vdev, uint64_t iova, void *buf,
		  uint64_t len, bool write)
{
	uint64_t ps = umem_page_size(), done = 0;
	int ret = 0;

	while (done < len) {
		uint64_t cur = iova + done;
		uint64_t n = ps - (cur & (ps - 1));
		struct iommufd_hwpt_paging *paging = NULL;
		struct iopt_area *area = NULL;
		enum pci_iommu_fault why;

		if (n > len - done)
			n = len - done;
		why = pci_iommu_translate(vdev, cur, write, &paging, &area);
		if (why == PCI_IOMMU_OK && area->pages->type == IOPT_ADDRESS_DMABUF) {
			/* another device's BAR (7.x), or nothing any more */
			if (pci_iommu_p2p(area, cur, (uint8_t *)buf + done, n, write))
				why = PCI_IOMMU_NOT_PRESENT;
		} else if (why == PCI_IOMMU_OK &&
			   iopt_pages_rw_access(area->pages,
						iopt_area_start_byte(area, cur),
						(uint8_t *)buf + done, n,
						write ? IOMMUFD_ACCESS_RW_WRITE : 0)) {
			why = PCI_IOMMU_NOT_PRESENT;
		}
		if (why != PCI_IOMMU_OK) {
			pci_iommu_fault(vdev, cur, write, why);
			/* a read the IOMMU refuses gives the device nothing */
			if (!write)
				memset((uint8_t *)buf + done, 0xff, n);
			ret = -EFAULT;
		} else if (write && paging->common.domain.dirty_tracking) {
			mock_domain_dirty_set(&paging->common.domain, area, cur);
		}
		done += n;
	}
	return ret;
}
