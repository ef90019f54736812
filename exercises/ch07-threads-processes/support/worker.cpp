// ch07-worker: the bundled worker program of the process-pool exercises.
//
// It reads one job per line on stdin, "<seed> <samples>", and answers each on stdout with
// "<pid> <pgid> <hits>" (its own process id, its process group, and hits_in_chunk). It
// exits when stdin ends. Special inputs (see monte_carlo.hpp):
//   seed kPoisonSeed  -> abort(): the worker crashes, as a bug in real worker code would;
//   seed kSleepySeed  -> sleeps 60 s before answering (a job the caller gives up on).
//
// Like many real workers it runs a helper process of its own (a forked child that just
// waits). The worker stops its helper when it exits normally; when the worker crashes or is
// killed, the helper is left behind — unless whoever started the worker kills the worker's
// whole process group. Arguments are ignored (tests pass a tag to find their workers), except
// two the tests use to see when jobs ran, whatever the machine's load:
//   --nap-ms=N   sleep N ms at the start of every job (jobs then overlap in time only if
//                the pool really gives several workers a job at once);
//   --log=PATH   append "<pid> <start_ns> <end_ns>\n" per job (steady clock) to PATH.
#include <ch07/monte_carlo.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fcntl.h>
#include <iostream>
#include <string>
#include <sys/prctl.h>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

namespace {

pid_t start_helper() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NAME, "ch07-helper");
    // The helper must not keep the worker's pipes open: the parent sees the worker's stdout
    // end when the worker dies.
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    for (;;) ::pause();
  }
  return pid;
}

}  // namespace

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int main(int argc, char** argv) {
  long nap_ms = 0;
  std::string log_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--nap-ms=", 9) == 0) nap_ms = std::atol(argv[i] + 9);
    if (std::strncmp(argv[i], "--log=", 6) == 0) log_path = argv[i] + 6;
  }
  // Boost.Process 1.81 does not close the parent's other descriptors in the child, so a
  // worker starts with copies of its own pipe ends and of other workers' pipes. Keeping them
  // (and passing them on to the helper) would hold pipes open after their owner died — a
  // crashed worker's stdout would never reach end-of-file. Keep only stdin, stdout, stderr.
  ::close_range(3, ~0U, 0);
  const pid_t helper = start_helper();
  std::uint64_t seed = 0, samples = 0;
  while (std::cin >> seed >> samples) {
    if (seed == ch07::kPoisonSeed) std::abort();
    if (seed == ch07::kSleepySeed) ::sleep(60);
    const std::int64_t start = now_ns();
    if (nap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(nap_ms));
    const std::uint64_t hits = ch07::hits_in_chunk(ch07::Chunk{seed, samples});
    if (!log_path.empty()) {
      const std::string entry = std::to_string(::getpid()) + ' ' + std::to_string(start) + ' ' +
                                std::to_string(now_ns()) + '\n';
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      if (fd >= 0) {
        (void)!::write(fd, entry.data(), entry.size());  // one small append: never interleaved
        ::close(fd);
      }
    }
    std::cout << ::getpid() << ' ' << ::getpgrp() << ' ' << hits << std::endl;  // flushes
  }
  if (helper > 0) {
    ::kill(helper, SIGKILL);
    ::waitpid(helper, nullptr, 0);
  }
  return 0;
}
