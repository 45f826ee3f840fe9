#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-images.sh OUTDIR KVER
#
# Builds the testbed's images into OUTDIR (called by `xenib-testbed images`,
# which picks OUTDIR from the cache key; run it through that, not by hand):
#   xen.elf          Xen XEN_VER, decompressed multiboot ELF (QEMU -kernel)
#   vmlinuz          the Debian kernel KVER (Dom0 and guests)
#   dom0-initrd.cpio tiny busybox initramfs that mounts the Dom0 root disk
#   dom0-modules     the insmod order for it
#   dom0.ext4        Dom0 root filesystem (mmdebstrap minbase + packages +
#                    pruned modules + the small guest image in
#                    /var/lib/xenib-testbed/guest/{vmlinux,initrd.base})
#   versions         what went in
# The init scripts, the agent and the user's stage are NOT in here: they are
# added at every `start` (see xenib-testbed), so they never invalidate this.
# The release is XENIB_DISTRO's with Xen XEN_VER, from the archive apt is
# configured for (APT_CONFIG, XENIB_APT_SOURCES: set by xenib-testbed for
# a release other than the host's).
set -euo pipefail

OUT=$1
KVER=$2
SUITE=${XENIB_DISTRO:-bookworm}
XEN_VER=${XEN_VER:-4.17}
XEN_PKG=xen-hypervisor-$XEN_VER-amd64
TB_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$OUT.work
log() { echo "[images] $*" >&2; }
die() { echo "[images] ERROR: $*" >&2; exit 1; }
T0=$SECONDS
step() { log "$1 (t+$((SECONDS - T0))s)"; }

[[ $(ldd /bin/busybox 2>&1) == *"not a dynamic"* ]] ||
	die "/bin/busybox is not the static one: apt-get install busybox-static (scripts/xenib-testbed deps)"
rm -rf "$WORK"
mkdir -p "$WORK/debs"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK" "$WORK/debs"

# -------------------------------------------------------------- downloads
step "downloading $XEN_PKG and linux-image-$KVER ($SUITE)"
(cd "$WORK/debs" && apt-get download -q "$XEN_PKG" \
	"linux-image-$KVER" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
	die "apt-get download failed: run 'XENIB_DISTRO=$SUITE scripts/xenib-testbed deps' (it runs apt-get update) and retry"
ls "$WORK"/debs/"$XEN_PKG"_*.deb "$WORK"/debs/linux-image-"$KVER"_*.deb >/dev/null ||
	die "downloaded packages missing in $WORK/debs"
dpkg-deb -x "$WORK"/debs/"$XEN_PKG"_*.deb "$WORK/xen"
dpkg-deb -x "$WORK"/debs/linux-image-"$KVER"_*.deb "$WORK/kernel"
zcat "$WORK/xen/boot/xen-$XEN_VER-amd64.gz" >"$OUT/xen.elf.tmp"
mv "$OUT/xen.elf.tmp" "$OUT/xen.elf"
cp "$WORK/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz"

# ---------------------------------------------------------- kernel modules
step "pruning kernel modules"
MODS=$WORK/modroot
mkdir -p "$MODS/lib/modules"
# (under usr/ from trixie on: merged /usr)
mv "$(ls -d "$WORK"/kernel/{usr/,}lib/modules/"$KVER" 2>/dev/null | head -n 1)" "$MODS/lib/modules/"
M=$MODS/lib/modules/$KVER/kernel
rm -rf "$M/sound" "$M/net/wireless" "$M/net/mac80211" "$M/net/bluetooth" \
	"$M/net/nfc" "$M/net/can"
for d in gpu media scsi ata usb bluetooth iio staging isdn comedi hwmon mtd \
	mmc hid input/touchscreen input/joystick input/tablet infiniband/hw \
	net/wireless net/usb net/can net/ieee802154 net/wan net/ppp net/fddi \
	net/hamradio thunderbolt nfc power/supply leds spi i2c w1 firewire \
	target platform/chrome platform/surface fpga gnss counter; do
	rm -rf "${M:?}/drivers/$d"
done
# hardware NIC trees, except e1000 (a fallback QEMU NIC)
if [ -d "$M/drivers/net/ethernet" ]; then
	find "$M/drivers/net/ethernet" -mindepth 1 -maxdepth 1 ! -name intel -exec rm -rf {} +
	find "$M/drivers/net/ethernet/intel" -mindepth 1 -maxdepth 1 ! -name e1000 -exec rm -rf {} + 2>/dev/null || true
fi
depmod -b "$MODS" "$KVER"

# modclosure MODULE...: the .ko paths (relative to lib/modules/KVER) needed to
# load the modules, in load order.
modclosure() {
	local m
	for m in "$@"; do
		modprobe -d "$MODS" -S "$KVER" --show-depends "$m" >"$WORK/deps" 2>&1 ||
			log "warning: module $m: $(cat "$WORK/deps")"
		awk '$1 == "insmod" { print $2 }' "$WORK/deps" |
			sed "s|^$MODS/lib/modules/$KVER/||"
	done | awk '!seen[$0]++'
}

# ---------------------------------------------------------------- Dom0 root
ROOT=$WORK/dom0
mapfile -t PKGS < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TB_DIR/packages")
PKGS=("xen-utils-$XEN_VER" "${PKGS[@]}")
MIRROR=()
for f in ${XENIB_APT_SOURCES:-} /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	if [ -s "$f" ] && grep -q '^[^#]*deb' "$f"; then MIRROR=("$f"); break; fi
done
# mmdebstrap sets up apt in the root itself, from MIRROR
unset APT_CONFIG
step "mmdebstrap Dom0 root (${PKGS[*]}) from ${MIRROR[*]:-the default mirror}"
mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "${PKGS[*]}")" \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	"$SUITE" "$ROOT" "${MIRROR[@]}" >&2 ||
	die "mmdebstrap failed (see above); is the Debian archive reachable? try 'apt-get update'"
