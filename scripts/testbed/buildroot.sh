#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/testbed/buildroot.sh SUITE: a Debian SUITE build root (mmdebstrap
# --variant=buildd, with the suite's current kernel headers and sparse),
# in which the modules build as a Dom0 of that release builds them with
# dkms: its compiler, its kbuild tools, its headers.  Prints the root's
# path.  Cached in $XENIB_CACHE/buildroot/SUITE and built again when this
# recipe changes; the archive is the one the host's apt sources name, the
# host's sources are not touched.
set -u
SUITE=${1:?usage: buildroot.sh SUITE}
CACHE=${XENIB_CACHE:-$HOME/.cache/xenib}
PKGS=linux-headers-amd64,sparse
say() { echo "buildroot: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot)"
command -v mmdebstrap >/dev/null || die "mmdebstrap not found: run scripts/xenib-testbed deps"
. "$(dirname "$0")/archive.sh"
line=$(archive_line "$SUITE") || die "no Debian archive in the host's apt sources"
key=$(printf '%s\n' "$line" "$PKGS" | cat - "$0" | sha256sum | cut -c1-16)
root=$CACHE/buildroot/$SUITE
mkdir -p "$CACHE/buildroot"
# one build at a time: tests/run starts one in the background
exec 9>"$CACHE/buildroot/.lock-$SUITE"
flock 9
if [ "$(cat "$root/.xenib-key" 2>/dev/null)" = "$key" ]; then
	echo "$root"
	exit 0
fi
rm -rf "$root" "$root.new"
say "building the $SUITE build root from ${line#* * } (a few minutes, once)"
mmdebstrap --quiet --variant=buildd --include="$PKGS" \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	"$SUITE" "$root.new" "$line" >&2 ||
	die "mmdebstrap $SUITE failed (see above); is the archive reachable? try 'apt-get update'"
echo "$key" >"$root.new/.xenib-key"
mv "$root.new" "$root"
echo "$root"
