#!/usr/bin/env bash
# bench-vs-kernel.sh [STRATEGY]: the simulator's fork+exit cost per PTE
# against the real kernel's, measured side by side in one run.
#
# Kernel: kernel-baseline.sh (fork + _exit + waitpid of a process with
# 65,536 written private anonymous pages, median of 20, ns per PTE).
# Simulator: the same as a trace (one process, 65,536 touched pages, 20 x
# fork and exit) replayed under STRATEGY (default anonvma) with -count 5;
# its sec/fork + sec/exit (medians over the runs) per PTE. Prints both and
# their ratio (the target is <= 0.25).
set -euo pipefail
cd "$(dirname "$0")/.."
strategy=${1:-anonvma}
pages=65536
rounds=20
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -buildvcs=auto -o "$tmp/rmapbench" ./cmd/rmapbench
{
	echo "rmaptrace 1"
	echo "# one process with $pages written pages, forked and exited $rounds times"
	printf '1 mmap 0x10000000 %#x rw- private anon\n' $((pages * 4096))
	printf '1 touch 0x10000000 %#x w\n' $((pages * 4096))
	for i in $(seq 2 $((rounds + 1))); do
		echo "1 fork $i"
		echo "$i exit"
	done
} > "$tmp/forkexit.trace"

kernel=$(scripts/kernel-baseline.sh "$pages" "$rounds")
"$tmp/rmapbench" -trace "$tmp/forkexit.trace" -strategy "$strategy" -count 5 > "$tmp/sim.txt"
sim=$(awk -v pages=$pages '
	/^Benchmark/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "sec/fork") f = $(i-1)
			if ($i == "sec/exit") e = $(i-1)
		}
		v[n++] = (f + e) * 1e9 / pages
	}
	END {
		# median of the runs
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		printf "%.1f", (n % 2) ? v[int(n/2)] : (v[n/2-1] + v[n/2]) / 2
	}' "$tmp/sim.txt")
ratio=$(awk -v s="$sim" -v k="$kernel" 'BEGIN { printf "%.3f", s / k }')
echo "kernel $(uname -r): fork+exit+wait ${kernel} ns/PTE (median of $rounds, $pages PTEs)"
echo "rmapbench $strategy: sec/fork+sec/exit ${sim} ns/PTE (median of 5 runs)"
echo "ratio: ${ratio} (target <= 0.25)"
