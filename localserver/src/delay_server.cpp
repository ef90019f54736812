// Accepting connections and reading requests; the endpoints live in routes.cpp.
// Everything runs on one thread: each connection is one coroutine.
#include "exchange.hpp"

#include <asynclings/server/delay_server.hpp>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace asynclings::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

// More descriptors mean more concurrent connections: take the hard limit.
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// When a connection's first request reached this machine: the kernel's receive time of its
// bytes (SO_TIMESTAMP, set on the listening socket and inherited by each connection), read
// without consuming them. A server busy with a burst of connections then counts a delay from
// the request's arrival, not from when it got round to reading it. Only when the whole head
// is already waiting: a head still arriving counts from when it was read, as before.
std::optional<Clock::time_point> kernel_arrival(tcp::socket& socket, Clock::duration oldest) {
  char bytes[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timeval))];
  iovec part{bytes, sizeof bytes};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(socket.native_handle(), &message, MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0 || std::string_view(bytes, static_cast<std::size_t>(n)).find("\r\n\r\n") ==
                    std::string_view::npos) {
    return std::nullopt;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMP) continue;
    timeval stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    const auto received = std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds{stamp.tv_sec} + std::chrono::microseconds{stamp.tv_usec})};
    const auto age = std::chrono::system_clock::now() - received;
    if (age < std::chrono::system_clock::duration::zero() || age > oldest)
      return std::nullopt;  // clock stepped
    return Clock::now() - std::chrono::duration_cast<Clock::duration>(age);
  }
  return std::nullopt;
}

