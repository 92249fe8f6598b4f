# iommufd-harness: top-level entry points. Every target installs what it needs
# (scripts/setup) on first use; nothing here assumes a prepared machine.
#
#   make vmtest      main job: the suite inside a CONFIG_IOMMUFD_TEST guest
#   make check       all tests: host builds, library install, mock runs under
#                    ASan/UBSan, both guest lanes, the runner's own tests
#   make fuzz        the mock's fuzzer for FUZZ_S seconds (default 60); fails
#                    on any finding (tools/mock/README.md, "Fuzzing")
#
# Variables: KERNEL=6.12|7.3|all (config/kernels; default the newest),
# TESTS="prog ..." (subset), LANE=mock|vfio, IOMMU=intel|amd|virtio|all (vfio
# lane), TARGET=kernel|mock|both,
# ACCEL=auto|kvm|tcg,
# TIMEOUT=seconds, PROFILE=default|debug, CMD="guest command" (instead of the
# suite), THEN="guest command" (after the suite, same guest),
# KSRC=/your/kernel/tree, HARNESS_CACHE=/cache/dir, V=1.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PROFILE ?= default

VMTEST_ARGS := $(if $(KERNEL),--kernel $(KERNEL)) $(if $(TESTS),--tests "$(TESTS)") $(if $(LANE),--lane $(LANE)) \
	$(if $(TARGET),--target $(TARGET)) $(if $(IOMMU),--iommu $(IOMMU)) \
	$(if $(ACCEL),--accel $(ACCEL)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(THEN),--then "$(THEN)") \
	--profile $(PROFILE) $(if $(CMD),-- $(CMD))

.PHONY: all setup kernel vmtest check lib mock bench clean install fuzz

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
	@$(TOP)/scripts/kbuild --profile $(PROFILE)

vmtest:
	@$(TOP)/scripts/vmtest $(VMTEST_ARGS)

check:
	@$(TOP)/scripts/check

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
