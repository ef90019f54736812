// What the server benchmarks share: a lean HTTP client over raw sockets (so the load client
// costs little beside the server it measures, and sends any bytes, valid or not), the
// server's resident memory and percentiles.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::bench {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// VmRSS of a process in KB; -1 when it cannot be read (the process is gone).
inline long resident_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// CPU time a process has used so far (user + system), in ms; -1 when it cannot be read.
inline double cpu_ms(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) return -1;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  double user = 0, system = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime and stime are fields 14 and 15
    if (i == 14) user = std::stod(field);
    if (i == 15) system = std::stod(field);
  }
  return (user + system) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * (v.size() - 1) + 0.5))];
}

inline double maximum(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

inline void raise_open_file_limit() {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

// "GET <target> HTTP/1.1" with Host and the extra header lines (each ending in \r\n).
inline std::string request_bytes(std::string_view method, std::string_view target,
                                 bool keep_alive = false, std::string_view extra_headers = {},
                                 std::string_view body = {}) {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!keep_alive) r += "Connection: close\r\n";
  if (!body.empty()) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r.append(extra_headers).append("\r\n").append(body);
  return r;
}

struct Reply {
  int status = 0;         // 0: no status line arrived (connection refused, reset, …)
  std::size_t bytes = 0;  // everything received
  std::string start;      // the first bytes received (up to 512)
  std::string error;      // why status is 0
};

inline int status_of(std::string_view head) {
  // "HTTP/1.1 200 OK"
  int status = 0;
  if (head.size() >= 12 && head.substr(0, 5) == "HTTP/")
    std::from_chars(head.data() + 9, head.data() + 12, status);
  return status;
}

// The length of the response whose head ends at <head_end> in <bytes>: head and body, or 0
// when the head has no Content-Length (the body then ends where the connection does).
inline std::size_t response_length(std::string_view bytes, std::size_t head_end) {
  std::string lower(bytes.substr(0, head_end));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const auto at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  std::size_t length = 0;
  auto start = lower.data() + at + 17;
  while (*start == ' ') ++start;
  std::from_chars(start, lower.data() + lower.size(), length);
  return head_end + 4 + length;
}

// One request on its own connection (the request says Connection: close): connect, send,
// read the response to the end of its Content-Length (or to the server's close when it has
// none). Returns when the last byte has arrived.
inline asio::awaitable<Reply> exchange_once(tcp::endpoint server, std::string request) {
  Reply reply;
  tcp::socket socket{co_await asio::this_coro::executor};
  auto [cec] = co_await socket.async_connect(server, asio::as_tuple(asio::use_awaitable));
  if (cec) {
    reply.error = "connect: " + cec.message();
    co_return reply;
  }
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request),
                                              asio::as_tuple(asio::use_awaitable));
  if (wec) {
    reply.error = "write: " + wec.message();
    co_return reply;
  }
  std::string head;  // the bytes until the end of the head is among them
  std::size_t length = 0, head_end = std::string::npos;
  char chunk[16 * 1024];
  for (;;) {
    auto [rec, n] =
        co_await socket.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    reply.bytes += n;
    reply.start.append(chunk, std::min(n, 512 - std::min<std::size_t>(512, reply.start.size())));
    if (head_end == std::string::npos) {
      head.append(chunk, n);
      if ((head_end = head.find("\r\n\r\n")) != std::string::npos)
        length = response_length(head, head_end);
    }
    if (length != 0 && reply.bytes >= length) break;
    if (rec) {
      if (rec != asio::error::eof) reply.error = "read: " + rec.message();
      break;
    }
  }
  reply.status = status_of(reply.start);
  if (reply.status == 0 && reply.error.empty()) reply.error = "no status line";
  co_return reply;
}

// A keep-alive connection: one request after another, each response read to the end of its
// Content-Length. Counts completed 200 answers until <until> or until <answered> reaches
// <enough>; false when the connection failed or a response had no Content-Length.
inline asio::awaitable<bool> keep_alive_loop(tcp::endpoint server, std::string request,
                                             Clock::time_point until, std::uint64_t& answered,
                                             std::uint64_t enough = UINT64_MAX) {
  tcp::socket socket{co_await asio::this_coro::executor};
  auto [cec] = co_await socket.async_connect(server, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return false;
  socket.set_option(tcp::no_delay(true));
  std::string buffer;
  while (Clock::now() < until && answered < enough) {
    auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(request),
                                                asio::as_tuple(asio::use_awaitable));
    if (wec) co_return false;
    std::size_t head_end = std::string::npos, need = 0;
    for (;;) {
      if (head_end == std::string::npos &&
          (head_end = buffer.find("\r\n\r\n")) != std::string::npos) {
        need = response_length(buffer, head_end);
        if (need == 0) co_return false;
      }
      if (head_end != std::string::npos && buffer.size() >= need) break;
      char chunk[16 * 1024];
      auto [rec, n] =
          co_await socket.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (rec) co_return false;
      buffer.append(chunk, n);
    }
    if (status_of(buffer) == 200) ++answered;
    buffer.erase(0, need);
  }
  co_return true;
}

}  // namespace asynclings::bench
