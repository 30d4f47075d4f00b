#!/usr/bin/env bash
# kernel-baseline.sh [PAGES [ROUNDS]]: compile and run kernel-baseline.c,
# which times fork + _exit + waitpid of a process with PAGES written
# private anonymous pages (default 65536 = 256 MiB) ROUNDS times (default
# 20), and print the median nanoseconds per PTE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v gcc >/dev/null || { echo "kernel-baseline.sh: gcc is needed (apt-get install gcc)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/kernel-baseline" "$here/kernel-baseline.c"
"$tmp/kernel-baseline" "${1:-65536}" "${2:-20}"
