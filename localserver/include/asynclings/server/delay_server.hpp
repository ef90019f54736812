// The bundled delay server: httpbin-compatible endpoints plus teaching ones, single-threaded
// Asio + Beast on C++20 coroutines, recording every request in a Trace.
// This header is Beast-free on purpose: tests and the grader include it cheaply.
#pragma once

#include <asynclings/server/trace.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace asynclings::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;                       // 0: the system picks a free port
  std::chrono::milliseconds max_delay{10'000};  // longer delays get a 400 naming the range
  std::chrono::milliseconds latency{0};         // simulated network round-trip per response
  std::chrono::milliseconds jitter{0};          // uniform extra 0..jitter on top of latency
  std::size_t max_header_bytes = 8 * 1024;      // larger heads get 431
  std::size_t max_body_bytes = 64 * 1024;       // larger bodies get 413
  std::chrono::milliseconds header_timeout{10'000};  // slow clients are disconnected
  // The trace's memory budget (the oldest records are dropped beyond it; GET /trace says how
  // many), and how long a client may take to read a GET /trace answer.
  std::size_t trace_max_bytes = default_trace_bytes;
  std::chrono::milliseconds trace_write_timeout{10'000};
  // How long one write of any other response may wait for a client that does not read; the
  // request then ends as client_aborted instead of staying in progress.
  std::chrono::milliseconds write_timeout{30'000};
  // Called on the server thread after each request ends (for live logs); may be empty.
  // Run the tag and target through printable() before printing them.
  std::function<void(const TraceRecord&)> on_request_end;
  // Called on the server thread when a request has arrived, before its handler runs; may be
  // empty. An exception it throws is handled like a failing handler (a 500, recorded as
  // server_error): tests use it to check that path.
  std::function<void(const TraceRecord&)> on_request_begin;
};

class DelayServer {
 public:
  explicit DelayServer(ServerOptions options = {});
  ~DelayServer();  // stops and joins
  DelayServer(const DelayServer&) = delete;
  DelayServer& operator=(const DelayServer&) = delete;

  // Binds and listens (port() is valid afterwards); throws boost::system::system_error when
  // the address is taken. start() and run() call it if it has not been called.
  void listen();
  // start() serves on a background thread; run() serves on the calling thread until stop().
  void start();
  void run();
  void stop();  // thread-safe; idempotent

  std::uint16_t port() const;
  Trace& trace();
  // Connections refused because the process ran out of file descriptors.
  std::uint64_t refused_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asynclings::server
