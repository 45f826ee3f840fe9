#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both modules, and the kernel-verbs test module, build from scratch with
# W=1 and sparse (C=2) without a single warning.
set -u
cd "$(dirname "$0")/../.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
make -s clean >/dev/null 2>&1
if ! make W=1 C=2 all kverbs-test >"$log" 2>&1; then
	cat "$log"
	echo "FAIL build"
	exit 1
fi
# Kbuild's own notes (BTF skipped for lack of vmlinux) are not ours.
if grep -E 'warning:|error:|: note:' "$log"; then
	echo "FAIL warnings with W=1 C=2"
	exit 1
fi
grep -q "CHECK.*backend/xenbus.c" "$log" &&
	grep -q "CHECK.*tests/kverbs/" "$log" || { echo "FAIL sparse did not run"; exit 1; }
echo "ok W=1 and sparse clean"
