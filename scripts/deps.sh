#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what fwctl-bpf needs to build and test, from Debian's packages only.
# Idempotent and quiet when everything is present.
#
# bookworm's libbpf (1.1) and bpftool (7.1) predate link-based struct_ops
# (SEC(".struct_ops.link"), bpf_link_update with old_map_fd, bpftool
# "struct_ops register OBJ LINKDIR"), so those two come from
# bookworm-backports (libbpf 1.4, bpftool 7.5). The Debian packages are
# built in a trixie root file system (mmdebstrap; scripts/stock.sh), with
# trixie's debhelper, dh-dkms and lintian, not the host's.
set -euo pipefail

BASE_PKGS=(build-essential flex bison bc libelf-dev zlib1g-dev dwarves
	   clang llvm lld libcriterion-dev pkg-config qemu-system-x86
	   xz-utils cpio python3 python3-ply python3-git jq kmod file
	   libjson-c-dev libsystemd-dev libinih-dev devscripts mmdebstrap debian-archive-keyring
	   gnuplot-nox)
BACKPORT_PKGS=(libbpf-dev bpftool)
BACKPORTS_LIST=/etc/apt/sources.list.d/fwctl-bpf-bookworm-backports.sources

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

libbpf_new_enough() {
	# link-based struct_ops needs libbpf >= 1.2
	local v
	v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 1:1.2
}

bpftool_new_enough() {
	# "struct_ops register OBJ LINK_DIR" needs bpftool >= 7.5
	local v
	v=$(dpkg-query -W -f='${Version}' bpftool 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge 7.5
}

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

need_base=$(missing "${BASE_PKGS[@]}")
need_bp=
libbpf_new_enough || need_bp=1
bpftool_new_enough || need_bp=1
[ -z "$need_base" ] && [ -z "$need_bp" ] && exit 0

echo "deps: installing Debian packages (first run only)" >&2
if [ -n "$need_bp" ] && [ ! -f "$BACKPORTS_LIST" ]; then
	# the machine's own mirror (scripts/apt-lib.sh; FWCTL_BPF_MIRROR overrides)
	# shellcheck source=apt-lib.sh
	. "$(dirname "${BASH_SOURCE[0]}")/apt-lib.sh"
	$SUDO tee "$BACKPORTS_LIST" >/dev/null <<SRC
Types: deb
URIs: $(debian_mirror)
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
[ -z "$need_base" ] || $SUDO apt-get install -y -qq --no-install-recommends $need_base >/dev/null
[ -z "$need_bp" ] || $SUDO apt-get install -y -qq --no-install-recommends \
	-t bookworm-backports "${BACKPORT_PKGS[@]}" >/dev/null
libbpf_new_enough || { echo "deps: libbpf-dev >= 1.2 not installed" >&2; exit 1; }
bpftool_new_enough || { echo "deps: bpftool >= 7.5 not installed" >&2; exit 1; }
echo "deps: done" >&2
