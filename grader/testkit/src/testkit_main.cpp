// The main() of every chapter test binary.
#include <asynclings/testkit/results_channel.hpp>
#include <asynclings/testkit/server_test.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

namespace {

namespace channel = asynclings::results_channel;

// The results channel (results_channel.hpp), taken by take_results_channel() before any other
// code of the program runs.
struct ResultsChannel {
  int fd = -1;
  channel::Key key;
  pid_t owner = 0;  // a process forked from this one writes nothing
  std::uint64_t next = 0;

  void send(const std::string& event) {
    if (fd < 0 || getpid() != owner) return;
    const std::string line = channel::signed_line(key, next++, event);
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = write(fd, line.data() + done, line.size() - done);
      if (n > 0)
        done += static_cast<std::size_t>(n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        return;
    }
  }
};
constinit ResultsChannel g_channel;

// Whether <entry> ("NAME=value") is the variable <name>; its value then.
const char* value_of(const char* entry, const char* name) {
  std::size_t i = 0;
  for (; name[i] != '\0'; ++i)
    if (entry[i] != name[i]) return nullptr;
  return entry[i] == '=' ? entry + i + 1 : nullptr;
}

// Runs from .preinit_array: before the constructors of libraries and of the program, so before
// any code of the student's. Takes the channel's descriptor and key and erases both variables
// from the environment (their bytes too, so /proc/self/environ no longer has them). Plain loops
// only: the C library and the sanitizers are not initialised yet.
void take_results_channel(int, char**, char** envp) {
  if (envp == nullptr) return;
  char** out = envp;
  for (char** e = envp; *e != nullptr; ++e) {
    const char* key = value_of(*e, channel::kKeyVariable);
    const char* fd = value_of(*e, channel::kFdVariable);
    if (key == nullptr && fd == nullptr) {
      *out++ = *e;
      continue;
    }
    if (key != nullptr) {
      std::size_t n = 0;
      while (key[n] != '\0') ++n;
      if (const auto parsed = channel::parse_key(std::string_view(key, n))) g_channel.key = *parsed;
    } else {
      int number = 0;
      for (const char* c = fd; *c >= '0' && *c <= '9' && number < 100000; ++c)
        number = number * 10 + (*c - '0');
      g_channel.fd = *fd != '\0' ? number : -1;
    }
    for (volatile char* c = *e; *c != '\0'; ++c) *c = '\0';
  }
  *out = nullptr;
  if (g_channel.fd >= 0) {
    fcntl(g_channel.fd, F_SETFD, FD_CLOEXEC);  // a program it starts does not inherit it
    g_channel.owner = getpid();
  }
}
// Not const: a constant would go to a read-only section of the same name, which the linker
// refuses to merge with the loader's array.
[[gnu::section(".preinit_array"),
  gnu::used]] void (*g_take_results_channel)(int, char**, char**) = take_results_channel;

// Each test's start and end (passed, failed or skipped, as GoogleTest decided it) on the
// results channel; the grader compares them with the report.
class ChannelEvents : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& test) override {
    g_channel.send(std::string("start ") + test.test_suite_name() + "." + test.name());
  }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    const auto* result = test.result();
    const char* status = result->Failed() ? "failed" : result->Skipped() ? "skipped" : "passed";
    g_channel.send(std::string("end ") + test.test_suite_name() + "." + test.name() + " " + status);
  }
};

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
  if (g_channel.fd >= 0) ::testing::UnitTest::GetInstance()->listeners().Append(new ChannelEvents);
  if (const char* partial = std::getenv(asynclings::protocol::kPartialResultsEnv); partial && *partial) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new PartialResults(partial));
    const char* at = std::getenv(asynclings::protocol::kHangReportAtEnv);
    if (const long at_ms = at ? std::atol(at) : 0; at_ms > 1500) start_hang_watchdog(partial, at_ms);
  }
  const int result = RUN_ALL_TESTS();
  // After the report: the grader believes a report only when this line follows the tests' own.
  g_channel.send("done " + std::to_string(result));
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
