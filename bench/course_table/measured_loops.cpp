#include "measured_loops.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <vector>

namespace course_table {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::BlockingClient;
using asynclings::client::Response;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void require_ok(const Response& response, const std::string& target, int index) {
  if (response.status != 200) {
    throw std::runtime_error("request " + std::to_string(index + 1) + " (GET " + target +
                             ") answered " + std::to_string(response.status) + ": " + response.body);
  }
}

// asyncio.gather on Asio: every request is started before any is awaited, and the group
// completes when the last one has. Parameters by value: they must outlive the caller's frame.
asio::awaitable<std::vector<Response>> gather(AsyncClient client, std::string target, int n) {
  auto executor = co_await asio::this_coro::executor;
  using Request = decltype(asio::co_spawn(executor, client.get(target), asio::deferred));
  std::vector<Request> requests;
  requests.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) requests.push_back(asio::co_spawn(executor, client.get(target), asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(requests));
  auto [order, errors, responses] =
      co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
  }
  co_return responses;
}

}  // namespace

double sequential_requests(const BlockingClient& client, const std::string& target, int n) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) require_ok(client.get(target), target, i);
  return seconds_since(start);
}

double concurrent_requests(const AsyncClient& client, const std::string& target, int n) {
  asio::io_context loop{1};  // one thread runs it: concurrency without parallelism
  const auto start = Clock::now();
  auto finished = asio::co_spawn(loop, gather(client, target, n), asio::use_future);
  loop.run();
  const double elapsed = seconds_since(start);
  const std::vector<Response> responses = finished.get();  // rethrows a failed request
  for (std::size_t i = 0; i < responses.size(); ++i) require_ok(responses[i], target, static_cast<int>(i));
  return elapsed;
}

}  // namespace course_table
