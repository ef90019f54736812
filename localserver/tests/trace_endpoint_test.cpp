// GET /trace on a big trace: bounded, counted, streamed in pieces that never stall the
// requests in flight, sent with a write deadline; /trace/reset gives the memory back.
#include "local_server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

namespace asynclings::server::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Fills the trace in process (far faster than real requests): finished records with
// realistic strings.
void fill(DelayServer& server, int count, std::size_t target_size = 40) {
  const std::string target = "/delay/0?" + std::string(target_size, 'q');
  for (int i = 0; i < count; ++i) {
    TraceRecord r;
    r.tag = "filler";
    r.method = "GET";
    r.target = target;
    r.arrival = Clock::now();
    const auto id = server.trace().begin(std::move(r));
    server.trace().response_started(id, 200);
    server.trace().end(id, Outcome::completed);
  }
}

long resident_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(TraceEndpoint, ABoundedTraceReportsItsDroppedRecords) {
  ServerOptions options;
  options.trace_max_bytes = 200 * sizeof(TraceRecord);
  auto server = started_server(options);
  client::BlockingClient http{address_of(*server, "bounded")};
  for (int i = 0; i < 500; ++i) ASSERT_EQ(http.get("/status/200").status, 200);
  ASSERT_TRUE(server->trace().wait_settled("", seconds{5}));
  auto whole = json::parse(http.get("/trace").body);
  EXPECT_EQ(whole["requests"].size() + whole["dropped"].get<std::size_t>(), 500u);
  EXPECT_GT(whole["dropped"].get<std::size_t>(), 250u);
  EXPECT_EQ(whole["requests"].back()["id"], 500) << "the newest records are kept";
  auto mine = json::parse(http.get("/trace?tag=bounded").body);
  EXPECT_EQ(mine["requests"], whole["requests"]) << "the filtered query agrees";
  EXPECT_EQ(mine["dropped"], whole["dropped"]);
}

