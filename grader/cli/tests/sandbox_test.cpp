// The sandbox against programs that misbehave on purpose (helpers/hostile.cpp): each gets
// the right ending, within its time limit, and leaves no process behind.
#include "sandbox/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

using namespace asynclings::grader;
using namespace std::chrono_literals;

namespace {

struct Sandbox : ::testing::Test {
  static void SetUpTestSuite() { ASSERT_TRUE(become_subreaper()); }
  std::filesystem::path pid_file = std::filesystem::temp_directory_path() /
      ("grader-hostile-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void TearDown() override { std::filesystem::remove(pid_file); }

  RunResult run(const std::string& mode, std::chrono::milliseconds limit = 10s, std::size_t cap = 4096) {
    RunOptions o;
    o.time_limit = limit;
    o.output_cap = cap;
    return run_process({GRADER_HOSTILE, mode, pid_file.string()}, o);
  }
  pid_t pid_from_file() const {
    pid_t pid = 0;
    std::ifstream(pid_file) >> pid;
    return pid;
  }
  // Nothing of the run is left: not its group, not any descendant of ours.
  void expect_nothing_left(const RunResult& r) const {
    EXPECT_TRUE(processes_in_group(r.pid).empty()) << "processes left in group " << r.pid;
    EXPECT_TRUE(descendants_of(getpid()).empty()) << descendants_of(getpid()).size() << " descendants left";
    EXPECT_FALSE(process_alive(r.pid));
  }
};

}  // namespace

TEST_F(Sandbox, AProgramThatExitsNormallyReportsItsExitCodeAndOutput) {
  RunOptions o;
  const auto r = run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, o);
  EXPECT_EQ(r.ending, Ending::exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AProgramSilentForSecondsStillGetsATickEverySecond) {
  RunOptions o;
  int ticks = 0;
  o.on_tick = [&ticks] { ++ticks; };
  const auto r = run_process({"/bin/sh", "-c", "sleep 2.5"}, o);
  EXPECT_EQ(r.ending, Ending::exited);
  // 2.5 s of silence: ticks at about 1 s and 2 s; never more than one a second of the run.
  EXPECT_GE(ticks, 2);
  EXPECT_LE(ticks, static_cast<int>(r.elapsed.count() / 1000));
  expect_nothing_left(r);
}

TEST_F(Sandbox, TheChannelPipeIsTheAgreedDescriptorAndApartFromTheOutput) {
  RunOptions o;
  o.channel_fd = 3;
  const auto r = run_process({"/bin/sh", "-c", "echo on-the-channel >&3; echo printed"}, o);
  EXPECT_TRUE(r.exited_ok()) << r.error << r.output;
  EXPECT_EQ(r.channel, "on-the-channel\n");
  EXPECT_EQ(r.output, "printed\n");
  o.channel_cap = 4;
  const auto capped = run_process({"/bin/sh", "-c", "echo on-the-channel >&3"}, o);
  EXPECT_EQ(capped.channel, "on-t");
  EXPECT_TRUE(capped.channel_truncated);
  EXPECT_TRUE(run_process({"/bin/sh", "-c", "echo x"}, RunOptions{}).channel.empty());
}

TEST_F(Sandbox, AConfinedProgramWritesOnlyInItsFolderAndCannotSignalTheGrader) {
  const Confinement here = confinement();
  if (!here.writes_confined())
    GTEST_SKIP() << "no Landlock on this machine: nothing confines the writes";
  const auto dir =
      std::filesystem::temp_directory_path() / ("grader-confined-" + std::to_string(getpid()));
  const auto outside =
      std::filesystem::temp_directory_path() / ("grader-outside-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  RunOptions o;
  o.writable_dir = dir;
  const auto inside = run_process(
      {"/bin/sh", "-c", "echo in > '" + dir.string() + "/file' && echo ok > /dev/null"}, o);
  EXPECT_TRUE(inside.exited_ok()) << inside.error << inside.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "file"));
  const auto out = run_process({"/bin/sh", "-c", "echo out > '" + outside.string() + "'"}, o);
  EXPECT_EQ(out.ending, Ending::exited);
  EXPECT_NE(out.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(outside));
  // Unconfined, the same command writes there: the refusal above is the sandbox's.
  EXPECT_TRUE(run_process({"/bin/sh", "-c", "echo out > '" + outside.string() + "'"}, RunOptions{})
                  .exited_ok());
  EXPECT_TRUE(std::filesystem::exists(outside));
  if (here.signals_confined()) {
    // SIGCONT does nothing to a running process: only whether it may be sent is seen.
    const auto signal = run_process({"/bin/sh", "-c", "kill -CONT " + std::to_string(getpid())}, o);
    EXPECT_NE(signal.exit_code, 0) << signal.output;
    EXPECT_TRUE(
        run_process({"/bin/sh", "-c", "kill -CONT " + std::to_string(getpid())}, RunOptions{})
            .exited_ok());
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove(outside);
}

TEST_F(Sandbox, AProgramThatCannotBeStartedIsReportedAsSuchWithTheReason) {
  RunOptions o;
  const auto r = run_process({"/nonexistent/program"}, o);
  EXPECT_EQ(r.ending, Ending::failed_to_start);
  EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;
}

TEST_F(Sandbox, AnInfiniteLoopIsKilledAtTheTimeLimit) {
  const auto r = run("loop", 1s);
  EXPECT_EQ(r.ending, Ending::timed_out);
  EXPECT_GE(r.elapsed, 1s);
  EXPECT_LT(r.elapsed, 4s);
  EXPECT_NE(r.output.find("[ RUN      ] Hostile.Second"), std::string::npos);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AProgramSleepingForeverIsKilledAtTheTimeLimit) {
  const auto r = run("sleep", 500ms);
  EXPECT_EQ(r.ending, Ending::timed_out);
  EXPECT_LT(r.elapsed, 3s);
  expect_nothing_left(r);
}

TEST_F(Sandbox, ASegfaultIsReportedAsSIGSEGV) {
  const auto r = run("segv");
  EXPECT_EQ(r.ending, Ending::signaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(signal_name(r.signal).rfind("SIGSEGV", 0), 0u) << signal_name(r.signal);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AnAbortIsReportedAsSIGABRT) {
  const auto r = run("abort");
  EXPECT_EQ(r.ending, Ending::signaled);
  EXPECT_EQ(r.signal, SIGABRT);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AnExceptionEscapingMainIsReportedAsSIGABRTWithTerminatesMessage) {
  const auto r = run("terminate");
  EXPECT_EQ(r.ending, Ending::signaled);
  EXPECT_EQ(r.signal, SIGABRT);
  EXPECT_NE(r.output.find("terminate called"), std::string::npos) << r.output;
}

TEST_F(Sandbox, AChildLeftRunningInTheGroupIsKilledAndReaped) {
  const auto r = run("orphan");
  EXPECT_EQ(r.ending, Ending::exited);
  EXPECT_EQ(r.exit_code, 0);
  const pid_t child = pid_from_file();
  ASSERT_GT(child, 0);
  EXPECT_FALSE(process_alive(child)) << "child " << child << " survived";
  EXPECT_GE(r.stray_processes_killed, 1);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AGrandchildThatLeftTheGroupWithSetsidIsStillKilled) {
  const auto r = run("escape");
  EXPECT_EQ(r.ending, Ending::exited);
  // The grandchild writes its pid just before its parent exits; give the file a moment.
  pid_t grandchild = 0;
  for (int i = 0; i < 100 && (grandchild = pid_from_file()) <= 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_GT(grandchild, 0);
  EXPECT_FALSE(process_alive(grandchild)) << "grandchild " << grandchild << " survived";
  expect_nothing_left(r);
}

TEST_F(Sandbox, AFloodOfOutputIsCappedToItsFirstAndLastKilobytes) {
  const auto r = run("flood", 30s, 4096);
  EXPECT_EQ(r.ending, Ending::exited);
  EXPECT_TRUE(r.output_truncated);
  EXPECT_GE(r.output_bytes, 64u << 20);
  EXPECT_LT(r.output.size(), 3u * 4096);
  EXPECT_EQ(r.output.rfind("FIRST LINE", 0), 0u);
  EXPECT_NE(r.output.find("LAST LINE"), std::string::npos);
  EXPECT_NE(r.output.find("bytes of output omitted"), std::string::npos);
  expect_nothing_left(r);
}

TEST_F(Sandbox, AllocatingTwentyGigabytesFailsAgainstTheAddressSpaceLimit) {
  const auto r = run("hog", 20s);
  // new throws std::bad_alloc, which escapes main: SIGABRT (not the time limit, not exit 0).
  EXPECT_EQ(r.ending, Ending::signaled);
  EXPECT_EQ(r.signal, SIGABRT);
  EXPECT_NE(r.output.find("bad_alloc"), std::string::npos) << r.output;
  expect_nothing_left(r);
}

TEST_F(Sandbox, SixHundredForkedProcessesAreAllKilledAtTheTimeLimit) {
  const auto r = run("fork_many", 2s);
  EXPECT_EQ(r.ending, Ending::timed_out);
  expect_nothing_left(r);
}

TEST_F(Sandbox, TheChildRunsUnderLimitsOnMemoryFilesProcessesAndCpu) {
  RunOptions o;
  o.time_limit = 7s;
  o.extra_processes = 50;
  const auto r = run_process({"/bin/sh", "-c", "ulimit -v; ulimit -f; ulimit -n; ulimit -t; ulimit -p"}, o);
  ASSERT_EQ(r.ending, Ending::exited) << r.output;
  std::istringstream in(r.output);
  std::string as, fsize, nofile, cpu, nproc;
  in >> as >> fsize >> nofile >> cpu >> nproc;
  EXPECT_EQ(as, std::to_string(4ull << 20));       // KiB
  EXPECT_EQ(fsize, std::to_string((64ull << 20) / 512)) << "ulimit -f counts 512-byte blocks in dash";
  EXPECT_EQ(nofile, "4096");
  EXPECT_EQ(cpu, "9");  // time limit + 2 s
  ASSERT_NE(nproc, "unlimited");
  EXPECT_GT(std::stoull(nproc), 50u);
}

TEST_F(Sandbox, TheChildIsInItsOwnProcessGroup) {
  RunOptions o;
  const auto r = run_process({"/bin/sh", "-c", "ps -o pgid= -p $$"}, o);
  ASSERT_EQ(r.ending, Ending::exited);
  EXPECT_EQ(std::stoi(r.output), r.pid);
  EXPECT_NE(r.pid, getpgrp());
}

TEST_F(Sandbox, InterruptingTheGraderKillsTheRunningGroupAtOnce) {
  std::thread interrupter([] {
    std::this_thread::sleep_for(300ms);
    raise(SIGINT);  // as Ctrl-C would
  });
  install_interrupt_handlers();
  const auto r = run("sleep", 30s);
  interrupter.join();
  clear_interrupt();
  EXPECT_EQ(r.ending, Ending::interrupted);
  EXPECT_LT(r.elapsed, 5s);
  expect_nothing_left(r);
}
