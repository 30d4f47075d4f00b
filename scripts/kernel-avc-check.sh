#!/usr/bin/env bash
# kernel-avc-check.sh - check rmapbench's anon_vma_chain model against the
# running kernel.
#
# Usage: scripts/kernel-avc-check.sh [-v VMAS] [-d DEPTH] [-r RUNS]
#            [-p PAGES] [-n] [-S STRATEGY] [-o DIR]
#
#   -v VMAS      anonymous VMAs the root process maps and writes (default 20)
#   -d DEPTH     processes forked in each tree (default 100)
#   -r RUNS      kernel runs per tree and V (default 9), see "Noise"
#   -p PAGES     pages per VMA, each written once (default 2)
#   -n           do not shrink the slab caches before sampling (raw,
#                noisier active_objs; see "Noise" below)
#   -S STRATEGY  rmapbench strategy to replay the traces with (default
#                anonvma-avc, or anonvma if anonvma-avc is not registered)
#   -o DIR       keep the traces and the raw samples in DIR
#
# Needs root (/proc/slabinfo is 0400), gcc and go. Exit status: 0 every
# row agrees, 1 a mismatch (or rmapbench could not be built or run), 2 bad
# usage or a missing prerequisite.
#
# What it does, for three process trees over VMAS written anonymous VMAs:
#   live       P0 forks P1, P1 forks P2, ... PD; all alive
#   siblings   P0 forks P1..PD; all alive
#   exitchain  P0 forks P1 and exits, P1 forks P2 and exits, ...; only PD
#              lives
#  1. The kernel: kernel-avc-check.c (next to this script) builds each tree
#     RUNS times and samples anon_vma / anon_vma_chain active_objs in
#     /proc/slabinfo before and while the tree is alive.
#  2. rmapbench: the same tree as an rmaptrace (docs/trace-format.md),
#     replayed with -strategy STRATEGY; anon_vma-objs and
#     anon_vma_chain-objs are the live objects after the last event, with
#     every process of the tree still alive (the traces end without exits).
#  3. The formula of mm/rmap.c (3.19 degree reuse, as split by 2555283eb40d
#     in 6.0): per VMA,
#       live       anon_vma D+1, anon_vma_chain (D+1)(D+2)/2
#       siblings   anon_vma D+1, anon_vma_chain 2D+1
#       exitchain  anon_vma min(D+1,3), anon_vma_chain min(D+1,3)
#                  (before 3.19 both were D+1: one level per generation)
#
# Making the kernel side comparable. The C program's processes have more
# anonymous VMAs than the V ones (libc and ld.so data and relro, heap,
# stack: ~11 on glibc x86-64) and they take part in every fork too; and on
# kernels that merge slab caches, the anon_vma_chain line also counts other
# 64-byte SLAB_ACCOUNT caches - on 6.18 fs_cache (one fs_struct per
# process) and eventpoll_pwq (see /sys/kernel/slab/anon_vma_chain/aliases).
# So each tree is also built with V=0, the same processes doing the same
# things without our VMAs, and the table shows Delta(V) - Delta(0): what
# the V VMAs cost, which is what the trace models.
#
# Noise. SLUB's active_objs counts every object of a per-cpu slab as in
# use, so a raw read is off by up to a few slabs' worth (64 chains or 39
# anon_vmas a slab) per cpu, and other processes allocate and free the
# same objects. By default the C program writes 1 to
# /sys/kernel/slab/<cache>/shrink before each read (harmless: it flushes
# the per-cpu slabs and frees empty slab pages), which makes active_objs
# the exact count at that instant; what is left is other processes' forks
# and exits during a run (a few hundred objects on a busy machine). So an
# undisturbed run gives the exact count, the same every time: of the RUNS
# runs the most frequent (Δanon_vma, Δanon_vma_chain) pair is taken if it
# recurs in a third of them, else the medians. The table's "noise" is a
# bound: the spreads of both runs' deltas plus the largest "after -
# before" residual (the tree is gone, so it should be 0); a mismatch
# larger than that is not noise. On 6.18 the anon_vma_chain line jumps by
# tens when other processes register epoll fds (eventpoll_pwq shares the
# cache) or fork (fs_cache): a busy machine shows it there first.

set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

V=20 D=100 RUNS=9 PAGES=2 SHRINK=auto STRATEGY="" KEEP=""
# The VMAs' address, the same in the C program (its default) and the
# traces: far from an x86-64 process's heap and mmap area.
BASE=$((0x100000000000))

