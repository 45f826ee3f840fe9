#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make install" puts both modules under updates/xenib and depmod finds them;
# dkms builds both from dkms.conf.  Neither touches the host: a private
# INSTALL_MOD_PATH and a private dkms tree.
set -u
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ read -r kdir; read -r kver; } < <(make -s print-kdir)

make -s install INSTALL_MOD_PATH="$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL make install"; exit 1; }
for m in xen-ibback xen-ibfront; do
	find "$tmp/root/lib/modules/$kver/updates/xenib" -name "$m.ko" | grep -q . ||
		{ echo "FAIL $m.ko not installed under updates/xenib"; exit 1; }
	grep -q "^updates/xenib/.*$m.ko:" "$tmp/root/lib/modules/$kver/modules.dep" ||
		{ echo "FAIL depmod did not index $m"; exit 1; }
done
cmp -s scripts/modprobe.d/xen-ibback.conf "$tmp/root/etc/modprobe.d/xen-ibback.conf" ||
	{ echo "FAIL the backend's modprobe.d file (load order before ib_cm) not installed"; exit 1; }
echo "ok make install"

if ! command -v dkms >/dev/null; then
	echo "FAIL dkms not installed (scripts/xenib-testbed deps installs it)"
	exit 1
fi
mkdir -p "$tmp/src" "$tmp/dkms"
git ls-files -z | xargs -0 cp --parents -t "$tmp/src"
mkdir -p "$tmp/src-root" && mv "$tmp/src" "$tmp/src-root/xenib-0.1"
if ! dkms build -m xenib -v 0.1 -k "$kver" --kernelsourcedir "$kdir" \
	--sourcetree "$tmp/src-root" --dkmstree "$tmp/dkms" >"$tmp/dkms.log" 2>&1; then
	cat "$tmp/dkms.log"
	echo "FAIL dkms build"
	exit 1
fi
for m in xen-ibback xen-ibfront; do
	find "$tmp/dkms" -name "$m.ko*" | grep -q . || { echo "FAIL dkms built no $m"; exit 1; }
done
echo "ok dkms build"
