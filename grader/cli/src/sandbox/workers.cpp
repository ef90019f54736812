#include "sandbox/workers.hpp"

#include "sandbox/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace asynclings::grader {

namespace {

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n > 0) done += static_cast<std::size_t>(n);
    else if (n < 0 && errno == EINTR) continue;
    else return;
  }
}

constexpr int kJobThrew = 3;

struct Worker {
  std::size_t index = 0;
  pid_t pid = 0;
  int fd = -1;  // the read end of the pipe the job's payload comes through
  std::string data;
  bool reaped = false;
  int status = 0;
  std::chrono::steady_clock::time_point started;
};

Worker start_worker(const WorkerJobs& jobs, std::size_t index) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  std::fflush(nullptr);  // or the worker would print this process's buffered output again
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error(std::string("cannot start a worker process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the batch, and its sandboxed programs with it
    if (getppid() != parent) _exit(125);
    become_subreaper();  // what its programs leave behind comes back to it, not to the batch
    std::string text;
    int code = 0;
    try {
      text = jobs.job(index);
    } catch (const std::exception& e) {
      text = e.what();
      code = kJobThrew;
    } catch (...) {
      text = "an exception that is not a std::exception";
      code = kJobThrew;
    }
    write_all(fds[1], text);
    std::fflush(nullptr);
    _exit(code);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  Worker w;
  w.index = index;
  w.pid = pid;
  w.fd = fds[0];
  w.started = std::chrono::steady_clock::now();
  return w;
}

void drain(Worker& w) {
  char buffer[65536];
  while (w.fd >= 0) {
    const ssize_t n = read(w.fd, buffer, sizeof buffer);
    if (n > 0) {
      w.data.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      close(w.fd);
      w.fd = -1;
    } else if (errno != EINTR) {
      return;  // EAGAIN: nothing more for now
    }
  }
}

WorkerOutcome outcome_of(Worker& w) {
  drain(w);
  if (w.fd >= 0) {
    close(w.fd);  // a process the job left holds the pipe; what the worker wrote is in
    w.fd = -1;
  }
  WorkerOutcome out;
  out.started = true;
  out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - w.started);
  if (WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0) {
    out.completed = true;
    out.payload = std::move(w.data);
  } else if (WIFEXITED(w.status) && WEXITSTATUS(w.status) == kJobThrew) {
    out.error = "the job failed: " + w.data;
  } else if (WIFEXITED(w.status)) {
    out.error = "its worker process exited with code " + std::to_string(WEXITSTATUS(w.status));
  } else if (WIFSIGNALED(w.status)) {
    out.error = "its worker process died of " + signal_name(WTERMSIG(w.status));
  } else {
    out.error = "its worker process ended in an unknown way";
  }
  return out;
}

}  // namespace

void run_in_workers(const WorkerJobs& jobs) {
  const std::size_t parallel = static_cast<std::size_t>(std::max(1, jobs.parallel));
  std::vector<Worker> running;
  std::size_t next = 0, finished = 0;
  bool forwarded = false;
  while (next < jobs.count || !running.empty()) {
    if (interrupted()) {
      // Ctrl-C reaches the workers too (same process group); SIGTERM sent to the batch alone
      // does not, so pass it on.
      if (!forwarded)
        for (const auto& w : running) kill(w.pid, interrupt_signal());
      forwarded = true;
      for (; next < jobs.count; ++next)
        if (jobs.finished) jobs.finished(next, WorkerOutcome{});
    }
    const std::size_t limit = jobs.first_alone && finished == 0 ? 1 : parallel;
    while (!interrupted() && next < jobs.count && running.size() < limit) {
      running.push_back(start_worker(jobs, next));
      if (jobs.started) jobs.started(next);
      ++next;
    }
    if (running.empty()) continue;

    std::vector<pollfd> fds;
    for (const auto& w : running)
      if (w.fd >= 0) fds.push_back({w.fd, POLLIN, 0});
    if (!fds.empty()) poll(fds.data(), fds.size(), 50);
    else usleep(50'000);
    for (auto& w : running) drain(w);

    // Reaps every child that ended: the workers, and any orphan handed to this process.
    int status = 0;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) != 0;) {
      if (pid < 0) {
        if (errno == EINTR) continue;
        // No child left at all: the remaining workers are gone without a status.
        for (auto& w : running)
          if (!w.reaped) w.reaped = true, w.status = 0xff00;
        break;
      }
      for (auto& w : running)
        if (w.pid == pid) w.reaped = true, w.status = status;
    }
    for (auto it = running.begin(); it != running.end();) {
      if (!it->reaped) {
        ++it;
        continue;
      }
      Worker done = std::move(*it);
      it = running.erase(it);
      const WorkerOutcome outcome = outcome_of(done);
      ++finished;
      if (jobs.finished) jobs.finished(done.index, outcome);
    }
  }
}

}  // namespace asynclings::grader
