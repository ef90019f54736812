#include "core/grading.hpp"

#include "core/sanitizer_report.hpp"
#include "core/source_location.hpp"
#include "sandbox/process.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <asynclings/testkit/results_channel.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>

namespace asynclings::grader {

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "passed";
    case Verdict::failed: return "failed";
    case Verdict::not_started: return "not_started";
    case Verdict::compile_error: return "compile_error";
    case Verdict::crashed: return "crashed";
    case Verdict::timed_out: return "timed_out";
    case Verdict::error: return "error";
    case Verdict::interrupted: return "interrupted";
    case Verdict::tampered: return "tampered";
  }
  return "error";
}

const char* verdict_label(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "PASS";
    case Verdict::failed: return "FAIL";
    case Verdict::not_started: return "NOT STARTED";
    case Verdict::compile_error: return "COMPILE ERROR";
    case Verdict::crashed: return "CRASHED";
    case Verdict::timed_out: return "TIMED OUT";
    case Verdict::error: return "NOT GRADED";
    case Verdict::interrupted: return "INTERRUPTED";
    case Verdict::tampered: return "TAMPERED";
  }
  return "NOT GRADED";
}

bool graded(Verdict verdict) {
  return verdict == Verdict::passed || verdict == Verdict::failed || verdict == Verdict::not_started;
}

int ExerciseReport::passed_count() const {
  return static_cast<int>(std::count_if(tests.begin(), tests.end(),
      [](const TestResult& t) { return t.status == TestStatus::passed; }));
}
int ExerciseReport::failed_count() const {
  return static_cast<int>(std::count_if(tests.begin(), tests.end(),
      [](const TestResult& t) { return t.status == TestStatus::failed; }));
}

std::string last_running_test(const std::string& output) {
  std::istringstream in(output);
  std::string running;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[ RUN      ] ", 0) == 0) running = line.substr(13);
    else if (line.rfind("[       OK ] ", 0) == 0 || line.rfind("[  FAILED  ] ", 0) == 0 ||
             line.rfind("[  SKIPPED ] ", 0) == 0) {
      std::string name = line.substr(13);
      name = name.substr(0, name.find(' '));
      if (name == running) running.clear();
    }
  }
  return running;
}

std::string sanitizer_finding(const std::string& output) {
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    for (const char* marker : {"ERROR: AddressSanitizer: ", "ERROR: LeakSanitizer: ", "WARNING: ThreadSanitizer: ", "ERROR: ThreadSanitizer: "}) {
      const auto pos = line.find(marker);
      if (pos != std::string::npos) return line.substr(pos + std::string(marker).find(' ') + 1);
    }
    if (const auto pos = line.find(": runtime error: "); pos != std::string::npos)
      return "UndefinedBehaviorSanitizer: " + line.substr(pos + 2) + " at " + line.substr(0, pos);
  }
  return {};
}

Verdict verdict_from_tests(const std::vector<TestResult>& tests) {
  int passed = 0, failed = 0, not_started = 0;
  for (const auto& t : tests) {
    if (t.status == TestStatus::passed) ++passed;
    if (t.status == TestStatus::failed) {
      ++failed;
      if (t.not_started) ++not_started;
    }
  }
  if (failed == 0) return passed > 0 ? Verdict::passed : Verdict::error;
  if (passed == 0 && not_started == failed) return Verdict::not_started;
  return Verdict::failed;
}

namespace {

// The tests that finished before a hang or a crash, from the lines the testkit appends as
// each test ends (testkit_main.cpp), plus the test that never finished.
std::vector<TestResult> partial_results(const std::filesystem::path& file, const std::string& running,
                                        const std::string& why) {
  std::vector<TestResult> tests;
  std::ifstream in(file);
  std::string lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.back() == '}' && line.rfind("{\"hang\"", 0) != 0) lines += (lines.empty() ? "" : ",") + line;
  if (!lines.empty()) {
    try {
      tests = parse_gtest_json(R"({"testsuites": [{"name": "partial", "testsuite": [)" + lines + "]}]}").tests;
    } catch (const ResultsError&) {
      tests.clear();
    }
  }
  if (!running.empty()) {
    TestResult t;
    const auto dot = running.find('.');
    t.suite = running.substr(0, dot);
    t.name = dot == std::string::npos ? "" : running.substr(dot + 1);
    t.status = TestStatus::failed;
    t.failures.push_back(why);
    tests.push_back(std::move(t));
  }
  return tests;
}

