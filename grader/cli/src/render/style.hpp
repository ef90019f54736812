// Terminal colours: only on a tty, never when NO_COLOR is set (https://no-color.org).
#pragma once

#include <cstdio>
#include <string>

namespace asynclings::grader {

class Style {
 public:
  explicit Style(bool enabled = false) : enabled_(enabled) {}
  // Colours for <stream> given the environment.
  static Style for_stream(std::FILE* stream);
  bool enabled() const { return enabled_; }

  std::string green(const std::string& s) const { return wrap("32", s); }
  std::string red(const std::string& s) const { return wrap("31", s); }
  std::string yellow(const std::string& s) const { return wrap("33", s); }
  std::string cyan(const std::string& s) const { return wrap("36", s); }
  std::string bold(const std::string& s) const { return wrap("1", s); }
  std::string dim(const std::string& s) const { return wrap("2", s); }

 private:
  std::string wrap(const char* code, const std::string& s) const {
    return enabled_ ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
  }
  bool enabled_;
};

// Whether colour is allowed for <stream>: a tty, NO_COLOR unset (or empty), TERM not "dumb".
bool colour_allowed(std::FILE* stream);

}  // namespace asynclings::grader
