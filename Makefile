# iommufd-harness: top-level entry points. Every target installs what it needs
# (scripts/setup) on first use; nothing here assumes a prepared machine.
#
#   make vmtest      main job: the suite inside a CONFIG_IOMMUFD_TEST guest
#   make check       all tests: host builds, library install, mock runs under
#                    ASan/UBSan, both guest lanes, the runner's own tests
#   make fuzz        the mock's fuzzer for FUZZ_S seconds (default 60); fails
#                    on any finding (tools/mock/README.md, "Fuzzing")
#
# make vmtest's variables, each mapped onto the option of scripts/vmtest that
# it names (scripts/vmtest --help says what each does): KERNEL=6.12|7.3|all,
# SUITE=ours|upstream|all, TESTS="prog ...", TARGET=kernel|mock|both,
# LANE=mock|vfio, IOMMU=intel|amd|virtio|all, ACCEL=auto|kvm|tcg,
# TIMEOUT=seconds, MEMORY=size, HUGEPAGES=n, JOBS=n, PROFILE=default|debug,
# PATCHES=id,..., OUT=dir, THEN="guest command", CMD="guest command" (instead
# of the suites), MERGE_CONFIG=1, NO_BUILD=1. The kernel tree and the cache
# come in the environment, as for the scripts: KSRC=/your/kernel/tree,
# KBUILD_OUTPUT=/its/build/dir, HARNESS_CACHE=/cache/dir. V=1 for verbose
# builds.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

vmtest_opt = $(if $($(1)),$(2) "$($(1))")
vmtest_flag = $(if $(filter-out 1,$($(1))),$(error $(1)=$($(1)): set it to 1 or leave it unset),$(if $($(1)),$(2)))
VMTEST_ARGS = $(call vmtest_opt,KERNEL,--kernel) $(call vmtest_opt,SUITE,--suite) \
	$(call vmtest_opt,TESTS,--tests) $(call vmtest_opt,TARGET,--target) $(call vmtest_opt,LANE,--lane) \
	$(call vmtest_opt,IOMMU,--iommu) $(call vmtest_opt,ACCEL,--accel) $(call vmtest_opt,TIMEOUT,--timeout) \
	$(call vmtest_opt,MEMORY,--memory) $(call vmtest_opt,HUGEPAGES,--hugepages) $(call vmtest_opt,JOBS,--jobs) \
	$(call vmtest_opt,PROFILE,--profile) $(call vmtest_opt,PATCHES,--patch) $(call vmtest_opt,OUT,--out) \
	$(call vmtest_opt,THEN,--then) $(call vmtest_flag,MERGE_CONFIG,--merge-config) \
	$(call vmtest_flag,NO_BUILD,--no-build) $(if $(CMD),-- $(CMD))

.PHONY: all setup kernel vmtest check coverage lib mock bench clean install fuzz

all: lib
	$(MAKE) -C selftests all
	$(MAKE) -C tools/mock
	$(MAKE) -C tools/bench
	$(MAKE) -C tools/cli
	$(MAKE) -C tools/example
	$(MAKE) -C tools/difftest

setup:
	@$(TOP)/scripts/setup

kernel: setup
	@$(TOP)/scripts/kbuild $(call vmtest_opt,PROFILE,--profile) $(call vmtest_opt,PATCHES,--patch) \
		$(call vmtest_flag,MERGE_CONFIG,--merge-config) $(call vmtest_flag,NO_BUILD,--no-build)

vmtest:
	@$(TOP)/scripts/vmtest $(VMTEST_ARGS)

check:
	@$(TOP)/scripts/check

# What the tests reach in the kernel (README, "Coverage"); KERNEL=all for each.
coverage:
	@$(TOP)/scripts/coverage $(call vmtest_opt,KERNEL,--kernel)

lib:
	$(MAKE) -C tools/lib all

# The mock's fuzzer (the mock picks its own tree: every personality).
FUZZ_S ?= 60
fuzz:
	@$(TOP)/scripts/setup
	$(MAKE) -C tools/mock fuzz FUZZ_S=$(FUZZ_S)

install:
	$(MAKE) -C tools/lib install

clean:
	$(MAKE) -C tools/lib clean
	$(MAKE) -C tools/mock clean
	$(MAKE) -C tools/cli clean
	$(MAKE) -C tools/example clean
	$(MAKE) -C tools/difftest clean
	$(MAKE) -C selftests clean
	rm -rf $(TOP)/build
