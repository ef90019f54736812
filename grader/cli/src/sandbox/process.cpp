#include "sandbox/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace asynclings::grader {
namespace {

volatile sig_atomic_t g_interrupt_signal = 0;

void on_interrupt(int signal) { g_interrupt_signal = signal; }

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';
};

// Reads /proc/<pid>/stat; the command name may hold spaces and parentheses, so fields are
// taken after the last ')'.
bool read_stat(pid_t pid, ProcInfo& info) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  info.pid = pid;
  rest >> info.state >> info.ppid >> info.pgid;
  return static_cast<bool>(rest);
}

std::vector<ProcInfo> all_processes() {
  std::vector<ProcInfo> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    ProcInfo info;
    if (read_stat(static_cast<pid_t>(pid), info)) out.push_back(info);
  }
  closedir(dir);
  return out;
}

std::uint64_t processes_of_current_user() {
  std::uint64_t count = 0;
  const uid_t uid = getuid();
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return 0;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0') continue;
    // Threads count against RLIMIT_NPROC too.
    std::ifstream in(std::string("/proc/") + entry->d_name + "/status");
    std::string line;
    uid_t owner = static_cast<uid_t>(-1);
    std::uint64_t threads = 1;
    while (std::getline(in, line)) {
      if (line.rfind("Uid:", 0) == 0) owner = static_cast<uid_t>(std::strtoul(line.c_str() + 4, nullptr, 10));
      if (line.rfind("Threads:", 0) == 0) threads = std::strtoull(line.c_str() + 8, nullptr, 10);
    }
    if (owner == uid) count += threads;
  }
  closedir(dir);
  return count;
}

std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

void set_limit(int resource, rlim_t value) {
  rlimit current{};
  getrlimit(resource, &current);
  rlimit limit{value, value};
  if (current.rlim_max != RLIM_INFINITY && current.rlim_max < value) limit = {current.rlim_max, current.rlim_max};
  setrlimit(resource, &limit);
}

// ---- Landlock (linux/landlock.h of Debian 12 knows ABI 3; later rights by number) ----------

constexpr std::uint64_t kFsTruncate = 1ull << 14;  // ABI 3
constexpr std::uint64_t kScopeSignal = 1ull << 1;  // ABI 6
// The ruleset attribute of ABI 6 and later; an older kernel accepts it while the fields it
// does not know are zero.
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;
  std::uint64_t scoped = 0;
};

int landlock_abi() {
  const long abi =
      syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? static_cast<int>(abi) : 0;
}

// Every right that changes the file system: handled, so denied but where a rule allows it.
std::uint64_t write_rights(int abi) {
  std::uint64_t rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                         LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                         LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                         LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                         LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) rights |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) rights |= kFsTruncate;
  return rights;
}

bool allow_beneath(int ruleset, const char* path, std::uint64_t rights) {
  const int dir = open(path, O_PATH | O_CLOEXEC);
  if (dir < 0) return false;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = rights;
  rule.parent_fd = dir;
  const bool ok =
      syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == 0;
  close(dir);
  return ok;
}

