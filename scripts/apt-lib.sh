# SPDX-License-Identifier: GPL-2.0
#
# Sourced by scripts/kernel.sh and scripts/stock.sh: which Debian mirror
# to use, and a private apt configuration for trixie-backports.
#
# The mirror is the machine's own (the first Debian archive URI in
# /etc/apt/sources.list and /etc/apt/sources.list.d/, security archives
# excepted), so a site with an internal mirror needs nothing more;
# FWCTL_BPF_MIRROR overrides it, and deb.debian.org is the fallback.
# Callers define $CACHE.

# The Debian archive URIs of the machine's apt sources, in order.
apt_source_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2 \3/p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		     { uris = ""; suites = ""; types = ""; enabled = "yes"
		       for (i = 1; i <= NF; i++) {
		         if ($i ~ /^URIs:/) uris = substr($i, 6)
		         if ($i ~ /^Suites:/) suites = substr($i, 8)
		         if ($i ~ /^Types:/) types = substr($i, 7)
		         if ($i ~ /^Enabled:[[:space:]]*no/) enabled = "no"
		       }
		       if (types !~ /(^|[[:space:]])deb([[:space:]]|$)/ || enabled == "no") next
		       n = split(uris, u, " "); split(suites, s, " ")
		       for (j = 1; j <= n; j++) print u[j], s[1] }' "$f"
	done
}

# The mirror serving Debian's main archive: a URI whose suite is one of
# Debian's (not -security, which lives on another archive).
debian_mirror() {
	if [ -n "${FWCTL_BPF_MIRROR:-}" ]; then
		echo "${FWCTL_BPF_MIRROR%/}"
		return
	fi
	local m
	m=$(apt_source_uris | awk '$2 !~ /-security$/ &&
		$2 ~ /^(buster|bullseye|bookworm|trixie|forky|sid|unstable|testing|stable|oldstable)(-updates|-backports|-proposed-updates)?$/ &&
		$1 ~ /^(https?|file):/ { print $1; exit }')
	echo "${m:-http://deb.debian.org/debian}" | sed 's:/*$::'
}

# apt-get with a private configuration under $CACHE/apt: only the
# trixie-backports suite of the mirror, never the machine's sources.
# Queries (policy, show, depends) go to apt-cache with the same options.
apt_private() {
	local d=$CACHE/apt tool=apt-get
	case "${1:-}" in policy|show|showpkg|depends|rdepends|madison) tool=apt-cache ;; esac
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) trixie-backports main" \
		>"$d/sources.list"
	"$tool" -q -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root "$@"
}
