// A client that hangs up mid-delay is recorded as aborted, at the moment it hung up.
#include "local_server.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace asynclings::server::testing {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Aborts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = started_server().release(); }
  static void TearDownTestSuite() { delete server_; }
  TraceRecord settled_single(const std::string& tag) {
    EXPECT_TRUE(server_->trace().wait_count(tag, 1, seconds{5}));
    EXPECT_TRUE(server_->trace().wait_settled(tag, seconds{5}));
    auto records = server_->trace().records(tag);
    EXPECT_EQ(records.size(), 1u);
    return records.at(0);
  }
  static DelayServer* server_;
};
DelayServer* Aborts::server_ = nullptr;

TEST_F(Aborts, AsyncRequestCancelledByATimeoutIsAbortedAtTheTimeout) {
  client::AsyncClient client{address_of(*server_, "timeout-abort")};
  auto winner = run_coroutine([](client::AsyncClient c) -> asio::awaitable<std::size_t> {
    asio::steady_timer timer{co_await asio::this_coro::executor, milliseconds{150}};
    auto request = c.get("/delay/5");
    auto timeout = timer.async_wait(asio::use_awaitable);
    auto result = co_await (std::move(request) || std::move(timeout));
    co_return result.index();
  }(client));
  EXPECT_EQ(winner, 1u) << "the timer should win against a 5 s delay";
  auto r = settled_single("timeout-abort");
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  ASSERT_TRUE(r.finish.has_value());
  const double lived = ms_between(r.arrival, *r.finish);
  EXPECT_GE(lived, 100.0);
  EXPECT_LT(lived, 2000.0) << "the server should see the abort long before the 5 s delay ends";
  EXPECT_FALSE(r.response_start.has_value());
}

TEST_F(Aborts, RequestCancelledThroughACancellationSlotIsAbortedAtTheCancel) {
  client::AsyncClient client{address_of(*server_, "slot-abort")};
  asio::io_context io;
  asio::cancellation_signal cancel;
  std::exception_ptr failure;
  asio::co_spawn(io, client.get("/delay/5"),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, client::Response) {
                   failure = e;
                 }));
  asio::steady_timer timer{io, milliseconds{150}};
  timer.async_wait([&](auto) { cancel.emit(asio::cancellation_type::terminal); });
  io.run();
  ASSERT_TRUE(failure) << "a cancelled request must not produce a response";
  try {
    std::rethrow_exception(failure);
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), asio::error::operation_aborted) << e.what();
  }
  auto r = settled_single("slot-abort");
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  EXPECT_LT(ms_between(r.arrival, *r.finish), 2000.0);
}

TEST_F(Aborts, ClosingTheSocketMidDelayIsRecordedAsAbortedPromptly) {
  RawConnection raw{*server_};
  raw.send("GET /delay/5 HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: raw-close\r\n\r\n");
  ASSERT_TRUE(server_->trace().wait_count("raw-close", 1, seconds{5}));
  const auto closed_at = Clock::now();
  raw.close();
  auto r = settled_single("raw-close");
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  EXPECT_LT(ms_between(closed_at, *r.finish), 1000.0);
}

TEST_F(Aborts, ResettingTheConnectionMidDelayIsRecordedAsAborted) {
  RawConnection raw{*server_};
  raw.send("GET /delay/5 HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: raw-reset\r\n\r\n");
  ASSERT_TRUE(server_->trace().wait_count("raw-reset", 1, seconds{5}));
  raw.reset();
  EXPECT_EQ(settled_single("raw-reset").outcome, Outcome::client_aborted);
}

TEST_F(Aborts, HangingUpDuringAStreamIsRecordedAsAborted) {
  RawConnection raw{*server_};
  raw.send("GET /stream/50?interval=100ms HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: stream-hangup\r\n\r\n");
  ASSERT_TRUE(server_->trace().wait_count("stream-hangup", 1, seconds{5}));
  std::this_thread::sleep_for(milliseconds{150});
  raw.close();
  auto r = settled_single("stream-hangup");
  EXPECT_EQ(r.outcome, Outcome::client_aborted);
  EXPECT_TRUE(r.response_start.has_value()) << "the stream had begun";
}

TEST_F(Aborts, PipelinedRequestsAreNotMistakenForAHangUp) {
  RawConnection raw{*server_};
  raw.send(
      "GET /delay/100ms HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: pipelined\r\n\r\n"
      "GET /get HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: pipelined\r\nConnection: close\r\n\r\n");
  const std::string answer = raw.read_all();
  EXPECT_EQ(status_line(answer), "HTTP/1.1 200 OK");
  EXPECT_NE(answer.find("HTTP/1.1 200 OK", 10), std::string::npos) << "both requests answered";
  ASSERT_TRUE(server_->trace().wait_settled("pipelined", seconds{5}));
  auto records = server_->trace().records("pipelined");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, Outcome::completed);
  EXPECT_EQ(records[1].outcome, Outcome::completed);
  EXPECT_EQ(records[0].connection, records[1].connection);
}

}  // namespace
}  // namespace asynclings::server::testing
