#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fwctl-bpf on Debian's own, unmodified kernel (issue 15).
#
#   scripts/stock.sh rootfs    a trixie root file system (mmdebstrap, trixie +
#                              trixie-backports: gcc-14, dkms, Debian's 7.3
#                              headers, bpftool, pahole); print its directory
#   scripts/stock.sh kernel    Debian's kernel image and modules (apt-get
#                              download, private apt configuration, never
#                              installed on the host), extracted; print the
#                              directory (usr/lib/modules/RELEASE/vmlinuz)
#   scripts/stock.sh modules   build fwctl.ko, mlx5_fwctl.ko and mlx5_sim.ko
#                              with module BTF from the patched source
#                              (dkms/, as DKMS would) inside the rootfs
#                              against Debian's headers; print the directory
#   scripts/stock.sh initrd    an initramfs that loads Debian's 9p and
#                              overlay modules and boots the rootfs
#   scripts/stock.sh chroot CMD...
#                              run CMD in the rootfs (as root)
#   scripts/stock.sh all       all of the above; print the directories
#
# Everything lives in the cache (FWCTL_BPF_CACHE, default
# ~/.cache/fwctl-bpf) under stock/, each artifact keyed by its own inputs
# (a recipe number, the package list, the kernel version; for the
# modules also the rootfs, the patch series, the sources and dkms/), so a
# second run is a no-op. The mirror is the machine's own
# (scripts/apt-lib.sh; FWCTL_BPF_MIRROR overrides). Needs root (mmdebstrap
# and chroot) and mmdebstrap (a bookworm package).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${FWCTL_BPF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fwctl-bpf}
STOCK=$CACHE/stock
# shellcheck source=apt-lib.sh
. "$ROOT/scripts/apt-lib.sh"
# The kernel a stock trixie host runs (trixie-backports) and its packages.
STOCK_RELEASE=${STOCK_RELEASE:-7.3.4+deb13-amd64}
STOCK_VERSION=${STOCK_VERSION:-7.3.4-1~bpo13+1}
STOCK_KBUILD=linux-kbuild-${STOCK_RELEASE%-amd64}
# What a DKMS build needs (dkms pulls in gcc-14 and make), what the tests
# run (bpftool 7.8 from trixie-backports, libbpf 1.5, the libraries the
# host-built tests link) and what the initramfs is made of (busybox).
ROOTFS_PKGS=(build-essential dkms kmod dwarves "linux-headers-$STOCK_RELEASE"
	     "$STOCK_KBUILD" bpftool/trixie-backports libbpf1 libelf1t64 zlib1g libjson-c5
	     libcriterion3
	     busybox-static xz-utils zstd file jq procps iproute2 ca-certificates mount)
# Kernel modules the guest needs before its root is mounted (virtio-pci
# is built in).
INITRD_MODS=(9pnet_virtio 9p overlay)

die() { echo "stock: error: $*" >&2; exit 1; }
say() { echo "stock: $*" >&2; }

# A cache key of the arguments: each artifact names its own inputs (and
# a format number, raised when the recipe changes), so editing one part
# of this script does not rebuild the others.
key() {
	printf '%s\n' "$@" | sha256sum | cut -c1-16
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "$1 needs root (mmdebstrap, chroot); run with sudo"
}

rootfs_dir() { echo "$STOCK/rootfs-trixie-$(key rootfs-1 "${ROOTFS_PKGS[@]}" "$STOCK_VERSION")"; }

