#include "core/file_watcher.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace asynclings::grader {

namespace {

using Clock = Debouncer::Clock;
using std::chrono::milliseconds;

// What a save looks like from the folder: written in place (MODIFY, CLOSE_WRITE), renamed
// into place (MOVED_TO), re-created (CREATE), removed or renamed away first (DELETE,
// MOVED_FROM: the next event of the burst brings the new file), or touched (ATTRIB when
// both times are set, MODIFY when only the modification time is). The folder's own removal
// or renaming (DELETE_SELF, MOVE_SELF) loses the watch.
constexpr std::uint32_t kFolderEvents = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                        IN_MOVED_FROM | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                                        IN_EXCL_UNLINK;

// While a watched folder is missing, how often to look whether it is back.
constexpr milliseconds kMissingFolderRetry{500};

std::string read_limit(const char* name) {
  std::ifstream in(std::string("/proc/sys/fs/inotify/") + name);
  std::string value;
  if (!(in >> value)) return "?";
  return value;
}

}  // namespace

std::string describe_inotify_error(int error, const std::string& operation, const std::filesystem::path& folder) {
  if (operation == "init") {
    switch (error) {
      case ENOSYS:
        return "this system has no inotify (file change notifications)";
      case EMFILE:
        return fmt::format(
            "the per-user limit of inotify instances is reached (fs.inotify.max_user_instances = {}; editors and "
            "file indexers use them too); raise it with  sudo sysctl fs.inotify.max_user_instances=1024",
            read_limit("max_user_instances"));
      case ENFILE:
        return "the system's limit of open files is reached";
      default:
        return fmt::format("inotify cannot be started: {}", std::strerror(error));
    }
  }
  switch (error) {
    case ENOSPC:
      return fmt::format(
          "the per-user limit of inotify watches is reached (fs.inotify.max_user_watches = {}; editors and file "
          "indexers use them too); raise it with  sudo sysctl fs.inotify.max_user_watches=524288",
          read_limit("max_user_watches"));
    case ENOENT:
    case ENOTDIR:
      return fmt::format("the folder {} does not exist", folder.string());
    case EACCES:
      return fmt::format("no permission to read the folder {}", folder.string());
    default:
      return fmt::format("cannot watch the folder {}: {}", folder.string(), std::strerror(error));
  }
}

void Debouncer::note_change(Clock::time_point at) {
  pending_ = true;
  last_change_ = std::max(last_change_, at);
}

std::optional<milliseconds> Debouncer::time_to_settle(Clock::time_point now) const {
  if (!pending_) return std::nullopt;
  const auto left = last_change_ + quiet_ - now;
  if (left <= Clock::duration::zero()) return milliseconds{0};
  // Rounded up: a poll() for this long ends after the burst has settled, never just before.
  return std::chrono::ceil<milliseconds>(left);
}

bool Debouncer::take_settled(Clock::time_point now) {
  if (!pending_ || now - last_change_ < quiet_) return false;
  pending_ = false;
  return true;
}

FileWatcher::FileWatcher(const std::vector<std::filesystem::path>& files, milliseconds debounce)
    : debouncer_(debounce) {
  for (const auto& file : files) {
    auto folder_path = file.parent_path();
    if (folder_path.empty()) folder_path = ".";
    auto& folder = folders_[folder_path];
    folder.path = folder_path;
    folder.names.insert(file.filename().string());
  }
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw FileWatchError(describe_inotify_error(errno, "init"));
  for (auto& [path, folder] : folders_) {
    add_watch(folder);
    if (folder.wd < 0) {
      const int error = errno;
      ::close(fd_);
      fd_ = -1;
      throw FileWatchError(describe_inotify_error(error, "watch", path));
    }
  }
}

FileWatcher::~FileWatcher() {
  if (fd_ >= 0) ::close(fd_);  // drops every watch with it
}

void FileWatcher::add_watch(Folder& folder) { folder.wd = inotify_add_watch(fd_, folder.path.c_str(), kFolderEvents); }

void FileWatcher::retry_missing_folders() {
  for (auto& [path, folder] : folders_) {
    if (folder.wd >= 0) continue;
    add_watch(folder);
    if (folder.wd >= 0) {
      // Back (a branch switch, a restore): its files are new to us.
      pending_.files.insert(folder.names.begin(), folder.names.end());
      debouncer_.note_change(Clock::now());
    } else if (errno != ENOENT && errno != ENOTDIR) {
      throw FileWatchError(describe_inotify_error(errno, "watch", path));
    }
  }
}

void FileWatcher::collect() {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: nothing more waiting
    const auto now = Clock::now();
    for (const char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        pending_.events_lost = true;
        for (const auto& [path, folder] : folders_) pending_.files.insert(folder.names.begin(), folder.names.end());
        debouncer_.note_change(now);
        continue;
      }
      auto folder = std::find_if(folders_.begin(), folders_.end(), [&](const auto& f) { return f.second.wd == event->wd; });
      if (folder == folders_.end()) continue;  // a watch already given up
      auto& watched = folder->second;
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        // A moved folder keeps its watch under its new name; the files are looked for where they were.
        if (event->mask & IN_MOVE_SELF) inotify_rm_watch(fd_, watched.wd);
        watched.wd = -1;
        pending_.files.insert(watched.names.begin(), watched.names.end());
        debouncer_.note_change(now);
        continue;
      }
      if (event->len == 0) continue;
      const std::string name(event->name);  // NUL-padded to len
      if (!watched.names.contains(name)) continue;  // swap, backup and lock files, other files
      pending_.files.insert(name);
      debouncer_.note_change(now);
    }
  }
  retry_missing_folders();
}

std::optional<milliseconds> FileWatcher::poll_timeout() const {
  auto timeout = debouncer_.time_to_settle(Clock::now());
  const bool folder_missing =
      std::any_of(folders_.begin(), folders_.end(), [](const auto& f) { return f.second.wd < 0; });
  if (folder_missing) timeout = timeout ? std::min(*timeout, kMissingFolderRetry) : kMissingFolderRetry;
  return timeout;
}

std::optional<FileChange> FileWatcher::take_settled() {
  if (!debouncer_.take_settled(Clock::now())) return std::nullopt;
  return std::exchange(pending_, FileChange{});
}

std::optional<FileChange> FileWatcher::wait(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    collect();
    if (auto change = take_settled()) return change;
    const auto now = Clock::now();
    if (now >= deadline) return std::nullopt;
    auto wait_for = std::chrono::ceil<milliseconds>(deadline - now);
    if (const auto settle = poll_timeout()) wait_for = std::min(wait_for, *settle);
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(wait_for.count())) < 0 && errno == EINTR) return std::nullopt;
  }
}

}  // namespace asynclings::grader
