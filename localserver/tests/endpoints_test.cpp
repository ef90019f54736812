// The endpoints, through the blocking client (the course's `requests`) and the async one.
#include "local_server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

namespace asynclings::server::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

class Endpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = started_server().release(); }
  static void TearDownTestSuite() { delete server_; }
  client::BlockingClient http(std::string tag = "t") const {
    return client::BlockingClient{address_of(*server_, std::move(tag))};
  }
  static DelayServer* server_;
};
DelayServer* Endpoints::server_ = nullptr;

TEST_F(Endpoints, DelayInSecondsWaitsThatLongAndAnswersLikeHttpbin) {
  const auto start = Clock::now();
  auto r = http().get("/delay/0.2?x=1");
  const double waited = ms_between(start, Clock::now());
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(waited, 200.0);
  auto body = json::parse(r.body);
  EXPECT_EQ(body["args"]["x"], "1");
  EXPECT_EQ(body["origin"], "127.0.0.1");
  EXPECT_TRUE(body.contains("headers"));
  EXPECT_TRUE(body.contains("url"));
  EXPECT_EQ(body["delay_ms"], 200);
}

TEST_F(Endpoints, DelayAcceptsMilliseconds) {
  auto r = http().get("/delay/30ms");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["delay_ms"], 30);
}

TEST_F(Endpoints, DelayOutOfRangeIsRefusedWithTheAllowedRange) {
  for (std::string bad : {"-1", "11", "1e308", "nan", "inf", "abc", "5000000ms", ""}) {
    auto r = http().get("/delay/" + bad);
    EXPECT_EQ(r.status, bad.empty() ? 404 : 400) << bad;
    if (!bad.empty()) {
      EXPECT_NE(r.body.find("between 0 and 10"), std::string::npos) << r.body;
    }
  }
}

TEST_F(Endpoints, GetEchoesArgsAndTheTagHeader) {
  auto r = http("echo").get("/get?a=b%20c");
  ASSERT_EQ(r.status, 200);
  auto body = json::parse(r.body);
  EXPECT_EQ(body["args"]["a"], "b c");
  EXPECT_EQ(body["headers"]["X-Trace-Tag"], "echo");
}

TEST_F(Endpoints, StatusAnswersWithTheCodeAsked) {
  EXPECT_EQ(http().get("/status/418").status, 418);
  EXPECT_EQ(http().get("/status/503").status, 503);
  EXPECT_EQ(http().get("/status/99").status, 400);
  EXPECT_EQ(http().get("/status/x").status, 400);
}

TEST_F(Endpoints, StreamSendsOneJsonLinePerItem) {
  auto r = http().get("/stream/3");
  ASSERT_EQ(r.status, 200);
  int lines = 0;
  std::size_t pos = 0;
  while ((pos = r.body.find('\n', pos)) != std::string::npos) ++lines, ++pos;
  EXPECT_EQ(lines, 3);
  EXPECT_EQ(json::parse(r.body.substr(0, r.body.find('\n')))["id"], 0);
  EXPECT_EQ(http().get("/stream/101").status, 400);
}

TEST_F(Endpoints, DripSendsTheBytesAskedAfterTheDelay) {
  auto r = http().get("/drip?duration=0.05&numbytes=5&delay=0.02&code=201");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "*****");
}

TEST_F(Endpoints, FlakyFailsTheFirstCallsForAKeyThenSucceeds) {
  auto client = http("flaky-test");
  EXPECT_EQ(client.get("/flaky/k?fail=2").status, 503);
  EXPECT_EQ(client.get("/flaky/k?fail=2").status, 503);
  auto third = client.get("/flaky/k?fail=2");
  EXPECT_EQ(third.status, 200);
  EXPECT_EQ(json::parse(third.body)["attempt"], 3);
  // Counters are per tag: another test's key of the same name starts afresh.
  EXPECT_EQ(http("other-tag").get("/flaky/k?fail=1").status, 503);
}

TEST_F(Endpoints, LeaseCountsHoldersAndRefusesAnUnheldRelease) {
  auto client = http("lease-test");
  EXPECT_EQ(json::parse(client.get("/lease/acquire?name=db").body)["holders"], 1);
  EXPECT_EQ(json::parse(client.get("/lease/acquire?name=db").body)["holders"], 2);
  EXPECT_EQ(json::parse(client.get("/lease/release?name=db").body)["holders"], 1);
  EXPECT_EQ(json::parse(client.get("/lease?name=db").body)["holders"], 1);
  client.get("/lease/release?name=db");
  EXPECT_EQ(client.get("/lease/release?name=db").status, 409);
}

