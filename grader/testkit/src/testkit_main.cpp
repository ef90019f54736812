// The main() of every chapter test binary.
#include <gtest/gtest.h>

#include <csignal>

int main(int argc, char** argv) {
  // Writing to a socket the peer closed raises SIGPIPE, whose default action kills the
  // process: a student's half-closed connection must fail one test, not the whole binary.
  std::signal(SIGPIPE, SIG_IGN);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