usage() {
	sed -n '5,16p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
fail() { echo "$prog: $*" >&2; exit 2; }

while getopts ':v:d:r:p:nS:o:h' opt; do
	case $opt in
	v) V=$OPTARG ;;
	d) D=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	p) PAGES=$OPTARG ;;
	n) SHRINK=no ;;
	S) STRATEGY=$OPTARG ;;
	o) KEEP=$OPTARG ;;
	h) usage 0 ;;
	:) echo "$prog: -$OPTARG needs a value" >&2; usage ;;
	*) echo "$prog: unknown option -$OPTARG" >&2; usage ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) || { echo "$prog: unexpected argument: $1" >&2; usage; }

for n in V D RUNS PAGES; do
	[[ ${!n} =~ ^[0-9]{1,6}$ ]] || fail "-v, -d, -r and -p take a number (0-999999), got '${!n}'"
done
((V >= 1)) || fail "-v must be at least 1"
((D >= 1)) || fail "-d must be at least 1"
((RUNS >= 1)) || fail "-r must be at least 1"
((PAGES >= 1 && PAGES <= 512)) || fail "-p must be 1..512"
# The live chain is the big one: (D+1)(D+2)/2 chains of 64 bytes per
# anonymous VMA, ours and the ~11 of libc, ld.so, heap and stack alike, and
# forking a process with a chain of length k costs k allocations per VMA.
# Keep the check small and quick: at most ~5M chains (320 MB, seconds).
chains=$(((V + 12) * (D + 1) * (D + 2) / 2))
((chains <= 5000000)) ||
	fail "V=$V D=$D would allocate ~$chains anon_vma_chains in the live chain (limit 5000000); lower -v or -d"
((V + 100 <= $(cat /proc/sys/vm/max_map_count))) || fail "-v exceeds vm.max_map_count"
((D + 50 <= $(cat /proc/sys/kernel/pid_max))) || fail "-d exceeds kernel.pid_max"

# --- prerequisites --------------------------------------------------------

if ! head -n 1 /proc/slabinfo >/dev/null 2>&1; then
	fail "cannot read /proc/slabinfo (it is root-only): run as root, e.g. sudo $0"
fi
slabline() { awk -v c="$1" '$1 == c { print; exit }' /proc/slabinfo; }
[[ -n $(slabline anon_vma) && -n $(slabline anon_vma_chain) ]] ||
	fail "/proc/slabinfo has no anon_vma and anon_vma_chain lines (kernel < 2.6.34, or caches merged away)"
