#include <asynclings/protocol.hpp>
#include <asynclings/testkit/timing.hpp>

#include <sys/resource.h>

#include <cmath>
#include <cstdlib>

namespace asynclings::testkit {

double time_tolerance() {
  const char* text = std::getenv(protocol::kTimeToleranceEnv);
  if (text == nullptr || *text == '\0') return 1.0;
  char* end = nullptr;
  const double factor = std::strtod(text, &end);
  // A typo must not silently tighten or disable the bounds: anything but a finite number >= 1
  // is the default (NaN fails the comparison too).
  if (*end != '\0' || !std::isfinite(factor) || !(factor >= 1.0)) return 1.0;
  return factor;
}

double tolerant_ms(double bound_ms) { return bound_ms * time_tolerance(); }

double process_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

}  // namespace asynclings::testkit
