// Exercise 5: async from sync. run_sync gets a fresh loop on the calling thread; run_on hands
// work to a loop that a thread of the test already runs, and blocks only the caller. Every call
// is made on a helper thread the test watches, so a call that never returns is named instead
// of hanging the test.
#include "ex5_async_from_sync.hpp"

#include <asynclings/client/async_client.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using std::chrono::milliseconds;

struct ProbeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the work itself got to (set from whatever thread runs it).
struct Progress {
  std::atomic<bool> finished{false};
  std::atomic<bool> threw{false};
};

asio::awaitable<int> status_of(AsyncClient client, std::string target, std::shared_ptr<Progress> p = nullptr) {
  auto response = co_await client.get(std::move(target));
  if (p) p->finished = true;
  co_return response.status;
}

asio::awaitable<int> fails_after_a_request(AsyncClient client, std::shared_ptr<Progress> p = nullptr) {
  co_await client.get("/delay/50ms");
  if (p) p->threw = true;
  throw ProbeError("the awaitable's own error");
}

struct StatusAndThread {
  int status;
  std::thread::id thread;
};

asio::awaitable<StatusAndThread> status_and_thread(AsyncClient client, std::shared_ptr<Progress> p) {
  auto response = co_await client.get("/delay/50ms");
  p->finished = true;
  co_return StatusAndThread{response.status, std::this_thread::get_id()};
}

asio::awaitable<int> answer() { co_return 42; }

// An io_context run by a thread of its own (the "loop that already runs").
struct Loop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  void stop() {
    guard.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
  ~Loop() { stop(); }
};

// A call made on a helper thread and given <limit> to return.
template <typename T>
struct Call {
  bool returned = false;
  std::optional<T> value;
  std::exception_ptr error;
  std::thread::id caller;
};

template <typename T>
Call<T> call_watched(std::function<T()> f, milliseconds limit = milliseconds{1500}) {
  struct Shared {
    std::promise<T> result;
  };
  auto shared = std::make_shared<Shared>();
  auto future = shared->result.get_future();
  std::thread caller([shared, f = std::move(f)] {
    try {
      shared->result.set_value(f());
    } catch (...) {
      shared->result.set_exception(std::current_exception());
    }
  });
  Call<T> call;
  call.caller = caller.get_id();
  if (future.wait_for(limit) != std::future_status::ready) {
    caller.detach();  // stuck for good: leave it behind
    return call;
  }
  caller.join();
  call.returned = true;
  try {
    call.value = future.get();
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (...) {
    call.error = std::current_exception();
  }
  return call;
}

// How many run_sync calls of this process have returned so far.
int g_run_sync_returned = 0;

class RunSync : public asynclings::testkit::ServerTest {
 protected:
  template <typename T>
  bool returned(const Call<T>& call, const std::string& which) {
    if (call.returned) {
      ++g_run_sync_returned;
      return true;
    }
    if (g_run_sync_returned > 0) {
      diagnose("loop-reused-without-restart",
               which + "run_sync never returned, although an earlier call did: an io_context whose run() has "
               "returned is stopped, and run() returns at once until restart(). Give each call a fresh "
               "asio::io_context, as asyncio.run gives each call a fresh loop");
    } else {
      diagnose("loop-not-run",
               which + "run_sync never returned: nothing ran its io_context, so the work never finished. "
               "co_spawn only schedules the work — run the loop (io.run()) on this thread, then future.get()");
    }
    return false;
  }
};

// A value type of this test alone (so run_sync<Again> is a template instance no other test used).
struct Again {
  int status;
};

asio::awaitable<Again> again_status(AsyncClient client, std::string target) {
  auto response = co_await client.get(std::move(target));
  co_return Again{response.status};
}

TEST_F(RunSync, ReturnsTheValueOfAnAwaitableThatRanOnTheCallingThread) {
  auto p = std::make_shared<Progress>();
  auto client = async_client();
  auto call = call_watched<StatusAndThread>([client, p] { return ch06::run_sync(status_and_thread(client, p)); });
  if (!returned(call, "")) return;
  if (call.error) std::rethrow_exception(call.error);
  EXPECT_EQ(call.value->status, 200);
  EXPECT_EQ(call.value->thread, call.caller) << "asyncio.run runs the loop on the calling thread";
  EXPECT_EQ(trace(1).size(), 1u) << "the awaitable's request should have been sent once";
}

TEST_F(RunSync, RethrowsTheAwaitablesOwnException) {
  auto client = async_client();
  auto call = call_watched<int>([client] { return ch06::run_sync(fails_after_a_request(client)); });
  if (!returned(call, "")) return;
  try {
    if (call.error) std::rethrow_exception(call.error);
    ADD_FAILURE() << "the awaitable threw ProbeError, but run_sync returned normally";
  } catch (const ProbeError& e) {
    EXPECT_STREQ(e.what(), "the awaitable's own error");
  }
  EXPECT_EQ(trace(1).size(), 1u);
}

TEST_F(RunSync, CanBeCalledAgainEachCallGettingALoopOfItsOwn) {
  auto client = async_client();
  auto first = call_watched<Again>([client] { return ch06::run_sync(again_status(client, "/delay/20ms?call=1")); });
  if (!returned(first, "the first ")) return;
  auto second = call_watched<Again>([client] { return ch06::run_sync(again_status(client, "/delay/20ms?call=2")); });
  if (!returned(second, "the second ")) return;
  if (first.error) std::rethrow_exception(first.error);
  if (second.error) std::rethrow_exception(second.error);
  EXPECT_EQ(first.value->status, 200);
  EXPECT_EQ(second.value->status, 200);
  EXPECT_EQ(trace(2).size(), 2u);
}

class RunOn : public asynclings::testkit::ServerTest {
 protected:
  std::unique_ptr<Loop> loop_ = std::make_unique<Loop>();

  // A run_on that never returned leaves its caller stuck, perhaps inside io.run(): the loop is
  // left alive, since destroying it would stop io and free it under that thread's feet (a
  // crash in teardown that would hide this test's verdict).
  void leave_the_loop_to_the_stuck_caller() { (void)loop_.release(); }

  void report_never_returned(const Progress& p) {
    leave_the_loop_to_the_stuck_caller();
    if (p.finished) diagnose_runs_the_loop();
    else ADD_FAILURE() << "run_on never returned and its work never finished";
  }

  // A run_on that never returned although its work had finished: the caller runs io itself.
  void diagnose_runs_the_loop() {
    diagnose("runs-the-loop-itself",
             "run_on's work finished, yet run_on never returned: the calling thread is running io "
             "(io.run() returns only when the loop has no work left, and the loop's own thread keeps it "
             "busy forever). The loop already runs elsewhere — co_spawn onto it and just wait on the future");
  }
};

TEST_F(RunOn, RunsTheWorkOnTheLoopsThreadAndReturnsItsValue) {
  auto p = std::make_shared<Progress>();
  auto client = async_client();
  auto& io = loop_->io;
  auto call = call_watched<StatusAndThread>([&io, client, p] { return ch06::run_on(io, status_and_thread(client, p)); });
  if (!call.returned) return report_never_returned(*p);
  if (call.error) std::rethrow_exception(call.error);
  EXPECT_EQ(call.value->status, 200);
  EXPECT_EQ(call.value->thread, loop_->thread.get_id()) << "the work should run on the thread that runs the loop";
  EXPECT_NE(call.value->thread, call.caller);
  // The loop keeps serving once run_on has returned.
  auto again = call_watched<int>([&io] { return ch06::run_on(io, answer()); });
  if (!again.returned) {
    leave_the_loop_to_the_stuck_caller();
    FAIL() << "a second run_on never returned: run_on must leave the loop running";
  }
  EXPECT_EQ(again.value.value_or(0), 42);
}

TEST_F(RunOn, ThreePlainThreadsCallingAtOnceHaveTheirRequestsInFlightTogether) {
  std::vector<int> statuses(3, 0);
  std::vector<std::exception_ptr> errors(3);
  std::vector<std::thread> callers;
  auto& io = loop_->io;
  auto p = std::make_shared<Progress>();
  auto client = async_client();
  auto first = call_watched<int>([&io, client, p] { return ch06::run_on(io, status_of(client, "/delay/10ms", p)); });
  if (!first.returned) return report_never_returned(*p);
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] {
      try {
        statuses[i] = ch06::run_on(loop_->io, status_of(async_client(), "/delay/150ms"));
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  auto t = asynclings::testkit::TraceView(trace(4).with_target_prefix("/delay/150ms"), test_start());
  figure("peak_in_flight", double(t.peak_in_flight()), "", "3");
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.peak_in_flight(), 3u) << "one loop thread serves all three blocked callers concurrently";
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200}));
}

