#!/usr/bin/env bash
# Delay server capacity: holds N concurrent /delay requests (client in another process) and
# reports held count, overshoot of the requested delay (p50/p99/max, from the server's own
# trace) and the server's resident memory while holding them.
#   bench/server_capacity.sh [build-dir] [levels…]    default levels: 100 1000 10000
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-release}
shift || true
levels=${*:-100 1000 10000}
if [ ! -x "$build/localserver/delayserver" ] || [ ! -x "$build/bench/server_capacity" ]; then
  cmake --preset release -S "$root" >/dev/null
  cmake --build "$build" --target delayserver server_capacity -j2 >/dev/null
fi
ulimit -n "$(ulimit -Hn)"
log=$(mktemp)
"$build/localserver/delayserver" --quiet --port 0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$log")
echo "delay server pid $server on port $port; open-file limit $(ulimit -n); 2 s delay per request"
printf '%11s %8s %7s %10s %10s %10s %12s %10s\n' concurrent held failed "p50 ms" "p99 ms" "max ms" "server KB" "KB/conn"
for n in $levels; do
  "$build/bench/server_capacity" --port "$port" --concurrency "$n" --delay-ms 2000 --server-pid "$server"
done
grep -v listening "$log" || true
