#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tests/unit/build_other_kernel.sh [SUITE]: both modules and the
# kernel-verbs test module build with W=1 and sparse without a warning
# against Debian SUITE's kernel (default trixie: Linux 6.12), inside that
# release's build root (scripts/testbed/buildroot.sh) with its compiler,
# and the kernel interfaces that changed are detected (frontend/compat.h).
set -u
cd "$(dirname "$0")/../.." || exit 1
suite=${1:-trixie}
root=$(scripts/testbed/buildroot.sh "$suite") || { echo "FAIL no $suite build root"; exit 1; }
. scripts/testbed/buildroot-src.sh
buildroot_src "$root" || { echo "FAIL copying the sources into the $suite build root"; exit 1; }
kdir=${BR_KDIR#/}
src=$root/build/xenib
echo "building against /$kdir in the $suite build root"
. tests/unit/build_lib.sh
build_checked "against /$kdir" chroot "$root" make -C /build/xenib KDIR="/$kdir" W=1 C=2 modules kverbs-test ||
	exit 1
# Linux 6.10 changed create_cq's last argument (trixie's 6.12 has it).
hdr=$root/${kdir%-amd64}-common/include/rdma/ib_verbs.h
if grep -A2 '(\*create_cq)(' "$hdr" | grep -q uverbs_attr_bundle; then
	grep -q XENIB_CREATE_CQ_TAKES_ATTRS "$src/frontend/.cq.o.cmd" ||
		{ echo "FAIL $hdr: create_cq takes the attribute bundle, not detected"; exit 1; }
	echo "  create_cq with the uverbs attribute bundle: detected"
fi
echo "ok W=1 and sparse clean against ${kdir#usr/src/linux-headers-} ($suite)"
