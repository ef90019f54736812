// The fixture against the real in-process delay server.
#include <asynclings/testkit/server_test.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>

#include <thread>

namespace {

using namespace asynclings;
using namespace asynclings::testkit;
using namespace std::chrono_literals;

class ServerTestFixture : public ServerTest {};

TEST_F(ServerTestFixture, GivesEachTestATagNamedAfterItself) {
  EXPECT_THAT(tag(), ::testing::StartsWith("ServerTestFixture.GivesEachTestATagNamedAfterItself#"));
  EXPECT_EQ(address().tag, tag());
  EXPECT_EQ(address().host, "127.0.0.1");
  EXPECT_NE(address().port, 0);
  EXPECT_EQ(address().port, shared_server().port());
}

TEST_F(ServerTestFixture, SeesOnlyItsOwnRequestsInItsTrace) {
  EXPECT_EQ(blocking_client().get("/delay/20ms").status, 200);
  client::BlockingClient other{client::ServerAddress{"127.0.0.1", shared_server().port(), tag() + "x"}};
  EXPECT_EQ(other.get("/get").status, 200);

  auto t = trace(1);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.records()[0].target, "/delay/20ms");
  EXPECT_EQ(t.records()[0].outcome, Outcome::completed);
  EXPECT_GE(t.arrival_ms(0), 0.0);
  EXPECT_GE(t.duration_ms(0), 20.0);
}

TEST_F(ServerTestFixture, RunsACoroutineAgainstTheServerToCompletion) {
  auto response = run(async_client().get("/delay/30ms"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(trace(1).size(), 1u);
}

TEST_F(ServerTestFixture, ThrowsWhenACoroutineOutlivesItsLimit) {
  EXPECT_THROW(run(async_client().get("/delay/2"), 50ms), std::runtime_error);
}

TEST_F(ServerTestFixture, WaitsForExpectedRequestsThatAreStillOnTheirWay) {
  std::thread later([client = blocking_client()] {
    std::this_thread::sleep_for(100ms);
    client.get("/get");
  });
  auto t = trace(1);
  later.join();
  EXPECT_EQ(t.size(), 1u);
}

TEST_F(ServerTestFixture, ReportsRequestsTheServerNeverSaw) {
  EXPECT_NONFATAL_FAILURE(trace(2, 100ms), "the server saw 0 of 2 expected requests");
}

TEST_F(ServerTestFixture, ReportsRequestsStillInProgressWhenTheWaitEnds) {
  std::thread slow([client = blocking_client()] { client.get("/delay/500ms"); });
  ASSERT_TRUE(shared_server().trace().wait_count(tag(), 1, 5s));
  EXPECT_NONFATAL_FAILURE(trace(1, 100ms), "requests still in progress after 100 ms");
  slow.join();
}

}  // namespace

namespace {

boost::asio::awaitable<int> one() { co_return 1; }

TEST_F(ServerTestFixture, ReportsACoroutineTheLoopAbandonsAsNeverFinishing) {
  // An empty vector parallel group never completes in Boost 1.81: the classic abandoned wait.
  using Op = decltype(boost::asio::co_spawn(std::declval<boost::asio::any_io_executor>(),
                                            one(), boost::asio::deferred));
  auto empty_group = []() -> boost::asio::awaitable<int> {
    std::vector<Op> none;
    auto group = boost::asio::experimental::make_parallel_group(std::move(none));
    co_await group.async_wait(boost::asio::experimental::wait_for_all(), boost::asio::use_awaitable);
    co_return 0;
  };
  try {
    run(empty_group(), 5s);
    FAIL() << "expected the run to report a coroutine that can never finish";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("can never finish"));
  }
}

}  // namespace
