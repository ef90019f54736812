// grade_binary end to end against hostile and fake test binaries: the verdict an exercise
// gets for each way it can go wrong.
#include "core/expectations.hpp"
#include "core/grading.hpp"
#include "sandbox/process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <asynclings/testkit/results_channel.hpp>

using namespace asynclings::grader;
using namespace std::chrono_literals;

namespace {

ExerciseReport grade(const std::string& mode, std::chrono::milliseconds limit = 10s,
                     const std::string& fixture = {}, const std::string& exit_code = "1") {
  become_subreaper();
  GradeOptions o;
  o.time_limit = limit;
  o.extra_env = {"GRADER_HOSTILE_MODE=" + mode};
  // A fake GoogleTest binary copies a report and says nothing on the results channel.
  o.results_channel = mode != "fake_gtest";
  if (!fixture.empty()) {
    o.extra_env.push_back("GRADER_FAKE_RESULTS=" + std::string(GRADER_FIXTURES) + "/" + fixture);
    o.extra_env.push_back("GRADER_FAKE_EXIT=" + exit_code);
  }
  ExerciseReport r;
  r.inherent_delay_ms = 200;
  grade_binary(GRADER_HOSTILE, o, r);
  return r;
}

}  // namespace

TEST(Grading, ASegfaultingExerciseIsCrashedWithTheSignalAndTheRunningTestNamed) {
  const auto r = grade("segv");
  EXPECT_EQ(r.verdict, Verdict::crashed);
  EXPECT_EQ(r.signal.rfind("SIGSEGV", 0), 0u) << r.signal;
  EXPECT_EQ(r.running_test, "Hostile.Second");
  EXPECT_NE(r.message.find("SIGSEGV"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("Hostile.Second"), std::string::npos) << r.message;
}

TEST(Grading, AnUncaughtExceptionIsCrashedAndBlamedOnStdTerminate) {
  const auto r = grade("terminate");
  EXPECT_EQ(r.verdict, Verdict::crashed);
  EXPECT_NE(r.message.find("std::terminate"), std::string::npos) << r.message;
}

TEST(Grading, AnInfiniteLoopIsTimedOutWithTheLimitAndTheExpectedTimeInTheMessage) {
  const auto r = grade("loop", 1s);
  EXPECT_EQ(r.verdict, Verdict::timed_out);
  EXPECT_EQ(r.running_test, "Hostile.Second");
  EXPECT_NE(r.message.find("timed out after 1 s"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("expected about 0.2 s"), std::string::npos) << r.message;
  EXPECT_TRUE(descendants_of(getpid()).empty());
}

TEST(Grading, AHangKeepsTheFindingsOfTheTestsThatFinishedAndNamesTheTestThatHung) {
  const auto r = grade("partial_then_loop", 1s);
  EXPECT_EQ(r.verdict, Verdict::timed_out);
  EXPECT_NE(r.message.find("hung in Hostile.Second"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("waiting for 1 request still open at the server (/delay/5?tag=t open for 900 ms)"),
            std::string::npos)
      << r.message;
  ASSERT_EQ(r.tests.size(), 2u);
  EXPECT_EQ(r.tests[0].full_name(), "Hostile.First");
  EXPECT_EQ(r.tests[0].diagnosis, "sequential-awaits");
  EXPECT_EQ(r.tests[1].full_name(), "Hostile.Second");
  EXPECT_EQ(r.tests[1].status, TestStatus::failed);
  EXPECT_TRUE(descendants_of(getpid()).empty());
}

TEST(Grading, AReportThatDoesNotListTheTrustedTestsIsTampered) {
  become_subreaper();
  GradeOptions o;
  o.results_channel = false;
  o.extra_env = {"GRADER_HOSTILE_MODE=fake_gtest",
                 "GRADER_FAKE_RESULTS=" + std::string(GRADER_FIXTURES) + "/gtest_pass.json", "GRADER_FAKE_EXIT=0"};
  o.expected_tests = {"G.Yields", "G.Stops"};
  ExerciseReport matching;
  grade_binary(GRADER_HOSTILE, o, matching);
  EXPECT_EQ(matching.verdict, Verdict::passed);
  o.expected_tests = {"G.Yields", "G.Stops", "G.ThrowsFromTheBody"};
  ExerciseReport short_one;
  grade_binary(GRADER_HOSTILE, o, short_one);
  EXPECT_EQ(short_one.verdict, Verdict::tampered);
  EXPECT_NE(short_one.message.find("leaves out G.ThrowsFromTheBody"), std::string::npos) << short_one.message;
  o.expected_tests = {"G.Yields"};
  ExerciseReport extra;
  grade_binary(GRADER_HOSTILE, o, extra);
  EXPECT_EQ(extra.verdict, Verdict::tampered);
  EXPECT_NE(extra.message.find("lists G.Stops, which the tests do not declare"), std::string::npos) << extra.message;
}

TEST(Grading, AProgramThatExitsBeforeReportingIsNotMistakenForAPass) {
  const auto r = grade("exit3");
  EXPECT_EQ(r.verdict, Verdict::crashed);
  EXPECT_NE(r.message.find("exited with code 3"), std::string::npos) << r.message;
}

TEST(Grading, AMixedReportIsAFailWithTheTestsRead) {
  const auto r = grade("fake_gtest", 10s, "gtest_mixed.json");
  EXPECT_EQ(r.verdict, Verdict::failed);
  EXPECT_EQ(r.tests.size(), 5u);
  EXPECT_EQ(r.passed_count(), 1);
  EXPECT_EQ(r.failed_count(), 2);
}

TEST(Grading, AStubWhoseEveryTestSaysNotImplementedIsNotStarted) {
  const auto r = grade("fake_gtest", 10s, "gtest_stub.json");
  EXPECT_EQ(r.verdict, Verdict::not_started);
  EXPECT_TRUE(expect_every_test_fails(r).empty()) << expect_every_test_fails(r);
}

TEST(Grading, AllTestsPassingWithExitCodeZeroIsAPass) {
  const auto r = grade("fake_gtest", 10s, "gtest_pass.json", "0");
  EXPECT_EQ(r.verdict, Verdict::passed);
  EXPECT_TRUE(expect_all_pass(r).empty());
  EXPECT_FALSE(expect_every_test_fails(r).empty());
}

TEST(Grading, PassingTestsWithANonZeroExitCodeAreAFail) {
  const auto r = grade("fake_gtest", 10s, "gtest_pass.json", "1");
  EXPECT_EQ(r.verdict, Verdict::failed);
}

TEST(Grading, ExpectDiagnosisHoldsOnlyForAFailingTestCarryingThatDiagnosis) {
  const auto r = grade("fake_gtest", 10s, "testkit_report.json");
  EXPECT_TRUE(expect_diagnosis(r, "sequential-awaits").empty());
  const std::string other = expect_diagnosis(r, "eager-start");
  EXPECT_NE(other.find("[sequential-awaits]"), std::string::npos) << other;
  const auto passing = grade("fake_gtest", 10s, "gtest_pass.json", "0");
  EXPECT_NE(expect_diagnosis(passing, "sequential-awaits").find("no test failed"), std::string::npos);
  const auto crashed = grade("segv");
  EXPECT_NE(expect_diagnosis(crashed, "sequential-awaits").find("CRASHED"), std::string::npos);
}

TEST(Grading, ExpectDiagnosisHoldsWhenATestGaveItBeforeALaterTestCrashed) {
  ExerciseReport r;
  r.verdict = Verdict::crashed;
  TestResult diagnosed;
  diagnosed.suite = "Gather";
  diagnosed.name = "AnExceptionReachesTheCaller";
  diagnosed.status = TestStatus::failed;
  diagnosed.diagnosis = "error-lost";
  TestResult crashed;
  crashed.suite = "Gather";
  crashed.name = "ACancelFromOutside";
  crashed.status = TestStatus::failed;
  r.tests = {diagnosed, crashed};
  EXPECT_TRUE(expect_diagnosis(r, "error-lost").empty());
  EXPECT_NE(expect_diagnosis(r, "sequential-awaits").find("CRASHED"), std::string::npos);
  r.verdict = Verdict::compile_error;
  EXPECT_FALSE(expect_diagnosis(r, "error-lost").empty()) << "only a crash or a hang keeps earlier findings";
}

// ---- The results channel ---------------------------------------------------------------------

namespace channel = asynclings::results_channel;

TEST(ResultsChannel, SipHashGivesTheReferenceTag) {
  // The reference vector of the SipHash paper: key 00 01 … 0f, message 00 01 … 0e.
  const channel::Key key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  std::string message;
  for (char c = 0; c < 15; ++c) message += c;
  EXPECT_EQ(channel::siphash(key, message), 0xa129ca6149be45e5ull);
  EXPECT_EQ(channel::parse_key(channel::key_hex(key))->k1, key.k1);
  EXPECT_FALSE(channel::parse_key("0123"));
  EXPECT_FALSE(channel::parse_key(std::string(31, '0') + "g"));
}

namespace {

const std::string kKey = "00112233445566778899aabbccddeeff";

// The lines the testkit writes for <events>, numbered from 0.
std::string lines(const std::vector<std::string>& events, const std::string& key = kKey) {
  std::string out;
  std::uint64_t n = 0;
  for (const auto& e : events) out += channel::signed_line(*channel::parse_key(key), n++, e);
  return out;
}

std::vector<TestResult> report(std::initializer_list<std::pair<const char*, TestStatus>> tests) {
  std::vector<TestResult> out;
  for (const auto& [name, status] : tests) {
    TestResult t;
    t.suite = "G";
    t.name = name;
    t.status = status;
    out.push_back(t);
  }
  return out;
}

const std::vector<std::string> kHonest = {"start G.Yields", "end G.Yields passed", "start G.Stops",
                                          "end G.Stops failed", "done 1"};

}  // namespace

TEST(ResultsChannel, AReportThatTellsWhatTheTestsDidAgrees) {
  EXPECT_EQ(
      channel_disagreement(lines(kHonest), kKey,
                           report({{"Yields", TestStatus::passed}, {"Stops", TestStatus::failed}})),
      "");
}

TEST(ResultsChannel, AReportThatTurnsAFailureIntoAPassDisagrees) {
  EXPECT_EQ(
      channel_disagreement(lines(kHonest), kKey,
                           report({{"Yields", TestStatus::passed}, {"Stops", TestStatus::passed}})),
      "the report says G.Stops passed, but it failed when it ran");
}

TEST(ResultsChannel, AReportOfTestsThatNeverRanOrLeftOutDisagrees) {
  EXPECT_EQ(channel_disagreement(lines({"done 0"}), kKey, report({{"Yields", TestStatus::passed}})),
            "the report has G.Yields passed, but it never ran to its end");
  EXPECT_EQ(channel_disagreement(lines(kHonest), kKey, report({{"Yields", TestStatus::passed}})),
            "G.Stops ran, but the report leaves it out");
  EXPECT_EQ(channel_disagreement("", kKey, report({{"Yields", TestStatus::passed}})),
            "no test ran while the program wrote its report");
}

TEST(ResultsChannel, ARunThatEndedBeforeItsTestsWereDoneDisagrees) {
  const std::vector<std::string> cut(kHonest.begin(), kHonest.end() - 1);
  EXPECT_EQ(
      channel_disagreement(lines(cut), kKey,
                           report({{"Yields", TestStatus::passed}, {"Stops", TestStatus::failed}})),
      "the program ended before its tests were done");
}

TEST(ResultsChannel, LinesWithoutTheKeyOutOfOrderOrOutOfPlaceAreNotTheTestkits) {
  const auto both = report({{"Yields", TestStatus::passed}, {"Stops", TestStatus::passed}});
  // Signed with another key: the forger does not have this run's.
  EXPECT_EQ(channel_disagreement(lines({"start G.Yields", "end G.Yields passed", "start G.Stops",
                                        "end G.Stops passed", "done 0"},
                                       "ffeeddccbbaa99887766554433221100"),
                                 kKey, both),
            "line 1 of the results channel was not written by the testkit");
  // The testkit's own lines, with a forged one slipped in: its number is taken.
  std::string forged = lines(kHonest);
  forged.insert(forged.find("4 done"), "4 end G.Stops passed 0123456789abcdef\n");
  EXPECT_EQ(channel_disagreement(forged, kKey, both),
            "line 5 of the results channel was not written by the testkit");
  // A line replayed: numbers are consecutive.
  const std::string first = lines({"start G.Yields"});
  EXPECT_EQ(channel_disagreement(first + first, kKey, both),
            "line 2 of the results channel was not written by the testkit");
  EXPECT_EQ(channel_disagreement(lines({"end G.Yields passed", "done 0"}), kKey, both),
            "the results channel has an event out of place: end G.Yields passed");
  EXPECT_EQ(channel_disagreement(lines(kHonest).substr(0, 10), kKey, both),
            "the results channel ends in the middle of a line");
  EXPECT_EQ(channel_disagreement(lines({"done 0", "start G.Yields"}), kKey, both),
            "the results channel has a line after the run was done");
}

TEST(Grading, AMissingBinaryIsAnErrorThatSaysWhere) {
  GradeOptions o;
  ExerciseReport r;
  grade_binary("/nonexistent/ch01-generators-ex1-exercise", o, r);
  EXPECT_EQ(r.verdict, Verdict::error);
  EXPECT_NE(r.message.find("/nonexistent/ch01-generators-ex1-exercise"), std::string::npos);
}

TEST(Grading, SanitizerReportsAreFoundAndSummarisedInOneLine) {
  EXPECT_EQ(sanitizer_finding("==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020\nmore"),
            "AddressSanitizer: heap-use-after-free on address 0x6020");
  EXPECT_EQ(sanitizer_finding("WARNING: ThreadSanitizer: data race (pid=7)\n"), "ThreadSanitizer: data race (pid=7)");
  EXPECT_EQ(sanitizer_finding("ex1.hpp:12:5: runtime error: signed integer overflow\n"),
            "UndefinedBehaviorSanitizer: runtime error: signed integer overflow at ex1.hpp:12:5");
  EXPECT_EQ(sanitizer_finding("[ RUN      ] A.B\n[       OK ] A.B\n"), "");
}

TEST(Grading, TheRunningTestIsTheLastRunLineWithoutAResult) {
  EXPECT_EQ(last_running_test("[ RUN      ] A.B\n[       OK ] A.B (1 ms)\n[ RUN      ] A.C\nboom\n"), "A.C");
  EXPECT_EQ(last_running_test("[ RUN      ] A.B\n[  FAILED  ] A.B (1 ms)\n"), "");
}
