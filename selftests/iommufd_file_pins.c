// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a writeable IOMMU_IOAS_MAP of a MAP_SHARED file mapping, pinned
 * at once by a mock domain: refused with EFAULT on a filesystem that writes
 * back (FOLL_LONGTERM|FOLL_WRITE, writable_file_mapping_allowed() in
 * mm/gup.c), accepted on tmpfs; and the same answer whatever the file is
 * called or whether it still has a name at all: unlinked, a newline in the
 * name, a name ending in " (deleted)" (what /proc/self/maps prints for an
 * unlinked file). And IOMMU_IOAS_MAP_FILE (7.x) of a regular file there,
 * pinned only where it is shmem (tmpfs). In a tmpfs directory, in /tmp,
 * and in the working directory, whichever filesystems those are.
 */
#include <fcntl.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "iommufd_feature_utils.h"

#ifdef IOMMUFD_HAVE_UAPI

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

#define FP_PAGES 2
#define FP_IOVA ((__u64)MOCK_APERTURE_START)

FIXTURE(file_pins)
{
	int fd;
	__u32 ioas_id;
	char dir[256];
	unsigned long fs_magic;
	size_t length;
};

FIXTURE_VARIANT(file_pins)
{
	const char *dir;	/* NULL: $TMPDIR, else /tmp */
};

FIXTURE_VARIANT_ADD(file_pins, dev_shm) { .dir = "/dev/shm" };
FIXTURE_VARIANT_ADD(file_pins, tmp) { .dir = NULL };
FIXTURE_VARIANT_ADD(file_pins, cwd) { .dir = "." };

FIXTURE_SETUP(file_pins)
{
	const char *dir = variant->dir;
	struct statfs st;

	if (!dir)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(self->dir, sizeof(self->dir), "%s", dir);
	if (statfs(self->dir, &st))
		SKIP(return, "%s: %s", self->dir, strerror(errno));
	self->fs_magic = (unsigned long)st.f_type;
	self->length = FP_PAGES * iommufd_page_size();
	iommufd_open_or_skip(&self->fd);
	iommufd_mock_domain_or_skip(self->fd);
	test_cmd_ioas_alloc(&self->ioas_id);
	/* The domain pins every mapping when it is made. */
	test_cmd_mock_domain(self->ioas_id, NULL, NULL, NULL);
}

FIXTURE_TEARDOWN(file_pins)
{
	close(self->fd);
}

enum fp_how { FP_KEEP_NAME, FP_UNLINK };

/*
 * Makes file `name` in the variant's directory, maps it MAP_SHARED and
 * writeable, removes the name if asked, and maps it into the IOAS: the
 * errno of that IOAS_MAP (0 if it pinned; then it is unmapped again), or -1
 * with *why set when the file cannot be made here.
 */
static int fp_pin_errno(struct __test_metadata *_metadata,
			FIXTURE_DATA(file_pins) *self, const char *name,
			enum fp_how how, const char **why)
{
	char path[512];
	__u64 iova = FP_IOVA;
	int ffd, ret = 0;
	char *map;

	snprintf(path, sizeof(path), "%s/%d.%s", self->dir, getpid(), name);
	ffd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ffd < 0) {
		*why = strerror(errno);
		return -1;
	}
	EXPECT_EQ(0, ftruncate(ffd, self->length));
	map = mmap(NULL, self->length, PROT_READ | PROT_WRITE, MAP_SHARED, ffd,
		   0);
	EXPECT_NE(MAP_FAILED, map);
	if (how == FP_UNLINK || map == MAP_FAILED)
		unlink(path);
	if (map != MAP_FAILED) {
		memset(map, 0x5a, self->length);
		if (_test_ioctl_ioas_map(self->fd, self->ioas_id, map,
					 self->length, &iova,
					 IOMMUFD_MAP_RW |
					 IOMMU_IOAS_MAP_FIXED_IOVA))
			ret = errno;
		else
			EXPECT_EQ(0, _test_ioctl_ioas_unmap(self->fd,
							    self->ioas_id,
							    FP_IOVA,
							    self->length, NULL));
		munmap(map, self->length);
	}
	if (how == FP_KEEP_NAME)
		unlink(path);
	close(ffd);
	return ret;
}

