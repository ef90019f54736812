// course_table as a user runs it, checked on its JSON. Short delays keep each run to a few
// seconds. Speed is judged only as ratios with room for a busy machine; the overlap is
// judged on the server's own trace (peak in flight), which timing cannot blur.
#include "sandbox/process.hpp"  // the grader sandbox's run_process

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace course_table {
namespace {

struct CourseTableRun {
  asynclings::grader::RunResult process;  // stdout and stderr together
  nlohmann::json report;                  // null when the output held no JSON report
};

CourseTableRun run_course_table(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), COURSE_TABLE_PATH);
  asynclings::grader::RunOptions options;
  options.sandbox = false;
  options.time_limit = std::chrono::seconds{50};
  options.output_cap = 0;
  CourseTableRun run{asynclings::grader::run_process(arguments, options), nullptr};
  // --json prints only the report on stdout; it starts at the first line opening an object.
  const std::string& output = run.process.output;
  const auto start = output.rfind('{', 0) == 0 ? 0 : output.find("\n{");
  if (start != std::string::npos) {
    run.report = nlohmann::json::parse(output.substr(start), nullptr, /*allow_exceptions=*/false);
  }
  return run;
}

// The measured row of <client> for <n>, or null.
nlohmann::json row_of(const nlohmann::json& report, int n, const std::string& client) {
  for (const auto& row : report.value("rows", nlohmann::json::array())) {
    if (row.value("n", 0) == n && row.value("client", "") == client) return row;
  }
  return nullptr;
}

std::string explain(const CourseTableRun& run) {
  return "exit code " + std::to_string(run.process.exit_code) + "\noutput:\n" + run.process.output;
}

TEST(CourseTable, RejectsOptionsOutsideTheirRange) {
  const std::vector<std::vector<std::string>> bad_options{
      {"--n", "0"}, {"--n", "5,many"}, {"--delay-ms", "-200"}, {"--latency", "fast"}, {"--jitter", "-1"},
      {"--clients", "rust"}};
  for (const auto& options : bad_options) {
    const auto run = run_course_table(options);
    EXPECT_NE(run.process.exit_code, 0) << options[0] << " " << options[1] << "\n" << explain(run);
    EXPECT_NE(run.process.output.find(options[0]), std::string::npos)
        << "the message should name " << options[0] << "\n" << explain(run);
    EXPECT_FALSE(run.report.is_object()) << "no table after bad options\n" << explain(run);
  }
}

TEST(CourseTable, ConcurrentCppRunOverlapsAllRequestsAndBeatsTheSequentialLoop) {
  const auto run = run_course_table({"--n", "5", "--delay-ms", "200", "--json", "--clients", "cpp"});
  ASSERT_EQ(run.process.exit_code, 0) << explain(run);
  ASSERT_FALSE(run.report.is_discarded()) << "stdout is not JSON\n" << explain(run);

  const auto& course = run.report["course"]["rows"];
  ASSERT_EQ(course.size(), 2u) << run.report.dump(2);
  EXPECT_EQ(course[0]["n"], 5);
  EXPECT_DOUBLE_EQ(course[0]["speedup"].get<double>(), 4.6);
  EXPECT_EQ(course[1]["n"], 20);
  EXPECT_DOUBLE_EQ(course[1]["speedup"].get<double>(), 17.0);

  const auto cpp = row_of(run.report, 5, "cpp");
  ASSERT_TRUE(cpp.is_object()) << "no C++ row for N=5\n" << run.report.dump(2);
  EXPECT_EQ(cpp["sync_peak_in_flight"], 1) << "the blocking loop must send one request at a time";
  EXPECT_EQ(cpp["async_peak_in_flight"], 5) << "the concurrent run must hold all 5 at once";
  // The server waits 200 ms per request before answering: no run can beat that.
  EXPECT_GE(cpp["sync_s"].get<double>(), 5 * 0.2);
  EXPECT_GE(cpp["async_s"].get<double>(), 0.2);
  EXPECT_GE(cpp["speedup"].get<double>(), 3.0) << "ideal on loopback is 5x\n" << cpp.dump(2);
  EXPECT_DOUBLE_EQ(cpp["model_speedup"].get<double>(), 5.0);
  EXPECT_FALSE(run.report["python"]["asked"].get<bool>());
}

TEST(CourseTable, PassesTheLatencyToTheServerForEveryResponse) {
  // 100 ms of delay plus 100 ms of latency: five blocking requests take at least 1 s,
  // where the delay alone would take 0.5 s.
  const auto run = run_course_table({"--n", "5", "--delay-ms", "100", "--latency", "100", "--json", "--clients", "cpp"});
  ASSERT_EQ(run.process.exit_code, 0) << explain(run);
  const auto cpp = row_of(run.report, 5, "cpp");
  ASSERT_TRUE(cpp.is_object()) << explain(run);
  EXPECT_GE(cpp["sync_s"].get<double>(), 5 * (0.1 + 0.1));
  EXPECT_GE(cpp["async_s"].get<double>(), 0.1 + 0.1);
  EXPECT_EQ(run.report["settings"]["latency_ms"], 100);
}

TEST(CourseTable, PythonRowsShowGatherBeatingTheRequestsLoop) {
  // The course's own 1 s delay, not 200 ms: the httpx run pays a one-off setup of about
  // 0.2 s of CPU (certificates, imports on first use), which a machine whose cores are busy
  // stretches to 0.7 s; the ratio must still show the overlap, not the interpreter.
  const auto run = run_course_table({"--n", "5", "--delay-ms", "1000", "--json", "--clients", "python"});
  ASSERT_EQ(run.process.exit_code, 0) << explain(run);
  ASSERT_FALSE(run.report.is_discarded()) << "stdout is not JSON\n" << explain(run);
  const auto& python = run.report["python"];
  ASSERT_TRUE(python["available"].get<bool>())
      << "the Python rows were not measured: " << python["reason"].get<std::string>()
      << "\nThis test needs /usr/bin/python3 with requests and httpx: "
         "apt install python3-requests python3-httpx";

  const auto row = row_of(run.report, 5, "python");
  ASSERT_TRUE(row.is_object()) << "no Python row for N=5\n" << run.report.dump(2);
  EXPECT_EQ(row["sync_peak_in_flight"], 1) << "the requests loop must send one request at a time";
  EXPECT_EQ(row["async_peak_in_flight"], 5) << "asyncio.gather must hold all 5 at once";
  EXPECT_GE(row["sync_s"].get<double>(), 5 * 1.0);
  EXPECT_GE(row["async_s"].get<double>(), 1.0);
  EXPECT_GE(row["speedup"].get<double>(), 2.5) << "ideal on loopback is 5x\n" << row.dump(2);
  EXPECT_FALSE(row_of(run.report, 5, "cpp").is_object()) << "--clients python measures Python only";
}

}  // namespace
}  // namespace course_table
