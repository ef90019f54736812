// The delayserver program's live log: one line per request whatever bytes the client sent.
#include <asynclings/client/blocking_client.hpp>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

TEST(DelayServerProgram, LogLinesEscapeTheClientsBytes) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    execl(DELAYSERVER_PATH, "delayserver", "--port", "0", nullptr);
    _exit(127);
  }
  close(out[1]);
  FILE* log = fdopen(out[0], "r");
  char line[4096] = {};
  ASSERT_NE(fgets(line, sizeof line, log), nullptr);
  unsigned port = 0;
  ASSERT_EQ(sscanf(strstr(line, "127.0.0.1:"), "127.0.0.1:%u", &port), 1) << line;

  asynclings::client::BlockingClient http{{"127.0.0.1", static_cast<std::uint16_t>(port), ""}};
  // A terminal escape, a forged second line and a byte that is not UTF-8, in tag and target.
  EXPECT_EQ(http.get("/get?tag=%1B%5B2J%0D%0A%20%20%20%201.0%20ms%20%20%23999%20GET%20/forged%FF").status, 200);
  EXPECT_EQ(http.get("/status/204").status, 204);
  // A request's line is printed once it has ended, which can be just after the client has
  // its response: read the two lines before stopping the server, then whatever else came.
  std::string rest;
  int lines = 0;
  while (lines < 2 && fgets(line, sizeof line, log)) {
    rest += line;
    ++lines;
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  while (fgets(line, sizeof line, log)) {
    rest += line;
    ++lines;
  }
  fclose(log);
  EXPECT_EQ(lines, 2) << "one line per request:\n" << rest;
  EXPECT_EQ(rest.find('\x1B'), std::string::npos) << rest;
  EXPECT_EQ(rest.find('\xFF'), std::string::npos) << rest;
  EXPECT_NE(rest.find("\\x1B[2J\\x0D\\x0A    1.0 ms  #999 GET /forged\\xFF"), std::string::npos) << rest;
}

}  // namespace
