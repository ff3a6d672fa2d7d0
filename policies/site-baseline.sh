#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# policies/site-baseline.sh [--fwctl-bpf PATH] [--uid UID]...
#
# Attach the site baseline of docs/policies.md on every fwctl device:
#   prio 100   rate_limit        10 RPCs/s, bursts of 50, per uid
#   prio 1000  deny_nv_write     no persistent config writes but by --uid
#   prio 1000  opcode_allow      the queries monitoring tools use
#   prio 1000  redact_serial     no module serial numbers
#   last       observe           the audit trail of all of the above
# Policies are ANDed in prio order; the first rejection's errno wins;
# observe runs last, so its records show what the firmware ran and what
# the caller got. Detach with: fwctl-bpf detach NAME, for each.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FWCTL_BPF=$ROOT/build/fwctl-bpf
OBJ=$ROOT/build/policies
UIDS=()

while [ $# -gt 0 ]; do
	case "$1" in
	--fwctl-bpf) FWCTL_BPF=$2; shift 2 ;;
	--uid) UIDS+=("$2"); shift 2 ;;
	-h|--help) sed -n '3,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "site-baseline: unknown argument $1" >&2; exit 2 ;;
	esac
done

pin=/sys/fs/bpf/fwctl
# little-endian hex bytes of a 16/32-bit number, for bpftool keys
le16() { printf '%02x %02x' $(($1 & 0xff)) $(($1 >> 8 & 0xff)); }
le32() { printf '%s %s' "$(le16 $(($1 & 0xffff)))" "$(le16 $(($1 >> 16)))"; }
opcode() { sed -nE "s/^#define MLX5_CMD_OP_$1 +(0x[0-9a-f]+).*/\1/p;s/.*X\((0x[0-9a-f]+), $1\).*/\1/p" \
		"$ROOT/build/include/mlx5/fwctl_mlx5_names.h" | head -n1; }

"$FWCTL_BPF" attach "$OBJ/generic__rate_limit.bpf.o" --prio 100
bpftool map update pinned "$pin/rate_limit/limits" \
	key hex $(le32 0xffffffff) value hex $(le32 10) $(le32 50)

"$FWCTL_BPF" attach "$OBJ/mlx5__deny_nvconfig_write.bpf.o"
for uid in "${UIDS[@]}"; do
	bpftool map update pinned "$pin/deny_nv_write/allowed_uids" \
		key hex $(le32 "$uid") value hex 01
done

"$FWCTL_BPF" attach "$OBJ/mlx5__opcode_allowlist.bpf.o"
for op in NOP QUERY_ADAPTER QUERY_ISSI QUERY_HCA_CAP QUERY_VPORT_STATE \
	  QUERY_NIC_VPORT_CONTEXT ACCESS_REG; do
	code=$(opcode "$op")
	[ -n "$code" ] || { echo "site-baseline: no opcode $op" >&2; exit 1; }
	bpftool map update pinned "$pin/opcode_allow/allowed" \
		key hex $(le16 "$code") ff ff value hex 01
done

"$FWCTL_BPF" attach "$OBJ/mlx5__redact_module_serial.bpf.o"
"$FWCTL_BPF" attach "$OBJ/generic__observe.bpf.o"
"$FWCTL_BPF" list
