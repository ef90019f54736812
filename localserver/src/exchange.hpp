// One request/response on a connection, as the route handlers see it. Internal to the
// server (Beast lives here, never in public headers).
#pragma once

#include <asynclings/server/delay_server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace asynclings::server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using Request = http::request<http::string_body>;

// The shared state handlers may read or change; only ever touched on the server thread.
struct ServerState {
  ServerOptions options;
  Trace trace;
  // Per (tag, key): cleared with the tag's records by /trace/reset.
  std::map<std::pair<std::string, std::string>, int> flaky_attempts;  // calls so far
  std::map<std::pair<std::string, std::string>, int> lease_holders;   // current holders
  void reset_counters(const std::string& tag);
  std::mt19937 random{std::random_device{}()};
};

struct Target {
  std::string path;
  std::vector<std::string> segments;  // path split on '/', empty ones dropped
  std::map<std::string, std::string> query;
  std::string query_or(const std::string& key, const std::string& fallback) const;
};
Target parse_target(std::string_view target);

struct Exchange {
  beast::tcp_stream& stream;
  const Request& request;
  const Target& target;
  std::uint64_t trace_id;
  std::string tag;
  ServerState& state;
  Clock::time_point arrival;  // as recorded in the trace: a delay counts from here
  bool keep_alive = true;     // handlers clear it when the connection must close
  // Set just before the response's last write: Asio hands small writes to the kernel at
  // once, so this is when the client could have the whole response.
  std::optional<Clock::time_point> last_write_at;
  // Set once the first response byte is on its way: after that a failure can only cut the
  // connection, not answer 500.
  bool response_begun = false;
  bool head() const { return request.method() == http::verb::head; }
};

// Statuses whose responses never carry a body (RFC 9110 6.4.1): 1xx, 204, 304.
inline bool bodiless(http::status status) {
  return http::to_status_class(status) == http::status_class::informational ||
         status == http::status::no_content || status == http::status::not_modified;
}

// The reason phrase, with a class name for codes without a registered one (never Beast's
// "<unknown-status>").
void set_reason(http::response_header<>& header);

// Writes <res>; only its header when <head_only> (a HEAD request: RFC 9110 9.3.2).
template <class Body>
boost::asio::awaitable<beast::error_code> write_response(beast::tcp_stream& stream,
                                                         http::response<Body>& res,
                                                         bool head_only) {
  if (head_only) {
    http::response_serializer<Body> serializer{res};
    auto [ec, n] = co_await http::async_write_header(
        stream, serializer, boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return ec;
  }
  auto [ec, n] =
      co_await http::async_write(stream, res, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

// How a handler's response ended, for the trace.
enum class Sent { completed, client_gone };

// Writes a complete response (JSON unless <content_type> says otherwise), after the
// simulated network latency, and marks the response start in the trace.
boost::asio::awaitable<Sent> send(Exchange& ex, http::status status, std::string body,
                                  std::string content_type = "application/json");

// The simulated round-trip for one response: latency plus uniform jitter.
std::chrono::milliseconds simulated_latency(ServerState& state);

// Routes the request to its handler; returns how the response ended.
boost::asio::awaitable<Sent> dispatch(Exchange& ex);

}  // namespace asynclings::server
