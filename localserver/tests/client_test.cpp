#include "local_server.hpp"

#include <gtest/gtest.h>

namespace asynclings::client {
namespace {

TEST(Response, HeaderLookupIgnoresCase) {
  Response r{200, "", {{"Content-Type", "text/plain"}}};
  EXPECT_EQ(r.header("content-type"), "text/plain");
  EXPECT_EQ(r.header("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(r.header("content-length").has_value());
}

// A port nothing listens on: bind one, note it, close it.
std::uint16_t unused_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

TEST(BlockingClient, ThrowsWithAReadableMessageWhenNothingListens) {
  BlockingClient client{{"127.0.0.1", unused_port(), ""}};
  try {
    client.get("/get");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("GET /get failed"), std::string::npos) << e.what();
  }
}

TEST(AsyncClient, ThrowsSystemErrorWhenNothingListens) {
  AsyncClient client{{"127.0.0.1", unused_port(), ""}};
  EXPECT_THROW(server::testing::run_coroutine(client.get("/get")), boost::system::system_error);
}

TEST(AsyncClient, AwaitableOutlivesTheClientThatMadeIt) {
  auto server = server::testing::started_server();
  boost::asio::awaitable<Response> pending = [&] {
    AsyncClient client{server::testing::address_of(*server, "outlive")};
    return client.get("/get");
  }();
  EXPECT_EQ(server::testing::run_coroutine(std::move(pending)).status, 200);
}

}  // namespace
}  // namespace asynclings::client
