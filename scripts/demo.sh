#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the VM by "make demo": a site attaches policies to
# the simulated ConnectX device, sends allowed, rewritten and rejected RPCs
# with the loader, and reads the audit trail. Every number printed comes
# from the running kernel: the simulator's debugfs counts what its firmware
# really executed.
set -euo pipefail

cd "$(dirname "$0")/.."
FW=build/fwctl-bpf
P=build/policies
SIM=/sys/kernel/debug/mlx5_sim/sim0
DEV=$(cat $SIM/fwctl)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }
# how many times the simulated firmware executed opcode $1 (e.g. 0x0805)
executed() { awk -v op="$1" '$1 == op { n = $2 } END { print n + 0 }' $SIM/opcodes; }

step "The kernel: Debian's linux-source $(uname -r) with kernel/patches/"
ls /sys/class/fwctl
echo "$DEV is a simulated ConnectX: $(grep -m1 psid $SIM/state)"

step "Attach three site policies and the audit recorder"
run $FW attach $P/mlx5__deny_nv_write.bpf.o
run $FW attach $P/mlx5__clamp_hca_cap.bpf.o
run $FW attach $P/mlx5__redact_serial.bpf.o
run $FW attach $P/generic__observe.bpf.o
run $FW list

step "Allowed: QUERY_ADAPTER reaches the firmware"
before=$(executed 0x0101)
run $FW rpc "$DEV" --scope configuration QUERY_ADAPTER
echo "the firmware executed QUERY_ADAPTER $(($(executed 0x0101) - before)) time(s)"

step "Redacted: the module EEPROM read runs, the serial number does not come back"
run $FW rpc "$DEV" ACCESS_REG reg=MCIA read i2c=0x50 addr=196 size=16

step "Rewritten: VF 1's pre-configuration asks for RoCE and 2^18 QPs; the firmware gets neither"
run $FW rpc "$DEV" --scope configuration SET_HCA_CAP other_function=1 function_id=1 \
	roce=1 log_max_qp=18
echo "what VF 1 will run with:"
run $FW rpc "$DEV" QUERY_HCA_CAP other_function=1 function_id=1 op_mod=1

step "Rejected: a persistent NV-config write never reaches the firmware"
before=$(executed 0x0805)
run $FW rpc "$DEV" --scope configuration ACCESS_REG reg=MNVDA write type=0x80 \
	data=800000000000000400000000
echo "the firmware executed ACCESS_REG $(($(executed 0x0805) - before)) time(s)"

step "The audit trail: every RPC, who sent it, what was decided"
run $FW audit collect
run $FW audit

step "The kernel's own counters"
run $FW status
