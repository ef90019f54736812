// MISTAKE FIXTURE (eager-start): the body starts running when the generator is created.
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
#pragma once

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
  struct promise_type {
    std::optional<T> current;  // the value of the latest co_yield
    std::exception_ptr error;  // what escaped the body, rethrown to the consumer

    Generator get_return_object() {
      return Generator{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    // WRONG: starts the body at once, like a plain function call.
    std::suspend_never initial_suspend() noexcept { return {}; }
    // Stay suspended at the end, so the frame lives until the Generator destroys it.
    std::suspend_always final_suspend() noexcept { return {}; }
    // co_yield v: keep the value where the consumer can read it, and pause.
    std::suspend_always yield_value(T value) {
      current = std::move(value);
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  using handle_type = std::coroutine_handle<promise_type>;

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    explicit iterator(handle_type handle) : handle_(handle) {}

    T& operator*() const { return *handle_.promise().current; }
    iterator& operator++() {
      advance(handle_);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.handle_ || it.handle_.done();
    }

   private:
    handle_type handle_{};
  };

  Generator(Generator&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Generator& operator=(Generator&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator() {
    if (handle_) handle_.destroy();
  }

  // The first pull: runs the body up to its first co_yield (or its end).
  iterator begin() {
    advance(handle_);
    return iterator{handle_};
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  explicit Generator(handle_type handle) : handle_(handle) {}

  // Resume the body until its next co_yield; pass on an exception that escaped it.
  static void advance(handle_type handle) {
    if (!handle || handle.done()) return;
    handle.resume();
    if (handle.promise().error) std::rethrow_exception(handle.promise().error);
  }

  handle_type handle_;
};

}  // namespace ch01