TEST_F(Endpoints, UnknownPathIsNotFound) {
  auto r = http().get("/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("/delay"), std::string::npos);
}

TEST_F(Endpoints, TraceEndpointReturnsTheTagsRequestsWithoutTracingItself) {
  auto client = http("trace-endpoint");
  client.get("/get");
  client.get("/status/500");
  // The client can hold the response before the server has noted its end: settle first.
  ASSERT_TRUE(server_->trace().wait_settled("trace-endpoint", std::chrono::seconds{5}));
  auto j = json::parse(http("other").get("/trace?tag=trace-endpoint").body);
  ASSERT_EQ(j["requests"].size(), 2u);
  EXPECT_EQ(j["requests"][0]["target"], "/get");
  EXPECT_EQ(j["requests"][1]["status"], 500);
  EXPECT_EQ(j["requests"][1]["outcome"], "completed");
  EXPECT_EQ(http("other").post("/trace/reset?tag=trace-endpoint").status, 200);
  EXPECT_TRUE(server_->trace().records("trace-endpoint").empty());
  EXPECT_TRUE(server_->trace().records("other").empty());
}

TEST_F(Endpoints, TagCanComeFromTheQueryString) {
  client::BlockingClient untagged{address_of(*server_, "")};
  untagged.get("/get?tag=from-query");
  EXPECT_EQ(server_->trace().records("from-query").size(), 1u);
}

TEST_F(Endpoints, ConcurrentDelaysOverlapOnTheServersOneThread) {
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) threads.emplace_back([&] { http("overlap").get("/delay/300ms"); });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(server_->trace().wait_settled("overlap", std::chrono::seconds{5}));
  auto records = server_->trace().records("overlap");
  ASSERT_EQ(records.size(), 20u);
  // Structure first: every request arrived before the first one finished.
  Clock::time_point first_finish = *records[0].finish;
  for (const auto& r : records) first_finish = std::min(first_finish, *r.finish);
  for (const auto& r : records) EXPECT_LT(r.arrival, first_finish);
  EXPECT_LT(ms_between(start, Clock::now()), 20 * 300 / 2.0);
}

TEST_F(Endpoints, AsyncClientReturnsStatusBodyAndHeaders) {
  client::AsyncClient client{address_of(*server_, "async")};
  auto r = run_coroutine(client.get("/delay/10ms"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r.body)["delay_ms"], 10);
  EXPECT_EQ(server_->trace().records("async").size(), 1u);
}

TEST_F(Endpoints, AsyncStreamDeliversTheFirstLineBeforeTheStreamEnds) {
  client::AsyncClient client{address_of(*server_, "stream-lines")};
  auto first_line_at = Clock::now();
  int lines = 0;
  run_coroutine([&]() -> boost::asio::awaitable<void> {
    auto stream = co_await client.stream("/stream/4?interval=100ms");
    EXPECT_EQ(stream.status(), 200);
    while (auto line = co_await stream.next_line()) {
      if (lines++ == 0) first_line_at = Clock::now();
      EXPECT_EQ(json::parse(*line)["id"], lines - 1);
    }
  }());
  EXPECT_EQ(lines, 4);
  ASSERT_TRUE(server_->trace().wait_settled("stream-lines", std::chrono::seconds{5}));
  auto r = server_->trace().records("stream-lines").at(0);
  ASSERT_TRUE(r.finish.has_value());
  // The stream takes >= 300 ms; the first line was in hand well before it ended.
  EXPECT_LT(first_line_at, *r.finish - milliseconds{200});
}

}  // namespace
}  // namespace asynclings::server::testing

namespace asynclings::server::testing {
namespace {

// The finish is when the response went out, not when the server's thread got round to
// noting it: a client never holds a response that the trace says is still unfinished.
TEST(TraceTiming, FinishIsNeverAfterTheClientHasTheResponse) {
  auto server = started_server();
  client::BlockingClient http{address_of(*server, "finish-order")};
  for (int i = 0; i < 30; ++i) {
    http.get("/delay/1ms");
    const auto received = Clock::now();
    ASSERT_TRUE(server->trace().wait_settled("finish-order", std::chrono::seconds{5}));
    const auto r = server->trace().records("finish-order").back();
    EXPECT_LE(*r.finish, received);
    EXPECT_GE(*r.finish, *r.response_start);
  }
}

}  // namespace
}  // namespace asynclings::server::testing
