// Exercise 6: an async context manager — a server-side lease held for the length of a body.
//
//   class Lease:
//       async def __aenter__(self):
//           await client.get(f"/lease/acquire?name={self.name}")
//           return self
//       async def __aexit__(self, exc_type, exc, tb):
//           await client.get(f"/lease/release?name={self.name}")   # success, error, cancel
//           return False                                            # never swallow
//
//   async with Lease(client, "db") as lease:
//       await do_work(lease)
//
// C++ has no async destructors: a destructor cannot co_await, so it cannot send the release.
// The shape instead is an explicit pair — Lease::acquire() and co_await lease.release() — and a
// helper, with_lease(client, name, body), that plays `async with`: it acquires, runs
// co_await body(lease), and releases however the body ended (a value, an exception, a
// cancellation), then hands the caller the body's value or rethrows what the body threw.
//
// Write:
// - Lease::acquire(client, name): GET /lease/acquire?name=NAME; a Lease that is held().
// - lease.release(): GET /lease/release?name=NAME, once: a second call, or a call on a
//   moved-from Lease, does nothing. The move constructor passes the lease on.
// - with_lease(client, name, body): body is a callable taking Lease& and returning
//   asio::awaitable<T> (T not void). The release has reached the server before with_lease
//   hands back the value or the error (Python's __aexit__ finishes before the next line),
//   and waiting for it never blocks the loop (no blocking client, no sleep, no get()).
//
// Two things stand in the way of the Python shape (ch04 met them): co_await is not allowed in
// a catch block, and after a cancel every co_await in the coroutine throws operation_aborted
// at once until you co_await asio::this_coro::reset_cancellation_state().
//
// What the tests check (server trace; GET /lease?name=NAME reports the holders): acquire, body,
// release in that order and 0 holders afterwards — when the body returns, when it throws (the
// caller gets that exception, whatever its type — an int too), and when the test cancels it
// half-way (the release arrives after the cancel, the caller still sees operation_aborted);
// releasing twice sends one release, also when the second call comes while the first is still
// waiting for the server; the
// release is answered before with_lease returns; against a server that answers slowly, the
// loop keeps running while the lease is released.
//
// Replace every ASYNCLINGS_TODO. `grader hint ch06 ex6` helps.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace ch06 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;

struct LeaseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Lease {
 public:
  static asio::awaitable<Lease> acquire(AsyncClient client, std::string name) {
    // TODO: GET /lease/acquire?name=NAME (LeaseError if it is not 2xx), then a held Lease.
    (void)client;
    (void)name;
    ASYNCLINGS_TODO("Lease::acquire");
  }

  asio::awaitable<void> release() {
    // TODO: GET /lease/release?name=NAME — only if this Lease still holds it, and only once.
    ASYNCLINGS_TODO("Lease::release");
  }

  bool held() const noexcept { return held_; }
  const std::string& name() const noexcept { return name_; }

  Lease(Lease&& other) noexcept
      : client_(std::move(other.client_)), name_(std::move(other.name_)), held_(other.held_) {
    // TODO: a moved-from Lease must no longer hold the lease (or both would release it).
  }
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  // No async destructor: a Lease destroyed while held() cannot send the release from here.
  ~Lease() = default;

 private:
  Lease(AsyncClient client, std::string name)
      : client_(std::move(client)), name_(std::move(name)), held_(true) {}

  AsyncClient client_;
  std::string name_;
  bool held_ = false;
};

// The T of an asio::awaitable<T>.
template <typename A>
struct awaitable_value;
template <typename T>
struct awaitable_value<asio::awaitable<T>> {
  using type = T;
};

template <typename Body>
auto with_lease(AsyncClient client, std::string name, Body body)
    -> std::invoke_result_t<Body&, Lease&> {
  using T = typename awaitable_value<std::invoke_result_t<Body&, Lease&>>::type;
  // TODO: acquire; co_await body(lease); release whichever way the body ended; then return
  //       the body's value or rethrow what it threw.
  (void)client;
  (void)name;
  (void)body;
  ASYNCLINGS_TODO("with_lease");
  co_return T{};  // (unreachable; makes this function a coroutine)
}

}  // namespace ch06