/* The answer for a plainly named file here: what the others must match. */
#define fp_reference(_ref)                                                   \
	do {                                                                 \
		const char *__why = "";                                      \
									     \
		_ref = fp_pin_errno(_metadata, self, "iommufd-pin",          \
				    FP_KEEP_NAME, &__why);                   \
		if (_ref < 0)                                                \
			SKIP(return, "cannot make a file in %s: %s",         \
			     self->dir, __why);                              \
	} while (0)

TEST_F(file_pins, plain_name_pins_as_the_filesystem_says)
{
	int ref, expect;

	switch (self->fs_magic) {
	case TMPFS_MAGIC:
	case RAMFS_MAGIC:
		expect = 0;	/* no writeback: nothing to track */
		break;
	case EXT4_SUPER_MAGIC:	/* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
		expect = EFAULT;
		break;
	default:
		SKIP(return, "%s is on filesystem 0x%lx, whose answer this "
		     "test does not know (the others compare with it)",
		     self->dir, self->fs_magic);
	}
	fp_reference(ref);
	ASSERT_EQ(expect, ref) TH_LOG("%s: filesystem 0x%lx", self->dir,
				      self->fs_magic);
}

TEST_F(file_pins, unlinked_file_pins_like_a_named_one)
{
	const char *why = "";
	int ref;

	fp_reference(ref);
	ASSERT_EQ(ref, fp_pin_errno(_metadata, self, "iommufd-pin-unlinked",
				    FP_UNLINK, &why)) TH_LOG("%s", why);
}

TEST_F(file_pins, newline_in_the_name_pins_like_a_plain_one)
{
	const char *why = "";
	int ref;

	fp_reference(ref);
	/* /proc/self/maps prints the newline as \012. */
	ASSERT_EQ(ref, fp_pin_errno(_metadata, self, "iommufd\npin",
				    FP_KEEP_NAME, &why)) TH_LOG("%s", why);
}

TEST_F(file_pins, name_ending_in_deleted_pins_like_a_plain_one)
{
	const char *why = "";
	int ref;

	fp_reference(ref);
	/* Named as maps names an unlinked file, and still linked. */
	ASSERT_EQ(ref, fp_pin_errno(_metadata, self, "iommufd-pin (deleted)",
				    FP_KEEP_NAME, &why)) TH_LOG("%s", why);
}

#ifdef IOMMUFD_UAPI_HAS_MAP_FILE
TEST_F(file_pins, map_file_pins_only_shmem_files)
{
	char path[512];
	int ffd;

	iommufd_ioctl_or_skip(self->fd, IOMMU_IOAS_MAP_FILE);
	snprintf(path, sizeof(path), "%s/%d.iommufd-map-file", self->dir,
		 getpid());
	ffd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ffd < 0)
		SKIP(return, "cannot make a file in %s: %s", self->dir,
		     strerror(errno));
	unlink(path);
	ASSERT_EQ(0, ftruncate(ffd, self->length));
	/*
	 * The domain pins at once, through memfd_pin_folios(), which takes
	 * shmem and hugetlbfs files only (EINVAL, mm/gup.c): a file on tmpfs
	 * maps, one on any other filesystem (overlayfs over tmpfs too) not.
	 */
	if (self->fs_magic == TMPFS_MAGIC) {
		test_cmd_ioas_map_file_fixed(self->ioas_id, ffd, 0,
					     self->length, FP_IOVA);
		test_cmd_ioas_unmap(self->ioas_id, FP_IOVA, self->length);
	} else {
		test_err_ioas_map_file_fixed(EINVAL, self->ioas_id, ffd, 0,
					     self->length, FP_IOVA);
	}
	close(ffd);
}
#endif

#endif /* IOMMUFD_HAVE_UAPI */

IOMMUFD_TEST_MAIN
