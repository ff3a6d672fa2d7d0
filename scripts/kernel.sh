#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the fwctl-bpf test kernel.
#
#   scripts/kernel.sh [--variant V] build
#                                       download, patch, configure, build;
#                                       print the artifact directory
#   scripts/kernel.sh [--variant V] dir print the artifact directory of the
#                                       current inputs (empty if not built)
#   scripts/kernel.sh source            print the patched source tree
#   scripts/kernel.sh tarball           print the downloaded source tarball
#   scripts/kernel.sh compile-test      compile drivers/fwctl/ (fwctl and the
#                                       real mlx5 driver as modules) against
#                                       the patched tree
#   scripts/kernel.sh [--variant V] config
#                                       print the variant's .config
#
# A variant V adds kernel/config.V on top of kernel/config (--debug is
# --variant debug: KASAN, lockdep, ...). The artifact directory holds
# bzImage, vmlinux, config and release. It
# lives in the cache (FWCTL_BPF_CACHE, default ~/.cache/fwctl-bpf) under a
# key made of the source version, the patch series, the config fragments,
# this script and the compiler, so a second run with the same inputs is a
# no-op and any change rebuilds only what make considers stale.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${FWCTL_BPF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fwctl-bpf}
# shellcheck source=../kernel/source.conf
. "$ROOT/kernel/source.conf"
# shellcheck source=apt-lib.sh
. "$ROOT/scripts/apt-lib.sh"
PATCHES=$ROOT/kernel/patches
VARIANT=default
JOBS=${JOBS:-$(nproc)}
# Called from our Makefile: the kernel's make runs its own job server.
unset MAKEFLAGS MFLAGS MAKELEVEL

die() { echo "kernel: error: $*" >&2; exit 1; }
say() { echo "kernel: $*" >&2; }

upstream_version() { echo "${KERNEL_SOURCE_VERSION%%-*}"; }

fragments() {
	echo "$ROOT/kernel/config"
	[ "$VARIANT" = default ] || echo "$ROOT/kernel/config.$VARIANT"
}

