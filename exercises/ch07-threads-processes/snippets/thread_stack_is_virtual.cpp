// A waiting thread reserves its whole stack (VmSize) but touches only a few pages (VmRSS).
#include <fstream>
#include <latch>
#include <mutex>
#include <condition_variable>
#include <string>
#include <thread>
#include <vector>

struct Memory {
  long rss_kb = 0, vsz_kb = 0;
};

Memory read_memory() {
  Memory m;
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> m.rss_kb;
    else if (key == "VmSize:") status >> m.vsz_kb;
  }
  return m;
}

int main() {
  const int n = 50;
  std::latch waiting(n);
  std::mutex mutex;
  std::condition_variable cv;
  bool go = false;
  const Memory before = read_memory();
  Memory during;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&] {
        std::unique_lock lock(mutex);
        waiting.count_down();
        cv.wait(lock, [&] { return go; });
      });
    }
    waiting.wait();
    during = read_memory();
    {
      std::lock_guard lock(mutex);
      go = true;
    }
    cv.notify_all();
  }
  const long vsz_each = (during.vsz_kb - before.vsz_kb) / n;
  const long rss_each = (during.rss_kb - before.rss_kb) / n;
  // About the stack size (8192 kB by default) virtual; a few dozen kB resident at most.
  return vsz_each > 1024 && rss_each < vsz_each / 8 ? 0 : 1;
}
