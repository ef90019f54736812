#include "core/sanitizer_report.hpp"

#include "core/source_location.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace asynclings::grader {
namespace {

// The lifetime bugs coroutine code makes, said once: every use-after-free or use-after-scope
// reading ends with them.
constexpr const char* kCoroutineLifetimes =
    "In coroutine code this is almost always something the coroutine refers to that died while "
    "it was suspended: the captures of a lambda that was a temporary (the lambda object is gone "
    "after the statement that started it, its coroutine is not), a reference parameter bound to a "
    "temporary or to a caller's local, or `this` of an object destroyed before its member "
    "coroutine finished. Give a coroutine what it needs by value (as parameters, not captures), "
    "and keep objects alive until their coroutines have finished.";

std::string reading_for(const std::string& kind) {
  if (kind == "heap-use-after-free") return std::string("memory was used after it was freed. ") + kCoroutineLifetimes;
  if (kind == "stack-use-after-scope" || kind == "stack-use-after-return")
    return std::string("a variable was used after it went out of scope. ") + kCoroutineLifetimes;
  if (kind == "stack-buffer-overflow" || kind == "stack-buffer-underflow")
    return std::string("memory beside a variable on the stack was used: an index past an array's end, or, in "
                       "coroutine code far more often, a coroutine reading through a reference into a stack "
                       "that has moved on. ") + kCoroutineLifetimes;
  if (kind == "heap-buffer-overflow" || kind == "global-buffer-overflow" || kind == "container-overflow")
    return "a read or write went past the end of a buffer: check indexes and loop bounds against size(), "
           "and iterators or references kept across a push_back (which may move the elements).";
  if (kind == "attempting double-free" || kind == "double-free" || kind == "bad-free")
    return "memory was freed twice, or something not allocated was freed: one owner per object "
           "(a std::unique_ptr or a value), and no delete of what a container or smart pointer owns.";
  if (kind == "SEGV")
    return "the program used an invalid pointer (null, or one to an object that no longer exists). "
           "If the code is a coroutine, check the lifetimes of what it refers to across co_await.";
  if (kind == "data race")
    return "two threads touched the same memory at once, at least one of them writing, with no lock, "
           "atomic or strand ordering them.";
  return {};
}

// "#3 0x55… in ns::f(int) /path/ex1_gather.hpp:52:7" -> file and line; false for frames
// without a source position ("(/lib/x86_64-linux-gnu/libc.so.6+0x2724a)").
bool frame_position(const std::string& frame, std::filesystem::path& file, int& line) {
  const auto space = frame.find_last_of(' ');
  std::string where = frame.substr(space == std::string::npos ? 0 : space + 1);
  // Up to two trailing ":<number>" parts: line, then maybe column.
  std::vector<int> numbers;
  for (int i = 0; i < 2; ++i) {
    const auto colon = where.rfind(':');
    if (colon == std::string::npos) break;
    const std::string tail = where.substr(colon + 1);
    if (tail.empty() || !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) break;
    numbers.insert(numbers.begin(), std::atoi(tail.c_str()));
    where.erase(colon);
  }
  if (numbers.empty() || where.empty()) return false;
  file = where;
  line = numbers.front();
  return line > 0;
}

bool is_frame(const std::string& line) {
  const auto first = line.find_first_not_of(' ');
  return first != std::string::npos && line[first] == '#' && first + 1 < line.size() &&
         line[first + 1] >= '0' && line[first + 1] <= '9';
}

// A frame as shown: its number, function (shortened: Asio's template names run to pages) and
// source position; the address is left out.
std::string short_frame(const std::string& frame) {
  std::istringstream in(frame);
  std::string number, address, word;
  in >> number >> address;
  std::string rest;
  std::getline(in, rest);
  rest.erase(0, rest.find_first_not_of(' '));
  if (rest.rfind("in ", 0) == 0) rest.erase(0, 3);
  const auto last_space = rest.find_last_of(' ');
  std::string function = last_space == std::string::npos ? rest : rest.substr(0, last_space);
  const std::string position = last_space == std::string::npos ? "" : rest.substr(last_space + 1);
  constexpr std::size_t kLongest = 70;
  if (function.size() > kLongest) function = function.substr(0, kLongest - 1) + "…";
  return "  " + number + " " + function + (position.empty() ? "" : "  " + position);
}

}  // namespace

