// Exercise 5: cleanup that must complete even when cancelled (try/finally with an await in it).
//
//   async def with_lease(client, name, work):
//       await client.get(f"/lease/acquire?name={name}")
//       try:
//           return await work
//       finally:
//           await client.get(f"/lease/release?name={name}")   # runs on cancel, too
//
// Write with_lease(client, name, work): acquire the server-side lease `name`
// (GET /lease/acquire?name=NAME), await `work` while holding it, then release it
// (GET /lease/release?name=NAME) — whichever way `work` ends: with a value, with an exception,
// or cancelled. After the release, the caller gets what `work` gave: its value, its exception,
// or the cancellation (operation_aborted), which must not be swallowed.
//
// Two C++ facts stand in the way of the Python shape: co_await is not allowed inside a catch
// block, and once a coroutine has been cancelled, every further co_await in it throws
// operation_aborted at once — the release would never be sent. The lesson shows the ways out.
//
// What the tests check (server trace): acquire, work, release in that order; when the test
// cancels the work at 150 ms, the work's request is aborted then, the release arrives AFTER the
// cancel and succeeds, the lease is back at 0 holders (GET /lease?name=NAME), and the test
// still sees operation_aborted; when the work fails, the release is sent and the error
// reaches the caller; the lease is released exactly once; the caller gets the work's value
// only once the release is done (a release sent off in the background is too late); and the
// release after a failure, against a server that answers slowly, never blocks the loop (no
// blocking request from the catch block).
//
// Replace the ASYNCLINGS_TODO. `grader hint ch04 ex5` helps.
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
#include <utility>

namespace ch04 {

namespace asio = boost::asio;

// T is work's result type (not void).
template <typename T>
asio::awaitable<T> with_lease(asynclings::client::AsyncClient client, std::string name,
                              asio::awaitable<T> work) {
  // TODO: acquire, await work, release — the release must reach the server however work
  //       ended (value, exception, cancellation), and then the caller gets work's value or
  //       its exception (the cancellation included).
  (void)client;
  (void)name;
  (void)work;
  ASYNCLINGS_TODO("with_lease");
}

}  // namespace ch04
