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
//   - next() on a started generator is send(In{}) (Python: next(gen) is gen.send(None)):
//     the body receives In{}, never the value sent last;
//   - send() before the first next() throws SendBeforeStart (Python: TypeError "can't send
//     non-None value to a just-started generator");
//   - an exception thrown in the body comes out of the next()/send() that resumed it (the
//     priming next() included).
//
// The lifetime parts (promise, moves, destructor) are given: you wrote them in ex1.
// Replace every ASYNCLINGS_TODO. `grader hint ch01 ex2` helps.
#pragma once

#include <asynclings/todo.hpp>

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

    // The awaiter of `co_yield v`. `int x = co_yield 1;` gives x the value of
    // await_resume(), called when the consumer resumes the body.
    struct YieldAwaiter {
      promise_type* promise;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      In await_resume() const {
        // TODO: hand the body what the consumer sent.
        ASYNCLINGS_TODO("SendGenerator::YieldAwaiter::await_resume");
      }
    };
    YieldAwaiter yield_value(Out value) {
      // TODO: keep the value for the consumer, return an awaiter that knows this promise.
      (void)value;
      ASYNCLINGS_TODO("SendGenerator::promise_type::yield_value");
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

  // Python's next(gen): the first call primes (runs to the first co_yield); later calls
  // are send(In{}).
  std::optional<Out> next() {
    // TODO
    ASYNCLINGS_TODO("SendGenerator::next");
  }

  // Python's gen.send(value): value becomes the result of the pending co_yield; returns
  // what the body yields next, or nullopt if it finished instead.
  std::optional<Out> send(In value) {
    // TODO: refuse before start (SendBeforeStart); nothing to do once done(); otherwise
    //       put the value where the awaiter will find it, and resume.
    (void)value;
    ASYNCLINGS_TODO("SendGenerator::send");
  }

  bool done() const noexcept { return !handle_ || handle_.done(); }

 private:
  explicit SendGenerator(handle_type handle) : handle_(handle) {}

  // Runs the body to its next co_yield or its end; returns the yielded value or nullopt,
  // and rethrows what escaped the body.
  std::optional<Out> resume() {
    // TODO
    ASYNCLINGS_TODO("SendGenerator::resume");
  }

  handle_type handle_;
  bool started_ = false;
};

}  // namespace ch01
