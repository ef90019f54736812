// The awaitable client, on Beast. One connection per request: cancelling the awaiting
// coroutine aborts the pending socket operation, the exception unwinds this frame, the
// socket closes, and the server records the request as aborted.
#include <asynclings/client/async_client.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asynclings::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

asio::awaitable<beast::tcp_stream> connect(ServerAddress address) {
  tcp::socket socket{co_await asio::this_coro::executor};
  co_await socket.async_connect({asio::ip::make_address(address.host), address.port}, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  co_return beast::tcp_stream{std::move(socket)};
}

http::request<http::string_body> make_request(http::verb verb, const std::string& target,
                                              const ServerAddress& address, std::string body) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, address.host + ":" + std::to_string(address.port));
  req.set(http::field::user_agent, "asynclings-client");
  if (!address.tag.empty()) req.set("X-Trace-Tag", address.tag);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

template <typename Fields>
std::vector<std::pair<std::string, std::string>> copy_headers(const Fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : fields) out.emplace_back(field.name_string(), field.value());
  return out;
}

// Parameters by value: the frame must own them, the caller's may be gone by the time it runs.
asio::awaitable<Response> exchange(ServerAddress address, http::verb verb, std::string target, std::string body) {
  auto stream = co_await connect(address);
  auto req = make_request(verb, target, address, std::move(body));
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return Response{res.result_int(), std::move(res.body()), copy_headers(res.base())};
}

}  // namespace

AsyncClient::AsyncClient(ServerAddress address) : address_(std::move(address)) {}

// Not coroutines themselves: they copy the address into the frame at call time, so the
// awaitable stays valid after this client object is gone.
asio::awaitable<Response> AsyncClient::get(std::string target) const {
  return exchange(address_, http::verb::get, std::move(target), {});
}

asio::awaitable<Response> AsyncClient::post(std::string target, std::string body) const {
  return exchange(address_, http::verb::post, std::move(target), std::move(body));
}

// ---------------------------------------------------------------- streaming

struct LineStream::Impl {
  explicit Impl(beast::tcp_stream s) : stream(std::move(s)) { parser.body_limit(64 * 1024 * 1024); }
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  std::size_t consumed = 0;  // body bytes already returned as lines
};

LineStream::LineStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LineStream::LineStream(LineStream&&) noexcept = default;
LineStream& LineStream::operator=(LineStream&&) noexcept = default;
LineStream::~LineStream() = default;

int LineStream::status() const { return impl_->parser.get().result_int(); }

asio::awaitable<std::optional<std::string>> LineStream::next_line() {
  Impl& s = *impl_;
  for (;;) {
    std::string& body = s.parser.get().body();
    if (const auto newline = body.find('\n', s.consumed); newline != std::string::npos) {
      std::string line = body.substr(s.consumed, newline - s.consumed);
      s.consumed = newline + 1;
      co_return line;
    }
    if (s.parser.is_done()) {
      if (s.consumed >= body.size()) co_return std::nullopt;
      std::string last = body.substr(s.consumed);  // a final line without its newline
      s.consumed = body.size();
      co_return last;
    }
    co_await http::async_read_some(s.stream, s.buffer, s.parser, asio::use_awaitable);
  }
}

asio::awaitable<LineStream> LineStream::open(ServerAddress address, std::string target) {
  auto impl = std::make_unique<Impl>(co_await connect(address));
  auto req = make_request(http::verb::get, target, address, {});
  co_await http::async_write(impl->stream, req, asio::use_awaitable);
  co_await http::async_read_header(impl->stream, impl->buffer, impl->parser, asio::use_awaitable);
  co_return LineStream{std::move(impl)};
}

asio::awaitable<LineStream> AsyncClient::stream(std::string target) const {
  return LineStream::open(address_, std::move(target));
}

}  // namespace asynclings::client
