// Noticing that a student saved one of a few files, through Linux inotify.
//
// The folders holding the files are watched, not the files: editors that save by writing a
// temporary file and renaming it over the original (or by deleting and re-creating it)
// replace the file's inode, and a watch on the old inode would never hear of the new one.
// Only events that name one of the watched files count, so an editor's swap, backup and
// lock files (".x.swp", "x~", "4913", ".#x") never look like a save. A burst of events (an
// editor writes, renames, then touches the file) is one change: it is reported only once
// the files have been quiet for the debounce time.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

// inotify cannot be used here (not supported, or a per-user limit is reached); what() says
// which and what to do instead.
struct FileWatchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The explanation of a failed inotify_init1 (<operation> "init") or inotify_add_watch
// (<operation> "watch", on <folder>) with <error> (an errno value).
std::string describe_inotify_error(int error, const std::string& operation,
                                   const std::filesystem::path& folder = {});

// Turns a stream of change times into one "settled" moment per burst: settled once nothing
// has changed for the quiet time since the latest change.
class Debouncer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Debouncer(std::chrono::milliseconds quiet) : quiet_(quiet) {}

  void note_change(Clock::time_point at);
  bool pending() const { return pending_; }
  // How long until the pending burst settles, seen at <now> (zero once it has); nullopt when
  // nothing is pending.
  std::optional<std::chrono::milliseconds> time_to_settle(Clock::time_point now) const;
  // True once per burst, at the first call after it has settled.
  bool take_settled(Clock::time_point now);

 private:
  std::chrono::milliseconds quiet_;
  bool pending_ = false;
  Clock::time_point last_change_{};
};

// What a settled burst touched.
struct FileChange {
  std::set<std::string> files;  // file names (no folder), as given to the watcher
  bool events_lost = false;     // the kernel's queue overflowed: anything may have changed
};

class FileWatcher {
 public:
  // Watches the folders of <files> (each folder once). Throws FileWatchError when inotify is
  // unavailable, a limit is reached or a folder does not exist.
  FileWatcher(const std::vector<std::filesystem::path>& files, std::chrono::milliseconds debounce);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Readable when events are waiting: poll() it together with other inputs, then collect().
  int fd() const { return fd_; }
  // Reads every event waiting, without blocking.
  void collect();
  // How long a poll() on fd() may wait before take_settled() can report something: the
  // debounce time left, a retry interval while a watched folder is missing, nullopt for
  // "until an event arrives".
  std::optional<std::chrono::milliseconds> poll_timeout() const;
  // Whether a burst has begun that has not been taken yet (settled or not).
  bool change_pending() const { return debouncer_.pending(); }
  // The change of a settled burst (once per burst); nullopt while nothing settled.
  std::optional<FileChange> take_settled();
  // Blocks until a burst settles or <timeout> has passed; returns early (nullopt) when a
  // signal interrupts the wait.
  std::optional<FileChange> wait(std::chrono::milliseconds timeout);

 private:
  struct Folder {
    std::filesystem::path path;
    std::set<std::string> names;
    int wd = -1;  // -1: the folder is gone (deleted or moved away) and is watched again when it is back
  };
  void add_watch(Folder& folder);
  void retry_missing_folders();

  int fd_ = -1;
  Debouncer debouncer_;
  std::map<std::filesystem::path, Folder> folders_;
  FileChange pending_;
};

}  // namespace asynclings::grader