// What the testkit's watchdog saw just before the limit (testkit_main.cpp): the requests of
// the hung test still open at the server, and whether the process was busy or idle. One
// sentence for the TIMED OUT verdict; empty when there is no such line.
std::string hang_reading(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string reading;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("{\"hang\"", 0) != 0) continue;
    try {
      const auto hang = nlohmann::json::parse(line).at("hang");
      const double cpu = hang.value("cpu_in_last_second", 0.0);
      const auto& open = hang.at("open_requests");
      std::ostringstream out;
      if (!open.empty()) {
        out << "it was waiting for " << open.size() << (open.size() == 1 ? " request" : " requests")
            << " still open at the server (";
        for (std::size_t i = 0; i < open.size() && i < 3; ++i)
          out << (i ? ", " : "") << open[i].value("target", "?") << " open for " << open[i].value("open_for_ms", 0) << " ms";
        if (open.size() > 3) out << ", …";
        out << ")";
      } else if (cpu > 0.5) {
        out << "no request of this test was open at the server, and the process was busy (" << std::fixed
            << std::setprecision(2) << cpu << " CPU-seconds in the last second): a loop that never waits or never ends";
      } else {
        out << "no request of this test was open at the server, and the process was idle: it waited for something "
               "nothing completes (a future or join on the loop's own thread, a lock, a timer never started, a "
               "channel nobody sends to)";
      }
      reading = out.str();
    } catch (const nlohmann::json::exception&) {
    }
  }
  return reading;
}

// "asynclings-frame: <object> 0x<offset>" lines (testkit_main.cpp) -> the first frame that
// addr2line places in one of the student's files, as "file:line: source text".
std::string first_student_frame(const std::string& output, const std::filesystem::path& binary,
                                const std::vector<std::string>& student_files) {
  if (student_files.empty()) return {};
  std::vector<std::string> offsets;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const std::string marker = "asynclings-frame: ";
    const auto at = line.find(marker);
    if (at == std::string::npos) continue;
    std::istringstream fields(line.substr(at + marker.size()));
    std::string object, offset;
    fields >> object >> offset;
    // Frames of the program itself (by name or as "self"); libraries are not the student's.
    if (object == "self" || std::filesystem::path(object).filename() == binary.filename()) offsets.push_back(offset);
  }
  if (offsets.empty()) return {};
  std::vector<std::string> argv = {"addr2line", "-e", binary.string(), "-i"};
  argv.insert(argv.end(), offsets.begin(), offsets.end());
  RunOptions options;
  options.time_limit = std::chrono::seconds(10);
  const RunResult r = run_process(argv, options);
  if (r.ending != Ending::exited || r.exit_code != 0) return {};
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    // "/path/ex2_send.hpp:86" or "/path/ex2_send.hpp:86 (discriminator 1)"
    const auto colon = line.rfind(':');
    if (colon == std::string::npos) continue;
    const std::filesystem::path file = line.substr(0, colon);
    const int number = std::atoi(line.c_str() + colon + 1);
    if (number <= 0) continue;
    if (std::find(student_files.begin(), student_files.end(), file.filename().string()) == student_files.end()) continue;
    return source_location_text(file, number, binary);
  }
  return {};
}

// The results channel's descriptor in the test binary (after stdin, stdout and stderr).
constexpr int kChannelFd = 3;

// A key of this run only, from the kernel's random source.
std::string fresh_channel_key() {
  results_channel::Key key;
  std::uint64_t words[2] = {0, 0};
  std::size_t got = 0;
  while (got < sizeof words) {
    const ssize_t n = getrandom(reinterpret_cast<char*>(words) + got, sizeof words - got, 0);
    if (n > 0)
      got += static_cast<std::size_t>(n);
    else if (errno != EINTR)
      throw std::runtime_error("getrandom: no random bytes for the results channel's key");
  }
  key.k0 = words[0];
  key.k1 = words[1];
  return results_channel::key_hex(key);
}

const char* channel_status(TestStatus status) {
  switch (status) {
    case TestStatus::passed:
      return "passed";
    case TestStatus::failed:
      return "failed";
    case TestStatus::skipped:
      return "skipped";
    case TestStatus::not_run:
      return "not run";
  }
  return "not run";
}

}  // namespace

