#!/usr/bin/env bash
# bench/boost_packages.sh: what installing Boost costs a machine that has the workbook's other
# packages, with scripts/setup's Boost packages against libboost1.81-all-dev. Measured without
# uninstalling anything: apt plans each install against a copy of dpkg's status from which the
# Boost 1.81 packages, and whatever only they need, are left out (Debian 12; needs python3).
#   bench/boost_packages.sh            prints packages, download and installed size for both
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$@" 2>/dev/null | grep -v '^[ <]' | sort -u
}
mapfile -t setup < <(bash "$root/scripts/setup" --list | grep -v '^libboost')
mapfile -t ours < <(bash "$root/scripts/setup" --list | grep '^libboost')
closure "${setup[@]}" >"$work/base"
closure "${setup[@]}" libboost1.81-all-dev >"$work/all"
comm -13 "$work/base" "$work/all" >"$work/drop"

# dpkg's status without the dropped packages, but keeping any that a kept package still needs.
python3 - "$work/drop" /var/lib/dpkg/status "$work/status" <<'PY'
import re, sys
drop = set(open(sys.argv[1]).read().split())
packages = {}
for stanza in open(sys.argv[2]).read().split("\n\n"):
    if not stanza.strip():
        continue
    fields, key = {}, None
    for line in stanza.split("\n"):
        if line.startswith(" ") and key:
            fields[key] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    fields["_stanza"] = stanza
    packages[fields["Package"]] = fields
def names(field):
    return {re.sub(r"[\s(].*", "", p.strip()) for p in field.split(",") if p.strip()}
def provides(name):
    return {name} | names(packages[name].get("Provides", ""))
def needs(name):
    for field in ("Depends", "Pre-Depends"):
        for group in packages[name].get(field, "").split(","):
            if group.strip():
                yield {re.sub(r"[\s(:].*", "", a.strip()) for a in group.split("|")}
dropped = {n for n in packages if n in drop or (n.startswith("libboost") and "1.81" in n)}
changed = True
while changed:
    changed = False
    kept = set(packages) - dropped
    provided = set().union(*(provides(n) for n in kept))
    for name in kept:
        for group in needs(name):
            if group & provided:
                continue
            for d in list(dropped):
                if provides(d) & group:
                    dropped.discard(d)
                    changed = True
                    break
with open(sys.argv[3], "w") as out:
    out.write("\n\n".join(f["_stanza"] for n, f in packages.items() if n not in dropped) + "\n\n")
PY

plan() {
  local new download disk
  new=$(apt-get install --dry-run --no-install-recommends -o Dir::State::status="$work/status" "$@" 2>&1 |
    sed -n 's/.* \([0-9]*\) newly installed.*/\1/p')
  read -r download disk < <(apt-get install --assume-no --no-install-recommends \
    -o Dir::State::status="$work/status" "$@" 2>&1 |
    awk '/Need to get/ { d = $0; sub(/.*\//, "", d); sub(/ of archives.*/, "", d) }
         /additional disk space/ { s = $0; sub(/.*operation, /, "", s); sub(/ of additional.*/, "", s); gsub(/ /, "", s) }
         END { gsub(/ /, "", d); print d, s }')
  printf '%-48s %4s packages  download %-8s installed %s\n' "$*" "$new" "$download" "$disk"
}
echo "Installing Boost 1.81 on a machine with the workbook's other packages (apt's plan, Debian 12):"
plan libboost1.81-all-dev
plan "${ours[@]}"
