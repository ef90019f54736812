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
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
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

// Hands out 1, 2, 3, … and records what came back for each.
ch01::SendGenerator<int, int> recorder(std::vector<int>& received) {
  for (int n = 1;; ++n) received.push_back(co_yield n);
}

struct Overheated : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ch01::SendGenerator<int, int> broken_at_start() {
  throw Overheated("no sensor");
  co_yield 0;  // never reached: it only makes this function a coroutine
}

ch01::SendGenerator<int, int> thermostat() {
  int reading = co_yield 0;
  while (reading < 100) reading = co_yield reading;
  throw Overheated("reading " + std::to_string(reading) + " is above the limit");
}

// Calls next() or send() at the end of the body, where a Python generator raises
// StopIteration and this one returns std::nullopt; names an exception thrown instead.
template <typename Call>
std::optional<int> at_the_end(Call call, const char* what) {
  try {
    return call();
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::exception& e) {
    diagnose("stop-iteration-thrown",
             std::string(what) + " threw \"" + e.what() + "\" when the body had ended: "
             "where Python raises StopIteration, this generator returns std::nullopt (and "
             "never resumes a finished coroutine)");
    return std::nullopt;
  }
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
  std::optional<int> second;
  try {
    second = gen.send(10);
  } catch (const ch01::SendBeforeStart&) {
    diagnose("never-marked-started",
             "next() had primed the generator, yet send(10) threw SendBeforeStart: the "
             "priming next() must mark the generator as started (started_ = true)");
    return;
  }
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
  const auto past_the_end =
      at_the_end([&] { return gen.send(20); }, "send(20), whose resume ended the body,");
  check_received(log, "Received: 20");
  if (asynclings::testkit::has_diagnosis()) return;
  if (past_the_end == std::optional<int>{2}) {
    diagnose("stale-value-at-end",
             "the body ended, but send() returned 2, the value it had yielded before: once "
             "the coroutine is done() after the resume, return std::nullopt (Python's "
             "StopIteration), and clear the yielded value before each resume");
    return;
  }
  EXPECT_EQ(past_the_end, std::nullopt) << "the body ended: that is Python's StopIteration";
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(log, (Log{"Starting execution", "Received: 10", "Received: 20"}));
}

TEST(SendGenerator, SendingAfterTheEndReturnsNothingAndRunsNothing) {
  Log log;
  auto gen = simple_generator(log);
  gen.next();
  gen.send(10);
  at_the_end([&] { return gen.send(20); }, "send(20), whose resume ended the body,");
  if (asynclings::testkit::has_diagnosis()) return;
  ASSERT_TRUE(gen.done());
  const Log before = log;
  EXPECT_EQ(at_the_end([&] { return gen.send(30); }, "send(30) after the end"), std::nullopt);
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_EQ(at_the_end([&] { return gen.next(); }, "next() after the end"), std::nullopt);
  EXPECT_EQ(log, before) << "a finished coroutine must never be resumed";
}

TEST(SendGenerator, SendBeforeTheFirstNextIsRejected) {
  Log log;
  auto gen = simple_generator(log);
  try {
    gen.send(10);
    diagnose("send-before-start-accepted",
             "send(10) on a generator that had not started returned normally: nothing is "
             "waiting for the value yet, so it would be lost. Throw SendBeforeStart until "
             "next() has primed the generator (Python raises TypeError)");
    return;
  } catch (const ch01::SendBeforeStart&) {
  }
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
    diagnose(diagnoses::exception_swallowed,
             "the body threw Overheated, but send() returned normally: after resuming, "
             "rethrow the exception unhandled_exception() stored");
    return;
  } catch (const Overheated& e) {
    EXPECT_STREQ(e.what(), "reading 120 is above the limit");
  }
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(at_the_end([&] { return gen.send(50); }, "send(50) after the body threw"),
            std::nullopt);
}

TEST(SendGenerator, ExceptionBeforeTheFirstYieldComesOutOfNext) {
  auto gen = broken_at_start();
  try {
    gen.next();
    diagnose(diagnoses::exception_swallowed,
             "the body threw before its first co_yield, but next() returned normally: the "
             "priming resume must rethrow what the body threw, like every later one");
    return;
  } catch (const Overheated& e) {
    EXPECT_STREQ(e.what(), "no sensor");
  }
  EXPECT_TRUE(gen.done());
  // The priming next() started the body (which then ended): a send() now is a send to a
  // finished generator, not one "before the first next()".
  try {
    EXPECT_EQ(gen.send(5), std::nullopt) << "send(5) after the body threw";
  } catch (const ch01::SendBeforeStart&) {
    diagnose("failed-start-counts-as-unstarted",
             "the body threw during the priming next(), and send(5) then threw SendBeforeStart: "
             "the generator did start — it ran and ended. Record that it started before the "
             "priming resume, so that every later next()/send() just returns std::nullopt");
    return;
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "send(5) after the body threw should return std::nullopt, not throw: " << e.what();
  }
  EXPECT_EQ(at_the_end([&] { return gen.next(); }, "next() after the body threw"),
            std::nullopt);
}

TEST(SendGenerator, NextAfterASendDeliversADefaultValueNotTheLastOneSent) {
  // Python: next(gen) is gen.send(None). Here the body must receive In{} (0), whatever was
  // sent before.
  std::vector<int> received;
  auto gen = recorder(received);
  ASSERT_EQ(gen.next(), std::optional<int>{1});
  ASSERT_EQ(gen.send(7), std::optional<int>{2});
  ASSERT_EQ(gen.next(), std::optional<int>{3});
  ASSERT_EQ(gen.send(9), std::optional<int>{4});
  ASSERT_EQ(gen.next(), std::optional<int>{5});
  ASSERT_EQ(received.size(), 4u);
  if (received[0] != 7) {
    diagnose("sent-value-lost",
             "send(7) resumed the body, but co_yield gave it " + std::to_string(received[0]) +
                 ": send() must store the value before resuming, and co_yield must return it "
                 "(the yield awaiter's await_resume)");
    return;
  }
  if (received[1] == 7 || received[3] == 9) {
    diagnose("next-resends-last-value",
             "after send(7), next() gave the body " + std::to_string(received[1]) +
                 " and after send(9) it gave " + std::to_string(received[3]) +
                 ": next() resumed without resetting the slot, so the last sent value came "
                 "back. next() on a started generator is send(In{})");
    return;
  }
  EXPECT_EQ(received, (std::vector<int>{7, 0, 9, 0}));
}

}  // namespace
