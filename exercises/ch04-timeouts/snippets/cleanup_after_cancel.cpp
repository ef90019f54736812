// A cancelled coroutine stays cancelled: its next co_await throws operation_aborted at once,
// so an asynchronous cleanup never starts. reset_cancellation_state() gives it a fresh state.
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <exception>

namespace asio = boost::asio;
using namespace std::chrono_literals;

// (cleanup_ran lives in run_once, which outlives the coroutine: a reference is safe here.)
asio::awaitable<void> work_then_cleanup(bool reset, bool& cleanup_ran) {
  auto ex = co_await asio::this_coro::executor;
  std::exception_ptr failure;
  try {
    asio::steady_timer work(ex, 10s);
    co_await work.async_wait(asio::use_awaitable);  // cancelled here
  } catch (...) {
    failure = std::current_exception();  // no co_await inside a catch block
  }
  if (reset) co_await asio::this_coro::reset_cancellation_state();
  try {
    asio::steady_timer cleanup(ex, 10ms);  // stands for "release the lease"
    co_await cleanup.async_wait(asio::use_awaitable);
    cleanup_ran = true;
  } catch (const boost::system::system_error&) {
    cleanup_ran = false;  // refused: we are still cancelled
  }
  if (failure) std::rethrow_exception(failure);
}

bool run_once(bool reset) {
  asio::io_context io;
  asio::cancellation_signal cancel;
  bool cleanup_ran = false;
  asio::co_spawn(io, work_then_cleanup(reset, cleanup_ran),
                 asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  asio::steady_timer later(io, 20ms);
  later.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  io.run();
  return cleanup_ran;
}

int main() {
  const bool without_reset = run_once(false);
  const bool with_reset = run_once(true);
  std::printf("cleanup ran without reset: %d, with reset: %d\n", without_reset, with_reset);
  return !without_reset && with_reset ? 0 : 1;
}
