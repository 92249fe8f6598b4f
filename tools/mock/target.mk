# SPDX-License-Identifier: GPL-2.0
# Included by selftests/Makefile when TARGET=mock: the same test binaries,
# run with libiommufd_mock.so preloaded instead of against /dev/iommu.
#
# The mock is built into $(OUTPUT)/.iommufd-mock (SAN follows the suite's)
# as a prerequisite of "all". LD_PRELOAD is a *private* target-specific
# variable of run_tests: its recipe (runner.sh, stdbuf, timeout, perl and the
# tests) sees it, the compiler runs of its prerequisites do not.
#
# SAN=1: the mock is ASan+UBSan-built, so the ASan runtime goes first in
# LD_PRELOAD (ld.so then loads it before anything else, as ASan requires even
# in uninstrumented helpers such as perl). stdbuf appends its own library
# after ours, hence verify_asan_link_order=0. Leak detection is off for the
# whole run because the shell and perl helpers leak by design; the mock's
# own leaks are caught by "make -C tools/mock valgrind" instead (README.md).

MOCK_SRC := $(HARNESS_TOP)/tools/mock
MOCK_BUILD ?= $(OUTPUT)/.iommufd-mock
MOCK_SO := $(MOCK_BUILD)/libiommufd_mock.so

all: $(MOCK_SO)

# One mock speaks every kernel of config/kernels' mock column and is always
# built against the newest one's headers (its Makefile picks that tree). The
# programs are built for one kernel (KSRC, or KERNEL): the mock answers as
# that kernel where it speaks it, unless IOMMUFD_MOCK_KERNEL says otherwise;
# for any other tree, as the newest. The host decides (env.sh names the
# cache's trees) and leaves the answer beside the mock for the guest.
MOCK_SUITE_KERNEL_FILE := $(MOCK_BUILD)/suite-kernel
ifneq ($(HARNESS_NO_BUILD),1)
MOCK_SUITE_KERNEL := $(shell env KERNEL=$(KERNEL) KSRC=$(KSRC) bash -c \
	'. $(HARNESS_TOP)/scripts/env.sh && [ "$$HARNESS_KSRC_OWNED" = 1 ] && \
	for k in $$HARNESS_MOCK_KERNELS; do [ "$$k" != "$$KERNEL" ] || echo "$$k"; done')
else
MOCK_SUITE_KERNEL := $(shell cat $(MOCK_SUITE_KERNEL_FILE) 2>/dev/null)
endif

# Like the library: ask its Makefile every time, it knows what is stale.
# HARNESS_NO_BUILD=1 (the guest, whose tree is read-only) uses what the host
# built before the boot.
ifneq ($(HARNESS_NO_BUILD),1)
$(MOCK_SO): FORCE
	$(Q)$(MAKE) -C $(MOCK_SRC) O=$(MOCK_BUILD) SAN=$(SAN)
	$(Q)echo '$(MOCK_SUITE_KERNEL)' >$(MOCK_SUITE_KERNEL_FILE)
endif

ifeq ($(SAN),1)
MOCK_PRELOAD := $(shell $(CC) -print-file-name=libasan.so) $(MOCK_SO)
run_tests run_tests_jobs run_kernel_bug_probes: private export ASAN_OPTIONS := detect_leaks=0:verify_asan_link_order=0
else
MOCK_PRELOAD := $(MOCK_SO)
endif
run_tests run_tests_jobs run_kernel_bug_probes: private export LD_PRELOAD := $(MOCK_PRELOAD)
IOMMUFD_MOCK_KERNEL ?= $(MOCK_SUITE_KERNEL)
run_tests run_tests_jobs run_kernel_bug_probes: private export IOMMUFD_MOCK_KERNEL := $(IOMMUFD_MOCK_KERNEL)

EXTRA_CLEAN += $(MOCK_BUILD)
