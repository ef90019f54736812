#include "core/resolve.hpp"

#include <algorithm>
#include <cctype>

namespace asynclings::grader {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 6 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The number in "3", "ch3", "ch03", "ch03-topic", "chapter3"; -1 when there is none.
int chapter_number(const std::string& spec) {
  if (all_digits(spec)) return std::stoi(spec);
  for (const char* prefix : {"chapter", "ch"}) {
    const std::string p = prefix;
    if (spec.rfind(p, 0) == 0) {
      std::string rest = spec.substr(p.size());
      std::string digits;
      for (char c : rest) {
        if (!std::isdigit(static_cast<unsigned char>(c))) break;
        digits += c;
      }
      if (all_digits(digits)) return std::stoi(digits);
    }
  }
  return -1;
}

}  // namespace

const Chapter& resolve_chapter(const std::vector<Chapter>& chapters, const std::string& raw) {
  const std::string spec = lower(raw);
  for (const auto& c : chapters)
    if (lower(c.dir_name) == spec || (!c.topic.empty() && lower(c.topic) == spec)) return c;
  const int number = chapter_number(spec);
  if (number >= 0) {
    // "ch03-gather" with a topic must agree with the folder's topic.
    const auto dash = spec.find('-');
    const std::string topic = dash == std::string::npos ? "" : spec.substr(dash + 1);
    for (const auto& c : chapters)
      if (c.number == number && (topic.empty() || lower(c.topic) == topic)) return c;
  }
  std::string known;
  for (const auto& c : chapters) known += (known.empty() ? "" : ", ") + c.dir_name;
  if (known.empty()) throw ResolveError("no chapter \"" + raw + "\": the workbook has no chapters yet");
  throw ResolveError("no chapter \"" + raw + "\"; the chapters are: " + known);
}

const Exercise& resolve_exercise(const Chapter& chapter, const std::string& raw) {
  const std::string spec = lower(raw);
  for (const auto& e : chapter.exercises)
    if (lower(e.id) == spec || lower(e.name) == spec) return e;
  std::string digits = spec;
  for (const char* prefix : {"exercise", "ex"})
    if (spec.rfind(prefix, 0) == 0) {
      digits = spec.substr(std::string(prefix).size());
      break;
    }
  if (all_digits(digits)) {
    const std::string id = "ex" + std::to_string(std::stoi(digits));
    for (const auto& e : chapter.exercises)
      if (lower(e.id) == id) return e;
  }
  std::string known;
  for (const auto& e : chapter.exercises)
    known += (known.empty() ? "" : ", ") + e.id + " (" + e.name + ")";
  throw ResolveError("no exercise \"" + raw + "\" in " + chapter.dir_name + "; it has: " + known);
}

std::string short_name(const Chapter& chapter) { return "ch" + std::to_string(chapter.number); }

}  // namespace asynclings::grader