TEST_F(RunOn, RethrowsTheAwaitablesOwnException) {
  auto p = std::make_shared<Progress>();
  auto client = async_client();
  auto& io = loop_->io;
  auto call = call_watched<int>([&io, client, p] { return ch06::run_on(io, fails_after_a_request(client, p)); });
  if (!call.returned) {
    leave_the_loop_to_the_stuck_caller();
    // Does run_on return at all? (A caller stuck in io.run() never returns, exception or not.)
    auto other = std::make_unique<Loop>();
    auto& other_io = other->io;
    auto plain = call_watched<int>([&other_io] { return ch06::run_on(other_io, answer()); }, milliseconds{500});
    if (!plain.returned) {
      (void)other.release();  // its io is still run by a stuck caller
      diagnose_runs_the_loop();
      return;
    }
    diagnose("exception-lost",
             std::string("the work ") + (p->threw ? "threw" : "was to throw") +
                 " but run_on never returned: the exception went nowhere (detached drops it; a promise "
                 "nobody sets keeps get() waiting forever). co_spawn(io, work, asio::use_future) carries "
                 "the value or the exception to future.get()");
    return;
  }
  try {
    if (call.error) std::rethrow_exception(call.error);
    ADD_FAILURE() << "the awaitable threw ProbeError, but run_on returned normally";
  } catch (const ProbeError& e) {
    EXPECT_STREQ(e.what(), "the awaitable's own error");
  }
}

TEST_F(RunOn, CalledFromTheLoopsOwnThreadItThrowsWouldDeadlockInsteadOfHanging) {
  auto outcome = std::make_shared<std::promise<int>>();
  auto future = outcome->get_future();
  auto& io = loop_->io;
  asio::post(io, [outcome, &io] {
    try {
      outcome->set_value(ch06::run_on(io, answer()));
    } catch (...) {
      outcome->set_exception(std::current_exception());
    }
  });
  if (future.wait_for(std::chrono::seconds{2}) != std::future_status::ready) {
    // The loop's thread is stuck for good: leave it (and its io_context) behind.
    loop_->thread.detach();
    (void)loop_.release();
    diagnose("get-on-loop-thread",
             "run_on, called on the loop's own thread, blocked it forever: the future waits for work "
             "that only this thread could run. Check io.get_executor().running_in_this_thread() "
             "first and throw WouldDeadlock");
    return;
  }
  try {
    const int value = future.get();
    ADD_FAILURE() << "run_on returned " << value << " on the loop's own thread; it should throw WouldDeadlock";
  } catch (const ch06::WouldDeadlock&) {
    SUCCEED();
  }
}

}  // namespace
