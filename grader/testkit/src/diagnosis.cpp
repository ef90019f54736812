#include <asynclings/testkit/diagnosis.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string_view>

namespace asynclings::testkit {

void figure(const std::string& name, double value, const std::string& unit,
            const std::string& expected) {
  const nlohmann::json figure{{"value", value}, {"unit", unit}, {"expected", expected}};
  ::testing::Test::RecordProperty(kFigurePropertyPrefix + name, figure.dump());
}

void diagnose(const std::string& name, const std::string& explanation,
              std::source_location where) {
  if (!has_diagnosis()) {
    ::testing::Test::RecordProperty(kDiagnosisProperty, name);
    ::testing::Test::RecordProperty(kDiagnosisDetailProperty, explanation);
  }
  const std::string message = "[diagnosis " + name + "] " + explanation;
  GTEST_MESSAGE_AT_(where.file_name(), static_cast<int>(where.line()), message.c_str(),
                    ::testing::TestPartResult::kNonFatalFailure);
}

void diagnose(const diagnoses::Diagnosis& diagnosis, std::source_location where) {
  diagnose(std::string(diagnosis.name), std::string(diagnosis.explanation), where);
}

void diagnose(const diagnoses::Diagnosis& diagnosis, const std::string& explanation,
              std::source_location where) {
  diagnose(std::string(diagnosis.name), explanation, where);
}

bool has_diagnosis() {
  // The current test's own result is the record: GoogleTest clears it for every test and
  // every --gtest_repeat iteration, so no state of ours can go stale.
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return false;
  const auto* result = test->result();
  for (int i = 0; i < result->test_property_count(); ++i) {
    if (std::string_view{result->GetTestProperty(i).key()} == kDiagnosisProperty) return true;
  }
  return false;
}

}  // namespace asynclings::testkit
