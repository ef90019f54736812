# What the delay server benchmarks share (sourced by server_capacity.sh, server_soak.sh and
# trace_stall.sh): building what they run, starting a server on a free port, stopping it.
# The sourcing script sets $root and $build first.

# bench_build TARGET…: builds the targets in $build when a program is missing (configures an
# optimised build there when $build has none).
bench_build() {
  local target missing=
  for target in "$@"; do
    [ -x "$build/localserver/$target" ] || [ -x "$build/bench/$target" ] || missing=1
  done
  [ -z "$missing" ] && return
  [ -f "$build/CMakeCache.txt" ] || cmake --preset release -S "$root" -B "$build" >/dev/null
  cmake --build "$build" --target "$@" -j2 >/dev/null
}

server_log=$(mktemp)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -f "$server_log"' EXIT

# start_server COMMAND…: runs a server that prints "… listening on http://127.0.0.1:PORT";
# sets $server (its pid) and $port, or stops the script saying what the server printed.
start_server() {
  : >"$server_log"
  "$@" >"$server_log" 2>&1 &
  server=$!
  for _ in $(seq 100); do grep -q listening "$server_log" && break; sleep 0.1; done
  port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$server_log")
  [ -n "$port" ] || { echo "the server did not start ($*):"; cat "$server_log"; exit 1; }
}

# stop_server: stops it and shows anything it printed besides the listening line.
stop_server() {
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  server=
  grep -v listening "$server_log" || true
}

load_average() { uptime | sed 's/.*load/load/'; }
