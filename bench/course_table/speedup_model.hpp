// What the sequential loop and the concurrent run should take, given what the delay server
// adds to each response (bench/README.md derives it). Each request costs the requested delay
// plus an overhead drawn uniformly from [latency, latency + jitter] — the server's --latency
// and --jitter. The sequential loop pays N overheads one after another; the concurrent run
// pays one delay plus the largest of N overheads.
#pragma once

#include <optional>

namespace course_table {

struct ModelInput {
  int n = 1;
  double delay_ms = 0;
  double latency_ms = 0;
  double jitter_ms = 0;
};

// N · (delay + latency + jitter/2): the mean overhead, N times.
double expected_sequential_ms(const ModelInput& input);
// delay + latency + jitter · N/(N+1): the expected largest of N uniform draws.
double expected_concurrent_ms(const ModelInput& input);
double expected_speedup(const ModelInput& input);

// The jitter that makes the model's speedup equal <speedup> for this n, delay and latency;
// nullopt when no jitter can (a speedup of N or more, or not above 0).
std::optional<double> jitter_for_speedup(int n, double delay_ms, double latency_ms, double speedup);

}  // namespace course_table
