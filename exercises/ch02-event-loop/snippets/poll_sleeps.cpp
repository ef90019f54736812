// Waiting in poll(2) costs no CPU: the kernel parks the thread until a descriptor is ready
// or the timeout passes. Polling with a zero timeout in a loop gets the same answer and
// burns a core doing it.
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>

double cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

int main() {
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pollfd watched{fds[0], POLLIN, 0};  // nobody ever writes to this pipe
  using Clock = std::chrono::steady_clock;

  double cpu = cpu_ms();
  auto start = Clock::now();
  const int ready = poll(&watched, 1, 200);  // wait up to 200 ms for data
  const double sleeping_cpu = cpu_ms() - cpu;

  cpu = cpu_ms();
  start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds(200)) poll(&watched, 1, 0);  // peek, peek, peek…
  const double spinning_cpu = cpu_ms() - cpu;

  std::printf("poll with a 200 ms timeout: %d ready, %.1f ms of CPU\n", ready, sleeping_cpu);
  std::printf("200 ms of poll with timeout 0: %.1f ms of CPU\n", spinning_cpu);
  close(fds[0]);
  close(fds[1]);
  return ready == 0 && sleeping_cpu < spinning_cpu ? 0 : 1;
}
