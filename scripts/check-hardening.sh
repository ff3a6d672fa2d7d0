#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Are the programs fwctl-bpf installs built with Debian's hardening
# (PIE, stack protector, _FORTIFY_SOURCE, RELRO, BIND_NOW)? Debian's own
# checker decides (hardening-check, from devscripts). Control-flow
# protection is not asked for: bookworm's dpkg-buildflags (1.21) has no
# "branch" feature yet.
#
# usage: scripts/check-hardening.sh BINARY...
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
if hardening-check --quiet --nocfprotection "$@"; then
	echo "hardening: $* built with PIE, stack protector, fortify, RELRO and BIND_NOW"
else
	echo "hardening: FAILED (see above; the Makefile takes dpkg-buildflags)" >&2
	exit 1
fi
