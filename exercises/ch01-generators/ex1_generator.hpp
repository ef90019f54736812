// Exercise 1: a hand-written Generator<T> (Python's generator function, in C++20).
//
//   ch01::Generator<int> count_to(int n) {
//     for (int i = 1; i <= n; ++i) co_yield i;
//   }
//   for (int v : count_to(3)) ...   // 1, 2, 3
//
// A function whose body uses co_yield is a coroutine. The compiler looks up
// Generator<T>::promise_type and calls its members at fixed points of the body's life;
// the Generator object the caller receives owns the coroutine frame through a handle.
//
// What the tests check: values come out in order; nothing in the body runs before the first
// pull, and each pull runs it only up to the next co_yield; the frame is destroyed exactly
// once, when the Generator owning it is destroyed (also half-consumed, also after a move);
// an exception thrown in the body reaches the loop that consumes it (also one thrown before
// the first co_yield); reading *it twice gives the same value and runs nothing; a body that
// never yields is an empty range.
//
// Replace every ASYNCLINGS_TODO. Read README.md first; `grader hint ch01 ex1` helps.
#pragma once

#include <asynclings/todo.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <optional>
#include <utility>

namespace ch01 {

template <typename T>
class Generator {
 public:
  // The compiler creates one promise per call, inside the coroutine frame, and talks to it.
  struct promise_type {
    std::optional<T> current;  // the value of the latest co_yield
    std::exception_ptr error;  // what escaped the body, to rethrow to the consumer

    // Called first, to make the object the caller gets back.
    Generator get_return_object() {
      // TODO: wrap the handle of this frame:
      //       std::coroutine_handle<promise_type>::from_promise(*this)
      ASYNCLINGS_TODO("Generator::promise_type::get_return_object");
    }
    // Called before the first line of the body: run it now, or wait for the first pull?
    std::suspend_always initial_suspend() {
      ASYNCLINGS_TODO("Generator::promise_type::initial_suspend (lazy or eager?)");
    }
    // Called after the body ends. It must not throw (hence noexcept and no TODO here):
    // suspending here keeps the frame alive until the Generator destroys it.
    std::suspend_always final_suspend() noexcept { return {}; }
    // `co_yield v` becomes `co_await promise.yield_value(v)`.
    std::suspend_always yield_value(T value) {
      // TODO: keep the value where the iterator can read it, then pause.
      (void)value;
      ASYNCLINGS_TODO("Generator::promise_type::yield_value");
    }
    void return_void() noexcept {}
    // Called inside a catch block when the body throws.
    void unhandled_exception() {
      // TODO: remember std::current_exception(); the consumer rethrows it.
      ASYNCLINGS_TODO("Generator::promise_type::unhandled_exception");
    }
  };

  using handle_type = std::coroutine_handle<promise_type>;

  // What range-for uses: begin() makes one, ++ pulls the next value, == end() asks "done?".
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    explicit iterator(handle_type handle) : handle_(handle) {}

    T& operator*() const {
      // TODO: the value the body yielded last.
      ASYNCLINGS_TODO("Generator::iterator::operator*");
    }
    iterator& operator++() {
      // TODO: resume the body up to its next co_yield (see advance() below).
      ASYNCLINGS_TODO("Generator::iterator::operator++");
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      // TODO: the loop ends when the body has finished (handle.done()).
      (void)it;
      return true;
    }

   private:
    handle_type handle_{};
  };

  // A Generator owns its frame: it can be moved, never copied, and destroys the frame once.
  Generator(Generator&& other) noexcept {
    // TODO: take other's handle and leave other with none.
    (void)other;
  }
  Generator& operator=(Generator&& other) noexcept {
    // TODO: release the frame this one owns, then take other's handle as above.
    (void)other;
    return *this;
  }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator() {
    // TODO: destroy the frame, if this Generator still owns one.
  }

  // The first pull: runs the body up to its first co_yield (or its end).
  iterator begin() { ASYNCLINGS_TODO("Generator::begin"); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  explicit Generator(handle_type handle) : handle_(handle) {}

  // Resume the body until its next co_yield; pass on an exception that escaped it.
  static void advance(handle_type handle) {
    // TODO: resume (unless already done), then rethrow promise().error if there is one.
    (void)handle;
    ASYNCLINGS_TODO("Generator::advance");
  }

  handle_type handle_;
};

}  // namespace ch01
