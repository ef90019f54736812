#include <asynclings/testkit/server_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>

namespace asynclings::testkit {
namespace {
std::mutex running_tag_mutex;
std::string running_tag;
std::atomic<bool> server_started{false};

void set_running_tag(std::string tag) {
  std::lock_guard lock(running_tag_mutex);
  running_tag = std::move(tag);
}
}  // namespace

server::DelayServer& shared_server() {
  // Started on first use, so test binaries that never touch the server never open a port;
  // destroyed (stopped and joined) at exit.
  static const auto server = [] {
    auto s = std::make_unique<server::DelayServer>();
    s->start();
    server_started = true;
    return s;
  }();
  return *server;
}

bool shared_server_started() { return server_started; }

std::string running_test_tag() {
  std::lock_guard lock(running_tag_mutex);
  return running_tag;
}

void ServerTest::SetUp() {
  // The counter keeps tags unique when a test runs again (--gtest_repeat) in this process.
  static std::atomic<unsigned> counter{0};
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  tag_ = fmt::format("{}.{}#{}", test->test_suite_name(), test->name(), ++counter);
  start_ = Clock::now();
  set_running_tag(tag_);
}

void ServerTest::TearDown() {
  set_running_tag({});
  auto& trace = shared_server().trace();
  // The server stamps a finish just after the client has read the last byte; a moment's
  // grace lets the attached trace show those finishes. Requests a test deliberately left
  // hanging are attached as in progress.
  trace.wait_settled(tag_, std::chrono::milliseconds{50});
  auto records = trace.records(tag_);
  if (!records.empty()) {
    RecordProperty(kTraceProperty, TraceView(std::move(records), start_).to_json());
  }
}

client::ServerAddress ServerTest::address() const {
  return client::ServerAddress{"127.0.0.1", shared_server().port(), tag_};
}

TraceView ServerTest::trace(std::size_t expected, std::chrono::milliseconds settle) {
  using std::chrono::milliseconds;
  auto& trace = shared_server().trace();
  // One deadline for both waits: <settle> bounds the whole call.
  const auto deadline = Clock::now() + settle;
  auto remaining = [&] {
    return std::max(milliseconds{0},
                    std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
  };
  if (!trace.wait_count(tag_, expected, remaining())) {
    ADD_FAILURE() << "the server saw " << trace.records(tag_).size() << " of " << expected
                  << " expected requests within " << settle.count() << " ms";
  }
  if (!trace.wait_settled(tag_, remaining())) {
    ADD_FAILURE() << "requests still in progress after " << settle.count() << " ms";
  }
  return trace_now();
}

TraceView ServerTest::trace_now() const {
  return TraceView(shared_server().trace().records(tag_), start_);
}

}  // namespace asynclings::testkit