std::string header_or(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

struct Refusal {
  http::status status;
  std::string message;
};

// Beast frames a body by chunked only when it is the final coding and otherwise reads none,
// so "chunked, identity" would leave the chunks to be parsed as the next request. Only a
// lone "chunked" is served (RFC 9112 6.1 and 6.3): a coding we do not implement before it
// gets 501, anything that leaves the length undetermined 400; the connection closes.
std::optional<Refusal> transfer_coding_problem(const Request& req) {
  std::vector<std::string> codings;
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  for (auto it = first; it != last; ++it) {
    std::string_view value = it->value();
    while (!value.empty()) {
      const auto comma = value.find(',');
      std::string_view token = value.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
        token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
        token.remove_suffix(1);
      if (!token.empty()) codings.emplace_back(token);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  const auto is_chunked = [](const std::string& c) { return beast::iequals(c, "chunked"); };
  if (req.find(http::field::content_length) != req.end()) {
    return Refusal{http::status::bad_request,
                   "a request may not carry both Transfer-Encoding and Content-Length"};
  }
  if (codings.size() == 1 && is_chunked(codings[0])) return std::nullopt;
  if (!codings.empty() && is_chunked(codings.back()) &&
      std::count_if(codings.begin(), codings.end(), is_chunked) == 1) {
    return Refusal{
        http::status::not_implemented,
        "transfer codings other than chunked are not supported (Transfer-Encoding: chunked only)"};
  }
  return Refusal{
      http::status::bad_request,
      "chunked must be the final transfer coding, once: the body length cannot be determined"};
}

}  // namespace

struct DelayServer::Impl {
  explicit Impl(ServerOptions options) {
    state.options = std::move(options);
    state.trace.set_max_bytes(state.options.trace_max_bytes);
  }

  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  bool listening = false;
  ServerState state;
  std::thread thread;
  std::atomic<std::uint64_t> refused{0};
  std::uint64_t next_connection = 1;
  std::atomic<bool> stopped{false};

  void listen() {
    if (listening) return;
    listening = true;
    raise_open_file_limit();
    tcp::endpoint endpoint{asio::ip::make_address(state.options.host), state.options.port};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    const int on = 1;  // receive timestamps: see kernel_arrival
    ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on);
    // Several accepts in flight: one readiness event of the listening socket then takes as
    // many connections off the kernel's queue, which drains faster under a burst.
    for (int i = 0; i < 4; ++i) asio::co_spawn(io, accept_loop(), asio::detached);
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff{io};
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors (EMFILE/ENFILE) or a transient error: report it, keep serving.
        // The waiting connection stays in the backlog and is accepted once one closes.
        if (refused++ % 1000 == 0) {
          std::fprintf(stderr,
                       "delayserver: cannot accept a connection (%s); open-file limit is %llu\n",
                       ec.message().c_str(), static_cast<unsigned long long>(open_file_limit()));
        }
        backoff.expires_after(std::chrono::milliseconds{20});
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      beast::error_code ignored;  // a client that already reset makes this fail: harmless
      socket.set_option(tcp::no_delay(true), ignored);
      // A session catches its requests' failures; anything escaping is reported, never lost.
      asio::co_spawn(io, session(std::move(socket), next_connection++), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& failure) {
          std::fprintf(stderr, "delayserver: a connection failed: %s\n",
                       printable(failure.what()).c_str());
        } catch (...) {
          std::fprintf(stderr, "delayserver: a connection failed\n");
        }
      });
    }
  }

  static unsigned long long open_file_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
  }

  // A refused request still gets a trace record, so the trace explains what happened.
  asio::awaitable<void> refuse(beast::tcp_stream& stream, std::uint64_t connection,
                               http::status status, std::string message, std::string method,
                               std::string target, std::string tag = {}) {
    TraceRecord record;
    record.tag = std::move(tag);
    record.method = std::move(method);
    record.target = std::move(target);
    record.connection = connection;
    record.arrival = Clock::now();
    const auto id = state.trace.begin(std::move(record));
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    res.body() = nlohmann::json{{"error", std::move(message)}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                 "\n";
    res.prepare_payload();
    state.trace.response_started(id, static_cast<int>(status));
    stream.expires_after(std::chrono::seconds{5});  // a client that never reads is dropped
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    state.trace.end(id, Outcome::bad_request);
    notify(id);
  }

  void notify(std::uint64_t id) {
    if (!state.options.on_request_end) return;
    try {
      if (auto record = state.trace.record(id)) state.options.on_request_end(*record);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "delayserver: the request log failed: %s\n",
                   printable(e.what()).c_str());
    } catch (...) {
      std::fprintf(stderr, "delayserver: the request log failed\n");
    }
  }

  // A handler failed (the server's own fault): one log line, a 500 when no byte of the
  // response has gone yet (otherwise the connection is cut, the only honest signal left), and
  // the record ends as server_error. The connection closes either way.
  asio::awaitable<void> answer_failure(Exchange& ex, const std::string& what) {
    std::fprintf(stderr, "delayserver: request #%llu %s %s failed: %s\n",
                 static_cast<unsigned long long>(ex.trace_id),
                 printable(std::string(ex.request.method_string())).c_str(),
                 printable(std::string(ex.request.target())).c_str(), printable(what).c_str());
    std::optional<Clock::time_point> finished;
    if (!ex.response_begun) {
      http::response<http::string_body> res{http::status::internal_server_error,
                                            ex.request.version()};
      res.set(http::field::server, "asynclings-delayserver");
      res.set(http::field::content_type, "application/json");
      res.set("X-Request-Id", std::to_string(ex.trace_id));
      res.keep_alive(false);
      res.body() = nlohmann::json{{"error", "internal server error: " + what}}.dump(
                       -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                   "\n";
      res.prepare_payload();
      state.trace.response_started(ex.trace_id, 500);
      finished = Clock::now();
      ex.stream.expires_after(std::chrono::seconds{5});
      co_await write_response(ex.stream, res, ex.head());
    }
    state.trace.end(ex.trace_id, Outcome::server_error, finished);
    notify(ex.trace_id);
  }

  asio::awaitable<void> session(tcp::socket socket, std::uint64_t connection) {
    std::optional<Clock::time_point> first_arrival =
        kernel_arrival(socket, state.options.header_timeout);
    beast::tcp_stream stream{std::move(socket)};
    beast::flat_buffer buffer;
    asio::steady_timer header_timer{io};
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(state.options.max_header_bytes));
      parser.body_limit(state.options.max_body_bytes);
      // Our own timer rather than the stream's expiry: an expired tcp_stream closes the
      // socket, and a slow client deserves a 408 before the connection goes.
      header_timer.expires_after(state.options.header_timeout);
      auto first =
          co_await (http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable)) ||
                    header_timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      const bool timed_out = first.index() == 1;
      const beast::error_code ec =
          timed_out ? beast::error::timeout : std::get<0>(std::get<0>(first));
      if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
          ec == asio::error::operation_aborted) {
        co_return;  // the client is done with the connection
      }
      if (ec == beast::error::timeout) {
        if (parser.got_some()) {
          co_await refuse(stream, connection, http::status::request_timeout,
                          "the request head did not arrive in time", "", "");
        }
        co_return;
      }
      if (ec == http::error::header_limit) {
        co_await refuse(
            stream, connection, http::status::request_header_fields_too_large,
            fmt::format("request head larger than {} bytes", state.options.max_header_bytes), "",
            "");
        co_return;
      }
      if (ec == http::error::body_limit) {
        co_await refuse(
            stream, connection, http::status::payload_too_large,
            fmt::format("request body larger than {} bytes", state.options.max_body_bytes), "", "");
        co_return;
      }
      if (ec) {
        co_await refuse(stream, connection, http::status::bad_request,
                        "malformed request: " + ec.message(), "", "");
        co_return;
      }

      Request request = parser.release();
      const std::string raw_target(request.target());
      const Target target = parse_target(raw_target);
      std::string tag = header_or(request, "X-Trace-Tag");
      if (tag.empty()) tag = target.query_or("tag", "");
      if (auto problem = transfer_coding_problem(request)) {
        co_await refuse(stream, connection, problem->status, std::move(problem->message),
                        std::string(request.method_string()), raw_target, std::move(tag));
        co_return;
      }
      if (!target.segments.empty() && target.segments[0] == "trace") {
        if (!co_await answer_trace(stream, request, target)) co_return;
        continue;
      }

      TraceRecord record;
      record.tag = tag;
      record.method = std::string(request.method_string());
      record.target = raw_target;
      record.connection = connection;
      record.arrival = std::exchange(first_arrival, std::nullopt).value_or(Clock::now());
      const auto arrival = record.arrival;
      const auto id = state.trace.begin(std::move(record));

      Exchange exchange{stream, request, target, id, std::move(tag), state, arrival};
      std::optional<Sent> sent;
      std::string failure;
      try {
        if (state.options.on_request_begin) {
          if (auto begun = state.trace.record(id)) state.options.on_request_begin(*begun);
        }
        sent = co_await dispatch(exchange);
        stream.expires_never();  // the write deadline is the handler's, not the next read's
      } catch (const std::exception& e) {
        failure = e.what();
      } catch (...) {
        failure = "unknown exception";
      }
      if (!sent) {
        co_await answer_failure(exchange, failure);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
      if (*sent == Sent::completed) {
        state.trace.end(id, Outcome::completed, exchange.last_write_at);
      } else {
        state.trace.end(id, Outcome::client_aborted);
      }
      notify(id);
      if (*sent != Sent::completed || !exchange.keep_alive) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
    }
  }

  // GET /trace[?tag=t][&since=id] -> the records as JSON (since: only later ids);
  // POST|DELETE /trace/reset[?tag=t] -> clear the records and the tag's /flaky and /lease
  // counters. Every write has a deadline (trace_write_timeout): a client that asks and never
  // reads is dropped.
  asio::awaitable<bool> answer_trace(beast::tcp_stream& stream, const Request& request,
                                     const Target& target) {
    const std::string tag = target.query_or("tag", "");
    const std::string since_text = target.query_or("since", "");
    std::uint64_t since = 0;
    const bool since_ok =
        since_text.empty() ||
        std::from_chars(since_text.data(), since_text.data() + since_text.size(), since).ptr ==
            since_text.data() + since_text.size();
    const bool reset = target.segments.size() == 2 && target.segments[1] == "reset";
    const bool head = request.method() == http::verb::head;
    const bool read =
        target.segments.size() == 1 && (request.method() == http::verb::get || head) && since_ok;
    if (read && tag.empty() && since == 0) co_return co_await send_whole_trace(stream, request);
    http::response<http::string_body> res{http::status::ok, request.version()};
    res.set(http::field::content_type, "application/json");
    if (reset && request.method() != http::verb::get && !head) {
      state.trace.reset(tag);
      state.reset_counters(tag);
      res.body() = R"({"reset":true})";
    } else if (read) {
      res.body() = state.trace.to_json(tag, since);  // a tag's or the newest records: in one piece
    } else if (target.segments.size() == 1 && request.method() == http::verb::delete_) {
      state.trace.reset(tag);
      state.reset_counters(tag);
      res.body() = R"({"reset":true})";
    } else {
      res.result(http::status::bad_request);
      res.body() = R"({"error":"use GET /trace[?tag=t][&since=id] or POST /trace/reset[?tag=t]"})";
    }
    res.keep_alive(request.keep_alive());
    res.prepare_payload();
    stream.expires_after(state.options.trace_write_timeout);
    const auto ec = co_await write_response(stream, res, head);
    stream.expires_never();
    co_return !ec && res.keep_alive();
  }

  // The whole trace can be hundreds of thousands of records: it goes out a few hundred
  // records at a time, each piece serialised under the trace's lock and written before the
  // next is made, so requests in flight run between pieces and memory stays one piece.
  // Chunked for HTTP/1.1; for HTTP/1.0 the end of the body is the connection's close.
  asio::awaitable<bool> send_whole_trace(beast::tcp_stream& stream, const Request& request) {
    constexpr std::size_t records_per_piece = 256;
    const bool chunked = request.version() >= 11;
    http::response<http::empty_body> res{http::status::ok, request.version()};
    res.set(http::field::content_type, "application/json");
    res.chunked(chunked);
    res.keep_alive(chunked && request.keep_alive());
    http::response_serializer<http::empty_body> serializer{res};
    const auto deadline = state.options.trace_write_timeout;
    stream.expires_after(deadline);
    auto [hec, hn] =
        co_await http::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return false;
    if (request.method() != http::verb::head) {
      std::string piece =
          "{\"dropped\":" + std::to_string(state.trace.dropped()) + ",\"requests\":[";
      bool first = true;
      for (std::uint64_t next = 1;;) {
        std::string records;
        next = state.trace.append_json(records, "", next, records_per_piece);
        if (!records.empty()) {
          if (!first) piece += ',';
          piece += records;
          first = false;
        }
        if (next == 0) piece += "]}";
        stream.expires_after(deadline);
        beast::error_code ec;
        if (chunked) {
          std::tie(ec, std::ignore) = co_await asio::async_write(
              stream, http::make_chunk(asio::buffer(piece)), asio::as_tuple(asio::use_awaitable));
        } else {
          std::tie(ec, std::ignore) = co_await asio::async_write(
              stream, asio::buffer(piece), asio::as_tuple(asio::use_awaitable));
        }
        if (ec) co_return false;
        piece.clear();
        if (next == 0) break;
      }
      if (chunked) {
        stream.expires_after(deadline);
        auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) co_return false;
      }
    }
    stream.expires_never();
    co_return res.keep_alive();
  }
};

DelayServer::DelayServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

DelayServer::~DelayServer() { stop(); }

void DelayServer::listen() { impl_->listen(); }

void DelayServer::start() {
  impl_->listen();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

void DelayServer::run() {
  impl_->listen();
  impl_->io.run();
}

void DelayServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t DelayServer::port() const { return impl_->acceptor.local_endpoint().port(); }

Trace& DelayServer::trace() { return impl_->state.trace; }

std::uint64_t DelayServer::refused_connections() const { return impl_->refused.load(); }

}  // namespace asynclings::server
