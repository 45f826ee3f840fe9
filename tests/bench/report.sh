# SPDX-License-Identifier: GPL-2.0
# Report helpers of the guest-vs-native benchmarks (datapath.sh, mpi.sh;
# reg-mr.sh and kverbs.sh use AWK_FIELD), sourced after tests/e2e/lib.sh.  Their results are rows of
#   size native_lat gd_lat gg_lat native_bw gd_bw gg_bw
# (bytes, us, MB/s; gd = guest1-Dom0, gg = guest1-guest2).

# AWK_FIELD: an awk function for the benchmarks' "key=value ..." lines;
# field(line, key) is key's value, or "".  Put it before the program:
# awk "$AWK_FIELD"'...'.
AWK_FIELD='
function field(line, key,   i, n, kv) {
	n = split(line, kv, /[ =]/)
	for (i = 1; i < n; i++) if (kv[i] == key) return kv[i + 1]
	return ""
}'

# report_tsv ROWS TSV: the rows with a header line naming the columns.
report_tsv() {
	{
		echo "# size_bytes native_lat_us guest_dom0_lat_us guest_guest_lat_us native_bw_MBps guest_dom0_bw_MBps guest_guest_bw_MBps"
		cat "$1"
	} >"$2"
}

# report_table ROWS: a markdown table with the ratios guest/native.
report_table() {
	awk '
	function human(b) {
		return b >= 1048576 ? b / 1048576 " MiB" : b >= 1024 ? b / 1024 " KiB" : b " B"
	}
	function ratio(g, n) { return n > 0 ? sprintf("%.2fx", g / n) : "-" }
	BEGIN {
		printf "| size | native lat | guest-Dom0 lat | ratio | guest-guest lat | ratio | native BW | guest-Dom0 BW | ratio | guest-guest BW | ratio |\n"
		printf "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	}
	{
		printf "| %s | %.1f | %.1f | %s | %.1f | %s | %.2f | %.2f | %s | %.2f | %s |\n", human($1),
			$2, $3, ratio($3, $2), $4, ratio($4, $2), $5, $6, ratio($6, $5), $7, ratio($7, $5)
	}' "$1"
}

# report_plot TSV PNG TITLE: latency and bandwidth against size, side by
# side; says so and returns if gnuplot is missing.
report_plot() {
	if ! command -v gnuplot >/dev/null; then
		echo "(gnuplot not installed: apt-get install gnuplot-nox for the plot)"
		return 0
	fi
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
	plot "$1" using 1:2 with linespoints title "native Dom0-Dom0", \\
	     "" using 1:3 with linespoints title "guest-Dom0", \\
	     "" using 1:4 with linespoints title "guest-guest"
	unset logscale y
	set ylabel "bandwidth (MB/s)"
	plot "$1" using 1:5 with linespoints title "native Dom0-Dom0", \\
	     "" using 1:6 with linespoints title "guest-Dom0", \\
	     "" using 1:7 with linespoints title "guest-guest"
	unset multiplot
	GP
}
