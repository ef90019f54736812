#!/usr/bin/env bash
# Fresh clone -> first verdict, as a student meets it: clones this workbook (HEAD) into a
# scratch folder, then times `bin/grader check ch1 ex1` there — configuring, building the
# grader, building ex1's test, running it — and the longest time the student saw no new output.
# Once on a terminal (a pseudo-terminal: live progress lines) and once into a pipe (CI), each
# on a fresh clone. The packages must be installed (scripts/setup); ccache is used as a
# student's machine would have it: cold with COLD=1 (CCACHE_DISABLE), else as it is.
#   bench/first_verdict.sh [REV]        REV: also time that revision's first verdict (the peer)
# Goal (issue 11): ≤ 90 s on an idle 2-core machine, never more than 2 s without output.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/first-verdict.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
[ "${COLD:-0}" = 1 ] && export CCACHE_DISABLE=1
load() { cut -d' ' -f1-3 /proc/loadavg; }

time_first_verdict() {  # REV MODE: one fresh clone of REV, its first `grader check ch1 ex1`
  local rev=$1 mode=$2 clone=$scratch/$1-$2
  git clone --quiet --no-checkout "$root" "$clone"
  git -C "$clone" checkout --quiet "$rev"
  local flag=""
  [ "$mode" = terminal ] && flag=--tty
  printf '%-10s %-8s ' "$(git -C "$clone" rev-parse --short HEAD)" "$mode"
  (cd "$clone" && python3 "$root/bench/output_gaps.py" $flag -- bin/grader check ch1 ex1)
  rm -rf "$clone"
}

echo "fresh clone -> first verdict of grader check ch1 ex1 (ccache: ${CCACHE_DISABLE:+off}${CCACHE_DISABLE:-as it is}; load $(load))"
echo "revision   output   total_s first_output_s longest_silence_s"
for rev in HEAD ${1:+"$1"}; do
  for mode in terminal pipe; do time_first_verdict "$rev" "$mode"; done
done
echo "load after: $(load)"