rm -rf "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/archives/*.deb
mkdir -p "$ROOT/usr/lib/modules"
cp -a "$MODS/lib/modules/$KVER" "$ROOT/usr/lib/modules/"
mkdir -p "$ROOT/usr/lib/xenib-testbed"
cp /bin/busybox "$ROOT/usr/lib/xenib-testbed/busybox"

# ---------------------------------------------------------- small guest image
step "small guest image"
G=$WORK/guest
mkdir -p "$G"/usr/{bin,sbin,lib,lib64} "$G"/{dev,proc,sys,run,tmp,root,etc,mnt,var/log}
ln -s usr/bin "$G/bin"
ln -s usr/sbin "$G/sbin"
ln -s usr/lib "$G/lib"
ln -s usr/lib64 "$G/lib64"
chmod 1777 "$G/tmp"
mknod -m 600 "$G/dev/console" c 5 1
mknod -m 666 "$G/dev/null" c 1 3
cp /bin/busybox "$G/usr/bin/busybox"
/bin/busybox --list-full | while read -r a; do
	case $a in bin/*|sbin/*|usr/bin/*|usr/sbin/*) ;; *) continue ;; esac
	[ -e "$G/$a" ] || [ -L "$G/$a" ] || ln -s /usr/bin/busybox "$G/$a"
done
# copy_in PATH...: copy files (dereferenced) from the Dom0 tree into the guest
# tree $G at the same canonical directory, plus their shared-library closure.
# A file already copied into an earlier tree (the base image) is skipped: the
# layers are unpacked on top of the base.
declare -A COPIED=()
copy_in() {
	local p dir real lib
	for p in "$@"; do
		[ -n "${COPIED[$p]:-}" ] && continue
		COPIED[$p]=1
		[ -e "$ROOT$p" ] || { log "warning: $p not in Dom0 tree"; continue; }
		real=$(readlink -f "$ROOT$(dirname "$p")")
		dir=${real#"$ROOT"}
		mkdir -p "$G$dir"
		cp -L --remove-destination "$ROOT$p" "$G$dir/$(basename "$p")"
		if [ "$(head -c 4 "$ROOT$p" | tail -c 3)" = ELF ]; then
			while read -r lib; do
				copy_in "$lib"
			done < <(chroot "$ROOT" /usr/bin/ldd "$p" 2>/dev/null |
				grep -o '/[^ ]*' | grep -v '^/.*:$' | sort -u)
		fi
	done
}
BINS=()
for b in "$ROOT"/usr/bin/ibv_* "$ROOT"/usr/bin/ib_{read,write,send,atomic}_{bw,lat} \
	"$ROOT"/usr/bin/{rping,ucmatose,udaddy,mckey,rdma_client,rdma_server,rdma_xclient,rdma_xserver,riostream,rstream,cmtime} \
	"$ROOT"/usr/bin/rdma "$ROOT"/sbin/rdma "$ROOT"/usr/sbin/rdma "$ROOT"/usr/bin/kmod \
	"$ROOT"/usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so \
	"$ROOT"/etc/libibverbs.d/rxe.driver \
	"$ROOT"/usr/lib/x86_64-linux-gnu/libgcc_s.so.1; do
	[ -e "$b" ] && BINS+=("${b#"$ROOT"}")
done
# (libgcc_s: glibc loads it for pthread_exit and pthread_cancel, which
# librdmacm's tools call on their way out; ldd does not list it.)
copy_in "${BINS[@]}" /usr/bin/dash
# /bin/sh is dash, not busybox: busybox-static's ash runs its own applets
# before PATH, which would hide kmod's modprobe/depmod/lsmod
ln -sf dash "$G/usr/bin/sh"
for t in modprobe depmod insmod lsmod rmmod modinfo; do
	ln -sf /usr/bin/kmod "$G/usr/sbin/$t"
	rm -f "$G/usr/bin/$t"
done
# crc32_generic: rdma_rxe asks the crypto API for "crc32" (its ICRC) when
# a link is added, a dependency modinfo does not list; without it Soft-RoCE
# in a guest (the benchmarks' what-a-user-has-without-xenib) fails with
# ENOENT.
GMODS=(xen-netfront ib_core ib_uverbs ib_umad ib_cm iw_cm rdma_cm rdma_ucm rdma_rxe crc32_generic)
mkdir -p "$G/usr/lib/modules/$KVER"
cp "$MODS/lib/modules/$KVER"/modules.{builtin,builtin.modinfo,order} "$G/usr/lib/modules/$KVER/"
modclosure "${GMODS[@]}" | while read -r ko; do
	mkdir -p "$G/usr/lib/modules/$KVER/$(dirname "$ko")"
	cp "$MODS/lib/modules/$KVER/$ko" "$G/usr/lib/modules/$KVER/$ko"
done
depmod -b "$G" "$KVER"
echo "root:x:0:0:root:/root:/bin/sh" >"$G/etc/passwd"
echo "root:x:0:" >"$G/etc/group"
printf '127.0.0.1 localhost\n10.77.0.1 dom0\n' >"$G/etc/hosts"
mkdir -p "$ROOT/var/lib/xenib-testbed/guest"
# uncompressed: start-time layers are appended as further cpio archives (the
# kernel rejects an archive appended to a gzip one) and it unpacks faster
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$ROOT/var/lib/xenib-testbed/guest/initrd.base"
du -sk "$G" | awk '{print $1}' >"$OUT/guest-unpacked-kb"
# Each layer lies on the base alone: it holds what the base lacks, whatever
# another layer holds.
BASE_COPIED=("${!COPIED[@]}")
base_copied_only() {
	local k
	COPIED=()
	for k in "${BASE_COPIED[@]}"; do
		COPIED[$k]=1
	done
}

# The MPI layer (issue 6): Open MPI, UCX and hpcc with everything they load at
# run time, appended to the base for guests started with `--layer mpi`.  A
# layer of its own, so the other tests' guests stay small and boot fast.
# hwloc's plugins stay out: they pull in X11, OpenCL and libxml2 with ICU's
# 30 MB of data, for topology hwloc finds without them.
step "guest MPI layer"
G=$WORK/guest-mpi
mkdir -p "$G"
base_copied_only
ML=/usr/lib/x86_64-linux-gnu
# The launcher's daemons: ORTE's up to Open MPI 4, PRRTE's from 5.
MPI_FILES=()
for f in /usr/bin/{orted,orterun,prte,prted,prterun,mpirun.openmpi,ompi_info,hpcc,ucx_info}; do
	[ -e "$ROOT$f" ] && MPI_FILES+=("$f")
done
while read -r f; do
	MPI_FILES+=("${f#"$ROOT"}")
done < <(find "$ROOT$ML/openmpi/lib" "$ROOT$ML/pmix2" "$ROOT$ML/ucx" \
	"$ROOT/usr/share/openmpi" "$ROOT/usr/share/pmix" "$ROOT/usr/share/hwloc" \
	"$ROOT/etc/openmpi" "$ROOT/etc/ucx" \( -type f -o -type l \) \
	! -name '*.a' ! -name '*.la' ! -path '*/include/*' 2>/dev/null)
copy_in "${MPI_FILES[@]}"
if [ -e "$ROOT/usr/bin/orterun" ]; then
	ln -sf orterun "$G/usr/bin/mpirun"
else
	ln -sf mpirun.openmpi "$G/usr/bin/mpirun"
fi
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$ROOT/var/lib/xenib-testbed/guest/initrd.mpi"
du -sk "$G" | awk '{print $1}' >"$OUT/guest-mpi-unpacked-kb"
# The pyverbs layer: Python and rdma-core's pyverbs, for running rdma-core's
# own test suite in a guest (`--layer pyverbs`, e2e-31).  Python's standard
# library goes in whole but for what no test imports (tests, Tk, IDLE, the
# installers), with the byte code Debian compiled into the Dom0 tree, so
# that TCG does not compile it at every import.
step "guest pyverbs layer"
G=$WORK/guest-pyverbs
mkdir -p "$G"
base_copied_only
PY_FILES=(/usr/bin/python3)
PYLIB=$(cd "$ROOT" && ls -d usr/lib/python3.[0-9]* | sort -V | tail -n 1)
while read -r f; do
	PY_FILES+=("${f#"$ROOT"}")
done < <(find "$ROOT/$PYLIB" "$ROOT/usr/lib/python3/dist-packages/pyverbs" \
	\( -path '*/test' -o -path '*/tests' -o -path '*/idlelib' -o -path '*/tkinter' \
	-o -path '*/ensurepip' -o -path '*/lib2to3' -o -path '*/turtledemo' \
	-o -path '*/config-3.*-*' \) -prune -o \( -type f -o -type l \) -print)
