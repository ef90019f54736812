// The fixture chapter tests derive from. One delay server runs per test binary, in process,
// on its own thread (so student code that blocks its loop cannot block the server). Each
// test gets its own trace tag, clients that send it, and a view of only its own requests.
//
//   class Gather : public asynclings::testkit::ServerTest {};
//   TEST_F(Gather, ReturnsResultsInInputOrder) {
//     auto results = run(gather_all(async_client(), {"/delay/300ms", "/delay/100ms"}));
//     auto t = trace(2);              // waits until the server saw 2 requests, all settled
//     EXPECT_EQ(t.peak_in_flight(), 2u);
//   }
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>
#include <asynclings/server/delay_server.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

namespace asynclings::testkit {

// The binary's server, started on first use.
server::DelayServer& shared_server();

// The trace tag of the ServerTest running now ("" between tests): what a hang report looks
// up at the server (testkit_main.cpp).
std::string running_test_tag();
// Whether the server has been started (a hang report never starts it).
bool shared_server_started();

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;  // attaches this test's trace to its structured output

  const std::string& tag() const { return tag_; }
  client::ServerAddress address() const;
  client::AsyncClient async_client() const { return client::AsyncClient{address()}; }
  client::BlockingClient blocking_client() const { return client::BlockingClient{address()}; }
  Clock::time_point test_start() const { return start_; }

  // This test's requests, once at least <expected> arrived and none is in progress (waits up
  // to <settle>). Records a failure if that does not happen in time.
  TraceView trace(std::size_t expected = 0, std::chrono::milliseconds settle = std::chrono::seconds{5});
  // This test's requests right now, without waiting.
  TraceView trace_now() const;

  // Runs <work> to completion on a fresh io_context on this thread and returns its value
  // (or rethrows its exception). <limit> guards against a hang: after it the context is
  // stopped and std::runtime_error("… did not finish within …") is thrown; a coroutine the
  // loop abandons (nothing left that could resume it) throws "… can never finish …".
  template <typename T>
  T run(boost::asio::awaitable<T> work,
        std::chrono::milliseconds limit = std::chrono::seconds{20}) {
    boost::asio::io_context io;
    auto result = boost::asio::co_spawn(io, std::move(work), boost::asio::use_future);
    io.run_for(limit);
    if (result.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
      io.stop();
      throw std::runtime_error("the coroutine did not finish within " +
                               std::to_string(limit.count()) + " ms");
    }
    try {
      return result.get();
    } catch (const std::future_error& e) {
      if (e.code() != std::future_errc::broken_promise) throw;
      // Asio dropped the coroutine: the loop ran out of work while it still waited.
      throw std::runtime_error(
          "the coroutine can never finish: it waits for something nothing will complete "
          "(for example an empty parallel group)");
    }
  }

 private:
  std::string tag_;
  Clock::time_point start_;
};

}  // namespace asynclings::testkit
