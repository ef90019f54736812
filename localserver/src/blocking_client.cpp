#include <asynclings/client/blocking_client.hpp>

#include <httplib.h>

#include <stdexcept>

namespace asynclings::client {

namespace {

Response convert(const httplib::Result& result, const std::string& method, const std::string& target) {
  if (!result) {
    throw std::runtime_error(method + " " + target + " failed: " + httplib::to_string(result.error()));
  }
  Response response{result->status, result->body, {}};
  for (const auto& [key, value] : result->headers) response.headers.emplace_back(key, value);
  return response;
}

httplib::Client connect(const ServerAddress& address, std::chrono::milliseconds timeout) {
  httplib::Client client{address.host, address.port};
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_keep_alive(false);
  return client;
}

httplib::Headers tag_header(const ServerAddress& address) {
  if (address.tag.empty()) return {};
  return {{"X-Trace-Tag", address.tag}};
}

}  // namespace

BlockingClient::BlockingClient(ServerAddress address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), timeout_(timeout) {}

Response BlockingClient::get(const std::string& target) const {
  auto client = connect(address_, timeout_);
  return convert(client.Get(target, tag_header(address_)), "GET", target);
}

Response BlockingClient::post(const std::string& target, const std::string& body) const {
  auto client = connect(address_, timeout_);
  return convert(client.Post(target, tag_header(address_), body, "text/plain"), "POST", target);
}

}  // namespace asynclings::client
