// Waiting on the server side while noticing a client that hangs up: the heart of how the
// trace can say "this request was aborted at t = 212 ms".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

namespace asynclings::server {

// Waits <duration>. Returns false as soon as the peer closes or resets the connection
// (true when the full time elapsed). Bytes of a pipelined next request do not count as a
// hang-up; they are left unread for the session.
boost::asio::awaitable<bool> wait_unless_client_leaves(boost::asio::ip::tcp::socket& socket,
                                                       std::chrono::steady_clock::duration duration);

}  // namespace asynclings::server
