#include <asynclings/server/trace.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace asynclings::server {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::in_progress: return "in_progress";
    case Outcome::completed: return "completed";
    case Outcome::client_aborted: return "client_aborted";
    case Outcome::bad_request: return "bad_request";
  }
  return "unknown";
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

Trace::Trace() : epoch_(Clock::now()) {}

std::uint64_t Trace::begin(TraceRecord record) {
  std::lock_guard lock(mutex_);
  record.id = next_id_++;
  records_.push_back(std::move(record));
  changed_.notify_all();
  return records_.back().id;
}

// Ids grow with arrival, so the records stay sorted by id: binary search.
TraceRecord* Trace::find(std::uint64_t id) {
  auto it = std::lower_bound(records_.begin(), records_.end(), id,
                             [](const TraceRecord& r, std::uint64_t v) { return r.id < v; });
  return it != records_.end() && it->id == id ? &*it : nullptr;
}

const TraceRecord* Trace::find(std::uint64_t id) const {
  return const_cast<Trace*>(this)->find(id);
}

std::optional<TraceRecord> Trace::record(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  if (const auto* r = find(id)) return *r;
  return std::nullopt;
}

void Trace::response_started(std::uint64_t id, int status) {
  std::lock_guard lock(mutex_);
  if (auto* r = find(id); r && !r->response_start) {
    r->response_start = Clock::now();
    r->status = status;
  }
}

void Trace::end(std::uint64_t id, Outcome outcome, std::optional<Clock::time_point> at) {
  std::lock_guard lock(mutex_);
  if (auto* r = find(id); r && r->outcome == Outcome::in_progress) {
    r->finish = at.value_or(Clock::now());
    r->outcome = outcome;
    changed_.notify_all();
  }
}

std::vector<TraceRecord> Trace::records(const std::string& tag) const {
  std::lock_guard lock(mutex_);
  if (tag.empty()) return records_;
  std::vector<TraceRecord> out;
  std::copy_if(records_.begin(), records_.end(), std::back_inserter(out),
               [&](const TraceRecord& r) { return r.tag == tag; });
  return out;
}

bool Trace::wait_settled(const std::string& tag, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return std::none_of(records_.begin(), records_.end(), [&](const TraceRecord& r) {
      return (tag.empty() || r.tag == tag) && r.outcome == Outcome::in_progress;
    });
  });
}

bool Trace::wait_count(const std::string& tag, std::size_t count,
                       std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count_if(records_.begin(), records_.end(), [&](const TraceRecord& r) {
             return tag.empty() || r.tag == tag;
           })) >= count;
  });
}

void Trace::reset(const std::string& tag) {
  std::lock_guard lock(mutex_);
  if (tag.empty()) {
    records_.clear();
  } else {
    std::erase_if(records_, [&](const TraceRecord& r) { return r.tag == tag; });
  }
  changed_.notify_all();
}

std::string Trace::to_json(const std::string& tag) const {
  auto at = [this](const std::optional<Clock::time_point>& t) -> nlohmann::json {
    return t ? nlohmann::json(ms_between(epoch_, *t)) : nlohmann::json(nullptr);
  };
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& r : records(tag)) {
    requests.push_back({{"id", r.id},
                        {"tag", r.tag},
                        {"method", r.method},
                        {"target", r.target},
                        {"connection", r.connection},
                        {"arrival_ms", ms_between(epoch_, r.arrival)},
                        {"response_start_ms", at(r.response_start)},
                        {"finish_ms", at(r.finish)},
                        {"status", r.status},
                        {"outcome", to_string(r.outcome)}});
  }
  return nlohmann::json{{"requests", std::move(requests)}}.dump();
}

}  // namespace asynclings::server
