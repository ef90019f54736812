#!/usr/bin/env bash
# The HTML report of `grader check ch3 --solutions`, rendered by headless Chromium: the
# screenshot is not a blank page (it has the colours of the badges, the request bars and the
# expected shapes), and the rendered DOM draws, for every test with a trace, as many request
# bars as the JSON report of the same chapter counts requests. Needs chromium and python3
# (Debian packages chromium, python3); fails saying so when one is missing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${BUILD:?}"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium is missing ($CHROMIUM; Debian package chromium): the HTML report cannot be rendered"
command -v python3 >/dev/null || fail "python3 is missing (Debian package python3): it reads the screenshots and the DOM"
check_page() { python3 "$E2E_DIR/html_report_check.py" "$@"; }

dir=$WORK/html_report
rm -rf "$dir"
mkdir -p "$dir"
profile=$dir/chromium-profile
# render_with_chromium URL OUT ARGS...: headless Chromium on URL, its stdout to OUT (stderr to OUT.log).
render_with_chromium() {
  local url=$1 out=$2
  shift 2
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" "$@" "$url" >"$out" 2>"$out.log" ||
    fail "chromium $* $url failed (exit $?); its messages: $out.log"
}

# One chapter whose solutions make requests in nearly every test, graded twice: the page, and
# the JSON to count against (each test waits for all its requests, so the counts repeat).
html=$dir/ch3-solutions.html
json=$dir/ch3-solutions.json
run "$dir/check-html.txt" "$GRADER" check ch3 --solutions --root "$SRC" --build-dir "$BUILD" --format html --output "$html"
expect_rc 0 "grader check ch3 --solutions --format html"
expect_in "$dir/check-html.txt" "html results written to $html" "the text view names the page"
run "$dir/check-json.txt" "$GRADER" check ch3 --solutions --root "$SRC" --build-dir "$BUILD" --format json --output "$json"
expect_rc 0 "grader check ch3 --solutions --format json"

head -c 15 "$html" | grep -q '<!DOCTYPE html>' || fail "$html does not start with <!DOCTYPE html>"
! grep -q 'https://' "$html" || fail "$html refers to an https:// address"
urls=$(grep -o 'http://[^"]*' "$html" | sort -u)
[ "$urls" = "http://www.w3.org/2000/svg" ] || fail "$html refers to http:// addresses other than the SVG namespace: $urls"
for fetches in '<script' '<link' '<img' 'src=' 'url(' '@import'; do
  expect_not_in "$html" "$fetches" "the page loads nothing and runs nothing"
done

# (a) The screenshot shows the page: against a blank page's, more colours, more bytes, and
# the badges' green, the request bars' blue and the expected shapes' green are there.
printf '<!DOCTYPE html><title>blank</title>\n' >"$dir/blank.html"
render_with_chromium "file://$dir/blank.html" "$dir/blank.out" --screenshot="$dir/blank.png" --window-size=1200,3000
render_with_chromium "file://$html" "$dir/report.out" --screenshot="$dir/report.png" --window-size=1200,3000
[ -s "$dir/report.png" ] || fail "chromium wrote no screenshot of $html"
check_page png "$dir/blank.png" >"$dir/blank.stats" || fail "cannot read $dir/blank.png"
check_page png "$dir/report.png" '#15803d' '#2563eb' '#10b981' >"$dir/report.stats" || fail "cannot read $dir/report.png"
sed 's/^/  blank:  /' "$dir/blank.stats"
sed 's/^/  report: /' "$dir/report.stats"
stat_of() { awk -v key="$2" '$1 == key { print $2 }' "$1"; }
[ "$(stat_of "$dir/report.stats" size)" = 1200x3000 ] || fail "the screenshot is not 1200x3000"
blank_colours=$(stat_of "$dir/blank.stats" colours)
report_colours=$(stat_of "$dir/report.stats" colours)
[ "$report_colours" -ge 50 ] && [ "$report_colours" -gt "$blank_colours" ] ||
  fail "the screenshot looks blank: $report_colours colours (a blank page: $blank_colours)"
[ "$(stat -c %s "$dir/report.png")" -gt "$(stat -c %s "$dir/blank.png")" ] || fail "the screenshot is no larger than a blank page's"
for colour in '#15803d' '#2563eb' '#10b981'; do
  [ "$(stat_of "$dir/report.stats" "$colour")" -ge 500 ] ||
    fail "the screenshot has almost no $colour (PASS badges #15803d, request bars #2563eb, expected shapes #10b981)"
done

# (b) The DOM after rendering: one request bar per request of each test's trace in the JSON
# report, and an expected shape beside each (ch03's manifest declares them concurrent).
render_with_chromium "file://$html" "$dir/report.dom.html" --dump-dom
grep -q '</html>' "$dir/report.dom.html" || fail "chromium's --dump-dom output is not a whole page: $dir/report.dom.html"
check_page bars "$dir/report.dom.html" "$json" >"$dir/bars.txt" 2>&1 || { sed 's/^/  | /' "$dir/bars.txt"; fail "the page's request bars do not match the JSON report"; }
sed 's/^/  | /' "$dir/bars.txt"
sections=$(grep -c '<section class="exercise"' "$dir/report.dom.html")
[ "$sections" = "$("$JSON_CHECK" get "$json" /total)" ] || fail "the page has $sections exercise sections, the JSON report $("$JSON_CHECK" get "$json" /total) exercises"
traced=$(awk '/^tests with a trace:/ { print $5 }' "$dir/bars.txt")
expected_shapes=$(awk '/^tests with a trace:/ { print $NF }' "$dir/bars.txt")
[ "${traced%,}" = "$expected_shapes" ] || fail "ch03 declares an expected shape for every test, but only $expected_shapes of ${traced%,} traced tests show one"

# Chromium is gone, with every process it started.
sleep 1
left=$(pgrep -af -- "--user-data-dir=$profile" || true)
[ -z "$left" ] || fail "chromium processes left behind: $left"
finish
