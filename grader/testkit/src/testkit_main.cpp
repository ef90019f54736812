// The main() of every chapter test binary.
#include <asynclings/testkit/server_test.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dlfcn.h>
#include <execinfo.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Just before the grader's time limit (ASYNCLINGS_HANG_REPORT_AT_MS after start), says what
// the running test was waiting for: its requests still open at the server, and whether the
// process was busy (a loop that never waits) or idle (waiting for something that never
// comes) over the last second. One line in the partial results; the grader puts it in the
// TIMED OUT verdict.
void start_hang_watchdog(const char* partial_path, long report_at_ms) {
  std::thread([path = std::string(partial_path), report_at_ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(report_at_ms - 1000));
    const double cpu_before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const double busy = cpu_seconds() - cpu_before;  // CPU seconds in one wall second
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    nlohmann::json hang = {{"test", test ? std::string(test->test_suite_name()) + "." + test->name() : ""},
                           {"cpu_in_last_second", busy}};
    auto open = nlohmann::json::array();
    const std::string tag = asynclings::testkit::running_test_tag();
    if (!tag.empty() && asynclings::testkit::shared_server_started()) {
      int finished = 0;
      for (const auto& r : asynclings::testkit::shared_server().trace().records(tag)) {
        if (r.outcome != asynclings::server::Outcome::in_progress) {
          ++finished;
          continue;
        }
        const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
            asynclings::server::Clock::now() - r.arrival);
        open.push_back({{"target", r.target}, {"open_for_ms", since.count()}});
      }
      hang["finished_requests"] = finished;
    }
    hang["open_requests"] = open;
    std::ofstream(path, std::ios::app) << nlohmann::json{{"hang", hang}}.dump(-1, ' ', false,
                                                                              nlohmann::json::error_handler_t::replace)
                                       << "\n" << std::flush;
  }).detach();
}

// Each finished test, as one line in GoogleTest's own JSON shape, appended to the file the
// grader names in ASYNCLINGS_PARTIAL_RESULTS. When the binary hangs or crashes, GoogleTest
// never writes its report; these lines keep the findings of the tests that did finish. They
// only ever explain a run that did not complete: they cannot make one pass.
class PartialResults : public ::testing::EmptyTestEventListener {
 public:
  explicit PartialResults(const char* path) : out_(path, std::ios::app) {}

  void OnTestEnd(const ::testing::TestInfo& test) override {
    const auto* result = test.result();
    nlohmann::json line = {{"classname", test.test_suite_name()},
                           {"name", test.name()},
                           {"status", "RUN"},
                           {"result", result->Skipped() ? "SKIPPED" : "COMPLETED"},
                           {"time", std::to_string(result->elapsed_time() / 1000.0) + "s"}};
    auto failures = nlohmann::json::array();
    for (int i = 0; i < result->total_part_count(); ++i) {
      const auto& part = result->GetTestPartResult(i);
      if (part.failed()) failures.push_back({{"failure", part.message()}, {"type", ""}});
    }
    line["failures"] = failures;
    for (int i = 0; i < result->test_property_count(); ++i)
      line[result->GetTestProperty(i).key()] = result->GetTestProperty(i).value();
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
  }

 private:
  std::ofstream out_;
};

// On a crash, the frames as "asynclings-frame: <object> <offset>" on stderr, so the grader
// can name the first frame in the student's file (addr2line on its side). Only
// async-signal-safe calls after the first backtrace() (which is primed in main()).
void print_frames(int signal_number) {
  void* frames[64];
  const int count = backtrace(frames, 64);
  char line[512];
  for (int i = 0; i < count; ++i) {
    Dl_info info;
    if (dladdr(frames[i], &info) == 0) continue;
    // The program itself has no name in the link map: "self" (the grader knows the binary).
    const char* object = info.dli_fname != nullptr && info.dli_fname[0] != '\0' ? info.dli_fname : "self";
    const auto offset = reinterpret_cast<char*>(frames[i]) - reinterpret_cast<char*>(info.dli_fbase);
    // A return address points after the call: one byte back lands inside the calling line.
    const int n = std::snprintf(line, sizeof line, "asynclings-frame: %s 0x%lx\n", object,
                                static_cast<unsigned long>(offset > 0 ? offset - 1 : offset));
    if (n > 0) (void)!write(STDERR_FILENO, line, static_cast<std::size_t>(n) < sizeof line ? n : sizeof line - 1);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void install_crash_frames() {
  void* prime[1];
  backtrace(prime, 1);  // loads libgcc now, not inside the signal handler
  static char alternate_stack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof alternate_stack;
  sigaltstack(&stack, nullptr);  // a stack overflow still gets its frames
  struct sigaction action {};
  action.sa_handler = print_frames;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(s, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  // Writing to a socket the peer closed raises SIGPIPE, whose default action kills the
  // process: a student's half-closed connection must fail one test, not the whole binary.
  std::signal(SIGPIPE, SIG_IGN);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  install_crash_frames();  // sanitizers print their own, better, frames
#endif
  ::testing::InitGoogleTest(&argc, argv);
  if (const char* partial = std::getenv("ASYNCLINGS_PARTIAL_RESULTS"); partial && *partial) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new PartialResults(partial));
    const char* at = std::getenv("ASYNCLINGS_HANG_REPORT_AT_MS");
    if (const long at_ms = at ? std::atol(at) : 0; at_ms > 1500) start_hang_watchdog(partial, at_ms);
  }
  const int result = RUN_ALL_TESTS();
  // The report is written: end here, without running static destructors or at-exit
  // handlers. Code of the student's that would run after the tests (to rewrite the report,
  // or to change the exit code) never gets the chance (docs/grading-integrity.md). Under a
  // sanitizer the normal exit stays, so LeakSanitizer's at-exit check still runs.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  std::fflush(nullptr);
  std::_Exit(result);
#else
  return result;
#endif
}
