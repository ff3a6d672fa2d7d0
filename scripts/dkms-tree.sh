#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the out-of-tree module source (what DKMS builds) from the
# patched kernel tree: drivers/fwctl/ (core + hook, the mlx5 driver, the
# simulator) with their own Makefiles, the patched headers, and dkms/'s
# Kbuild and Makefile. No second copy of the C code is kept in the repo.
#
#   scripts/dkms-tree.sh OUT [SRC]
#
# SRC defaults to the patched tree of scripts/kernel.sh source. OUT is
# replaced. The file list is printed to OUT/FILES.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "dkms-tree: error: $*" >&2; exit 1; }

# Paths relative to the kernel tree that the modules are built from.
files() {
	local src=$1
	(cd "$src" && ls -1 drivers/fwctl/Makefile drivers/fwctl/*.[ch] \
		drivers/fwctl/mlx5/Makefile drivers/fwctl/mlx5/*.[ch] \
		drivers/fwctl/mlx5_sim/Makefile drivers/fwctl/mlx5_sim/*.[ch] \
		include/linux/fwctl.h include/linux/fwctl_bpf.h include/uapi/fwctl/*.h)
}

main() {
	local out=${1:?usage: dkms-tree.sh OUT [SRC]} src=${2:-} f
	[ -n "$src" ] || src=$("$ROOT/scripts/kernel.sh" source)
	[ -f "$src/drivers/fwctl/bpf_struct_ops.c" ] ||
		die "$src is not the patched kernel tree (no drivers/fwctl/bpf_struct_ops.c)"
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	for f in $(files "$src"); do
		install -D -m 644 "$src/$f" "$out.tmp/$f"
	done
	install -m 644 "$ROOT/dkms/Kbuild" "$ROOT/dkms/Makefile" "$out.tmp/"
	files "$src" >"$out.tmp/FILES"
	rm -rf "$out"
	mv "$out.tmp" "$out"
}

main "$@"