series() {
	[ -f "$PATCHES/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series"
}

cache_key() {
	{
		echo "$KERNEL_SOURCE_PACKAGE $KERNEL_SOURCE_VERSION $VARIANT"
		gcc --version | head -n1
		pahole --version
		local f
		for f in "${BASH_SOURCE[0]}" $(fragments); do sha256sum <"$f"; done
		for f in $(series); do echo "$f"; sha256sum <"$PATCHES/$f"; done
	} | sha256sum | cut -c1-16
}

artifacts() { echo "$CACHE/kernels/$VARIANT-$(upstream_version)-$(cache_key)"; }

fetch_tarball() {
	local deb=$CACHE/downloads/${KERNEL_SOURCE_PACKAGE}_${KERNEL_SOURCE_VERSION}_all.deb
	local tar=$CACHE/downloads/$KERNEL_SOURCE_PACKAGE-$KERNEL_SOURCE_VERSION.tar.xz

	if [ ! -f "$tar" ]; then
		mkdir -p "$CACHE/downloads"
		say "downloading $KERNEL_SOURCE_PACKAGE=$KERNEL_SOURCE_VERSION (trixie-backports)"
		apt_private update >/dev/null 2>&1 ||
			die "apt-get update of trixie-backports failed (network?)"
		if ! (cd "$CACHE/downloads" && apt_private download \
			"$KERNEL_SOURCE_PACKAGE=$KERNEL_SOURCE_VERSION" >/dev/null 2>&1); then
			echo "kernel: available versions:" >&2
			apt_private policy linux-source 2>/dev/null | grep -E '^ +[0-9]' >&2 || true
			die "cannot download $KERNEL_SOURCE_PACKAGE=$KERNEL_SOURCE_VERSION; update kernel/source.conf"
		fi
		local x
		x=$(mktemp -d "$CACHE/downloads/x.XXXXXX")
		dpkg-deb -x "$deb" "$x"
		mv "$x/usr/src/$KERNEL_SOURCE_PACKAGE.tar.xz" "$tar.tmp"
		mv "$tar.tmp" "$tar"
		rm -rf "$x" "$deb"
	fi
	echo "$tar"
}

# Digest of a series (names on stdin, patches in directory $1).
series_digest() {
	local p
	while read -r p; do
		echo "$p"
		cat "$1/$p"
	done | sha256sum
}

# One source tree per version. The patches applied to it are recorded
# (copied) so a new series first reverts the old one: files untouched by
# either keep their timestamps and make rebuilds only what changed.
prepare_source() {
	local src=$CACHE/src/linux-$KERNEL_SOURCE_VERSION applied p
	applied=$src/.fwctl-bpf-applied

	if [ -d "$src" ] && [ -d "$applied" ]; then
		if [ "$(series_digest "$applied" <"$applied/series")" = \
		     "$(series | series_digest "$PATCHES")" ]; then
			echo "$src"
			return
		fi
		say "reverting the previously applied patch series"
		for p in $(tac "$applied/series"); do
			patch -d "$src" -p1 -R -s --batch <"$applied/$p" >/dev/null ||
				{ say "cannot revert $p; unpacking the tree again"; rm -rf "$src"; break; }
		done
	fi
	if [ ! -d "$src" ]; then
		local tar
		tar=$(fetch_tarball)
		say "unpacking $(basename "$tar")"
		rm -rf "$src.tmp"
		mkdir -p "$src.tmp"
		tar -xaf "$tar" -C "$src.tmp" --strip-components=1
		mv "$src.tmp" "$src"
	fi
	rm -rf "$applied"
	mkdir -p "$applied"
	: >"$applied/series"
	for p in $(series); do
		[ -f "$PATCHES/$p" ] || die "kernel/patches/series names $p, which does not exist"
		if ! patch -d "$src" -p1 -s --batch --forward --dry-run <"$PATCHES/$p" >/dev/null; then
			patch -d "$src" -p1 --batch --forward --dry-run <"$PATCHES/$p" >&2 || true
			die "patch $p does not apply to $KERNEL_SOURCE_PACKAGE $KERNEL_SOURCE_VERSION"
		fi
		patch -d "$src" -p1 -s --batch --forward <"$PATCHES/$p" >/dev/null
		cp "$PATCHES/$p" "$applied/$p"
		echo "$p" >>"$applied/series"
	done
	echo "$src"
}

# The fragments' lines in effect: a later fragment (the variant's) overrides
# an earlier one's line for the same symbol, as merge_config.sh does.
effective_fragments() {
	awk '/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
	     /^# CONFIG_[A-Za-z0-9_]+ is not set$/ { sym = $2 }
	     sym != "" { if (!(sym in line)) order[n++] = sym; line[sym] = $0; sym = "" }
	     END { for (i = 0; i < n; i++) print line[order[i]] }' $(fragments)
}

# Every "CONFIG_X=v" and "# CONFIG_X is not set" line of the fragments must
# hold in the final .config; Kconfig silently drops what it cannot satisfy.
check_config() {
	local cfg=$1 line sym bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$cfg" ||
				{ echo "kernel: config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$cfg" || echo unset)" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$cfg" ||
				{ echo "kernel: config: wanted $sym unset, got: $(grep "^$sym=" "$cfg")" >&2; bad=1; } ;;
		esac
	done < <(effective_fragments)
	[ "$bad" -eq 0 ] || die "the config fragment did not take effect (see above)"
}

# tinyconfig + the variant's fragments into $2/.config, checked; log to $3.
configure() {
	local src=$1 obj=$2 log=$3

	mkdir -p "$obj"
	{
		make -C "$src" O="$obj" ARCH=x86_64 tinyconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" $(fragments) &&
		make -C "$src" O="$obj" ARCH=x86_64 olddefconfig
	} >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "configuration failed"; }
	check_config "$obj/.config"
}

# Keep the three newest kernels of this variant; older inputs are gone.
prune_kernels() {
	ls -1dt "$CACHE/kernels/$VARIANT-$(upstream_version)-"* 2>/dev/null |
		tail -n +4 | xargs -r rm -rf
}

build() {
	local out_dir src obj log tmp
	out_dir=$(artifacts)
	if [ -f "$out_dir/bzImage" ]; then
		echo "$out_dir"
		return
	fi
	src=$(prepare_source)
	obj=$CACHE/build/$VARIANT
	log=$obj.log
	say "building $(upstream_version) ($VARIANT) with $JOBS jobs; a cold build takes ~5 min; log: $log"
	configure "$src" "$obj" "$log"
	if ! make -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" bzImage >>"$log" 2>&1; then
		grep -E 'error|Error' "$log" | head -n 20 >&2
		tail -n 20 "$log" >&2
		die "kernel build failed; full log: $log"
	fi
	tmp=$(mktemp -d "$CACHE/kernels.tmp.XXXXXX")
	cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$tmp/"
	cp "$obj/.config" "$tmp/config"
	make -s -C "$src" O="$obj" ARCH=x86_64 kernelrelease >"$tmp/release"
	mkdir -p "$CACHE/kernels"
	rm -rf "$out_dir"
	mv "$tmp" "$out_dir"
	ln -sfn "$(basename "$out_dir")" "$CACHE/kernels/$VARIANT-current"
	prune_kernels
	say "built $(cat "$out_dir/release")"
	echo "$out_dir"
}

