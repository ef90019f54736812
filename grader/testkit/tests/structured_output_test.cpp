// What a chapter test binary leaves in --gtest_output=json, the grader's only source:
// runs testkit_diagnosis_probe (see diagnosis_probe.cpp) and reads its report.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

class StructuredOutput : public ::testing::Test {
 protected:
  // One probe run for the whole suite: twice over (--gtest_repeat=2), so the report shows the
  // second iteration, where a diagnosis remembered from the first would be missing.
  static void SetUpTestSuite() {
    const fs::path report =
        fs::temp_directory_path() / ("asynclings-probe-" + std::to_string(getpid()) + ".json");
    const std::string command = std::string{"'"} + ASYNCLINGS_DIAGNOSIS_PROBE +
                                "' --gtest_repeat=2 --gtest_output=json:" + report.string() +
                                " >/dev/null 2>&1";
    status_ = std::system(command.c_str());
    std::ifstream in{report};
    report_ = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json{};
    fs::remove(report);
  }

  // The report's entry for <suite>.<name>; null when the probe did not report it.
  static nlohmann::json test(const std::string& suite, const std::string& name) {
    for (const auto& s : report_.value("testsuites", nlohmann::json::array())) {
      if (s.value("name", "") != suite) continue;
      for (const auto& t : s.value("testsuite", nlohmann::json::array())) {
        if (t.value("name", "") == name) return t;
      }
    }
    return nullptr;
  }

  static inline int status_ = 0;
  static inline nlohmann::json report_;
};

TEST_F(StructuredOutput, ProbeExitsWithGoogleTestsFailureCode) {
  ASSERT_TRUE(WIFEXITED(status_)) << "the probe did not exit normally (status " << status_ << ")";
  EXPECT_EQ(WEXITSTATUS(status_), 1);
}

TEST_F(StructuredOutput, CarriesTheDiagnosisItsDetailAndTheFailure) {
  auto t = test("Probe", "DiagnosesAMistake");
  ASSERT_TRUE(t.is_object()) << report_.dump(2);
  EXPECT_EQ(t.value("diagnosis", ""), "probe-mistake");
  EXPECT_EQ(t.value("diagnosis_detail", ""), "the probe diagnoses on purpose");
  ASSERT_TRUE(t.contains("failures"));
  EXPECT_NE(t["failures"].dump().find("[diagnosis probe-mistake]"), std::string::npos)
      << t["failures"].dump(2);
}

TEST_F(StructuredOutput, CarriesFiguresAsJsonObjects) {
  auto t = test("Probe", "DiagnosesAMistake");
  ASSERT_TRUE(t.is_object()) << report_.dump(2);
  auto figure = nlohmann::json::parse(t.value("figure.wall_ms", ""), nullptr, false);
  EXPECT_EQ(figure, (nlohmann::json{{"value", 212.0}, {"unit", "ms"}, {"expected", "<= 400"}}));
}

TEST_F(StructuredOutput, LeavesTheNextTestWithoutADiagnosis) {
  auto t = test("Probe", "StartsWithoutTheDiagnosisOfTheTestBefore");
  ASSERT_TRUE(t.is_object()) << report_.dump(2);
  EXPECT_FALSE(t.contains("failures")) << t.dump(2);
  EXPECT_FALSE(t.contains("diagnosis")) << t.dump(2);
}

TEST_F(StructuredOutput, CarriesTheTraceOfAServerTestsRequests) {
  auto t = test("ProbeServer", "AttachesTheTraceOfItsRequests");
  ASSERT_TRUE(t.is_object()) << report_.dump(2);
  EXPECT_FALSE(t.contains("failures")) << t.dump(2);
  auto trace = nlohmann::json::parse(t.value("trace", ""), nullptr, false);
  ASSERT_TRUE(trace.contains("requests")) << t.dump(2);
  ASSERT_EQ(trace["requests"].size(), 1u) << trace.dump(2);
  EXPECT_EQ(trace["requests"][0].value("target", ""), "/get");
  EXPECT_EQ(trace["requests"][0].value("outcome", ""), "completed");
}

}  // namespace
