#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prometheus' own checker of the text exposition format ("promtool check
# metrics"), which the tests of "fwctl-bpf stats --format prometheus" run
# on its output. Debian ships it in the prometheus package, a server that
# a build host has no use for, so the binary (static) is taken out of the
# package, fetched with the host's own apt sources, into OUT:
#
#   scripts/promtool.sh OUT
set -euo pipefail

out=${1:?usage: promtool.sh OUT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# root downloads into a directory _apt cannot write: no sandbox user
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root prometheus >"$tmp/log" 2>&1) || {
	cat "$tmp/log" >&2
	echo "promtool: apt-get download prometheus failed (Debian's archive unreachable?)" >&2
	exit 1
}
dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root"
install -D -m 755 "$tmp/root/usr/bin/promtool" "$out"
"$out" --version 2>&1 | head -n1 >&2
