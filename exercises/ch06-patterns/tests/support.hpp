// Helpers the chapter's tests share (not part of any exercise):
//  - LagProbe: a coroutine that ticks on the loop under test and notes how late each tick was
//    woken; a tick late by the length of a backoff or a release means the loop thread was
//    blocked (std::this_thread::sleep_for, a blocking client) instead of suspended.
//  - cancel_after (from the testkit): runs a coroutine, emits a terminal cancel after a delay,
//    and says how and when it ended (value, exception).
//  - HangupProxy: a tiny TCP proxy in front of the delay server that hangs up on the requests
//    a predicate picks (the client's GET then throws, a network failure) and forwards the
//    others, so the server's trace still shows them.
//  - first_int: a number read out of a target or a line with a regular expression.
// Nothing here depends on an exercise: what is not a template, and the templates' instances
// for the result types the exercises fix (CH06TEST_ALL_INSTANTIATIONS below), are compiled
// once, in support/support.cpp (the chapter's support library, linked into every ch06 test),
// so an edit to an exercise recompiles only the test and the student's code.
#pragma once

#include <asynclings/testkit/cancel_after.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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

// Starts the probe on <ex>: a tick every <period>, each noting in <s> how late it was woken,
// until stop_lag_probe.
void start_lag_probe(const asio::any_io_executor& ex, const std::shared_ptr<LagState>& s,
                     milliseconds period);
void stop_lag_probe(LagState& s);

// Runs <work> with a tick every 5 ms beside it on the same loop; <lag> gets the largest delay
// with which a tick was woken while <work> ran.
template <typename T>
asio::awaitable<T> with_lag_probe(asio::awaitable<T> work, std::shared_ptr<LagState> lag) {
  start_lag_probe(co_await asio::this_coro::executor, lag, milliseconds{5});
  std::exception_ptr error;
  std::optional<T> value;
  try {
    value.emplace(co_await std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
  stop_lag_probe(*lag);
  if (error) std::rethrow_exception(error);
  co_return std::move(*value);
}

// ---------------------------------------------------------------- cancelling from outside

using asynclings::testkit::cancel_after;
using asynclings::testkit::Ending;

// operation_aborted, or the channel's own word for it (the testkit's, shared with ch03).
using asynclings::testkit::is_cancellation;

// Expects <error> to be a request's own failure (a boost::system::system_error that is not a
// cancellation): what the caller must get when one request failed, not the operation_aborted
// of the work cancelled because of it. <whose> names it in the failure ("item 2's error").
void expect_own_error(std::exception_ptr error, const std::string& whose);

// ---------------------------------------------------------------- a proxy that hangs up

class HangupProxy {
 public:
  // Forwards to the delay server on 127.0.0.1:<upstream_port>, except the requests whose
  // target <hang_up> picks: those connections are closed as soon as the request head is in.
  HangupProxy(std::uint16_t upstream_port, std::function<bool(const std::string&)> hang_up);
  ~HangupProxy();
  HangupProxy(const HangupProxy&) = delete;
  HangupProxy& operator=(const HangupProxy&) = delete;

  std::uint16_t port() const;

  // The targets hung up on, and when.
  std::vector<std::pair<std::string, Clock::time_point>> hangups() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- side by side

// Runs <a> and <b> side by side on the caller's executor (operator&&: until both have ended,
// or one has thrown and the other has been cancelled).
asio::awaitable<void> together(asio::awaitable<int> a, asio::awaitable<int> b);

// ---------------------------------------------------------------- numbers in text

// The first capture group of the first match of <pattern> (std::regex, ECMAScript) in <text>,
// read by std::stoi; <none> when nothing matches.
int first_int(const std::string& text, const std::string& pattern, int none);

}  // namespace ch06test

// The instantiations of the testkit's run and cancel_after and of with_lag_probe for the result
// types the exercises fix (never a type the student's file defines): compiled once, in
// support/support.cpp (EXTERN empty), instead of in every test after every edit (EXTERN extern).
#define CH06TEST_INSTANTIATIONS(EXTERN, T)                                                     \
  EXTERN template T asynclings::testkit::ServerTest::run(boost::asio::awaitable<T>,            \
                                                         std::chrono::milliseconds);           \
  EXTERN template asynclings::testkit::Ending<T> asynclings::testkit::ServerTest::run(         \
      boost::asio::awaitable<asynclings::testkit::Ending<T>>, std::chrono::milliseconds);      \
  EXTERN template boost::asio::awaitable<asynclings::testkit::Ending<T>>                       \
      asynclings::testkit::cancel_after(boost::asio::awaitable<T>, std::chrono::milliseconds); \
  EXTERN template boost::asio::awaitable<T> ch06test::with_lag_probe(                          \
      boost::asio::awaitable<T>, std::shared_ptr<ch06test::LagState>)
#define CH06TEST_ALL_INSTANTIATIONS(EXTERN)                                          \
  CH06TEST_INSTANTIATIONS(EXTERN, std::vector<asynclings::client::Response>);        \
  CH06TEST_INSTANTIATIONS(EXTERN, asynclings::client::Response);                     \
  CH06TEST_INSTANTIATIONS(EXTERN, std::size_t);                                      \
  CH06TEST_INSTANTIATIONS(EXTERN, int);                                              \
  EXTERN template boost::asio::awaitable<asynclings::testkit::Ending<int>>           \
  ch06test::with_lag_probe(boost::asio::awaitable<asynclings::testkit::Ending<int>>, \
                           std::shared_ptr<ch06test::LagState>)

CH06TEST_ALL_INSTANTIATIONS(extern);
