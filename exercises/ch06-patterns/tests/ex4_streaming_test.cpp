// Exercise 4: streaming. /stream/N?interval=100ms sends one JSON line every 100 ms; the
// server's trace says when the response finished (or was abandoned), the handler's own
// timestamps say when each line was handled.
#include "ex4_streaming.hpp"
#include "support.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/testkit/timing.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::Clock;
using asynclings::testkit::diagnose;
using asynclings::testkit::rethrow_if_not_implemented;
using asynclings::testkit::figure;
using asynclings::testkit::Outcome;
using asynclings::testkit::tolerant_ms;
using asynclings::testkit::TraceView;
using std::chrono::milliseconds;

constexpr int kIntervalMs = 100;

struct ProbeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
  return ch06test::first_int(line, "\"id\":\\s*(\\d+)", -1);
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
               "finished the response at " + std::to_string(int(end)) + " ms: client.get() (or collecting "
               "every line first) waits for the whole body. Open it with client.stream(target) and hand "
               "each next_line() to on_line as it comes");
      return false;
    }
    return true;
  }

  // The connection must close when line 2 was handed over and refused, not after more reading.
  bool closed_at_the_stop(const TraceView& t, const Handled& h, const std::string& why) {
    const auto& record = t.records()[0];
    figure("stream_closed_ms", t.finish_ms(0), "ms", "about " + std::to_string(kIntervalMs) + " (not 900)");
    if (record.outcome == Outcome::completed) {
      diagnose("read-to-the-end",
               why + " after 2 lines but the whole 10-line response was read: leave the loop (break) and "
               "let the LineStream go out of scope, which closes the connection");
      return false;
    }
    const double late = t.finish_ms(0) - t.ms(h.at.back());
    figure("closed_after_last_line_ms", late, "ms", "a few ms");
    if (late >= kIntervalMs / 2.0) {
      diagnose("stopped-late",
               "the connection closed " + std::to_string(int(late)) + " ms after line 2, when the next line had "
               "arrived: " + why + " — check right after on_line and stop before reading another line");
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
  figure("returned_count", double(handled), "", "5");
  if (handled != h->lines.size()) {
    diagnose("wrong-line-count", "consume_lines returned " + std::to_string(handled) + " but on_line was called " +
                                     std::to_string(h->lines.size()) + " times: count exactly the lines you hand over "
                                     "(not the final nullopt)");
    return;
  }
  ASSERT_EQ(h->lines.size(), 5u) << "the stream has 5 lines";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(line_id(h->lines[i]), i) << "line " << i << ": " << h->lines[i];
  // Line i is sent at about i intervals: all but the last are handled before the end.
  const double end = t.finish_ms(0);
  for (int i = 0; i + 1 < 5; ++i) {
    EXPECT_LT(t.ms(h->at[i]), end) << "line " << i << " should be handled before the stream ends";
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
}

TEST_F(Streaming, StoppingAfterTwoLinesClosesTheConnectionRightThen) {
  auto h = std::make_shared<Handled>();
  const auto handled = run(ch06::consume_lines(async_client(), "/stream/10?interval=100ms", recorder(h, 2)));
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_FALSE(h->lines.empty()) << "on_line was never called";
  if (!handled_while_streaming(t, *h)) return;
  figure("lines_handed_over", double(h->lines.size()), "", "2");
  EXPECT_EQ(h->lines.size(), 2u) << "no line may be handed over after on_line said stop";
  if (!closed_at_the_stop(t, *h, "on_line asked to stop")) return;
  if (handled != h->lines.size()) {
    diagnose("wrong-line-count", "consume_lines returned " + std::to_string(handled) + " but on_line was called " +
                                     std::to_string(h->lines.size()) + " times: the line that said stop counts too");
    return;
  }
  EXPECT_EQ(t.records()[0].outcome, Outcome::client_aborted);
}

TEST_F(Streaming, AnEmptyResponseHandsOverNoLineAndReturnsZero) {
  auto h = std::make_shared<Handled>();
  const auto handled = run(ch06::consume_lines(async_client(), "/status/200", recorder(h, 1000)));
  figure("returned_count", double(handled), "", "0");
  EXPECT_TRUE(h->lines.empty()) << "an empty body has no line to hand over";
  if (handled != 0) {
    diagnose("wrong-line-count", "consume_lines returned " + std::to_string(handled) +
                                     " for an empty response: count only the lines handed to on_line");
  }
}

TEST_F(Streaming, AHandlerThatThrowsEndsTheStreamAndItsErrorReachesTheCaller) {
  auto h = std::make_shared<Handled>();
  auto record = recorder(h, 1000);
  std::function<bool(const std::string&)> throwing = [h, record](const std::string& line) -> bool {
    record(line);
    if (h->lines.size() == 2) throw ProbeError("the handler failed on line 2");
    return true;
  };
  std::exception_ptr error;
  try {
    run(ch06::consume_lines(async_client(), "/stream/10?interval=100ms", throwing));
  } catch (...) {
    error = std::current_exception();
  }
  rethrow_if_not_implemented(error);
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  ASSERT_FALSE(h->lines.empty()) << "on_line was never called";
  if (!error) {
    diagnose("handler-error-swallowed",
             "on_line threw on line 2, yet consume_lines returned normally: let the handler's exception "
             "out (the LineStream still closes the connection as the exception leaves the function)");
    return;
  }
  if (!closed_at_the_stop(t, *h, "on_line threw")) return;
  try {
    std::rethrow_exception(error);
  } catch (const ProbeError& e) {
    EXPECT_STREQ(e.what(), "the handler failed on line 2");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the caller should get the handler's own ProbeError, not: " << e.what();
  }
}

TEST_F(Streaming, CancellingTheConsumerClosesTheConnectionAtOnceAndReportsTheCancellation) {
  constexpr milliseconds kCancel{150};
  auto h = std::make_shared<Handled>();
  const auto ending = run(ch06test::cancel_after(
      ch06::consume_lines(async_client(), "/stream/10?interval=100ms", recorder(h, 1000)), kCancel));
  rethrow_if_not_implemented(ending.error);
  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  const double cancel_ms = t.ms(ending.cancelled_at);
  figure("stream_closed_ms", t.finish_ms(0), "ms", "at the cancel (" + std::to_string(int(cancel_ms)) + " ms)");
  if (t.records()[0].outcome == Outcome::completed) {
    diagnose("read-to-the-end", "consume_lines was cancelled at " + std::to_string(int(cancel_ms)) +
                                    " ms, yet the whole response was read: let the cancellation end the loop");
    return;
  }
  if (!ending.error) {
    diagnose("cancel-swallowed",
             "consume_lines was cancelled and returned normally (" + std::to_string(ending.value.value_or(0)) +
                 " lines): operation_aborted is not the end of the stream — don't catch it, or rethrow it");
    return;
  }
  EXPECT_TRUE(ch06test::is_operation_aborted(ending.error)) << "the caller should see operation_aborted";
  EXPECT_LE(t.finish_ms(0), cancel_ms + tolerant_ms(50)) << "the connection should close at the cancel";
  EXPECT_EQ(h->lines.size(), 2u) << "lines 0 and 1 arrived before the cancel";
}

}  // namespace
