# Included by every Makefile that compiles against the kernel tree: the one
# place that resolves KSRC and the installed uapi headers (HARNESS_KHDR),
# running scripts/setup on first use. Either may be given on the command line.
HARNESS_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
ifeq ($(KSRC),)
KSRC := $(shell $(HARNESS_TOP)/scripts/paths KSRC)
endif
ifeq ($(HARNESS_KHDR),)
HARNESS_KHDR := $(shell KSRC=$(KSRC) $(HARNESS_TOP)/scripts/paths HARNESS_KHDR)
endif
