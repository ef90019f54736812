// Exercise 5: async from sync. run_sync gets a fresh loop on the calling thread; run_on hands
// work to a loop that a thread of the test already runs, and blocks only the caller.
#include "ex5_async_from_sync.hpp"

#include <asynclings/client/async_client.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
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

struct ProbeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

asio::awaitable<int> status_of(AsyncClient client, std::string target) {
  auto response = co_await client.get(std::move(target));
  co_return response.status;
}

asio::awaitable<int> fails_after_a_request(AsyncClient client) {
  co_await client.get("/delay/50ms");
  throw ProbeError("the awaitable's own error");
}

struct StatusAndThread {
  int status;
  std::thread::id thread;
};

asio::awaitable<StatusAndThread> status_and_thread(AsyncClient client) {
  auto response = co_await client.get("/delay/50ms");
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

class RunSync : public asynclings::testkit::ServerTest {};

TEST_F(RunSync, ReturnsTheValueOfAnAwaitableThatCallsTheServer) {
  const int status = ch06::run_sync(status_of(async_client(), "/delay/100ms"));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(trace(1).size(), 1u) << "the awaitable's request should have been sent once";
}

TEST_F(RunSync, RethrowsTheAwaitablesOwnException) {
  try {
    ch06::run_sync(fails_after_a_request(async_client()));
    ADD_FAILURE() << "the awaitable threw ProbeError, but run_sync returned normally";
  } catch (const ProbeError& e) {
    EXPECT_STREQ(e.what(), "the awaitable's own error");
  }
  EXPECT_EQ(trace(1).size(), 1u);
}

class RunOn : public asynclings::testkit::ServerTest {
 protected:
  std::unique_ptr<Loop> loop_ = std::make_unique<Loop>();
};

TEST_F(RunOn, RunsTheWorkOnTheLoopsThreadAndReturnsItsValue) {
  const auto result = ch06::run_on(loop_->io, status_and_thread(async_client()));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.thread, loop_->thread.get_id()) << "the work should run on the thread that runs the loop";
  EXPECT_NE(result.thread, std::this_thread::get_id());
}

TEST_F(RunOn, ThreePlainThreadsCallingAtOnceHaveTheirRequestsInFlightTogether) {
  std::vector<int> statuses(3, 0);
  std::vector<std::exception_ptr> errors(3);
  std::vector<std::thread> callers;
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
  auto t = trace(3);
  figure("peak_in_flight", double(t.peak_in_flight()), "", "3");
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.peak_in_flight(), 3u) << "one loop thread serves all three blocked callers concurrently";
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200}));
}

TEST_F(RunOn, RethrowsTheAwaitablesOwnException) {
  try {
    ch06::run_on(loop_->io, fails_after_a_request(async_client()));
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