# The patched core must not break the drivers it serves: configure with
# kernel/config.compile-test on top and compile drivers/fwctl/ only.
compile_test() {
	local src obj log
	VARIANT=compile-test
	src=$(prepare_source)
	obj=$CACHE/build/compile-test
	log=$obj.log
	say "compiling drivers/fwctl/ with FWCTL=m, MLX5_CORE=m, FWCTL_MLX5=m; log: $log"
	configure "$src" "$obj" "$log"
	if ! make -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" W=1 drivers/fwctl/ >>"$log" 2>&1; then
		grep -E 'error|warning' "$log" | head -n 20 >&2
		die "drivers/fwctl/ does not compile; full log: $log"
	fi
	if grep -E '^/.*drivers/fwctl/.*(warning|error):' "$log" >&2; then
		die "drivers/fwctl/ compiles with warnings (W=1); full log: $log"
	fi
	ls "$obj"/drivers/fwctl/*.o "$obj"/drivers/fwctl/mlx5/*.o >/dev/null ||
		die "no objects in $obj/drivers/fwctl"
	check_exports "$src" "$obj/drivers/fwctl/fwctl.o"
	say "drivers/fwctl/ compiles: $(cd "$obj/drivers/fwctl" && ls ./*.o ./*/*.o | tr '\n' ' ')"
}

# fwctl.ko (core + hook) must use only symbols the kernel exports, or it
# would not load into a distribution kernel. Exports are found in the
# source; the few a macro builds from its argument (dev_printk levels,
# static call trampolines) and the module's own are named here.
check_exports() {
	local src=$1 mod=$2 missing
	missing=$(comm -23 \
		<(nm -u "$mod" | awk '{ print $2 }' | sort -u) \
		<(grep -rhoE 'EXPORT_(PER_CPU_)?(STATIC_CALL|SYMBOL)[A-Z_]*\(\s*[A-Za-z0-9_]+' \
			"$src"/kernel "$src"/lib "$src"/mm "$src"/fs "$src"/drivers/base \
			"$src"/arch/x86 "$src"/include "$src"/security "$src"/init \
			"$src"/block 2>/dev/null | sed -E 's/.*\(\s*//' | sort -u) |
		grep -vE '^(__this_module|_dev_(emerg|alert|crit|err|warn|notice|info)|__SCT__.*)$' || true)
	[ -z "$missing" ] ||
		die "$(basename "$mod") needs symbols the kernel does not export: $(echo $missing)"
}

usage() {
	sed -n '3,25s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

main() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--debug) VARIANT=debug; shift ;;
		--variant)
			VARIANT=${2:?--variant needs a name}
			[ -f "$ROOT/kernel/config.$VARIANT" ] ||
				die "no kernel/config.$VARIANT for variant $VARIANT"
			shift 2 ;;
		-h|--help) usage; exit 0 ;;
		*) break ;;
		esac
	done
	mkdir -p "$CACHE"
	case "${1:-build}" in
	build)
		exec 9>"$CACHE/lock"
		flock 9
		build ;;
	config)
		# the variant's .config (configured if need be), for builds of
		# other trees such as kernel-tree.sh build-each
		exec 9>"$CACHE/lock"
		flock 9
		local obj=$CACHE/build/$VARIANT
		[ -f "$obj/.config" ] || configure "$(prepare_source)" "$obj" "$obj.log"
		cat "$obj/.config" ;;
	dir)
		local d
		d=$(artifacts)
		[ -f "$d/bzImage" ] && echo "$d" || true ;;
	source)
		exec 9>"$CACHE/lock"
		flock 9
		prepare_source ;;
	tarball)
		fetch_tarball ;;
	compile-test)
		exec 9>"$CACHE/lock"
		flock 9
		compile_test ;;
	*) usage >&2; exit 2 ;;
	esac
}

main "$@"
