// Grammar-based fuzzing of the real server over real sockets: thousands of generated requests
// (bytes that are not UTF-8 everywhere, odd framing, huge and tiny values, pipelining,
// clients that vanish mid-request or mid-response). After each batch the server must still
// answer /get, GET /trace must be valid JSON, and no record may be left in progress.
// Reproducible: the seed is printed; ASYNCLINGS_FUZZ_SEED and ASYNCLINGS_FUZZ_CASES override.
#include "local_server.hpp"
#include "raw_http.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace asynclings::server::testing {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ------------------------------------------------------------------ the grammar

enum class Ending { read_answer, half_close, close_mid_request, reset_mid_request, close_mid_response };

struct Case {
  std::string bytes;
  Ending ending = Ending::read_answer;
  std::size_t cut = 0;          // for the *_mid_request endings: bytes sent before vanishing
  milliseconds linger{0};       // for the vanishing endings: how long before
  bool head = false;            // the first request is a HEAD
};

class Grammar {
 public:
  explicit Grammar(std::uint64_t seed) : rng_(seed) {}

  Case next() {
    Case c;
    const int ending = pick(100);
    c.ending = ending < 62 ? Ending::read_answer
               : ending < 70 ? Ending::half_close
               : ending < 82 ? Ending::close_mid_request
               : ending < 90 ? Ending::reset_mid_request
                             : Ending::close_mid_response;
    const int requests = chance(12) ? 2 + pick(2) : 1;
    for (int i = 0; i < requests; ++i) {
      const bool last = i == requests - 1;
      std::string method = this->method();
      if (i == 0) c.head = method == "HEAD";
      c.bytes += request(method, last && c.ending == Ending::read_answer);
    }
    c.cut = c.bytes.empty() ? 0 : pick(static_cast<int>(c.bytes.size()));
    c.linger = milliseconds{chance(50) ? 0 : pick(60)};
    return c;
  }

 private:
  int pick(int n) { return n <= 0 ? 0 : std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < percent; }
  template <typename T>
  const T& one_of(const std::vector<T>& v) { return v[pick(static_cast<int>(v.size()))]; }