TEST(TraceEndpoint, TheWholeTraceStreamsInPiecesAndIsValidJson) {
  auto server = started_server();
  fill(*server, 5'000);
  client::BlockingClient http{address_of(*server, "")};
  auto r = http.get("/trace");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  auto j = json::parse(r.body);
  ASSERT_EQ(j["requests"].size(), 5'000u);
  EXPECT_EQ(j["requests"][4'999]["id"], 5'000);
  EXPECT_EQ(j["dropped"], 0);
  EXPECT_EQ(json::parse(server->trace().to_json()), j) << "the same document as in process";
}

// A 200k-record trace used to be serialised in one go on the server's only thread: every
// request in flight came back ~0.7 s late.
TEST(TraceEndpoint, ServingAHugeTraceDoesNotStallRequestsInFlight) {
  auto server = started_server();
  fill(*server, 100'000);
  std::vector<std::thread> delays;
  for (int i = 0; i < 20; ++i) {
    delays.emplace_back([&] { client::BlockingClient{address_of(*server, "in-flight")}.get("/delay/300ms"); });
  }
  ASSERT_TRUE(server->trace().wait_count("in-flight", 20, seconds{5}));
  const auto asked = Clock::now();
  std::size_t trace_bytes = 0;
  std::thread reader([&] {
    RawConnection raw{*server};
    raw.send("GET /trace HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    trace_bytes = raw.read_all().size();
  });
  for (auto& t : delays) t.join();
  reader.join();
  const double trace_ms = ms_between(asked, Clock::now());
  ASSERT_TRUE(server->trace().wait_settled("in-flight", seconds{5}));
  double worst = 0;
  for (const auto& r : server->trace().records("in-flight")) {
    worst = std::max(worst, ms_between(r.arrival, *r.response_start) - 300.0);
  }
  RecordProperty("trace_bytes", std::to_string(trace_bytes));
  RecordProperty("trace_ms", std::to_string(trace_ms));
  RecordProperty("worst_overshoot_ms", std::to_string(worst));
  EXPECT_GT(trace_bytes, 15'000'000u);
  std::printf("GET /trace: %zu bytes in %.0f ms; the 20 delays in flight came back at most %.1f ms late\n",
              trace_bytes, trace_ms, worst);
  // Served in one go, the delays would be late by about the whole serialisation (seconds);
  // in pieces, by a piece at most plus the machine's own scheduling, which a loaded machine
  // stretches along with the serialisation: the bound grows with it.
  EXPECT_LT(worst, std::max(150.0, trace_ms / 10)) << "the delays were held up while " << trace_bytes << " bytes of trace went out in "
                          << trace_ms << " ms";
}

// A client that asks for the trace and never reads is dropped at the write deadline; the
// server keeps serving everyone else meanwhile.
TEST(TraceEndpoint, AClientThatNeverReadsTheTraceIsDroppedAtTheDeadline) {
  ServerOptions options;
  options.trace_write_timeout = milliseconds{300};
  auto server = started_server(options);
  // 20 MB of JSON made of long targets (quick to serialise): far more than the socket
  // buffers (a few MB) hold, so the server's writes block within the wait below.
  fill(*server, 10'000, 2000);
  RawConnection stuck{*server, 64 * 1024};
  stuck.send("GET /trace HTTP/1.1\r\nHost: x\r\n\r\n");
  client::BlockingClient http{address_of(*server, "others")};
  const auto start = Clock::now();
  while (ms_between(start, Clock::now()) < 2000) EXPECT_EQ(http.get("/get").status, 200);
  // The server has given up: what was buffered comes out, then the end of the connection.
  const auto reading = Clock::now();
  const std::string got = stuck.read_all();
  EXPECT_LT(ms_between(reading, Clock::now()), 2000.0);
  EXPECT_LT(got.size(), 10'000'000u) << "the whole trace went out: the client was not dropped";
  EXPECT_EQ(got.find("0\r\n\r\n", got.size() - 5), std::string::npos) << "the body must be incomplete";
}

TEST(TraceEndpoint, SinceReturnsOnlyLaterRecords) {
  auto server = started_server();
  client::BlockingClient http{address_of(*server, "since")};
  for (int i = 0; i < 5; ++i) http.get("/status/200");
  client::BlockingClient other{address_of(*server, "other")};
  other.get("/status/200");
  ASSERT_TRUE(server->trace().wait_settled("", seconds{5}));
  auto later = json::parse(http.get("/trace?since=3").body)["requests"];
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(later[0]["id"], 4);
  auto mine = json::parse(http.get("/trace?tag=since&since=3").body)["requests"];
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[1]["id"], 5);
  EXPECT_TRUE(json::parse(http.get("/trace?since=6").body)["requests"].empty());
  EXPECT_EQ(json::parse(http.get("/trace?since=0").body)["requests"].size(), 6u);
  EXPECT_EQ(http.get("/trace?since=-1").status, 400);
  EXPECT_EQ(http.get("/trace?since=x").status, 400);
}

TEST(TraceEndpoint, ResetGivesTheMemoryBack) {
  auto server = started_server();
  ::malloc_trim(0);  // what earlier tests in this process freed is not counted as ours
  const long before = resident_kb();
  fill(*server, 14'000, 2000);  // ~28 MB of targets, within the default budget
  const long filled = resident_kb();
  ASSERT_GT(filled - before, 20'000) << "the fill did not take the memory expected";
  client::BlockingClient http{address_of(*server, "")};
  EXPECT_EQ(http.post("/trace/reset").status, 200);
  const long after = resident_kb();
  RecordProperty("rss_kb", std::to_string(before) + " -> " + std::to_string(filled) + " -> " + std::to_string(after));
  EXPECT_LT(after - before, (filled - before) / 4) << before << " -> " << filled << " -> " << after << " KB";
  EXPECT_EQ(server->trace().bytes(), 0u);
}

}  // namespace
}  // namespace asynclings::server::testing

namespace asynclings::server::testing {
namespace {

// Any response, not only the trace: a client that stops reading a long stream is dropped at
// the write deadline and its record ends (client_aborted) instead of staying in progress.
TEST(WriteDeadline, AClientThatNeverReadsAStreamEndsAsAborted) {
  ServerOptions options;
  options.write_timeout = std::chrono::milliseconds{300};
  options.max_header_bytes = 80 * 1024;
  auto server = started_server(options);
  RawConnection stuck{*server, 16 * 1024};
  // 100 lines of ~60 KB each (the target is echoed twice): beyond the socket buffers (a few MB).
  stuck.send("GET /stream/100?x=" + std::string(30000, 'x') +
             " HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: stuck\r\n\r\n");
  ASSERT_TRUE(server->trace().wait_count("stuck", 1, std::chrono::seconds{5}));
  EXPECT_TRUE(server->trace().wait_settled("stuck", std::chrono::seconds{5}))
      << "the record stayed in progress with the client not reading";
  auto records = server->trace().records("stuck");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].outcome, Outcome::client_aborted);
  // Keep-alive connections are unaffected: a later request on another connection is served.
  client::BlockingClient http{address_of(*server, "after")};
  EXPECT_EQ(http.get("/delay/400ms").status, 200) << "a delay longer than the write deadline";
  EXPECT_EQ(http.get("/get").status, 200) << "the same connection after the delay";
}

}  // namespace
}  // namespace asynclings::server::testing
