// Exercise 4: a round-robin scheduler over generators. The scheduler tests use jobs of their
// own (so a bug in your worker() does not hide a correct scheduler) that also log each step
// as it runs: the log shows whether a step ran when the scheduler said it did.
#include "ex4_round_robin.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
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

// The order a correct scheduler produces: rounds, each job one step, finished jobs skipped.
Labels in_turns(const std::vector<std::pair<std::string, int>>& specs) {
  Labels order;
  int longest = 0;
  for (auto& spec : specs) longest = std::max(longest, spec.second);
  for (int i = 1; i <= longest; ++i)
    for (auto& [name, steps] : specs)
      if (i <= steps) order.push_back(name + std::to_string(i));
  return order;
}

// Runs the scheduler; names the classic mistakes when it sees them.
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
  if (std::find(ran.begin(), ran.end(), std::string{}) != ran.end()) {
    diagnose("end-recorded-as-a-step",
             "the labels include empty ones: the step that found a job finished was recorded "
             "as if it had yielded. step() returns std::nullopt when the job ended: record a "
             "label only when there is one, and drop the job then");
    return ran;
  }
  if (specs.size() > 1 && ran == one_after_another(specs)) {
    diagnose("runs-to-completion",
             "each job ran all its steps before the next one started: take ONE step, then "
             "put the job at the back of the queue");
    return ran;
  }
  const std::vector<std::pair<std::string, int>> reversed(specs.rbegin(), specs.rend());
  if (specs.size() > 1 && ran != in_turns(specs) && ran == one_after_another(reversed)) {
    diagnose("stack-not-queue",
             "the last job ran all its steps first, then the one before it: the ready jobs "
             "were kept as a stack (push_back/pop_back). Take jobs from the FRONT and put them "
             "back at the BACK (a std::deque, first in first out)");
    return ran;
  }
  Labels sorted_ran = ran, sorted_expected = in_turns(specs);
  std::sort(sorted_ran.begin(), sorted_ran.end());
  std::sort(sorted_expected.begin(), sorted_expected.end());
  if (ran != in_turns(specs) && sorted_ran == sorted_expected) {
    std::string order;
    for (const auto& label : ran) order += label + " ";
    diagnose("wrong-turn-order",
             "every step ran, but not in turns (" + order + "): when a job leaves the "
             "rotation the others must keep their places. Erasing from a vector while "
             "walking it by index skips the job that slides into the freed slot; a deque "
             "(pop the front, push unfinished jobs to the back) cannot get this wrong");
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
  // The caller's string is gone; its memory goes to the next string of that size.
  const std::string reuse(47, '#');
  std::optional<std::string> label;
  bool threw = false;
  try {
    label = job.step();
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::exception&) {
    threw = true;  // reading a dead string may throw length_error or bad_alloc
  }
  const std::string alive = "temporary-name-long-enough-to-live-on-the-heap-";
  auto control = ch01::worker(alive, 1);
  const bool labels_right_when_alive = control.step() == std::optional<std::string>{alive + "1"};
  if (labels_right_when_alive &&
      (threw || label != std::optional<std::string>{"temporary-name-long-enough-to-live-on-the-heap-1"})) {
    diagnose("name-dangles",
             "the worker's first label was not the name it was given followed by 1: it kept a "
             "reference to the caller's string, which was gone by its first step. A "
             "coroutine's parameters must be values (std::string name): the frame keeps its "
             "own copy");
    return;
  }
  EXPECT_TRUE(labels_right_when_alive) << "worker(name, 1) must yield name + \"1\"";
  EXPECT_EQ(label, std::optional<std::string>{alive + "1"});
  EXPECT_EQ(reuse.size(), 47u);
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

struct JobFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ch01::Job fails_on_step_2(Labels& log) {
  log.push_back("F1");
  co_yield "F1";
  log.push_back("F fails");
  throw JobFailed("F could not do step 2");
}

TEST(RoundRobin, AnExceptionInAJobComesOutOfTheSchedulerAndNothingRunsAfterIt) {
  // Python's round_robin catches StopIteration only: anything else a job raises stops the
  // scheduler and reaches its caller.
  Labels log;
  std::vector<ch01::Job> jobs;
  jobs.push_back(scripted("A", 3, log));
  jobs.push_back(fails_on_step_2(log));
  jobs.push_back(scripted("B", 3, log));
  try {
    const Labels ran = ch01::round_robin(std::move(jobs));
    diagnose(diagnoses::exception_swallowed,
             "job F threw JobFailed on its second step, but round_robin() returned normally "
             "(ran: " + std::to_string(ran.size()) + " steps): do not catch what step() "
             "throws; only a nullopt label means the job finished");
    return;
  } catch (const JobFailed& e) {
    EXPECT_STREQ(e.what(), "F could not do step 2");
  }
  const Labels until_the_failure{"A1", "F1", "B1", "A2", "F fails"};
  if (log.size() > until_the_failure.size() &&
      std::equal(until_the_failure.begin(), until_the_failure.end(), log.begin())) {
    diagnose(diagnoses::error_delayed,
             "job F threw on its second step, but the other jobs went on running (" +
                 std::to_string(log.size() - until_the_failure.size()) + " more steps) before "
                 "round_robin() threw: do not catch what step() throws to rethrow it later; "
                 "let it leave the scheduler at once");
    return;
  }
  EXPECT_EQ(log, until_the_failure)
      << "no job may run after the one that threw";
}

TEST(RoundRobin, NoJobsMeansNothingRuns) {
  EXPECT_EQ(ch01::round_robin({}), Labels{});
  Labels log;
  EXPECT_EQ(ch01::round_robin(jobs_of({{"A", 0}}, log)), Labels{});
}

}  // namespace
