#include "core/memory_check.hpp"

#include <gtest/gtest.h>

namespace {

using namespace asynclings::grader;

ExerciseReport failed_with(const std::string& failure) {
  ExerciseReport r;
  r.variant = "exercise";
  r.verdict = Verdict::failed;
  TestResult t;
  t.suite = "RateLimit";
  t.name = "GetsEachPathOnce";
  t.status = TestStatus::failed;
  t.failures.push_back(failure);
  r.tests.push_back(t);
  return r;
}

ExerciseReport crashed_with(const std::string& signal) {
  ExerciseReport r;
  r.variant = "exercise";
  r.verdict = Verdict::crashed;
  r.signal = signal;
  return r;
}

TEST(MemoryCheck, IsWantedForACrashByAFault) {
  const Session session;
  EXPECT_TRUE(wants_memory_check(session, crashed_with("SIGSEGV (Segmentation fault)")));
  EXPECT_TRUE(wants_memory_check(session, crashed_with("SIGABRT (Aborted)")));
}

TEST(MemoryCheck, IsWantedWhenAwaitedRequestsNeverReachedTheServer) {
  const Session session;
  EXPECT_TRUE(wants_memory_check(session, failed_with("the server saw 0 of 3 expected requests within 5000 ms")));
}

TEST(MemoryCheck, IsWantedWhenATestCountedNoRequestWhereItExpectedSome) {
  auto r = failed_with("requests: the server never saw a request for 3 of the 3 paths");
  r.tests[0].figures.push_back({"requests", 0, "", "exactly 3"});
  EXPECT_TRUE(wants_memory_check(Session{}, r));
  r.tests[0].figures[0] = {"peak_in_flight", 0, "", "exactly 1"};
  EXPECT_TRUE(wants_memory_check(Session{}, r));
}

TEST(MemoryCheck, IsNotWantedWhenNoRequestWasWhatTheTestExpected) {
  auto r = failed_with("the caller should get the error");
  r.tests[0].figures.push_back({"requests", 0, "", "0"});
  r.tests[0].figures.push_back({"requests", 2, "", "exactly 3"});
  r.tests[0].figures.push_back({"requests_aborted", 0, "", "2 (the losers)"});
  r.tests[0].figures.push_back({"slow_request_completed", 0, "", "1"});
  EXPECT_FALSE(wants_memory_check(Session{}, r));
}

TEST(MemoryCheck, IsNotWantedForAnOrdinaryWrongAnswerATimeoutOrAKill) {
  const Session session;
  EXPECT_FALSE(wants_memory_check(session, failed_with("Expected equality of these values: results, {1, 2}")));
  ExerciseReport hung;
  hung.variant = "exercise";
  hung.verdict = Verdict::timed_out;
  EXPECT_FALSE(wants_memory_check(session, hung));
  EXPECT_FALSE(wants_memory_check(session, crashed_with("SIGKILL (Killed)")));
}

TEST(MemoryCheck, IsNotWantedForSolutionsSanitizedSessionsOrGradedSubmissions) {
  auto crash = crashed_with("SIGSEGV (Segmentation fault)");
  Session sanitized;
  sanitized.sanitize = "address";
  EXPECT_FALSE(wants_memory_check(sanitized, crash));
  Session graded;
  graded.workbook.submission = "/submissions/jane";
  EXPECT_FALSE(wants_memory_check(graded, crash));
  crash.variant = "solution";
  EXPECT_FALSE(wants_memory_check(Session{}, crash));
}

TEST(MemoryCheck, IsNotWantedTwiceForASanitizersOwnFinding) {
  auto crash = crashed_with("SIGABRT (Aborted)");
  crash.memory_error.excerpt = "ERROR: AddressSanitizer: heap-use-after-free …";
  EXPECT_FALSE(wants_memory_check(Session{}, crash));
}

}  // namespace
