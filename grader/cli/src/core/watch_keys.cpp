#include "core/watch_keys.hpp"

#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <iterator>

namespace asynclings::grader {

namespace {

// The terminal mode to put back when the process is stopped (Ctrl-Z), read by a signal
// handler: only one KeyInput exists at a time.
termios g_saved_mode{};
volatile sig_atomic_t g_key_mode = 0;
volatile sig_atomic_t g_continued = 0;

// Ctrl-Z: the shell gets its terminal back in the mode it expects, then the process stops.
void on_stop_request(int) {
  const int saved_errno = errno;
  if (g_key_mode) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_mode);
  raise(SIGSTOP);  // execution resumes here on SIGCONT
  errno = saved_errno;
}

void on_continue(int) { g_continued = 1; }

// Signals that end the process without returning through the code that restores the
// terminal (a crash, an abort, Ctrl-\, a closed output pipe): the terminal's mode is put back
// first, then the signal does what it always does.
constexpr int kEndingSignals[] = {SIGQUIT, SIGPIPE, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};

void on_ending_signal(int signal) {
  if (g_key_mode) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_mode);
  ::signal(signal, SIG_DFL);
  raise(signal);
}

struct sigaction g_previous_stop {};
struct sigaction g_previous_continue {};
struct sigaction g_previous_ending[std::size(kEndingSignals)] {};

bool in_foreground() { return tcgetpgrp(STDIN_FILENO) == getpgrp(); }

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// A line bigger than this is not a command; its start is dropped rather than kept growing.
constexpr std::size_t kLongestLine = 4096;

}  // namespace

std::optional<WatchCommand> command_for_key(char key) {
  switch (key) {
    case 'r': case 'R': case '\n': case '\r': return WatchCommand::check_now;
    case 'h': case 'H': return WatchCommand::hint;
    case 'l': case 'L': return WatchCommand::list;
    case 'q': case 'Q': case '\x04': return WatchCommand::quit;  // \x04: Ctrl-D
    case '?': return WatchCommand::help;
    default: break;
  }
  if (std::isalpha(static_cast<unsigned char>(key))) return WatchCommand::help;
  return std::nullopt;  // space, digits, control keys
}

WatchCommand command_for_line(std::string_view line) {
  std::string word(trim(line));
  for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word.empty() || word == "r" || word == "recheck") return WatchCommand::check_now;
  if (word == "h" || word == "hint") return WatchCommand::hint;
  if (word == "l" || word == "list") return WatchCommand::list;
  if (word == "q" || word == "quit") return WatchCommand::quit;
  return WatchCommand::help;
}

KeyInput::KeyInput() {
  terminal_ = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved_) == 0;
  if (!terminal_) return;
  g_saved_mode = saved_;
  g_continued = 0;
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_stop_request;
  sigaction(SIGTSTP, &action, &g_previous_stop);
  action.sa_handler = on_continue;
  sigaction(SIGCONT, &action, &g_previous_continue);  // no SA_RESTART: the wait wakes up
  action.sa_handler = on_ending_signal;
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) {
    // Only where the signal would end the process anyway; an ignored one stays ignored.
    sigaction(kEndingSignals[i], nullptr, &g_previous_ending[i]);
    if (g_previous_ending[i].sa_handler == SIG_DFL) sigaction(kEndingSignals[i], &action, nullptr);
  }
  enter_key_mode();
}

KeyInput::~KeyInput() {
  if (!terminal_) return;
  g_key_mode = 0;
  // Keys typed but never read (during a build, say) are dropped, not handed to the shell.
  if (in_foreground()) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  sigaction(SIGTSTP, &g_previous_stop, nullptr);
  sigaction(SIGCONT, &g_previous_continue, nullptr);
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) sigaction(kEndingSignals[i], &g_previous_ending[i], nullptr);
}

void KeyInput::enter_key_mode() {
  // A background process changing the terminal would be stopped (SIGTTOU); it waits for fg.
  if (!in_foreground()) return;
  termios mode = saved_;
  mode.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: Ctrl-C still interrupts
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &mode) == 0) g_key_mode = 1;
}

bool KeyInput::resumed_after_stop() {
  if (!g_continued) return false;
  g_continued = 0;
  if (terminal_) enter_key_mode();
  return true;
}

void KeyInput::read_available() {
  if (ended_) return;
  char buffer[256];
  const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    ended_ = true;  // EIO: the terminal hung up
    return;
  }
  if (n == 0) {
    ended_ = true;
    if (!partial_line_.empty()) commands_.push_back(command_for_line(partial_line_));
    partial_line_.clear();
    return;
  }
  if (terminal_) {
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] == '\x1b') break;  // an escape sequence (arrow keys…) arrives whole; none is a command
      if (const auto command = command_for_key(buffer[i])) commands_.push_back(*command);
    }
    return;
  }
  partial_line_.append(buffer, static_cast<std::size_t>(n));
  for (auto end = partial_line_.find('\n'); end != std::string::npos; end = partial_line_.find('\n')) {
    commands_.push_back(command_for_line(std::string_view(partial_line_).substr(0, end)));
    partial_line_.erase(0, end + 1);
  }
  if (partial_line_.size() > kLongestLine) partial_line_.clear();
}

std::optional<WatchCommand> KeyInput::next() {
  if (commands_.empty()) return std::nullopt;
  const auto command = commands_.front();
  commands_.pop_front();
  return command;
}

}  // namespace asynclings::grader
