#!/usr/bin/env bash
# The GitHub Actions workflow for student repositories (.github/workflows/grade.yml) cannot
# run here; this checks what can be: it is valid YAML with the steps the grading needs, each
# of its shell steps parses, and its summary script turns a real `grader check --format json`
# report (chapter 1's solutions, graded in the project's build) into the expected Markdown.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${BUILD:?}"
out=$WORK/github_workflow
rm -rf "$out"
mkdir -p "$out"
workflow=$SRC/.github/workflows/grade.yml
summary=$SRC/.github/scripts/grade-summary.sh
python=/usr/bin/python3
[ -x "$python" ] || fail "$python is missing (Debian package python3)"
"$python" -c 'import yaml' 2>/dev/null || fail "the Python yaml module is missing (Debian package python3-yaml)"
command -v jq >/dev/null || fail "jq is missing (Debian package jq); the summary script needs it"

# 1. The workflow's shape, and every run: step as bash would read it.
"$python" - "$workflow" "$out" <<'PY' || fail "$workflow: see above"
import re, sys, yaml
path, out = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(path))
problems = []
def need(condition, what):
    if not condition:
        problems.append(what)
triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` as true
need(isinstance(triggers, dict) and "push" in triggers, "runs on push")
job = doc["jobs"]["grade"]
need(job.get("container") == "debian:12", "runs in a debian:12 container")
steps = job["steps"]
uses = [s.get("uses", "") for s in steps]
for u in uses:
    need(u == "" or re.search(r"@v\d+$", u), f"{u} is pinned to a major version")
checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
need(any(s.get("with", {}).get("path") == "trusted" and "ref" in s.get("with", {}) for s in checkouts),
     "checks out the trusted tests at a pinned ref into trusted/")
restore = [s for s in steps if s.get("uses", "").startswith("actions/cache/restore@")]
save = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")]
need(restore and save, "restores and saves the compiler cache")
need(all(s.get("with", {}).get("path") == ".ccache" for s in restore + save), "caches .ccache")
need(all("always()" in str(s.get("if", "")) for s in save), "saves the cache even when exercises fail")
need(any('CCACHE_DIR=$GITHUB_WORKSPACE/.ccache' in s.get("run", "") for s in steps),
     "CCACHE_DIR is the cached folder, from the container's $GITHUB_WORKSPACE")
need("github.workspace" not in str(job.get("env", {})), "no runner-side path in the container's environment")
grade = next((s for s in steps if s.get("id") == "grade"), {})
run = grade.get("run", "")
for piece in ["check --all", "--tests-from", "--format junit", "--format json", "results/results.xml", "results/results.json"]:
    need(piece in run, f"the grade step runs {piece}")
need(any(s.get("uses", "").startswith("actions/upload-artifact@") and "always()" in str(s.get("if", "")) for s in steps),
     "uploads the results as an artifact, whatever the grade")
need(any("grade-summary.sh" in s.get("run", "") and "GITHUB_STEP_SUMMARY" in s.get("run", "") for s in steps),
     "writes the job summary")
need(any(s.get("uses", "").startswith("mikepenz/action-junit-report@") for s in steps), "publishes the JUnit results")
for i, s in enumerate(steps):
    if "run" in s:
        # ${{ … }} expressions are GitHub's; a plain word stands in for them.
        script = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", s["run"])
        with open(f"{out}/step{i}.sh", "w") as f:
            f.write(script)
for p in problems:
    print("workflow:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
for step in "$out"/step*.sh; do
  bash -n "$step" || fail "a run: step of $workflow does not parse: $(cat "$step")"
done
for f in scripts/setup bin/grader .github/scripts/grade-summary.sh; do
  [ -x "$SRC/$f" ] || fail "the workflow runs $f, which is missing or not executable"
done

# 2. The summary of a real report: chapter 1's solutions, every exercise passing.
json=$out/results.json
run "$out/check.txt" "$GRADER" check ch1 --solutions --root "$SRC" --build-dir "$BUILD" --format json --output "$json"
expect_rc 0 "grader check ch1 --solutions --format json"
"$summary" "$json" >"$out/summary.md" || fail "the summary script failed on $json"
cat "$out/summary.md"
expect_in "$out/summary.md" "## Grading: 4 of 4 exercises passed" "the summary's heading"
[ "$(grep -c '^| ✅ | ch01-generators ex[1-4] .* | PASS | [0-9]*/[0-9]* |' "$out/summary.md")" -eq 4 ] ||
  fail "the summary has no PASS row with its tests for each of the 4 exercises"

# 3. The same report with what a student's run can hold: a compile error whose message has a
# pipe and a line break, a failed test with a diagnosis, an exercise not started.
broken=$out/broken.json
jq '.passed = 1
  | .exercises[0].status = "compile_error" | .exercises[0].tests = [] | .exercises[0].tests_passed = 0 | .exercises[0].tests_total = 0
  | .exercises[0].compile_error = {file: "/x/exercises/ch01-generators/ex1_generator.hpp", line: 12, column: 3,
                                    message: "no match for operator| (a\nb)", reading: "", log_file: "/x/log"}
  | .exercises[1].status = "failed" | .exercises[1].tests[0].status = "failed" | .exercises[1].tests[0].diagnosis = "sent-value-lost"
  | .exercises[2].status = "not_started"' "$json" >"$broken"
"$summary" "$broken" >"$out/broken.md" || fail "the summary script failed on $broken"
cat "$out/broken.md"
expect_in "$out/broken.md" "## Grading: 1 of 4 exercises passed" "the heading counts passes"
expect_in "$out/broken.md" '| ❌ | ch01-generators ex1 generator | COMPILE ERROR | – | ex1_generator.hpp:12: no match for operator\| (a b) |' \
  "a compile error's row: file name, line, the pipe escaped, one line"
expect_in "$out/broken.md" "| FAIL |" "a failing exercise's verdict"
expect_in "$out/broken.md" "sent-value-lost" "the diagnosis"
expect_in "$out/broken.md" "| ⬜ | ch01-generators ex3 task | NOT STARTED |" "a stub's row"
[ "$(grep -c '^|' "$out/broken.md")" -eq 6 ] || fail "a message with a line break split a table row"

# 4. Bad input is a clear message, not a broken summary.
echo '{"score": 1}' >"$out/gradescope-like.json"
set +e
"$summary" "$out/gradescope-like.json" >"$out/bad.md" 2>"$out/bad.err"
rc_bad=$?
"$summary" "$out/nonexistent.json" >/dev/null 2>"$out/missing.err"
rc_missing=$?
set -e
[ "$rc_bad" -eq 2 ] && [ "$rc_missing" -eq 2 ] || fail "the summary script accepted bad input (exit $rc_bad, $rc_missing)"
expect_in "$out/bad.err" "is not a grader check --format json report" "the message for a wrong report"
expect_in "$out/missing.err" "cannot read" "the message for a missing report"
[ ! -s "$out/bad.md" ] || fail "the summary script wrote Markdown for a wrong report"
finish
