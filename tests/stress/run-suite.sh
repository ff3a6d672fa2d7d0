#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run in the guest (tests/vm/run): the stress suite, one test at a time
# (they share the simulated devices), then the kernel's own verdict: taint
# flags and, on the debug kernel, a kmemleak scan. Arguments go to the
# Criterion binary (e.g. --filter 'toctou/*'). tests/vm/run fails the run
# on any warning, bug or sanitizer report in the kernel log.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rc=0
"${FWCTL_STRESS_BIN:-$ROOT/build/stress-tests}" --jobs 1 "$@" || rc=$?

# Taint bits that mean the kernel itself went wrong: WARN (9), BAD_PAGE (5),
# DIE (7), SOFTLOCKUP (14). TAINT_FWCTL (19) is expected after DEBUG_WRITE.
taint=$(cat /proc/sys/kernel/tainted)
bad=$(( taint & ((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)) ))
leaks=n/a
kml=/sys/kernel/debug/kmemleak
if [ -w "$kml" ]; then
	# Objects younger than 5 s are never reported: scan, wait, scan.
	echo scan >"$kml"; sleep 6; echo scan >"$kml"
	leaks=$(grep -c '^unreferenced object' "$kml" || true)
	[ "$leaks" -eq 0 ] || { head -n 40 "$kml"; rc=1; }
fi
echo "kernel: taint 0x$(printf '%x' "$taint") (bad bits 0x$(printf '%x' "$bad")), kmemleak: $leaks suspected leaks"
[ "$bad" -eq 0 ] || rc=1
exit "$rc"
