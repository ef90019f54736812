#include <asynclings/testkit/requests.hpp>
#include <asynclings/todo.hpp>

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/system/system_error.hpp>

#include <regex>

namespace asynclings::testkit {

std::string delay_target(int ms) { return "/delay/" + std::to_string(ms) + "ms"; }

LeaseCalls find_lease_calls(const TraceView& trace) {
  LeaseCalls calls;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const auto& target = trace.records()[i].target;
    if (target.rfind("/lease/acquire", 0) == 0)
      calls.acquires.push_back(i);
    else if (target.rfind("/lease/release", 0) == 0)
      calls.releases.push_back(i);
    else if (target.rfind("/delay/", 0) == 0)
      calls.work.push_back(i);
  }
  return calls;
}

int lease_holders(client::BlockingClient client, const std::string& name) {
  const auto response = client.get("/lease?name=" + name);
  std::smatch m;
  if (std::regex_search(response.body, m, std::regex("\"holders\"\\s*:\\s*(-?\\d+)")))
    return std::stoi(m[1]);
  ADD_FAILURE() << "unexpected /lease answer: " << response.body;
  return -1;
}

bool is_operation_aborted(std::exception_ptr e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& error) {
    return error.code() == boost::asio::error::operation_aborted;
  } catch (...) {
    return false;
  }
}

bool is_cancellation(std::exception_ptr e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const boost::system::system_error& error) {
    return error.code() == boost::asio::error::operation_aborted ||
           error.code() == boost::asio::experimental::error::channel_cancelled;
  } catch (...) {
    return false;
  }
}

void rethrow_if_not_implemented(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const NotImplemented&) {
    throw;
  } catch (...) {
  }
}

}  // namespace asynclings::testkit
