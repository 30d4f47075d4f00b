#!/usr/bin/env bash
# capture-perf.sh CMD [ARG...]
#
# Runs CMD under `perf record` and writes the text that
# `rmapbench import-perf` turns into a trace: the memory system calls, the
# process events and every user page fault of CMD and all its descendants
# (perf record follows children by default), in one time base.
#
# Tracepoints recorded, and nothing else:
#   syscalls:sys_enter_X, syscalls:sys_exit_X  for X in mmap munmap mremap
#       mprotect brk madvise clone clone3 vfork fork execve exit_group
#       openat close
#   sched:sched_process_fork, sched:sched_process_exec,
#   sched:sched_process_exit
#   exceptions:page_fault_user
#
# perf record -d also records the kernel's own mapping records (MMAP2) for
# data as well as code; `perf script --show-mmap-events` prints them among
# the tracepoint lines. They carry the path and inode of every file mapped
# and the mappings exec makes (the program, ld.so, the stack), which no
# system call shows. The rest of the output is perf script's default text.
#
# Needs root, or kernel.perf_event_paranoid <= -1 for tracepoints of
# other users' tasks (<= 1 is enough for your own with CAP_PERFMON), and
# tracefs mounted (/sys/kernel/tracing). Hardware counters are not used,
# so it works in virtual machines that have none.
#
#   PERF_OUT  the gzipped text to write (".gz" is appended if missing);
#             default perf-CMD-YYYYmmdd-HHMMSS.txt.gz in the current
#             directory
#
# The exit status is the command's, or 127 when perf is missing, 2 for bad
# usage, 1 when perf recorded nothing.
#
# Example:
#   PERF_OUT=make.txt.gz scripts/capture-perf.sh make -j2
#   rmapbench import-perf -o make.trace make.txt.gz
set -euo pipefail

me=$(basename "$0")

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
	echo "usage: [PERF_OUT=OUT.txt.gz] $me CMD [ARG...]" >&2
	exit 2
fi

if ! command -v perf >/dev/null 2>&1; then
	echo "$me: perf is not installed; install it with: apt-get install linux-perf (Debian) or linux-tools-\$(uname -r) (Ubuntu)" >&2
	exit 127
fi

out=${PERF_OUT:-perf-$(basename "$1")-$(date +%Y%m%d-%H%M%S).txt.gz}
[[ $out == *.gz ]] || out=$out.gz

events=()
for x in mmap munmap mremap mprotect brk madvise clone clone3 vfork fork execve exit_group openat close; do
	events+=(-e "syscalls:sys_enter_$x" -e "syscalls:sys_exit_$x")
done
events+=(-e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit)
events+=(-e exceptions:page_fault_user)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/capture-perf.XXXXXX")
trap 'rm -rf "$tmp" "$out.tmp"' EXIT

status=0
# -d: mapping records for data too; -m: a larger buffer loses fewer
# events on bursts of faults. perf's own messages go to the log.
perf record -q -d -m 1024 "${events[@]}" -o "$tmp/perf.data" -- "$@" 2>"$tmp/record.log" || status=$?

if [[ ! -s $tmp/perf.data ]]; then
	echo "$me: perf recorded nothing (root, or kernel.perf_event_paranoid, and tracefs are needed):" >&2
	cat "$tmp/record.log" >&2
	exit $((status == 0 ? 1 : status))
fi
lost=$(perf report -i "$tmp/perf.data" --stats 2>/dev/null | grep -E '^ *LOST' || true)
if [[ -n $lost ]]; then
	echo "$me: perf lost events (a burst filled its buffers); the import counts what it cannot place:" >&2
	echo "$lost" >&2
fi

if ! perf script -i "$tmp/perf.data" --show-mmap-events 2>"$tmp/script.log" | gzip >"$out.tmp"; then
	echo "$me: perf script failed:" >&2
	cat "$tmp/script.log" >&2
	exit 1
fi
mv "$out.tmp" "$out"
lines=$(gzip -dc "$out" | wc -l)
echo "$me: $out: $lines lines (command exit status $status)" >&2
echo "$me: import it with: rmapbench import-perf -o TRACE $out" >&2
exit "$status"
