#!/usr/bin/env bash
# Edit -> verdict: makes a one-line code change inside one exercise file (a new constant, so
# neither ninja nor ccache can skip the rebuild), then times `grader check <chapter> <ex>`:
# rebuild of that exercise + run of its tests + rendering. Prints each run and the median,
# and the tests' own inherent delay from the manifest for subtraction.
#   bench/edit_to_verdict.sh [chapter] [exercise] [runs]      default: ch1 ex1 7
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chapter=${1:-ch1} exercise=${2:-ex1} runs=${3:-7}
cd "$root"
bin/grader check "$chapter" "$exercise" >/dev/null 2>&1 || true   # warm: everything built once
n=${chapter#ch}; n=${n#0}
dir=$( (ls -d exercises/ch0"$n"-* exercises/ch"$n"-* 2>/dev/null || true) | head -1)
# The manifest module reads chapter.json; scripts ask it through `grader list --format json`.
file=$(bin/grader list --format json | jq -r --arg ch "$(basename "$dir")" --arg ex "$exercise" \
  '.chapters[] | select(.dir == $ch) | .exercises[] | select(.id == $ex) | .edit[0]')
target="$dir/$file"
cp "$target" /tmp/edit_to_verdict.backup
trap 'cp /tmp/edit_to_verdict.backup "$target"' EXIT
times=()
for i in $(seq "$runs"); do
  cp /tmp/edit_to_verdict.backup "$target"
  echo "inline constexpr int edit_to_verdict_probe_${i}_$RANDOM = $i;" >> "$target"
  start=$(date +%s.%N)
  bin/grader check "$chapter" "$exercise" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  times+=("$t")
  printf 'run %d: %.2f s\n' "$i" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
printf 'edited %s; median edit->verdict %.2f s over %d runs\n' "$target" "$median" "$runs"