command -v gcc >/dev/null 2>&1 || fail "gcc is not installed"
GO=$(command -v go 2>/dev/null || true)
[[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
[[ -n $GO ]] || fail "go is not installed (or not in PATH; sudo may reset PATH)"
command -v setsid >/dev/null 2>&1 || fail "setsid (util-linux) is not installed"
if [[ $SHRINK == auto ]]; then
	if [[ -w /sys/kernel/slab/anon_vma/shrink && -w /sys/kernel/slab/anon_vma_chain/shrink ]]; then
		SHRINK=yes
	else
		SHRINK=no
		echo "$prog: /sys/kernel/slab/*/shrink not writable: raw active_objs (noisier)" >&2
	fi
fi

# --- temp dir and process cleanup ----------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kernel-avc-check.XXXXXX")
job=""   # pid (= process group) of the running C program, if any
cleanup() {
	local rc=$?
	# The C program runs in its own process group (setsid): killing the
	# group takes every tree process with it. They would die anyway (the
	# hold pipe, PDEATHSIG), this makes it immediate.
	if [[ -n $job ]]; then
		kill -KILL -- "-$job" 2>/dev/null || true
		wait "$job" 2>/dev/null || true
	fi
	if [[ -n $KEEP && -d $tmp ]]; then
		mkdir -p "$KEEP" && cp "$tmp"/*.trace "$tmp"/*.runs "$tmp"/*.bench "$KEEP"/ 2>/dev/null || true
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build ----------------------------------------------------------------

gcc -O2 -Wall -o "$tmp/kac" "$here/kernel-avc-check.c"

RB=""
if (cd "$root" && "$GO" build -o "$tmp/rmapbench" ./cmd/rmapbench) 2>"$tmp/build.err"; then
	RB=$tmp/rmapbench
	if [[ -z $STRATEGY ]]; then
		if "$RB" list 2>/dev/null | awk '$1 == "anonvma-avc" { f = 1 } END { exit !f }'; then
			STRATEGY=anonvma-avc
		else
			STRATEGY=anonvma
			echo "$prog: anonvma-avc is not registered yet: replaying with anonvma to check the plumbing only (it has no anon_vma_chain objects)" >&2
		fi
	fi
else
	echo "$prog: go build ./cmd/rmapbench failed, kernel side only:" >&2
	sed 's/^/  /' "$tmp/build.err" >&2
fi

# --- the kernel side ------------------------------------------------------

# run_kernel TREE V: RUNS runs into $tmp/TREE-vV.runs, and their summary
# "dav davc spread_dav spread_davc resid_av resid_avc how" into
# $tmp/TREE-vV.sum. dav, davc: with the slab shrink, a run that nothing
# else disturbed gives the exact count, so the same (dav, davc) pair
# recurs while disturbed runs scatter: the most frequent pair is taken
# when it occurs in at least a third of the runs (and twice), more often
# than any other ("mode");
# otherwise (raw reads, or a busy machine) the medians ("median"). It runs in the main shell (not in $(...)) so that
# $job is visible to the cleanup trap while the C program runs.
run_kernel() {
	local tree=$1 v=$2 out="$tmp/$1-v$2.runs" rc=0
	local args=(-t "$tree" -v "$v" -d "$D" -r "$RUNS" -p "$PAGES" -a "$BASE")
	[[ $SHRINK == yes ]] && args+=(-s)
	setsid "$tmp/kac" "${args[@]}" </dev/null >"$out" &
	job=$!
	wait "$job" || rc=$?
	job=""
	((rc == 0)) || { echo "$prog: kernel-avc-check -t $tree -v $v failed ($rc)" >&2; exit 1; }
	# RUN i av_before av_during av_after avc_before avc_during avc_after
	awk '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	function abs(x) { return x < 0 ? -x : x }
	$1 == "RUN" {
		n++; av[n] = $4 - $3; avc[n] = $7 - $6
		if (n == 1 || av[n] < avlo) avlo = av[n]; if (n == 1 || av[n] > avhi) avhi = av[n]
		if (n == 1 || avc[n] < clo) clo = avc[n]; if (n == 1 || avc[n] > chi) chi = avc[n]
		if (abs($5 - $3) > ra) ra = abs($5 - $3); if (abs($8 - $6) > rc) rc = abs($8 - $6)
	}
	END {
		if (!n) exit 1
		for (i = 1; i <= n; i++) cnt[av[i] " " avc[i]]++
		best = ""; bc = 0; tie = 0
		for (k in cnt) if (cnt[k] > bc) { best = k; bc = cnt[k]; tie = 0 } else if (cnt[k] == bc) tie = 1
		sp = sprintf("%d %d %d %d", avhi - avlo, chi - clo, ra, rc)
		# a pair that recurs in a third of the runs (at least 2) is the
		# undisturbed count; two disturbed runs can agree by chance
		if (bc >= 2 && bc * 3 >= n && !tie) print best, sp, "mode"
		else print med(av, n), med(avc, n), sp, "median"
	}
	' "$out" >"$tmp/$tree-v$v.sum"
}

# --- traces and rmapbench -------------------------------------------------

# gen_trace TREE: the tree as an rmaptrace, PIDs 1 (P0) .. D+1 (PD). The
# VMAs are at the C program's addresses: PAGES pages, one unmapped page
# between neighbours. Nothing exits at the end: the objects counted are
# those of the living tree, as in the kernel's "during" sample.
gen_trace() {
	local tree=$1 i k a len=$((PAGES * 4096)) stride=$(((PAGES + 1) * 4096))
	printf 'rmaptrace 1\n# %s tree, V=%d VMAs of %d pages, D=%d (scripts/kernel-avc-check.sh)\n' \
		"$tree" "$V" "$PAGES" "$D"
	for ((i = 0; i < V; i++)); do
		printf '1 mmap 0x%x 0x%x rw- private anon\n' $((BASE + i * stride)) "$len"
	done
	for ((i = 0; i < V; i++)); do
		printf '1 touch 0x%x 0x%x w\n' $((BASE + i * stride)) "$len"
	done
	case $tree in
	live) for ((k = 1; k <= D; k++)); do echo "$k fork $((k + 1))"; done ;;
	siblings) for ((k = 2; k <= D + 1; k++)); do echo "1 fork $k"; done ;;
	exitchain) for ((k = 1; k <= D; k++)); do printf '%d fork %d\n%d exit\n' "$k" $((k + 1)) "$k"; done ;;
	esac
	echo "# measured here, with the tree alive"
}

# run_rmapbench TREE: prints "anon_vma-objs anon_vma_chain-objs", or "- -".
run_rmapbench() {
	local tree=$1
	gen_trace "$tree" >"$tmp/$tree.trace"
	if [[ -z $RB ]]; then echo "- -"; return; fi
	if ! "$RB" -trace "$tmp/$tree.trace" -strategy "$STRATEGY" >"$tmp/$tree.bench" 2>"$tmp/$tree.err"; then
		echo "$prog: rmapbench -trace $tree.trace -strategy $STRATEGY failed:" >&2
		sed 's/^/  /' "$tmp/$tree.err" >&2
		echo "- -"
		return
	fi
	# benchfmt writes values with Go's %v: the shortest exact form, which
	# is an exponent form from 1e21 up or when shorter (1015050 is
	# 1.01505e+06). awk reads either; print them back as integers.
	awk '/^Benchmark/ { for (i = 2; i <= NF; i++) { if ($i == "anon_vma-objs") a = $(i-1); if ($i == "anon_vma_chain-objs") c = $(i-1) } }
	     END { if (a == "" || c == "") print "- -"; else printf "%.0f %.0f\n", a, c }' "$tmp/$tree.bench"
}

# expected TREE: "anon_vma anon_vma_chain" for V VMAs, 3.19+ rules.
expected() {
	local n
	case $1 in
	live) echo $((V * (D + 1))) $((V * (D + 1) * (D + 2) / 2)) ;;
	siblings) echo $((V * (D + 1))) $((V * (2 * D + 1))) ;;
	exitchain) n=$((D + 1 < 3 ? D + 1 : 3)); echo $((V * n)) $((V * n)) ;;
	esac
}

# --- machine --------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "kernel-avc-check: $(uname -srm), $(nproc) cpus (${cpu:-unknown cpu}), $(date -u +%Y-%m-%dT%H:%MZ)"
# slabinfo's objsize is the slot; sysfs object_size is the struct itself
# (anon_vma's slot adds SLUB's free pointer: an RCU-typesafe cache with a
# constructor cannot keep it inside the object).
for c in anon_vma anon_vma_chain; do
	osz=$(cat "/sys/kernel/slab/$c/object_size" 2>/dev/null || echo "?")
	slabline "$c" | awk -v o="$osz" '{ printf "  slab %-15s struct %3s B, slot (slabinfo objsize) %3d B, %2d per %d-page slab\n", $1, o, $4, $5, $6 }'
done
aliases=""
if [[ -L /sys/kernel/slab/anon_vma_chain ]]; then
	target=$(readlink -f /sys/kernel/slab/anon_vma_chain)
	for l in /sys/kernel/slab/*; do
		[[ -L $l && ${l##*/} != anon_vma_chain && $(readlink -f "$l") == "$target" ]] && aliases+=" ${l##*/}"
	done
