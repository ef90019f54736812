// Reading raw HTTP responses in the server's tests: Beast's parser over the bytes a raw
// connection received, so a test checks framing (lengths, chunking, HEAD) as a client would.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>

namespace asynclings::server::testing {

struct ParsedResponse {
  boost::beast::http::response<boost::beast::http::string_body> message;
  std::size_t consumed = 0;  // bytes of <bytes> this response took
};

// The first response in <bytes>; nullopt when it is incomplete or malformed. <to_head>: the
// request was a HEAD, so the response has a header only. <closed>: the bytes end where the
// server closed the connection (the end of a body without a length).
inline std::optional<ParsedResponse> parse_response(const std::string& bytes, bool to_head = false,
                                                    bool closed = true) {
  namespace http = boost::beast::http;
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  parser.skip(to_head);
  parser.body_limit(64 * 1024 * 1024);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (!parser.is_done() && used < bytes.size()) {
    const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return std::nullopt;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done() && closed) {
    parser.put_eof(ec);
    if (ec) return std::nullopt;
  }
  if (!parser.is_done()) return std::nullopt;
  return ParsedResponse{parser.release(), used};
}

// The header block of the first response (up to and including the blank line).
inline std::string head_of(const std::string& bytes) {
  const auto end = bytes.find("\r\n\r\n");
  return end == std::string::npos ? bytes : bytes.substr(0, end + 4);
}

}  // namespace asynclings::server::testing
