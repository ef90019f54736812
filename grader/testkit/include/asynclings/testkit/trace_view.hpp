// Questions a test asks of the server's trace: how many requests were in flight at once,
// did they overlap, did each start after the previous finished, which were aborted, when.
// All times are milliseconds since the view's origin (the start of the test).
#pragma once

#include <asynclings/server/trace.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace asynclings::testkit {

using server::Clock;
using server::Outcome;
using server::TraceRecord;

class TraceView {
 public:
  TraceView(std::vector<TraceRecord> records, Clock::time_point origin);

  const std::vector<TraceRecord>& records() const { return records_; }  // arrival order
  std::size_t size() const { return records_.size(); }
  Clock::time_point origin() const { return origin_; }

  // Largest number of requests between arrival and finish at the same moment. A request
  // still in progress counts as in flight until now.
  std::size_t peak_in_flight() const;
  // Every request arrived at or after the finish of the one before it (with <slack_ms>).
  bool sequential(double slack_ms = 1.0) const;
  // Every pair of requests was in flight together at some moment (true for fewer than two:
  // check size() first). Back-to-back requests, one finishing as the next arrives, do not.
  bool all_overlap() const;
  bool overlap(std::size_t i, std::size_t j) const;
  // Last arrival minus first arrival.
  double arrival_spread_ms() const;
  // The gap between each request's finish and the next request's arrival:
  // arrival[i+1] - finish[i], for i in arrival order (negative when they overlapped).
  std::vector<double> gaps_ms() const;

  std::vector<TraceRecord> with_outcome(Outcome outcome) const;
  std::size_t count(Outcome outcome) const;
  std::vector<TraceRecord> with_target_prefix(const std::string& prefix) const;

  std::vector<std::string> targets_by_arrival() const;
  std::vector<std::string> targets_by_finish() const;

  double ms(Clock::time_point t) const;      // t relative to the origin
  double arrival_ms(std::size_t i) const;
  double finish_ms(std::size_t i) const;     // now, for a request still in progress
  double duration_ms(std::size_t i) const;

  // {"origin_ms":…, "requests":[{"id","target","method","connection","arrival_ms",
  //  "response_start_ms","finish_ms","status","outcome"}]} — the shape the grader draws
  // timelines from. Request times are relative to the origin; response_start_ms and
  // finish_ms are null while missing; origin_ms is the origin on the steady clock.
  std::string to_json() const;

 private:
  std::vector<TraceRecord> records_;
  Clock::time_point origin_;
};

}  // namespace asynclings::testkit
