#!/usr/bin/env bash
# The expected picture is what a correct solution really does: ch03 ex4 (first completed,
# cancel the losers) with the losers left running (the losers-not-cancelled fixture) is
# graded, and the failing test's expected timeline is the reference solution's own run of it
# (the losers cut short, aborted by the client), not the student's requests rearranged. The
# reference run is cached and run again when the solution changes; a copy without solutions/
# falls back to the student's durations and says so.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here=$WORK/reference_picture
wb=$here/workbook
ch=exercises/ch03-gather
mkdir -p "$here"
copy_workbook "$wb"
with_chapter "$wb" ch03-gather
test_name=FirstCompleted.ReturnsTheWinnerAndCancelsTheLosers

run "$here/show.txt" "$GRADER" mistake show ch3 ex4 losers-not-cancelled --root "$wb"
expect_rc 0 "mistake show"
cp "$here/show.txt" "$wb/$ch/ex4_first_completed.hpp"

# check_picture JSON SOURCE: the failing test's expected bars come from SOURCE; from the
# reference, the two losers are aborted by the client and cut well short of their delay.
check_picture() {
  python3 - "$1" "$2" "$test_name" <<'PY' || fail "$1: the expected picture"
import json, re, sys
path, source, name = sys.argv[1:]
report = json.load(open(path))
ex = next(e for e in report["exercises"] if e["id"] == "ex4")
test = next(t for t in ex["tests"] if t["name"] == name)
assert test["status"] == "failed" and test["diagnosis"] == "losers-not-cancelled", (test["status"], test["diagnosis"])
picture = test["expected_timeline"]
assert picture and picture["source"] == source, picture and picture["source"]
bars = picture["bars"]
losers = [b for b in bars if b["target"] != "/delay/100ms"]
assert len(losers) == 2, bars
if source == "reference":
    assert ex["reference_note"] is None, ex["reference_note"]
    for b in losers:
        delay = float(re.search(r"/delay/(\d+)ms", b["target"]).group(1))
        assert b["outcome"] == "client_aborted", b
        assert b["end_ms"] - b["start_ms"] < 0.75 * delay, b  # cut at the winner's finish, not run out
else:
    assert "no reference solution" in ex["reference_note"], ex["reference_note"]
    for b in losers:  # the student's own durations: the losers ran to their end
        delay = float(re.search(r"/delay/(\d+)ms", b["target"]).group(1))
        assert b["end_ms"] - b["start_ms"] >= 0.9 * delay, b
print(path, ":", source, "picture,", [(b["target"], round(b["end_ms"] - b["start_ms"]), b["outcome"]) for b in bars])
PY
}

run "$here/json1.txt" "$GRADER" check ch3 ex4 --root "$wb" --format json --output "$here/first.json"
expect_rc 1 "the mistake fails"
expect_in "$here/json1.txt" "ch03-gather-ex4-solution" "the reference solution is built and run"
check_picture "$here/first.json" reference

# The text view: a second timeline from the reference's cached run (nothing rebuilt or rerun).
run "$here/text.txt" "$GRADER" check ch3 ex4 --root "$wb"
expect_rc 1 "the mistake fails (text)"
expect_in "$here/text.txt" "a correct solution:" "the text view's second timeline"
expect_not_in "$here/text.txt" "ch03-gather-ex4-solution" "the cached reference run is reused"
awk '/a correct solution:/ { on = 1 } on && /\/delay\/(300|250)ms/' "$here/text.txt" >"$here/losers.txt"
[ "$(grep -c 'aborted' "$here/losers.txt")" -ge 2 ] || fail "the correct solution's losers are not drawn aborted"

# A changed solution is run again.
echo "// edited" >>"$wb/solutions/ch03-gather/ex4_first_completed.hpp"
run "$here/json2.txt" "$GRADER" check ch3 ex4 --root "$wb" --format json --output "$here/second.json"
expect_in "$here/json2.txt" "ch03-gather-ex4-solution" "a changed solution invalidates the cached run"
check_picture "$here/second.json" reference

# A student's copy without the solutions: today's drawing, said so.
rm -rf "$wb/solutions/ch03-gather"
run "$here/json3.txt" "$GRADER" check ch3 ex4 --root "$wb" --format json --output "$here/fallback.json"
expect_rc 1 "the mistake fails (no solutions)"
check_picture "$here/fallback.json" durations
run "$here/text3.txt" "$GRADER" check ch3 ex4 --root "$wb"
expect_in "$here/text3.txt" "no reference solution" "the text view says why there is no correct-solution timeline"
expect_not_in "$here/text3.txt" "a correct solution:" "no correct-solution timeline without the reference"
expect_no_process_from "$wb/build"
finish
