#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# policies/site-baseline.sh [--reload] [--fwctl-bpf PATH] [--objects DIR] [--uid UID|USER]...
#
# Attach the site baseline of docs/policies.md on every fwctl device:
#   prio last  observe           the audit trail of all of the below,
#                                attached first so setup RPCs are recorded
#   prio 100   rate_limit        10 RPCs/s, bursts of 50, per uid
#   prio 1000  deny_nv_write     no persistent config writes but by --uid
#   prio 1000  opcode_allow      the queries monitoring tools use
#   prio 1000  redact_serial     no module serial numbers
# Policies are ANDed in prio order; the first rejection's errno wins;
# observe (FWCTL_BPF_PRIO_LAST) runs last whenever it was attached, so its
# records show what the firmware ran and what the caller got.
#
#   --fwctl-bpf PATH  the loader (default: build/fwctl-bpf of this checkout)
#   --objects DIR     the policy objects (default: build/policies)
#   --uid UID|USER    may write NV config: a decimal uid or a user name
#   --reload          re-apply on a running baseline (systemctl reload): a
#                     policy already attached is swapped in place for its
#                     object (fwctl-bpf swap: make before break, its maps
#                     carried, so no RPC runs unfiltered; a map whose
#                     layout changed starts fresh and is configured right
#                     after), then its configuration is made what the
#                     arguments say (uids added first, then the others
#                     removed); one not attached is attached
#   -h, --help        this text
#
# All or nothing: on any failure the policies this run attached are
# detached again and the exit status is non-zero (2: bad arguments); the
# ones --reload swapped keep running their new object.
# Run as root, the loader, the objects and their directories must be owned
# by root and not writable by group or others. Pins go under
# $FWCTL_BPF_PIN_ROOT (default /sys/fs/bpf/fwctl), as the loader's do.
# Detach with: fwctl-bpf detach NAME, for each.
set -euo pipefail
umask 077

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FWCTL_BPF=$ROOT/build/fwctl-bpf
OBJ=$ROOT/build/policies
NAMES_H=$ROOT/build/include/mlx5/fwctl_mlx5_names.h
PIN=${FWCTL_BPF_PIN_ROOT:-/sys/fs/bpf/fwctl}
UIDS=()
ATTACHED=()
RELOAD=0

die() { echo "site-baseline: $1" >&2; exit "${2:-1}"; }
usage_err() { die "$1 (see --help)" 2; }

# A uid from a decimal number or a user name; nothing is ever evaluated.
resolve_uid() {
	local u=$1 id

	if [[ $u =~ ^[0-9]{1,10}$ ]]; then
		id=$((10#$u))
	elif [[ $u =~ ^[A-Za-z_][A-Za-z0-9_.-]*$ ]]; then
		id=$(getent passwd -- "$u" | cut -d: -f3) || true
		[[ $id =~ ^[0-9]{1,10}$ ]] || usage_err "--uid $u: no such user"
		id=$((10#$id))
	else
		usage_err "--uid '$u': not a decimal uid or a user name"
	fi
	# 0xffffffff is (uid_t)-1, and the rate limit's "any uid" key
	((id < 4294967295)) || usage_err "--uid $u: out of range (0 to 4294967294)"
	echo "$id"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--fwctl-bpf|--objects|--uid)
		[ $# -ge 2 ] || usage_err "$1 needs a value"
		case "$1" in
		--fwctl-bpf) FWCTL_BPF=$2 ;;
		--objects) OBJ=$2 ;;
		--uid) UIDS+=("$(resolve_uid "$2")") ;;
		esac
		shift 2 ;;
	--reload) RELOAD=1; shift ;;
	-h|--help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) usage_err "unknown argument $1" ;;
	esac
done

