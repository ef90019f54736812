// The two C++ subjects of the course's table, written out here so that what is timed is in
// plain sight:
//
//   course (Python)                                   here (C++)
//   for i in range(n): requests.get(url)              sequential_requests: BlockingClient::get
//   async with httpx.AsyncClient() as client:         concurrent_requests: n AsyncClient::get
//       await asyncio.gather(*[client.get(url)…])       in one parallel group, one io_context,
//                                                       run by the calling thread
//
// Both return the wall time in seconds and throw std::runtime_error naming the first
// request that failed (no response, or a status other than 200).
#pragma once

#include <asynclings/client/async_client.hpp>
#include <asynclings/client/blocking_client.hpp>

#include <string>

namespace course_table {

double sequential_requests(const asynclings::client::BlockingClient& client, const std::string& target, int n);
double concurrent_requests(const asynclings::client::AsyncClient& client, const std::string& target, int n);

}  // namespace course_table
