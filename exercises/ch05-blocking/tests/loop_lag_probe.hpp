// Test code, not student code: a loop-lag probe for chapter 5's tests.
//
// A periodic steady_timer on the io_context under test. Each time it fires it notes how late
// it is (now minus the time it was due) and re-arms itself <interval> from now. While the
// loop's thread is free the lateness stays around a millisecond; while something blocks the
// thread (std::this_thread::sleep_for, a blocking HTTP call, a long computation) no timer
// can fire, and the tick due during the block fires only when the block ends: the largest
// lateness is then about the length of the block (minus at most one interval).
//
// run_probed() runs an awaitable on a fresh io_context with a probe ticking beside it and
// returns the awaitable's value together with the probe's figures and the work's wall time.
#pragma once

#include <asynclings/testkit/timing.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ch05_test {

class LoopLagProbe {
 public:
  using clock = std::chrono::steady_clock;

  explicit LoopLagProbe(boost::asio::any_io_executor loop,
                        std::chrono::milliseconds interval = std::chrono::milliseconds{5})
      : loop_(loop), timer_(loop), interval_(interval) {}
  LoopLagProbe(const LoopLagProbe&) = delete;
  LoopLagProbe& operator=(const LoopLagProbe&) = delete;

  // Call before the loop runs (or on its thread).
  void start() {
    due_ = clock::now() + interval_;
    arm();
  }
  // Safe from any thread: the stop itself runs on the loop.
  void stop() {
    boost::asio::post(loop_, [this] {
      stopped_ = true;
      timer_.cancel();
    });
  }

  // Read these after the loop has stopped running.
  double max_lag_ms() const { return std::chrono::duration<double, std::milli>(max_lag_).count(); }
  std::size_t ticks() const { return ticks_; }

 private:
  void arm() {
    timer_.expires_at(due_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      const auto now = clock::now();
      max_lag_ = std::max(max_lag_, now - due_);
      ++ticks_;
      due_ = now + interval_;
      arm();
    });
  }

  boost::asio::any_io_executor loop_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds interval_;
  clock::time_point due_{};
  clock::duration max_lag_{};
  std::size_t ticks_ = 0;
  bool stopped_ = false;
};

template <typename T>
struct Probed {
  T value;
  double max_lag_ms = 0;    // the probe's largest lateness while the work ran
  std::size_t ticks = 0;    // how often the probe fired while the work ran
  double wall_ms = 0;       // the work's own wall time
};

namespace detail {

template <typename T>
boost::asio::awaitable<Probed<T>> probed(boost::asio::awaitable<T> work, LoopLagProbe& probe) {
  auto loop = co_await boost::asio::this_coro::executor;
  asynclings::testkit::Stopwatch watch;
  std::optional<T> value;
  std::exception_ptr error;
  try {
    value.emplace(co_await std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
  const double wall = watch.elapsed_ms();
  // Back on the loop's thread even if the work resumed us somewhere else.
  co_await boost::asio::post(loop, boost::asio::use_awaitable);
  probe.stop();
  if (error) std::rethrow_exception(error);
  co_return Probed<T>{std::move(*value), 0, 0, wall};
}

}  // namespace detail

// True when the probe hardly ran while the work took a while: the loop's thread was held for
// the whole of the work (a future's .get() or another blocking wait on the loop). A loaded
// machine makes ticks late, but a free loop still gets the CPU many times in 20 intervals;
// a held one gets it once at most, when the work ends.
template <typename T>
bool loop_held_throughout(const Probed<T>& run, std::chrono::milliseconds interval = std::chrono::milliseconds{5}) {
  return run.wall_ms >= 20.0 * double(interval.count()) && run.ticks <= 2;
}

// Runs <work> on a fresh io_context on this thread, with a probe ticking every <interval>.
template <typename T>
Probed<T> run_probed(boost::asio::awaitable<T> work,
                     std::chrono::milliseconds interval = std::chrono::milliseconds{5},
                     std::chrono::milliseconds limit = std::chrono::seconds{20}) {
  boost::asio::io_context io;
  LoopLagProbe probe(io.get_executor(), interval);
  probe.start();
  auto done = boost::asio::co_spawn(io, detail::probed(std::move(work), probe),
                                    boost::asio::use_future);
  io.run_for(limit);
  if (done.wait_for(std::chrono::seconds{0}) != std::future_status::ready) {
    io.stop();
    throw std::runtime_error("the coroutine did not finish within " +
                             std::to_string(limit.count()) + " ms");
  }
  auto result = done.get();
  result.max_lag_ms = probe.max_lag_ms();
  result.ticks = probe.ticks();
  return result;
}

}  // namespace ch05_test
