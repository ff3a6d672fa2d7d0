#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/summary.sh LOG:STATUS...
#
# Add up Criterion's "Synthesis" lines of each test run's log and print the
# one closing line "N passed, N failed". A run that exited non-zero without
# reporting a failure (it crashed, the VM died, the build failed) counts as
# one failure, so a broken run can never look green. Exit 1 if anything
# failed.
set -uo pipefail

passed=0 failed=0
for arg in "$@"; do
	log=${arg%:*} status=${arg##*:}
	line=$(grep -a 'Synthesis: Tested:' "$log" 2>/dev/null | tail -n1)
	if [ -z "$line" ]; then
		echo "summary: $log: no Criterion summary (exit status $status)" >&2
		failed=$((failed + 1))
		continue
	fi
	tested=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$line")
	passing=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$line")
	passed=$((passed + passing))
	failed=$((failed + tested - passing))
	if [ "$status" -ne 0 ] && [ "$tested" -eq "$passing" ]; then
		echo "summary: $log: exit status $status with no failed test" >&2
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
