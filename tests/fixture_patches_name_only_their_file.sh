#!/usr/bin/env bash
# Every fixture patch (solutions/<chapter>/mistakes|alternatives/*.patch) names only the file it
# changes in its "--- "/"+++ " lines: no timestamps, no author's scratch paths (a diff -u made by
# hand carries both; `grader mistake new` writes the clean form). The patches are the
# workbook's text: what an author's machine looked like does not belong in them.
set -euo pipefail
root=$1
bad=0
while IFS= read -r -d '' patch; do
  while IFS= read -r line; do
    name=${line:4}
    if [[ "$name" == */* || "$name" == *$'\t'* || "$name" == *" "* ]]; then
      echo "$patch: \"$line\" should name only the file (e.g. \"${line:0:4}$(basename "${name%%$'\t'*}")\")"
      bad=$((bad + 1))
    fi
  done < <(grep -E '^(---|\+\+\+) ' "$patch")
done < <(find "$root/solutions" -name '*.patch' -print0)
[ "$bad" -eq 0 ] || { echo "$bad header line(s) to fix"; exit 1; }
echo "every fixture patch names only its file"
