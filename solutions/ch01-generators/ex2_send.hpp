// Exercise 2: a generator you can talk back to (Python's `x = yield 1` and `gen.send(10)`).
//
//   ch01::SendGenerator<int, int> echo(std::vector<std::string>& log) {
//     int x = co_yield 1;          // pause with 1; resume with what the consumer sends
//     log.push_back("Received: " + std::to_string(x));
//   }
//   auto gen = echo(log);
//   gen.next();      // -> 1   (primes: runs the body to its first co_yield, like next(gen))
//   gen.send(10);    // -> nullopt: x == 10, then the body ended (Python: StopIteration)
//
// `co_yield v` is `co_await promise.yield_value(v)`: the value of a co_yield expression is
// whatever the awaiter's await_resume() returns. That is the whole trick.
//
// Choices made here (the tests check them):
//   - next() and send() return std::nullopt once the body has finished (where Python
//     raises StopIteration), and never resume a finished coroutine;
//   - next() on a started generator is send(In{}) (Python: next(gen) is gen.send(None));
//   - send() before the first next() throws SendBeforeStart (Python: TypeError "can't send
//     non-None value to a just-started generator");
//   - an exception thrown in the body comes out of the next()/send() that resumed it.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace ch01 {

struct SendBeforeStart : std::logic_error {
  SendBeforeStart()
      : std::logic_error("send() before next(): prime the generator with next() first") {}
};

template <typename Out, typename In>
class SendGenerator {
 public:
  struct promise_type {
    std::optional<Out> yielded;  // what the latest co_yield handed out
    In sent{};                   // what the consumer sent in, for the pending co_yield
    std::exception_ptr error;

    SendGenerator get_return_object() {
      return SendGenerator{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }

    // The awaiter of `co_yield v`: always pauses; on resumption hands back `sent`.
    struct YieldAwaiter {
      promise_type* promise;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      In await_resume() const { return std::move(promise->sent); }
    };
    YieldAwaiter yield_value(Out value) {
      yielded = std::move(value);
      return YieldAwaiter{this};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  using handle_type = std::coroutine_handle<promise_type>;

  SendGenerator(SendGenerator&& other) noexcept
      : handle_(std::exchange(other.handle_, {})), started_(other.started_) {}
  SendGenerator& operator=(SendGenerator&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
      started_ = other.started_;
    }
    return *this;
  }
  SendGenerator(const SendGenerator&) = delete;
  SendGenerator& operator=(const SendGenerator&) = delete;
  ~SendGenerator() {
    if (handle_) handle_.destroy();
  }

  // Python's next(gen): the first call primes (runs to the first co_yield).
  std::optional<Out> next() {
    if (!started_) {
      started_ = true;
      return resume();
    }
    return send(In{});
  }

  // Python's gen.send(value): value becomes the result of the pending co_yield.
  std::optional<Out> send(In value) {
    if (!started_) throw SendBeforeStart{};
    if (done()) return std::nullopt;
    handle_.promise().sent = std::move(value);  // store BEFORE resuming
    return resume();
  }

  bool done() const noexcept { return !handle_ || handle_.done(); }

 private:
  explicit SendGenerator(handle_type handle) : handle_(handle) {}

  std::optional<Out> resume() {
    if (done()) return std::nullopt;
    auto& promise = handle_.promise();
    promise.yielded.reset();
    handle_.resume();
    if (promise.error) std::rethrow_exception(std::exchange(promise.error, nullptr));
    if (handle_.done()) return std::nullopt;
    return std::move(promise.yielded);
  }

  handle_type handle_;
  bool started_ = false;
};

}  // namespace ch01
