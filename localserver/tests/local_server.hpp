// Helpers for the server's own tests: a server per test, raw socket conversations, and
// running a coroutine to completion.
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>
#include <asynclings/server/delay_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace asynclings::server::testing {

inline std::unique_ptr<DelayServer> started_server(ServerOptions options = {}) {
  auto server = std::make_unique<DelayServer>(std::move(options));
  server->start();
  return server;
}

inline client::ServerAddress address_of(const DelayServer& server, std::string tag = "t") {
  return {"127.0.0.1", server.port(), std::move(tag)};
}

template <typename T>
T run_coroutine(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  auto result = boost::asio::co_spawn(io, std::move(work), boost::asio::use_future);
  io.run();
  return result.get();
}

// A blocking TCP conversation, for bytes no well-behaved client would send.
class RawConnection {
 public:
  // <receive_buffer>: a fixed receive buffer in bytes (0: the kernel's, which on loopback
  // can grow to tens of MB), for clients that are meant to stop reading.
  explicit RawConnection(const DelayServer& server, int receive_buffer = 0) : socket_(io_) {
    socket_.open(boost::asio::ip::tcp::v4());
    if (receive_buffer > 0) socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  }
  void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
  // Everything the server sends until it closes the connection.
  std::string read_all() {
    std::string out;
    boost::system::error_code ec;
    boost::asio::read(socket_, boost::asio::dynamic_buffer(out), ec);
    return out;
  }
  void close() { socket_.close(); }
  // Closes with a TCP reset instead of an orderly FIN.
  void reset() {
    socket_.set_option(boost::asio::socket_base::linger(true, 0));
    socket_.close();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

inline std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

}  // namespace asynclings::server::testing
