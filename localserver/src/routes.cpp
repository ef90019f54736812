// The endpoints. httpbin-compatible where they overlap (/delay, /get, /status, /stream,
// /drip); teaching endpoints beside them (/flaky, /lease, /trace).
#include "abort_watch.hpp"
#include "exchange.hpp"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <optional>

namespace asynclings::server {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::milliseconds;

// ---------------------------------------------------------------- targets and replies

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' means a space only in the query (form encoding), not in the path.
std::string url_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

}  // namespace

std::string Target::query_or(const std::string& key, const std::string& fallback) const {
  auto it = query.find(key);
  return it == query.end() ? fallback : it->second;
}

// The path is split on its literal slashes first, then each segment is decoded: %2F is a
// slash inside a segment (/flaky/a%2Fb is the key "a/b"), never a separator (RFC 3986 2.2).
Target parse_target(std::string_view target) {
  Target t;
  const auto q = target.find('?');
  t.path = url_decode(target.substr(0, q), false);
  std::string_view rest = target.substr(0, q);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (!part.empty()) t.segments.push_back(url_decode(part, false));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      const auto eq = pair.find('=');
      if (!pair.empty()) {
        t.query[url_decode(pair.substr(0, eq), true)] =
            eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1), true);
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return t;
}

std::chrono::milliseconds simulated_latency(ServerState& state) {
  auto latency = state.options.latency;
  if (state.options.jitter.count() > 0) {
    std::uniform_int_distribution<long> extra(0, state.options.jitter.count());
    latency += milliseconds{extra(state.random)};
  }
  return latency;
}

namespace {

// Waits, watching for the client to leave; latency is added by the caller where it applies.
asio::awaitable<bool> pause(Exchange& ex, std::chrono::steady_clock::duration d) {
  if (d <= std::chrono::steady_clock::duration::zero()) co_return true;
  co_return co_await wait_unless_client_leaves(ex.stream.socket(), d);
}

}  // namespace

void set_reason(http::response_header<>& header) {
  if (http::obsolete_reason(header.result()) != "<unknown-status>") return;
  switch (http::to_status_class(header.result_int())) {
    case http::status_class::informational:
      header.reason("Informational");
      break;
    case http::status_class::successful:
      header.reason("Success");
      break;
    case http::status_class::redirection:
      header.reason("Redirection");
      break;
    case http::status_class::client_error:
      header.reason("Client Error");
      break;
    case http::status_class::server_error:
      header.reason("Server Error");
      break;
    default:
      header.reason("Unknown");
      break;
  }
}

asio::awaitable<Sent> send(Exchange& ex, http::status status, std::string body,
                           std::string content_type) {
  if (!co_await pause(ex, simulated_latency(ex.state))) co_return Sent::client_gone;
  http::response<http::string_body> res{status, ex.request.version()};
  set_reason(res);
  res.set(http::field::server, "asynclings-delayserver");
  res.set(http::field::content_type, content_type);
  res.set("X-Request-Id", std::to_string(ex.trace_id));
  res.keep_alive(ex.keep_alive && ex.request.keep_alive());
  if (bodiless(status)) {
    res.content_length(boost::none);  // a 204 or 304 has no body and no length (RFC 9110 8.6)
  } else {
    res.body() = std::move(body);
    res.prepare_payload();
  }
  ex.state.trace.response_started(ex.trace_id, static_cast<int>(status));
  ex.response_begun = true;
  ex.last_write_at = Clock::now();
  ex.stream.expires_after(ex.state.options.write_timeout);
  const auto ec = co_await write_response(ex.stream, res, ex.head());
  if (ec) co_return Sent::client_gone;
  if (!res.keep_alive()) ex.keep_alive = false;
  co_return Sent::completed;
}

