// Exercise 2: retry with exponential backoff and jitter.
//
//   async def get_with_retry(client, url, max_attempts=4, base=0.05, jitter=0.02):
//       for attempt in range(max_attempts):
//           try:
//               response = await client.get(url)
//               response.raise_for_status()
//               return response
//           except httpx.HTTPError:
//               if attempt == max_attempts - 1:
//                   raise                                   # give up: the caller sees the error
//               await asyncio.sleep(base * 2 ** attempt + random.uniform(0, jitter))
//
// Write get_with_retry(client, target, policy): GET target; a response whose status is not
// 2xx is a failure (throw HttpError(status, target) for it), and so is a network error (the GET
// throws boost::system::system_error) — httpx.HTTPError covers both. After failed attempt i
// (0, 1, 2…) wait policy.base * 2^i plus a random 0..policy.jitter, then try again; after
// policy.max_attempts failures, throw the last failure to the caller at once (no wait after
// the last attempt).
// - The wait is a timer the coroutine awaits: the loop keeps serving others meanwhile.
// - The jitter is drawn afresh for every wait and differs from call to call (clients that
//   failed together must not come back together).
// - A cancellation (operation_aborted) is not a failure: never retry it, let it out at once.
// - policy.max_attempts below 1 is an error: throw std::invalid_argument, send nothing.
//
// What the tests check (server trace, against /flaky/{key}?fail=k, which fails the first k
// calls): the number of attempts; every gap between a failed attempt's response and the next
// attempt's arrival is at least base * 2^i (and not much more than base * 2^i + jitter); the
// loop is not blocked during a wait; two calls failing together retry at different moments;
// after max_attempts failures the caller gets HttpError with the server's status right after
// the last response; network errors (a proxy that hangs up) are retried too; a first success
// returns at once; a cancel during a wait ends the call at once with operation_aborted;
// max_attempts = 0 throws std::invalid_argument.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <exception>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace ch06 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::Response;

struct RetryPolicy {
  int max_attempts = 4;                  // attempts in all, the first one included
  std::chrono::milliseconds base{50};    // the wait after failed attempt i is base * 2^i …
  std::chrono::milliseconds jitter{20};  // … plus a uniform random 0..jitter
};

// A response with a non-2xx status, as an exception (httpx's raise_for_status()).
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& target)
      : std::runtime_error("GET " + target + " answered " + std::to_string(status)),
        status(status) {}
  int status;
};

// The wait after failed attempt <attempt> (0-based).
inline std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<long> extra(0, policy.jitter.count());
  return policy.base * (1L << attempt) + std::chrono::milliseconds{extra(random)};
}

inline asio::awaitable<Response> get_with_retry(AsyncClient client, std::string target,
                                                RetryPolicy policy) {
  if (policy.max_attempts < 1) throw std::invalid_argument("max_attempts must be at least 1");
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::exception_ptr last_error;
  for (int attempt = 0; attempt < policy.max_attempts; ++attempt) {
    if (attempt > 0) {  // sleep outside the catch block: co_await is not allowed in one
      timer.expires_after(backoff(policy, attempt - 1));
      co_await timer.async_wait(asio::use_awaitable);
    }
    try {
      Response response = co_await client.get(target);
      if (response.ok()) co_return response;
      throw HttpError(response.status, target);
    } catch (const HttpError&) {
      last_error = std::current_exception();
    } catch (const boost::system::system_error& e) {
      if (e.code() == asio::error::operation_aborted) throw;  // cancelled: never retry that
      last_error = std::current_exception();                  // a network error: retry
    }
  }
  std::rethrow_exception(last_error);  // gave up: the caller sees the last failure
}

}  // namespace ch06
