#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image, with this bundle unpacked in
# /autograder/source. It installs the workbook's packages, builds the grader, and grades the
# untouched stubs once so that every later submission rebuilds only the files it changed.
#
# The workbook needs exactly Boost 1.81, g++ 12 and CMake >= 3.25: Debian 12 packages.
# Gradescope's base images are Ubuntu (22.04 has Boost 1.74 and CMake 3.22; 24.04 has Boost
# 1.83) and Fedora; none packages Boost 1.81. This script therefore runs only on Debian 12
# and stops with that explanation anywhere else; docs/class-scale-grading.md says how to get
# a Debian 12 image to Gradescope.
set -euo pipefail
root=${AUTOGRADER_ROOT:-/autograder}
source_dir=$root/source

. /etc/os-release
if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
  echo "setup.sh: this image is ${PRETTY_NAME:-unknown}; the workbook builds on Debian 12 only" >&2
  echo "  (it needs Boost 1.81, libboost1.81-dev: Ubuntu 22.04 packages Boost 1.74, Ubuntu 24.04 Boost 1.83)." >&2
  echo "  Build the autograder image from debian:12: see docs/class-scale-grading.md, Gradescope." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The workbook's packages (scripts/setup), plus jq for run_autograder.
apt-get install -y --no-install-recommends jq ca-certificates
"$source_dir/scripts/setup"
cmake --build "$source_dir/build" --target grader

# The build every submission reuses: the delay server, the testkit, the precompiled header
# and every exercise compiled once against the stubs, at the paths run_autograder uses.
mkdir -p "$root/submission"
AUTOGRADER_ROOT=$root "$source_dir/run_autograder" || true
rm -f "$root/results/results.json"
echo "setup.sh: ready"
