#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the VM by "make demo". It shows only what the tree
# really does: every line below is read from the running kernel.
set -euo pipefail

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Guest kernel"
echo "running $(uname -r), built from Debian's linux-source with kernel/patches/"

step "fwctl devices"
if [ -n "$(ls -A /sys/class/fwctl 2>/dev/null)" ]; then
	for d in /sys/class/fwctl/*; do
		echo "$(basename "$d")"
	done
else
	echo "none yet (the simulated mlx5 device lands with issue 3)"
fi

step "BPF"
echo "vmlinux BTF: $(stat -c %s /sys/kernel/btf/vmlinux) bytes"
bpftool prog list 2>/dev/null | head -n 5 || true
