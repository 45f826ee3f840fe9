#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# User-space C (userlib, the verbs and MPI test programs, the fuzzing harness
# and the backend's checks as the harness builds them) passes cppcheck with its
# warning, portability and performance checks.  Its style checks are left
# out: they mostly want declarations in the innermost scope, where the
# kernel style this project follows puts them at the top.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v cppcheck >/dev/null ||
	{ echo "FAIL cppcheck not installed (scripts/xenib-testbed deps installs it)"; exit 1; }
files=$(git ls-files 'userlib/*.c' 'tests/verbs/*.c' 'tests/mpi/*.c' 'tests/fuzz/*.c' \
	'tests/unit/*.c' backend/check.c)
if ! cppcheck --quiet --enable=warning,portability,performance --std=c11 \
	--error-exitcode=1 --suppress=missingIncludeSystem \
	-Iinclude -Ibackend -Itests/fuzz $files; then
	echo "FAIL cppcheck"
	exit 1
fi
echo "ok cppcheck clean ($(echo "$files" | wc -w) files)"
