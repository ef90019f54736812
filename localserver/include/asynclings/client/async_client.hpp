// The awaitable HTTP client exercises call (the course's httpx.AsyncClient):
//
//     AsyncClient client{address};
//     Response r = co_await client.get("/delay/200ms");
//
// Each call opens its own connection. Cancelling the awaiting coroutine (a timeout through
// `||`, a cancellation slot, a parallel group cancelling siblings) closes that connection at
// once, so the server records the request as aborted. HTTP error statuses are not exceptions;
// network failures throw boost::system::system_error.
//
// This header includes no Beast: student translation units stay light. The work happens in
// async_client.cpp.
#pragma once

#include <asynclings/client/response.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>

namespace asynclings::client {

// A chunked response read line by line as it arrives (for /stream/{n} and /drip).
class LineStream {
 public:
  LineStream(LineStream&&) noexcept;
  LineStream& operator=(LineStream&&) noexcept;
  ~LineStream();  // closes the connection if the stream was not read to the end

  int status() const;
  // The next complete line without its newline; nullopt when the response has ended.
  boost::asio::awaitable<std::optional<std::string>> next_line();

 private:
  friend class AsyncClient;
  struct Impl;
  explicit LineStream(std::unique_ptr<Impl> impl);
  static boost::asio::awaitable<LineStream> open(ServerAddress address, std::string target);
  std::unique_ptr<Impl> impl_;
};

class AsyncClient {
 public:
  explicit AsyncClient(ServerAddress address);

  // Arguments are taken by value: a coroutine must own what it uses after its first suspension.
  boost::asio::awaitable<Response> get(std::string target) const;
  boost::asio::awaitable<Response> post(std::string target, std::string body = {}) const;
  boost::asio::awaitable<LineStream> stream(std::string target) const;

  const ServerAddress& address() const { return address_; }

 private:
  ServerAddress address_;
};

}  // namespace asynclings::client
