#include <asynclings/testkit/timing.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace asynclings::testkit;
using namespace std::chrono_literals;

// Sets ASYNCLINGS_TIME_TOLERANCE (or unsets it, for nullopt) for one scope.
class ToleranceVariable {
 public:
  explicit ToleranceVariable(std::optional<std::string> value) {
    if (const char* old = std::getenv(kName)) saved_ = old;
    if (value) {
      setenv(kName, value->c_str(), 1);
    } else {
      unsetenv(kName);
    }
  }
  ~ToleranceVariable() {
    if (saved_) {
      setenv(kName, saved_->c_str(), 1);
    } else {
      unsetenv(kName);
    }
  }

 private:
  static constexpr const char* kName = "ASYNCLINGS_TIME_TOLERANCE";
  std::optional<std::string> saved_;
};

TEST(TimeTolerance, IsOneWhenTheVariableIsUnset) {
  ToleranceVariable unset{std::nullopt};
  EXPECT_EQ(time_tolerance(), 1.0);
}

TEST(TimeTolerance, ReadsAFactorAboveOneFromTheVariable) {
  ToleranceVariable v{"2.5"};
  EXPECT_EQ(time_tolerance(), 2.5);
}

TEST(TimeTolerance, NeverTightensBoundsBelowOne) {
  ToleranceVariable v{"0.5"};
  EXPECT_EQ(time_tolerance(), 1.0);
}

TEST(TimeTolerance, TreatsValuesThatAreNotFiniteNumbersAsOne) {
  for (const char* bad : {"", "fast", "3x", "nan", "inf"}) {
    ToleranceVariable v{bad};
    EXPECT_EQ(time_tolerance(), 1.0) << "for ASYNCLINGS_TIME_TOLERANCE=\"" << bad << "\"";
  }
}

TEST(TolerantMs, StretchesABoundByTheToleranceFactor) {
  ToleranceVariable v{"3"};
  EXPECT_EQ(tolerant_ms(100.0), 300.0);
}

TEST(TolerantMs, LeavesABoundUnchangedByDefault) {
  ToleranceVariable unset{std::nullopt};
  EXPECT_EQ(tolerant_ms(250.0), 250.0);
}

TEST(ProcessCpuMs, GrowsWhileTheProcessComputes) {
  // Spin until 30 ms of CPU time have been used: a loaded machine only makes this take
  // longer, and a clock that never moves fails after 10 s of wall time.
  const double before = process_cpu_ms();
  Stopwatch wall;
  volatile unsigned sink = 0;
  while (process_cpu_ms() - before < 30.0 && wall.elapsed_ms() < 10'000.0) {
    for (int i = 0; i < 100'000; ++i) sink = sink + i;
  }
  EXPECT_GE(process_cpu_ms() - before, 30.0);
}

TEST(ProcessCpuMs, BarelyGrowsWhileTheProcessSleeps) {
  const double before = process_cpu_ms();
  std::this_thread::sleep_for(200ms);
  EXPECT_LT(process_cpu_ms() - before, 100.0);
}

TEST(Stopwatch, MeasuresElapsedWallTimeAndRestartsFromZero) {
  Stopwatch watch;
  std::this_thread::sleep_for(30ms);
  EXPECT_GE(watch.elapsed_ms(), 30.0);
  watch.restart();
  EXPECT_LT(watch.elapsed_ms(), 30.0);
}

}  // namespace
