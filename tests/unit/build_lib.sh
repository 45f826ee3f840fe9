# SPDX-License-Identifier: GPL-2.0
# Sourced by build_clean.sh and build_other_kernel.sh: what makes a build
# of the modules and the kernel-verbs test module clean.

# build_checked WHAT CMD...: run CMD (a make with W=1 C=2 of both modules
# and tests/kverbs); it must succeed without a warning, with sparse run.
build_checked() {
	local what=$1 log rc=0
	shift
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log"
		echo "FAIL build $what"
		rc=1
	# Kbuild's own notes (BTF skipped for lack of vmlinux) are not ours.
	elif grep -E 'warning:|error:|: note:' "$log"; then
		echo "FAIL warnings with W=1 C=2 $what"
		rc=1
	elif ! grep -q "CHECK.*backend/xenbus.c" "$log" ||
		! grep -q "CHECK.*tests/kverbs/" "$log"; then
		echo "FAIL sparse did not run $what"
		rc=1
	fi
	rm -f "$log"
	return $rc
}
