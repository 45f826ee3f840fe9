#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libxenib's device records (tests/unit/records.c), in a mount namespace of
# their own so that this machine's /var/lib is neither read nor written.
set -u
cd "$(dirname "$0")/../.." || exit 1
make -s build/userlib/libxenib.a || exit 1
gcc -Wall -Wextra -Werror -Iinclude -o build/unit-records tests/unit/records.c \
	build/userlib/libxenib.a -lxenstore || exit 1
unshare --mount --propagation private sh -c \
	'mount -t tmpfs xenib-records /var/lib && exec build/unit-records'
