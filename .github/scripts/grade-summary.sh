#!/usr/bin/env bash
# Markdown for a GitHub Actions job summary from a `grader check --format json` report:
#   .github/scripts/grade-summary.sh results.json >> "$GITHUB_STEP_SUMMARY"
# A heading with the exercises passed, then one table row per exercise (verdict, tests passed,
# why, diagnoses). jq (Debian package jq) does the reading; the grader stays free of a
# GitHub-only format.
set -euo pipefail
report=${1:-}
if [ -z "$report" ] || [ ! -r "$report" ]; then
  echo "grade-summary: usage: grade-summary.sh REPORT.json (a grader check --format json report); cannot read \"$report\"" >&2
  exit 2
fi
command -v jq >/dev/null || { echo "grade-summary: jq is missing (Debian package jq)" >&2; exit 2; }
if ! jq -e '.schema == "asynclings-grader/1"' "$report" >/dev/null 2>&1; then
  echo "grade-summary: $report is not a grader check --format json report (schema asynclings-grader/1)" >&2
  exit 2
fi

jq -r '
  # A table cell: no line breaks, pipes escaped, HTML-ish text shown as text.
  def cell: tostring | gsub("\r?\n"; " ") | gsub("\\|"; "\\|") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
  def verdict: {"passed": "PASS", "failed": "FAIL", "not_started": "NOT STARTED", "compile_error": "COMPILE ERROR",
                "crashed": "CRASHED", "timed_out": "TIMED OUT", "error": "NOT GRADED", "interrupted": "INTERRUPTED"}[.] // .;
  def mark: if . == "passed" then "✅" elif . == "not_started" then "⬜" else "❌" end;
  def why:
    if .compile_error then "\(.compile_error.file | split("/") | last):\(.compile_error.line): \(.compile_error.message)"
    elif (.message // "") != "" then .message
    else ([.tests[] | select(.status == "failed") | .name] | if length > 0 then "failed: " + join(", ") else "" end)
    end;
  "## Grading: \(.passed) of \(.total) exercises passed",
  "",
  "| | exercise | verdict | tests | why | diagnoses |",
  "|---|---|---|---|---|---|",
  (.exercises[] |
    "| \(.status | mark) | \(.chapter) \(.id) \(.name | cell) | \(.status | verdict) | \(if .tests_total > 0 then "\(.tests_passed)/\(.tests_total)" else "–" end) | \(why | cell) | \([.tests[].diagnosis | select(. != null)] | unique | join(", ") | cell) |"),
  "",
  "Graded in \((.elapsed_ms / 1000) | floor) s. `grader check chN exM` shows the same on your machine; `grader hint chN exM` gives the next hint."
' "$report"
