// task.cancel() in Asio: a cancellation_signal whose slot is bound to the co_spawn that
// started the task. The task sees operation_aborted at its pending co_await.
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Counts {
  int ticks = 0;
  int cleanups = 0;
};

asio::awaitable<void> long_running(std::shared_ptr<Counts> counts) {
  auto ex = co_await asio::this_coro::executor;
  try {
    for (;;) {
      ++counts->ticks;  // "Working..."
      asio::steady_timer tick(ex, 50ms);
      co_await tick.async_wait(asio::use_awaitable);
    }
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) ++counts->cleanups;  // "Cleaning up..."
    throw;  // always re-raise
  }
}

int main() {
  asio::io_context io;
  auto counts = std::make_shared<Counts>();
  asio::cancellation_signal cancel;
  bool cancelled = false;
  auto on_end = [&](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const boost::system::system_error& error) {
      cancelled = error.code() == asio::error::operation_aborted;  // "Task was cancelled"
    }
  };
  asio::co_spawn(io, long_running(counts), asio::bind_cancellation_slot(cancel.slot(), on_end));

  asio::steady_timer later(io, 175ms);  // after three ticks and a half
  later.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
  io.run();
  std::printf("ticks %d, cleanups %d, cancelled %d\n", counts->ticks, counts->cleanups, cancelled);
  return counts->ticks >= 2 && counts->cleanups == 1 && cancelled ? 0 : 1;
}
