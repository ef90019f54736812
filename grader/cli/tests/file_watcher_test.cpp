// The save notifications of `grader watch`: the debouncing rule on its own with made-up
// times, then the inotify watcher on a scratch folder, saving the ways editors do.
#include "core/file_watcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using asynclings::grader::Debouncer;
using asynclings::grader::describe_inotify_error;
using asynclings::grader::FileChange;
using asynclings::grader::FileWatchError;
using asynclings::grader::FileWatcher;

namespace {

// --- the debouncing rule, on made-up times -------------------------------------------------

const Debouncer::Clock::time_point t0{};

TEST(Debouncer, HasNothingPendingBeforeAnyChange) {
  Debouncer debouncer(300ms);
  EXPECT_FALSE(debouncer.pending());
  EXPECT_EQ(debouncer.time_to_settle(t0), std::nullopt);
  EXPECT_FALSE(debouncer.take_settled(t0 + 10s));
}

TEST(Debouncer, SettlesOnlyOnceTheQuietTimeHasPassedSinceTheChange) {
  Debouncer debouncer(300ms);
  debouncer.note_change(t0);
  EXPECT_FALSE(debouncer.take_settled(t0 + 299ms));
  EXPECT_EQ(debouncer.time_to_settle(t0 + 100ms), 200ms);
  EXPECT_TRUE(debouncer.take_settled(t0 + 300ms));
  EXPECT_FALSE(debouncer.take_settled(t0 + 301ms)) << "a burst settles once";
  EXPECT_FALSE(debouncer.pending());
}

TEST(Debouncer, CountsTheQuietTimeFromTheLatestChangeOfABurst) {
  Debouncer debouncer(300ms);
  for (int i = 0; i < 5; ++i) debouncer.note_change(t0 + i * 100ms);  // the last at 400 ms
  EXPECT_FALSE(debouncer.take_settled(t0 + 600ms)) << "300 ms after the first change, but 200 ms after the last";
  EXPECT_EQ(debouncer.time_to_settle(t0 + 600ms), 100ms);
  EXPECT_TRUE(debouncer.take_settled(t0 + 700ms));
}

TEST(Debouncer, RoundsTheTimeLeftUpSoAWaitOfThatLongEndsSettled) {
  Debouncer debouncer(300ms);
  debouncer.note_change(t0);
  const auto now = t0 + 100ms + 500us;
  const auto left = debouncer.time_to_settle(now);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, 200ms);
  EXPECT_TRUE(debouncer.take_settled(now + *left));
}

TEST(Debouncer, StartsANewBurstAfterOneSettled) {
  Debouncer debouncer(300ms);
  debouncer.note_change(t0);
  ASSERT_TRUE(debouncer.take_settled(t0 + 1s));
  debouncer.note_change(t0 + 2s);
  EXPECT_TRUE(debouncer.pending());
  EXPECT_FALSE(debouncer.take_settled(t0 + 2s + 299ms));
  EXPECT_TRUE(debouncer.take_settled(t0 + 2s + 300ms));
}

// --- the watcher on a scratch folder ---------------------------------------------------------

// Generous: a wait that should see a change gets this long (it returns as soon as it does).
constexpr auto kSeen = 10s;
constexpr auto kDebounce = 100ms;
// Long enough for any event already queued to be read and settle: events are queued by the
// kernel before the write that causes them returns, so "nothing" here really is nothing.
constexpr auto kNothing = 5 * kDebounce;

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << file;
}

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "grader-file-watcher-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << "mkdtemp: " << std::strerror(errno);
    dir_ = pattern;
    write_file(dir_ / "ex1_generator.hpp", "// the stub\n");
    write_file(dir_ / "ex2_send.hpp", "// another exercise\n");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path watched() const { return dir_ / "ex1_generator.hpp"; }

  fs::path dir_;
};

TEST_F(FileWatcherTest, SeesAPlainWrite) {
  FileWatcher watcher({watched()}, kDebounce);
  write_file(watched(), "// my generator\n");
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change) << "no change reported within " << kSeen.count() << " s";
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});
  EXPECT_FALSE(change->events_lost);
}