  std::string raw_high_bytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(0x80 + pick(128));
    return s;
  }
  std::string random_bytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(pick(256));
    return s;
  }

  // A value for a path segment or a query parameter.
  std::string value() {
    static const std::vector<std::string> values = {
        "0", "1", "0.05", "1e-300", "0.0001", "5ms", "0ms", "30ms", "0.2", "2", "100", "-1", "-0",
        "1e308", "99999999999999999999", "nan", "inf", "0x10", "1.5.2", "", "abc", "%FF", "%C3%28",
        "%ED%A0%80", "%C0%AF", "%F4%90%80%80", "%E2%82", "%2F", "%00", "%", "%G1", "+", "%25",
        "caf%E9", "%1B%5B31m", "%0D%0AX-Injected:%201", "a%2Fb", "%C3%A9t%C3%A9"};
    switch (pick(10)) {
      case 0: return raw_high_bytes(1 + pick(6));
      case 1: return std::string(pick(3) == 0 ? 2000 + pick(3000) : pick(300), static_cast<char>('a' + pick(26)));
      case 2: return one_of(values) + one_of(values);
      default: return one_of(values);
    }
  }

  std::string query() {
    static const std::vector<std::string> keys = {"tag", "x", "interval", "duration", "numbytes", "delay",
                                                  "code", "fail", "status", "name", "%FF", "", "since"};
    std::string q;
    const int n = pick(4);
    for (int i = 0; i < n; ++i) {
      if (i) q += chance(90) ? "&" : "&&";
      q += one_of(keys);
      if (chance(90)) q += "=" + value();
    }
    return q;
  }

  std::string target() {
    static const std::vector<std::string> shapes = {
        "/delay/V", "/delay/Vms", "/get", "/status/V", "/stream/V", "/drip", "/flaky/V", "/lease/acquire",
        "/lease/release", "/lease", "/trace", "/trace/reset", "/nope/V", "/", "/delay", "/delay/V/V",
        "/status%2F200", "/delay%2F0", "//get", "/get/", "*", "http://x/get", "/get#frag"};
    std::string t = one_of(shapes);
    for (std::size_t p; (p = t.find('V')) != std::string::npos;) t.replace(p, 1, value());
    if (chance(60)) t += "?" + query();
    if (chance(3)) t = raw_high_bytes(3) + t;
    if (chance(2)) t += " extra";
    return t;
  }

  std::string method() {
    static const std::vector<std::string> methods = {"GET", "GET", "GET", "GET", "HEAD", "POST", "PUT",
                                                     "DELETE", "OPTIONS", "get", "PATCH", "G\xC3\xA9T", "", "X-Y"};
    return one_of(methods);
  }

  std::string version() {
    static const std::vector<std::string> versions = {"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1",
                                                      "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/9.9", "", "http/1.1"};
    return one_of(versions);
  }

  std::string header_value() {
    switch (pick(6)) {
      case 0: return raw_high_bytes(1 + pick(10));
      case 1: return "caf\xE9";
      case 2: return std::string(pick(4) == 0 ? 9000 : 1 + pick(200), 'v');
      default: return "ok-" + std::to_string(pick(1000));
    }
  }

  // One request; <closing> asks the server to close after answering it.
  std::string request(const std::string& method, bool closing) {
    const std::string eol = chance(92) ? "\r\n" : "\n";
    const std::string ver = version();
    std::string t = target();
    // Resets run, but only of a tag no other request uses: the checks after each batch look
    // at every other record.
    if (t.rfind("/trace", 0) == 0 && method != "GET" && method != "HEAD") {
      t += (t.find('?') == std::string::npos ? "?" : "&") + std::string("tag=fuzz-reset-only");
    }
    std::string head = method + " " + t + (ver.empty() ? "" : " " + ver) + eol;
    if (chance(90)) head += "Host: x" + eol;
    if (chance(50)) head += "X-Trace-Tag: " + (chance(30) ? raw_high_bytes(4) : "fuzz-" + std::to_string(pick(8))) + eol;
    for (int i = pick(3); i > 0; --i) {
      static const std::vector<std::string> names = {"X-A", "Accept", "User-Agent", "X-\xFF", "Bad Name", "Cookie"};
      head += one_of(names) + ": " + header_value() + eol;
    }
    if (chance(3)) head += " folded continuation" + eol;
    if (chance(2)) head += "NoColonHere" + eol;

    std::string body;
    switch (pick(12)) {
      case 0: body = random_bytes(pick(2000)); break;
      case 1: body = raw_high_bytes(pick(300)); break;
      case 2: body = std::string(70'000, 'b'); break;  // beyond the 64 KB body limit
      default: break;
    }
    std::string framing;
    std::string sent_body = body;
    switch (pick(14)) {
      case 0: framing = "Content-Length: " + std::to_string(body.size() + 1 + pick(50)) + eol; break;  // short
      case 1: framing = "Content-Length: " + std::to_string(body.size() / 2) + eol; break;  // leftovers
      case 2: framing = "Content-Length: 99999999999999999999" + eol; break;
      case 3: framing = "Content-Length: -5" + eol; break;
      case 4: framing = "Content-Length: 3" + eol + "Content-Length: 4" + eol; break;
      case 5:
      case 6: {
        framing = "Transfer-Encoding: chunked" + eol;
        std::string chunked;
        for (std::size_t at = 0; at < body.size(); at += 700) {
          const auto piece = body.substr(at, 700);
          char size[16];
          std::snprintf(size, sizeof size, "%zx", piece.size());
          chunked += size + std::string("\r\n") + piece + "\r\n";
        }
        sent_body = chance(80) ? chunked + "0\r\n\r\n" : chunked + "zz\r\n";
        break;
      }
      case 7: {
        static const std::vector<std::string> codings = {"chunked, identity", "gzip, chunked", "identity",
                                                         "chunked, chunked", "\xFF", ""};
        framing = "Transfer-Encoding: " + one_of(codings) + eol;
        sent_body = "5\r\nhello\r\n0\r\n\r\n";
        break;
      }
      default:
        if (!body.empty()) framing = "Content-Length: " + std::to_string(body.size()) + eol;
        break;
    }
    if (closing) head += "Connection: close" + eol;
    return head + framing + eol + sent_body;
  }

  std::mt19937_64 rng_;
};

