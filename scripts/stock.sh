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
#   scripts/stock.sh buildroot a trixie root file system with the packages'
#                              Build-Depends (debian/control); print it
#   scripts/stock.sh deb SRC   build the Debian packages from SRC (make
#                              deb-src) in the build root, lintian them; the
#                              .debs land beside SRC (make deb does this)
#   scripts/stock.sh installed DEB...
#                              apt install the packages on the rootfs with
#                              Debian's kernel, as a site does: DKMS builds
#                              fwctl.ko, mlx5_fwctl.ko and mlx5_sim.ko with
#                              module BTF against Debian's headers; print
#                              the layer (what apt changed) the guest's root
#                              gets on top
#   scripts/stock.sh baseline DKMS-DEB
#                              the same module source (the -dkms package's
#                              usr/src) built without the BPF hook
#                              (dkms/Makefile FWCTL_BPF=n) against Debian's
#                              headers in the rootfs: the unpatched core's
#                              fwctl.ko and the simulator, the benchmark's
#                              baseline (scripts/bench.sh); print the
#                              directory holding the two .ko files
#   scripts/stock.sh initrd    an initramfs that loads Debian's 9p and
#                              overlay modules and boots the rootfs
#   scripts/stock.sh chroot CMD...
#                              run CMD in the rootfs (as root)
#   scripts/stock.sh all       rootfs, buildroot, kernel and initrd; print
#                              the directories
#
# Everything lives in the cache (FWCTL_BPF_CACHE, default
# ~/.cache/fwctl-bpf) under stock/, each artifact keyed by its own inputs
# (a recipe number, the package list, the kernel version; for the
# installed packages the rootfs, the kernel and the packages), so a second
# run is a no-op. The mirror is the machine's own
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
# host-built tests link), what the initramfs is made of (busybox), and
# systemd, the PID 1 of tests/vm/run --stock --systemd.
ROOTFS_PKGS=(build-essential dkms kmod dwarves "linux-headers-$STOCK_RELEASE"
	     "$STOCK_KBUILD" bpftool/trixie-backports libbpf1 libelf1t64 zlib1g libjson-c5 libinih1
	     libcriterion3
	     busybox-static xz-utils zstd file jq procps iproute2 ca-certificates mount
	     systemd systemd-sysv udev)
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

# The build root: trixie with debian/control's Build-Depends (apt-get
# build-dep reads them, so they are written down once), dpkg-dev and
# lintian; the packages are built here, as on a trixie builder.
BUILDROOT_PKGS=(build-essential fakeroot lintian)
buildroot_dir() {
	echo "$STOCK/buildroot-trixie-$(key buildroot-1 "${BUILDROOT_PKGS[@]}" "$(sha256sum <"$ROOT/debian/control")")"
}

# mmdebstrap DIR PACKAGES [HOOK...]: a trixie + trixie-backports root file
# system in DIR (built in DIR.tmp, renamed when complete), log in DIR.log.
debian_root() {
	local dir=$1 pkgs=$2 tmp mirror t0 hook
	shift 2
	need_root "mmdebstrap"
	command -v mmdebstrap >/dev/null ||
		die "mmdebstrap is missing: apt-get install mmdebstrap (a bookworm package)"
	mirror=$(debian_mirror)
	mkdir -p "$STOCK"
	tmp=$dir.tmp
	rm -rf "$tmp"
	say "building $(basename "$dir") from $mirror (a few minutes); log: $dir.log"
	t0=$SECONDS
	local hooks=(--customize-hook='mkdir -p "$1/fwctl-bpf" "$1/lib/modules"')
	for hook in "$@"; do hooks+=("$hook"); done
	if ! mmdebstrap --variant=apt --mode=root --format=directory \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		--include="$pkgs" \
		--aptopt='APT::Install-Recommends "false"' \
		"${hooks[@]}" \
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
	say "$(basename "$dir"): $(du -sh "$dir" | cut -f1) in $(cat "$dir/.complete")"
}

