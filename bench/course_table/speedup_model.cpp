#include "speedup_model.hpp"

namespace course_table {

namespace {

// The expected largest of n draws from uniform [0, 1].
double expected_max_fraction(int n) { return static_cast<double>(n) / (n + 1); }

}  // namespace

double expected_sequential_ms(const ModelInput& input) {
  return input.n * (input.delay_ms + input.latency_ms + input.jitter_ms / 2);
}

double expected_concurrent_ms(const ModelInput& input) {
  return input.delay_ms + input.latency_ms + input.jitter_ms * expected_max_fraction(input.n);
}

double expected_speedup(const ModelInput& input) {
  return expected_sequential_ms(input) / expected_concurrent_ms(input);
}

// Solving N (x + J/2) = S (x + J·N/(N+1)) for J, with x = delay + latency:
// J = (N − S) x / (S·N/(N+1) − N/2).
std::optional<double> jitter_for_speedup(int n, double delay_ms, double latency_ms, double speedup) {
  const double base = delay_ms + latency_ms;
  const double denominator = speedup * expected_max_fraction(n) - n / 2.0;
  if (speedup <= 0 || speedup >= n || denominator <= 0 || base <= 0) return std::nullopt;
  return (n - speedup) * base / denominator;
}

}  // namespace course_table
