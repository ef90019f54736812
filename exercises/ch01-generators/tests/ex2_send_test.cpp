// Exercise 2: SendGenerator<Out, In>. The tests replay the course's example,
//
//   def simple_generator():
//       print("Starting execution"); x = yield 1
//       print(f"Received: {x}");     y = yield 2
//       print(f"Received: {y}")
//
// with a log both sides write to, so the interleaving of body and consumer is visible.
#include "ex2_send.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
using Log = std::vector<std::string>;

// The log outlives every generator made from it in these tests.
ch01::SendGenerator<int, int> simple_generator(Log& log) {
  log.push_back("Starting execution");
  int x = co_yield 1;
  log.push_back("Received: " + std::to_string(x));
  int y = co_yield 2;
  log.push_back("Received: " + std::to_string(y));
}

// A running average: each co_yield hands out the average so far and receives a number.
ch01::SendGenerator<double, double> averager() {
  double total = 0;
  int count = 0;
  double average = 0;
  for (;;) {
    double value = co_yield average;
    total += value;
    ++count;
    average = total / count;
  }
}

struct Overheated : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ch01::SendGenerator<int, int> thermostat() {
  int reading = co_yield 0;
  while (reading < 100) reading = co_yield reading;
  throw Overheated("reading " + std::to_string(reading) + " is above the limit");
}

void check_received(const Log& log, const std::string& expected) {
  if (std::find(log.begin(), log.end(), expected) != log.end()) return;
  for (const auto& line : log) {
    if (line.rfind("Received: ", 0) == 0) {
      diagnose("sent-value-lost",
               "the body saw '" + line + "' instead of '" + expected +
                   "': send() must store the value before resuming, and co_yield must "
                   "return it (the yield awaiter's await_resume)");
      return;
    }
  }
}

TEST(SendGenerator, ReproducesTheCoursesTrace) {
  Log log;
  auto gen = simple_generator(log);
  auto first = gen.next();
  log.push_back("consumer got " + (first ? std::to_string(*first) : std::string("nothing")));
  auto second = gen.send(10);
  log.push_back("consumer got " + (second ? std::to_string(*second) : std::string("nothing")));
  check_received(log, "Received: 10");
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_EQ(log, (Log{"Starting execution", "consumer got 1", "Received: 10", "consumer got 2"}));
}

TEST(SendGenerator, NothingRunsUntilTheFirstNext) {
  Log log;
  auto gen = simple_generator(log);
  EXPECT_TRUE(log.empty()) << "the body ran when the generator was created";
  EXPECT_FALSE(gen.done());
  EXPECT_EQ(gen.next(), std::optional<int>{1}) << "next() primes: it runs to the first co_yield";
  EXPECT_EQ(log, (Log{"Starting execution"}));
}

TEST(SendGenerator, SendingPastTheLastYieldEndsTheGenerator) {
  Log log;
  auto gen = simple_generator(log);
  ASSERT_EQ(gen.next(), std::optional<int>{1});
  ASSERT_EQ(gen.send(10), std::optional<int>{2});
  EXPECT_EQ(gen.send(20), std::nullopt) << "the body ended: that is Python's StopIteration";
  check_received(log, "Received: 20");
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(log, (Log{"Starting execution", "Received: 10", "Received: 20"}));
}

TEST(SendGenerator, SendingAfterTheEndReturnsNothingAndRunsNothing) {
  Log log;
  auto gen = simple_generator(log);
  gen.next();
  gen.send(10);
  gen.send(20);
  ASSERT_TRUE(gen.done());
  const Log before = log;
  EXPECT_EQ(gen.send(30), std::nullopt);
  EXPECT_EQ(gen.next(), std::nullopt);
  EXPECT_EQ(log, before) << "a finished coroutine must never be resumed";
}

TEST(SendGenerator, SendBeforeTheFirstNextIsRejected) {
  Log log;
  auto gen = simple_generator(log);
  EXPECT_THROW(gen.send(10), ch01::SendBeforeStart);
  EXPECT_TRUE(log.empty()) << "a rejected send must not run the body";
  EXPECT_EQ(gen.next(), std::optional<int>{1}) << "the generator is still usable afterwards";
}

TEST(SendGenerator, EachSendFeedsTheRunningAverage) {
  auto avg = averager();
  EXPECT_EQ(avg.next(), std::optional<double>{0.0});
  EXPECT_EQ(avg.send(10), std::optional<double>{10.0});
  EXPECT_EQ(avg.send(20), std::optional<double>{15.0});
  EXPECT_EQ(avg.send(30), std::optional<double>{20.0});
}

TEST(SendGenerator, ExceptionInTheBodyComesOutOfSend) {
  auto gen = thermostat();
  ASSERT_EQ(gen.next(), std::optional<int>{0});
  ASSERT_EQ(gen.send(40), std::optional<int>{40});
  try {
    gen.send(120);
    ADD_FAILURE() << "the body threw Overheated, but send() returned normally";
  } catch (const Overheated& e) {
    EXPECT_STREQ(e.what(), "reading 120 is above the limit");
  }
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(gen.send(50), std::nullopt);
}

}  // namespace
