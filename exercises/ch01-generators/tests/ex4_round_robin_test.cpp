// Exercise 4: a round-robin scheduler over generators. The scheduler tests use jobs of their
// own (so a bug in your worker() does not hide a correct scheduler) that also log each step
// as it runs: the log shows whether a step ran when the scheduler said it did.
#include "ex4_round_robin.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
using Labels = std::vector<std::string>;

// `log` outlives the jobs in these tests.
ch01::Job scripted(std::string name, int steps, Labels& log) {
  for (int i = 1; i <= steps; ++i) {
    log.push_back(name + std::to_string(i));
    co_yield name + std::to_string(i);
  }
}

std::vector<ch01::Job> jobs_of(std::vector<std::pair<std::string, int>> specs, Labels& log) {
  std::vector<ch01::Job> jobs;
  for (auto& [name, steps] : specs) jobs.push_back(scripted(name, steps, log));
  return jobs;
}

Labels one_after_another(const std::vector<std::pair<std::string, int>>& specs) {
  Labels order;
  for (auto& [name, steps] : specs)
    for (int i = 1; i <= steps; ++i) order.push_back(name + std::to_string(i));
  return order;
}

// Runs the scheduler; names the two classic mistakes when it sees them.
Labels schedule(const std::vector<std::pair<std::string, int>>& specs, Labels& log) {
  Labels ran;
  try {
    ran = ch01::round_robin(jobs_of(specs, log));
  } catch (const ch01::ResumedFinishedJob&) {
    diagnose("finished-task-stays",
             "a job that had finished was stepped again: when step() returns nullopt the "
             "job is over and must not go back into the queue");
    return ran;
  }
  if (specs.size() > 1 && ran == one_after_another(specs)) {
    diagnose("runs-to-completion",
             "each job ran all its steps before the next one started: take ONE step, then "
             "put the job at the back of the queue");
  }
  return ran;
}

TEST(Worker, YieldsItsStepsInOrderThenEnds) {
  auto job = ch01::worker("A", 3);
  EXPECT_EQ(job.step(), std::optional<std::string>{"A1"});
  EXPECT_EQ(job.step(), std::optional<std::string>{"A2"});
  EXPECT_EQ(job.step(), std::optional<std::string>{"A3"});
  EXPECT_EQ(job.step(), std::nullopt) << "after its last step the worker ends";
  EXPECT_TRUE(job.done());
}

TEST(Worker, KeepsItsNameAfterTheCallersStringIsGone) {
  auto job = [] {
    std::string name = "temporary-name-long-enough-to-live-on-the-heap-";
    return ch01::worker(name, 1);
  }();
  EXPECT_EQ(job.step(), std::optional<std::string>{"temporary-name-long-enough-to-live-on-the-heap-1"});
}

TEST(RoundRobin, TwoJobsTakeTurns) {
  Labels log;
  const Labels ran = schedule({{"A", 3}, {"B", 3}}, log);
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_EQ(ran, (Labels{"A1", "B1", "A2", "B2", "A3", "B3"}));
  EXPECT_EQ(log, ran) << "each label must be returned right after its step ran";
}

TEST(RoundRobin, AFinishedJobLeavesTheRotation) {
  Labels log;
  const Labels ran = schedule({{"A", 3}, {"B", 1}, {"C", 2}}, log);
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_EQ(ran, (Labels{"A1", "B1", "C1", "A2", "C2", "A3"}));
  EXPECT_EQ(log, ran);
}

TEST(RoundRobin, AJobWithNoStepsNeverAppears) {
  Labels log;
  const Labels ran = schedule({{"Z", 0}, {"A", 2}, {"Y", 0}, {"B", 1}}, log);
  if (asynclings::testkit::has_diagnosis()) return;
  EXPECT_EQ(ran, (Labels{"A1", "B1", "A2"}));
}

TEST(RoundRobin, RunsTheWorkersFromTheCourse) {
  std::vector<ch01::Job> jobs;
  jobs.push_back(ch01::worker("download-", 2));
  jobs.push_back(ch01::worker("parse-", 3));
  EXPECT_EQ(ch01::round_robin(std::move(jobs)),
            (Labels{"download-1", "parse-1", "download-2", "parse-2", "parse-3"}));
}

TEST(RoundRobin, NoJobsMeansNothingRuns) {
  EXPECT_EQ(ch01::round_robin({}), Labels{});
  Labels log;
  EXPECT_EQ(ch01::round_robin(jobs_of({{"A", 0}}, log)), Labels{});
}

}  // namespace