// The ruleset a confined run enters (made before fork, entered by the child); -1 when the
// kernel has no Landlock. Throws nothing: <error> says what failed.
int make_ruleset(const std::filesystem::path& writable, std::string& error) {
  const int abi = landlock_abi();
  if (abi < 1) return -1;
  RulesetAttr attr;
  attr.handled_access_fs = write_rights(abi);
  if (abi >= 6) attr.scoped = kScopeSignal;
  const int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (ruleset < 0) {
    error = std::string("landlock_create_ruleset: ") + std::strerror(errno);
    return -1;
  }
  fcntl(ruleset, F_SETFD, FD_CLOEXEC);
  const std::uint64_t device_writes = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? kFsTruncate : 0);
  if (!allow_beneath(ruleset, writable.c_str(), write_rights(abi)) ||
      !allow_beneath(ruleset, "/dev", device_writes)) {
    error = "cannot allow writes beneath " + writable.string() + ": " + std::strerror(errno);
    close(ruleset);
    return -1;
  }
  return ruleset;
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(const std::string& path, char* const* argv, char* const* envp,
                             int out_fd, int error_fd, int channel_fd, int ruleset,
                             const RunOptions& options, rlim_t nproc_limit,
                             const char* working_dir) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the grader, whatever happens to it
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) signal(s, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  if (channel_fd >= 0) {
    // What the child still needs must not be the agreed number's old holder.
    if (error_fd == options.channel_fd)
      error_fd = fcntl(error_fd, F_DUPFD_CLOEXEC, options.channel_fd + 1);
    if (ruleset == options.channel_fd)
      ruleset = fcntl(ruleset, F_DUPFD_CLOEXEC, options.channel_fd + 1);
    // dup2 onto the agreed number clears close-on-exec; the same number needs it cleared by hand.
    if (channel_fd == options.channel_fd)
      fcntl(channel_fd, F_SETFD, 0);
    else
      dup2(channel_fd, options.channel_fd);
  }
  if (working_dir != nullptr && chdir(working_dir) != 0) {
    const int e = errno;
    (void)!write(error_fd, &e, sizeof e);
    _exit(127);
  }
  if (options.sandbox) {
    set_limit(RLIMIT_AS, options.address_space_bytes);
    set_limit(RLIMIT_FSIZE, options.file_size_bytes);
    set_limit(RLIMIT_NOFILE, options.open_files);
    set_limit(RLIMIT_NPROC, nproc_limit);
    set_limit(RLIMIT_CORE, 0);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.time_limit).count();
    rlimit cpu{static_cast<rlim_t>(seconds + 2), static_cast<rlim_t>(seconds + 5)};
    setrlimit(RLIMIT_CPU, &cpu);
  }
  if (!options.writable_dir.empty()) {
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (ruleset >= 0 && syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
      const int e = errno;
      (void)!write(error_fd, &e, sizeof e);
      _exit(127);
    }
  }
  execve(path.c_str(), argv, envp);
  const int e = errno;
  (void)!write(error_fd, &e, sizeof e);
  _exit(127);
}

// Keeps the first and last <cap> bytes of a stream.
class Capture {
 public:
  explicit Capture(std::size_t cap) : cap_(cap) {}
  void add(const char* data, std::size_t n) {
    total_ += n;
    if (cap_ == 0) {
      head_.append(data, n);
      return;
    }
    const std::size_t to_head = std::min(n, cap_ - std::min(cap_, head_.size()));
    head_.append(data, to_head);
    data += to_head;
    n -= to_head;
    if (n == 0) return;
    tail_.append(data, n);
    if (tail_.size() > 2 * cap_) tail_.erase(0, tail_.size() - cap_);
  }
  std::size_t total() const { return total_; }
  bool truncated() const { return cap_ != 0 && total_ > head_.size() + std::min(tail_.size(), cap_); }

  std::string text() const {
    if (cap_ == 0) return head_;
    const std::string tail = tail_.size() > cap_ ? tail_.substr(tail_.size() - cap_) : tail_;
    const std::size_t omitted = total_ - head_.size() - tail.size();
    if (omitted == 0) return head_ + tail;
    return head_ + "\n… [" + std::to_string(omitted) + " bytes of output omitted] …\n" + tail;
  }

 private:
  std::size_t cap_;
  std::size_t total_ = 0;
  std::string head_;
  std::string tail_;
};

void drain(int fd, Capture& capture, bool& open, const std::function<void(std::string_view)>& on_output) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      capture.add(buffer, static_cast<std::size_t>(n));
      if (on_output) on_output(std::string_view(buffer, static_cast<std::size_t>(n)));
      continue;
    }
    if (n == 0) open = false;
    else if (errno == EINTR) continue;
    return;  // EAGAIN: nothing more for now
  }
}

