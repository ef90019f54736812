// Request patterns the chapters' tests share: the delay server's targets, where a lease's
// requests stand in a trace and how many hold it, and the two questions tests ask of an
// exception an awaitable ended with.
#pragma once

#include <asynclings/client/blocking_client.hpp>
#include <asynclings/testkit/trace_view.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <vector>

namespace asynclings::testkit {

// "/delay/<ms>ms": a request the delay server answers after <ms>.
std::string delay_target(int ms);

// Where a lease's requests are in a trace (indexes into records(), in arrival order): its
// /lease/acquire and /lease/release calls, and the work done under it (/delay/…).
struct LeaseCalls {
  std::vector<std::size_t> acquires, releases, work;
};
LeaseCalls find_lease_calls(const TraceView& trace);

// How many hold the lease <name> now, as the server says (GET /lease?name=…); -1, and a
// test failure naming the answer, when the answer holds no count. The request is traced:
// ask after taking the trace.
int lease_holders(client::BlockingClient client, const std::string& name);

// Whether <e> is a boost::system::system_error with operation_aborted (a cancellation);
// false for no exception.
bool is_operation_aborted(std::exception_ptr e);

// Whether <e> says a wait was cancelled: operation_aborted, or channel_cancelled (what a
// channel's async_receive ends with when its caller is cancelled); false for no exception.
bool is_cancellation(std::exception_ptr e);

// Rethrows <e> when it is a stub's NotImplemented, so the test fails as "not started";
// any other exception (or none) is left to the test.
void rethrow_if_not_implemented(std::exception_ptr e);

}  // namespace asynclings::testkit
