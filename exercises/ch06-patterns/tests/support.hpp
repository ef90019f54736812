// Helpers the chapter's tests share (not part of any exercise):
//  - LagProbe: a coroutine that ticks on the loop under test and notes how late each tick was
//    woken; a tick late by the length of a backoff or a release means the loop thread was
//    blocked (std::this_thread::sleep_for, a blocking client) instead of suspended.
//  - cancel_after (from the testkit): runs a coroutine, emits a terminal cancel after a delay,
//    and says how and when it ended (value, exception).
//  - HangupProxy: a tiny TCP proxy in front of the delay server that hangs up on the requests
//    a predicate picks (the client's GET then throws, a network failure) and forwards the
//    others, so the server's trace still shows them.
#pragma once

#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ch06test {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using asynclings::testkit::is_operation_aborted;
using std::chrono::milliseconds;

// ---------------------------------------------------------------- loop lag

struct LagState {
  bool stop = false;
  double max_lag_ms = 0;
  std::shared_ptr<asio::steady_timer> timer;
};

inline asio::awaitable<void> lag_ticks(std::shared_ptr<LagState> s, milliseconds period) {
  auto next = Clock::now();
  while (!s->stop) {
    next += period;
    s->timer->expires_at(next);
    co_await s->timer->async_wait(asio::as_tuple(asio::use_awaitable));
    // Measured even when the probe is being stopped: a block just before the end still counts.
    const auto now = Clock::now();
    const double late = std::chrono::duration<double, std::milli>(now - next).count();
    s->max_lag_ms = std::max(s->max_lag_ms, late);
    if (s->stop) break;
    if (now > next) next = now;
  }
}

// Runs <work> with a tick every 5 ms beside it on the same loop; <lag> gets the largest delay
// with which a tick was woken while <work> ran.
template <typename T>
asio::awaitable<T> with_lag_probe(asio::awaitable<T> work, std::shared_ptr<LagState> lag) {
  auto ex = co_await asio::this_coro::executor;
  lag->timer = std::make_shared<asio::steady_timer>(ex);
  asio::co_spawn(ex, lag_ticks(lag, milliseconds{5}), asio::detached);
  std::exception_ptr error;
  std::optional<T> value;
  try {
    value.emplace(co_await std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
  lag->stop = true;
  lag->timer->cancel();
  if (error) std::rethrow_exception(error);
  co_return std::move(*value);
}

// ---------------------------------------------------------------- cancelling from outside

using asynclings::testkit::cancel_after;
using asynclings::testkit::Ending;

// operation_aborted, or the channel's own word for it (a cancelled channel wait completes with
// experimental::error::channel_cancelled).
inline bool is_cancellation(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& error) {
    return error.code() == asio::error::operation_aborted ||
           error.code() == asio::experimental::error::channel_cancelled;
  } catch (...) {
    return false;
  }
}

// Expects <error> to be a request's own failure (a boost::system::system_error that is not a
// cancellation): what the caller must get when one request failed, not the operation_aborted
// of the work cancelled because of it. <whose> names it in the failure ("item 2's error").
inline void expect_own_error(std::exception_ptr error, const std::string& whose) {
  if (!error) {
    ADD_FAILURE() << "the caller should get " << whose << ", yet nothing was thrown";
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error& e) {
    EXPECT_NE(e.code(), asio::error::operation_aborted) << "the caller should get " << whose << ", not a cancellation";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the caller should get " << whose << " (a boost::system::system_error), not: " << e.what();
  }
}

// ---------------------------------------------------------------- a proxy that hangs up

class HangupProxy {
 public:
  // Forwards to the delay server on 127.0.0.1:<upstream_port>, except the requests whose
  // target <hang_up> picks: those connections are closed as soon as the request head is in.
  HangupProxy(std::uint16_t upstream_port, std::function<bool(const std::string&)> hang_up)
      : upstream_(asio::ip::make_address("127.0.0.1"), upstream_port), hang_up_(std::move(hang_up)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HangupProxy() {
    io_.stop();
    thread_.join();
  }
  HangupProxy(const HangupProxy&) = delete;
  HangupProxy& operator=(const HangupProxy&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // The targets hung up on, and when.
  std::vector<std::pair<std::string, Clock::time_point>> hangups() const {
    std::lock_guard lock(mutex_);
    return hangups_;
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> relay(asio::ip::tcp::socket& from, asio::ip::tcp::socket& to) {
    char data[8192];
    for (;;) {
      auto [ec, n] = co_await from.async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(data, n), asio::as_tuple(asio::use_awaitable));
      if (wec) co_return;
    }
  }

  asio::awaitable<void> session(asio::ip::tcp::socket client) {
    using namespace asio::experimental::awaitable_operators;
    std::string head;
    auto [ec, n] = co_await asio::async_read_until(client, asio::dynamic_buffer(head), "\r\n\r\n",
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    const auto sp1 = head.find(' ');
    const auto sp2 = head.find(' ', sp1 + 1);
    const std::string target =
        sp1 == std::string::npos || sp2 == std::string::npos ? "" : head.substr(sp1 + 1, sp2 - sp1 - 1);
    if (hang_up_(target)) {
      {
        std::lock_guard lock(mutex_);
        hangups_.emplace_back(target, Clock::now());
      }
      boost::system::error_code ignored;
      client.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      client.close(ignored);
      co_return;
    }
    asio::ip::tcp::socket upstream(io_);
    auto [cec] = co_await upstream.async_connect(upstream_, asio::as_tuple(asio::use_awaitable));
    if (cec) co_return;
    auto [wec, wn] = co_await asio::async_write(upstream, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return;
    // Either side closing ends both: a client that gives up aborts the request at the server.
    co_await (relay(client, upstream) || relay(upstream, client));
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::ip::tcp::endpoint upstream_;
  std::function<bool(const std::string&)> hang_up_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> hangups_;
  std::thread thread_;
};

}  // namespace ch06test
