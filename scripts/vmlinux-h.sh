#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/vmlinux-h.sh VMLINUX
#
# Print vmlinux.h for BPF programs: the kernel's BTF as C, minus the mlx5
# interface definitions (struct/union mlx5_ifc_*_bits and enums of MLX5_*
# constants) that a built-in mlx5 driver, such as the simulator, leaves in
# the BTF. Policies take those from the kernel's mlx5_ifc.h itself
# (bpf/mlx5_ifc_common.h), which would otherwise clash with them; the
# layouts are the same, the BTF copy is just incomplete.
set -euo pipefail
vmlinux=${1:?vmlinux}

bpftool btf dump file "$vmlinux" format c | awk '
	# Buffer each top-level block; drop the mlx5 interface ones.
	function flush(keep) { if (keep) printf "%s", buf; buf = ""; inblock = 0 }
	!inblock && /^(struct|union) mlx5_ifc_[A-Za-z0-9_]+;$/ { next }
	!inblock && /^(struct|union) mlx5_ifc_[A-Za-z0-9_]+ \{$/ {
		inblock = 1; drop = 1; buf = $0 "\n"; next
	}
	!inblock && /^enum( [A-Za-z0-9_]+)? \{$/ {
		inblock = 1; drop = 1; isenum = 1; buf = $0 "\n"; next
	}
	inblock {
		buf = buf $0 "\n"
		if (isenum && $0 ~ /^\t[A-Za-z_]/ && $0 !~ /^\tMLX5_/)
			drop = 0
		if ($0 ~ /^}.*;$/) { flush(!drop); isenum = 0 }
		next
	}
	{ print }
'