TEST_F(FileWatcherTest, SeesASaveThatWritesATempFileAndRenamesItOverTheFile) {
  FileWatcher watcher({watched()}, kDebounce);
  const auto temp = dir_ / ".ex1_generator.hpp.tmp-4711";
  write_file(temp, "// saved atomically\n");
  fs::rename(temp, watched());
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change) << "a rename over the file went unnoticed";
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});

  // The file's inode changed; a second save of the same kind is seen too.
  write_file(temp, "// saved again\n");
  fs::rename(temp, watched());
  EXPECT_TRUE(watcher.wait(kSeen)) << "the save after a rename went unnoticed";
}

TEST_F(FileWatcherTest, SeesASaveThatDeletesTheFileThenCreatesItAgain) {
  FileWatcher watcher({watched()}, kDebounce);
  fs::remove(watched());
  write_file(watched(), "// re-created\n");
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});
  EXPECT_FALSE(watcher.wait(kNothing)) << "delete and create are one save, not two";
}

TEST_F(FileWatcherTest, SeesATouch) {
  FileWatcher watcher({watched()}, kDebounce);
  fs::last_write_time(watched(), fs::file_time_type::clock::now());
  EXPECT_TRUE(watcher.wait(kSeen)) << "touching the file is the way to ask for a check without an edit";
}

TEST_F(FileWatcherTest, ReportsABurstOfFiveWritesAsOneChange) {
  constexpr auto debounce = 600ms;
  FileWatcher watcher({watched()}, debounce);
  for (int i = 0; i < 5; ++i) {
    write_file(watched(), "// version " + std::to_string(i) + "\n");
    watcher.collect();  // as the loop does when the folder's events wake it up
    EXPECT_FALSE(watcher.take_settled()) << "write " << i + 1 << " of the burst was reported on its own";
  }
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});
  EXPECT_FALSE(watcher.wait(2 * debounce)) << "five writes within the debounce time gave a second notification";
}

TEST_F(FileWatcherTest, EndsTheWaitOnlyOnceTheFileHasBeenQuietForTheDebounceTime) {
  // Writes keep coming while the wait runs, 20 ms apart; the debounce time is 75 times that,
  // so the burst is one change and the wait cannot end before the last write.
  constexpr auto debounce = 1500ms;
  FileWatcher watcher({watched()}, debounce);
  std::atomic<int> writes{0};
  // Taken just before each write: the watcher cannot have seen the write earlier.
  std::atomic<std::chrono::steady_clock::rep> last_write_start{0};
  std::thread editor([&] {
    for (int i = 0; i < 5; ++i) {
      last_write_start = std::chrono::steady_clock::now().time_since_epoch().count();
      write_file(watched(), "// keystroke " + std::to_string(i) + "\n");
      ++writes;
      std::this_thread::sleep_for(20ms);
    }
  });
  const auto change = watcher.wait(kSeen + debounce);
  const auto returned = std::chrono::steady_clock::now();
  editor.join();
  ASSERT_TRUE(change);
  EXPECT_EQ(writes.load(), 5) << "the wait ended in the middle of the burst";
  const auto quiet = returned - std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_write_start.load()));
  EXPECT_GE(quiet, debounce) << "the wait ended before the debounce time of quiet";
  EXPECT_FALSE(watcher.wait(kNothing));
}

TEST_F(FileWatcherTest, IgnoresEditorSwapBackupAndLockFiles) {
  FileWatcher watcher({watched()}, kDebounce);
  write_file(dir_ / ".ex1_generator.hpp.swp", "vim swap");
  write_file(dir_ / ".ex1_generator.hpp.swx", "vim swap");
  write_file(dir_ / "ex1_generator.hpp~", "backup");
  write_file(dir_ / "4913", "");  // vim's probe that the folder is writable
  fs::remove(dir_ / "4913");
  write_file(dir_ / "#ex1_generator.hpp#", "emacs auto-save");
  fs::create_symlink("user@host.1234:1700000000", dir_ / ".#ex1_generator.hpp");  // emacs lock
  EXPECT_FALSE(watcher.wait(kNothing)) << "an editor's scratch file was taken for a save";

  write_file(watched(), "// the real save\n");
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});
}

