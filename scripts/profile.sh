#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the guest's instructions go per RPC, by kernel symbol.
#
#   scripts/profile.sh [--rpcs N] [--kernel BZIMAGE] [--variant V] [--raw]
#                      CONFIG...
#
# For each benchmark configuration (fwctl-bench list) two boots of the test
# kernel under the tbcount QEMU plugin (bench/profile/tbcount.c) run
# "fwctl-bench spin CONFIG 0" and "fwctl-bench spin CONFIG N" (default
# 200000): the difference of their per-block execution counts, divided by
# N, is what one 16-byte RPC costs, setup (loading, verifying) cancelled
# out. Prints, per configuration, guest instructions and translated blocks
# per RPC by symbol (vmlinux, and the JITed programs and trampolines the
# guest's /proc/kallsyms listed), then a comparison of the configurations'
# totals, then by symbol what each configuration adds to the first one
# (__init code, which differs only between boots, is left out).
# Instruction counts are not TCG time, but they are deterministic: they
# show what a change to the hook saves without the noise of timing.
# --raw prints "@bench,CONFIG,insns16,insn,N,1" lines for fwctl-bench
# report instead (make bench does). Raw counts are kept in build/profile/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=build/profile
RPCS=200000
# A preset delay loop: calibrating it differs from boot to boot, which
# would show up as noise in the difference of the two boots.
TSC_KHZ=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
VMOPTS=(--cpus 1 --append "tsc_early_khz=$TSC_KHZ lpj=$((TSC_KHZ * 4))")
KERNEL=
VARIANT=()
RAW=()

usage() { sed -n '3,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--rpcs) RPCS=$2; shift 2 ;;
	--kernel) KERNEL=$2; VMOPTS+=(--kernel "$2"); shift 2 ;;
	--variant) VARIANT=(--variant "$2"); VMOPTS+=(--variant "$2"); shift 2 ;;
	--raw) RAW=(--raw); shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage

mkdir -p "$OUT"
PLUGIN=build/bench/tbcount.so	# make bench-build
[ -f "$PLUGIN" ] || { echo "profile: no $PLUGIN: run make bench-build" >&2; exit 1; }
if [ -n "$KERNEL" ]; then
	VMLINUX=$(dirname "$KERNEL")/vmlinux
	[ -f "$VMLINUX" ] || VMLINUX=$(dirname "$KERNEL")/../../../vmlinux
else
	VMLINUX=$(scripts/kernel.sh ${VARIANT[@]+"${VARIANT[@]}"} dir)/vmlinux
fi
[ -f "$VMLINUX" ] || { echo "profile: no vmlinux next to the kernel" >&2; exit 1; }
nm -n "$VMLINUX" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$OUT/vmlinux.syms"

run() {		# CONFIG N: one boot, counts in $OUT/CONFIG-N.tb
	local cfg=$1 n=$2
	tests/vm/run "${VMOPTS[@]}" --qemu -plugin \
		--qemu "$ROOT/$PLUGIN,out=$ROOT/$OUT/$cfg-$n.tb" \
		-- build/bench/fwctl-bench spin "$cfg" "$n" >"$OUT/$cfg-$n.out"
}

for cfg in "$@"; do
	echo "== $cfg: 0 and $RPCS RPCs" >&2
	run "$cfg" 0
	run "$cfg" "$RPCS"
done
python3 bench/profile/attribute.py --rpcs "$RPCS" --syms "$OUT/vmlinux.syms" \
	--dir "$OUT" ${RAW[@]+"${RAW[@]}"} "$@"
