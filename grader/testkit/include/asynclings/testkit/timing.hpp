// Wall-clock checks that survive a loaded machine. Bounds are ratios of the exercise's own
// delay, multiplied by one tolerance factor read from ASYNCLINGS_TIME_TOLERANCE (default 1;
// the grader raises it under sanitizers; raise it by hand on a very slow machine).
#pragma once

#include <chrono>

namespace asynclings::testkit {

// The factor from ASYNCLINGS_TIME_TOLERANCE, clamped to >= 1. Bad values mean 1.
double time_tolerance();

// <bound_ms> stretched by the tolerance factor.
double tolerant_ms(double bound_ms);

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double elapsed_ms() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }
  void restart() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// CPU time this process has used (user + system), in milliseconds.
double process_cpu_ms();

}  // namespace asynclings::testkit
