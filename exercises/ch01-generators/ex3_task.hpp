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
//
// What the tests check: nothing runs before the task is awaited; values and exceptions
// reach the awaiter; 1,000,000 awaits in a loop and 10,000 nested awaits leave the stack
// as it was; every frame is destroyed exactly once, awaited or not; sync_wait throws
// std::logic_error if the task suspended on something other than a Task; and fetch_status
// (bottom) sends no request until it is awaited.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch01 ex3` helps.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

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
      // TODO: a Task owning this frame's handle.
      ASYNCLINGS_TODO("Task::promise_type::get_return_object");
    }
    std::suspend_always initial_suspend() {
      // TODO: lazy or eager? (It must not run until awaited.)
      ASYNCLINGS_TODO("Task::promise_type::initial_suspend");
    }

    // The awaiter of the end of the body: the place to hand control back to the awaiter.
    struct FinalAwaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        // TODO: return the continuation, so the compiler jumps to it. (noexcept: no TODO
        //       macro here. std::noop_coroutine() means "nobody to resume".)
        (void)self;
        return std::noop_coroutine();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }

    void return_value(T v) {
      // TODO: keep the result for await_resume().
      (void)v;
      ASYNCLINGS_TODO("Task::promise_type::return_value");
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  using handle_type = std::coroutine_handle<promise_type>;

  // Owns its frame, like ex1's Generator: movable, not copyable, destroys the frame once.
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

  // `co_await task` calls these three on the task.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) {
    // TODO: remember who is waiting (the continuation), then hand control to this task's
    //       body by returning its handle. Do not call .resume() here: see the README.
    (void)awaiting;
    ASYNCLINGS_TODO("Task::await_suspend");
  }
  T await_resume() { return result(); }

 private:
  explicit Task(handle_type handle) : handle_(handle) {}
  friend T sync_wait<T>(Task<T> task);

  // The value, or the exception the body threw.
  T result() {
    // TODO
    ASYNCLINGS_TODO("Task::result");
  }

  handle_type handle_;
};

// Runs a task to completion from ordinary code. With no event loop yet (that is ch02), a
// Task here can only await other Tasks, so one resume() runs the whole chain.
template <typename T>
T sync_wait(Task<T> task) {
  // TODO: nobody awaits this task: make its continuation std::noop_coroutine(), resume it,
  //       check it is done(), and return its result().
  (void)task;
  ASYNCLINGS_TODO("sync_wait");
}

// The Asio part: an asio::awaitable is lazy in exactly the same way. Write this as a
// coroutine that does `co_await client.get(path)` and co_returns the response's status.
// Parameters by value: the coroutine outlives the caller's arguments.
inline boost::asio::awaitable<int> fetch_status(asynclings::client::AsyncClient client,
                                                std::string path) {
  (void)client;
  (void)path;
  ASYNCLINGS_TODO("fetch_status");
}

}  // namespace ch01