# mmdebstrap into a temporary directory, renamed when complete.
rootfs() {
	local dir tmp mirror t0
	dir=$(rootfs_dir)
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	need_root "rootfs"
	command -v mmdebstrap >/dev/null ||
		die "mmdebstrap is missing: apt-get install mmdebstrap (a bookworm package)"
	mirror=$(debian_mirror)
	mkdir -p "$STOCK"
	tmp=$dir.tmp
	rm -rf "$tmp"
	say "building the trixie root file system from $mirror (a few minutes); log: $dir.log"
	t0=$SECONDS
	if ! mmdebstrap --variant=apt --mode=root --format=directory \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		--include="$(IFS=,; echo "${ROOTFS_PKGS[*]}")" \
		--aptopt='APT::Install-Recommends "false"' \
		--customize-hook='mkdir -p "$1/fwctl-bpf" "$1/lib/modules"' \
		trixie "$tmp" \
		"deb $mirror trixie main" \
		"deb $mirror trixie-updates main" \
		"deb $mirror trixie-backports main" >"$dir.log" 2>&1; then
		tail -n 20 "$dir.log" >&2
		rm -rf "$tmp"
		die "mmdebstrap failed; log: $dir.log"
	fi
	echo "$((SECONDS - t0))s" >"$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	prune rootfs-trixie "$dir"
	say "rootfs: $(du -sh "$dir" | cut -f1) in $(cat "$dir/.complete")"
	echo "$dir"
}

# Keep $2 (and its log) and the newest other $1-*; older inputs are gone.
prune() {
	local old
	old=$(ls -1dt "$STOCK/$1-"* 2>/dev/null | sed -E 's/\.(log|tmp)$//' | awk '!seen[$0]++' |
		grep -vxF "$2" | tail -n +2) || true
	[ -z "$old" ] || for f in $old; do rm -rf "$f" "$f.log" "$f.tmp"; done
}

kernel_dir() { echo "$STOCK/kernel-$STOCK_RELEASE-$(key "$STOCK_VERSION" kernel)"; }

# linux-binary (the image) and linux-modules, downloaded into the cache
# and unpacked there; modules.dep is made here, as the package's postinst
# would.
kernel() {
	local dir tmp p debs
	dir=$(kernel_dir)
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	debs=$STOCK/debs
	mkdir -p "$debs"
	say "downloading Debian's kernel $STOCK_RELEASE ($STOCK_VERSION) from $(debian_mirror)"
	apt_private update >/dev/null 2>&1 ||
		die "apt-get update of trixie-backports failed (network? mirror $(debian_mirror))"
	for p in linux-binary linux-modules; do
		ls "$debs/${p}-${STOCK_RELEASE}_"*.deb >/dev/null 2>&1 && continue
		(cd "$debs" && apt_private download "$p-$STOCK_RELEASE=$STOCK_VERSION" >/dev/null 2>&1) ||
			die "cannot download $p-$STOCK_RELEASE=$STOCK_VERSION (set STOCK_VERSION?)"
	done
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	for p in "$debs/"linux-{binary,modules}-"${STOCK_RELEASE}_"*.deb; do
		dpkg-deb -x "$p" "$tmp"
	done
	# merged /usr: the image is usr/lib/modules/RELEASE/vmlinuz. No lib/
	# here: as a layer over the rootfs it would hide the /lib symlink.
	[ -f "$tmp/usr/lib/modules/$STOCK_RELEASE/vmlinuz" ] ||
		die "no usr/lib/modules/$STOCK_RELEASE/vmlinuz in linux-binary"
	[ ! -e "$tmp/lib" ] || die "linux-modules ships /lib; the layout changed"
	ln -s usr/lib "$tmp/lib"	# bookworm's depmod looks in lib/modules
	depmod -b "$tmp" "$STOCK_RELEASE"
	rm "$tmp/lib"
	touch "$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	say "kernel: $(du -sh "$dir" | cut -f1) in $dir"
	echo "$dir"
}

# Run "$@" in the rootfs with /proc and /dev (objtool reads /proc), in a
# private mount namespace so nothing stays mounted. /fwctl-bpf/work is
# $WORK when set.
in_rootfs() {
	local r=$1
	shift
	need_root "running in the rootfs"
	unshare --mount --fork -- sh -ec '
		r=$1; w=$2; shift 2
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		if [ -n "$w" ]; then mkdir -p "$r/fwctl-bpf/work"; mount --bind "$w" "$r/fwctl-bpf/work"; fi
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
	' sh "$r" "${WORK:-}" "$@"
}