std::string channel_disagreement(std::string_view channel, const std::string& key_hex,
                                 const std::vector<TestResult>& tests) {
  const auto key = results_channel::parse_key(key_hex);
  if (!key) return "the grader's key of the run is not 32 hex digits";
  std::set<std::string> started;
  std::map<std::string, std::string> ended;  // test -> passed, failed, skipped
  bool done = false;
  std::uint64_t number = 0;
  for (std::size_t at = 0; at < channel.size();) {
    const auto end = channel.find('\n', at);
    if (end == std::string_view::npos) return "the results channel ends in the middle of a line";
    const std::string_view line = channel.substr(at, end - at);
    at = end + 1;
    const auto event = results_channel::verified_event(*key, number, line);
    if (!event)
      return "line " + std::to_string(number + 1) +
             " of the results channel was not written by the testkit";
    ++number;
    if (done) return "the results channel has a line after the run was done";
    std::istringstream words(*event);
    std::string kind, test, status;
    words >> kind >> test >> status;
    if (kind == "start" && !test.empty() && started.insert(test).second) continue;
    if (kind == "end" && started.count(test) && !ended.count(test) &&
        (status == "passed" || status == "failed" || status == "skipped")) {
      ended[test] = status;
      continue;
    }
    if (kind == "done") {
      done = true;
      continue;
    }
    return "the results channel has an event out of place: " + *event;
  }
  if (number == 0) return "no test ran while the program wrote its report";
  if (!done) return "the program ended before its tests were done";
  std::set<std::string> reported;
  for (const auto& t : tests) {
    const std::string name = t.full_name();
    reported.insert(name);
    if (t.status == TestStatus::not_run) {
      if (started.count(name)) return "the report says " + name + " did not run, but it ran";
      continue;
    }
    const auto it = ended.find(name);
    if (it == ended.end())
      return "the report has " + name + " " + channel_status(t.status) +
             ", but it never ran to its end";
    if (it->second != channel_status(t.status))
      return "the report says " + name + " " + channel_status(t.status) + ", but it " + it->second +
             " when it ran";
  }
  for (const auto& name : started)
    if (!reported.count(name)) return name + " ran, but the report leaves it out";
  return {};
}