// Kills the process group and every process that escaped it but descends from us outside
// our own group (orphans come back to us: we are a subreaper). Returns how many it killed.
int kill_everything(pid_t pgid) {
  int killed = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
    int seen = 0;
    // The group: repeat until empty, since a forking process can race one kill.
    for (pid_t pid : processes_in_group(pgid)) {
      ++seen;
      kill(pid, SIGKILL);
    }
    kill(-pgid, SIGKILL);
    const pid_t own_group = getpgrp();
    for (pid_t pid : descendants_of(getpid())) {
      ProcInfo info;
      if (!read_stat(pid, info) || info.state == 'Z') continue;
      if (info.pgid == own_group) continue;  // not from a sandboxed run
      ++seen;
      kill(pid, SIGKILL);
    }
    if (round == 0) killed = seen;
    // Reap whatever has died (our children, and orphans handed to us).
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (seen == 0) break;
    usleep(2000);
  }
  return killed;
}

}  // namespace

bool become_subreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

Confinement confinement() {
  Confinement c;
  c.landlock_abi = landlock_abi();
  return c;
}

void install_interrupt_handlers() {
  struct sigaction action{};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaction(s, &action, nullptr);
}

bool interrupted() { return g_interrupt_signal != 0; }
int interrupt_signal() { return g_interrupt_signal; }
void clear_interrupt() { g_interrupt_signal = 0; }

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  const char* description = sigdescr_np(signal);
  std::string name = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
  if (description) name += std::string(" (") + description + ")";
  return name;
}

