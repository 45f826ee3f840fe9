# SPDX-License-Identifier: GPL-2.0
# Image layers, MPI and HPC Challenge in guests.
# Sourced by tests/e2e/lib.sh, which the tests source.

# ensure_layer LAYER MB FILE GUEST...: each guest running with the image
# layer LAYER (FILE is one of its files) and MB of memory, and its RDMA
# device registered; a guest running without the layer is restarted with it.
ensure_layer() {
	local layer=$1 mb=$2 file=$3 g
	shift 3
	for g in "$@"; do
		if guest_running "$g" && ! on "$g" "test -x $file" >/dev/null 2>&1; then
			"$TB" guest destroy "$g" >/dev/null 2>&1 ||
				fail "destroying $g to restart it with the $layer layer"
		fi
		guest_running "$g" || "$TB" guest start "$g" --layer "$layer" --memory "$mb" ||
			fail "guest $g with the $layer layer did not start"
	done
	ensure_rdma "$@"
}

# ensure_mpi GUEST...: with the image's MPI layer (Open MPI, UCX, hpcc).
ensure_mpi() { ensure_layer mpi 512 /usr/bin/ompi_info "$@"; }

# mpi_run HOSTS NP ARGS...: mpirun in Dom0, NP ranks over HOSTS (IP
# addresses, comma-separated), working directory /tmp.  The settings are
# those of native rxe plus the testbed's launcher; docs/mpi.md says why
# each is there.
MPI_RUN="mpirun --allow-run-as-root --mca plm_rsh_agent xenib-mpi-rsh \
--mca oob_tcp_if_include 10.77.0.0/16 --wdir /tmp \
--mca pml ucx --mca pml_ucx_devices any -x UCX_IB_GID_INDEX=0"
mpi_run() {
	local hosts=$1 np=$2
	shift 2
	on dom0 "$MPI_RUN -H $hosts -np $np $*"
}

eth0_tx() { on "$1" "cat /sys/class/net/eth0/statistics/tx_bytes" | tr -d '\r'; }

# mpi_check DESC HOSTS NP GUEST...: xenib-mpi-bench check with NP ranks over
# HOSTS; each GUEST (one of them) must have moved its messages through its
# xenib device.  One echo per message size (11 sizes, 1 B .. 1 MiB) is at
# least 11 sends and 1.4 MB from every rank but rank 0.
mpi_check() {
	local desc=$1 hosts=$2 np=$3 g out rc ds dt
	shift 3
	local -A sends tx
	for g in "$@"; do
		sends[$g]=$(be_stat "$g" sends_posted)
		tx[$g]=$(eth0_tx "$g")
	done
	out=$(mpi_run "$hosts" "$np" xenib-mpi-bench check -m 1048576 2>&1)
	rc=$?
	if [ $rc != 0 ] || ! echo "$out" | grep -q "^check ok: $np ranks"; then
		echo "$out" | tail -25 | sed 's/^/    /'
		fail "$desc (mpirun exit $rc)"
	fi
	echo "$out" | grep -E '^(rank|check)' | sed 's/^/    /'
	for g in "$@"; do
		ds=$(($(be_stat "$g" sends_posted) - sends[$g]))
		dt=$(($(eth0_tx "$g") - tx[$g]))
		[ "$ds" -ge 11 ] ||
			fail "$desc: $g's xenib device posted $ds sends, fewer than the messages"
		[ "$dt" -lt 1000000 ] ||
			fail "$desc: $g's eth0 sent $dt bytes, so MPI data went over TCP, not xenib"
		ok "$desc: $g posted $ds sends through xenib, $dt bytes on eth0"
	done
}

# hpcc_check DESC HOSTS RANK0 OTHER: HPC Challenge (Debian's hpcc) with
# one rank in each of two guests, RANK0 running rank 0 (it reads
# hpccinf.txt and writes hpccoutf.txt), to results it verifies itself;
# RANK0's xenib device posted sends for it.
hpcc_check() {
	local desc=$1 hosts=$2 g s1 t0 out res sends
	for g in "$3" "$4"; do
		"$TB" run "$g" -c 'cat > /tmp/hpccinf.txt && rm -f /tmp/hpccoutf.txt' \
			<"$ROOT/tests/mpi/hpccinf.txt" || fail "copying hpccinf.txt to $g"
	done
	s1=$(be_stat "$3" sends_posted)
	t0=$(date +%s)
	out=$(mpi_run "$hosts" 2 hpcc 2>&1) ||
		{ echo "$out" | tail -25 | sed 's/^/    /'; fail "$desc"; }
	res=$(on "$3" "cat /tmp/hpccoutf.txt" | tr -d '\r')
	hpcc_has() { # WHAT PATTERN
		echo "$res" | grep -qE "$2" || fail "$desc: $1 (no '$2' in hpccoutf.txt)"
	}
	hpcc_has "finished" '^Success=1$'
	hpcc_has "2 processes" '^CommWorldProcs=2$'
	hpcc_has "HPL passed its residual check" '1 tests completed and passed residual checks'
	[ "$(echo "$res" | grep -c '^ *0 tests completed and failed residual checks')" = 2 ] ||
		fail "$desc: HPL or PTRANS failed a residual check"
	hpcc_has "PTRANS residual 0" '^PTRANS_residual=0$'
	hpcc_has "MPI RandomAccess without errors" '^MPIRandomAccess_Errors=0$'
	hpcc_has "MPI RandomAccess (LCG) without errors" '^MPIRandomAccess_LCG_Errors=0$'
	hpcc_has "STREAM validates" '^Solution Validates'
	echo "$res" | awk -F= '$1 == "MPIFFT_maxErr" { exit !($2 < 1e-10) }' ||
		fail "$desc: MPI FFT error too large ($(echo "$res" | grep MPIFFT_maxErr))"
	sends=$(($(be_stat "$3" sends_posted) - s1))
	[ "$sends" -gt 0 ] || fail "$desc: $3's xenib device posted no sends"
	ok "$desc verified its results in $(($(date +%s) - t0)) s ($sends sends posted by $3; $(echo "$res" | grep -E '^(HPL_Tflops|AvgPingPongLatency_usec)=' | tr '\n' ' '))"
}
