#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench / make bench-smoke (docs/benchmarks.md).
#
#   scripts/bench.sh            BENCH_PAIRS (default 2) pairs of boots: the
#                               bench-baseline kernel (configuration 1, the
#                               unpatched core), then the test kernel
#                               (configurations 2-7); the report merges all
#                               boots (median per figure), prints the table and
#                               the targets, writes build/bench/results.{csv,
#                               json,md} and the table of docs/benchmarks.md;
#                               then the counted boots: each kernel's, and
#                               Debian's with both cores (build/bench/stock/)
#   scripts/bench.sh --smoke    one boot of the test kernel, every
#                               configuration but the baseline, a few
#                               iterations each, and a few instruction
#                               counts over 1000 RPCs (about two minutes)
#   scripts/bench.sh --report   no boot: the report (and docs) again from
#                               the raw outputs in build/bench/raw/
#
# Environment: BENCH_PAIRS, BENCH_ROUNDS (rounds per boot, default 1),
# BENCH_CPUS (guest CPUs, default 2), BENCH_TSC_KHZ (the guest's TSC
# frequency, default the host's "cpu MHz"),
# BENCH_CONFIGS (configurations of the patched boot), BENCH_DOCS=0 to leave
# docs/benchmarks.md alone, BENCH_INSNS=0 to skip the instruction counts
# (one one-CPU boot of each kernel, every workload counted in it),
# BENCH_INSNS_RPCS (RPCs per counted window, default 50000), BENCH_STOCK=0
# to skip the counted boot of Debian's kernel (default: on when root; it
# needs make deb's packages and scripts/stock.sh's root file system).
# A target missed is reported, never an error: the exit status is non-zero
# only when a boot produced no figures at all.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=build/bench
BIN=$OUT/fwctl-bench
SMOKE=0
PAIRS=${BENCH_PAIRS:-2}
ROUNDS=${BENCH_ROUNDS:-1}
# every configuration but the baseline, which boots its own kernel
CONFIGS=${BENCH_CONFIGS:-$("$BIN" list | grep -vx baseline | paste -sd, -)}
# Two vCPUs (tests/vm/run gives each its own socket: the kernel has no ACPI
# and SeaBIOS's MP table lists one CPU per socket). With two CPUs TCG's TSCs
# look unsynchronised and the clock falls back to jiffies unless the TSC is
# declared reliable.
# On a loaded host the guest's TSC calibration against the PIT can fail
# too (no HPET or PM timer without ACPI), so the guest is told the TSC's
# frequency: TCG's TSC runs at the host's.
# The second CPU calibrates its delay loop by itself (against jiffies, badly
# under TCG), which makes the simulator's udelay()-based firmware delay
# anything from 4 to 15 us on it: lpj= gives every CPU the TSC's value.
TSC_KHZ=${BENCH_TSC_KHZ:-$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)}
HZ=$(sed -n 's/^CONFIG_HZ=//p' "$(scripts/kernel.sh dir)/config" 2>/dev/null)
VMOPTS=(--cpus "${BENCH_CPUS:-2}" --append tsc=reliable)
[ -z "$TSC_KHZ" ] ||
	VMOPTS+=(--append "tsc_early_khz=$TSC_KHZ lpj=$((TSC_KHZ * 1000 / ${HZ:-250}))")
DOCS=${BENCH_DOCS:-1}

REPORT_ONLY=0
case "${1:-}" in
--smoke) SMOKE=1; PAIRS=1; DOCS=0 ;;
--report) REPORT_ONLY=1 ;;
"") ;;
*) sed -n '3,/^set -uo/{/^set/d;s/^# \{0,1\}//p}' "$0" >&2; exit 2 ;;
esac

# the smoke run keeps its files apart from the last full run's
[ "$SMOKE" -eq 0 ] || OUT=$OUT/smoke
mkdir -p "$OUT/raw"
raws=()
failed=0

# boot NAME VM-OPTIONS... -- ARGS: one boot, its raw output in raw/NAME.txt
boot() {
	local name=$1 raw=$OUT/raw/$1.txt rc=0
	shift
	local vmopts=()
	while [ "$1" != -- ]; do vmopts+=("$1"); shift; done
	shift
	echo "== bench: $name (tests/vm/run ${vmopts[*]} -- $BIN run $*)" >&2
	tests/vm/run "${vmopts[@]}" -- "$BIN" run "$@" >"$raw" 2>&1 || rc=$?
	if grep -q '^@error,all,' "$raw" || ! grep -q '^@bench,' "$raw"; then
		echo "bench: $name produced no figures (exit $rc); its output:" >&2
		tail -n 30 "$raw" >&2
		failed=1
	elif [ "$rc" -ne 0 ]; then
		echo "bench: warning: $name exited $rc (see $raw)" >&2
		[ "$SMOKE" -eq 0 ] || failed=1
	fi
	raws+=("$raw")
}

