// Threads with a counter each, added up after join: no data race, no lock while computing.
#include <cstdint>
#include <thread>
#include <vector>

int main() {
  const unsigned threads = 2;
  std::vector<std::uint64_t> per_thread(threads, 0);
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&per_thread, t] {
        std::uint64_t mine = 0;
        for (std::uint64_t i = 0; i < 1'000'000; ++i) mine += i % 3 == 0 ? 1 : 0;
        per_thread[t] = mine;  // one write, to this thread's own slot
      });
    }
  }  // std::jthread joins in its destructor
  std::uint64_t total = 0;
  for (auto n : per_thread) total += n;
  return total == 2 * 333'334 ? 0 : 1;
}
