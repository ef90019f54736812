// A chapter-style test binary whose first test fails on purpose with a diagnosis.
// structured_output_test.cpp runs it and reads its --gtest_output=json.
#include <asynclings/testkit/server_test.hpp>

namespace {

using namespace asynclings::testkit;

TEST(Probe, DiagnosesAMistake) {
  figure("wall_ms", 212, "ms", "<= 400");
  diagnose("probe-mistake", "the probe diagnoses on purpose");
}

TEST(Probe, StartsWithoutTheDiagnosisOfTheTestBefore) { EXPECT_FALSE(has_diagnosis()); }

class ProbeServer : public ServerTest {};

TEST_F(ProbeServer, AttachesTheTraceOfItsRequests) {
  EXPECT_EQ(blocking_client().get("/get").status, 200);
}

}  // namespace
