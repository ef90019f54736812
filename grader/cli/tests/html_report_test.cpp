#include "render/escape.hpp"
#include "render/render.hpp"
#include "render/svg_timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <utility>
#include <vector>

using namespace asynclings::grader;

namespace {

TraceRequest request(std::uint64_t id, double arrival, double finish, const std::string& outcome = "completed") {
  TraceRequest r;
  r.id = id;
  r.target = "/delay/" + std::to_string(static_cast<int>(finish - arrival));
  r.arrival_ms = arrival;
  r.response_start_ms = outcome == "completed" ? std::optional<double>(finish - 1) : std::nullopt;
  r.finish_ms = finish;
  r.status = outcome == "completed" ? 200 : 0;
  r.outcome = outcome;
  return r;
}

// Five requests of different lengths that arrived one after another.
std::vector<TraceRequest> staggered_trace() {
  return {request(1, 0, 100), request(2, 100, 300), request(3, 300, 350), request(4, 350, 500), request(5, 500, 520)};
}

TestResult test_with_trace(const std::string& name, std::vector<TraceRequest> trace) {
  TestResult t;
  t.suite = "Gather";
  t.name = name;
  t.status = TestStatus::passed;
  t.time_ms = 210;
  t.trace = std::move(trace);
  return t;
}

ExerciseReport exercise(std::vector<TestResult> tests) {
  ExerciseReport e;
  e.chapter = "ch03-gather";
  e.id = "ex1";
  e.name = "gather";
  e.title = "Run them all at once";
  e.variant = "solution";
  e.verdict = Verdict::passed;
  e.tests = std::move(tests);
  return e;
}

std::string page_of(std::vector<ExerciseReport> exercises) {
  Report report;
  report.variant = "solution";
  report.elapsed_ms = 1234;
  report.exercises = std::move(exercises);
  return render_html(report);
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size())) ++n;
  return n;
}

// The SVG of one test's actual or expected timeline in <page>.
std::string svg_of(const std::string& page, const std::string& kind, const std::string& test) {
  const std::string opening = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline " + kind + "\" data-test=\"" + test + "\"";
  const auto from = page.find(opening);
  if (from == std::string::npos) return {};
  return page.substr(from, page.find("</svg>", from) - from);
}

// x and x + width of every <rect class="<css>"> in <svg>, in document order.
std::vector<std::pair<double, double>> rect_spans(const std::string& svg, const std::string& css) {
  std::vector<std::pair<double, double>> spans;
  const std::regex rect("<rect class=\"" + css + "\" x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator(); ++it) {
    const double x = std::stod((*it)[1]);
    spans.emplace_back(x, x + std::stod((*it)[2]));
  }
  return spans;
}

// The most bars in flight at one moment; a bar ending as another starts does not overlap it.
std::size_t peak_overlap(const std::vector<TimelineBar>& bars) {
  std::vector<std::pair<double, int>> events;
  for (const auto& b : bars) {
    events.emplace_back(b.start_ms, +1);
    events.emplace_back(b.end_ms, -1);
  }
  std::sort(events.begin(), events.end());  // at equal times the end (-1) comes first
  int now = 0, peak = 0;
  for (const auto& [at, change] : events) peak = std::max(peak, now += change);
  return static_cast<std::size_t>(peak);
}

}  // namespace

TEST(HtmlReport, DrawsOneBarPerRequest) {
  const std::string page = page_of({exercise({test_with_trace("RunsEveryAwaitableAtOnce", staggered_trace())})});
  const std::string svg = svg_of(page, "actual", "Gather.RunsEveryAwaitableAtOnce");
  ASSERT_FALSE(svg.empty()) << page;
  EXPECT_EQ(count(svg, "<rect class=\"request"), 5u) << svg;
  EXPECT_EQ(count(page, "<rect class=\"request"), 5u);
  EXPECT_EQ(count(svg, "class=\"response-start\""), 5u) << "each completed request's response start is marked";
  EXPECT_NE(svg.find("#3 /delay/50"), std::string::npos) << "each bar is labelled with its id and target";
  EXPECT_NE(svg.find(">100 ms</text>"), std::string::npos) << "the axis has ms ticks: " << svg;
}

