#include <asynclings/server/trace.hpp>

#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstdio>

namespace asynclings::server {

namespace {

// Heap bytes a string holds beyond the record itself (short strings live inside it).
std::size_t heap_bytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

// A record's share of the trace's memory: itself, its strings, the deque's slot overhead.
std::size_t record_bytes(const TraceRecord& r) {
  return sizeof(TraceRecord) + heap_bytes(r.tag) + heap_bytes(r.method) + heap_bytes(r.target);
}

// Invalid UTF-8 becomes U+FFFD: the trace is valid JSON whatever bytes a client sent.
void dump_record(std::string& out, const TraceRecord& r, Clock::time_point epoch) {
  auto at = [epoch](const std::optional<Clock::time_point>& t) -> nlohmann::json {
    return t ? nlohmann::json(ms_between(epoch, *t)) : nlohmann::json(nullptr);
  };
  const nlohmann::json j{{"id", r.id},
                         {"tag", r.tag},
                         {"method", r.method},
                         {"target", r.target},
                         {"connection", r.connection},
                         {"arrival_ms", ms_between(epoch, r.arrival)},
                         {"response_start_ms", at(r.response_start)},
                         {"finish_ms", at(r.finish)},
                         {"status", r.status},
                         {"outcome", to_string(r.outcome)}};
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::in_progress: return "in_progress";
    case Outcome::completed: return "completed";
    case Outcome::client_aborted: return "client_aborted";
    case Outcome::bad_request: return "bad_request";
    case Outcome::server_error: return "server_error";
  }
  return "unknown";
}

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

Trace::Trace(std::size_t max_bytes) : max_bytes_(max_bytes), epoch_(Clock::now()) {}

void Trace::drop_to_fit(std::size_t incoming) {
  while (!records_.empty() && bytes_ + incoming > max_bytes_) {
    bytes_ -= record_bytes(records_.front());
    records_.pop_front();
    ++dropped_;
  }
}

std::uint64_t Trace::begin(TraceRecord record) {
  std::lock_guard lock(mutex_);
  record.id = next_id_++;
  const std::size_t size = record_bytes(record);
  drop_to_fit(size);
  bytes_ += size;
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
  if (tag.empty()) return {records_.begin(), records_.end()};
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
  {
    std::lock_guard lock(mutex_);
    if (tag.empty()) {
      std::deque<TraceRecord>{}.swap(records_);  // clear() may keep the deque's blocks
      bytes_ = 0;
      dropped_ = 0;
    } else {
      std::erase_if(records_, [&](const TraceRecord& r) { return r.tag == tag; });
      records_.shrink_to_fit();
      bytes_ = 0;
      for (const auto& r : records_) bytes_ += record_bytes(r);
    }
    changed_.notify_all();
  }
  // Freed records sit in malloc's free lists; hand whole pages back to the system.
  ::malloc_trim(0);
}

std::uint64_t Trace::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::size_t Trace::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t Trace::max_bytes() const {
  std::lock_guard lock(mutex_);
  return max_bytes_;
}

void Trace::set_max_bytes(std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  max_bytes_ = max_bytes;
  drop_to_fit(0);
}

std::uint64_t Trace::append_json(std::string& out, const std::string& tag, std::uint64_t from_id,
                                 std::size_t max_records) const {
  std::lock_guard lock(mutex_);
  auto it = std::lower_bound(records_.begin(), records_.end(), from_id,
                             [](const TraceRecord& r, std::uint64_t v) { return r.id < v; });
  std::size_t written = 0;
  for (; it != records_.end() && written < max_records; ++it) {
    if (!tag.empty() && it->tag != tag) continue;
    if (!out.empty()) out += ',';
    dump_record(out, *it, epoch_);
    ++written;
  }
  return it == records_.end() ? 0 : it->id;
}

std::string Trace::to_json(const std::string& tag, std::uint64_t after_id) const {
  std::string records;
  for (std::uint64_t next = after_id + 1; (next = append_json(records, tag, next, 1024)) != 0;) {
  }
  return "{\"dropped\":" + std::to_string(dropped()) + ",\"requests\":[" + records + "]}";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto escape = [&out](unsigned char c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
  };
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || c == '\\') {
        escape(c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // The length and first-continuation range of a well-formed UTF-8 sequence (RFC 3629):
    // no overlong forms, no surrogates, nothing above U+10FFFF.
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool valid = len != 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (std::size_t k = 2; valid && k < len; ++k) valid = p[i + k] >= 0x80 && p[i + k] <= 0xBF;
    // C1 controls (U+0080..U+009F, e.g. U+009B, a terminal's CSI) are escaped too.
    if (valid && !(c == 0xC2 && p[i + 1] <= 0x9F)) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      escape(c);
      ++i;
    }
  }
  return out;
}

}  // namespace asynclings::server
