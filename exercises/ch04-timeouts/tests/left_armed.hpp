// What a timeout leaves behind: the test's event loop runs until nothing is left armed, so a
// function that ended (value, error or cancellation) well before its deadline while the loop
// stayed busy up to that deadline left its timer armed. Shared by the tests of ex1, ex2 and ex4.
#pragma once

#include <asynclings/diagnoses.hpp>
#include <asynclings/testkit/diagnosis.hpp>

#include <string>

namespace ch04test {

// <function> ended at <ended_ms> ("returned", "threw its error", ...: <how>); the loop ran
// until <run_ms>; its timer would have expired at <deadline_ms>. True (and diagnosed) when
// the timer outlived the call.
inline bool diagnosed_timer_left_armed(const std::string& function, const std::string& how,
                                       double ended_ms, double run_ms, int deadline_ms) {
  if (ended_ms >= deadline_ms - 5.0 || run_ms < deadline_ms - 5.0) return false;
  asynclings::testkit::diagnose(
      asynclings::diagnoses::timer_left_armed,
      function + " " + how + " at " + std::to_string(int(ended_ms)) + " ms, but the event loop "
          "stayed busy until " + std::to_string(int(run_ms)) + " ms: its timer was left armed. "
          "Cancel the timer on every way out — a value, the operation's own error, a cancel "
          "from outside (a parallel group or `||` cancels the losing wait for you)");
  return true;
}

}  // namespace ch04test
