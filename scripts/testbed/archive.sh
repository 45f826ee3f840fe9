# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The Debian archive the host's apt sources name, for the testbed's own
# apt configurations and build roots of other releases (sourced; the
# host's sources are read, never changed).

# host_archive_uri: the first archive URI of the host's apt sources
host_archive_uri() {
	local uri
	uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$uri" ] && echo "$uri"
}

# archive_line SUITE: a sources.list line for SUITE's main component
archive_line() {
	local uri
	uri=$(host_archive_uri) || return 1
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $1 main"
}
