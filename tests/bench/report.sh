# SPDX-License-Identifier: GPL-2.0
# Report helpers of the guest-vs-native benchmarks (datapath.sh, mpi.sh,
# cluster.sh; reg-mr.sh and kverbs.sh use AWK_FIELD), sourced after
# tests/e2e/lib.sh.  Their results are rows of
#   size lat_1 .. lat_N bw_1 .. bw_N
# (bytes, us, MB/s), one latency and one bandwidth per series; the series
# are named by REPORT_KEYS (TSV columns) and REPORT_LABELS (table and
# plot), the first of them the native one the ratios are taken against.
# The default is native Dom0-Dom0, guest1-Dom0, guest1-guest2.
REPORT_KEYS=(native guest_dom0 guest_guest)
REPORT_LABELS=("native Dom0-Dom0" "guest-Dom0" "guest-guest")

# AWK_FIELD: an awk function for the benchmarks' "key=value ..." lines;
# field(line, key) is key's value, or "".  Put it before the program:
# awk "$AWK_FIELD"'...'.
AWK_FIELD='
function field(line, key,   i, n, kv) {
	n = split(line, kv, /[ =]/)
	for (i = 1; i < n; i++) if (kv[i] == key) return kv[i + 1]
	return ""
}'

# dp_rows FILE: xenib-dp-bench's "size=B lat_us=L bw_mbps=W" lines in
# FILE (a client's saved output) as rows "B L W".
dp_rows() {
	sed -n 's/^size=\([0-9]*\) lat_us=\([0-9.]*\) bw_mbps=\([0-9.]*\).*/\1 \2 \3/p' "$1"
}

# report_tsv ROWS TSV: the rows with a header line naming the columns.
report_tsv() {
	local k lat="" bw=""
	for k in "${REPORT_KEYS[@]}"; do
		lat+=" ${k}_lat_us"
		bw+=" ${k}_bw_MBps"
	done
	{
		echo "# size_bytes$lat$bw"
		cat "$1"
	} >"$2"
}

# report_table ROWS: a markdown table with the ratios series/native.
report_table() {
	local IFS='|'
	awk -v labels="${REPORT_LABELS[*]}" '
	function human(b) {
		return b >= 1048576 ? b / 1048576 " MiB" : b >= 1024 ? b / 1024 " KiB" : b " B"
	}
	function ratio(g, n) { return n > 0 ? sprintf("%.2fx", g / n) : "-" }
	BEGIN {
		n = split(labels, l, "|")
		h = "| size | " l[1] " lat |"; r = "|---:|---:|"
		for (i = 2; i <= n; i++) { h = h " " l[i] " lat | ratio |"; r = r "---:|---:|" }
		h = h " " l[1] " BW |"; r = r "---:|"
		for (i = 2; i <= n; i++) { h = h " " l[i] " BW | ratio |"; r = r "---:|---:|" }
		print h; print r
	}
	{
		line = sprintf("| %s | %.1f |", human($1), $2)
		for (i = 2; i <= n; i++) line = line sprintf(" %.1f | %s |", $(1 + i), ratio($(1 + i), $2))
		line = line sprintf(" %.2f |", $(2 + n))
		for (i = 2; i <= n; i++) line = line sprintf(" %.2f | %s |", $(1 + n + i), ratio($(1 + n + i), $(2 + n)))
		print line
	}' "$1"
}

# report_plot TSV PNG TITLE: latency and bandwidth against size, side by
# side; says so and returns if gnuplot is missing.
report_plot() {
	local i n=${#REPORT_LABELS[@]} lat="" bw=""
	if ! command -v gnuplot >/dev/null; then
		echo "(gnuplot not installed: apt-get install gnuplot-nox for the plot)"
		return 0
	fi
	for ((i = 0; i < n; i++)); do
		lat+="${lat:+, }\"$1\" using 1:$((2 + i)) with linespoints title \"${REPORT_LABELS[i]}\""
		bw+="${bw:+, }\"$1\" using 1:$((2 + n + i)) with linespoints title \"${REPORT_LABELS[i]}\""
	done
	gnuplot <<-GP
	set terminal png size 1200,500
	set output "$2"
	set multiplot layout 1,2 title "$3"
	set logscale x 2
	set format x "2^{%L}"
	set xlabel "message size (bytes)"
	set key left top
	set grid
	set logscale y
	set ylabel "latency (us, half round trip)"
	plot $lat
	unset logscale y
	set ylabel "bandwidth (MB/s)"
	plot $bw
	unset multiplot
	GP
}