TEST(HtmlReport, MarksAbortedRequestsWithTheirOwnFillAndACross) {
  auto trace = staggered_trace();
  trace[1] = request(2, 100, 180, "client_aborted");
  const std::string page = page_of({exercise({test_with_trace("ReturnsTheWinner", trace)})});
  const std::string svg = svg_of(page, "actual", "Gather.ReturnsTheWinner");
  EXPECT_EQ(count(svg, "<rect class=\"request aborted\""), 1u) << svg;
  EXPECT_EQ(count(svg, "<rect class=\"request\""), 4u);
  EXPECT_EQ(count(svg, "class=\"abort-mark\""), 1u);
  const std::regex fill("<rect class=\"(request[a-z ]*)\"[^>]* fill=\"(#[0-9a-f]+)\"");
  std::string completed_fill, aborted_fill;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), fill); it != std::sregex_iterator(); ++it)
    ((*it)[1] == "request" ? completed_fill : aborted_fill) = (*it)[2];
  EXPECT_FALSE(aborted_fill.empty());
  EXPECT_NE(aborted_fill, completed_fill);
}

TEST(HtmlReport, DrawsTheCutoffAtTheFirstAbortWhenNoFigureNamesIt) {
  auto trace = staggered_trace();
  trace[3] = request(4, 350, 420, "client_aborted");
  const auto mark = cutoff_mark(test_with_trace("T", trace));
  ASSERT_TRUE(mark.has_value());
  EXPECT_DOUBLE_EQ(mark->at_ms, 420);
  const std::string page = page_of({exercise({test_with_trace("T", trace)})});
  EXPECT_EQ(count(svg_of(page, "actual", "Gather.T"), "class=\"cutoff\""), 1u);
}

TEST(HtmlReport, DrawsTheCutoffWhereATimeoutFigureSaysItStruck) {
  TestResult t = test_with_trace("T", {request(1, 2, 152, "client_aborted")});
  t.figures.push_back(Figure{"abort_after_ms", 150, "ms", "150"});  // a duration, not a moment
  t.figures.push_back(Figure{"timeout_ms", 151.5, "ms", "150"});
  const auto mark = cutoff_mark(t);
  ASSERT_TRUE(mark.has_value());
  EXPECT_DOUBLE_EQ(mark->at_ms, 151.5);
  EXPECT_NE(mark->label.find("timeout_ms"), std::string::npos) << mark->label;
  EXPECT_FALSE(cutoff_mark(test_with_trace("T", staggered_trace())).has_value())
      << "no abort and no timeout figure: no cutoff";
}

TEST(HtmlReport, SequentialShapeStartsEachBarWhereThePreviousEnded) {
  const auto trace = std::vector<TraceRequest>{request(1, 5, 105), request(2, 6, 306), request(3, 7, 57)};
  const auto bars = expected_bars(trace, ExpectedShape{ExpectedShape::Kind::sequential, 0});
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_DOUBLE_EQ(bars[0].start_ms, 5) << "the staircase starts at the first arrival";
  for (std::size_t i = 1; i < bars.size(); ++i) EXPECT_DOUBLE_EQ(bars[i].start_ms, bars[i - 1].end_ms) << i;
  EXPECT_DOUBLE_EQ(bars[1].end_ms - bars[1].start_ms, 300) << "each request keeps its duration";
  EXPECT_DOUBLE_EQ(bars[2].end_ms, 455);

  // The drawing too: each planned bar's left edge is the previous one's right edge.
  ExerciseReport e = exercise({test_with_trace("InTurn", trace)});
  e.expected_shapes.every_test = ExpectedShape{ExpectedShape::Kind::sequential, 0};
  const auto spans = rect_spans(svg_of(page_of({e}), "expected", "Gather.InTurn"), "planned");
  ASSERT_EQ(spans.size(), 3u);
  for (std::size_t i = 1; i < spans.size(); ++i) EXPECT_NEAR(spans[i].first, spans[i - 1].second, 0.15) << i;
}

