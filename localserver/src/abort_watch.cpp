#include "abort_watch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>

namespace asynclings::server {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

enum class PeerState { gone, sent_data, nothing_yet };

// Peeks without consuming: 0 bytes = orderly close, an error = reset.
PeerState peek_peer(asio::ip::tcp::socket& socket) {
  char byte;
  const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return PeerState::sent_data;
  if (n == 0) return PeerState::gone;
  return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? PeerState::nothing_yet
                                                                      : PeerState::gone;
}

}  // namespace

asio::awaitable<bool> wait_unless_client_leaves(asio::ip::tcp::socket& socket,
                                                std::chrono::steady_clock::duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(duration);
  for (;;) {
    auto first = co_await (timer.async_wait(asio::as_tuple(asio::use_awaitable)) ||
                           socket.async_wait(asio::socket_base::wait_read,
                                             asio::as_tuple(asio::use_awaitable)));
    if (first.index() == 0) co_return true;  // the time is up
    if (std::get<0>(std::get<1>(first))) co_return false;  // the wait itself failed: socket gone
    switch (peek_peer(socket)) {
      case PeerState::gone:
        co_return false;
      case PeerState::sent_data:
        // A pipelined request: readability would fire again at once, so stop watching
        // and just let the time run out.
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        co_return true;
      case PeerState::nothing_yet:
        break;  // spurious wake-up: keep watching
    }
  }
}

}  // namespace asynclings::server
