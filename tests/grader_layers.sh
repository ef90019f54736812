#!/usr/bin/env bash
# The grader's layers (grader/cli/README.md, "Files"): each folder of grader/cli/src includes
# only itself and the folders before it, sandbox <- core <- render <- batch <- cli; a verb's
# file (cli/cmd_*.cpp) includes no other verb's file; bench/ reaches the grader through
# sandbox/ alone. Prints every include that breaks a rule and exits 1; exits 0 when none does.
# Usage: grader_layers.sh <source folder> (the project's root).
set -uo pipefail
root=${1:?usage: grader_layers.sh <project root>}
src=$root/grader/cli/src
[ -d "$src" ] || { echo "no folder $src"; exit 2; }
layers=(sandbox core render batch cli)
rank() {
  local i
  for i in "${!layers[@]}"; do
    [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  echo -1
}
broken=0
complain() {
  echo "$1"
  broken=1
}

# The quoted includes of a file, one per line: "line:path".
includes() { grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$1" | sed 's/^\([0-9]*\):.*"\(.*\)".*/\1:\2/'; }

# Nothing lies outside the layers.
while IFS= read -r file; do
  complain "${file#"$root"/}: every source of the grader belongs to a layer folder (${layers[*]})"
done < <(find "$src" -maxdepth 1 -type f)
while IFS= read -r dir; do
  [ "$(rank "$(basename "$dir")")" -ge 0 ] || complain "${dir#"$root"/}: not a layer (${layers[*]})"
done < <(find "$src" -mindepth 1 -maxdepth 1 -type d)

for layer in "${layers[@]}"; do
  own=$(rank "$layer")
  [ -d "$src/$layer" ] || { complain "grader/cli/src/$layer: missing"; continue; }
  while IFS= read -r file; do
    name=${file#"$root"/}
    while IFS=: read -r line path; do
      [ -n "$path" ] || continue
      if [[ $path != */* ]]; then
        # A header of the grader named without its folder hides which layer it comes from.
        [ -e "$src/$layer/$path" ] && complain "$name:$line: includes \"$path\": name its layer (\"$layer/$path\")"
        continue
      fi
      top=${path%%/*}
      their=$(rank "$top")
      [ "$their" -ge 0 ] || continue  # not the grader's (asynclings/protocol.hpp, …)
      if [ "$their" -gt "$own" ]; then
        complain "$name:$line: includes \"$path\": $layer/ may include only ${layers[*]:0:own+1}"
      fi
      # One verb's file never reaches into another verb's.
      base=$(basename "$path")
      if [ "$layer" = cli ] && [[ $base == cmd_* ]] && [ "${base%.*}" != "$(basename "${file%.*}")" ]; then
        complain "$name:$line: includes \"$path\": a verb's file includes no other verb's code"
      fi
    done < <(includes "$file")
  done < <(find "$src/$layer" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
done

# A verb's file calls no other verb: outside its anonymous namespace it defines add_<verb>
# alone (cli/commands.hpp), so no other file can reach its code.
while IFS= read -r file; do
  name=${file#"$root"/}
  verb=$(basename "$file" .cpp)
  verb=${verb#cmd_}
  while IFS= read -r found; do
    complain "$name:$found: a verb's file defines only add_$verb outside its anonymous namespace"
  done < <(awk -v verb="$verb" '
    /^namespace \{/ { anon++; next }
    /^}  \/\/ namespace$/ { if (anon > 0) anon--; next }
    anon == 0 && /^[A-Za-z]/ && !/^(namespace|using|#|static_assert)/ && !/;[[:space:]]*$/ &&
        match($0, /[A-Za-z_][A-Za-z0-9_:]*\(/) {
      fn = substr($0, RSTART, RLENGTH - 1)
      if (fn != "add_" verb) print NR ": " fn
    }' "$file")
done < <(find "$src/cli" -name 'cmd_*.cpp' | sort)

# bench/ links only the sandbox of the grader.
if [ -d "$root/bench" ]; then
  while IFS= read -r file; do
    name=${file#"$root"/}
    while IFS=: read -r line path; do
      if [[ $path != */* ]]; then
        [ -e "$(dirname "$file")/$path" ] && continue  # bench's own header
        find "$src" -name "$path" | grep -q . &&
          complain "$name:$line: includes the grader's \"$path\": bench/ may include only \"sandbox/…\""
        continue
      fi
      top=${path%%/*}
      their=$(rank "$top")
      [ "$their" -le 0 ] || complain "$name:$line: includes \"$path\": bench/ may include only the grader's sandbox/"
    done < <(includes "$file")
  done < <(find "$root/bench" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
  while IFS= read -r line; do
    complain "bench/CMakeLists.txt: links ${line}: bench/ may link only asynclings::grader_sandbox of the grader"
  done < <(grep -o 'asynclings::grader[a-z_]*\|asynclings_grader[a-z_]*' "$root/bench/CMakeLists.txt" |
             grep -v '^asynclings::grader_sandbox$\|^asynclings_grader_sandbox$' | sort -u)
fi

if [ "$broken" -eq 0 ]; then
  echo "the grader's layers hold: sandbox <- core <- render <- batch <- cli, bench -> sandbox"
fi
exit "$broken"
