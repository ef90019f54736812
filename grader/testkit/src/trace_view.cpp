#include <asynclings/testkit/trace_view.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <numeric>
#include <utility>

namespace asynclings::testkit {

namespace {

// When a record stops being in flight: its finish, or <now> while it is still in progress.
Clock::time_point end_of(const TraceRecord& r, Clock::time_point now) {
  return r.finish.value_or(now);
}

// Half-open intervals [arrival, end): a request that finishes exactly when another arrives
// did not overlap it. A zero-length request still overlaps one that strictly contains it.
bool intervals_overlap(const TraceRecord& a, const TraceRecord& b, Clock::time_point now) {
  return a.arrival < end_of(b, now) && b.arrival < end_of(a, now);
}

}  // namespace

TraceView::TraceView(std::vector<TraceRecord> records, Clock::time_point origin)
    : records_(std::move(records)), origin_(origin) {
  // The server hands records out in id order, which is arrival order; sorting keeps that
  // promise for records assembled by hand, and ids break ties deterministically.
  std::stable_sort(records_.begin(), records_.end(), [](const TraceRecord& a, const TraceRecord& b) {
    return std::pair{a.arrival, a.id} < std::pair{b.arrival, b.id};
  });
}

std::size_t TraceView::peak_in_flight() const {
  // Events sorted by time; at one instant, finishes come before arrivals (back-to-back
  // requests do not overlap), except that a zero-length request ends after the arrivals of
  // its instant so that it counts as in flight for that moment.
  enum Kind { finish = 0, arrival = 1, zero_length_finish = 2 };
  std::vector<std::pair<Clock::time_point, Kind>> events;
  events.reserve(2 * records_.size());
  const auto now = Clock::now();
  for (const auto& r : records_) {
    const auto end = end_of(r, now);
    events.emplace_back(r.arrival, arrival);
    events.emplace_back(end, end > r.arrival ? finish : zero_length_finish);
  }
  std::sort(events.begin(), events.end());
  std::size_t in_flight = 0;
  std::size_t peak = 0;
  for (const auto& [time, kind] : events) {
    if (kind == arrival) {
      peak = std::max(peak, ++in_flight);
    } else {
      --in_flight;
    }
  }
  return peak;
}

bool TraceView::sequential(double slack_ms) const {
  for (std::size_t i = 0; i + 1 < records_.size(); ++i) {
    if (arrival_ms(i + 1) < finish_ms(i) - slack_ms) return false;
  }
  return true;
}

bool TraceView::all_overlap() const {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    for (std::size_t j = i + 1; j < records_.size(); ++j) {
      if (!overlap(i, j)) return false;
    }
  }
  return true;
}

bool TraceView::overlap(std::size_t i, std::size_t j) const {
  return intervals_overlap(records_.at(i), records_.at(j), Clock::now());
}

double TraceView::arrival_spread_ms() const {
  if (records_.empty()) return 0.0;
  return server::ms_between(records_.front().arrival, records_.back().arrival);
}

std::vector<double> TraceView::gaps_ms() const {
  std::vector<double> gaps;
  for (std::size_t i = 0; i + 1 < records_.size(); ++i) {
    gaps.push_back(arrival_ms(i + 1) - finish_ms(i));
  }
  return gaps;
}

std::vector<TraceRecord> TraceView::with_outcome(Outcome outcome) const {
  std::vector<TraceRecord> out;
  std::copy_if(records_.begin(), records_.end(), std::back_inserter(out),
               [&](const TraceRecord& r) { return r.outcome == outcome; });
  return out;
}

std::size_t TraceView::count(Outcome outcome) const {
  return with_outcome(outcome).size();
}

std::vector<TraceRecord> TraceView::with_target_prefix(const std::string& prefix) const {
  std::vector<TraceRecord> out;
  std::copy_if(records_.begin(), records_.end(), std::back_inserter(out),
               [&](const TraceRecord& r) { return r.target.starts_with(prefix); });
  return out;
}

std::vector<std::string> TraceView::targets_by_arrival() const {
  std::vector<std::string> targets;
  for (const auto& r : records_) targets.push_back(r.target);
  return targets;
}

std::vector<std::string> TraceView::targets_by_finish() const {
  // Requests still in progress finish "now", i.e. after every finished one; ties keep
  // arrival order.
  std::vector<std::size_t> order(records_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto now = Clock::now();
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return end_of(records_[a], now) < end_of(records_[b], now);
  });
  std::vector<std::string> targets;
  for (auto i : order) targets.push_back(records_[i].target);
  return targets;
}

double TraceView::ms(Clock::time_point t) const { return server::ms_between(origin_, t); }

double TraceView::arrival_ms(std::size_t i) const { return ms(records_.at(i).arrival); }

double TraceView::finish_ms(std::size_t i) const {
  return ms(end_of(records_.at(i), Clock::now()));
}

double TraceView::duration_ms(std::size_t i) const { return finish_ms(i) - arrival_ms(i); }

std::string TraceView::to_json() const {
  auto at = [this](const std::optional<Clock::time_point>& t) -> nlohmann::json {
    return t ? nlohmann::json(ms(*t)) : nlohmann::json(nullptr);
  };
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& r : records_) {
    requests.push_back({{"id", r.id},
                        {"target", r.target},
                        {"method", r.method},
                        {"connection", r.connection},
                        {"arrival_ms", ms(r.arrival)},
                        {"response_start_ms", at(r.response_start)},
                        {"finish_ms", at(r.finish)},
                        {"status", r.status},
                        {"outcome", server::to_string(r.outcome)}});
  }
  // origin_ms: the origin on the steady clock, so views taken in one process can be aligned.
  const double origin_ms =
      std::chrono::duration<double, std::milli>(origin_.time_since_epoch()).count();
  return nlohmann::json{{"origin_ms", origin_ms}, {"requests", std::move(requests)}}.dump();
}

}  // namespace asynclings::testkit
