// A request that reaches the server while its thread is busy (a burst of connections, a
// slow handler) is timed from when it arrived, not from when the server got round to reading
// it: its delay is not lengthened by the server's own backlog, and the trace's arrival says
// when the request really came in. The busy thread is a request hook that sleeps.
#include "local_server.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>

#include <sys/socket.h>

#include <thread>

namespace asynclings::server::testing {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds busy{300}, delay{400};

// The kernel stamps received packets only while some socket asks for it, and turns that on
// a moment after the first one does (a deferred, machine-wide switch). Until then the server
// falls back on when it read the request. Returns once a datagram to ourselves comes back
// stamped, false when none does within a second.
bool kernel_stamps_received_packets() {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::udp::socket probe{io, {asio::ip::make_address("127.0.0.1"), 0}};
  const int on = 1;
  ::setsockopt(probe.native_handle(), SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
  for (int attempt = 0; attempt < 100; ++attempt) {
    probe.send_to(asio::buffer("x", 1), probe.local_endpoint());
    char byte;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timeval))];
    iovec part{&byte, 1};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    if (::recvmsg(probe.native_handle(), &message, 0) == 1 && CMSG_FIRSTHDR(&message) != nullptr)
      return true;
    std::this_thread::sleep_for(milliseconds{10});
  }
  return false;
}

TEST(Arrival, ADelayCountsFromWhenTheRequestReachedABusyServer) {
  ServerOptions options;
  options.on_request_begin = [](const TraceRecord& r) {
    if (r.tag == "busy") std::this_thread::sleep_for(busy);
  };
  auto server = started_server(options);
  ASSERT_TRUE(kernel_stamps_received_packets())
      << "the kernel gives no receive timestamps (SO_TIMESTAMP)";
  std::thread occupier([&] { client::BlockingClient{address_of(*server, "busy")}.get("/get"); });
  ASSERT_TRUE(server->trace().wait_count("busy", 1, std::chrono::seconds{5}));

  // Sent while the server thread sleeps in the hook: it waits in the kernel meanwhile.
  RawConnection raw{*server};
  const auto sent = Clock::now();
  raw.send("GET /delay/" + std::to_string(delay.count()) +
           "ms HTTP/1.1\r\nHost: x\r\nX-Trace-Tag: late\r\nConnection: close\r\n\r\n");
  const std::string answer = raw.read_all();
  const auto received = Clock::now();
  occupier.join();
  ASSERT_EQ(status_line(answer), "HTTP/1.1 200 OK") << answer;
  ASSERT_TRUE(server->trace().wait_settled("", std::chrono::seconds{5}));

  const auto occupied = server->trace().records("busy").at(0);
  const auto late = server->trace().records("late").at(0);
  ASSERT_TRUE(occupied.response_start && late.response_start);
  // Its arrival is before the server was free to read it...
  EXPECT_LT(late.arrival, *occupied.response_start)
      << "the trace says the request arrived " << ms_between(*occupied.response_start, late.arrival)
      << " ms after the busy request was answered, i.e. when the server read it";
  EXPECT_GE(late.arrival, sent - milliseconds{1}) << "an arrival before the request was sent";
  // ...never answered early...
  EXPECT_GE(*late.response_start - late.arrival, delay);
  EXPECT_GE(received - sent, delay);
  // ...and the server's busy time is not added to the delay: counted from when the server
  // was free again, the answer came sooner than the delay.
  EXPECT_LT(*late.response_start - *occupied.response_start, delay)
      << "the delay was counted from when the busy server read the request";
}

// A head that is still arriving when the connection is accepted counts from when it was
// read: a slow client's delay starts once its request is complete.
TEST(Arrival, AHeadSentInPiecesCountsFromItsLastPiece) {
  auto server = started_server();
  RawConnection raw{*server};
  raw.send("GET /delay/" + std::to_string(delay.count()) + "ms HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(milliseconds{200});
  const auto completed = Clock::now();
  raw.send("X-Trace-Tag: pieces\r\nConnection: close\r\n\r\n");
  const std::string answer = raw.read_all();
  ASSERT_EQ(status_line(answer), "HTTP/1.1 200 OK") << answer;
  EXPECT_GE(Clock::now() - completed, delay)
      << "answered before the delay had passed since the head was complete";
  ASSERT_TRUE(server->trace().wait_settled("pieces", std::chrono::seconds{5}));
  EXPECT_GE(server->trace().records("pieces").at(0).arrival, completed);
}

}  // namespace
}  // namespace asynclings::server::testing
