#!/usr/bin/env bash
# capture-strace.sh CMD [ARG...]
#
# Runs CMD under strace and records the log that `rmapbench import-strace`
# turns into a trace: every task (-f), absolute timestamps (-ttt), the file
# behind each descriptor (-y), and only the process and memory system
# calls. The log is written with -o, so the command's own output stays on
# the terminal and out of the log, then gzipped.
#
#   STRACE_OUT  the gzipped log to write (".gz" is appended if missing);
#               default strace-CMD-YYYYmmdd-HHMMSS.txt.gz in the current
#               directory
#
# The exit status is the command's (strace passes it on), or 127 when
# strace is missing, 2 for bad usage.
#
# Example:
#   STRACE_OUT=make.txt.gz scripts/capture-strace.sh make -j2
#   rmapbench import-strace -o make.trace make.txt.gz
set -euo pipefail

me=$(basename "$0")

if [[ $# -eq 0 || $1 == -h || $1 == --help ]]; then
	echo "usage: [STRACE_OUT=LOG.txt.gz] $me CMD [ARG...]" >&2
	exit 2
fi

if ! command -v strace >/dev/null 2>&1; then
	echo "$me: strace is not installed; install it with: apt-get install strace" >&2
	exit 127
fi

out=${STRACE_OUT:-strace-$(basename "$1")-$(date +%Y%m%d-%H%M%S).txt.gz}
[[ $out == *.gz ]] || out=$out.gz
plain=${out%.gz}

status=0
strace -f -ttt -y -e trace=process,memory -o "$plain" -- "$@" || status=$?

if [[ ! -s $plain ]]; then
	echo "$me: strace wrote no log to $plain (is ptrace allowed here?)" >&2
	rm -f "$plain"
	exit $((status == 0 ? 1 : status))
fi
lines=$(wc -l <"$plain")
gzip -f "$plain"
echo "$me: $out: $lines lines (command exit status $status)" >&2
echo "$me: import it with: rmapbench import-strace -o TRACE $out" >&2
exit "$status"