namespace {

// Bytes a client sent that are not UTF-8 come back as U+FFFD: the reply is valid JSON.
std::string dump_json(const json& body, int indent = 2) {
  return body.dump(indent, ' ', false, json::error_handler_t::replace);
}

asio::awaitable<Sent> send_json(Exchange& ex, http::status status, const json& body) {
  co_return co_await send(ex, status, dump_json(body) + "\n");
}

// (The JSON is built before the co_await: g++ 12 rejects a brace list inside one.)
asio::awaitable<Sent> send_error(Exchange& ex, http::status status, std::string message) {
  const json body{{"error", std::move(message)}};
  co_return co_await send_json(ex, status, body);
}

// httpbin's description of the request: args, headers, origin, url.
json describe_request(const Exchange& ex) {
  json headers = json::object();
  for (const auto& field : ex.request) {
    headers[std::string(field.name_string())] = std::string(field.value());
  }
  json args = json::object();
  for (const auto& [k, v] : ex.target.query) args[k] = v;
  std::string host = std::string(ex.request[http::field::host]);
  if (host.empty()) host = "127.0.0.1";
  return {{"args", args},
          {"headers", headers},
          {"origin", "127.0.0.1"},
          {"url", "http://" + host + std::string(ex.request.target())}};
}

// "1.5" (seconds, as httpbin), "250ms" or "2s". Absent, malformed, negative, NaN: nullopt.
std::optional<milliseconds> parse_duration(std::string_view text) {
  double scale = 1000.0;
  if (text.ends_with("ms")) {
    scale = 1.0;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value) || value < 0 || value * scale > 1e12) {
    return std::nullopt;
  }
  return milliseconds{static_cast<long>(std::llround(value * scale))};
}

