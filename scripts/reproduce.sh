#!/usr/bin/env bash
# reproduce.sh: regenerate results/ end to end, on this machine, from this
# commit: build, run the suite and the sweeps the plots need, draw the
# plots, run benchstat, and write results/README.md (the report that checks
# the claims of the OLS 2004 paper and the kernel history against this run).
#
#   scripts/reproduce.sh            # COUNT=6 runs of each benchmark
#   COUNT=10 scripts/reproduce.sh
#
# Nothing in results/ is edited by hand: rerun this script instead. The new
# results replace the old ones only when everything succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-6}
sweepcount=${SWEEPCOUNT:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
new="$tmp/results"
mkdir -p "$new"

echo "== build" >&2
go build -buildvcs=auto -o "$tmp/rmapbench" ./cmd/rmapbench
rb="$tmp/rmapbench"
objrmap=ptechain,filelinear,anonmm,anonvma,anonvma-avc

echo "== suite: every strategy, every workload, default scale, -count $count" >&2
"$rb" -strategy all -workload all -count "$count" -o "$new/suite.txt"

# Each sweep is one command: -param with several values runs every one.
echo "== sweep: fork+exit time vs resident memory" >&2
"$rb" -strategy all -workload forkexit -param rss=4MiB,8MiB,16MiB,32MiB,64MiB -count "$sweepcount" \
	-o "$new/forkexit-rss.txt"

echo "== sweep: rmap space vs processes, x86_64 and i386" >&2
for arch in x86_64 i386; do
	"$rb" -strategy "$objrmap" -workload sga -arch "$arch" -param procs=25,50,100,200,400 -count "$sweepcount"
done > "$new/sga-procs.txt"

echo "== sweep: walk cost vs VMAs mapping one file, every index" >&2
"$rb" -strategy anonvma -workload manymapped -fileindex all -param procs=16,64,256,1024 -count "$sweepcount" \
	-o "$new/manymapped-procs.txt"

echo "== sweep: anon_vma_chain objects vs fork-chain depth, with and without reuse" >&2
for reuse in true false; do
	"$rb" -strategy anonvma-avc -workload forkchain -avc-reuse="$reuse" -param depth=25,50,100,200,400 -count "$sweepcount"
done > "$new/forkchain-depth.txt"

echo "== sweep: a KSM page's walk vs the processes sharing it, with and without max_page_sharing" >&2
for limit in 256 0; do
	"$rb" -strategy anonvma,anonvma-avc -workload ksm -ksm-max-page-sharing "$limit" -param sharing=64,128,256,512,1024 -count "$sweepcount"
done > "$new/ksm-sharing.txt"

echo "== sweep: batched rmap of PTE-mapped large folios vs the folio size (Hildenbrand's 1 GiB: -scale large)" >&2
"$rb" -strategy anonvma-avc,anonvma-folio -workload folio-fork,folio-munmap -scale large \
	-param folio=4KiB,16KiB,64KiB,128KiB,2MiB -count "$sweepcount" -o "$new/folio-size.txt"

echo "== aging: the reclaim workload under the other aging policies (the suite ran lru)" >&2
for aging in random mglru; do
	"$rb" -strategy all -workload reclaim -aging "$aging" -count "$sweepcount"
done > "$new/aging.txt"

echo "== cost model: fork/exec/exit under the cache model of 2003 and of today (docs/cost-model.md)" >&2
# modelled-sec is a model and identical on every run: one run of each is
# enough; the claim compares it with Go time side by side.
for hw in p3-2003 modern; do
	"$rb" -strategy ptechain,anonvma -workload forkexit -hw "$hw" -param rss=16MiB,64MiB
done > "$new/forkexit-hw.txt"

echo "== sweep: exit vs the processes sharing libc, under the cache model" >&2
# At 64 commands, so that the claim's default run (256) stays apart.
for hw in p3-2003 modern; do
	"$rb" -strategy ptechain,anonvma -workload forkexit -hw "$hw" -param procs=64,running=1,2,4,8,16,32,64
done > "$new/forkexit-running.txt"

# The benchfmt files of this run (benchstat.txt, written below, is not one).
results=("$new/suite.txt" "$new/forkexit-rss.txt" "$new/sga-procs.txt" "$new/manymapped-procs.txt" "$new/forkchain-depth.txt" "$new/aging.txt" "$new/ksm-sharing.txt" "$new/folio-size.txt")
# The cost model's runs go to the report, not to the charts of Go time.
modelled=("$new/forkexit-hw.txt" "$new/forkexit-running.txt")

echo "== plots" >&2
"$rb" plot -o "$new/plots" "${results[@]}"

echo "== benchstat" >&2
# ptechain first: the base every strategy is compared with; its rmap space
# is never 0, so every ratio can be computed (pagescan's always is 0).
go tool benchstat -col '/strategy@(ptechain pagescan filelinear anonmm anonvma anonvma-avc anonvma-folio)' "$new/suite.txt" > "$new/benchstat.txt"

echo "== report" >&2
"$rb" report -o "$new/README.md" -command "scripts/reproduce.sh (COUNT=$count, SWEEPCOUNT=$sweepcount)" "${results[@]}" "${modelled[@]}"

rm -rf results
cp -r "$new" results
echo "results/ regenerated: $(ls results | tr '\n' ' ')" >&2
