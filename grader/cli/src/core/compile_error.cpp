#include "core/compile_error.hpp"

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

// g++ quotes with ‘ ’ in UTF-8 locales and ' ' otherwise.
std::string plain_quotes(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\xe2\x80\x98") == 0 || text.compare(i, 3, "\xe2\x80\x99") == 0) {
      out += '\'';
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool under(const std::string& file, const std::filesystem::path& root) {
  if (root.empty()) return file.rfind("/usr/", 0) != 0;
  const std::string r = root.string();
  if (file.rfind("/usr/", 0) == 0) return false;
  return file.rfind(r, 0) == 0 || file.front() != '/';
}

bool has(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

// "boost::asio::awaitable<int>" reads as "asio::awaitable<int>", the lessons' spelling.
std::string short_type(std::string type) {
  for (std::size_t at; (at = type.find("boost::asio::")) != std::string::npos;) type.erase(at, 7);
  return type;
}

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// g++ 12 reports a {…} list inside a co_await expression at the coroutine's closing brace:
// the co_await statement before that line whose text (up to its ';') holds a '{'.
int co_await_with_braces_before(const std::string& file, int line) {
  std::ifstream in(file);
  std::vector<std::string> text;
  for (std::string l; static_cast<int>(text.size()) < line && std::getline(in, l);)
    text.push_back(l);
  for (int k = static_cast<int>(text.size()) - 1; k >= 0; --k) {
    const auto at = text[k].find("co_await");
    if (at == std::string::npos) continue;
    std::string statement = text[k].substr(at);
    for (int n = k + 1; statement.find(';') == std::string::npos &&
                        n < static_cast<int>(text.size()) && n <= k + 10;
         ++n)
      statement += text[n];
    if (statement.substr(0, statement.find(';')).find('{') != std::string::npos) return k + 1;
  }
  return 0;
}

// Whether the innermost function around <line>:<column> of <file> is a lambda: walks back to the
// enclosing '{' (skipping if/for/while/else/… blocks) and reads what stands before it. In a
// template g++'s context names the template, not the lambda, so the source decides.
bool inside_lambda(const std::string& file, int line, int column) {
  std::ifstream in(file);
  std::vector<std::string> text;
  for (std::string l; static_cast<int>(text.size()) < line && std::getline(in, l);)
    text.push_back(l);
  // The error's own line counts up to the error: `[&](auto w) { co_await w; }` on one line.
  if (static_cast<int>(text.size()) == line && column > 0)
    text.back().resize(std::min<std::size_t>(text.back().size(), column - 1));
  static const std::regex lambda_head(R"(\]\s*(\(.*\))?\s*(mutable\s*)?(noexcept\s*)?(->[^{]*)?$)");
  static const std::regex control_head(
      R"((\b(if|for|while|switch|catch)\s*\(.*\)|\belse|\bdo|\btry)\s*$)");
  int depth = 0;
  for (int k = static_cast<int>(text.size()) - 1;
       k >= 0 && k >= static_cast<int>(text.size()) - 200; --k) {
    for (std::size_t c = text[k].size(); c-- > 0;) {
      if (text[k][c] == '}') ++depth;
      if (text[k][c] != '{') continue;
      if (depth > 0) {
        --depth;
        continue;
      }
      std::string head = trimmed(text[k].substr(0, c));
      if (head.empty() && k > 0) head = trimmed(text[k - 1]);
      if (std::regex_search(head, lambda_head)) return true;
      if (!std::regex_search(head, control_head)) return false;
    }
  }
  return false;
}

// The coroutine slips a beginner makes, recognised from what g++ 12 prints against Boost 1.81
// (grader/cli/tests/fixtures/coroutine_slips holds a real log of each): the first error's
// message, its report (notes and instantiation backtrace, up to the next error in the
// student's files), and, for some, the whole log and the <source> file (the error's file on
// disk). Names the slip and says the fix in one line.
void recognise_coroutine_slip(const std::vector<std::string>& lines, std::size_t first,
                              const std::string& report, const std::string& source,
                              CompileError& error) {
  const std::string m = plain_quotes(error.message);
  const auto slip = [&](const char* name, std::string fix) {
    error.slip = name;
    error.reading = std::move(fix);
  };
  const auto anywhere = [&](const char* needle) {
    for (const auto& line : lines)
      if (has(plain_quotes(line), needle)) return true;
    return false;
  };
  // The context g++ prints above an error: "In lambda function:", or for a lambda in a
  // template (most exercises), "In instantiation of '…<lambda(…)>…'" and its backtrace.
  bool in_lambda = false;
  for (std::size_t j = first; j-- > 0 && first - j <= 8;) {
    if (has(lines[j], " error: ") || has(lines[j], " note: ")) break;
    if (has(lines[j], "In lambda function") ||
        (has(lines[j], "In instantiation of") && has(lines[j], "<lambda"))) {
      in_lambda = true;
      break;
    }
    if (has(lines[j], "In function") || has(lines[j], "In member function") ||
        has(lines[j], "In instantiation of"))
      break;
  }
  static const std::regex awaitable_type(R"(\b(?:awaitable|[Tt]ask)<)");
  static const std::regex from_to(
      R"(^(?:conversion from|cannot convert|could not convert '.*?' from) '([^']*)'(?: \{aka '([^']*)'\})? to (?:non-scalar type )?'([^']*)'(?: \{aka '([^']*)'\})?)");
  static const std::regex member(R"('(?:class |struct )?([^']*)' has no member named '([^']*)')");
  static const std::regex void_token(R"(\[with [A-Za-z]*Token = void)");
  std::smatch s;

  if (has(m, "this_coro::executor_t")) {
    return slip("executor-without-co_await",
                "asio::this_coro::executor is a question you co_await, not the executor itself: "
                "`auto ex = co_await asio::this_coro::executor;`");
  }
  // g++ first complains about the returned value, then (at the function's name) about return.
  const char* return_in_coroutine = "a 'return' statement is not allowed in coroutine";
  const auto return_not_co_return = [&] {
    slip("return-not-co_return",
         "this function is a coroutine (it uses co_await), so it hands back its result with "
         "`co_return value;`, not `return value;`");
  };
  if (has(m, return_in_coroutine)) return return_not_co_return();
  if (std::regex_search(m, s, from_to)) {
    // g++ adds {aka '…'} after a type it spells through an alias (std::remove_reference<…>::type).
    const std::string from = s[2].matched ? s[2].str() : s[1].str();
    const std::string to = s[4].matched ? s[4].str() : s[3].str();
    const bool from_awaitable = std::regex_search(from, awaitable_type);
    const bool to_awaitable = std::regex_search(to, awaitable_type);
    if (from_awaitable && !to_awaitable) {
      if (has(report, "initializing argument")) {
        return slip(
            "awaitable-as-argument",
            "an " + short_type(from) + " is passed where a value of type " + short_type(to) +
                " is expected: co_await the call inside the argument list, `f(co_await call(…))`");
      }
      return slip("awaitable-as-value",
                  short_type(from) +
                      " is the operation, not its result: put co_await before the call, `" +
                      short_type(to) + " result = co_await call(…);`");
    }
    if (to_awaitable && !from_awaitable) {
      if (anywhere(return_in_coroutine)) return return_not_co_return();
      return slip("no-co-keyword", "a function returning " + short_type(to) +
                                       " is a coroutine only when its body uses co_await or "
                                       "co_return: write `co_return value;`");
    }
  }
  // An awaitable handed to a function that takes its value: g++ lists the candidates, each with
  // "no known conversion for argument N from '<awaitable>' {aka '…'} to '<value>'".
  static const std::regex no_conversion(
      R"(no known conversion for argument \d+ from '([^']*)'(?: \{aka '([^']*)'\})? to '([^']*)'(?: \{aka '([^']*)'\})?)");
  if (has(m, "no matching function for call to") && std::regex_search(report, s, no_conversion)) {
    const std::string from = s[2].matched ? s[2].str() : s[1].str();
    const std::string to = s[4].matched ? s[4].str() : s[3].str();
    if (std::regex_search(from, awaitable_type) && !std::regex_search(to, awaitable_type)) {
      return slip(
          "awaitable-as-argument",
          "an " + short_type(from) +
              " is passed where its value is expected: co_await it first, `f(co_await call(…))`");
    }
  }
  if (std::regex_search(m, s, member) && std::regex_search(s[1].str(), awaitable_type)) {
    return slip(
        "awaitable-member",
        "." + s[2].str() + " is asked of " + short_type(s[1]) +
            ", the operation, not of its result: `auto result = co_await call(…);` then result." +
            s[2].str());
  }
  const bool deduced = has(m, "cannot be used in a function with a deduced return type");
  if ((deduced || has(m, "unable to find the promise type for this coroutine")) && !in_lambda)
    in_lambda = inside_lambda(source, error.line, error.column);
  if (deduced || (in_lambda && has(m, "unable to find the promise type for this coroutine"))) {
    if (in_lambda) {
      return slip(
          "co_await-in-plain-lambda",
          "this lambda is not a coroutine: give it a coroutine return type, `[…]() -> "
          "asio::awaitable<void> { … }`, and co_await (or co_spawn) what calling it returns");
    }
    return slip("co_await-in-auto-function",
                "a function declared `auto` cannot be a coroutine: spell its return type, "
                "asio::awaitable<T>");
  }
  if (has(m, "unable to find the promise type for this coroutine")) {
    return slip(
        "co_await-in-plain-function",
        "co_await, co_return or co_yield makes a function a coroutine, but its return type is not "
        "a coroutine type: return asio::awaitable<T> (or the chapter's Task/Generator)");
  }
  if (m == "array used as initializer" &&
      (trimmed(error.source_line).rfind('}', 0) == 0 || anywhere("confused by earlier errors"))) {
    if (const int line = co_await_with_braces_before(source, error.line); line > 0) {
      error.user_file = error.file;
      error.user_line = line;
    }
    return slip("brace-list-in-co_await",
                "g++ 12 cannot compile a {…} list inside a co_await expression (a lambda capture "
                "initialised with one included): build the value in a named variable first, then "
                "co_await with it");
  }
  if (has(m, "deferred_") && has(m, "to lvalue")) {
    return slip(
        "deferred-awaited-twice",
        "a deferred operation is used up by one co_await, as an rvalue: `co_await std::move(op);` "
        "— to wait again, make a new one (`timer.async_wait(asio::deferred)`)");
  }
  // The token left out: a defaulted one deduces as void; one without a default leaves the
  // call an argument short.
  static const std::regex one_short(R"(candidate expects (\d+) arguments?, (\d+) provided)");
  const bool token_short =
      std::regex_search(report, s, one_short) && std::stoi(s[1]) == std::stoi(s[2]) + 1;
  if (has(m, "no matching function for call to") && has(report, "completion_token_for<") &&
      (std::regex_search(report, void_token) || token_short)) {
    if (has(m, "co_spawn(")) {
      return slip(
          "missing-completion-token",
          "co_spawn needs a completion token as its last argument: `co_await asio::co_spawn(ex, "
          "f(), asio::use_awaitable)` to wait for it, `asio::detached` to let it run alone");
    }
    return slip("missing-completion-token",
                "an Asio async operation needs a completion token as its last argument: add "
                "asio::use_awaitable, as in `co_await timer.async_wait(asio::use_awaitable);`");
  }
  if (has(m, "awaitable_async_op_handler<void(std::__exception_ptr::exception_ptr")) {
    return slip("co_spawn-deferred",
                "Boost 1.81 cannot co_await co_spawn(…, asio::deferred): write `co_await "
                "asio::co_spawn(ex, f(), asio::use_awaitable)`");
  }
}

}  // namespace

std::string explain_error(const std::string& message) {
  const std::string m = plain_quotes(message);
  struct Rule {
    const char* needle;
    const char* reading;
  };
  static const Rule rules[] = {
      {"cannot be used in the 'main' function",
       "main() cannot be a coroutine: co_await inside a coroutine it starts (asio::co_spawn) "
       "instead"},
      {"unable to find the promise type for this coroutine",
       "co_await, co_return or co_yield makes a function a coroutine, but its return type is not a "
       "coroutine type: return asio::awaitable<T> (or the chapter's Task/Generator)"},
      {"co_await",
       "co_await is only allowed inside a coroutine (a function returning an awaitable type), and "
       "only on something awaitable"},
      {"was not declared in this scope",
       "a name is used that the compiler cannot see here: a typo, a missing #include, or a missing "
       "namespace qualifier"},
      {"has not been declared",
       "a name is used that the compiler cannot see here: a typo, a missing #include, or a missing "
       "namespace qualifier"},
      {"is not a member of",
       "that namespace or class has no such name: check the spelling and the #include"},
      {"has no member named",
       "the type has no member with that name: a typo, or the object is not the type you think"},
      {"does not name a type",
       "the compiler does not know this type: a missing #include, a typo, or a missing namespace"},
      {"no matching function for call to",
       "no overload accepts these arguments: compare the argument types and count with the "
       "function's declaration"},
      {"no matching member function",
       "no overload accepts these arguments: compare the argument types and count with the "
       "function's declaration"},
      {"no match for",
       "no operator accepts these operand types: one side is not the type you think (is it still "
       "an awaitable that needs co_await?)"},
      {"incomplete type",
       "the type is incomplete here (declared but not defined): #include the header that defines "
       "it"},
      {"use of deleted function",
       "this copies something that can only be moved (or calls a deleted function): std::move it, "
       "or pass it by reference"},
      {"cannot convert",
       "a value of one type is used where another type is required (forgot a co_await, or the "
       "wrong return type?)"},
      {"could not convert",
       "a value of one type is used where another type is required (forgot a co_await, or the "
       "wrong return type?)"},
      {"invalid conversion", "a value of one type is used where another type is required"},
      {"discards qualifiers",
       "a non-const member function is called on a const object: mark the function const or drop "
       "the const"},
      {"expected ';'",
       "a ';' is missing, usually at the end of the line before, or after a class or struct's "
       "closing brace"},
      {"expected '}'", "a brace is not closed: count the { and } above this line"},
      {"expected primary-expression",
       "the syntax is broken just before this point: a missing operand, parenthesis or comma"},
      {"return-statement with a value",
       "a coroutine returns its value with co_return, not return (and a void function returns "
       "nothing)"},
      {"is private within this context",
       "this member is private: use the class's public interface"},
      {"undefined reference to",
       "the linker found a declaration but no definition: a function is declared but never defined "
       "(or its .cpp is not compiled)"},
      {"multiple definition of",
       "the same function is defined twice: define it in one .cpp, or mark it inline in a header"},
      {"redefinition of",
       "this is defined twice: remove one, or guard the header with #pragma once"},
      {"cannot be used as a function",
       "something that is not a function (or lambda) is called with ()"},
      {"No such file or directory",
       "an #include names a file that does not exist: check the spelling and the path"},
      {"template argument deduction/substitution failed",
       "the template cannot work out its type parameters from these arguments"},
  };
  for (const auto& rule : rules)
    if (m.find(rule.needle) != std::string::npos) return rule.reading;
  return {};
}

std::optional<CompileError> first_compile_error(const std::string& log,
                                                const std::filesystem::path& root,
                                                const std::filesystem::path& build_dir) {
  // The file as it is on disk: a name the compiler printed relative to where it ran.
  const auto on_disk = [&](const std::string& file) {
    if (build_dir.empty() || file.empty() || file.front() == '/') return file;
    return (build_dir / file).lexically_normal().string();
  };
  static const std::regex located(R"(^(.+?):(\d+):(?:(\d+):)? (?:fatal )?error: (.*)$)");
  static const std::regex required_from(R"(^(.+?):(\d+):(\d+):\s+required from here)");
  static const std::regex linker(
      R"(^(?:.*: )?(undefined reference to .*|multiple definition of .*)$)");
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
      error.source_line = read_line(on_disk(error.file), error.line);
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
          if (lines[j].find("error:") != std::string::npos || lines[j].rfind("FAILED:", 0) == 0)
            break;
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
      std::string report;
      for (std::size_t j = i + 1; j < lines.size(); ++j) {
        std::smatch next;
        if (std::regex_match(lines[j], next, located) && under(next[1], root)) break;
        report += plain_quotes(lines[j]) + '\n';
      }
      recognise_coroutine_slip(lines, i, report, on_disk(error.file), error);
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
