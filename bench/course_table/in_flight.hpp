// How many requests the server held at once, read from its own trace (GET /trace?tag=…):
// the evidence that a concurrent run really overlapped and a sequential one never did.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>

namespace course_table {

// <requests> is the "requests" array of the trace: each record's [arrival_ms, finish_ms]
// is an interval, and a record without finish_ms is still in flight. A request that
// arrives at the very moment another finishes does not overlap it. Throws
// std::invalid_argument when a record has no numeric arrival_ms.
std::size_t peak_in_flight(const nlohmann::json& requests);

}  // namespace course_table
