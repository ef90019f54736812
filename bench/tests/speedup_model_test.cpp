#include "speedup_model.hpp"

#include <gtest/gtest.h>

namespace course_table {
namespace {

TEST(SpeedupModel, GivesExactlyNWhenEveryRequestHasTheSameLatency) {
  // A fixed round trip is paid N times in turn and once in parallel: it cancels out.
  for (double latency : {0.0, 100.0, 5000.0}) {
    EXPECT_DOUBLE_EQ(expected_speedup({5, 1000, latency, 0}), 5.0) << "latency " << latency;
    EXPECT_DOUBLE_EQ(expected_speedup({20, 1000, latency, 0}), 20.0) << "latency " << latency;
  }
  EXPECT_DOUBLE_EQ(expected_sequential_ms({20, 1000, 100, 0}), 22'000);
  EXPECT_DOUBLE_EQ(expected_concurrent_ms({20, 1000, 100, 0}), 1'100);
}

TEST(SpeedupModel, LosesSpeedupWhenTheConcurrentRunWaitsForTheSlowestOfN) {
  // Jitter 200: the loop pays the mean (100) per request, the concurrent run the expected
  // largest of N draws (N/(N+1) · 200).
  EXPECT_DOUBLE_EQ(expected_sequential_ms({5, 1000, 0, 200}), 5'500);
  EXPECT_NEAR(expected_concurrent_ms({5, 1000, 0, 200}), 1'166.67, 0.01);
  EXPECT_NEAR(expected_speedup({5, 1000, 0, 200}), 4.71, 0.01);
  EXPECT_NEAR(expected_speedup({20, 1000, 0, 200}), 18.48, 0.01);
  EXPECT_LT(expected_speedup({20, 1000, 0, 400}), expected_speedup({20, 1000, 0, 200}));
}

TEST(SpeedupModel, ReproducesTheJitterFiguresDerivedInTheReadme) {
  // bench/README.md: with no latency, the course's 4.6x at N=5 needs jitter 300 ms and its
  // 17x at N=20 needs about 485 ms.
  ASSERT_TRUE(jitter_for_speedup(5, 1000, 0, 4.6).has_value());
  EXPECT_NEAR(*jitter_for_speedup(5, 1000, 0, 4.6), 300, 0.5);
  ASSERT_TRUE(jitter_for_speedup(20, 1000, 0, 17).has_value());
  EXPECT_NEAR(*jitter_for_speedup(20, 1000, 0, 17), 484.6, 0.5);
  EXPECT_NEAR(expected_speedup({5, 1000, 0, *jitter_for_speedup(5, 1000, 0, 4.6)}), 4.6, 1e-9);
  // Any latency on top only asks for more jitter.
  EXPECT_GT(*jitter_for_speedup(5, 1000, 100, 4.6), 300);
}

TEST(SpeedupModel, FindsNoJitterForASpeedupAboveN) {
  EXPECT_FALSE(jitter_for_speedup(5, 1000, 0, 5).has_value());
  EXPECT_FALSE(jitter_for_speedup(5, 1000, 0, 6).has_value());
  // However large, uniform jitter cannot push the speedup down to (N+1)/2.
  EXPECT_FALSE(jitter_for_speedup(5, 1000, 0, 3).has_value());
  EXPECT_TRUE(jitter_for_speedup(5, 1000, 0, 3.01).has_value());
}

}  // namespace
}  // namespace course_table
