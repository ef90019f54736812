#include "compile_error.hpp"

#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace asynclings::grader {
namespace {

std::string read_line(const std::string& file, int line) {
  std::ifstream in(file);
  std::string text;
  for (int i = 1; i <= line && std::getline(in, text); ++i) {
    if (i == line) return text;
  }
  return {};
}

bool under(const std::string& file, const std::filesystem::path& root) {
  if (root.empty()) return file.rfind("/usr/", 0) != 0;
  const std::string r = root.string();
  if (file.rfind("/usr/", 0) == 0) return false;
  return file.rfind(r, 0) == 0 || file.front() != '/';
}

}  // namespace

std::string explain_error(const std::string& message) {
  // g++ quotes with ‘ ’ in UTF-8 locales and ' ' otherwise.
  std::string m;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message.compare(i, 3, "\xe2\x80\x98") == 0 || message.compare(i, 3, "\xe2\x80\x99") == 0) {
      m += '\'';
      i += 2;
    } else {
      m += message[i];
    }
  }
  struct Rule {
    const char* needle;
    const char* reading;
  };
  static const Rule rules[] = {
      {"cannot be used in the 'main' function", "main() cannot be a coroutine: co_await inside a coroutine it starts (asio::co_spawn) instead"},
      {"unable to find the promise type for this coroutine",
       "co_await, co_return or co_yield makes a function a coroutine, but its return type is not a coroutine type: return asio::awaitable<T> (or the chapter's Task/Generator)"},
      {"co_await", "co_await is only allowed inside a coroutine (a function returning an awaitable type), and only on something awaitable"},
      {"was not declared in this scope", "a name is used that the compiler cannot see here: a typo, a missing #include, or a missing namespace qualifier"},
      {"has not been declared", "a name is used that the compiler cannot see here: a typo, a missing #include, or a missing namespace qualifier"},
      {"is not a member of", "that namespace or class has no such name: check the spelling and the #include"},
      {"has no member named", "the type has no member with that name: a typo, or the object is not the type you think"},
      {"does not name a type", "the compiler does not know this type: a missing #include, a typo, or a missing namespace"},
      {"no matching function for call to", "no overload accepts these arguments: compare the argument types and count with the function's declaration"},
      {"no matching member function", "no overload accepts these arguments: compare the argument types and count with the function's declaration"},
      {"no match for", "no operator accepts these operand types: one side is not the type you think (is it still an awaitable that needs co_await?)"},
      {"incomplete type", "the type is incomplete here (declared but not defined): #include the header that defines it"},
      {"use of deleted function", "this copies something that can only be moved (or calls a deleted function): std::move it, or pass it by reference"},
      {"cannot convert", "a value of one type is used where another type is required (forgot a co_await, or the wrong return type?)"},
      {"could not convert", "a value of one type is used where another type is required (forgot a co_await, or the wrong return type?)"},
      {"invalid conversion", "a value of one type is used where another type is required"},
      {"discards qualifiers", "a non-const member function is called on a const object: mark the function const or drop the const"},
      {"expected ';'", "a ';' is missing, usually at the end of the line before, or after a class or struct's closing brace"},
      {"expected '}'", "a brace is not closed: count the { and } above this line"},
      {"expected primary-expression", "the syntax is broken just before this point: a missing operand, parenthesis or comma"},
      {"return-statement with a value", "a coroutine returns its value with co_return, not return (and a void function returns nothing)"},
      {"is private within this context", "this member is private: use the class's public interface"},
      {"undefined reference to", "the linker found a declaration but no definition: a function is declared but never defined (or its .cpp is not compiled)"},
      {"multiple definition of", "the same function is defined twice: define it in one .cpp, or mark it inline in a header"},
      {"redefinition of", "this is defined twice: remove one, or guard the header with #pragma once"},
      {"cannot be used as a function", "something that is not a function (or lambda) is called with ()"},
      {"No such file or directory", "an #include names a file that does not exist: check the spelling and the path"},
      {"template argument deduction/substitution failed", "the template cannot work out its type parameters from these arguments"},
  };
  for (const auto& rule : rules)
    if (m.find(rule.needle) != std::string::npos) return rule.reading;
  return {};
}

std::optional<CompileError> first_compile_error(const std::string& log,
                                                const std::filesystem::path& root) {
  static const std::regex located(R"(^(.+?):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)$)");
  static const std::regex required_from(R"(^(.+?):(\d+):(\d+):\s+required from here)");
  static const std::regex linker(R"(^(?:.*: )?(undefined reference to .*|multiple definition of .*)$)");
  static const std::regex plain_error(R"(^(?:.*?: )?(?:fatal )?error: (.*)$)");

  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }

  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (std::regex_match(lines[i], m, located)) {
      CompileError error;
      error.file = m[1];
      error.line = std::stoi(m[2]);
      error.column = m[3].matched ? std::stoi(m[3]) : 0;
      error.message = m[4];
      error.source_line = read_line(error.file, error.line);
      error.reading = explain_error(error.message);
      if (!under(error.file, root)) {
        // The error is inside a library; the student's line is the last "required from
        // here" before it (template instantiation backtrace) or after it (until the next error).
        for (std::size_t j = i; j-- > 0;) {
          std::smatch r;
          if (std::regex_search(lines[j], r, required_from) && under(r[1], root)) {
            error.user_file = r[1];
            error.user_line = std::stoi(r[2]);
            break;
          }
          if (lines[j].find("error:") != std::string::npos || lines[j].rfind("FAILED:", 0) == 0) break;
        }
        for (std::size_t j = i + 1; error.user_file.empty() && j < lines.size(); ++j) {
          if (lines[j].find(" error: ") != std::string::npos) break;
          std::smatch r;
          if (std::regex_search(lines[j], r, required_from) && under(r[1], root)) {
            error.user_file = r[1];
            error.user_line = std::stoi(r[2]);
          }
        }
      }
      return error;
    }
    if (std::regex_match(lines[i], m, linker)) {
      CompileError error;
      error.message = m[1];
      error.reading = explain_error(error.message);
      return error;
    }
  }
  for (const auto& line : lines) {
    std::smatch m;
    if (std::regex_match(line, m, plain_error)) {
      CompileError error;
      error.message = m[1];
      error.reading = explain_error(error.message);
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace asynclings::grader