TEST(HtmlReport, ConcurrentShapeStartsEveryBarAtTheFirstArrival) {
  const auto bars = expected_bars(staggered_trace(), ExpectedShape{ExpectedShape::Kind::concurrent, 0});
  ASSERT_EQ(bars.size(), 5u);
  for (const auto& b : bars) EXPECT_DOUBLE_EQ(b.start_ms, 0) << "#" << b.id;
  EXPECT_DOUBLE_EQ(bars[1].end_ms, 200) << "each request keeps its duration";
  EXPECT_DOUBLE_EQ(bars_end_ms(bars), 200);
}

TEST(HtmlReport, LimitOfTwoNeverHasMoreThanTwoRequestsInFlight) {
  const auto bars = expected_bars(staggered_trace(), ExpectedShape{ExpectedShape::Kind::limit, 2});
  ASSERT_EQ(bars.size(), 5u);
  EXPECT_EQ(peak_overlap(bars), 2u) << "two lanes, both used";
  EXPECT_DOUBLE_EQ(bars[0].start_ms, 0);
  EXPECT_DOUBLE_EQ(bars[1].start_ms, 0);
  // Lanes free at 100 (#1) and 200 (#2): #3 takes the first, #4 the next lane to free.
  EXPECT_DOUBLE_EQ(bars[2].start_ms, 100);
  EXPECT_DOUBLE_EQ(bars[3].start_ms, 150);
  for (const auto& b : bars) EXPECT_GE(b.start_ms, 0);
  const auto unbounded = expected_bars(staggered_trace(), ExpectedShape{ExpectedShape::Kind::limit, 5});
  EXPECT_EQ(peak_overlap(unbounded), 5u) << "a limit as large as the requests is concurrent";
}

TEST(HtmlReport, DrawsTheExpectedShapeOnlyForTestsThatHaveOne) {
  ExerciseReport e = exercise({test_with_trace("Limited", staggered_trace()), test_with_trace("Free", staggered_trace())});
  e.expected_shapes.per_test["Gather.Limited"] = ExpectedShape{ExpectedShape::Kind::limit, 2};
  const std::string page = page_of({e});
  EXPECT_FALSE(svg_of(page, "expected", "Gather.Limited").empty());
  EXPECT_TRUE(svg_of(page, "expected", "Gather.Free").empty());
  EXPECT_NE(page.find("expected shape: <b>limit:2</b>"), std::string::npos);
  EXPECT_EQ(count(page, "<rect class=\"planned\""), 5u);
  EXPECT_EQ(count(page, "<rect class=\"request"), 10u) << "planned bars are not counted as requests";
}

TEST(HtmlReport, TheExpectedPictureIsTheReferenceRunWhenThereIsOne) {
  // The student's three requests ran out; the reference cut two of them at 100 ms.
  const std::vector<TraceRequest> own = {request(1, 0, 300), request(2, 0, 100),
                                         request(3, 0, 250)};
  std::vector<TraceRequest> reference = {request(1, 0, 100, "client_aborted"), request(2, 0, 100),
                                         request(3, 0, 100, "client_aborted")};
  ExerciseReport e = exercise({test_with_trace("First", own)});
  e.expected_shapes.every_test = ExpectedShape{ExpectedShape::Kind::concurrent, 0};
  e.reference_traces["Gather.First"] = reference;
  const std::string page = page_of({e});
  EXPECT_NE(page.find("data-source=\"reference\""), std::string::npos);
  const auto planned = rect_spans(svg_of(page, "expected", "Gather.First"), "planned");
  const auto actual = rect_spans(svg_of(page, "actual", "Gather.First"), "request[^\"]*");
  ASSERT_EQ(planned.size(), 3u);
  ASSERT_EQ(actual.size(), 3u);
  // One scale: every reference bar ends where the student's 100 ms request ends.
  for (const auto& [from, to] : planned) EXPECT_NEAR(to, actual[1].second, 0.2);
  EXPECT_GT(actual[0].second, planned[0].second + 100) << "the student's loser ran on";

  e.reference_traces.clear();
  e.reference_note = "this copy has no reference solution";
  const std::string fallback = page_of({e});
  EXPECT_NE(fallback.find("data-source=\"durations\""), std::string::npos);
  EXPECT_NE(fallback.find("this copy has no reference solution"), std::string::npos);
}