# The counted boots: one CPU (the plugin's counters are not atomic), the
# TSC and delay loop preset as scripts/profile.sh does, and -icount: the
# guest's clock advances by instructions, not host time, so timer ticks
# and other periodic work cost each window in proportion to its
# instructions, not to how fast the host was.
PLUGIN=build/bench/tbcount.so
COUNT_VMOPTS=(--cpus 1 --qemu -icount --qemu shift=0)
[ -z "$TSC_KHZ" ] || COUNT_VMOPTS+=(--append "tsc_early_khz=$TSC_KHZ lpj=$((TSC_KHZ * 4))")
INSNS_RPCS=${BENCH_INSNS_RPCS:-50000}

# count_boot NAME KERNEL VM-OPTION... -- CMD...: one counted boot running
# CMD (fwctl-bench insns, or bench/stock-insns), its instructions per
# RPC in raw/NAME.txt (NAME may name a subdirectory of raw/)
count_boot() {
	local name=$1 kernel=$2 raw=$OUT/raw/$1 vm=()
	shift 2
	while [ "$1" != -- ]; do vm+=("$1"); shift; done
	shift
	mkdir -p "$(dirname "$raw")"
	echo "== bench: $name (${*##*/})" >&2
	tests/vm/run "${COUNT_VMOPTS[@]}" ${vm[@]+"${vm[@]}"} --qemu -plugin \
		--qemu "$ROOT/$PLUGIN,out=$ROOT/$raw.tb,marks=$ROOT/$raw.marks" \
		-- "$@" >"$raw.out" 2>&1 &&
	python3 bench/profile/windows.py "$raw.marks" "$raw.out" \
		"$kernel counted: $(uname -m) TCG -icount" \
		>"$raw.txt" && rm -f "$raw.tb" && return 0
	echo "bench: $name: no instruction counts; its output:" >&2
	tail -n 20 "$raw.out" >&2
	rm -f "$raw.txt"
	return 1
}

# The workloads the curves are drawn from (bench/curves.c)
curves() {
	"$BIN" curves "$@" | paste -sd' '
}

