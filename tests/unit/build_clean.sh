#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Both modules, and the kernel-verbs test module, build from scratch with
# W=1 and sparse (C=2) without a single warning.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/unit/build_lib.sh
make -s clean >/dev/null 2>&1
build_checked "" make W=1 C=2 all kverbs-test || exit 1
echo "ok W=1 and sparse clean"
