// Out of file descriptors, the server reports the limit and keeps serving: connections it
// cannot accept yet wait in the backlog until earlier ones close.
#include <asynclings/client/blocking_client.hpp>

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
  FILE* err = nullptr;
};

// Starts the delayserver program with a hard open-file limit of <limit>.
Child start_server_with_fd_limit(rlim_t limit) {
  int out[2], err[2];
  EXPECT_EQ(pipe(out), 0);
  EXPECT_EQ(pipe(err), 0);
  Child child;
  child.pid = fork();
  if (child.pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    rlimit r{limit, limit};
    setrlimit(RLIMIT_NOFILE, &r);
    execl(DELAYSERVER_PATH, "delayserver", "--quiet", "--port", "0", nullptr);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  child.out = fdopen(out[0], "r");
  child.err = fdopen(err[0], "r");
  return child;
}

TEST(FileDescriptorLimit, ServerReportsTheLimitAndServesEveryoneOnceDescriptorsFree) {
  Child server = start_server_with_fd_limit(24);
  char line[256] = {};
  ASSERT_NE(fgets(line, sizeof line, server.out), nullptr);
  unsigned port = 0;
  ASSERT_EQ(sscanf(strstr(line, "127.0.0.1:"), "127.0.0.1:%u", &port), 1) << line;

  // 40 clients at once against ~16 usable descriptors.
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 40; ++i) {
    clients.emplace_back([&] {
      asynclings::client::BlockingClient http{{"127.0.0.1", static_cast<std::uint16_t>(port), "fd"},
                                              std::chrono::seconds{20}};
      try {
        if (http.get("/delay/200ms").status == 200) ++ok;
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok.load(), 40) << "every client is served once descriptors free up";

  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << "the server must not crash";
  std::string errors;
  while (fgets(line, sizeof line, server.err)) errors += line;
  EXPECT_NE(errors.find("open-file limit is 24"), std::string::npos) << errors;
}

}  // namespace
