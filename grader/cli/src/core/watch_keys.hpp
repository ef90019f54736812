// The keys of `grader watch`: one key at a time on a terminal (no Enter needed, nothing
// echoed), whole lines when stdin is a pipe or a file (so scripts can drive it).
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <termios.h>

namespace asynclings::grader {

enum class WatchCommand {
  check_now,  // r or Enter
  hint,       // h
  list,       // l
  quit,       // q, or Ctrl-D on a terminal
  help,       // any other letter: show the keys again
};

// What one key pressed on a terminal asks for; nullopt for keys that mean nothing here.
std::optional<WatchCommand> command_for_key(char key);
// What one line of piped input asks for ("" is Enter; "q", "quit" and "Q" are the same).
WatchCommand command_for_line(std::string_view line);

// stdin as a source of commands. On a terminal it switches to non-canonical mode without
// echo (signals still work: Ctrl-C interrupts) and puts the saved mode back when destroyed,
// and around a stop (Ctrl-Z, then fg).
class KeyInput {
 public:
  KeyInput();
  ~KeyInput();
  KeyInput(const KeyInput&) = delete;
  KeyInput& operator=(const KeyInput&) = delete;

  bool terminal() const { return terminal_; }
  // The descriptor to poll(); -1 once the input has ended (then nothing more will come).
  int fd() const { return ended_ ? -1 : 0; }
  bool ended() const { return ended_; }
  // Reads what is waiting (call when fd() is readable) into the queue of commands.
  void read_available();
  // The oldest command not yet taken.
  std::optional<WatchCommand> next();
  // After the process was stopped and continued: the terminal mode is set again. True once
  // per continue, so the caller can show the keys again.
  bool resumed_after_stop();

 private:
  void enter_key_mode();

  bool terminal_ = false;
  bool ended_ = false;
  termios saved_{};
  std::string partial_line_;
  std::deque<WatchCommand> commands_;
};

}  // namespace asynclings::grader
