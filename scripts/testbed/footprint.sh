#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# footprint.sh (run as `scripts/xenib-testbed footprint`)
#
# The modern version of Table 3 of the 2006 Xen-IB paper: for the testbed's
# small guest and for a full Debian guest (systemd), the guest image size,
# the boot time (xl create -> the guest's agent answers) and the memory in
# use after boot (`free` in the guest).
#
# The full Debian guest is built here on first use and cached next to the
# images (keyed like them).  Its root is an ext4 image that QEMU attaches to
# the emulated machine as a second virtio disk (/dev/vdb in Dom0, throw-away
# snapshot) and xl gives to the guest as xvda; a tiny initramfs loads
# xen-blkfront + ext4 and switches to systemd.  This needs a testbed started
# with that disk, so footprint stops a running testbed, starts its own and
# stops it at the end.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
TB=$REPO/scripts/xenib-testbed
TB_DIR=$REPO/scripts/testbed
CACHE=${XENIB_CACHE:-$HOME/.cache/xenib}
say() { echo "footprint: $*" >&2; }
die() { echo "footprint: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, mke2fs -d)"
"$TB" images || die "images failed"
IMG=$(readlink -f "$REPO/build/testbed/images")
KVER=$("$TB" kernel-version)
KEY=$( (cat "$IMG/versions" "$0") | sha256sum | cut -c1-16)
FULL=$CACHE/full-guest/$KEY

build_full() {
	local W=$FULL.work R
	rm -rf "$W" "$FULL"
	mkdir -p "$W"
	R=$W/root
	say "building the full Debian guest (mmdebstrap, systemd) into $FULL"
	local mirror=()
	[ -s /etc/apt/sources.list.d/debian.sources ] && mirror=(/etc/apt/sources.list.d/debian.sources)
	mmdebstrap --quiet --variant=important \
		--include=systemd-sysv,udev,kmod,iproute2,procps,rdma-core,ibverbs-utils,ibverbs-providers,perftest,rdmacm-utils \
		bookworm "$R" "${mirror[@]}" >&2 || die "mmdebstrap failed"
	rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin
	# kernel modules: the pruned tree of the Dom0 image
	mkdir -p "$W/mods/lib"
	debugfs -R "rdump /usr/lib/modules $W/mods/lib" "$IMG/dom0.ext4" >/dev/null 2>&1 ||
		die "cannot extract modules from $IMG/dom0.ext4 (debugfs)"
	[ -d "$W/mods/lib/modules/$KVER" ] || die "no modules for $KVER in $IMG/dom0.ext4"
	mkdir -p "$R/usr/lib/modules"
	cp -a "$W/mods/lib/modules/$KVER" "$R/usr/lib/modules/"
	# agent + network set-up from the kernel command line
	gcc -O2 -static -o "$R/usr/local/sbin/xenib-agent" "$TB_DIR/xenib-agent.c"
	cat >"$R/usr/local/sbin/xenib-full-guest-net" <<-'EOF'
	#!/bin/sh
	ip=
	for a in $(cat /proc/cmdline); do
		case $a in xenib_testbed.ip=*) ip=${a#*=} ;; xenib_testbed.name=*) hostname "${a#*=}" ;; esac
	done
	modprobe xen-netfront
	for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
	ip link set lo up
	ip addr add "$ip" dev eth0
	ip link set eth0 up
	echo "${ip%/*}" >/run/xenib-ip
	EOF
	chmod 755 "$R/usr/local/sbin/xenib-full-guest-net"
	cat >"$R/etc/systemd/system/xenib-agent.service" <<-'EOF'
	[Unit]
	Description=xenib testbed agent
	After=local-fs.target
	[Service]
	ExecStartPre=/usr/local/sbin/xenib-full-guest-net
	ExecStart=/bin/sh -c 'exec /usr/local/sbin/xenib-agent serve 7700 --bind $(cat /run/xenib-ip)'
	Restart=always
	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/xenib-agent.service \
		"$R/etc/systemd/system/multi-user.target.wants/xenib-agent.service"
	echo "/dev/xvda / ext4 rw,noatime 0 0" >"$R/etc/fstab"
	chroot "$R" passwd -d root >/dev/null 2>&1 || true
	mkdir -p "$FULL.partial"
	local size_mb=$(($(du -sm "$R" | cut -f1) * 5 / 4 + 256))
	mke2fs -q -F -t ext4 -L xenib-full -d "$R" "$FULL.partial/root.ext4" "${size_mb}M"
	du -sm "$R" | cut -f1 >"$FULL.partial/root-used-mb"
	# tiny initramfs: xen-blkfront + ext4, mount /dev/xvda, switch to systemd
	local I=$W/initrd m
	mkdir -p "$I"/{bin,dev,proc,sys,newroot,modules}
	mknod -m 600 "$I/dev/console" c 5 1
	cp /bin/busybox "$I/bin/busybox"
	for m in $(/bin/busybox --list); do [ "$m" = busybox ] || ln -sf busybox "$I/bin/$m"; done
	for m in xen-blkfront ext4; do
		modprobe -d "$W/mods" -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		cp "$ko" "$I/modules/"
		basename "$ko" >>"$I/modules/order"
	done
	cat >"$I/init" <<-'EOF'
	#!/bin/sh
	export PATH=/bin
	mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
	for m in $(cat /modules/order); do insmod /modules/$m 2>/dev/null; done
	i=0; while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
	mount -t ext4 -o rw,noatime /dev/xvda /newroot || exec sh
	umount /proc /sys; mount --move /dev /newroot/dev
	exec switch_root /newroot /sbin/init
	EOF
	chmod 755 "$I/init"
	(cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$FULL.partial/initrd"
	mv "$FULL.partial" "$FULL"
	rm -rf "$W"
	touch "$FULL/.complete"
}

mkdir -p "$CACHE/full-guest"
if [ -f "$FULL/.complete" ]; then
	say "full Debian guest cached: $FULL"
else
	t0=$SECONDS
	build_full
	say "full Debian guest built in $((SECONDS - t0)) s"
	find "$CACHE/full-guest" -mindepth 1 -maxdepth 1 ! -name "$KEY" -exec rm -rf {} +
fi

if "$TB" status >/dev/null 2>&1; then
	say "stopping the running testbed (footprint needs its own, with the full guest's disk)"
	"$TB" stop
fi
XENIB_EXTRA_DISK=$FULL/root.ext4 "$TB" start
trap '"$TB" stop' EXIT
"$TB" run dom0 -c 'mkdir -p /var/lib/xenib-testbed/full && cat > /var/lib/xenib-testbed/full/initrd' <"$FULL/initrd"

measure() { # NAME IP -- guest start args...
	local name=$1 out boot mem
	shift
	out=$("$TB" guest start "$name" "$@" 2>&1) || { echo "$out" >&2; die "guest $name did not start"; }
	boot=$(echo "$out" | sed -n 's/.*agent answered \([0-9.]*\) s after xl create.*/\1/p')
	mem=$("$TB" run "$name" -n -c "free -k | awk '/^Mem:/ { printf \"%d %d\", \$3 / 1024, \$2 / 1024 }'")
	"$TB" guest destroy "$name" >/dev/null 2>&1 || true
	echo "$boot $mem"
}

small_size=$("$TB" run dom0 -n -c 'cat /var/lib/xenib-testbed/guest/initrd.base /var/lib/xenib-testbed/guest/initrd.layer | wc -c')
small_unpacked=$(cat "$IMG/guest-unpacked-kb")
full_size=$(($(stat -c %s "$FULL/initrd")))
full_used=$(cat "$FULL/root-used-mb")
say "booting the small guest"
read -r s_boot s_used s_total < <(measure fp-small --ip 10.77.0.61)
say "booting the full Debian guest"
read -r f_boot f_used f_total < <(measure fp-full --ip 10.77.0.62 \
	--ramdisk /var/lib/xenib-testbed/full/initrd --extra-args 'net.ifnames=0' \
	--cfg-extra "disk = [ 'format=raw,vdev=xvda,access=rw,script=block-xenib,target=/dev/vdb' ]" --timeout 900)
ksize=$(stat -c %s "$IMG/vmlinuz")
printf '\n%-28s %22s %22s\n' "" "small (busybox initrd)" "full Debian (systemd)"
printf '%-28s %19.1f MB %19.1f MB\n' "guest image size" \
	"$(echo "$small_size" | awk '{print $1 / 1048576}')" "$full_used"
printf '%-28s %22s %22s\n' "  (what that is)" "cpio, $((small_unpacked / 1024)) MB unpacked" "ext4 root, used"
printf '%-28s %19.1f MB %19.1f MB\n' "kernel bzImage (both)" "$(awk -v k="$ksize" 'BEGIN{print k / 1048576}')" "$(awk -v k="$ksize" 'BEGIN{print k / 1048576}')"
printf '%-28s %20s s %20s s\n' "boot time (create->agent)" "$s_boot" "$f_boot"
printf '%-28s %19s MB %19s MB\n' "memory in use after boot" "$s_used" "$f_used"
printf '%-28s %19s MB %19s MB\n' "memory total (of 256 MB)" "$s_total" "$f_total"
echo "(QEMU TCG emulation: absolute times are slow; compare the columns)"