TEST_F(FileWatcherTest, SeesAVimStyleSaveAsOneChange) {
  // vim with backupcopy=no: probe, rename the file to its backup, write it anew, drop the backup.
  FileWatcher watcher({watched()}, kDebounce);
  write_file(dir_ / "4913", "");
  fs::remove(dir_ / "4913");
  fs::rename(watched(), dir_ / "ex1_generator.hpp~");
  write_file(watched(), "// saved by vim\n");
  fs::remove(dir_ / "ex1_generator.hpp~");
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->files, std::set<std::string>{"ex1_generator.hpp"});
  EXPECT_FALSE(watcher.wait(kNothing));
}

TEST_F(FileWatcherTest, IgnoresOtherFilesOfTheFolder) {
  FileWatcher watcher({watched()}, kDebounce);
  write_file(dir_ / "ex2_send.hpp", "// another exercise's file\n");
  write_file(dir_ / "notes.txt", "a new file\n");
  EXPECT_FALSE(watcher.wait(kNothing)) << "a file that is not watched was taken for a save";
}

TEST_F(FileWatcherTest, WatchesFilesInSeveralFoldersAndSaysWhichChanged) {
  fs::create_directories(dir_ / "detail");
  write_file(dir_ / "detail" / "queue.hpp", "// a second file\n");
  FileWatcher watcher({watched(), dir_ / "detail" / "queue.hpp"}, kDebounce);
  write_file(dir_ / "detail" / "queue.hpp", "// edited\n");
  const auto change = watcher.wait(kSeen);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->files, std::set<std::string>{"queue.hpp"});
}

TEST_F(FileWatcherTest, KeepsEventsThatArriveWhileNobodyWaitsForTheNextWait) {
  // A save during a build: nothing reads the watcher then; the next wait must see it.
  FileWatcher watcher({watched()}, kDebounce);
  write_file(watched(), "// saved during the build\n");
  std::this_thread::sleep_for(2 * kDebounce);  // the build (no assertion depends on its length)
  EXPECT_TRUE(watcher.wait(kSeen)) << "a save made while nobody waited was lost";
}

TEST_F(FileWatcherTest, SeesTheFolderRemovedAndWatchesItAgainWhenItIsBack) {
  const auto folder = dir_ / "chapter";
  fs::create_directories(folder);
  write_file(folder / "ex1.hpp", "// stub\n");
  FileWatcher watcher({folder / "ex1.hpp"}, kDebounce);
  fs::remove_all(folder);
  const auto gone = watcher.wait(kSeen);
  ASSERT_TRUE(gone) << "removing the folder went unnoticed";
  EXPECT_EQ(gone->files, std::set<std::string>{"ex1.hpp"});

  fs::create_directories(folder);
  write_file(folder / "ex1.hpp", "// restored\n");
  ASSERT_TRUE(watcher.wait(kSeen)) << "the folder's return went unnoticed";
  write_file(folder / "ex1.hpp", "// edited after the restore\n");
  EXPECT_TRUE(watcher.wait(kSeen)) << "saves in the restored folder are not watched";
}

TEST_F(FileWatcherTest, SaysClearlyThatTheFolderDoesNotExist) {
  try {
    FileWatcher watcher({dir_ / "no-such-folder" / "ex1.hpp"}, kDebounce);
    FAIL() << "watching a missing folder did not fail";
  } catch (const FileWatchError& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / "no-such-folder").string() + " does not exist"), std::string::npos)
        << e.what();
  }
}

TEST(InotifyErrors, NameTheWatchLimitAndHowToRaiseIt) {
  const std::string text = describe_inotify_error(ENOSPC, "watch", "/w/exercises/ch01");
  EXPECT_NE(text.find("fs.inotify.max_user_watches = "), std::string::npos) << text;
  EXPECT_NE(text.find("sudo sysctl fs.inotify.max_user_watches="), std::string::npos) << text;
}

TEST(InotifyErrors, NameTheInstanceLimitAndHowToRaiseIt) {
  const std::string text = describe_inotify_error(EMFILE, "init");
  EXPECT_NE(text.find("fs.inotify.max_user_instances = "), std::string::npos) << text;
  EXPECT_NE(text.find("sudo sysctl fs.inotify.max_user_instances="), std::string::npos) << text;
}

TEST(InotifyErrors, SayWhenTheSystemHasNoInotify) {
  EXPECT_EQ(describe_inotify_error(ENOSYS, "init"), "this system has no inotify (file change notifications)");
}

}  // namespace
