#!/usr/bin/env bash
# Delay server capacity: holds N concurrent /delay requests (client in another process) and
# reports held count, overshoot of the requested delay (p50/p99/max, from the server's own
# trace: arrival → response start), the server's resident memory while holding them, the
# overshoot the client saw (p50/p99/max of connect → last byte minus the delay; "client"
# columns), and how many connection attempts
# the kernel dropped because the listen queue overflowed meanwhile (TcpExt ListenOverflows,
# machine-wide: run it on a quiet machine). A fresh server per level, so KB/conn is measured
# against a clean baseline.
#   bench/server_capacity.sh [build-dir] [levels…]    default levels: 100 1000 10000
#   DELAYSERVER=/path/to/delayserver bench/server_capacity.sh …   another server binary
#                                                     (e.g. an older build, for before/after)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-release}
shift || true
levels=${*:-100 1000 10000}
if [ ! -x "$build/localserver/delayserver" ] || [ ! -x "$build/bench/server_capacity" ]; then
  cmake --preset release -S "$root" >/dev/null
  cmake --build "$build" --target delayserver server_capacity -j2 >/dev/null
fi
delayserver=${DELAYSERVER:-$build/localserver/delayserver}
ulimit -n "$(ulimit -Hn)"
listen_overflows() { awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ListenOverflows") c = i; h = 1 } else { print $c; exit } }' /proc/net/netstat; }
log=$(mktemp)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -f "$log"' EXIT
echo "$delayserver; open-file limit $(ulimit -n); 2 s delay per request; a fresh server per level"
printf '%11s %8s %7s %10s %10s %10s %12s %10s %10s %10s %10s %12s\n' concurrent held failed "p50 ms" "p99 ms" "max ms" \
  "server KB" "KB/conn" "client p50" "client p99" "client max" "listen drops"
for n in $levels; do
  : >"$log"
  "$delayserver" --quiet --port 0 >"$log" 2>&1 &
  server=$!
  for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$log")
  before=$(listen_overflows)
  line=$("$build/bench/server_capacity" --port "$port" --concurrency "$n" --delay-ms 2000 --server-pid "$server" || true)
  printf '%s %12s\n' "$line" "$(( $(listen_overflows) - before ))"
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  server=
  grep -v listening "$log" || true
done