# Debian's own kernel (docs/benchmarks.md "On Debian's kernel"): the
# packages installed with apt (make deb), and the unpatched core's modules
# built from the same source, swapped in one counted boot. Needs root
# (scripts/stock.sh); BENCH_STOCK=0 skips it.
STOCK=${BENCH_STOCK:-$([ "$(id -u)" -eq 0 ] && echo 1 || echo 0)}
stock_boot() {
	local base dkms release
	dkms=$(echo "${FWCTL_BPF_DEBS:-build/deb}"/fwctl-bpf-dkms_*_all.deb)
	[ -f "$dkms" ] || { echo "bench: no fwctl-bpf-dkms package in build/deb (make deb)" >&2; return 1; }
	base=$(scripts/stock.sh baseline "$dkms") || return 1
	release=$(basename "$(scripts/stock.sh kernel)"/usr/lib/modules/*)
	# shellcheck disable=SC2046,SC2086 # the lists are words
	count_boot stock/insns "Debian's $release kernel" \
		--stock --timeout 3600 -- bench/stock-insns "/.host$base" --rpcs "$INSNS_RPCS" \
		baseline $(curves baseline) -- ${CONFIGS//,/ } $(curves)
}

start=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg)
[ "$REPORT_ONLY" -eq 0 ] || load_start="? (re-reported)"
if [ "$REPORT_ONLY" -eq 1 ]; then
	shopt -s nullglob
	raws=("$OUT"/raw/*.txt)
	[ "${#raws[@]}" -gt 0 ] || { echo "bench: no raw outputs in $OUT/raw" >&2; exit 1; }
	PAIRS=$(ls "$OUT"/raw/patched-*.txt 2>/dev/null | wc -l)
	ROUNDS=$(sed -n 's/^@meta,rounds,//p' "${raws[0]}" | head -n1)
else
	rm -rf "$OUT"/raw/*
fi
for i in $(seq 1 "$PAIRS"); do
	[ "$REPORT_ONLY" -eq 0 ] || break
	if [ "$SMOKE" -eq 0 ]; then
		boot "baseline-$i" "${VMOPTS[@]}" --variant bench-baseline -- \
			--configs baseline --rounds "$ROUNDS"
	fi
	if [ "$SMOKE" -eq 1 ]; then
		boot "patched-$i" "${VMOPTS[@]}" -- --configs "$CONFIGS" --quick
	else
		boot "patched-$i" "${VMOPTS[@]}" -- --configs "$CONFIGS" --rounds "$ROUNDS"
	fi
done

# Instructions per RPC: deterministic, so no pairs or rounds. One boot of
# each kernel under the tbcount plugin, every workload in it between
# marks (fwctl-bench insns, bench/profile/windows.py).
if [ "$SMOKE" -eq 1 ]; then
	echo "== bench: instructions per RPC (smoke)" >&2
	count_boot insns-patched "the test kernel" -- "$BIN" insns --rpcs 1000 nopolicy site \
		stack2 stackother1 nopolicyx2 nopolicy@4096 &&
		raws+=("$OUT/raw/insns-patched.txt") || failed=1
elif [ "$REPORT_ONLY" -eq 0 ] && [ "${BENCH_INSNS:-1}" = 1 ]; then
	echo "== bench: instructions per RPC" >&2
	# shellcheck disable=SC2046,SC2086 # the lists are words
	count_boot insns-baseline "the bench-baseline kernel" --variant bench-baseline -- \
		"$BIN" insns --rpcs "$INSNS_RPCS" baseline $(curves baseline) &&
		raws+=("$OUT/raw/insns-baseline.txt") ||
		echo "bench: warning: no instruction counts of the baseline" >&2
	# shellcheck disable=SC2046,SC2086
	count_boot insns-patched "the test kernel" -- "$BIN" insns --rpcs "$INSNS_RPCS" \
		${CONFIGS//,/ } $(curves) && raws+=("$OUT/raw/insns-patched.txt") ||
		echo "bench: warning: no instruction counts of the patched kernel" >&2
	if [ "$STOCK" = 1 ]; then
		stock_boot || echo "bench: warning: no instruction counts on Debian's kernel" >&2
	fi
fi

if [ "$SMOKE" -eq 1 ] && grep -h '^@error,' "${raws[@]}" >&2; then
	echo "bench: the smoke run could not measure everything (above)" >&2
	failed=1
fi

# report DIR IMAGES KERNEL RAW...: the report of one kernel's boots in DIR
# (results.*, the curves' data and plots, named IMAGES* in docs/img)
report() {
	local dir=$1 images=$2 kernel=$3
	shift 3
	"$BIN" report --csv "$dir/results.csv" --json "$dir/results.json" \
		--md "$dir/results.md" --curves "$dir" --images "img/$images" "$@" || return 1
	[ -f "$dir/curve-policies.dat" ] || return 0
	if command -v gnuplot >/dev/null; then
		# a quote inside gnuplot's single-quoted string is doubled
		gnuplot -e "dir='$dir'; kernel='${kernel//\'/\'\'}'" bench/plots.gp &&
			echo "bench: curves in $dir/curve-{policies,payload,clients}.png" >&2
	else
		echo "bench: no gnuplot (apt install gnuplot-nox): no curves drawn" >&2
	fi
}

# docs_section MARK DIR IMAGES HEADLINE: docs/benchmarks.md's section
# between <!-- MARK:begin --> and <!-- MARK:end --> becomes HEADLINE and
# DIR/results.md; its plots go to docs/img/IMAGES*
docs_section() {
	local mark=$1 dir=$2 images=$3 headline=$4 png
	grep -q "^<!-- $mark:begin -->" docs/benchmarks.md || return 0
	{
		sed "/^<!-- $mark:begin -->/q" docs/benchmarks.md
		echo "$headline"
		echo
		cat "$dir/results.md"
		sed -n "/^<!-- $mark:end -->/,\$p" docs/benchmarks.md
	} >docs/benchmarks.md.tmp && mv docs/benchmarks.md.tmp docs/benchmarks.md
	for png in "$dir"/curve-*.png; do
		[ -f "$png" ] && mkdir -p docs/img && cp "$png" "docs/img/$images$(basename "$png")"
	done
}

echo "== bench: report ($(($(date +%s) - start)) s of VM time)" >&2
report "$OUT" "" "the test kernel" "${raws[@]}" || failed=1
stock_report=0
if [ -f "$OUT/raw/stock/insns.txt" ]; then
	echo "== bench: report of Debian's kernel (instructions only)" >&2
	mkdir -p "$OUT/stock"
	report "$OUT/stock" stock- "$(sed -n 's/^@meta,kernel,\(.*\) counted:.*/\1/p' \
		"$OUT/raw/stock/insns.txt")" "$OUT/raw/stock/insns.txt" && stock_report=1
fi

if [ "$DOCS" = 1 ] && [ "$failed" -eq 0 ] && [ -f docs/benchmarks.md ]; then
	docs_section bench "$OUT" "" "Run of $(date -u +%Y-%m-%d) (\`make bench\`, $PAIRS pairs of boots, \
$ROUNDS round(s) each, host: $(nproc) CPUs, load average ${load_start:-?} at the start and \
$(cut -d' ' -f1 /proc/loadavg) at the end, QEMU TCG)."
	[ "$stock_report" -eq 0 ] ||
		docs_section bench-stock "$OUT/stock" stock- "Run of $(date -u +%Y-%m-%d) \
(\`make bench\`: one counted boot of Debian's kernel, the unpatched and the patched \
fwctl.ko swapped in it, QEMU TCG -icount)."
	echo "bench: docs/benchmarks.md updated" >&2
fi
exit "$failed"
