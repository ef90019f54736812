// What testkit_main.cpp's main() sets up before the tests run.
#include <gtest/gtest.h>

#include <csignal>

namespace {

TEST(TestkitMain, IgnoresSigpipeSoAClosedSocketCannotKillTheBinary) {
  struct sigaction current {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &current), 0);
  EXPECT_EQ(current.sa_handler, SIG_IGN);
}

}  // namespace
