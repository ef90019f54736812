#include "in_flight.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace course_table {
namespace {

nlohmann::json record(double arrival_ms, nlohmann::json finish_ms) {
  return {{"arrival_ms", arrival_ms}, {"finish_ms", std::move(finish_ms)}};
}

TEST(PeakInFlight, CountsRequestsThatFollowEachOtherAsOne) {
  // The next request arrives at the very moment the previous one finishes: no overlap.
  const nlohmann::json trace = {record(0, 200), record(200, 400), record(401, 600)};
  EXPECT_EQ(peak_in_flight(trace), 1u);
}

TEST(PeakInFlight, CountsRequestsHeldTogetherAsMany) {
  const nlohmann::json trace = {record(0, 200), record(1, 201), record(2, 202), record(150, 300),
                                record(250, 260)};
  EXPECT_EQ(peak_in_flight(trace), 4u);
}

TEST(PeakInFlight, KeepsUnfinishedRequestsInFlightToTheEnd) {
  const nlohmann::json trace = {record(0, nullptr), record(500, 600), record(700, nullptr)};
  EXPECT_EQ(peak_in_flight(trace), 2u);
}

TEST(PeakInFlight, RejectsATraceWithoutArrivalTimes) {
  EXPECT_THROW(peak_in_flight(nlohmann::json::array({{{"finish_ms", 3}}})), std::invalid_argument);
  EXPECT_THROW(peak_in_flight(nlohmann::json::object()), std::invalid_argument);
  EXPECT_EQ(peak_in_flight(nlohmann::json::array()), 0u);
}

}  // namespace
}  // namespace course_table
