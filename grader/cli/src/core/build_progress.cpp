#include "core/build_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace asynclings::grader {
namespace {

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size() && out >= 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view last_path_component(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string describe_ninja_edge(std::string_view description) {
  description = trim(description);
  const auto last_word = [&] {
    const auto space = description.rfind(' ');
    return last_path_component(space == std::string_view::npos ? description : description.substr(space + 1));
  };
  if (description.rfind("Building CXX object ", 0) == 0 || description.rfind("Building C object ", 0) == 0) {
    std::string_view object = last_word();
    if (object.size() > 2 && object.substr(object.size() - 2) == ".o") object.remove_suffix(2);
    if (object.size() > 4 && object.substr(object.size() - 4) == ".gch") return "precompiling headers";
    return "compiling " + std::string(object);
  }
  if (description.rfind("Linking ", 0) == 0) return "linking " + std::string(last_word());
  return std::string(description);
}

std::optional<BuildStep> parse_ninja_status(std::string_view line) {
  line = trim(line);
  if (line.size() < 5 || line.front() != '[') return std::nullopt;
  const auto close = line.find(']');
  const auto slash = line.find('/');
  if (close == std::string_view::npos || slash == std::string_view::npos || slash > close) return std::nullopt;
  BuildStep step;
  if (!parse_int(line.substr(1, slash - 1), step.done) || !parse_int(line.substr(slash + 1, close - slash - 1), step.total))
    return std::nullopt;
  if (step.total == 0 || step.done > step.total) return std::nullopt;
  step.what = describe_ninja_edge(line.substr(close + 1));
  return step;
}

bool NinjaProgress::feed(std::string_view chunk) {
  bool changed = false;
  for (char c : chunk) {
    if (c != '\n' && c != '\r') {
      // A runaway line (a compiler's huge message) cannot be a status line worth keeping.
      if (partial_.size() < 4096) partial_ += c;
      continue;
    }
    if (auto step = parse_ninja_status(partial_)) {
      step_ = std::move(*step);
      seen_ = true;
      changed = true;
    }
    partial_.clear();
  }
  return changed;
}

std::string render_build_bar(const std::string& target, const BuildStep& step, int columns, int bar_width) {
  bar_width = std::max(bar_width, 1);
  const int total = std::max(step.total, 1);
  const int done = std::clamp(step.done, 0, total);
  const int filled = done * bar_width / total;
  std::string line = "building " + target + " [" + std::string(static_cast<std::size_t>(filled), '#') +
                     std::string(static_cast<std::size_t>(bar_width - filled), '.') + "] " +
                     (step.total > 0 ? std::to_string(done) + "/" + std::to_string(total) : std::string("…"));
  if (step.elapsed_s >= 0) line += " " + std::to_string(step.elapsed_s) + " s";
  if (!step.what.empty()) line += " " + step.what;
  if (columns > 0 && static_cast<int>(line.size()) > columns) {
    line.resize(static_cast<std::size_t>(std::max(columns - 1, 0)));
    line += "~";
  }
  return line;
}

int terminal_columns(std::FILE* out) {
  winsize size{};
  if (ioctl(fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    int n = 0;
    if (parse_int(columns, n) && n > 0) return n;
  }
  return 100;
}

BuildProgressDisplay::BuildProgressDisplay(std::FILE* out, bool tty, bool plain_lines, std::string verb)
    : out_(out), tty_(tty), plain_(plain_lines), verb_(std::move(verb)), columns_(tty ? terminal_columns(out) : 100) {}

BuildObserver BuildProgressDisplay::observer() {
  BuildObserver o;
  o.started = [this](const std::string& target) {
    last_plain_s_ = 0;
    if (tty_) {
      std::fprintf(out_, "\r\033[K  %s %s …", verb_.c_str(), target.c_str());
      drawn_ = true;
    } else if (plain_) {
      std::fprintf(out_, "%s %s\n", verb_.c_str(), target.c_str());
    }
    std::fflush(out_);
  };
  o.step = [this](const std::string& target, const BuildStep& step) {
    if (!tty_) {
      // Into a pipe (CI) a line every 10 s of a long build, not a redraw every second.
      if (plain_ && step.elapsed_s >= last_plain_s_ + 10) {
        last_plain_s_ = step.elapsed_s;
        std::fprintf(out_, "  %s\n", render_build_bar(target, step, 0).c_str());
        std::fflush(out_);
      }
      return;
    }
    std::string line = render_build_bar(target, step, columns_ - 3);
    if (verb_ != "building") line = verb_ + line.substr(std::string("building").size());
    std::fprintf(out_, "\r\033[K  %s", line.c_str());
    std::fflush(out_);
    drawn_ = true;
  };
  return o;
}

void BuildProgressDisplay::clear() {
  if (tty_ && drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
  }
  drawn_ = false;
}

}  // namespace asynclings::grader
