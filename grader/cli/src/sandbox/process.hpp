// Running a program the grader does not trust: its own process group, resource limits, a
// time limit, captured and capped output, and nothing left behind afterwards.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace asynclings::grader {

struct RunOptions {
  std::chrono::milliseconds time_limit{60'000};
  // Apply the rlimits below (the build runs with sandbox = false but still in its own group).
  bool sandbox = true;
  // Bytes of output kept from the start and from the end; 0 keeps everything.
  std::size_t output_cap = 4096;
  std::uint64_t address_space_bytes = 4ull << 30;
  std::uint64_t file_size_bytes = 64ull << 20;
  std::uint64_t open_files = 4096;
  // Processes the run may add on top of what the user already runs (RLIMIT_NPROC).
  std::uint64_t extra_processes = 256;
  std::filesystem::path working_dir;  // empty: the grader's
  std::vector<std::string> extra_env;  // NAME=value, added to the grader's environment
  // Told every chunk of output as it arrives (the build's progress bar reads ninja's lines).
  std::function<void(std::string_view)> on_output;
  // Called about once a second while the program runs, output or not: a progress display
  // redraws its clock with it (a step of a build can take a minute without a line).
  std::function<void()> on_tick;
  // A second pipe from the program, apart from its output: the child gets its write end as
  // this descriptor (-1: none); what arrives is in RunResult::channel (the results channel,
  // grader/testkit/include/asynclings/testkit/results_channel.hpp).
  int channel_fd = -1;
  std::size_t channel_cap = 1 << 20;  // bytes kept; what comes after is dropped (channel_truncated)
  // Confine the program (graded runs): no new privileges (no set-user-ID gains), and where the
  // kernel has Landlock, writes only beneath this folder (and to devices such as /dev/null),
  // and from Landlock ABI 6 no signal to any process outside its own sandbox (the grader).
  // Empty: not confined. See confinement() for what this machine supports.
  std::filesystem::path writable_dir;
};

// What a confined run gets on this machine (`grader doctor` says it).
struct Confinement {
  bool no_new_privs = true;  // prctl(PR_SET_NO_NEW_PRIVS), Linux 3.5
  int landlock_abi = 0;      // 0: no Landlock (kernel without it, or not enabled at boot)
  bool writes_confined() const { return landlock_abi >= 1; }
  bool signals_confined() const { return landlock_abi >= 6; }
  // ptrace of a process outside the sandbox is refused from Landlock ABI 1 on.
  bool tracing_confined() const { return landlock_abi >= 1; }
};
Confinement confinement();

enum class Ending {
  exited,           // exit_code is valid
  signaled,         // killed by signal (not by us)
  timed_out,        // we killed it at the time limit
  interrupted,      // we killed it because the grader was interrupted (Ctrl-C, SIGTERM)
  failed_to_start,  // error says why
};

struct RunResult {
  Ending ending = Ending::failed_to_start;
  int exit_code = -1;
  int signal = 0;
  std::string output;           // stdout and stderr interleaved, capped (see truncated)
  std::size_t output_bytes = 0; // everything the program wrote
  bool output_truncated = false;
  std::string channel;  // what came through the channel pipe while the program ran
  bool channel_truncated = false;
  std::string
      confinement_error;  // why a confined run's sandbox could not be set up (it did not run)
  std::chrono::milliseconds elapsed{0};
  pid_t pid = 0;                   // the child (also its process group id)
  int stray_processes_killed = 0;  // left running after the main process ended
  std::string error;

  bool exited_ok() const { return ending == Ending::exited && exit_code == 0; }
};

RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options);

// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants come back to us to be reaped.
bool become_subreaper();

// SIGINT, SIGTERM and SIGHUP set a flag that a running run_process notices (it kills its
// child's group and returns Ending::interrupted); interrupted() reads the flag.
void install_interrupt_handlers();
bool interrupted();
int interrupt_signal();
void clear_interrupt();  // for tests

// "SIGSEGV (Segmentation fault)"
std::string signal_name(int signal);

// Every live process descending from <pid> (children, grandchildren…), from /proc.
std::vector<pid_t> descendants_of(pid_t pid);
// Live processes (not zombies) whose process group is <pgid>.
std::vector<pid_t> processes_in_group(pid_t pgid);
// The process exists and is not a zombie.
bool process_alive(pid_t pid);

}  // namespace asynclings::grader
