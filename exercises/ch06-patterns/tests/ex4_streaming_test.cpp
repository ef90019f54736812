// Exercise 4: streaming. /stream/N?interval=100ms sends one JSON line every 100 ms; the
// server's trace says when the response finished (or was abandoned), the handler's own
// timestamps say when each line was handled.
#include "ex4_streaming.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;

constexpr int kIntervalMs = 100;

struct Handled {
  std::vector<std::string> lines;
  std::vector<Clock::time_point> at;
};

// A handler that notes each line and its time, and asks to stop after <stop_after> lines.
std::function<bool(const std::string&)> recorder(std::shared_ptr<Handled> h, std::size_t stop_after) {
  return [h, stop_after](const std::string& line) {
    h->lines.push_back(line);
    h->at.push_back(Clock::now());
    return h->lines.size() < stop_after;
  };
}

int line_id(const std::string& line) {
  std::smatch m;
  return std::regex_search(line, m, std::regex("\"id\":\\s*(\\d+)")) ? std::stoi(m[1]) : -1;
}

class Streaming : public asynclings::testkit::ServerTest {
 protected:
  // false (diagnosed) when the first line was handled only once the response was over.
  bool handled_while_streaming(const TraceView& t, const Handled& h) {
    const double end = t.finish_ms(0);
    const double first = t.ms(h.at.front());
    figure("first_line_handled_ms", first, "ms", "long before the response ends");
    figure("response_finished_ms", end, "ms", "");
    if (first >= end - kIntervalMs / 2.0) {
      diagnose("buffered-whole-response",
               "the first line was handled at " + std::to_string(int(first)) + " ms, after the server had "
               "finished the response at " + std::to_string(int(end)) + " ms: client.get() waits for the "
               "whole body. Open it with client.stream(target) and handle each next_line() as it comes");
      return false;
    }
    return true;
  }
};

TEST_F(Streaming, EachLineIsHandledAsItArrivesLongBeforeTheStreamEnds) {
  auto h = std::make_shared<Handled>();
  const auto handled = run(ch06::consume_lines(async_client(), "/stream/5?interval=100ms", recorder(h, 1000)));
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_FALSE(h->lines.empty()) << "on_line was never called";
  if (!handled_while_streaming(t, *h)) return;
  EXPECT_EQ(handled, 5u) << "consume_lines should return how many lines it handed over";
  ASSERT_EQ(h->lines.size(), 5u) << "the stream has 5 lines";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(line_id(h->lines[i]), i) << "line " << i << ": " << h->lines[i];
  // Line i is sent at about i intervals: all but the last are handled before the end.
  const double end = t.finish_ms(0);
  for (int i = 0; i + 1 < 5; ++i) {
    EXPECT_LT(t.ms(h->at[i]), end) << "line " << i << " should be handled before the stream ends";
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
}

TEST_F(Streaming, StoppingAfterTwoLinesClosesTheConnectionThen) {
  auto h = std::make_shared<Handled>();
  const auto handled = run(ch06::consume_lines(async_client(), "/stream/10?interval=100ms", recorder(h, 2)));
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_FALSE(h->lines.empty()) << "on_line was never called";
  if (!handled_while_streaming(t, *h)) return;
  EXPECT_EQ(handled, 2u) << "on_line said stop after the second line";
  EXPECT_EQ(h->lines.size(), 2u) << "no line may be handed over after on_line said stop";
  const auto& record = t.records()[0];
  figure("stream_closed_ms", t.finish_ms(0), "ms", "about " + std::to_string(kIntervalMs) + " (not 900)");
  if (record.outcome == Outcome::completed) {
    diagnose("read-to-the-end",
             "on_line asked to stop after 2 lines but the whole 10-line response was read: leave the "
             "loop (break) and let the LineStream go out of scope, which closes the connection");
    return;
  }
  EXPECT_EQ(record.outcome, Outcome::client_aborted);
  EXPECT_LE(t.finish_ms(0), tolerant_ms(kIntervalMs + 250.0)) << "the connection should close right after line 2";
}

}  // namespace
