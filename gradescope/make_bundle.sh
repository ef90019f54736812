#!/usr/bin/env bash
# Makes autograder.zip for a Gradescope programming assignment from this workbook: the
# workbook itself (the trusted tests, manifests, solutions and CMake files, without build
# folders or .git) with setup.sh and run_autograder at the top, where Gradescope looks.
#   gradescope/make_bundle.sh [-o autograder.zip] [--chapter ch3]
# --chapter makes an assignment for one chapter (gradescope.conf in the bundle); without it
# every chapter is graded.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=$PWD/autograder.zip
chapter=""
while [ $# -gt 0 ]; do
  case $1 in
    -o | --output) output=$(realpath -m "$2"); shift 2 ;;
    --chapter) chapter=$2; shift 2 ;;
    -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "make_bundle: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v zip >/dev/null || { echo "make_bundle: zip is missing (Debian package zip)" >&2; exit 2; }
if [ -n "$chapter" ]; then
  # ch3, 3, ch03 and ch03-gather all name ch03; run_autograder matches the chNN prefix.
  given=$chapter
  chapter=${chapter%%-*}
  case $chapter in ch[0-9]) chapter=ch0${chapter#ch} ;; [0-9]) chapter=ch0$chapter ;; [0-9][0-9]) chapter=ch$chapter ;; esac
  compgen -G "$root/exercises/$chapter-*/chapter.json" >/dev/null ||
    { echo "make_bundle: no chapter $given in $root/exercises" >&2; exit 2; }
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
bundle=$staging/bundle
mkdir -p "$bundle"
for entry in "$root"/* "$root"/.ci; do
  [ -e "$entry" ] || continue
  case $(basename "$entry") in
    build* | compile_commands.json | gradescope) continue ;;
  esac
  cp -a "$entry" "$bundle/"
done
cp "$root/gradescope/setup.sh" "$root/gradescope/run_autograder" "$bundle/"
chmod +x "$bundle/setup.sh" "$bundle/run_autograder"
[ -z "$chapter" ] || echo "CHAPTER=$chapter" >"$bundle/gradescope.conf"
rm -f "$output"
(cd "$bundle" && zip -qr -X "$output" .)
echo "make_bundle: $output ($(du -h "$output" | cut -f1)${chapter:+, chapter $chapter})"