std::string without_addresses(const std::string& line) {
  static const std::regex address(R"(( on address| at pc| bp| sp| at)? 0x[0-9a-f]+)");
  return std::regex_replace(line, address, "");
}

SanitizerReport read_sanitizer_report(const std::string& output, const std::filesystem::path& binary,
                                      const std::vector<std::string>& student_files) {
  SanitizerReport report;
  std::vector<std::string> lines;
  {
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::size_t start = lines.size();
  for (std::size_t i = 0; i < lines.size() && start == lines.size(); ++i) {
    for (const char* marker : {"ERROR: AddressSanitizer: ", "WARNING: ThreadSanitizer: ", "ERROR: ThreadSanitizer: "}) {
      const auto pos = lines[i].find(marker);
      if (pos == std::string::npos) continue;
      std::istringstream words(lines[i].substr(pos + std::string(marker).size()));
      words >> report.kind;
      if (report.kind == "attempting") {
        std::string next;
        words >> next;
        report.kind += " " + next;
      } else if (report.kind == "data") {
        report.kind = "data race";
      }
      start = i;
      break;
    }
  }
  if (start == lines.size()) return report;
  report.reading = reading_for(report.kind);

  auto is_student_file = [&](const std::filesystem::path& file) {
    return std::find(student_files.begin(), student_files.end(), file.filename().string()) != student_files.end();
  };
  // The report's blocks: the access (right after the error), then "freed by … here:",
  // "previously allocated by … here:"; the shadow-byte map after SUMMARY is left out.
  enum class Block { access, freed, stack_frame, other } block = Block::access;
  int frames_shown = 0;
  std::filesystem::path frame_file;  // the function whose stack frame held the memory
  // "==4790==ERROR: AddressSanitizer: …" without the process number.
  const auto said_at = std::min(lines[start].find("ERROR: "), lines[start].find("WARNING: "));
  report.excerpt = without_addresses(lines[start].substr(said_at == std::string::npos ? 0 : said_at)) + "\n";
  for (std::size_t i = start + 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.rfind("SUMMARY: ", 0) == 0) {
      report.excerpt += line + "\n";
      break;
    }
    if (line.find("freed by thread") != std::string::npos) {
      block = Block::freed;
      frames_shown = 0;
      report.excerpt += line + "\n";
      continue;
    }
    if (line.find("is located in stack of thread") != std::string::npos) {
      block = Block::stack_frame;  // the frame the memory belonged to, and its variables
      continue;
    }
    if (line.find("allocated by thread") != std::string::npos || line.find("is located") != std::string::npos) {
      block = Block::other;
      continue;
    }
    if (block == Block::stack_frame) {
      // "    [496, 736) 'limiter' (line 111) <== Memory access at offset 496 is inside this variable"
      const auto quote = line.find('\'');
      const auto marker = line.find("<== Memory access");
      if (quote != std::string::npos && marker != std::string::npos && !frame_file.empty() && is_student_file(frame_file)) {
        const auto end_quote = line.find('\'', quote + 1);
        const auto at = line.find("(line ", end_quote);
        const std::string variable = line.substr(quote + 1, end_quote - quote - 1);
        const int declared = at == std::string::npos ? 0 : std::atoi(line.c_str() + at + 6);
        if (declared > 0 && report.dead_variable.empty()) {
          report.dead_variable = "'" + variable + "', declared at " + source_location_text(frame_file, declared, binary);
          if (report.location.empty()) report.location = source_location_text(frame_file, declared, binary);
        }
      }
      if (is_frame(line)) {
        int number = 0;
        frame_position(line, frame_file, number);
      }
      continue;
    }
    if (!is_frame(line)) {
      if (block == Block::access && !line.empty() && line.find("Shadow") == std::string::npos && i == start + 1)
        report.excerpt += without_addresses(line) + "\n";  // "READ of size 4 at … thread T0"
      continue;
    }
    if (block == Block::other) continue;
    std::filesystem::path file;
    int number = 0;
    const bool positioned = frame_position(line, file, number);
    const bool theirs = positioned && is_student_file(file);
    if (theirs) {
      std::string& slot = block == Block::access ? report.location : report.freed_at;
      if (slot.empty()) slot = source_location_text(file, number, binary);
    }
    // A few frames of each stack, and every one in the student's files.
    if (frames_shown < 4 || (theirs && frames_shown < 12)) report.excerpt += short_frame(line) + (theirs ? "   <- your code" : "") + "\n";
    ++frames_shown;
  }
  return report;
}

}  // namespace asynclings::grader
