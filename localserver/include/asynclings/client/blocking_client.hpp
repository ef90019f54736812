// The blocking HTTP client (the course's `requests`): the calling thread waits for the
// whole response. Backed by cpp-httplib, kept out of this header so including it is cheap.
// Safe to use from several threads at once (each call has its own connection).
#pragma once

#include <asynclings/client/response.hpp>

#include <chrono>
#include <string>

namespace asynclings::client {

class BlockingClient {
 public:
  explicit BlockingClient(ServerAddress address,
                          std::chrono::milliseconds timeout = std::chrono::seconds{30});

  // Throws std::runtime_error when no response arrives (connection refused, timeout).
  Response get(const std::string& target) const;
  Response post(const std::string& target, const std::string& body = {}) const;

  const ServerAddress& address() const { return address_; }

 private:
  ServerAddress address_;
  std::chrono::milliseconds timeout_;
};

}  // namespace asynclings::client