fi
[[ -n $aliases ]] && echo "  the anon_vma_chain line also counts the merged caches:$aliases (removed by the V=0 baseline)"
echo "  V=$V VMAs x $PAGES pages at 0x$(printf %x "$BASE"), D=$D, $RUNS runs per tree (most frequent Δ, else median), slab shrink before each read: $SHRINK"
if [[ -n $RB ]]; then echo "  rmapbench: -strategy $STRATEGY"; else echo "  rmapbench: not built"; fi
echo

# --- measure --------------------------------------------------------------

run_kernel idle 0
read -r idle_av idle_avc idle_sav idle_savc _ _ _ <"$tmp/idle-v0.sum"

trees=(live siblings exitchain)
declare -A K0 KV RBR
for t in "${trees[@]}"; do
	run_kernel "$t" "$V"
	run_kernel "$t" 0
	KV[$t]=$(<"$tmp/$t-v$V.sum")
	K0[$t]=$(<"$tmp/$t-v0.sum")
	RBR[$t]=$(run_rmapbench "$t")
done

# --- report ---------------------------------------------------------------

status=0
hdr='%-10s %4s %4s | %10s %12s | %10s %12s | %10s %12s | %8s | %s\n'
printf "$hdr" tree V D "kernel" "kernel" "rmapbench" "rmapbench" "expected" "expected" "noise" "verdict"
# (printf pads bytes, and Δ and ± are two: one more column for those)
printf '%-10s %4s %4s | %11s %13s | %10s %12s | %10s %12s | %9s |\n' "" "" "" "Δanon_vma" "Δanon_vma_ch" "anon_vma" "anon_vma_ch" "anon_vma" "anon_vma_ch" "(±)"
declare -A NET
for t in "${trees[@]}"; do
	read -r vav vavc vsav vsavc vrav vravc _ <<<"${KV[$t]}"
	read -r zav zavc zsav zsavc zrav zravc _ <<<"${K0[$t]}"
	read -r rav ravc <<<"${RBR[$t]}"
	read -r eav eavc <<<"$(expected "$t")"
	kav=$(awk -v a="$vav" -v b="$zav" 'BEGIN { print a - b }')
	kavc=$(awk -v a="$vavc" -v b="$zavc" 'BEGIN { print a - b }')
	NET[$t]="$kav $kavc"
	# noise bound of a difference of two medians: both spreads plus the
	# worst residual of either
	nav=$((vsav + zsav + (vrav > zrav ? vrav : zrav)))
	navc=$((vsavc + zsavc + (vravc > zravc ? vravc : zravc)))
	noise=$((nav > navc ? nav : navc))
	kv=$(awk -v ka="$kav" -v kc="$kavc" -v ea="$eav" -v ec="$eavc" -v na="$nav" -v nc="$navc" 'BEGIN {
		da = ka - ea; if (da < 0) da = -da; dc = kc - ec; if (dc < 0) dc = -dc
		if (da == 0 && dc == 0) print "exact"; else if (da <= na && dc <= nc) print "within-noise"; else print "MISMATCH"
	}')
	[[ $kv == MISMATCH ]] && status=1
	if [[ $rav == - ]]; then
		rv="rmapbench n/a"
		status=1
	elif [[ $STRATEGY != anonvma-avc ]]; then
		rv="rmapbench plumbing only ($STRATEGY)"
	elif [[ $rav == "$eav" && $ravc == "$eavc" ]]; then
		rv="rmapbench=formula"
	else
		rv="rmapbench MISMATCH"
		status=1
	fi
	printf "$hdr" "$t" "$V" "$D" "$kav" "$kavc" "$rav" "$ravc" "$eav" "$eavc" "$noise" "kernel $kv; $rv"
