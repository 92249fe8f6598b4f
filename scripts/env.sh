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

# The kernel release whose source Debian ships as a package; a user tree
# given as KSRC replaces it and nothing is unpacked.
HARNESS_KERNEL_SERIES=6.12
HARNESS_KERNEL_TARBALL=/usr/src/linux-source-$HARNESS_KERNEL_SERIES.tar.xz

# virtme-ng is pinned: its command line and guest init change between releases.
HARNESS_VNG_VERSION=1.42
HARNESS_VENV=$HARNESS_CACHE/venv
HARNESS_VNG=$HARNESS_VENV/bin/vng

HARNESS_KSRC_DEFAULT=$HARNESS_CACHE/src/linux-source-$HARNESS_KERNEL_SERIES
# KSRC is exported to child scripts; the cache's own tree stays "owned"
# (immutable, unpacked by setup) however it reached us.
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
export HARNESS_TOP HARNESS_CACHE KSRC HARNESS_KHDR HARNESS_VNG