# The root file system of a trixie host: what the guest boots, and where
# the packages are installed.
rootfs() {
	local dir
	dir=$(rootfs_dir)
	if [ ! -f "$dir/.complete" ]; then
		debian_root "$dir" "$(IFS=,; echo "${ROOTFS_PKGS[*]}")"
		prune rootfs-trixie "$dir"
	fi
	echo "$dir"
}

buildroot() {
	local dir
	dir=$(buildroot_dir)
	if [ ! -f "$dir/.complete" ]; then
		debian_root "$dir" "$(IFS=,; echo "${BUILDROOT_PKGS[*]}")" \
			--customize-hook='mkdir -p "$1/tmp/fwctl-bpf-src/debian"' \
			--customize-hook="copy-in $ROOT/debian/control /tmp/fwctl-bpf-src/debian" \
			--customize-hook='chroot "$1" apt-get build-dep -y /tmp/fwctl-bpf-src' \
			--customize-hook='rm -rf "$1/tmp/fwctl-bpf-src"'
		prune buildroot-trixie "$dir"
	fi
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

# Build the packages from the source tree $1 (make deb-src) in the build
# root; the .debs, .changes and the build log land in $1/.. (build/deb).
deb() {
	local src=$1 b t0
	[ -f "$src/debian/control" ] || die "$src has no debian/control (make deb-src makes it)"
	src=$(cd "$src" && pwd)
	b=$(buildroot)
	say "building the packages in $(basename "$b"); log: $src/../build.log"
	t0=$SECONDS
	rm -f "$src/.."/*.deb "$src/.."/*.changes "$src/.."/*.buildinfo
	if ! WORK=$src/.. in_rootfs "$b" sh -ec 'cd /fwctl-bpf/work/src
		dpkg-buildpackage -b -us -uc
		lintian --fail-on error ../*.changes' >"$src/../build.log" 2>&1; then
		tail -n 30 "$src/../build.log" >&2
		die "the package build failed; log: $src/../build.log"
	fi
	say "packages: $(cd "$src/.." && ls -1 ./*.deb | tr '\n' ' ')in $((SECONDS - t0))s"
}

# The packages $@ installed with apt, as a site installs them, into an
# overlay over the rootfs and Debian's kernel (as linux-image is on a host,
# so DKMS builds for it and depmod sees Debian's modules); the overlay's
# upper directory is the layer the guest's root gets on top (tests/vm/run
# --stock). Keyed by the packages' contents.
installed_dir() {
	echo "$STOCK/installed-$STOCK_RELEASE-$(key installed-1 "$(basename "$(rootfs_dir)")" \
		"$(basename "$(kernel_dir)")" "$(cat "$@" | sha256sum)")"
}

installed() {
	local r k dir tmp t0 d names=()
	[ $# -gt 0 ] || die "installed: no packages given"
	for d in "$@"; do
		[ -f "$d" ] || die "no package $d (make deb builds them)"
		names+=("/fwctl-bpf/debs/$(basename "$d")")
	done
	r=$(rootfs)
	k=$(kernel)
	dir=$(installed_dir "$@")
	if [ -f "$dir/.complete" ]; then
		echo "$dir/layer"
		return
	fi
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/layer" "$tmp/work" "$tmp/root" "$tmp/debs"
	cp "$@" "$tmp/debs/"
	say "apt install ${names[*]##*/} on the rootfs with Debian's kernel (DKMS builds the modules); log: $dir.log"
	t0=$SECONDS
	if ! unshare --mount --fork -- sh -ec '
		k=$1 r=$2 t=$3; shift 3
		mount -t overlay -o "lowerdir=$k:$r,upperdir=$t/layer,workdir=$t/work" overlay "$t/root"
		mkdir -p "$t/root/fwctl-bpf/debs"
		mount --bind "$t/debs" "$t/root/fwctl-bpf/debs"
		mount -t proc proc "$t/root/proc"
		mount --rbind /dev "$t/root/dev"
		exec chroot "$t/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive sh -ec '\''
			apt-get install -y $1
			dkms status
			dkms status -k "$2" | grep -q installed'\'' sh "$@"
	' sh "$k" "$r" "$tmp" "${names[*]}" "$STOCK_RELEASE" >"$dir.log" 2>&1; then
		tail -n 30 "$dir.log" >&2
		rm -rf "$tmp"
		die "installing the packages failed; log: $dir.log"
	fi
	layer_clean "$tmp/layer"
	echo "$((SECONDS - t0))s" >"$tmp/.complete"
	rmdir "$tmp/layer/fwctl-bpf/debs"
	rm -rf "$dir" "$tmp/work" "$tmp/root" "$tmp/debs"
	mv "$tmp" "$dir"
	prune "installed-$STOCK_RELEASE" "$dir"
	say "installed: $(du -sh "$dir/layer" | cut -f1) layer in $(cat "$dir/.complete")"
	echo "$dir/layer"
}

