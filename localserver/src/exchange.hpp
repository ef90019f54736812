// One request/response on a connection, as the route handlers see it. Internal to the
// server (Beast lives here, never in public headers).
#pragma once

#include <asynclings/server/delay_server.hpp>

#include <boost/asio/awaitable.hpp>
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
  std::map<std::string, int> flaky_attempts;  // "<tag>/<key>" -> calls so far
  std::map<std::string, int> lease_holders;   // "<tag>/<name>" -> current holders
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
  bool keep_alive = true;  // handlers clear it when the connection must close
  // Set just before the response's last write: Asio hands small writes to the kernel at
  // once, so this is when the client could have the whole response.
  std::optional<Clock::time_point> last_write_at;
};

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
