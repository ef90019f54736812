// What both clients return, and where they send requests. Plain data, no Asio, no Beast.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace asynclings::client {

// Where the delay server listens, and the trace tag every request carries (X-Trace-Tag),
// so a test sees only its own requests in the server's trace.
struct ServerAddress {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string tag;
};

struct Response {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // Case-insensitive header lookup, as HTTP wants it.
  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

}  // namespace asynclings::client