baseline_dir() {
	echo "$STOCK/baseline-$STOCK_RELEASE-$(key baseline-1 "$(basename "$(rootfs_dir)")" \
		"$(sha256sum <"$1")")"
}

# The benchmark's denominator on Debian's kernel: fwctl.ko as it is
# without the series' hook, from the very source the package's DKMS
# build used, so that swapping the two modules in one boot changes only
# the hook (docs/benchmarks.md).
baseline() {
	local deb=$1 r dir tmp src m
	[ -f "$deb" ] || die "no package $deb (make deb builds it)"
	r=$(rootfs)
	dir=$(baseline_dir "$deb")
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/deb"
	dpkg-deb -x "$deb" "$tmp/deb"
	src=$(echo "$tmp"/deb/usr/src/fwctl-bpf-*)
	[ -f "$src/Makefile" ] && [ -f "$src/Kbuild" ] ||
		die "$deb has no module source in usr/src/fwctl-bpf-*/"
	mv "$src" "$tmp/src"
	rm -rf "$tmp/deb"
	say "building the baseline modules (FWCTL_BPF=n) against $STOCK_RELEASE's headers; log: $dir.log"
	if ! WORK=$tmp/src in_rootfs "$r" make -C /fwctl-bpf/work KVER="$STOCK_RELEASE" \
		FWCTL_BPF=n >"$dir.log" 2>&1; then
		tail -n 30 "$dir.log" >&2
		rm -rf "$tmp"
		die "the baseline modules did not build; log: $dir.log"
	fi
	for m in drivers/fwctl/fwctl.ko drivers/fwctl/mlx5_sim/mlx5_sim.ko; do
		install -m 644 "$tmp/src/$m" "$tmp/"
	done
	# no hook in it: no struct_ops type, no fwctl_bpf_ symbol
	! nm "$tmp/fwctl.ko" | grep -q fwctl_bpf_ ||
		die "the baseline fwctl.ko has the hook (FWCTL_BPF=n ignored?)"
	rm -rf "$tmp/src"
	touch "$tmp/.complete"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	prune "baseline-$STOCK_RELEASE" "$dir"
	echo "$dir"
}

# An overlay's upper directory as a layer of another overlay (over 9p):
# whiteouts (what apt deleted: caches, -old files) and opaque-directory
# marks do not travel over 9p, so drop them; the lower files they hid are
# stale copies apt replaced anyway.
layer_clean() {
	local n
	n=$(find "$1" -type c | wc -l)
	find "$1" -type c -delete
	say "layer: dropped $n whiteouts"
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
	buildroot) buildroot ;;
	deb) shift; deb "${1:?usage: stock.sh deb SRC}" ;;
	installed) shift; installed "$@" ;;
	baseline) shift; baseline "${1:?usage: stock.sh baseline DKMS-DEB}" ;;
	initrd) initrd ;;
	chroot) shift; in_rootfs "$(rootfs)" "${@:-/bin/bash}" ;;
	all) rootfs; buildroot; kernel; initrd ;;
	*) usage >&2; exit 2 ;;
	esac
}

mkdir -p "$STOCK"
exec 9>"$STOCK/lock"
flock 9
main "$@"