std::vector<pid_t> descendants_of(pid_t root) {
  const auto processes = all_processes();
  std::multimap<pid_t, pid_t> children;
  for (const auto& p : processes)
    if (p.state != 'Z') children.emplace(p.ppid, p.pid);
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      if (std::find(out.begin(), out.end(), it->second) != out.end()) continue;
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

std::vector<pid_t> processes_in_group(pid_t pgid) {
  std::vector<pid_t> out;
  for (const auto& p : all_processes())
    if (p.pgid == pgid && p.state != 'Z') out.push_back(p.pid);
  return out;
}

bool process_alive(pid_t pid) {
  ProcInfo info;
  return read_stat(pid, info) && info.state != 'Z' && info.state != 'X';
}

RunResult run_process(const std::vector<std::string>& args, const RunOptions& options) {
  RunResult result;
  if (args.empty()) {
    result.error = "nothing to run";
    return result;
  }
  const auto start = std::chrono::steady_clock::now();

  // Everything the child needs is prepared before fork.
  const std::string path = resolve_executable(args[0]);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    const bool overridden = std::any_of(options.extra_env.begin(), options.extra_env.end(),
        [&](const std::string& x) { return x.compare(0, x.find('=') + 1, entry, 0, eq + 1) == 0; });
    if (!overridden) env_storage.push_back(entry);
  }
  env_storage.insert(env_storage.end(), options.extra_env.begin(), options.extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const rlim_t nproc = static_cast<rlim_t>(processes_of_current_user() + options.extra_processes);
  const std::string working_dir = options.working_dir.string();

  int out_pipe[2];
  int error_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }

  int channel_pipe[2] = {-1, -1};
  if (options.channel_fd > STDERR_FILENO && pipe2(channel_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], error_pipe[0], error_pipe[1]}) close(fd);
    return result;
  }
  int ruleset = -1;
  if (!options.writable_dir.empty()) {
    ruleset = make_ruleset(options.writable_dir, result.confinement_error);
    if (!result.confinement_error.empty()) {
      result.error = "cannot confine " + args[0] + ": " + result.confinement_error;
      for (int fd : {out_pipe[0], out_pipe[1], error_pipe[0], error_pipe[1], channel_pipe[0],
                     channel_pipe[1]})
        if (fd >= 0) close(fd);
      return result;
    }
  }

  const pid_t pid = fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], error_pipe[0], error_pipe[1], channel_pipe[0],
                   channel_pipe[1], ruleset})
      if (fd >= 0) close(fd);
    return result;
  }
  if (pid == 0) {
    exec_child(path, argv.data(), envp.data(), out_pipe[1], error_pipe[1], channel_pipe[1], ruleset,
               options, nproc, working_dir.empty() ? nullptr : working_dir.c_str());
  }
  if (ruleset >= 0) close(ruleset);
  setpgid(pid, pid);  // also here: whichever side runs first, the group exists before we kill it
  result.pid = pid;
  close(out_pipe[1]);
  close(error_pipe[1]);
  if (channel_pipe[1] >= 0) close(channel_pipe[1]);
  const int channel = channel_pipe[0];
  if (channel >= 0) fcntl(channel, F_SETFL, fcntl(channel, F_GETFL) | O_NONBLOCK);
  bool channel_open = channel >= 0;
  auto read_channel = [&] {
    char buffer[4096];
    while (channel_open) {
      const ssize_t n = read(channel, buffer, sizeof buffer);
      if (n > 0) {
        const std::size_t room =
            options.channel_cap - std::min(options.channel_cap, result.channel.size());
        result.channel.append(buffer, std::min(room, static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) > room) result.channel_truncated = true;
      } else if (n == 0) {
        channel_open = false;
      } else if (errno != EINTR) {
        return;  // EAGAIN: nothing more for now
      }
    }
  };

  int exec_errno = 0;
  const ssize_t got = read(error_pipe[0], &exec_errno, sizeof exec_errno);  // EOF at exec
  close(error_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid, nullptr, 0);
    close(out_pipe[0]);
    if (channel >= 0) close(channel);
    result.error = "cannot run " + args[0] + ": " + std::strerror(exec_errno);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return result;
  }

  const int fd = out_pipe[0];
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  Capture capture(options.output_cap);
  bool pipe_open = true;
  bool child_done = false;
  int status = 0;
  const auto deadline = start + options.time_limit;
  std::chrono::steady_clock::time_point drain_deadline{};
  Ending forced = Ending::exited;  // timed_out / interrupted when we ended it
  auto last_tick = start;

  while (!child_done || pipe_open) {
    const auto now = std::chrono::steady_clock::now();
    if (!child_done && interrupted()) {
      forced = Ending::interrupted;
      break;
    }
    if (!child_done && now >= deadline) {
      forced = Ending::timed_out;
      break;
    }
    if (child_done && now >= drain_deadline) break;  // an escaped process holds the pipe
    const auto until = child_done ? drain_deadline : deadline;
    const auto wait_ms = std::clamp<long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count(), 0, 20);
    pollfd p[2] = {{pipe_open ? fd : -1, POLLIN, 0}, {channel_open ? channel : -1, POLLIN, 0}};
    if (pipe_open || channel_open) {
      poll(p, 2, static_cast<int>(wait_ms));
      if (pipe_open) drain(fd, capture, pipe_open, options.on_output);
      read_channel();
    } else {
      usleep(static_cast<useconds_t>(wait_ms * 1000));
    }
    if (options.on_tick && !child_done && std::chrono::steady_clock::now() - last_tick >= std::chrono::seconds(1)) {
      last_tick = std::chrono::steady_clock::now();
      options.on_tick();
    }
    if (!child_done) {
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        child_done = true;
        // Whatever it left running in its group dies now, so the pipe closes.
        result.stray_processes_killed = kill_everything(pid);
        drain_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      }
    }
  }

  if (!child_done) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    kill_everything(pid);
  }
  if (pipe_open) drain(fd, capture, pipe_open, options.on_output);
  close(fd);
  read_channel();  // what the program wrote before it ended; a process it left holds no say
  if (channel >= 0) close(channel);
  kill_everything(pid);

  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  result.output = capture.text();
  result.output_bytes = capture.total();
  result.output_truncated = capture.truncated();
  if (forced != Ending::exited) {
    result.ending = forced;
  } else if (WIFEXITED(status)) {
    result.ending = Ending::exited;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.ending = Ending::signaled;
    result.signal = WTERMSIG(status);
    // SIGXCPU, or SIGKILL after the hard CPU limit: the CPU-time limit ended it.
    if (result.signal == SIGXCPU) result.ending = Ending::timed_out;
  }
  return result;
}

}  // namespace asynclings::grader
