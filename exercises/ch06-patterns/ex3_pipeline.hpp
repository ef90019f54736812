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
//
// Replace the ASYNCLINGS_TODO. `grader hint ch06 ex3` helps.
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

inline asio::awaitable<std::vector<Processed>> run_pipeline(AsyncClient client, int items,
                                                            int consumers, std::size_t capacity,
                                                            std::chrono::milliseconds work,
                                                            std::function<void(int)> on_produced) {
  // TODO: an ItemChannel(ex, capacity); a producer coroutine and <consumers> consumer
  //       coroutines running concurrently (a parallel group); the producer ends with one
  //       kEndOfStream per consumer. Return who processed what.
  (void)client;
  (void)items;
  (void)consumers;
  (void)capacity;
  (void)work;
  (void)on_produced;
  ASYNCLINGS_TODO("run_pipeline");
}

}  // namespace ch06