void grade_binary(const std::filesystem::path& binary, const GradeOptions& options,
                  ExerciseReport& report) {
  std::error_code ec;
  if (!std::filesystem::exists(binary, ec)) {
    report.verdict = Verdict::error;
    report.message = "no test binary at " + binary.string() + " (was it built?)";
    return;
  }
  auto dir = options.results_dir;
  if (dir.empty()) dir = std::filesystem::temp_directory_path() / ("asynclings-grader-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir, ec);
  const auto results = dir / (binary.filename().string() + ".json");
  const auto partial = dir / (binary.filename().string() + ".partial.jsonl");
  std::filesystem::remove(results, ec);
  std::filesystem::remove(partial, ec);

  RunOptions run_options;
  run_options.time_limit = options.time_limit;
  run_options.extra_env = options.extra_env;
  run_options.address_space_bytes = options.limit_address_space ? options.address_space_bytes : ~0ull;
  // Colours in the captured output would garble the excerpt we show.
  run_options.extra_env.push_back("GTEST_COLOR=no");
  run_options.extra_env.push_back(std::string(protocol::kPartialResultsEnv) + "=" + partial.string());
  // The watchdog reports what a hung test waited for shortly before the limit.
  const auto limit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options.time_limit).count();
  if (limit_ms > 3000) run_options.extra_env.push_back(std::string(protocol::kHangReportAtEnv) + "=" + std::to_string(limit_ms - 700));
  if (options.confine) {
    run_options.writable_dir = dir;
    run_options.extra_env.push_back("TMPDIR=" + dir.string());
  }
  // The results channel: a pipe the grader reads as the tests run, and a key of this run that
  // the testkit takes before any code of the student's runs (results_channel.hpp).
  std::string channel_key;
  if (options.results_channel) {
    channel_key = fresh_channel_key();
    run_options.channel_fd = kChannelFd;
    run_options.extra_env.push_back(std::string(results_channel::kKeyVariable) + "=" + channel_key);
    run_options.extra_env.push_back(std::string(results_channel::kFdVariable) + "=" +
                                    std::to_string(kChannelFd));
  }
  const RunResult run = run_process(
      {binary.string(), "--gtest_output=json:" + results.string(), "--gtest_color=no"}, run_options);

  report.elapsed_ms = static_cast<double>(run.elapsed.count());
  report.exit_code = run.exit_code;
  report.output = run.output;
  report.output_truncated = run.output_truncated;
  report.stray_processes_killed = run.stray_processes_killed;
  report.time_limit_s = std::chrono::duration<double>(options.time_limit).count();

  const std::string finding = sanitizer_finding(run.output);
  if (!finding.empty()) {
    // A sanitizer report is the diagnosis, whatever the tests said.
    report.verdict = Verdict::crashed;
    report.message = without_addresses(finding);
    report.running_test = last_running_test(run.output);
    if (!report.running_test.empty()) report.message += " (in " + report.running_test + ")";
    const SanitizerReport read = read_sanitizer_report(run.output, binary, options.student_files);
    report.crash_location = read.location;
    if (!read.location.empty()) report.message += ", at " + read.location;
    report.memory_error.reading = read.reading;
    report.memory_error.freed_at = read.freed_at;
    report.memory_error.dead_variable = read.dead_variable;
    report.memory_error.excerpt = read.excerpt;
    std::filesystem::remove(results, ec);
    return;
  }
  std::optional<TestReport> tests;
  if (run.ending == Ending::exited && std::filesystem::exists(results, ec)) {
    try {
      tests = read_gtest_json(results);
    } catch (const ResultsError& e) {
      report.message = e.what();
    }
  }
  std::filesystem::remove(results, ec);
  if (tests) report.tests = tests->tests;
  // A run that ended without its report still tells what the finished tests found.
  auto keep_partial = [&](const std::string& why) {
    if (!tests) report.tests = partial_results(partial, report.running_test, why);
    std::filesystem::remove(partial, ec);
  };

  switch (run.ending) {
    case Ending::failed_to_start:
      report.verdict = Verdict::error;
      report.message = run.error;
      return;
    case Ending::interrupted:
      report.verdict = Verdict::interrupted;
      report.message = "interrupted (" + signal_name(interrupt_signal()) + ")";
      report.running_test = last_running_test(run.output);
      return;
    case Ending::timed_out: {
      report.verdict = Verdict::timed_out;
      std::ostringstream m;
      m << "timed out after " << report.time_limit_s << " s";
      if (report.inherent_delay_ms > 0) m << ", expected about " << report.inherent_delay_ms / 1000.0 << " s";
      m << " (killed with everything it started)";
      report.message = m.str();
      report.running_test = last_running_test(run.output);
      if (!report.running_test.empty()) report.message = "hung in " + report.running_test + ": " + report.message;
      if (const std::string reading = hang_reading(partial); !reading.empty()) report.message += "; " + reading;
      keep_partial("did not finish: the run was stopped here after " + std::to_string(static_cast<int>(report.time_limit_s)) + " s");
      return;
    }
    case Ending::signaled:
      report.verdict = Verdict::crashed;
      report.signal = signal_name(run.signal);
      report.running_test = last_running_test(run.output);
      report.message = "crashed with " + report.signal;
      if (!report.running_test.empty()) report.message += " in " + report.running_test;
      report.crash_location = first_student_frame(run.output, binary, options.student_files);
      if (!report.crash_location.empty()) report.message += ", at " + report.crash_location;
      keep_partial("crashed here with " + report.signal);
      if (run.output.find("terminate called") != std::string::npos)
        report.message += " (std::terminate: an exception escaped, or a joinable std::thread was destroyed)";
      return;
    case Ending::exited:
      break;
  }
  if (!tests) {
    // GoogleTest always writes its report unless the program ended early (exit(), _exit())
    report.verdict = Verdict::crashed;
    report.running_test = last_running_test(run.output);
    report.message = "exited with code " + std::to_string(run.exit_code) + " before reporting its results";
    if (!report.running_test.empty()) report.message += " (during " + report.running_test + ")";
    keep_partial("the program exited here");
    return;
  }
  if (!options.expected_tests.empty()) {
    // Every trusted test must appear once, and nothing else: a report with other names, or
    // without some, did not come from running the trusted tests.
    std::set<std::string> seen;
    std::string unknown, doubled;
    for (const auto& t : report.tests) {
      if (!options.expected_tests.count(t.full_name()) && unknown.empty()) unknown = t.full_name();
      if (!seen.insert(t.full_name()).second && doubled.empty()) doubled = t.full_name();
    }
    std::string missing;
    for (const auto& name : options.expected_tests)
      if (!seen.count(name)) {
        missing = name;
        break;
      }
    if (!unknown.empty() || !missing.empty() || !doubled.empty()) {
      report.verdict = Verdict::tampered;
      report.message = "the test report does not match the trusted tests (" +
                       (!unknown.empty() ? "it lists " + unknown + ", which the tests do not declare"
                        : !missing.empty() ? "it leaves out " + missing
                                           : "it lists " + doubled + " twice") +
                       "): it was not written by the tests alone";
      return;
    }
  }
  if (options.results_channel) {
    std::string why = run.channel_truncated
                          ? "the results channel overflowed"
                          : channel_disagreement(run.channel, channel_key, report.tests);
    if (!why.empty()) {
      report.verdict = Verdict::tampered;
      report.message = "the test report disagrees with what the grader saw the tests do (" + why +
                       "): it was not written by the tests alone";
      return;
    }
  }
  std::filesystem::remove(partial, ec);
  report.verdict = verdict_from_tests(report.tests);
  if (report.verdict == Verdict::error) report.message = "the test binary ran no tests";
  else if (report.verdict == Verdict::passed && run.exit_code != 0) {
    report.verdict = Verdict::failed;
    report.message = "every test passed but the program exited with code " + std::to_string(run.exit_code);
  }
}

}  // namespace asynclings::grader
