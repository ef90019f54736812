// Exercise 3: producer/consumer over a bounded channel (asyncio.Queue(maxsize=…)).
//
//   async def producer(queue, n, consumers):
//       for i in range(n):
//           await queue.put(i)              # waits while the queue is full: backpressure
//       for _ in range(consumers):
//           await queue.put(None)           # one end-of-stream marker per consumer
//
//   async def consumer(queue, name, done):
//       while (item := await queue.get()) is not None:
//           await process(item)
//           done.append((item, name))
//
//   queue = asyncio.Queue(maxsize=capacity)
//   await asyncio.gather(producer(queue, n, m), *(consumer(queue, i, done) for i in range(m)))
//
// Write run_pipeline(client, items, consumers, capacity, work, on_produced): one producer sends
// the items 0, 1, … items-1 into an ItemChannel of the given capacity, calling on_produced(i)
// right after each send completes; <consumers> consumers take items out and process(…) each;
// when every item is processed, every coroutine has ended and run_pipeline returns who
// processed what (any order). on_produced(i) reports item i as sent: call it only once the
// send has completed (the item is in the channel or with a consumer), never before.
// - No items: return an empty list at once. Fewer than 1 consumer (nobody would ever take an
//   item) or a negative item count: throw std::invalid_argument before starting anything.
// - When processing an item throws, the pipeline stops: the producer and the other consumers
//   are cancelled (their requests in flight are aborted) and run_pipeline rethrows that
//   exception. Cancelling run_pipeline from outside stops everything the same way.
//
// Shutting down is the trap: in Boost 1.81, channel::close() DISCARDS the messages still in
// the buffer (fixed in 1.82), so closing the channel after the last item loses up to
// <capacity> items. Send one kEndOfStream per consumer instead; each consumer stops at its own.
//
// What the tests check (server trace: one /delay request per processed item): every item is
// processed exactly once and run_pipeline returns; the consumers' requests overlap (peak in
// flight = consumers); the producer is held back while the channel is full (only about
// consumers + capacity items are sent before the first item is processed, each reported only
// once sent); run_pipeline returns after the last item is processed, not before; the end
// marker is never processed as an item; no items returns at once; 0 consumers throws
// std::invalid_argument; a failing item (a proxy hangs up on it) or a cancel stops the whole
// pipeline at once and leaves no request running.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ch06 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;

// Messages are (error_code, item); items are >= 0.
using ItemChannel = asio::experimental::channel<void(boost::system::error_code, int)>;
inline constexpr int kEndOfStream = -1;

struct Processed {
  int item;
  int consumer;
};

// What a consumer does with one item: a request that takes <work>. (Given.)
inline asio::awaitable<void> process(AsyncClient client, int item, std::chrono::milliseconds work) {
  std::string target = "/delay/" + std::to_string(work.count()) + "ms?item=" + std::to_string(item);
  co_await client.get(std::move(target));
}

namespace detail {

// The channel and the list live in run_pipeline's frame, which outlives these coroutines.
inline asio::awaitable<void> producer(ItemChannel& channel, int items, int consumers,
                                      std::function<void(int)> on_produced) {
  for (int i = 0; i < items; ++i) {
    co_await channel.async_send(boost::system::error_code{}, i,
                                asio::use_awaitable);  // waits while full
    if (on_produced) on_produced(i);
  }
  for (int c = 0; c < consumers; ++c) {
    co_await channel.async_send(boost::system::error_code{}, kEndOfStream, asio::use_awaitable);
  }
  // No close(): in 1.81 it would discard whatever is still buffered.
}

inline asio::awaitable<void> consumer(ItemChannel& channel, AsyncClient client, int id,
                                      std::chrono::milliseconds work,
                                      std::vector<Processed>& done) {
  for (;;) {
    const int item = co_await channel.async_receive(asio::use_awaitable);
    if (item == kEndOfStream) co_return;
    co_await process(client, item, work);
    done.push_back(Processed{item, id});  // one thread: no lock needed
  }
}

}  // namespace detail

inline asio::awaitable<std::vector<Processed>> run_pipeline(AsyncClient client, int items,
                                                            int consumers, std::size_t capacity,
                                                            std::chrono::milliseconds work,
                                                            std::function<void(int)> on_produced) {
  if (consumers < 1) throw std::invalid_argument("run_pipeline: at least one consumer is needed");
  if (items < 0) throw std::invalid_argument("run_pipeline: a negative number of items");
  auto ex = co_await asio::this_coro::executor;
  ItemChannel channel(ex, capacity);
  std::vector<Processed> done;

  using Op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<void>>(), asio::deferred));
  std::vector<Op> ops;
  ops.push_back(asio::co_spawn(
      ex, detail::producer(channel, items, consumers, std::move(on_produced)), asio::deferred));
  for (int id = 0; id < consumers; ++id) {
    ops.push_back(
        asio::co_spawn(ex, detail::consumer(channel, client, id, work, done), asio::deferred));
  }
  // If one of them fails, the others are cancelled rather than left waiting on the channel.
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors] =
      co_await group.async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
  // The failure that ended the group is the first error in completion order: the coroutines
  // cancelled because of it end later, with only a cancellation (channel_cancelled included).
  for (std::size_t index : order) {
    if (errors[index]) std::rethrow_exception(errors[index]);
  }
  co_return done;
}

}  // namespace ch06
