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

# Like the library: ask its Makefile every time, it knows what is stale.
# HARNESS_NO_BUILD=1 (the guest, whose tree is read-only) uses what the host
# built before the boot.
ifneq ($(HARNESS_NO_BUILD),1)
$(MOCK_SO): FORCE
	$(Q)$(MAKE) -C $(MOCK_SRC) O=$(MOCK_BUILD) SAN=$(SAN) KSRC=$(KSRC) \
		HARNESS_KHDR=$(HARNESS_KHDR)
endif

ifeq ($(SAN),1)
MOCK_PRELOAD := $(shell $(CC) -print-file-name=libasan.so) $(MOCK_SO)
run_tests run_tests_jobs run_kernel_bug_probes: private export ASAN_OPTIONS := detect_leaks=0:verify_asan_link_order=0
else
MOCK_PRELOAD := $(MOCK_SO)
endif
run_tests run_tests_jobs run_kernel_bug_probes: private export LD_PRELOAD := $(MOCK_PRELOAD)

EXTRA_CLEAN += $(MOCK_BUILD)
