// The delay server's trace: one record per request, as the server saw it on the wire.
// Thread-safe: the server thread writes, tests read from theirs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::server {

using Clock = std::chrono::steady_clock;

enum class Outcome {
  in_progress,     // the response has not finished yet
  completed,       // the whole response was written
  client_aborted,  // the client closed the connection before the response finished
  bad_request,     // the request could not be parsed or was refused (4xx)
  server_error,    // the server itself failed while answering (a 500, or a cut connection)
};

const char* to_string(Outcome outcome);

struct TraceRecord {
  std::uint64_t id = 0;  // 1, 2, 3… in arrival order
  std::string tag;       // X-Trace-Tag header or ?tag= query parameter
  std::string method;
  std::string target;            // path and query as sent
  std::uint64_t connection = 0;  // which TCP connection carried it
  // When the request reached the server: for a connection's first request whose head was
  // all there when the connection was accepted, the kernel's receive time of that head (a
  // busy server's accept queue is not hidden); otherwise when the head had been read.
  Clock::time_point arrival{};
  std::optional<Clock::time_point> response_start;  // first response byte written
  // When the last response bytes went to the kernel (the client can read them from that
  // moment, so a test's own clock never sees a response before its finish), or when the
  // abort was seen.
  std::optional<Clock::time_point> finish;
  int status = 0;
  Outcome outcome = Outcome::in_progress;
};

// The trace keeps the newest records within a memory budget: a long-running server never
// grows without bound. ~150 bytes for a short request, up to ~8 KB with a long URL.
inline constexpr std::size_t default_trace_bytes = 32u * 1024 * 1024;

class Trace {
 public:
  // <max_bytes> bounds the records' memory (an estimate: the records and their strings);
  // the oldest records are dropped to stay within it, and dropped() counts them.
  explicit Trace(std::size_t max_bytes = default_trace_bytes);

  // Server side.
  std::uint64_t begin(TraceRecord record);  // assigns and returns the id
  void response_started(std::uint64_t id, int status);
  // <at> is when the response really finished; absent means now.
  void end(std::uint64_t id, Outcome outcome, std::optional<Clock::time_point> at = {});

  // Reader side. An empty tag means every record.
  std::optional<TraceRecord> record(std::uint64_t id) const;
  std::vector<TraceRecord> records(const std::string& tag = {}) const;
  // Blocks until no record of <tag> is in progress, or <timeout>; true when settled.
  bool wait_settled(const std::string& tag, std::chrono::milliseconds timeout) const;
  // Blocks until <tag> has at least <count> records, or <timeout>.
  bool wait_count(const std::string& tag, std::size_t count,
                  std::chrono::milliseconds timeout) const;
  // Clears the records of <tag> (every record when empty). A full reset also forgets the
  // dropped count and gives the memory back to the system.
  void reset(const std::string& tag = {});
  Clock::time_point epoch() const { return epoch_; }
  // {"dropped":N,"requests":[{id,tag,method,target,connection,arrival_ms,…}]};
  // times in milliseconds since the server started. Valid JSON for any bytes: invalid UTF-8
  // in a tag, method or target is replaced by U+FFFD.
  // <after_id>: only records with a larger id (GET /trace?since=N), for polling.
  std::string to_json(const std::string& tag = {}, std::uint64_t after_id = 0) const;
  // For serialising a large trace piece by piece: appends the JSON objects of at most
  // <max_records> records of <tag> (every record when empty) whose id is at least <from_id>,
  // each preceded by a comma unless <out> is empty. Returns the id to continue from, or 0
  // when no record is left.
  std::uint64_t append_json(std::string& out, const std::string& tag, std::uint64_t from_id,
                            std::size_t max_records) const;

  // Records dropped to stay within the memory budget since the last full reset.
  std::uint64_t dropped() const;
  // The records' estimated memory now, and the budget.
  std::size_t bytes() const;
  std::size_t max_bytes() const;
  void set_max_bytes(std::size_t max_bytes);

 private:
  TraceRecord* find(std::uint64_t id);
  const TraceRecord* find(std::uint64_t id) const;
  void drop_to_fit(std::size_t incoming);
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<TraceRecord> records_;  // sorted by id
  std::uint64_t next_id_ = 1;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
  std::uint64_t dropped_ = 0;
  Clock::time_point epoch_;
};

// <text> made safe for one line of a terminal log: control characters (C0, DEL, C1), the
// backslash and bytes that are not UTF-8 are written as \xNN; valid UTF-8 text is kept.
std::string printable(std::string_view text);

// Milliseconds from <from> to <to>, as a double (the unit every trace figure uses).
double ms_between(Clock::time_point from, Clock::time_point to);

}  // namespace asynclings::server
