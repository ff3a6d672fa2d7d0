#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Developer workflow for kernel/patches/: edit the kernel as git commits,
# export them back as the patch series.
#
#   scripts/kernel-tree.sh init DIR     unpack the pinned Debian source into
#                                       DIR as a git repository (tag "base")
#                                       and "git am" kernel/patches/ onto it
#   scripts/kernel-tree.sh export DIR   rewrite kernel/patches/ (and series)
#                                       from the commits base..HEAD in DIR
#   scripts/kernel-tree.sh checkpatch DIR
#                                       checkpatch --strict every commit
#   scripts/kernel-tree.sh build-each DIR
#                                       compile drivers/fwctl/ at every
#                                       commit, FWCTL=y and FWCTL=m
#
# kernel/patches/0000-cover-letter.patch is the series' cover letter: it
# is kept by export (edit it by hand) and applied by nobody.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PATCHES=$ROOT/kernel/patches
COVER=0000-cover-letter.patch

die() { echo "kernel-tree: error: $*" >&2; exit 1; }

init() {
	local dir=$1 tar
	[ ! -e "$dir" ] || die "$dir exists"
	# shellcheck source=../kernel/source.conf
	. "$ROOT/kernel/source.conf"
	tar=$("$ROOT/scripts/kernel.sh" tarball)
	mkdir -p "$dir"
	tar -xaf "$tar" -C "$dir" --strip-components=1
	git -C "$dir" init -q
	# Debian's .gitignore ignores every top-level entry: new files need "git add -f".
	git -C "$dir" add -A -f
	git -C "$dir" -c user.name=fwctl-bpf -c user.email=fwctl-bpf@localhost \
		commit -q -m "Debian $KERNEL_SOURCE_PACKAGE $KERNEL_SOURCE_VERSION"
	git -C "$dir" tag base
	local p
	for p in $(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series" 2>/dev/null); do
		git -C "$dir" am -q "$PATCHES/$p" || die "git am $p failed"
	done
	echo "$dir"
}

export_series() {
	local dir=$1
	git -C "$dir" rev-parse -q --verify base >/dev/null || die "$dir has no tag 'base'"
	find "$PATCHES" -name '*.patch' ! -name "$COVER" -delete
	git -C "$dir" format-patch -q --no-signature --zero-commit -N \
		-o "$PATCHES" base..HEAD
	(cd "$PATCHES" && ls -1 ./*.patch | sed 's|^\./||' | grep -vx "$COVER") \
		>"$PATCHES/series"
	cat "$PATCHES/series"
}

# Every prefix of the series must build: drivers/fwctl/ (W=1, no
# warnings) at each commit, with the test kernel's configuration
# (FWCTL=y) and the compile test's (FWCTL=m, module BTF, MLX5_CORE=m).
build_each() {
	local dir=$1 head c cfg obj ok=0
	git -C "$dir" diff --quiet HEAD || die "$dir has uncommitted changes"
	head=$(git -C "$dir" rev-parse --abbrev-ref HEAD)
	[ "$head" != HEAD ] || head=$(git -C "$dir" rev-parse HEAD)
	for cfg in default compile-test; do
		obj=$(mktemp -d "${TMPDIR:-/tmp}/fwctl-build-each.XXXXXX")
		if [ "$cfg" = default ]; then
			"$ROOT/scripts/kernel.sh" config >"$obj/.config"
		else
			"$ROOT/scripts/kernel.sh" --variant "$cfg" config >"$obj/.config"
		fi
		for c in $(git -C "$dir" rev-list --reverse base..HEAD); do
			git -C "$dir" checkout -q "$c"
			if make -C "$dir" O="$obj" ARCH=x86_64 -j"$(nproc)" olddefconfig \
				>"$obj/log" 2>&1 &&
			   make -C "$dir" O="$obj" ARCH=x86_64 -j"$(nproc)" W=1 drivers/fwctl/ \
				>>"$obj/log" 2>&1 &&
			   ! grep -qE '^/.*drivers/fwctl/.*(warning|error):' "$obj/log"; then
				echo "ok    $cfg $(git -C "$dir" log -1 --format='%h %s' "$c")"
			else
				echo "FAIL  $cfg $(git -C "$dir" log -1 --format='%h %s' "$c")"
				grep -E '(warning|error):' "$obj/log" | head -n 10
				ok=1
			fi
		done
		rm -rf "$obj"
	done
	git -C "$dir" checkout -q "$head"
	return $ok
}

checkpatch() {
	local dir=$1
	# Debian's python3 has the modules checkpatch's SPDX check imports.
	(cd "$dir" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --no-signoff -q \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		--git base..HEAD)
}

case "${1:-}" in
init) init "${2:?DIR}" ;;
export) export_series "${2:?DIR}" ;;
checkpatch) checkpatch "${2:?DIR}" ;;
build-each) build_each "${2:?DIR}" ;;
*) sed -n '3,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