# What root runs or loads must be root's alone: the file and its directory.
trusted() {
	local f owner mode

	for f in "$1" "$(dirname -- "$1")"; do
		[ -e "$f" ] || die "no $f"
		owner=$(stat -Lc '%u' -- "$f")
		mode=$(stat -Lc '%a' -- "$f")
		[ "$owner" = 0 ] || die "refusing $1: $f is owned by uid $owner, not root"
		((8#$mode & 8#022)) && die "refusing $1: $f is writable by group or others (mode $mode)"
	done
	return 0
}

POLICIES=(generic__observe generic__rate_limit mlx5__deny_nv_write
	  mlx5__opcode_allow mlx5__redact_serial)
if [ "$EUID" = 0 ]; then
	trusted "$FWCTL_BPF"
	trusted "$NAMES_H"
	for p in "${POLICIES[@]}"; do trusted "$OBJ/$p.bpf.o"; done
fi

# little-endian hex bytes of a 16/32-bit number, for bpftool keys
le16() { printf '%02x %02x' $(($1 & 0xff)) $(($1 >> 8 & 0xff)); }
le32() { printf '%s %s' "$(le16 $(($1 & 0xffff)))" "$(le16 $(($1 >> 16)))"; }
opcode() {
	local code

	code=$(sed -nE "s/^#define MLX5_CMD_OP_$1 +(0x[0-9a-f]+).*/\1/p;s/.*X\((0x[0-9a-f]+), $1\).*/\1/p" \
		"$NAMES_H" | head -n1)
	[[ $code =~ ^0x[0-9a-f]{1,4}$ ]] || die "no opcode $1 in $NAMES_H"
	echo "$code"
}

# The pinned allowlist's entries, a line "OPCODE OP_MOD" each (bpftool
# prints the key with BTF); fails when the map cannot be read.
allow_entries() {
	local dump

	dump=$(bpftool -j map dump pinned "$PIN/opcode_allow/allowed") || return 1
	{ grep -o '"opcode":[0-9]*,"op_mod":[0-9]*' <<<"$dump" || true; } | tr -c '0-9\n' ' '
}

allow_delete() {
	bpftool map delete pinned "$PIN/opcode_allow/allowed" key hex $(le16 "$1") $(le16 "$2")
}

# The keys of a pinned hash map of u32 keys; fails when it cannot be read.
map_keys() {
	local dump

	dump=$(bpftool -j map dump pinned "$1") || return 1
	{ grep -o '"key":[0-9]*' <<<"$dump" || true; } | cut -d: -f2
}

# All or nothing: undo this run's attaches on any failure or signal. An
# allowlist this run attached is emptied first, so it refuses everything
# while the policies after it go (detached in the reverse order, the filled
# allowlist would let NV writes and serials through once deny_nv_write and
# redact_serial were gone).
undo() {
	local rc=$? i code mod

	[ $rc -eq 0 ] && return 0
	if [[ " ${ATTACHED[*]} " == *" opcode_allow "* ]]; then
		allow_entries 2>/dev/null | while read -r code mod; do
			allow_delete "$code" "$mod" 2>/dev/null || true
		done
	fi
	for ((i = ${#ATTACHED[@]} - 1; i >= 0; i--)); do
		"$FWCTL_BPF" detach "${ATTACHED[i]}" >/dev/null ||
			echo "site-baseline: can't detach ${ATTACHED[i]}" >&2
	done
	[ ${#ATTACHED[@]} -eq 0 ] || echo "site-baseline: failed; detached ${ATTACHED[*]}" >&2
	exit $rc
}
trap undo EXIT
trap 'exit 130' INT TERM HUP

# Attach NAME, or with --reload swap it in place when it runs already
# (the swap keeps its device match and prio; the extra arguments are
# attach's).
attach() {
	local name=$1 obj=$2

	shift 2
	if [ "$RELOAD" = 1 ] && [ -e "$PIN/$name/link" ]; then
		"$FWCTL_BPF" swap "$name" "$OBJ/$obj.bpf.o"
		return
	fi
	"$FWCTL_BPF" attach "$OBJ/$obj.bpf.o" --name "$name" "$@"
	ATTACHED+=("$name")
}

# The order keeps a fail-closed device (modprobe.d, at boot) closed until
# the whole stack runs: the first enforcing policy is the allowlist with an
# empty map, which refuses everything; it is filled last, once every other
# policy is attached and configured. (Attached in another order, the device
# would open for whatever the policies attached so far allow.) On
# --reload the swapped policies keep their maps, so nothing opens or
# closes in between.
attach observe generic__observe
attach opcode_allow mlx5__opcode_allow

attach rate_limit generic__rate_limit --prio 100
bpftool map update pinned "$PIN/rate_limit/limits" \
	key hex $(le32 0xffffffff) value hex $(le32 10) $(le32 50)

attach deny_nv_write mlx5__deny_nv_write
for uid in "${UIDS[@]}"; do
	bpftool map update pinned "$PIN/deny_nv_write/allowed_uids" \
		key hex $(le32 "$uid") value hex 01
done
# a carried map may hold uids the arguments no longer name
keys=$(map_keys "$PIN/deny_nv_write/allowed_uids") ||
	die "can't read $PIN/deny_nv_write/allowed_uids"
for uid in $keys; do
	[[ " ${UIDS[*]} " == *" $uid "* ]] && continue
	bpftool map delete pinned "$PIN/deny_nv_write/allowed_uids" key hex $(le32 "$uid")
done

attach redact_serial mlx5__redact_serial

allowed=()
for op in NOP QUERY_ADAPTER QUERY_ISSI QUERY_HCA_CAP QUERY_VPORT_STATE \
	  QUERY_NIC_VPORT_CONTEXT ACCESS_REG; do
	code=$(opcode "$op")
	allowed+=("$((code))")
	bpftool map update pinned "$PIN/opcode_allow/allowed" \
		key hex $(le16 "$code") ff ff value hex 01
done
# a carried allowlist may hold what this list no longer does (read whole
# before deleting: deleting while bpftool walks the hash would skip some)
entries=$(allow_entries) || die "can't read $PIN/opcode_allow/allowed"
while read -r code mod; do
	[ -n "$code" ] || continue
	[ "$mod" = 65535 ] && [[ " ${allowed[*]} " == *" $code "* ]] && continue
	allow_delete "$code" "$mod"
done <<<"$entries"
"$FWCTL_BPF" list || true