std::optional<long> parse_int(std::string_view text) {
  long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string range_message(const ServerState& state) {
  return fmt::format(
      "delay must be between 0 and {} seconds: /delay/1.5 (seconds, as httpbin) or "
      "/delay/250ms (milliseconds)",
      state.options.max_delay.count() / 1000.0);
}

// ---------------------------------------------------------------- the endpoints

asio::awaitable<Sent> delay(Exchange& ex) {
  if (ex.target.segments.size() != 2)
    co_return co_await send_error(ex, http::status::not_found, "use /delay/{seconds}");
  auto d = parse_duration(ex.target.segments[1]);
  if (!d || *d > ex.state.options.max_delay) {
    co_return co_await send_error(ex, http::status::bad_request, range_message(ex.state));
  }
  // From the request's arrival: time the server spent before reading it is part of the delay.
  if (!co_await pause(ex, *d - (Clock::now() - ex.arrival))) co_return Sent::client_gone;
  json body = describe_request(ex);
  body["data"] = ex.request.body();
  body["files"] = json::object();
  body["form"] = json::object();
  body["delay_ms"] = d->count();
  body["request_id"] = ex.trace_id;
  co_return co_await send_json(ex, http::status::ok, body);
}

asio::awaitable<Sent> get(Exchange& ex) {
  if (ex.request.method() != http::verb::get && !ex.head()) {
    co_return co_await send_error(ex, http::status::method_not_allowed,
                                  "/get answers GET (and HEAD) only");
  }
  co_return co_await send_json(ex, http::status::ok, describe_request(ex));
}

asio::awaitable<Sent> status(Exchange& ex) {
  auto code = ex.target.segments.size() == 2 ? parse_int(ex.target.segments[1]) : std::nullopt;
  if (!code || *code < 200 || *code > 599) {
    co_return co_await send_error(ex, http::status::bad_request,
                                  "use /status/{code} with a code from 200 to 599");
  }
  co_return co_await send(ex, static_cast<http::status>(*code), "", "text/plain");
}

// Streams a chunked body, one piece per call of <next>, pausing <gap> between pieces.
// HTTP/1.1 clients get chunked transfer coding; HTTP/1.0 ones, which do not know it (RFC
// 9112 7), the plain pieces with the end of the body marked by closing the connection.
template <typename NextPiece>
asio::awaitable<Sent> stream_chunks(Exchange& ex, int pieces, milliseconds gap,
                                    std::string content_type, NextPiece next) {
  if (!co_await pause(ex, simulated_latency(ex.state))) co_return Sent::client_gone;
  const bool chunked = ex.request.version() >= 11;
  http::response<http::empty_body> res{http::status::ok, ex.request.version()};
  res.set(http::field::server, "asynclings-delayserver");
  res.set(http::field::content_type, content_type);
  res.set("X-Request-Id", std::to_string(ex.trace_id));
  res.chunked(chunked);
  res.keep_alive(chunked && ex.request.keep_alive());
  http::response_serializer<http::empty_body> serializer{res};
  ex.state.trace.response_started(ex.trace_id, 200);
  ex.response_begun = true;
  if (ex.head()) ex.last_write_at = Clock::now();
  ex.stream.expires_after(ex.state.options.write_timeout);
  auto [ec, n] =
      co_await http::async_write_header(ex.stream, serializer, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return Sent::client_gone;
  if (!ex.head()) {
    for (int i = 0; i < pieces; ++i) {
      if (i > 0 && !co_await pause(ex, gap)) co_return Sent::client_gone;
      std::string piece = next(i);
      if (!chunked && i == pieces - 1) ex.last_write_at = Clock::now();
      beast::error_code wec;
      if (chunked) {
        ex.stream.expires_after(ex.state.options.write_timeout);
        std::tie(wec, std::ignore) = co_await asio::async_write(
            ex.stream, http::make_chunk(asio::buffer(piece)), asio::as_tuple(asio::use_awaitable));
      } else {
        ex.stream.expires_after(ex.state.options.write_timeout);
        std::tie(wec, std::ignore) = co_await asio::async_write(
            ex.stream, asio::buffer(piece), asio::as_tuple(asio::use_awaitable));
      }
      if (wec) co_return Sent::client_gone;
    }
    if (chunked) {
      ex.last_write_at = Clock::now();
      ex.stream.expires_after(ex.state.options.write_timeout);
      auto [lec, ln] = co_await asio::async_write(ex.stream, http::make_chunk_last(),
                                                  asio::as_tuple(asio::use_awaitable));
      if (lec) co_return Sent::client_gone;
    }
  }
  if (!res.keep_alive()) ex.keep_alive = false;
  co_return Sent::completed;
}

asio::awaitable<Sent> stream(Exchange& ex) {
  auto n = ex.target.segments.size() == 2 ? parse_int(ex.target.segments[1]) : std::nullopt;
  auto gap = parse_duration(ex.target.query_or("interval", "0ms"));
  if (!n || *n < 1 || *n > 100 || !gap || *gap * *n > ex.state.options.max_delay) {
    co_return co_await send_error(
        ex, http::status::bad_request,
        "use /stream/{n} with n from 1 to 100, optionally ?interval=100ms between lines "
        "(n x interval within the delay limit)");
  }
  json line = describe_request(ex);
  co_return co_await stream_chunks(ex, static_cast<int>(*n), *gap, "application/x-ndjson",
                                   [&](int i) {
                                     line["id"] = i;
                                     return dump_json(line, -1) + "\n";
                                   });
}

// httpbin's /drip: after <delay>, <numbytes> '*' spread over <duration>.
asio::awaitable<Sent> drip(Exchange& ex) {
  auto duration = parse_duration(ex.target.query_or("duration", "2"));
  auto initial = parse_duration(ex.target.query_or("delay", "0"));
  auto bytes = parse_int(ex.target.query_or("numbytes", "10"));
  auto code = parse_int(ex.target.query_or("code", "200"));
  if (!duration || !initial || !bytes || *bytes < 1 || *bytes > 10'000 || !code || *code < 200 ||
      *code > 599 || *duration + *initial > ex.state.options.max_delay) {
    co_return co_await send_error(
        ex, http::status::bad_request,
        "use /drip?duration=2&numbytes=10&code=200&delay=0 (numbytes 1 to "
        "10000, duration + delay within the delay limit)");
  }
  if (!co_await pause(ex, *initial + simulated_latency(ex.state))) co_return Sent::client_gone;
  const auto gap = *duration / *bytes;
  const auto status = static_cast<http::status>(*code);
  // A 204 or 304 carries no body: the header comes after the whole duration instead.
  const bool no_body = bodiless(status) || ex.head();
  if (bodiless(status) && !co_await pause(ex, *duration)) co_return Sent::client_gone;
  http::response<http::empty_body> res{status, ex.request.version()};
  set_reason(res);
  res.set(http::field::content_type, "application/octet-stream");
  if (!bodiless(status)) res.content_length(*bytes);
  res.keep_alive(ex.request.keep_alive());
  http::response_serializer<http::empty_body> serializer{res};
  ex.state.trace.response_started(ex.trace_id, static_cast<int>(*code));
  ex.response_begun = true;
  if (no_body) ex.last_write_at = Clock::now();
  ex.stream.expires_after(ex.state.options.write_timeout);
  auto [ec, n] =
      co_await http::async_write_header(ex.stream, serializer, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return Sent::client_gone;
  for (long i = 0; i < (no_body ? 0 : *bytes); ++i) {
    if (!co_await pause(ex, gap)) co_return Sent::client_gone;
    ex.last_write_at = Clock::now();
    ex.stream.expires_after(ex.state.options.write_timeout);
    auto [wec, wn] = co_await asio::async_write(ex.stream, asio::buffer("*", 1),
                                                asio::as_tuple(asio::use_awaitable));
    if (wec) co_return Sent::client_gone;
  }
  if (!res.keep_alive()) ex.keep_alive = false;
  co_return Sent::completed;
}

// /flaky/{key}?fail=2&status=503: the first <fail> calls per key fail, later ones succeed.
// Keys are per trace tag, so tests never share counters.
asio::awaitable<Sent> flaky(Exchange& ex) {
  auto fail = parse_int(ex.target.query_or("fail", "2"));
  auto code = parse_int(ex.target.query_or("status", "503"));
  if (ex.target.segments.size() != 2 || !fail || *fail < 0 || !code || *code < 400 || *code > 599) {
    co_return co_await send_error(ex, http::status::bad_request,
                                  "use /flaky/{key}?fail=2&status=503 (status 400 to 599)");
  }
  const int attempt = ++ex.state.flaky_attempts[{ex.tag, ex.target.segments[1]}];
  const bool fails = attempt <= *fail;
  json body{{"key", ex.target.segments[1]}, {"attempt", attempt}, {"failed", fails}};
  co_return co_await send_json(ex, fails ? static_cast<http::status>(*code) : http::status::ok,
                               body);
}

// /lease/acquire?name=db, /lease/release?name=db, /lease?name=db (state). Per trace tag.
asio::awaitable<Sent> lease(Exchange& ex) {
  const std::string name = ex.target.query_or("name", "default");
  int& holders = ex.state.lease_holders[{ex.tag, name}];
  const std::string action = ex.target.segments.size() == 2 ? ex.target.segments[1] : "";
  if (action == "acquire") {
    ++holders;
  } else if (action == "release") {
    if (holders == 0) {
      co_return co_await send_error(ex, http::status::conflict, "lease '" + name + "' is not held");
    }
    --holders;
  } else if (!action.empty()) {
    co_return co_await send_error(ex, http::status::not_found,
                                  "use /lease/acquire, /lease/release or /lease");
  }
  const json body{{"name", name}, {"holders", holders}};
  co_return co_await send_json(ex, http::status::ok, body);
}

}  // namespace

void ServerState::reset_counters(const std::string& tag) {
  if (tag.empty()) {
    flaky_attempts.clear();
    lease_holders.clear();
    return;
  }
  std::erase_if(flaky_attempts, [&](const auto& entry) { return entry.first.first == tag; });
  std::erase_if(lease_holders, [&](const auto& entry) { return entry.first.first == tag; });
}

// /trace and /trace/reset are answered directly (never traced, never delayed): reading the
// trace must not change it.
asio::awaitable<Sent> dispatch(Exchange& ex) {
  const auto& segs = ex.target.segments;
  const std::string first = segs.empty() ? "" : segs[0];
  if (first == "delay") co_return co_await delay(ex);
  if (first == "get") co_return co_await get(ex);
  if (first == "status") co_return co_await status(ex);
  if (first == "stream") co_return co_await stream(ex);
  if (first == "drip") co_return co_await drip(ex);
  if (first == "flaky") co_return co_await flaky(ex);
  if (first == "lease") co_return co_await lease(ex);
  co_return co_await send_error(
      ex, http::status::not_found,
      "no such endpoint; try /delay/{s}, /delay/{n}ms, /get, /status/{code}, /stream/{n}, "
      "/drip, /flaky/{key}, /lease/acquire, /lease/release, /trace");
}

}  // namespace asynclings::server
