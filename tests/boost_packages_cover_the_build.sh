#!/usr/bin/env bash
# tests/boost_packages_cover_the_build.sh SOURCE_DIR BUILD_DIR
# scripts/setup installs only some of Boost's Debian packages (not libboost1.81-all-dev), and a
# fresh machine gets nothing else. This checks that every Boost file the build used belongs to
# those packages or to what they depend on: the headers in ninja's dependency log, the Boost
# CMake package folders find_package() read, and the Boost libraries the link lines name.
# Run after a build (CI builds everything before testing): it checks what was built so far.
set -euo pipefail
src=$1 build=$2
cd "$build"

used=$(mktemp)
trap 'rm -f "$used" "$used.owners"' EXIT
ninja -t deps | grep -o '/usr/include/boost/[^ ]*' | sort -u >"$used" || true
sed -n 's/^[Bb]oost[A-Za-z_]*_DIR:PATH=//p' CMakeCache.txt | grep -v NOTFOUND | while read -r dir; do
  find "$dir" -maxdepth 1 -type f
done >>"$used"
grep -ho '/usr/lib/[^ ]*libboost_[^ ]*' build.ninja $(find . -name '*.ninja' -not -name build.ninja) 2>/dev/null |
  sort -u >>"$used" || true
headers=$(grep -c '^/usr/include/boost/' "$used" || true)
[ "$headers" -gt 0 ] || { echo "no Boost header in $build's dependency log: build something first" >&2; exit 1; }

# The packages setup installs, and every package they pull in (Boost's are plain dependencies).
mapfile -t listed < <(bash "$src/scripts/setup" --list)
allowed=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${listed[@]}" 2>/dev/null | grep -v '^[ <]' | sort -u)

xargs -a "$used" -d '\n' dpkg-query -S 2>/dev/null | sed 's/: .*//' | tr ',' '\n' | sed 's/ //g; s/:.*//' |
  sort -u >"$used.owners"
missing=()
while read -r owner; do
  grep -qx -- "$owner" <<<"$allowed" || missing+=("$owner")
done <"$used.owners"
unowned=$(xargs -a "$used" -d '\n' dpkg-query -S 2>&1 >/dev/null | grep -c 'no path found' || true)

echo "$(wc -l <"$used") Boost files used ($headers headers) belong to: $(tr '\n' ' ' <"$used.owners")"
if [ ${#missing[@]} -gt 0 ]; then
  echo "FAIL: the build uses files of ${missing[*]}, which scripts/setup does not install" >&2
  exit 1
fi
if [ "$unowned" -gt 0 ]; then
  echo "FAIL: $unowned Boost files the build used belong to no Debian package (a Boost outside apt?)" >&2
  exit 1
fi
echo "every one is installed by scripts/setup (${listed[*]})"
