// Cancellation: a signal you keep, its slot bound to the operation (or coroutine) to stop.
#include <boost/asio.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<std::string> slow_job() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 10s);
  try {
    co_await timer.async_wait(asio::use_awaitable);  // the cancel arrives here
    co_return "finished";
  } catch (const boost::system::system_error& e) {
    if (e.code() != asio::error::operation_aborted) throw;
    co_return "cancelled";  // cleanup would go here; rethrow to say "I was cancelled"
  }
}

int main() {
  asio::io_context io;
  asio::cancellation_signal signal;  // the canceller keeps the signal...
  std::string outcome;
  // ...and binds its slot to the completion token: the job's operations listen to it.
  asio::co_spawn(
      io, slow_job(),
      asio::bind_cancellation_slot(
          signal.slot(), [&](std::exception_ptr, std::string result) { outcome = result; }));
  asio::steady_timer later(io, 50ms);
  later.async_wait(
      [&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
  const auto start = std::chrono::steady_clock::now();
  io.run();
  const auto took = std::chrono::steady_clock::now() - start;
  std::printf(
      "%s after %lld ms\n", outcome.c_str(),
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  return outcome == "cancelled" && took < 5s ? 0 : 1;
}
