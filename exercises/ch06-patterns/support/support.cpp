// The exercise-independent half of tests/support.hpp (see there), compiled once for every ch06
// test.
#include "support.hpp"

#include <asynclings/testkit/requests.hpp>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <mutex>
#include <regex>
#include <thread>

namespace ch06test {

// ---------------------------------------------------------------- loop lag

namespace {

asio::awaitable<void> lag_ticks(std::shared_ptr<LagState> s, milliseconds period) {
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

}  // namespace

void start_lag_probe(const asio::any_io_executor& ex, const std::shared_ptr<LagState>& s,
                     milliseconds period) {
  s->timer = std::make_shared<asio::steady_timer>(ex);
  asio::co_spawn(ex, lag_ticks(s, period), asio::detached);
}

void stop_lag_probe(LagState& s) {
  s.stop = true;
  s.timer->cancel();
}

// ---------------------------------------------------------------- cancelling from outside

void expect_own_error(std::exception_ptr error, const std::string& whose) {
  if (!error) {
    ADD_FAILURE() << "the caller should get " << whose << ", yet nothing was thrown";
    return;
  }
  // A cancellation (operation_aborted, or a channel's channel_cancelled) is what the others got
  // because of the failure: the caller must get the failure itself.
  if (asynclings::testkit::is_cancellation(error)) {
    ADD_FAILURE() << "the caller should get " << whose
                  << ", not a cancellation (the error of a coroutine that was cancelled because of it)";
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the caller should get " << whose
                  << " (a boost::system::system_error), not: " << e.what();
  }
}

// ---------------------------------------------------------------- a proxy that hangs up

struct HangupProxy::Impl {
  Impl(std::uint16_t upstream_port, std::function<bool(const std::string&)> hang_up)
      : upstream_(asio::ip::make_address("127.0.0.1"), upstream_port),
        hang_up_(std::move(hang_up)) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Impl() {
    io_.stop();
    thread_.join();
  }

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
      auto [ec, n] =
          co_await from.async_read_some(asio::buffer(data), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(data, n),
                                                  asio::as_tuple(asio::use_awaitable));
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
    const std::string target = sp1 == std::string::npos || sp2 == std::string::npos
                                   ? ""
                                   : head.substr(sp1 + 1, sp2 - sp1 - 1);
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
    auto [wec, wn] = co_await asio::async_write(upstream, asio::buffer(head),
                                                asio::as_tuple(asio::use_awaitable));
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

HangupProxy::HangupProxy(std::uint16_t upstream_port,
                         std::function<bool(const std::string&)> hang_up)
    : impl_(std::make_unique<Impl>(upstream_port, std::move(hang_up))) {}

HangupProxy::~HangupProxy() = default;

std::uint16_t HangupProxy::port() const { return impl_->acceptor_.local_endpoint().port(); }

std::vector<std::pair<std::string, Clock::time_point>> HangupProxy::hangups() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->hangups_;
}

// ---------------------------------------------------------------- side by side

asio::awaitable<void> together(asio::awaitable<int> a, asio::awaitable<int> b) {
  using namespace asio::experimental::awaitable_operators;
  co_await (std::move(a) && std::move(b));
}

// ---------------------------------------------------------------- numbers in text

int first_int(const std::string& text, const std::string& pattern, int none) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? std::stoi(m[1]) : none;
}

}  // namespace ch06test

CH06TEST_ALL_INSTANTIATIONS();
