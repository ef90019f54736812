#!/usr/bin/env bash
# What a full GET /trace with many records costs the requests in flight: a fresh server with
# a trace budget large enough to keep them all (TRACE_LIMIT_MB, default 512), filled with
# RECORDS records, then bench/trace_stall.cpp's rounds.
#   bench/trace_stall.sh [build-dir] [records] [trace_stall options…]    default 200000
#   DELAYSERVER=/path/to/delayserver bench/trace_stall.sh …   another server binary
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-release}
records=${2:-200000}
shift 2 || shift $#
source "$root/bench/server_lib.sh"
bench_build delayserver trace_stall
delayserver=${DELAYSERVER:-$build/localserver/delayserver}
start_server "$delayserver" --quiet --port 0 --trace-limit-mb "${TRACE_LIMIT_MB:-512}"
echo "$delayserver, $records records; $(load_average)"
status=0
"$build/bench/trace_stall" --port "$port" --server-pid "$server" --records "$records" "$@" || status=$?
echo "done; $(load_average)"
stop_server
exit $status
