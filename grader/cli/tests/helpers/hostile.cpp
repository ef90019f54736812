// Programs that misbehave on purpose, one per mode, for the sandbox tests. Student code is
// hostile by accident; these are hostile by design.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void write_pid(const char* file, pid_t pid) { std::ofstream(file) << pid << "\n"; }

// Looks like a GoogleTest binary that is in the middle of a test.
void announce_test() {
  std::printf("[==========] Running 2 tests from 1 test suite.\n[ RUN      ] Hostile.First\n[       OK ] Hostile.First (0 ms)\n[ RUN      ] Hostile.Second\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  // Run as a test binary (grade_binary passes --gtest_* flags), the mode comes from the
  // environment; run directly, from the arguments.
  const char* env_mode = std::getenv("GRADER_HOSTILE_MODE");
  const std::string mode = env_mode ? env_mode : argc > 1 ? argv[1] : "";
  const char* env_arg = std::getenv("GRADER_HOSTILE_ARG");
  const char* arg = env_arg ? env_arg : argc > 2 ? argv[2] : "/dev/null";
  if (mode == "loop") {
    announce_test();
    volatile unsigned long n = 0;
    for (;;) n = n + 1;
  }
  if (mode == "sleep") {
    announce_test();
    for (;;) pause();
  }
  if (mode == "segv") {
    announce_test();
    volatile int* p = nullptr;
    *p = 42;
  }
  if (mode == "abort") {
    announce_test();
    std::abort();
  }
  if (mode == "terminate") {
    announce_test();
    throw std::runtime_error("escaped");
  }
  if (mode == "orphan") {
    // Leaves a child running and exits successfully.
    const pid_t child = fork();
    if (child == 0) {
      for (;;) pause();
    }
    write_pid(arg, child);
    return 0;
  }
  if (mode == "escape") {
    // A grandchild leaves the process group (setsid) and keeps running; the parent exits.
    const pid_t child = fork();
    if (child == 0) {
      setsid();
      const pid_t grandchild = fork();
      if (grandchild == 0) {
        for (;;) pause();
      }
      write_pid(arg, grandchild);
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return 0;
  }
  if (mode == "flood") {
    // 64 MiB of output.
    std::string line(1023, 'y');
    line += '\n';
    std::printf("FIRST LINE\n");
    for (int i = 0; i < 64 * 1024; ++i) std::fwrite(line.data(), 1, line.size(), stdout);
    std::printf("LAST LINE\n");
    return 0;
  }
  if (mode == "hog") {
    // 20 GB: the address-space limit refuses it. Only one byte per block is touched, so
    // without the limit overcommit would grant all 20 (and the run would exit 0), while with
    // it the run fails fast without the machine paging in gigabytes first.
    std::vector<char*> blocks;
    for (int i = 0; i < 20; ++i) {
      char* block = new char[1ull << 30];
      block[0] = 1;
      blocks.push_back(block);
    }
    return blocks.size() == 20 ? 0 : 1;
  }
  if (mode == "fork_many") {
    // A bounded fork bomb (the grader's tests may run as root, where RLIMIT_NPROC does
    // not apply): 300 children, each with a grandchild, all sleeping forever.
    for (int i = 0; i < 300; ++i) {
      const pid_t child = fork();
      if (child < 0) break;
      if (child == 0) {
        if (fork() == 0) for (;;) pause();
        for (;;) pause();
      }
    }
    for (;;) pause();
  }
  if (mode == "partial_then_loop") {
    // Like the testkit: the first test finished (with a diagnosis) before the second hangs.
    if (const char* partial = std::getenv("ASYNCLINGS_PARTIAL_RESULTS"))
      std::ofstream(partial) << R"({"classname": "Hostile", "name": "First", "status": "RUN", "result": "COMPLETED", )"
                             << R"("time": "0.1s", "failures": [{"failure": "wrong", "type": ""}], )"
                             << R"("diagnosis": "sequential-awaits", "diagnosis_detail": "one after another"})" << "\n"
                             << R"({"hang": {"test": "Hostile.Second", "cpu_in_last_second": 0.01, "finished_requests": 1, )"
                             << R"("open_requests": [{"target": "/delay/5?tag=t", "open_for_ms": 900}]}})" << "\n";
    announce_test();
    volatile unsigned long n = 0;
    for (;;) n = n + 1;
  }
  if (mode == "exit3") {
    announce_test();
    std::exit(3);
  }
  if (mode == "fake_gtest") {
    // Copies the fixture named by GRADER_FAKE_RESULTS to --gtest_output=json:FILE.
    std::string out;
    for (int i = 1; i < argc; ++i)
      if (std::strncmp(argv[i], "--gtest_output=json:", 20) == 0) out = argv[i] + 20;
    const char* fixture = std::getenv("GRADER_FAKE_RESULTS");
    if (out.empty() || fixture == nullptr) return 99;
    std::ifstream in(fixture);
    std::ofstream(out) << in.rdbuf();
    return std::getenv("GRADER_FAKE_EXIT") ? std::atoi(std::getenv("GRADER_FAKE_EXIT")) : 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 64;
}
