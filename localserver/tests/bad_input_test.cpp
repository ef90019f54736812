// Malformed or hostile input gets a 4xx or a closed connection; the server keeps serving and
// its trace stays consistent (nothing left "in progress").
#include "local_server.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace asynclings::server::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.header_timeout = milliseconds{300};
    server_ = started_server(options);
  }
  void TearDown() override {
    // Whatever was thrown at it, the server still answers and nothing is left dangling.
    client::BlockingClient http{address_of(*server_, "after")};
    EXPECT_EQ(http.get("/get").status, 200);
    EXPECT_TRUE(server_->trace().wait_settled("", seconds{5}));
  }
  std::string exchange(const std::string& bytes) {
    RawConnection raw{*server_};
    raw.send(bytes);
    return raw.read_all();
  }
  std::size_t refused_count() {
    server_->trace().wait_settled("", seconds{5});
    std::size_t n = 0;
    for (const auto& r : server_->trace().records()) n += r.outcome == Outcome::bad_request;
    return n;
  }
  std::unique_ptr<DelayServer> server_;
};

TEST_F(BadInput, MalformedRequestLineGets400AndIsTraced) {
  EXPECT_EQ(status_line(exchange("THIS IS NOT HTTP\r\n\r\n")), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(refused_count(), 1u);
}

TEST_F(BadInput, BinaryGarbageGets400) {
  EXPECT_EQ(status_line(exchange(std::string("\x00\x01\x02\xff\r\n\r\n", 8))), "HTTP/1.1 400 Bad Request");
}

TEST_F(BadInput, OversizedHeadersGet431) {
  const std::string huge(20'000, 'a');
  auto answer = exchange("GET /get HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n");
  EXPECT_EQ(status_line(answer), "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_F(BadInput, OversizedBodyGets413) {
  auto answer = exchange("POST /delay/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nabc");
  EXPECT_EQ(status_line(answer), "HTTP/1.1 413 Payload Too Large");
}

TEST_F(BadInput, ClientThatStopsMidHeaderIsAnsweredWith408AndDisconnected) {
  const auto start = Clock::now();
  auto answer = exchange("GET /get HTTP/1.1\r\nHost: x\r\n");
  EXPECT_EQ(status_line(answer), "HTTP/1.1 408 Request Timeout");
  EXPECT_GE(ms_between(start, Clock::now()), 250.0);
  EXPECT_EQ(refused_count(), 1u);
}

TEST_F(BadInput, SilentConnectionIsClosedWithoutATraceRecord) {
  RawConnection raw{*server_};
  EXPECT_EQ(raw.read_all(), "");  // closed by the server after the header timeout
  EXPECT_TRUE(server_->trace().records().empty());
}

TEST_F(BadInput, ClientVanishingBeforeAndDuringTheRequestLeavesTheServerServing) {
  for (int i = 0; i < 50; ++i) {
    RawConnection raw{*server_};
    if (i % 2) raw.send("GET /delay/1 HTTP/1.1\r\nHo");
    raw.reset();
  }
  std::this_thread::sleep_for(milliseconds{50});
  EXPECT_TRUE(server_->trace().wait_settled("", seconds{5}));
}

TEST_F(BadInput, NegativeAndAbsurdDelaysAre400NotClamped) {
  client::BlockingClient http{address_of(*server_, "delays")};
  for (std::string bad : {"-0.5", "1e400", "99999", "0x10", "1.5.2", "10.001"}) {
    EXPECT_EQ(http.get("/delay/" + bad).status, 400) << bad;
  }
  EXPECT_EQ(http.get("/delay/0").status, 200);
}

}  // namespace
}  // namespace asynclings::server::testing