modules_dir() {
	local src=$1
	echo "$STOCK/modules-$STOCK_RELEASE-$(key modules-2 "$STOCK_VERSION" "$(basename "$(rootfs_dir)")" "$(cat "$src/.fwctl-bpf-applied/series" 2>/dev/null)" \
		"$(cat "$ROOT"/dkms/* "$ROOT/scripts/dkms-tree.sh" | sha256sum)" \
		"$(cd "$src" && cat drivers/fwctl/*.[ch] drivers/fwctl/*/*.[ch] include/linux/fwctl*.h include/uapi/fwctl/*.h | sha256sum)")"
}

# $1/layer: the modules installed under updates/fwctl-bpf/ (where
# "dkms install" puts them is updates/dkms/) with modules.dep made for
# Debian's modules plus these, as an overlay layer for the guest's root
# (depmod over 9p in the guest takes minutes under TCG).
module_layer() {
	local out=$1 k mods t
	k=$(kernel)
	mods=usr/lib/modules/$STOCK_RELEASE
	mkdir -p "$out/layer/$mods/updates/fwctl-bpf"
	cp "$out/$STOCK_RELEASE/"*.ko "$out/layer/$mods/updates/fwctl-bpf/"
	# bookworm's depmod reads BASE/lib/modules; Debian's modules by symlink
	t=$(mktemp -d "$STOCK/depmod.XXXXXX")
	mkdir -p "$t/lib/modules/$STOCK_RELEASE"
	ln -s "$k/$mods/kernel" "$t/lib/modules/$STOCK_RELEASE/kernel"
	ln -s "$out/layer/$mods/updates" "$t/lib/modules/$STOCK_RELEASE/updates"
	depmod -b "$t" "$STOCK_RELEASE" 2>&1 | grep -v 'could not open modules\.' >&2 || true
	cp "$t/lib/modules/$STOCK_RELEASE/"modules.* "$out/layer/$mods/"
	rm -rf "$t"
	grep -q '^updates/fwctl-bpf/mlx5_fwctl.ko: updates/fwctl-bpf/fwctl.ko .*mlx5_core' \
		"$out/layer/$mods/modules.dep" || die "depmod did not resolve mlx5_fwctl.ko's dependencies"
}

# The DKMS source tree (scripts/dkms-tree.sh) built in the rootfs with its
# Makefile, as dkms build does, against Debian's headers; Kbuild adds the
# module BTF (Debian's headers ship a BTF-only vmlinux).
modules() {
	local r src dir tmp t0
	r=$(rootfs)
	src=$("$ROOT/scripts/kernel.sh" source)
	dir=$(modules_dir "$src")
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	tmp=$dir.tmp
	rm -rf "$tmp"
	"$ROOT/scripts/dkms-tree.sh" "$tmp/src" "$src"
	say "building fwctl.ko, mlx5_fwctl.ko, mlx5_sim.ko against linux-headers-$STOCK_RELEASE in the rootfs; log: $dir.log"
	t0=$SECONDS
	if ! WORK=$tmp in_rootfs "$r" sh -c 'make -C /fwctl-bpf/work/src KVER="$1" -j"$2" all &&
		make -C /fwctl-bpf/work/src KVER="$1" check-btf' sh "$STOCK_RELEASE" "$(nproc)" \
		>"$dir.log" 2>&1; then
		grep -E 'error|warning|Error' "$dir.log" | head -n 20 >&2 || tail -n 20 "$dir.log" >&2
		die "module build failed; log: $dir.log"
	fi
	if grep -E '^(WARN|warning)|warning:' "$dir.log" >&2; then
		say "the module build warned (above); log: $dir.log"
	fi
	mkdir -p "$tmp/$STOCK_RELEASE"
	find "$tmp/src" -name '*.ko' -exec cp {} "$tmp/$STOCK_RELEASE/" \;
	module_layer "$tmp"
	echo "$((SECONDS - t0))s" >"$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	prune "modules-$STOCK_RELEASE" "$dir"
	say "modules: $(cd "$dir/$STOCK_RELEASE" && stat -c '%n %s' ./*.ko | tr '\n' ' ')in $(cat "$dir/.complete")"
	echo "$dir"
}

# The module files (paths in modules.dep $1) that load modules $2...,
# dependencies first (modules.dep lists them nearest first).
load_order() {
	local dep=$1
	shift
	awk -v want="$*" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
		{ f = $1; sub(/:$/, "", f); name = f; sub(/.*\//, "", name); sub(/\.ko.*/, "", name)
		  gsub(/-/, "_", name)
		  if (name in wanted) { for (i = NF; i >= 2; i--) print $i; print f } }' "$dep" |
		awk '!seen[$0]++'
}

