// Finding the worker processes a test started, wherever they ended up.
//
// Each test passes its workers a unique tag as an argument. A process's command line is
// inherited by the children it forks, so scanning /proc for the tag finds the workers and
// any helper they started — also one orphaned to init, or left in another process group.
// (Zombies have an empty command line: a zombie has finished and holds no resources but its
// process table entry.)
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ch07_test {

struct LiveProcess {
  int pid = 0;
  std::string name;  // from /proc/<pid>/comm
};

inline std::string unique_worker_tag() {
  static std::atomic<int> counter{0};
  return "--asynclings-test=" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

inline std::vector<LiveProcess> processes_tagged(const std::string& tag) {
  std::vector<LiveProcess> found;
  DIR* proc = ::opendir("/proc");
  if (!proc) return found;
  while (dirent* entry = ::readdir(proc)) {
    const std::string name = entry->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream cmdline("/proc/" + name + "/cmdline", std::ios::binary);
    std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    std::replace(args.begin(), args.end(), '\0', ' ');
    if (args.find(tag + " ") == std::string::npos && !args.ends_with(tag)) continue;
    std::ifstream comm("/proc/" + name + "/comm");
    std::string process_name;
    std::getline(comm, process_name);
    found.push_back({std::stoi(name), process_name});
  }
  ::closedir(proc);
  return found;
}

// The tagged processes still alive after a short grace period (a process killed with SIGKILL
// disappears from /proc only once reaped; an orphan is reaped by init within milliseconds).
inline std::vector<LiveProcess> survivors(const std::string& tag) {
  std::vector<LiveProcess> left;
  for (int i = 0; i < 20; ++i) {
    left = processes_tagged(tag);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return left;
}

inline std::string describe(const std::vector<LiveProcess>& processes) {
  std::ostringstream out;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    out << (i ? ", " : "") << processes[i].name << " (pid " << processes[i].pid << ")";
  }
  return out.str();
}

// The test's own cleanup: nothing it started may outlive it, whatever the code under test did.
inline void kill_tagged(const std::string& tag) {
  for (const auto& p : processes_tagged(tag)) ::kill(p.pid, SIGKILL);
}

}  // namespace ch07_test
