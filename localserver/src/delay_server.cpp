// Accepting connections and reading requests; the endpoints live in routes.cpp.
// Everything runs on one thread: each connection is one coroutine.
#include "exchange.hpp"

#include <asynclings/server/delay_server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <thread>

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

std::string header_or(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

}  // namespace

struct DelayServer::Impl {
  explicit Impl(ServerOptions options) { state.options = std::move(options); }

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
    asio::co_spawn(io, accept_loop(), asio::detached);
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
          std::fprintf(stderr, "delayserver: cannot accept a connection (%s); open-file limit is %llu\n",
                       ec.message().c_str(), static_cast<unsigned long long>(open_file_limit()));
        }
        backoff.expires_after(std::chrono::milliseconds{20});
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(io, session(std::move(socket), next_connection++), asio::detached);
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
                               std::string target) {
    TraceRecord record;
    record.method = std::move(method);
    record.target = std::move(target);
    record.connection = connection;
    record.arrival = Clock::now();
    const auto id = state.trace.begin(std::move(record));
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(false);
    res.body() = nlohmann::json{{"error", std::move(message)}}.dump() + "\n";
    res.prepare_payload();
    state.trace.response_started(id, static_cast<int>(status));
    stream.expires_after(std::chrono::seconds{5});  // a client that never reads is dropped
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    state.trace.end(id, Outcome::bad_request);
    notify(id);
  }

  void notify(std::uint64_t id) {
    if (!state.options.on_request_end) return;
    if (auto record = state.trace.record(id)) state.options.on_request_end(*record);
  }

  asio::awaitable<void> session(tcp::socket socket, std::uint64_t connection) {
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
      auto first = co_await (
          http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable)) ||
          header_timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      const bool timed_out = first.index() == 1;
      const beast::error_code ec = timed_out ? beast::error::timeout : std::get<0>(std::get<0>(first));
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
        co_await refuse(stream, connection, http::status::request_header_fields_too_large,
                        fmt::format("request head larger than {} bytes", state.options.max_header_bytes), "", "");
        co_return;
      }
      if (ec == http::error::body_limit) {
        co_await refuse(stream, connection, http::status::payload_too_large,
                        fmt::format("request body larger than {} bytes", state.options.max_body_bytes), "", "");
        co_return;
      }
      if (ec) {
        co_await refuse(stream, connection, http::status::bad_request, "malformed request: " + ec.message(), "", "");
        co_return;
      }

      Request request = parser.release();
      const std::string raw_target(request.target());
      const Target target = parse_target(raw_target);
      if (!target.segments.empty() && target.segments[0] == "trace") {
        if (!co_await answer_trace(stream, request, target)) co_return;
        continue;
      }

      TraceRecord record;
      record.tag = header_or(request, "X-Trace-Tag");
      if (record.tag.empty()) record.tag = target.query_or("tag", "");
      record.method = std::string(request.method_string());
      record.target = raw_target;
      record.connection = connection;
      record.arrival = Clock::now();
      std::string tag = record.tag;
      const auto id = state.trace.begin(std::move(record));

      Exchange exchange{stream, request, target, id, std::move(tag), state};
      const Sent sent = co_await dispatch(exchange);
      if (sent == Sent::completed) {
        state.trace.end(id, Outcome::completed, exchange.last_write_at);
      } else {
        state.trace.end(id, Outcome::client_aborted);
      }
      notify(id);
      if (sent != Sent::completed || !exchange.keep_alive) {
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
      }
    }
  }

  // GET /trace[?tag=t] -> the records as JSON; POST|DELETE /trace/reset[?tag=t] -> clear.
  asio::awaitable<bool> answer_trace(beast::tcp_stream& stream, const Request& request, const Target& target) {
    http::response<http::string_body> res{http::status::ok, request.version()};
    res.set(http::field::content_type, "application/json");
    const std::string tag = target.query_or("tag", "");
    const bool reset = target.segments.size() == 2 && target.segments[1] == "reset";
    if (reset && request.method() != http::verb::get) {
      state.trace.reset(tag);
      res.body() = R"({"reset":true})";
    } else if (target.segments.size() == 1 && request.method() == http::verb::get) {
      res.body() = state.trace.to_json(tag);
    } else if (target.segments.size() == 1 && request.method() == http::verb::delete_) {
      state.trace.reset(tag);
      res.body() = R"({"reset":true})";
    } else {
      res.result(http::status::bad_request);
      res.body() = R"({"error":"use GET /trace[?tag=t] or POST /trace/reset[?tag=t]"})";
    }
    res.keep_alive(request.keep_alive());
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    co_return !ec && res.keep_alive();
  }
};

DelayServer::DelayServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

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
