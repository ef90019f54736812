#!/usr/bin/env bash
# Delay server soak: a fresh server under a mixed load for SECONDS (default 600), its resident
# memory sampled every 10 s; passes when every sample after the first minute is within ±10 %
# of the one at 60 s and every request got the answer it should (bench/server_soak.cpp says
# what the load is).
#   bench/server_soak.sh [build-dir] [seconds] [server_soak options…]
#   DELAYSERVER=/path/to/delayserver bench/server_soak.sh …   another server binary
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-release}
seconds=${2:-600}
shift 2 || shift $#
source "$root/bench/server_lib.sh"
bench_build delayserver server_soak
delayserver=${DELAYSERVER:-$build/localserver/delayserver}
start_server "$delayserver" --quiet --port 0
echo "$delayserver, $seconds s mixed load; $(load_average)"
status=0
"$build/bench/server_soak" --port "$port" --server-pid "$server" --seconds "$seconds" "$@" || status=$?
echo "done; $(load_average)"
stop_server
exit $status