initrd_file() { echo "$STOCK/initrd-$STOCK_RELEASE-$(key "$STOCK_VERSION" "${INITRD_MODS[@]}" "$(sha256sum <"$ROOT/tests/vm/stock-initrd-init")")".cpio.gz; }

# Debian's kernel has 9p and overlayfs as modules: a small
# initramfs (busybox from the rootfs, those modules, tests/vm/stock-initrd-init)
# loads them and boots the rootfs (see tests/vm/run --stock).
initrd() {
	local r k out tmp m kmods
	r=$(rootfs)
	k=$(kernel)
	kmods=$k/usr/lib/modules/$STOCK_RELEASE
	out=$(initrd_file)
	if [ -f "$out" ]; then
		echo "$out"
		return
	fi
	tmp=$(mktemp -d "$STOCK/initrd.XXXXXX")
	mkdir -p "$tmp/bin" "$tmp/lib/modules" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/newroot"
	cp "$r/usr/bin/busybox" "$tmp/bin/busybox"
	install -m 755 "$ROOT/tests/vm/stock-initrd-init" "$tmp/init"
	# in load order, decompressed (busybox's insmod reads plain ELF)
	load_order "$k/usr/lib/modules/$STOCK_RELEASE/modules.dep" "${INITRD_MODS[@]}" |
		while read -r m; do
			case "$m" in
			*.xz) xz -dc "$kmods/$m" ;;
			*.zst) zstd -qdc "$kmods/$m" ;;
			*.gz) gzip -dc "$kmods/$m" ;;
			*) cat "$kmods/$m" ;;
			esac >"$tmp/lib/modules/$(basename "${m%.ko*}").ko"
			echo "$(basename "${m%.ko*}").ko" >>"$tmp/lib/modules/order"
		done
	[ -s "$tmp/lib/modules/order" ] || die "no initramfs modules found in $k for ${INITRD_MODS[*]}"
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$out.tmp"
	mv "$out.tmp" "$out"
	say "initramfs: $(du -h "$out" | cut -f1), modules: $(tr '\n' ' ' <"$tmp/lib/modules/order")"
	rm -rf "$tmp"
	{ ls -1 "$STOCK/initrd-"*.cpio.gz | grep -vxF "$out" || true; } | xargs -r rm -f
	echo "$out"
}

usage() {
	sed -n '3,/^set -euo/{/^set/d;s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

main() {
	case "${1:-}" in
	-h|--help|"") usage; [ $# -gt 0 ] || exit 2 ;;
	rootfs) rootfs ;;
	kernel) kernel ;;
	modules) modules ;;
	initrd) initrd ;;
	chroot) shift; in_rootfs "$(rootfs)" "${@:-/bin/bash}" ;;
	all) rootfs; kernel; modules; initrd ;;
	*) usage >&2; exit 2 ;;
	esac
}

mkdir -p "$STOCK"
exec 9>"$STOCK/lock"
flock 9
main "$@"
