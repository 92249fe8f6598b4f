# shellcheck shell=bash
# Sourced by every script in scripts/: the one place that says where things
# live and which kernel tree a run uses. Everything heavy (kernel sources and
# builds, virtme-ng) lives in a cache outside the repository so a fresh clone
# stays small and rebuilds nothing.
#
# The environment the lane reads: HARNESS_* (HARNESS_CACHE, HARNESS_JOBS,
# HARNESS_ACCEL) and the kernel selection every part of the harness shares,
# make and scripts alike: KERNEL (a name of config/kernels), KSRC (a kernel
# tree, which wins over KERNEL) and KBUILD_OUTPUT (kbuild's own variable: the
# directory a developer builds KSRC into). Everything else comes as options;
# the top Makefile maps its variables onto them.

# Each script is an entry point: a parent make's flags and command-line
# variables (MAKEFLAGS: "-s", TARGET=, a jobserver) must not leak into the
# makes we run, such as the kernel build (-s would empty its log).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

HARNESS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS_CACHE=${HARNESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommufd-harness}

harness_say() { printf '%s: %s\n' "${HARNESS_TOOL:-harness}" "$*" >&2; }
harness_die() { harness_say "error: $*"; exit 2; }

# The kernels we support, by name (config/kernels: name, Debian package,
# suite, version; the last row is the newest and the default).
HARNESS_KERNELS_TABLE=$HARNESS_TOP/config/kernels
harness_kernel_names() { awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$HARNESS_KERNELS_TABLE"; }
# harness_kernel_field NAME package|suite|version
harness_kernel_field() {
	awk -v name="$1" -v field="$2" '
		BEGIN { col["package"] = 2; col["suite"] = 3; col["version"] = 4 }
		!/^[[:space:]]*(#|$)/ && $1 == name { print $col[field]; found = 1; exit }
		END { exit !found }' "$HARNESS_KERNELS_TABLE"
}
HARNESS_KERNEL_DEFAULT=$(harness_kernel_names | tail -1)

# The kernels whose uAPI the userspace mock (tools/mock) speaks, oldest first
# (config/kernels, column mock): one build against the newest answers as any
# of them (IOMMUFD_MOCK_KERNEL), and `vmtest --target both` compares it with
# each of these kernels.
HARNESS_MOCK_KERNELS=$(awk '!/^[[:space:]]*(#|$)/ && $5 == "yes" { print $1 }' "$HARNESS_KERNELS_TABLE" | paste -sd " ")

# Kernel profiles: default, and each other one a fragment config/<name>.config
# merged on top (scripts/kbuild).
HARNESS_PROFILES="default debug coverage"

# Parallel make for the builds of the suite, the library and the mock (not
# for run_tests, which runs its programs one after another): the suite's
# build is half the time at -j2 (28 s to 14 s here).
HARNESS_JOBS=${HARNESS_JOBS:-$(nproc)}

# virtme-ng is pinned: its command line and guest init change between releases.
HARNESS_VNG_VERSION=1.42
HARNESS_VENV=$HARNESS_CACHE/venv
HARNESS_VNG=$HARNESS_VENV/bin/vng

# harness_use_kernel NAME: the packaged tree of a kernel of config/kernels,
# unpacked by setup into the cache (immutable: "owned").
harness_use_kernel() {
	harness_kernel_field "$1" package >/dev/null ||
		harness_die "KERNEL=$1 is not a kernel this harness knows (config/kernels: $(harness_kernel_names | paste -sd ' '))"
	KERNEL=$1
	KSRC=$HARNESS_CACHE/src/linux-source-$1
	HARNESS_KSRC_OWNED=1
	harness_tree_keys
}

# harness_use_tree DIR [owned]: a developer's own tree, as they have it
# (clean, built in place, or built with O=/KBUILD_OUTPUT); never changed by
# the harness except where they ask (scripts/kbuild --merge-config).
# "owned": a tree the harness made in its cache (a patched copy).
harness_use_tree() {
	local given=$1 name
	# The cache's own trees stay owned however they were named (and
	# before setup has unpacked them).
	for name in $(harness_kernel_names); do
		if [ "${given%/}" = "$HARNESS_CACHE/src/linux-source-$name" ]; then
			harness_use_kernel "$name"
			return
		fi
	done
	KSRC=$(cd "$given" 2>/dev/null && pwd) || harness_die "KSRC=$given: no such directory"
	for name in $(harness_kernel_names); do
		if [ "$KSRC" = "$HARNESS_CACHE/src/linux-source-$name" ]; then
			harness_use_kernel "$name"
			return
		fi
	done
	[ -f "$KSRC/Makefile" ] && [ -d "$KSRC/drivers/iommu" ] ||
		harness_die "KSRC=$given is not a kernel tree (no Makefile or drivers/iommu)"
	KERNEL=user
	HARNESS_KSRC_OWNED=0
	[ "${2:-}" = owned ] && HARNESS_KSRC_OWNED=1
	harness_tree_keys
}

# harness_tree_objdir: where the developer builds their tree: KBUILD_OUTPUT
# (kbuild's variable, also set by vmtest --kbuild-output), else the tree
# itself when it was built in place; nothing for a clean tree or ours.
harness_tree_objdir() {
	[ "$HARNESS_KSRC_OWNED" = 0 ] || return 0
	if [ -n "${KBUILD_OUTPUT:-}" ]; then
		(cd "$KBUILD_OUTPUT" 2>/dev/null && pwd) || echo "$KBUILD_OUTPUT"
	elif [ -f "$KSRC/.config" ] || [ -d "$KSRC/include/config" ]; then
		echo "$KSRC"
	fi
}

# Headers and the suite's builds are kept per source tree; the key keeps a
# user tree's apart from the packaged trees'.
harness_tree_keys() {
	HARNESS_KSRC_KEY=$(printf '%s' "$KSRC" | sha256sum | cut -c1-12)
	HARNESS_KHDR=$HARNESS_CACHE/headers/$HARNESS_KSRC_KEY
	export KERNEL KSRC HARNESS_KHDR HARNESS_KSRC_OWNED HARNESS_KSRC_KEY
}

# harness_ksrc_is_ours: KSRC names one of the cache's own trees (as a parent
# script's resolution exports it), not a developer's.
harness_ksrc_is_ours() {
	local name
	for name in $(harness_kernel_names); do
		[ "${KSRC%/}" = "$HARNESS_CACHE/src/linux-source-$name" ] && return 0
	done
	return 1
}

# harness_resolve_kernel [all]: the tree this run uses, from the environment:
# a developer's KSRC wins, else KERNEL, else the newest kernel. With "all", KERNEL=all is
# accepted (a loop over config/kernels, run by the caller) and stands for the
# default kernel's tree until the loop picks each.
harness_resolve_kernel() {
	if [ -n "${KSRC:-}" ] && ! harness_ksrc_is_ours; then
		harness_use_tree "$KSRC"
	elif [ "${KERNEL:-}" = all ] && [ "${1:-}" = all ]; then
		harness_use_kernel "$HARNESS_KERNEL_DEFAULT"
		KERNEL=all
	elif [ "${KERNEL:-}" = all ]; then
		harness_die "KERNEL=all: this command needs one kernel (config/kernels: $(harness_kernel_names | paste -sd ' '))"
	elif [ -n "${KERNEL:-}" ] && [ "$KERNEL" != user ]; then
		# A cache tree in KSRC is a parent's resolution: KERNEL says
		# which kernel this one is about.
		harness_use_kernel "$KERNEL"
	elif [ -n "${KSRC:-}" ]; then
		harness_use_tree "$KSRC"
	else
		harness_use_kernel "$HARNESS_KERNEL_DEFAULT"
	fi
}

export HARNESS_TOP HARNESS_CACHE HARNESS_VNG HARNESS_MOCK_KERNELS HARNESS_JOBS HARNESS_PROFILES
# Scripts that take options first (vmtest: --help must work whatever the
# environment says) set HARNESS_DEFER_KERNEL and call harness_resolve_kernel
# themselves.
[ -n "${HARNESS_DEFER_KERNEL:-}" ] || harness_resolve_kernel
