#!/usr/bin/env bash
# bench-memory.sh: the simulator's memory at scale. One process writes
# 4 GiB (1,048,576 frames) and forks 15 children (16M PTEs in all); the
# trace is replayed under each strategy but pagescan, and the peak RSS of
# the command (GNU time's "Maximum resident set size") is compared with the
# targets: at most 1 GiB under anonvma, 2 GiB under the others.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "bench-memory.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -buildvcs=auto -o "$tmp/rmapbench" ./cmd/rmapbench
{
	echo "rmaptrace 1"
	echo "1 mmap 0x100000000 0x100000000 rw- private anon"
	echo "1 touch 0x100000000 0x100000000 w"
	for i in $(seq 2 16); do echo "1 fork $i"; done
} > "$tmp/big.trace"
status=0
for s in ptechain filelinear anonmm anonvma anonvma-avc; do
	/usr/bin/time -f "%M" -o "$tmp/rss" "$tmp/rmapbench" -trace "$tmp/big.trace" -strategy "$s" > "$tmp/out.txt"
	kb=$(cat "$tmp/rss")
	limit=$((2 << 20))
	[ "$s" = anonvma ] && limit=$((1 << 20))
	heap=$(awk '/^Benchmark/ { for (i = 1; i <= NF; i++) if ($i == "heap-B/frame") print $(i-1) }' "$tmp/out.txt")
	verdict=ok
	if [ "$kb" -gt "$limit" ]; then verdict=OVER; status=1; fi
	printf '%-12s peak RSS %5d MiB (target %d MiB)  heap %s B/frame  %s\n' "$s" $((kb / 1024)) $((limit / 1024)) "$heap" "$verdict"
done
exit $status
