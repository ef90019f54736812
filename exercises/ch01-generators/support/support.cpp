// The instantiations ch01's tests share, compiled once for every ch01 test: each is declared
// `extern template` in the test that uses it, so an edit to an exercise does not compile it again.
#include <asynclings/testkit/server_test.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>

// ex3_task_test.cpp: run(ch01::fetch_status(...)).
template int asynclings::testkit::ServerTest::run(boost::asio::awaitable<int>,
                                                  std::chrono::milliseconds);
