// Running N jobs at once, each in a worker process of its own (grade-batch grades its
// submissions with it).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace asynclings::grader {

struct WorkerOutcome {
  bool started = false;    // false: never started (the batch was interrupted first)
  bool completed = false;  // the job returned; payload is what it returned
  std::string payload;
  std::string error;       // when not completed: the job's exception, or how its worker died
  std::chrono::milliseconds elapsed{0};
};

struct WorkerJobs {
  std::size_t count = 0;
  int parallel = 1;
  // Run job 0 alone and start the others when it ends: it fills the compiler cache (the delay
  // server, the testkit, the precompiled header) that the others then hit instead of all
  // compiling the same files at once.
  bool first_alone = false;
  // Runs in a worker process of its own, forked from this one: a child subreaper that dies
  // with this process. Its return value comes back as the payload.
  std::function<std::string(std::size_t index)> job;
  // Told in this process, as each job starts and ends (ends in the order they happen).
  std::function<void(std::size_t index)> started;
  std::function<void(std::size_t index, const WorkerOutcome& outcome)> finished;
};

// Runs jobs 0..count-1, at most <parallel> at once. Workers are processes, not threads, because
// the sandbox's clean-up after a program kills every descendant of its process that left its
// group: in one process, one job's clean-up would kill the programs of the others. On SIGINT,
// SIGTERM or SIGHUP (install_interrupt_handlers) the running workers get the signal, which
// stops their sandboxed programs, and the jobs not started are finished as not started.
// Call it from a single-threaded process (it forks).
void run_in_workers(const WorkerJobs& jobs);

}  // namespace asynclings::grader
