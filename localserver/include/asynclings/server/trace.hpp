// The delay server's trace: one record per request, as the server saw it on the wire.
// Thread-safe: the server thread writes, tests read from theirs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace asynclings::server {

using Clock = std::chrono::steady_clock;

enum class Outcome {
  in_progress,     // the response has not finished yet
  completed,       // the whole response was written
  client_aborted,  // the client closed the connection before the response finished
  bad_request,     // the request could not be parsed or was refused (4xx)
};

const char* to_string(Outcome outcome);

struct TraceRecord {
  std::uint64_t id = 0;             // 1, 2, 3… in arrival order
  std::string tag;                  // X-Trace-Tag header or ?tag= query parameter
  std::string method;
  std::string target;               // path and query as sent
  std::uint64_t connection = 0;     // which TCP connection carried it
  Clock::time_point arrival{};      // request head fully read
  std::optional<Clock::time_point> response_start;  // first response byte written
  // When the last response bytes went to the kernel (the client can read them from that
  // moment, so a test's own clock never sees a response before its finish), or when the
  // abort was seen.
  std::optional<Clock::time_point> finish;
  int status = 0;
  Outcome outcome = Outcome::in_progress;
};

class Trace {
 public:
  Trace();

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
  bool wait_count(const std::string& tag, std::size_t count, std::chrono::milliseconds timeout) const;
  void reset(const std::string& tag = {});
  Clock::time_point epoch() const { return epoch_; }
  // {"epoch_ms":…,"requests":[{id,tag,method,target,connection,arrival_ms,…}]};
  // times in milliseconds since the server started.
  std::string to_json(const std::string& tag = {}) const;

 private:
  TraceRecord* find(std::uint64_t id);
  const TraceRecord* find(std::uint64_t id) const;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<TraceRecord> records_;
  std::uint64_t next_id_ = 1;
  Clock::time_point epoch_;
};

// Milliseconds from <from> to <to>, as a double (the unit every trace figure uses).
double ms_between(Clock::time_point from, Clock::time_point to);

}  // namespace asynclings::server
