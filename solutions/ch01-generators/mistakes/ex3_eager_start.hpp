// MISTAKE FIXTURE (eager-start): the task starts running as soon as it is created.
// Exercise 3: a lazy Task<T> (what Python's `async def` gives you), then the same idea in Asio.
//
//   ch01::Task<int> answer() { co_return 42; }
//   ch01::Task<int> twice() { int a = co_await answer(); co_return a * 2; }
//   int v = ch01::sync_wait(twice());   // 84
//
// A Task does nothing when it is created. `co_await task` starts it and suspends the
// awaiting coroutine; when the task finishes, it resumes the coroutine that awaited it
// (its "continuation") by *symmetric transfer*: await_suspend returns the handle to resume
// next, so the compiler jumps to it instead of calling it, and a chain of a million
// awaits uses no more stack than one.
#pragma once

#include <asynclings/client/async_client.hpp>

#include <boost/asio/awaitable.hpp>

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace ch01 {

template <typename T>
class Task;

template <typename T>
T sync_wait(Task<T> task);

template <typename T>
class Task {
 public:
  struct promise_type {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> continuation;  // who awaits this task

    Task get_return_object() {
      return Task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    // WRONG: runs the body at once, before anyone awaits the task.
    std::suspend_never initial_suspend() noexcept { return {}; }

    // At the end, hand control straight to the awaiting coroutine.
    struct FinalAwaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        if (auto next = self.promise().continuation) return next;
        return std::noop_coroutine();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    void return_value(T v) { value = std::move(v); }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  using handle_type = std::coroutine_handle<promise_type>;

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // `co_await task`: remember who waits, then transfer control to the task's body.
  bool await_ready() const noexcept { return handle_.done(); }  // it may have finished already
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() { return result(); }

 private:
  explicit Task(handle_type handle) : handle_(handle) {}
  friend T sync_wait<T>(Task<T> task);

  T result() {
    auto& promise = handle_.promise();
    if (promise.error) std::rethrow_exception(promise.error);
    return std::move(*promise.value);
  }

  handle_type handle_;
};

// Runs a task to completion from ordinary code. With no event loop yet (that is ch02), a
// Task here can only await other Tasks, so one resume() runs the whole chain.
template <typename T>
T sync_wait(Task<T> task) {
  task.handle_.promise().continuation = std::noop_coroutine();
  if (!task.handle_.done()) task.handle_.resume();
  if (!task.handle_.done())
    throw std::logic_error("sync_wait: the task suspended on something other than a Task");
  return task.result();
}

// The Asio part: an asio::awaitable is lazy in exactly the same way. Calling this function
// only creates the coroutine; the request goes out when someone co_awaits (or co_spawns) it.
// Parameters by value: the coroutine outlives the caller's arguments.
inline boost::asio::awaitable<int> fetch_status(asynclings::client::AsyncClient client,
                                                std::string path) {
  auto response = co_await client.get(std::move(path));
  co_return response.status;
}

}  // namespace ch01