// ------------------------------------------------------------------ a raw client

struct Observed {
  std::string received;
  bool closed = false;  // the server ended the connection (FIN or reset)
  bool reset = false;
  bool send_failed = false;
};

class Socket {
 public:
  explicit Socket(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void half_close() { ::shutdown(fd_, SHUT_WR); }
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }
  // Reads until the server closes or <limit> passes.
  void read_until_closed(Observed& out, milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    char buf[65536];
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.received.append(buf, static_cast<std::size_t>(n));
      } else {
        out.closed = true;
        out.reset = n < 0;
        return;
      }
    }
  }

 private:
  int fd_;
  bool ok_ = false;
};

std::string escaped(const std::string& bytes, std::size_t limit = 400) {
  return printable(bytes.substr(0, limit)) + (bytes.size() > limit ? "…" : "");
}

// ------------------------------------------------------------------ the test

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(Fuzz, GeneratedRequestsAlwaysGetAnAnswerAndAFinishedRecord) {
  const std::uint64_t seed = env_or("ASYNCLINGS_FUZZ_SEED", 20261205);
  const std::size_t total = env_or("ASYNCLINGS_FUZZ_CASES", 5000);
  constexpr std::size_t batch = 250;
  constexpr int threads = 16;
  RecordProperty("seed", std::to_string(seed));
  std::printf("fuzz seed %llu, %zu cases (ASYNCLINGS_FUZZ_SEED / ASYNCLINGS_FUZZ_CASES)\n",
              static_cast<unsigned long long>(seed), total);

  // ASYNCLINGS_FUZZ_PORT: fuzz a delayserver already running there instead of one in this
  // process (its own header timeout and delay limit then apply: expect slower batches).
  const std::uint64_t external_port = env_or("ASYNCLINGS_FUZZ_PORT", 0);
  ServerOptions options;
  options.header_timeout = milliseconds{250};
  options.max_delay = milliseconds{300};
  ::testing::internal::CaptureStderr();  // a server_error's log line is checked below
  auto server = external_port ? nullptr : started_server(options);
  const auto port = external_port ? static_cast<std::uint16_t>(external_port) : server->port();
  // Longer than the server's header timeout, which answers a body that never arrives (408).
  const milliseconds read_limit = external_port ? seconds{12} : seconds{4};
  Grammar grammar{seed};

  std::map<std::string, int> seen;  // kinds of ending, for the summary
  std::size_t answered = 0;
  std::size_t kept = 0;  // records checked
  for (std::size_t start = 0; start < total; start += batch) {
    std::vector<Case> cases;
    for (std::size_t i = start; i < std::min(total, start + batch); ++i) cases.push_back(grammar.next());
    std::vector<Observed> outcomes(cases.size());
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (std::size_t i; (i = next++) < cases.size();) {
          const Case& c = cases[i];
          Observed& out = outcomes[i];
          Socket socket{port};
          if (!socket.ok()) continue;
          switch (c.ending) {
            case Ending::read_answer:
              out.send_failed = !socket.send_all(c.bytes);
              socket.read_until_closed(out, read_limit);
              break;
            case Ending::half_close:
              out.send_failed = !socket.send_all(c.bytes);
              socket.half_close();
              socket.read_until_closed(out, read_limit);
              break;
            case Ending::close_mid_request:
            case Ending::reset_mid_request:
              socket.send_all(std::string_view(c.bytes).substr(0, c.cut));
              std::this_thread::sleep_for(c.linger);
              if (c.ending == Ending::reset_mid_request) socket.reset();
              break;
            case Ending::close_mid_response:
              socket.send_all(c.bytes);
              std::this_thread::sleep_for(c.linger);
              break;
          }
        }
      });
    }
    for (auto& w : workers) w.join();

    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      const Observed& out = outcomes[i];
      const std::string where = "case " + std::to_string(start + i) + " (seed " + std::to_string(seed) + "): " + escaped(c.bytes);
      if (c.ending != Ending::read_answer && c.ending != Ending::half_close) continue;
      if (!out.received.empty()) {
        ++answered;
        EXPECT_EQ(out.received.rfind("HTTP/1.", 0), 0u) << where << "\nanswer: " << escaped(out.received);
        auto response = parse_response(out.received, c.head, out.closed);
        if (!response) {
          ADD_FAILURE() << "malformed response to " << where << "\nanswer: " << escaped(out.received);
          continue;
        }
        EXPECT_NE(response->message.result_int(), 500) << where;
        const bool is_json = response->message[boost::beast::http::field::content_type].starts_with("application/json");
        if (is_json && !c.head && !response->message.body().empty()) {
          EXPECT_NO_THROW((void)json::parse(response->message.body()))
              << "invalid JSON for " << where << "\nbody: " << escaped(response->message.body());
        }
      } else if (c.ending == Ending::read_answer) {
        // Silence is allowed only when the kernel reset the connection (the server closed it
        // with unread bytes, which discards what it had sent) or the client could not send.
        ++seen[out.reset ? "no answer: reset" : out.send_failed ? "no answer: send failed" : "no answer"];
        EXPECT_TRUE(out.reset || out.send_failed) << "no answer (closed: " << out.closed << ") to " << where;
      }
      if (c.ending == Ending::read_answer) EXPECT_TRUE(out.closed) << "the connection was left open: " << where;
    }

    // After the batch: the server answers, its trace is valid JSON, nothing is in progress.
    client::BlockingClient http{client::ServerAddress{"127.0.0.1", port, "fuzz-check"}};
    const auto batch_no = start / batch;
    try {
      ASSERT_EQ(http.get("/get").status, 200) << "after batch " << batch_no;
    } catch (const std::exception& e) {
      FAIL() << "GET /get failed after batch " << batch_no << ": " << e.what();
    }
    if (server) {
      ASSERT_TRUE(server->trace().wait_settled("", seconds{5}))
          << "records still in progress after batch " << batch_no << " with every client gone";
    } else {
      std::this_thread::sleep_for(seconds{1});  // out of process: a moment for the last aborts
    }
    json trace;
    try {
      auto whole = http.get("/trace");
      ASSERT_EQ(whole.status, 200);
      trace = json::parse(whole.body);
    } catch (const std::exception& e) {
      FAIL() << "GET /trace is not valid JSON after batch " << batch_no << ": " << e.what();
    }
    for (const auto& r : trace["requests"]) {
      EXPECT_NE(r["outcome"], "in_progress") << r.dump();
      EXPECT_NE(r["outcome"], "server_error") << r.dump();
    }
    kept += trace["requests"].size();
    // The next batch's checks then read that batch's records only.
    ASSERT_EQ(http.post("/trace/reset").status, 200);
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("failed"), std::string::npos) << "the server reported a failure:\n" << log.substr(0, 2000);
  std::printf("%zu cases, %zu answered", total, answered);
  for (const auto& [kind, n] : seen) std::printf(", %s: %d", kind.c_str(), n);
  std::printf("; %zu records checked\n", kept);
}

}  // namespace
}  // namespace asynclings::server::testing
