#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kernel code passes the kernel's own checkpatch.pl --no-tree without a
# warning.  checkpatch comes from Debian's linux-source-6.1 package, fetched
# (not installed) into build/ once.
set -u
cd "$(dirname "$0")/../.." || exit 1
cp=${CHECKPATCH:-build/checkpatch/scripts/checkpatch.pl}
if [ ! -x "$cp" ] && [ ! -f "$cp" ]; then
	dl=$(mktemp -d)
	(cd "$dl" && apt-get download -q linux-source-6.1 >/dev/null 2>&1) ||
		{ echo "FAIL cannot download linux-source-6.1 (run apt-get update)"; rm -rf "$dl"; exit 1; }
	dpkg-deb --fsys-tarfile "$dl"/linux-source-6.1_*.deb |
		tar -xO --wildcards './usr/src/linux-source-6.1.tar.xz' |
		tar -xJ -C "$dl" --wildcards 'linux-source-6.1/scripts/checkpatch.pl' \
			'linux-source-6.1/scripts/spelling.txt' \
			'linux-source-6.1/scripts/const_structs.checkpatch' || exit 1
	mkdir -p build/checkpatch
	rm -rf build/checkpatch/scripts
	mv "$dl/linux-source-6.1/scripts" build/checkpatch/
	rm -rf "$dl"
fi
files=$(git ls-files 'backend/*.[ch]' 'frontend/*.[ch]' 'include/*.h' 'tests/kverbs/*.c')
if ! perl "$cp" --no-tree --terse --show-types -f $files; then
	echo "FAIL checkpatch"
	exit 1
fi
echo "ok checkpatch clean ($(echo "$files" | wc -w) files)"