copy_in "${PY_FILES[@]}" /usr/bin/ip
# The suite reads addresses with iproute2's "ip -j", which busybox's ip (in
# /usr/sbin, ahead in PATH) lacks.
mkdir -p "$G/usr/sbin"
cp "$G/usr/bin/ip" "$G/usr/sbin/ip"
ln -sf python3 "$G/usr/bin/python"
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$ROOT/var/lib/xenib-testbed/guest/initrd.pyverbs"
du -sk "$G" | awk '{print $1}' >"$OUT/guest-pyverbs-unpacked-kb"
# Guests get the kernel as an uncompressed ELF: xl would otherwise
# decompress the xz bzImage in Dom0 at every xl create (~30 s under TCG).
extract_vmlinux() { # BZIMAGE OUT
	local off magic tool
	for magic in $'\xfd7zXZ\x00':xz $'\x28\xb5\x2f\xfd':zstd $'\x1f\x8b\x08':gzip; do
		tool=${magic##*:}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -abo "${magic%:*}" "$1" 2>/dev/null | cut -d: -f1 | head -n 5); do
			case $tool in
			xz) tail -c +$((off + 1)) "$1" | xz -dcq --single-stream >"$2" 2>/dev/null ;;
			zstd) tail -c +$((off + 1)) "$1" | zstd -dcq >"$2" 2>/dev/null ;;
			gzip) tail -c +$((off + 1)) "$1" | gzip -dcq >"$2" 2>/dev/null ;;
			esac
			[ "$(head -c 4 "$2" | tail -c 3)" = ELF ] && return 0
		done
	done
	return 1
}
if extract_vmlinux "$OUT/vmlinuz" "$ROOT/var/lib/xenib-testbed/guest/vmlinux"; then
	log "guest kernel: uncompressed ELF ($(du -m "$ROOT/var/lib/xenib-testbed/guest/vmlinux" | cut -f1) MB)"
