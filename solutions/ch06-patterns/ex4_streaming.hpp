// Exercise 4: consume a streamed response line by line, as it arrives.
//
//   async def consume_lines(client, url, on_line):
//       handled = 0
//       async with client.stream("GET", url) as response:
//           async for line in response.aiter_lines():     # each line as soon as it arrives
//               handled += 1
//               if not on_line(line):
//                   break                                  # leaving the block closes it
//       return handled
//
// Write consume_lines(client, target, on_line): open target with client.stream(…), hand each
// line to on_line the moment it arrives, stop at the end of the response or as soon as on_line
// returns false, and return how many lines were handed over. Stopping early must close the
// connection (the LineStream's destructor does that when it goes out of scope unfinished).
// - The count is the number of on_line calls (the one that said stop included); an empty
//   response hands over nothing and returns 0.
// - No line is read after on_line said stop: the connection closes right then.
// - If on_line throws, the exception reaches the caller and the connection closes right then.
// - Cancelling consume_lines closes the connection at once; the caller sees operation_aborted.
//
// What the tests check against /stream/5?interval=100ms (one JSON line every 100 ms): all
// lines arrive, in order, and the first one is handled long before the server finishes the
// response (the trace's finish time against your handler's timestamps) — not after reading the
// whole body; and stopping after 2 lines of /stream/10 closes the connection then (the server
// records the request as aborted at about 100 ms, not completed at 900 ms, and not at 200 ms
// after reading a third line); the returned count; an empty response; a handler that throws on
// line 2 (its exception reaches the caller, the connection closes then); a cancel half-way.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/todo.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace ch06 {

namespace asio = boost::asio;
using asynclings::client::AsyncClient;
using asynclings::client::LineStream;

// on_line returns true to keep reading, false to stop.
inline asio::awaitable<std::size_t> consume_lines(AsyncClient client, std::string target,
                                                  std::function<bool(const std::string&)> on_line) {
  LineStream stream = co_await client.stream(std::move(target));
  std::size_t handled = 0;
  while (std::optional<std::string> line = co_await stream.next_line()) {
    ++handled;
    if (!on_line(*line)) break;
  }
  co_return handled;  // `stream` goes out of scope: an unfinished response's connection closes
}

}  // namespace ch06
