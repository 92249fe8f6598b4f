# shellcheck shell=bash
# Sourced by every script in scripts/: the one place that says where things live.
# Everything heavy (kernel source, kernel builds, virtme-ng) lives in a cache
# outside the repository so a fresh clone stays small and rebuilds nothing.

# Each script is an entry point: a parent make's flags and command-line
# variables (MAKEFLAGS: "-s", TARGET=, a jobserver) must not leak into the
# makes we run, such as the kernel build (-s would empty its log).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

HARNESS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS_CACHE=${HARNESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/iommufd-harness}

# The kernels we support, by name (config/kernels: name, Debian package,
# suite, version; the last row is the newest and the default). KERNEL picks
# one; a user tree given as KSRC wins over it and nothing is fetched.
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
KERNEL=${KERNEL:-$HARNESS_KERNEL_DEFAULT}
# KERNEL=all is a loop over the table, for the scripts that run one (they set
# HARNESS_KERNEL_ALL_OK before sourcing this); everything else needs one tree.
if [ "$KERNEL" = all ] && [ -n "${HARNESS_KERNEL_ALL_OK:-}" ]; then
	:
elif ! harness_kernel_field "$KERNEL" package >/dev/null; then
	echo "KERNEL=$KERNEL is not a kernel this harness knows (config/kernels: $(harness_kernel_names | paste -sd " ")${HARNESS_KERNEL_ALL_OK:+, or all})" >&2
	exit 2
fi

# The kernels whose uAPI the userspace mock (tools/mock) speaks, oldest first
# (config/kernels, column mock): one build against the newest answers as any
# of them (IOMMUFD_MOCK_KERNEL), and `vmtest --target both` compares it with
# each of these kernels.
HARNESS_MOCK_KERNELS=$(awk '!/^[[:space:]]*(#|$)/ && $5 == "yes" { print $1 }' "$HARNESS_KERNELS_TABLE" | paste -sd " ")

# Parallel make for the builds of the suite, the library and the mock (not
# for run_tests, which runs its programs one after another): the suite's
# build is half the time at -j2 (28 s to 14 s here).
HARNESS_JOBS=${HARNESS_JOBS:-$(nproc)}

# virtme-ng is pinned: its command line and guest init change between releases.
HARNESS_VNG_VERSION=1.42
HARNESS_VENV=$HARNESS_CACHE/venv
HARNESS_VNG=$HARNESS_VENV/bin/vng

# KSRC is exported to child scripts; a tree in the cache stays "owned"
# (immutable, unpacked by setup) however it reached us, and names its kernel.
# (A name of its own: this file is sourced inside functions whose locals a
# plain "name" would overwrite.)
for _harness_kernel in $(harness_kernel_names); do
	if [ "${KSRC:-}" = "$HARNESS_CACHE/src/linux-source-$_harness_kernel" ]; then KERNEL=$_harness_kernel; fi
done
unset _harness_kernel
# For KERNEL=all, the default kernel's tree stands for "a tree" (the host's
# builds); each kernel of the loop gets its own.
HARNESS_KSRC_DEFAULT=$HARNESS_CACHE/src/linux-source-$([ "$KERNEL" = all ] && echo "$HARNESS_KERNEL_DEFAULT" || echo "$KERNEL")
if [ -n "${KSRC:-}" ] && [ "$KSRC" != "$HARNESS_KSRC_DEFAULT" ]; then
	HARNESS_KSRC_OWNED=0
	HARNESS_KSRC_GIVEN=$KSRC
	KSRC=$(cd "$KSRC" 2>/dev/null && pwd) || { echo "KSRC=$HARNESS_KSRC_GIVEN: no such directory" >&2; exit 2; }
else
	HARNESS_KSRC_OWNED=1
	KSRC=$HARNESS_KSRC_DEFAULT
fi
# Headers are installed once per source tree; the key keeps a user tree's
# headers apart from the packaged tree's.
HARNESS_KSRC_KEY=$(printf '%s' "$KSRC" | sha256sum | cut -c1-12)
HARNESS_KHDR=$HARNESS_CACHE/headers/$HARNESS_KSRC_KEY

harness_say() { printf '%s: %s\n' "${HARNESS_TOOL:-harness}" "$*" >&2; }
harness_die() { harness_say "error: $*"; exit 2; }
export HARNESS_TOP HARNESS_CACHE KSRC HARNESS_KHDR HARNESS_VNG KERNEL HARNESS_MOCK_KERNELS HARNESS_JOBS