else
	log "warning: cannot extract vmlinux from the bzImage; guests boot the compressed kernel (slower xl create)"
	cp "$OUT/vmlinuz" "$ROOT/var/lib/xenib-testbed/guest/vmlinux"
fi

# ------------------------------------------------------- tiny Dom0 initramfs
step "Dom0 boot initramfs"
I=$WORK/dom0-initrd
mkdir -p "$I"/{bin,dev,proc,sys,newroot,modules}
mknod -m 600 "$I/dev/console" c 5 1
mknod -m 666 "$I/dev/null" c 1 3
cp /bin/busybox "$I/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$I/bin/$a"; done
ln -s bin "$I/sbin"
: >"$OUT/dom0-modules"
modclosure virtio_pci virtio_blk virtio_net ext4 | while read -r ko; do
	cp "$MODS/lib/modules/$KVER/$ko" "$I/modules/"
	basename "$ko" >>"$OUT/dom0-modules"
done
cp "$OUT/dom0-modules" "$I/modules/order"
(cd "$I" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$OUT/dom0-initrd.cpio"

# ------------------------------------------------------------ Dom0 disk image
size_mb=$(($(du -sm "$ROOT" | cut -f1) * 5 / 4 + 512))
step "Dom0 root disk: ext4 image of ${size_mb} MB (mke2fs -d)"
mke2fs -q -F -t ext4 -O ^has_journal -L xenib-dom0 -d "$ROOT" \
	"$OUT/dom0.ext4.tmp" "${size_mb}M" || die "mke2fs -d failed"
mv "$OUT/dom0.ext4.tmp" "$OUT/dom0.ext4"

{
	echo "kernel linux-image-$KVER $(dpkg-deb -f "$WORK"/debs/linux-image-"$KVER"_*.deb Version)"
	echo "xen $XEN_PKG $(dpkg-deb -f "$WORK"/debs/"$XEN_PKG"_*.deb Version)"
	chroot "$ROOT" dpkg-query -W -f '${Package} ${Version}\n' "${PKGS[@]}"
	echo "busybox-static $(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null)"
} >"$OUT/versions"
step "done"
