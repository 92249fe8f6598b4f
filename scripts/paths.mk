# Included by every Makefile that compiles against the kernel tree: the one
# place that resolves KSRC and the installed uapi headers (HARNESS_KHDR),
# running scripts/setup on first use. Either may be given on the command line,
# or KERNEL= (a kernel of config/kernels; make 4.3 does not hand command-line
# variables to $(shell), so it is passed on explicitly).
HARNESS_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
ifeq ($(KSRC),)
KSRC := $(shell $(if $(KERNEL),KERNEL=$(KERNEL)) $(HARNESS_TOP)/scripts/paths KSRC)
endif
ifeq ($(HARNESS_KHDR),)
HARNESS_KHDR := $(shell KSRC=$(KSRC) $(HARNESS_TOP)/scripts/paths HARNESS_KHDR)
endif
