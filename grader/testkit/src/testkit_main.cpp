// The main() of every chapter test binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace {

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
  if (const char* partial = std::getenv("ASYNCLINGS_PARTIAL_RESULTS"); partial && *partial)
    ::testing::UnitTest::GetInstance()->listeners().Append(new PartialResults(partial));
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
