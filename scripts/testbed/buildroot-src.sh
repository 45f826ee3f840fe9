# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced: the project's kernel sources in a release's build root
# (buildroot.sh), where they build as that release's dkms would build them.

# buildroot_src ROOT: copy the modules' and the kernel-verbs test's sources
# into ROOT/build/xenib (afresh) and set BR_KDIR to the newest kernel
# header tree in ROOT (a path inside the root) and BR_KVER to its release
buildroot_src() {
	local root=$1
	BR_KDIR=$(cd "$root" && ls -d usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$BR_KDIR" ] || { echo "no kernel headers in $root" >&2; return 1; }
	BR_KVER=${BR_KDIR#usr/src/linux-headers-}
	BR_KDIR=/$BR_KDIR
	rm -rf "$root/build/xenib" && mkdir -p "$root/build/xenib" || return 1
	git ls-files Kbuild Makefile backend frontend include tests/kverbs |
		cpio -pdm --quiet "$root/build/xenib"
}