done

echo
echo "kernel detail ($RUNS runs each; Δ = during - before; m = most frequent value, ~ = median):"
dhdr='%-10s | %10s %12s | %10s %12s | %9s %9s | %9s %9s\n'
printf '%-10s | %11s %13s | %11s %13s | %9s %9s | %9s %9s\n' tree "Δav V=$V" "Δavc V=$V" "Δav V=0" "Δavc V=0" "av/VMA" "avc/VMA" "expect" "expect"
for t in "${trees[@]}"; do
	read -r vav vavc _ _ _ _ vhow <<<"${KV[$t]}"
	read -r zav zavc _ _ _ _ zhow <<<"${K0[$t]}"
	read -r kav kavc <<<"${NET[$t]}"
	[[ $vhow == mode ]] && vav+=m vavc+=m || vav+="~" vavc+="~"
	[[ $zhow == mode ]] && zav+=m zavc+=m || zav+="~" zavc+="~"
	read -r eav eavc <<<"$(expected "$t")"
	printf "$dhdr" "$t" "$vav" "$vavc" "$zav" "$zavc" \
		"$(awk -v x="$kav" -v v="$V" 'BEGIN { printf "%.2f", x / v }')" \
		"$(awk -v x="$kavc" -v v="$V" 'BEGIN { printf "%.2f", x / v }')" \
		$((eav / V)) $((eavc / V))
done
echo
echo "noise: idle (P0 alive with V=0, no tree): Δanon_vma $idle_av (spread $idle_sav), Δanon_vma_chain $idle_avc (spread $idle_savc)"
echo "       per run (residual = after the tree is reaped - before; 0 when quiet):"
for t in idle "${trees[@]}"; do
	for f in "$tmp/$t"-v*.runs; do
		awk -v name="${f##*/}" '$1 == "RUN" { s = s sprintf(" %d/%d", $4 - $3, $7 - $6); r = r sprintf(" %d/%d", $5 - $3, $8 - $6) }
			END { printf "       %-18s Δav/Δavc per run:%s; residual:%s\n", name, s, r }' "$f"
	done
done
exit "$status"