TEST(HtmlReport, EscapesHostileTextEverywhere) {
  const std::string hostile = "<script>alert(\"x&y\")</script>";
  TestResult t = test_with_trace("Name" + hostile, {request(1, 0, 10)});
  t.trace[0].target = "/delay/1\"><script>x</script>";
  t.status = TestStatus::failed;
  t.diagnosis = "sequential-awaits" + hostile;
  t.diagnosis_detail = "detail " + hostile;
  t.figures.push_back(Figure{"wall" + hostile, 1, "ms" + hostile, "<= 400" + hostile});
  TestResult plain_failure = t;
  plain_failure.name = "Plain";
  plain_failure.diagnosis.clear();
  plain_failure.failures = {"file.cpp:3\nExpected <a> & \"b\"" + hostile};
  ExerciseReport failed = exercise({t, plain_failure});
  failed.verdict = Verdict::failed;
  failed.title = "Title " + hostile;
  failed.message = "message " + hostile;
  failed.expected_shapes.every_test = ExpectedShape{ExpectedShape::Kind::concurrent, 0};
  ExerciseReport crashed = exercise({});
  crashed.id = "ex2";
  crashed.verdict = Verdict::crashed;
  crashed.signal = "SIGSEGV " + hostile;
  crashed.running_test = "Gather.Crash" + hostile;
  crashed.output = "</pre>\x1b[31m" + hostile + "\n";
  ExerciseReport broken = exercise({});
  broken.id = "ex3";
  broken.verdict = Verdict::compile_error;
  CompileError ce;
  ce.file = "ex3.hpp" + hostile;
  ce.line = 3;
  ce.column = 2;
  ce.message = "expected '>' " + hostile;
  ce.source_line = "std::vector<int> v = \"a\" & b;";
  ce.reading = hostile;
  broken.compile_error = ce;
  broken.build_log = hostile;

  const std::string page = page_of({failed, crashed, broken});
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("</pre>\x1b"), std::string::npos);
  EXPECT_EQ(page.find('\x1b'), std::string::npos) << "terminal escapes are replaced";
  // Each of the 17 fields above that carries the hostile text shows it, escaped.
  EXPECT_GE(count(page, "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"), 17u);
  EXPECT_NE(page.find("/delay/1&quot;&gt;&lt;script&gt;"), std::string::npos) << "the target, in a label and a title";
  EXPECT_NE(page.find("data-test=\"Gather.Name&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("std::vector&lt;int&gt; v = &quot;a&quot; &amp; b;"), std::string::npos);
  EXPECT_EQ(escape_markup("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
}

TEST(HtmlReport, ReferencesNothingOutsideThePage) {
  TestResult t = test_with_trace("RunsEveryAwaitableAtOnce", staggered_trace());
  t.trace[4].outcome = "client_aborted";
  t.figures.push_back(Figure{"wall_ms", 212, "ms", "about 200"});
  ExerciseReport e = exercise({t});
  e.expected_shapes.every_test = ExpectedShape{ExpectedShape::Kind::sequential, 0};
  const std::string page = page_of({e});
  ASSERT_GE(count(page, "<svg"), 2u);
  const std::string xmlns = "xmlns=\"http://www.w3.org/2000/svg\"";
  EXPECT_EQ(count(page, "http://"), count(page, xmlns)) << "the only http:// is the SVG namespace";
  EXPECT_EQ(count(page, "https://"), 0u);
  for (const char* fetches : {"<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "//fonts", "href=\"http"})
    EXPECT_EQ(page.find(fetches), std::string::npos) << fetches;
  EXPECT_EQ(count(page, "<svg"), count(page, "</svg>"));
}

TEST(HtmlReport, AnExerciseWithoutATraceStillRenders) {
  TestResult t;
  t.suite = "Generator";
  t.name = "YieldsInOrder";
  t.status = TestStatus::passed;
  t.figures.push_back(Figure{"awaits_in_a_loop", 2000, "awaits", "2000"});
  ExerciseReport e = exercise({t});
  e.chapter = "ch01-generators";
  e.name = "generator";
  const std::string page = page_of({e});
  EXPECT_NE(page.find("ch01-generators ex1 generator"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"badge passed\">PASS</span>"), std::string::npos);
  EXPECT_NE(page.find("Generator.YieldsInOrder"), std::string::npos);
  EXPECT_NE(page.find("awaits in a loop"), std::string::npos);
  EXPECT_EQ(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

TEST(HtmlReport, TheHeaderGivesVariantTotalsAndElapsedTime) {
  ExerciseReport failed = exercise({test_with_trace("A", {request(1, 0, 5)})});
  failed.id = "ex2";
  failed.verdict = Verdict::failed;
  failed.tests[0].status = TestStatus::failed;
  const std::string page = page_of({exercise({test_with_trace("B", {})}), failed});
  EXPECT_NE(page.find("variant <b>solution</b>"), std::string::npos) << page;
  EXPECT_NE(page.find("exercises <b>1 of 2 passed</b>"), std::string::npos);
  EXPECT_NE(page.find("tests <b>1 of 2 passed</b>"), std::string::npos);
  EXPECT_NE(page.find("elapsed <b>1.2 s</b>"), std::string::npos);
  EXPECT_NE(page.find("<span class=\"badge failed\">FAIL</span>"), std::string::npos);
}

TEST(HtmlReport, AStillOpenRequestIsDrawnToTheEndOfTheTrace) {
  auto trace = staggered_trace();
  trace[0].finish_ms.reset();
  trace[0].response_start_ms.reset();
  trace[0].outcome = "in_progress";
  const auto bars = actual_bars(trace);
  EXPECT_FALSE(bars[0].finished);
  EXPECT_DOUBLE_EQ(bars[0].end_ms, 520);
  const std::string svg = draw_svg_timeline(bars, {});
  EXPECT_EQ(count(svg, "<rect class=\"request unfinished\""), 1u) << svg;
}

TEST(HtmlReport, TheLegendStandsAboveTheFirstChartAndAtTheFoot) {
  auto quiet = exercise({});
  quiet.id = "ex0";  // an exercise without charts comes first
  const std::string page =
      page_of({quiet, exercise({test_with_trace("First", staggered_trace()),
                                test_with_trace("Second", staggered_trace())})});
  EXPECT_EQ(count(page, "<p class=\"legend\">"), 2u);
  const auto first_legend = page.find("<p class=\"legend\">");
  const auto first_chart = page.find("<svg xmlns=");
  ASSERT_NE(first_chart, std::string::npos);
  EXPECT_LT(first_legend, first_chart) << "the legend comes before the first chart";
  EXPECT_GT(first_legend, page.find("id=\"ch03-gather-ex1"))
      << "…in the section that holds it, not above the page";
  EXPECT_EQ(page.find("<p class=\"legend\">", first_legend + 1),
            page.find("<footer>") + std::string("<footer>\n").size());
}

TEST(HtmlReport, APageWithoutChartsHasTheLegendOnlyAtTheFoot) {
  const std::string page = page_of({exercise({})});
  EXPECT_EQ(count(page, "<p class=\"legend\">"), 1u);
  EXPECT_GT(page.find("<p class=\"legend\">"), page.find("<footer>"));
}
