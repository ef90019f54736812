#!/usr/bin/env bash
# Delay server capacity: holds N concurrent /delay requests (client in another process) and
# reports, per level and with a fresh server each time (so KB/conn has a clean baseline):
#   client p50/p99/max — what the client saw: connect → last byte, minus the delay (ms);
#   held, trace p50/p99/max — from the server's own trace: requests held at once, and
#       arrival → response start minus the delay (ms);
#   RSS KB, KB/conn — the server's resident memory halfway through the delay, and its growth
#       per held connection;
#   CPU us/req — the server's CPU time (user + system) over the level per request: the cost
#       the machine's load cannot inflate;
#   overflows/drops — the kernel's TcpExt ListenOverflows and ListenDrops counters over the
#       level (connection attempts dropped because an accept queue was full: machine-wide,
#       so run it on a quiet machine).
# Then GET /get answers per second (50 keep-alive connections, 5 s) and the server's CPU time
# per answer (1,000,000 / it = what one idle core would serve). The same rows for the
# aiohttp delay server in bench/python/ when /usr/bin/python3 has aiohttp (Debian:
# python3-aiohttp), measured by the same client in the same run; otherwise said and skipped.
#   bench/server_capacity.sh [build-dir] [levels…]    default levels: 100 1000 5000 10000
#   DELAYSERVER=/path/to/delayserver bench/server_capacity.sh …   another server binary
#                                                     (e.g. an older build, for before/after)
#   PEER=none …   skip the aiohttp rows;  GET_SECONDS=0 …   skip the /get rates
#   PYTHON=/path/to/python3 …   the interpreter that runs the aiohttp server
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-release}
shift || true
levels=${*:-100 1000 5000 10000}
source "$root/bench/server_lib.sh"
bench_build delayserver server_capacity
delayserver=${DELAYSERVER:-$build/localserver/delayserver}
python=${PYTHON:-/usr/bin/python3}
peer_script=$root/bench/python/aiohttp_delay_server.py
get_seconds=${GET_SECONDS:-5}
ulimit -n "$(ulimit -Hn)"
# TcpExt: a header line of names, then a line of values.
tcpext() { awk -v name="$1" '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == name) c = i; h = 1 } else { print $c; exit } }' /proc/net/netstat; }
servers=bundled
if [ "${PEER:-aiohttp}" = none ]; then
  echo "aiohttp rows skipped (PEER=none)"
elif [ -x "$python" ] && "$python" -c 'import aiohttp' 2>/dev/null; then
  servers="bundled aiohttp"
else
  echo "aiohttp rows skipped: $python cannot import aiohttp (Debian: apt install python3-aiohttp)"
fi

# start_peer KIND: a fresh server of that kind on a free port.
start_peer() {
  if [ "$1" = bundled ]; then
    start_server "$delayserver" --quiet --port 0
  else
    start_server "$python" "$peer_script" --port 0
  fi
}

echo "$delayserver; open-file limit $(ulimit -n); somaxconn $(cat /proc/sys/net/core/somaxconn);" \
  "2 s delay per request; a fresh server per level; $(load_average)"
printf '%-8s %11s %8s %7s %10s %10s %10s %10s %10s %10s %10s %8s %11s %16s\n' server concurrent held failed \
  "client p50" "client p99" "client max" "trace p50" "trace p99" "trace max" "RSS KB" "KB/conn" "CPU us/req" "overflows/drops"
for kind in $servers; do
  trace_flag=
  [ "$kind" = bundled ] || trace_flag=--no-trace
  for n in $levels; do
    start_peer "$kind"
    overflows=$(tcpext ListenOverflows) drops=$(tcpext ListenDrops)
    line=$("$build/bench/server_capacity" --port "$port" --concurrency "$n" --delay-ms 2000 --server-pid "$server" \
      $trace_flag || true)
    printf '%-8s %s %16s\n' "$kind" "$line" \
      "$(( $(tcpext ListenOverflows) - overflows ))/$(( $(tcpext ListenDrops) - drops ))"
    stop_server
  done
done
if [ "$get_seconds" != 0 ]; then
  for kind in $servers; do
    start_peer "$kind"
    printf '%-8s GET /get: %s\n' "$kind" "$("$build/bench/server_capacity" --port "$port" --get-seconds "$get_seconds" --server-pid "$server" || true)"
    stop_server
  done
fi
echo "done; $(load_average)"
