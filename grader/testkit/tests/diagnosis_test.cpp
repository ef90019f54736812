// figure() and diagnose() in process: the failures diagnose() reports are intercepted (so
// these tests pass), the properties are read back from the running test's own result.
#include <asynclings/testkit/diagnosis.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace {

using namespace asynclings::testkit;

std::optional<std::string> property(const std::string& key) {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  for (int i = 0; i < result->test_property_count(); ++i) {
    const auto& p = result->GetTestProperty(i);
    if (p.key() == key) return p.value();
  }
  return std::nullopt;
}

// Runs <action> with this thread's test failures captured instead of reported.
template <typename F>
std::vector<::testing::TestPartResult> captured_failures(F action) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    action();
  }
  std::vector<::testing::TestPartResult> out;
  for (int i = 0; i < failures.size(); ++i) out.push_back(failures.GetTestPartResult(i));
  return out;
}

TEST(Figure, RecordsValueUnitAndExpectationAsAJsonProperty) {
  figure("wall_ms", 212.5, "ms", "<= 400");
  auto recorded = property("figure.wall_ms");
  ASSERT_TRUE(recorded.has_value());
  auto json = nlohmann::json::parse(*recorded);
  EXPECT_DOUBLE_EQ(json.at("value").get<double>(), 212.5);
  EXPECT_EQ(json.at("unit"), "ms");
  EXPECT_EQ(json.at("expected"), "<= 400");
}

TEST(Diagnose, FailsTheTestNonFatallyAtTheCallersLine) {
  int line = 0;
  auto failures = captured_failures([&] {
    line = __LINE__ + 1;
    diagnose("sequential-awaits", "requests ran one after another");
  });
  ASSERT_EQ(failures.size(), 1u);
  const auto& failure = failures[0];
  EXPECT_TRUE(failure.nonfatally_failed());
  EXPECT_STREQ(failure.file_name(), __FILE__);
  EXPECT_EQ(failure.line_number(), line);
  EXPECT_STREQ(failure.message(), "[diagnosis sequential-awaits] requests ran one after another");
}

TEST(Diagnose, RecordsTheDiagnosisAndItsDetailAsProperties) {
  EXPECT_FALSE(has_diagnosis());
  captured_failures([] { diagnose("eager-start", "the coroutine ran before it was awaited"); });
  EXPECT_TRUE(has_diagnosis());
  EXPECT_EQ(property(kDiagnosisProperty), "eager-start");
  EXPECT_EQ(property(kDiagnosisDetailProperty), "the coroutine ran before it was awaited");
}

TEST(Diagnose, KeepsTheFirstDiagnosisButReportsEveryFailure) {
  auto failures = captured_failures([] {
    diagnose("most-specific", "first finding");
    diagnose("less-specific", "second finding");
  });
  EXPECT_EQ(failures.size(), 2u);
  EXPECT_EQ(property(kDiagnosisProperty), "most-specific");
  EXPECT_EQ(property(kDiagnosisDetailProperty), "first finding");
}

TEST(Diagnose, StartsEveryTestWithoutADiagnosis) {
  // Runs after tests that diagnosed; in a single process (plain gtest run, --gtest_repeat)
  // a diagnosis leaking from one test to the next would show here.
  EXPECT_FALSE(has_diagnosis());
  EXPECT_FALSE(property(kDiagnosisProperty).has_value());
}

}  // namespace
