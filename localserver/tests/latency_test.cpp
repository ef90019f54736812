// The simulated network: --latency makes the server wait that long before every response
// (on top of any requested delay), --jitter adds a uniform random 0..jitter to each. Judged
// on the server's own trace (request arrival to first response byte), which client-side
// scheduling cannot blur; the lower bounds are exact (a timer never fires early), the upper
// ones are generous ratios.
#include "local_server.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace asynclings::server::testing {
namespace {

using std::chrono::milliseconds;

ServerOptions simulated_network(milliseconds latency, milliseconds jitter = milliseconds{0}) {
  ServerOptions options;
  options.latency = latency;
  options.jitter = jitter;
  return options;
}

// How long the server held each request of <tag> before it began to answer, in ms.
std::vector<double> waits_before_response(DelayServer& server, const std::string& tag) {
  EXPECT_TRUE(server.trace().wait_settled(tag, std::chrono::seconds{5}));
  std::vector<double> waits;
  for (const auto& record : server.trace().records(tag)) {
    EXPECT_TRUE(record.response_start.has_value()) << record.target << " never answered";
    if (record.response_start) waits.push_back(ms_between(record.arrival, *record.response_start));
  }
  return waits;
}

TEST(Latency, AddsTheLatencyOnTopOfTheRequestedDelay) {
  auto server = started_server(simulated_network(milliseconds{150}));
  const auto response = client::BlockingClient{address_of(*server, "delayed")}.get("/delay/100ms");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto waits = waits_before_response(*server, "delayed");
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_GE(waits[0], 100.0 + 150.0) << "delay 100 ms + latency 150 ms";
  EXPECT_LT(waits[0], (100.0 + 150.0) * 1.5) << "the latency is paid once, not per write";
}

TEST(Latency, DelaysResponsesThatAskForNoDelayAndErrorsToo) {
  auto server = started_server(simulated_network(milliseconds{200}));
  const client::BlockingClient http{address_of(*server, "quick")};
  EXPECT_EQ(http.get("/get").status, 200);
  EXPECT_EQ(http.get("/status/404").status, 404);
  EXPECT_EQ(http.get("/no-such-endpoint").status, 404);
  const auto waits = waits_before_response(*server, "quick");
  ASSERT_EQ(waits.size(), 3u);
  for (double wait : waits) {
    EXPECT_GE(wait, 200.0);
    EXPECT_LT(wait, 200.0 * 1.5);
  }
}

TEST(Latency, JitterSpreadsTheWaitsAcrossLatencyToLatencyPlusJitter) {
  // 20 requests at once, latency 100 ms, jitter 200 ms: each wait is 100 + U(0, 200). The
  // chance that 20 draws all land in one half of that range is 2 in a million.
  constexpr double latency = 100, jitter = 200;
  auto server = started_server(simulated_network(milliseconds{100}, milliseconds{200}));
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&server] { client::BlockingClient{address_of(*server, "jittery")}.get("/get"); });
  }
  for (auto& c : clients) c.join();
  const auto waits = waits_before_response(*server, "jittery");
  ASSERT_EQ(waits.size(), 20u);
  const auto [shortest, longest] = std::minmax_element(waits.begin(), waits.end());
  EXPECT_GE(*shortest, latency) << "jitter only adds";
  EXPECT_LT(*longest, (latency + jitter) * 1.5) << "jitter adds at most " << jitter << " ms";
  EXPECT_LT(*shortest, latency + jitter / 2) << "some waits fall in the lower half";
  EXPECT_GE(*longest, latency + jitter / 2) << "some waits fall in the upper half";
}

TEST(Latency, LeavesTheTraceEndpointUndelayed) {
  // Reading the trace is the test's own business, not simulated traffic.
  auto server = started_server(simulated_network(milliseconds{2000}));
  const auto start = Clock::now();
  const auto response = client::BlockingClient{address_of(*server, "")}.get("/trace");
  EXPECT_EQ(response.status, 200);
  EXPECT_LT(ms_between(start, Clock::now()), 1000.0) << "a 2000 ms latency must not apply to /trace";
}

// The delayserver program, killed and reaped when the test ends however it ends.
class DelayServerProgram {
 public:
  explicit DelayServerProgram(std::vector<std::string> options) {
    // Everything the child needs is built before fork: it may only exec (or exit).
    std::vector<char*> argv{const_cast<char*>("delayserver")};
    for (auto& option : options) argv.push_back(option.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::execv(DELAYSERVER_PATH, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = ::fdopen(out[0], "r");
  }
  ~DelayServerProgram() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
  }
  // The port from its "listening on http://127.0.0.1:<port>" line; 0 when it did not start.
  std::uint16_t port() {
    char line[256] = {};
    if (out_ == nullptr || std::fgets(line, sizeof line, out_) == nullptr) return 0;
    const char* at = std::strstr(line, "127.0.0.1:");
    unsigned port = 0;
    return at != nullptr && std::sscanf(at, "127.0.0.1:%u", &port) == 1 ? static_cast<std::uint16_t>(port) : 0;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

TEST(Latency, DelayserverProgramPassesLatencyAndJitterToTheServer) {
  DelayServerProgram program{{"--quiet", "--port", "0", "--latency", "150", "--jitter", "50"}};
  const std::uint16_t port = program.port();
  ASSERT_NE(port, 0) << "delayserver did not report its port";
  const client::ServerAddress address{"127.0.0.1", port, "program"};
  ASSERT_EQ(client::BlockingClient{address}.get("/get").status, 200);
  const auto trace = nlohmann::json::parse(client::BlockingClient{{"127.0.0.1", port, ""}}.get("/trace?tag=program").body);
  ASSERT_EQ(trace["requests"].size(), 1u) << trace.dump();
  const auto& record = trace["requests"][0];
  const double wait = record["response_start_ms"].get<double>() - record["arrival_ms"].get<double>();
  EXPECT_GE(wait, 150.0);
  EXPECT_LT(wait, (150.0 + 50.0) * 1.5);
}

}  // namespace
}  // namespace asynclings::server::testing
