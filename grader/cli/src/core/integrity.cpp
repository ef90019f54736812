#include "core/integrity.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace asynclings::grader {
namespace {

enum class Kind { identifier, string, number, punct, directive_hash };

struct Token {
  Kind kind;
  std::string text;
  int line;
  bool line_start;  // first token of its (logical) line
};

// Splits C++ source into tokens: comments dropped, backslash-newlines joined (so an
// identifier cut in two by one is still seen whole), string literals kept as one token.
std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  int line = 1;
  bool line_start = true;
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto at = [&](std::size_t k) { return k < n ? s[k] : '\0'; };
  // Skips any backslash-newline at i (they are invisible to the compiler).
  auto splice = [&] {
    while (at(i) == '\\' && (at(i + 1) == '\n' || (at(i + 1) == '\r' && at(i + 2) == '\n'))) {
      i += at(i + 1) == '\n' ? 2 : 3;
      ++line;
    }
  };
  auto push = [&](Kind kind, std::string text, int start_line) {
    out.push_back({kind, std::move(text), start_line, line_start});
    line_start = false;
  };
  while (true) {
    splice();
    if (i >= n) break;
    const char c = s[i];
    if (c == '\n') {
      ++line, ++i;
      line_start = true;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '/' && at(i + 1) == '/') {
      while (i < n && s[i] != '\n') {
        if (s[i] == '\\' && at(i + 1) == '\n') ++line, ++i;  // a continued comment
        ++i;
      }
      continue;
    }
    if (c == '/' && at(i + 1) == '*') {
      i += 2;
      while (i < n && !(s[i] == '*' && at(i + 1) == '/')) {
        if (s[i] == '\n') ++line;
        ++i;
      }
      i += 2;
      continue;
    }
    const int start_line = line;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::string word;
      while (true) {
        splice();
        if (i < n && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_'))
          word += s[i++];
        else
          break;
      }
      // A string or character literal with a prefix: R"(…)", u8"…", L'x'.
      if (at(i) == '"' || at(i) == '\'') {
        static const std::set<std::string> prefixes = {"R",   "u8", "u",  "U", "L",
                                                       "u8R", "uR", "UR", "LR"};
        if (prefixes.count(word)) {
          if (word.back() == 'R' && at(i) == '"') {
            const std::size_t open = s.find('(', i);
            const std::string delimiter = s.substr(i + 1, open - i - 1);
            const std::string close = ")" + delimiter + "\"";
            const std::size_t end = s.find(close, open);
            const std::size_t stop = end == std::string::npos ? n : end + close.size();
            const std::string body = s.substr(i, stop - i);
            line += static_cast<int>(std::count(body.begin(), body.end(), '\n'));
            push(Kind::string, body, start_line);
            i = stop;
            continue;
          }
          word.clear();  // fall through to the literal below
        }
      }
      if (!word.empty()) {
        push(Kind::identifier, word, start_line);
        // After `#include` (or `#include_next`, `#import`) a <…> header name is one token
        // for the compiler, `//` and `/*` in it included: read it as written.
        if ((word == "include" || word == "include_next" || word == "import") && out.size() >= 2 &&
            out[out.size() - 2].kind == Kind::directive_hash &&
            out[out.size() - 2].line == start_line) {
          while (at(i) == ' ' || at(i) == '\t') ++i;
          if (at(i) == '<') {
            const std::size_t close = s.find_first_of(">\n", i);
            const std::size_t stop = close == std::string::npos ? n : close;
            push(Kind::string, s.substr(i, stop - i) + ">", start_line);
            i = stop < n && s[stop] == '>' ? stop + 1 : stop;
          }
        }
        continue;
      }
    }
    if (at(i) == '"' || at(i) == '\'') {
      const char quote = s[i];
      std::string text(1, quote);
      ++i;
      while (i < n && s[i] != quote && s[i] != '\n') {
        if (s[i] == '\\' && i + 1 < n) {
          if (s[i + 1] == '\n') {
            ++line;
            i += 2;
            continue;
          }
          text += s[i++];
        }
        text += s[i++];
      }
      ++i;
      text += quote;
      push(quote == '"' ? Kind::string : Kind::number, text, start_line);
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      std::string number;
      while (i < n &&
             (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == '\''))
        number += s[i++];
      push(Kind::number, number, start_line);
      continue;
    }
    // Punctuation: the few multi-character ones the rules look at, else one character.
    for (const char* p : {"::", "##", "->", "[[", "%:%:", "%:"}) {
      const std::string op = p;
      if (s.compare(i, op.size(), op) == 0) {
        const bool hash = op == "%:";  // the digraph of #
        const std::string canonical = op == "%:%:" ? "##" : (hash ? "#" : op);
        push(hash && line_start ? Kind::directive_hash : Kind::punct, canonical, start_line);
        i += op.size();
        goto next;
      }
    }
    push(c == '#' && line_start ? Kind::directive_hash : Kind::punct, std::string(1, c),
         start_line);
    ++i;
  next:;
  }
  return out;
}

struct Rule {
  std::string category;
  enum class When { always, called, qualified, unless_member } when = When::always;
  // For `called`: the arguments the system function takes, so a student's own `kill()` or
  // `open()` of another arity is not mistaken for it.
  int min_args = 0;
  int max_args = 99;
};

// Identifiers refused wherever they appear (always), only when called as a free function
// (`exit(`, `::exit(`, `std::exit(`, never `.exit(`), or only next to `::`.
const std::map<std::string, Rule>& identifier_rules() {
  using W = Rule::When;
  static const std::map<std::string, Rule> rules = [] {
    std::map<std::string, Rule> r;
    auto add = [&](const std::string& category, W when, std::initializer_list<const char*> names) {
      for (const char* name : names) r[name] = Rule{category, when};
    };
    add("exit", W::always,
        {"_exit", "_Exit", "quick_exit", "at_quick_exit", "atexit", "on_exit", "setjmp", "longjmp",
         "_setjmp", "_longjmp", "sigsetjmp", "siglongjmp", "swapcontext", "setcontext",
         "makecontext", "pthread_exit"});
    // Anywhere but as a member: `auto f = std::exit; f(0);` ends the process as surely.
    add("exit", W::unless_member, {"exit"});
    add("files", W::always,
        {"fopen", "fopen64", "freopen", "fdopen", "open64", "openat", "creat", "ofstream",
         "ifstream", "fstream", "basic_ofstream", "basic_ifstream", "basic_fstream", "filebuf",
         "basic_filebuf", "filesystem", "unlink", "unlinkat", "symlink", "symlinkat", "linkat",
         "renameat", "mkdir", "mkdirat", "rmdir", "chmod", "fchmod", "chown", "truncate",
         "ftruncate", "mkstemp", "mkdtemp", "tmpfile", "tmpnam", "realpath", "readlink", "opendir",
         "mmap", "mmap64", "sendfile", "dup2", "dup3",
         // Files through a library: Asio's files, fmt/os.h, Boost.PropertyTree's writers,
         // Boost.Beast's file classes.
         "stream_file", "basic_stream_file", "random_access_file", "basic_random_access_file",
         "output_file", "buffered_file", "write_json", "write_xml", "write_ini", "write_info",
         "file_posix", "file_stdio"});
    add("files", W::called, {"open", "rename", "link", "remove"});
    r["open"].min_args = 2, r["open"].max_args = 3;
    r["rename"].min_args = r["rename"].max_args = 2;
    r["link"].min_args = r["link"].max_args = 2;
    r["remove"].min_args = r["remove"].max_args = 1;  // <cstdio>'s, not <algorithm>'s
    add("environment", W::always,
        {"getenv", "secure_getenv", "setenv", "unsetenv", "putenv", "clearenv", "environ",
         "getauxval", "program_invocation_name", "program_invocation_short_name"});
    add("processes", W::always,
        {"popen", "pclose", "fork", "vfork", "clone3", "execl", "execle", "execlp", "execv",
         "execve", "execvp", "execvpe", "fexecve", "posix_spawn", "posix_spawnp", "daemon",
         "getppid", "setrlimit", "prlimit"});
    add("processes", W::called, {"clone"});
    r["clone"].min_args = 3;
    add("processes", W::unless_member, {"system"});  // boost::system::error_code is fine: see below
    add("processes", W::qualified, {"process"});
    add("signals", W::always,
        {"killpg", "tgkill", "tkill", "sigaction", "sigprocmask", "pthread_sigmask", "pthread_kill",
         "ptrace", "process_vm_writev", "process_vm_readv"});
    add("signals", W::called, {"kill", "signal"});
    r["kill"].min_args = r["kill"].max_args = 2;
    r["signal"].min_args = r["signal"].max_args = 2;
    add("linker", W::always,
        {"asm", "init_priority", "dlopen", "dlsym", "dlmopen", "dlvsym", "extern", "syscall",
         "prctl"});
    // Attributes: [[gnu::…]] and [[using gnu: …]] alike (section, constructor, weak…).
    add("linker", W::always, {"gnu", "clang"});
    add("test-framework", W::always,
        {"gtest", "gmock", "UnitTest", "TestEventListener", "EmptyTestEventListener",
         "TestEventListeners", "TestInfo", "TestPartResult", "RUN_ALL_TESTS", "InitGoogleTest",
         "TEST", "TEST_F", "TEST_P", "TYPED_TEST", "ADD_FAILURE", "ADD_FAILURE_AT",
         "RecordProperty", "testkit"});
    add("test-framework", W::called, {"SUCCEED", "FAIL"});
    // GoogleTest's namespace however it is reached: `testing::`, `namespace testing {` (an
    // overload that GoogleTest's own templates would prefer), `using namespace testing`, an
    // alias.
    add("test-framework", W::always, {"testing"});
    return r;
  }();
  return rules;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The number of arguments of the call whose "(" is tokens[open] (0 for "()").
int argument_count(const std::vector<Token>& tokens, std::size_t open) {
  int depth = 0, commas = 0;
  for (std::size_t k = open; k < tokens.size(); ++k) {
    const std::string& t = tokens[k].text;
    if (tokens[k].kind != Kind::punct) continue;
    if (t == "(" || t == "[" || t == "{")
      ++depth;
    else if (t == ")" || t == "]" || t == "}") {
      if (--depth == 0) return k == open + 1 ? 0 : commas + 1;
    } else if (t == "," && depth == 1)
      ++commas;
  }
  return commas + 1;
}

// Identifiers a program never needs to spell: reserved names (`__attribute__`, `__libc_argv`)
// and GoogleTest's macro families. The handful of reserved names debug printing uses stay.
std::string reserved_category(const std::string& word) {
  static const std::set<std::string> harmless = {
      "__func__",    "__FILE__",      "__LINE__",    "__PRETTY_FUNCTION__",
      "__cplusplus", "__has_include", "__VA_ARGS__", "__VA_OPT__"};
  std::string lower = word.substr(0, 10);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // gtest_ar_, GTEST_SKIP, GOOGLETEST_…_H_ (an include guard that would hide a header): names of
  // GoogleTest's macros and of the locals they declare.
  if (starts_with(word, "EXPECT_") || starts_with(word, "ASSERT_") || starts_with(lower, "gtest") ||
      starts_with(lower, "gmock") || starts_with(lower, "googletest"))
    return "test-framework";
  if (word == "_Pragma") return "preprocessor";  // #pragma in an expression
  if (starts_with(word, "__") && !harmless.count(word)) return "linker";
  return {};
}

const std::set<std::string>& keywords() {
  // clang-format off
  static const std::set<std::string> words = {
      "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char",
      "class", "concept", "const", "consteval", "constexpr", "constinit", "const_cast", "continue",
      "co_await", "co_return", "co_yield", "decltype", "default", "delete", "do", "double",
      "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept",
      "not", "nullptr", "operator", "or", "private", "protected", "public", "register",
      "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
      "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
      "virtual", "void", "volatile", "while", "main"};
  // clang-format on
  return words;
}

// Headers by what they give access to; anything not listed is refused as "includes".
std::string header_category(const std::string& header, const IntegrityRules& rules, bool quoted) {
  static const std::set<std::string> standard = {
      "algorithm", "any", "array", "atomic", "barrier", "bit", "bitset", "cassert", "cctype",
      "cerrno", "cfloat", "charconv", "chrono", "cinttypes", "climits", "clocale", "cmath",
      "codecvt", "compare", "complex", "concepts", "condition_variable", "coroutine", "cstddef",
      "cstdint", "cstdio", "cstdlib", "cstring", "ctime", "cwchar", "cwctype", "deque", "exception",
      "execution", "expected", "format", "forward_list", "functional", "future", "initializer_list",
      "iomanip", "ios", "iosfwd", "iostream", "istream", "iterator", "latch", "limits", "list",
      "locale", "map", "memory", "memory_resource", "mutex", "new", "numbers", "numeric",
      "optional", "ostream", "queue", "random", "ranges", "ratio", "regex", "scoped_allocator",
      "semaphore", "set", "shared_mutex", "source_location", "span", "sstream", "stack",
      "stdexcept", "stop_token", "streambuf", "string", "string_view", "syncstream", "system_error",
      "thread", "tuple", "type_traits", "typeindex", "typeinfo", "unordered_map", "unordered_set",
      "utility", "valarray", "variant", "vector", "version", "assert.h", "stdio.h", "stdlib.h",
      "string.h", "stdint.h", "stddef.h", "math.h", "errno.h", "limits.h", "time.h", "inttypes.h",
      "ctype.h", "cstdarg", "cfenv", "cuchar", "ciso646", "cstdalign", "cstdbool", "stdarg.h",
      "stdbool.h", "stdatomic.h", "bits/stdc++.h",
      // POSIX headers a student reaches for without meaning harm (sleep, usleep, getpid): the
      // dangerous calls they declare are refused by name, so a sleep gets its real diagnosis.
      "unistd.h", "sys/types.h", "sys/time.h", "sched.h", "pthread.h"};
  static const std::map<std::string, std::string> sensitive = {
      {"fstream", "files"},     {"filesystem", "files"}, {"fcntl.h", "files"},
      {"dirent.h", "files"},    {"csignal", "signals"},  {"signal.h", "signals"},
      {"spawn.h", "processes"}, {"dlfcn.h", "linker"},   {"poll.h", "posix"}};
  // A path that leaves the folder it names (`..`, `/…`, `x//../`), or a comment or a line
  // continuation inside the name.
  for (const char* odd : {"..", "//", "/*", "\\"})
    if (header.find(odd) != std::string::npos) return "includes";
  if (header.empty() || starts_with(header, "/")) return "includes";
  if (quoted && header.find('/') == std::string::npos && rules.local_files.count(header)) return {};
  if (standard.count(header)) return {};
  if (auto it = sensitive.find(header); it != sensitive.end()) return it->second;
  if (starts_with(header, "sys/") || starts_with(header, "linux/")) return "posix";
  if (starts_with(header, "boost/process")) return "processes";
  // Libraries that read and write files (fmt's file API, Asio's files, Boost's file writers).
  for (const char* files :
       {"fmt/os.h", "fmt/posix.h", "boost/asio/stream_file", "boost/asio/random_access_file",
        "boost/asio/basic_file", "boost/asio/basic_stream_file",
        "boost/asio/basic_random_access_file", "boost/property_tree", "boost/beast", "boost/nowide",
        "boost/log", "boost/gil", "boost/archive", "boost/serialization", "boost/wave"})
    if (starts_with(header, files)) return "files";
  for (const char* refused : {"boost/dll", "boost/interprocess", "boost/filesystem", "boost/test",
                              "boost/stacktrace", "boost/iostreams", "boost/program_options"})
    if (starts_with(header, refused)) return "includes";
  if (starts_with(header, "gtest/") || starts_with(header, "gmock/") ||
      starts_with(header, "asynclings/testkit"))
    return "test-framework";
  if (starts_with(header, "boost/") || starts_with(header, "fmt/") ||
      header == "asynclings/todo.hpp" || starts_with(header, "asynclings/client/"))
    return {};
  // A chapter's support library (ch07/monte_carlo.hpp).
  if (header.size() > 5 && header[0] == 'c' && header[1] == 'h' &&
      std::isdigit(static_cast<unsigned char>(header[2])) &&
      std::isdigit(static_cast<unsigned char>(header[3])) && header[4] == '/')
    return {};
  return "includes";
}

const std::map<std::string, std::string>& category_reasons() {
  static const std::map<std::string, std::string> reasons = {
      {"exit", "ending the process yourself would end the tests before they report"},
      {"files",
       "your code runs inside the test program, so it may not read or write files (the test report "
       "is one)"},
      {"environment", "the test program's environment and arguments belong to the grader"},
      {"processes", "starting other programs is not part of this exercise"},
      {"signals", "signalling or tracing processes is not part of this exercise"},
      {"posix", "this exercise works through Asio, not raw POSIX calls"},
      {"linker",
       "low-level compiler and linker features (asm, attributes, reserved names, extern) could "
       "change code "
       "that is not yours"},
      {"test-framework",
       "the tests and the test framework are the grader's, not part of your answer"},
      {"preprocessor", "macros that rename or rebuild names could change the tests' code"},
      {"includes", "this exercise uses the standard library, Boost (Asio) and fmt"},
  };
  return reasons;
}

}  // namespace

const std::vector<std::string>& integrity_categories() {
  static const std::vector<std::string> names = {
      "exit",  "files",  "environment",    "processes",    "signals",
      "posix", "linker", "test-framework", "preprocessor", "includes"};
  return names;
}

std::set<std::string> identifiers_of(const std::string& source) {
  std::set<std::string> out;
  for (const Token& t : tokenize(source))
    if (t.kind == Kind::identifier) out.insert(t.text);
  return out;
}

std::set<std::string> declared_tests(const std::string& source) {
  std::set<std::string> out;
  const std::vector<Token> t = tokenize(source);
  for (std::size_t k = 0; k + 5 < t.size(); ++k) {
    if (t[k].kind != Kind::identifier || (t[k].text != "TEST" && t[k].text != "TEST_F")) continue;
    if (t[k + 1].text != "(" || t[k + 2].kind != Kind::identifier || t[k + 3].text != "," ||
        t[k + 4].kind != Kind::identifier || t[k + 5].text != ")")
      continue;
    if (starts_with(t[k + 2].text, "DISABLED_") || starts_with(t[k + 4].text, "DISABLED_"))
      continue;
    out.insert(t[k + 2].text + "." + t[k + 4].text);
  }
  return out;
}

std::vector<IntegrityFinding> scan_source(const std::string& name, const std::string& source,
                                          const IntegrityRules& rules) {
  std::vector<IntegrityFinding> findings;
  const std::vector<Token> tokens = tokenize(source);
  auto report = [&](const Token& at, const std::string& category, const std::string& construct,
                    const std::string& why = {}) {
    if (rules.allowed_categories.count(category)) return;
    const auto& reasons = category_reasons();
    const auto reason = reasons.find(category);
    findings.push_back({name, at.line, category, construct,
                        !why.empty()              ? why
                        : reason == reasons.end() ? ""
                                                  : reason->second});
  };
  auto text = [&](std::size_t k) -> const std::string& {
    static const std::string none;
    return k < tokens.size() ? tokens[k].text : none;
  };

  // The namespaces this file opens (its own `namespace detail {` is its own), and the names it
  // declares (`asio::cancellation_signal signal;`, `auto kill = [] {};`, a parameter `int open`):
  // a use of those is the student's, not the system function's.
  std::set<std::string> opened, declared;
  static const std::set<std::string> not_a_type = {
      "return", "co_return", "co_yield", "co_await",  "case",   "throw",  "delete",
      "new",    "else",      "do",       "goto",      "sizeof", "typeid", "decltype",
      "not",    "and",       "or",       "namespace", "using"};
  for (std::size_t k = 0; k + 1 < tokens.size(); ++k) {
    if (tokens[k].kind != Kind::identifier) continue;
    if (tokens[k].text == "namespace") {  // namespace a::b {, not namespace a = b;
      std::vector<std::string> names;
      std::size_t j = k + 1;
      for (; j < tokens.size() && (tokens[j].kind == Kind::identifier || tokens[j].text == "::");
           ++j)
        if (tokens[j].kind == Kind::identifier && tokens[j].text != "inline")
          names.push_back(tokens[j].text);
      if (j < tokens.size() && tokens[j].text == "{") opened.insert(names.begin(), names.end());
    }
    if (k == 0) continue;
    const Token& prev = tokens[k - 1];
    const std::string& next = tokens[k + 1].text;
    const bool type_before = (prev.kind == Kind::identifier && !not_a_type.count(prev.text)) ||
                             prev.text == ">" || prev.text == "*" || prev.text == "&";
    if (type_before && (next == "=" || next == ";" || next == "{" || next == "," || next == ")" ||
                        next == "[" || next == "(" || next == ":"))
      declared.insert(tokens[k].text);
  }

  for (std::size_t k = 0; k < tokens.size(); ++k) {
    const Token& t = tokens[k];
    if (t.kind == Kind::directive_hash) {
      const std::string& directive = text(k + 1);
      if (directive == "include" || directive == "include_next") {
        if (directive == "include_next") {
          report(t, "preprocessor", "#include_next");
          continue;
        }
        // <…> arrives as punctuation and words; rebuild it from the line's tokens.
        std::string header;
        bool quoted = false;
        if (k + 2 < tokens.size() && tokens[k + 2].kind == Kind::string &&
            tokens[k + 2].line == t.line) {
          // "…" or <…> (the tokenizer reads a header name as written).
          header = tokens[k + 2].text.substr(1, tokens[k + 2].text.size() - 2);
          quoted = tokens[k + 2].text[0] == '"';
        } else {
          report(t, "preprocessor", "#include of a macro");
          continue;
        }
        const std::string category = header_category(header, rules, quoted);
        if (!category.empty())
          report(t, category, quoted ? "\"" + header + "\"" : "<" + header + ">");
        while (k + 1 < tokens.size() && !tokens[k + 1].line_start)
          ++k;  // the header's words are not code
      } else if (directive == "pragma") {
        // #pragma once, and the ones that only talk to the reader or silence a warning.
        if (text(k + 2) == "once" || text(k + 2) == "message" ||
            (text(k + 2) == "GCC" && text(k + 3) == "diagnostic"))
          continue;
        report(t, "preprocessor", "#pragma");
      } else if (directive == "define") {
        const std::string& macro = text(k + 2);
        const bool lower_case = std::any_of(macro.begin(), macro.end(), [](char c) {
          return std::islower(static_cast<unsigned char>(c));
        });
        if (rules.test_identifiers.count(macro) || keywords().count(macro) ||
            identifier_rules().count(macro) || !reserved_category(macro).empty() ||
            starts_with(macro, "BOOST_") || starts_with(macro, "FMT_") ||
            starts_with(macro, "ASYNCLINGS_") || macro == "NDEBUG" || macro == "NULL" ||
            macro == "EOF")
          report(t, "preprocessor", "#define " + macro);
        else if (lower_case)
          // Your file comes first in the test's source: a macro named like code renames that
          // name in every header after it (GoogleTest's, the standard library's, the tests').
          report(t, "preprocessor", "#define " + macro,
                 "a macro named in lower case renames that name in the tests and the libraries "
                 "they include "
                 "after your file: write a function or a constant, or name the macro in CAPITALS");
      } else if (k + 1 < tokens.size() && !tokens[k + 1].line_start && directive != "if" &&
                 directive != "ifdef" && directive != "ifndef" && directive != "elif" &&
                 directive != "elifdef" && directive != "elifndef" && directive != "else" &&
                 directive != "endif" && directive != "error" && directive != "warning") {
        // #undef, #line, #import, #ident, #assert, a line marker (# 12 "file")…
        report(t, "preprocessor", "#" + directive);
      }
      continue;
    }
    if (t.kind == Kind::punct && t.text == "[[" && text(k + 1) == "using") {
      report(t, "linker", "[[using …: …]]");
      continue;
    }
    if (t.kind == Kind::punct && t.text == "##") {
      report(t, "preprocessor", "## (token pasting)");
      continue;
    }
    if (t.kind == Kind::string) {
      // "/pr" "oc/self/cmdline" is one literal for the compiler.
      std::string joined = t.text;
      while (k + 1 < tokens.size() && tokens[k + 1].kind == Kind::string) {
        const std::string& piece = tokens[++k].text;
        const std::size_t open = piece.find('"');
        joined.pop_back();
        joined += open == std::string::npos ? piece : piece.substr(open + 1);
      }
      for (const char* path :
           {"/proc", "/dev/", "/sys/", ".json", "gtest", "GTEST_", "XML_OUTPUT", "/tmp"})
        if (joined.find(path) != std::string::npos) {
          report(t, "files", "the path or name \"" + std::string(path) + "\" in a string");
          break;
        }
      continue;
    }
    if (t.kind != Kind::identifier) continue;
    const std::string& word = t.text;
    const std::string before = k > 0 ? tokens[k - 1].text : "";
    const std::string after = text(k + 1);
    if (const std::string category = reserved_category(word); !category.empty()) {
      report(t, category, word);
      continue;
    }
    // `template <> bool std::operator==(const std::vector<int>&, …) { return true; }`: a
    // function of another namespace specialised from outside it (a class, like std::hash of
    // one's own type, is fine).
    if (word == "template" && after == "<" && text(k + 2) == ">") {
      const std::string& first = text(k + 3);
      if (first != "struct" && first != "class" && first != "union")
        for (std::size_t j = k + 3; j < tokens.size() && tokens[j].text != "(" &&
                                    tokens[j].text != "{" && tokens[j].text != ";";
             ++j)
          if (tokens[j].text == "::") {
            report(t, "linker", "template <> " + tokens[j - 1].text + "::…",
                   "specialising a library's function (std::operator== for std::vector<int>, say) "
                   "changes what "
                   "the tests' own code calls");
            break;
          }
      continue;
    }
    if (before == "namespace" && (k < 2 || tokens[k - 2].text != "using") &&
        (after == "{" || after == "::") &&
        (word == "std" || word == "boost" || word == "fmt" || word == "asynclings")) {
      report(t, word == "asynclings" ? "test-framework" : "linker", "namespace " + word,
             "declarations added to a library's namespace can change what the tests' own code "
             "calls (an "
             "operator== that always says true); specialise with `template <> struct std::hash<T>` "
             "instead");
      continue;
    }
    // The testkit's namespace holds more than the client: asynclings::client:: is the only part
    // of it a solution uses.
    // (An alias or a using-directive of asynclings itself reaches the rest as surely.)
    if (word == "asynclings" && !(after == "::" && text(k + 2) == "client")) {
      report(t, "test-framework", after == "::" ? "asynclings::" + text(k + 2) : "asynclings");
      continue;
    }
    // A library's internals (boost::asio::detail::descriptor_ops::open…): the file's own
    // `namespace detail` is fine.
    if (word == "detail" && (before == "::" || after == "::")) {
      const std::string owner = before == "::" && k >= 2 ? tokens[k - 2].text : "";
      if (before == "::" ? !opened.count(owner) : !opened.count("detail")) {
        report(t, "linker", (owner.empty() ? "" : owner + "::") + "detail",
               "a library's detail namespace is its internals, not part of what an answer may use");
        continue;
      }
    }
    const auto& rules_by_name = identifier_rules();
    const auto rule = rules_by_name.find(word);
    if (rule == rules_by_name.end()) continue;
    const bool member = before == "." || before == "->";
    bool hit = false;
    const std::string qualifier = before == "::" && k >= 2 && tokens[k - 2].kind == Kind::identifier
                                      ? tokens[k - 2].text
                                      : "";
    switch (rule->second.when) {
      case Rule::When::always:
        hit = true;
        break;
      case Rule::When::unless_member:
        // Boost's error-code namespace (boost::system, or `system::` after a using) is not
        // the function.
        hit = !member && qualifier != "boost" && after != "::";
        break;
      case Rule::When::qualified:
        hit = before == "::" || after == "::";
        break;
      case Rule::When::called:
        // A free function called (kill(…), ::kill(…), any::kill(…) — a namespace alias can
        // rename std), or named through std:: or :: without a call (a function pointer);
        // never obj.kill(…).
        if (member) break;
        {
          // `= &kill` takes its address; `cancellation_signal& signal` declares a reference.
          const bool address_of = before == "&" && k >= 2 && tokens[k - 2].kind == Kind::punct &&
                                  tokens[k - 2].text != ">" && tokens[k - 2].text != ")";
          const int args = after == "(" ? argument_count(tokens, k + 1) : -1;
          const bool call = args >= rule->second.min_args && args <= rule->second.max_args;
          // `(kill)(pid, sig)` calls it as surely; `auto k = kill;` or `f(kill)` hands it on.
          const bool parenthesised = before == "(" && after == ")" && text(k + 2) == "(";
          const bool handed_on = !declared.count(word) && before != "::" &&
                                 (before == "=" || before == "(" || before == "," ||
                                  before == "{" || before == "return") &&
                                 (after == ";" || after == ")" || after == "," || after == "}");
          hit = call || address_of || parenthesised || handed_on ||
                (before == "::" && after != "(" && (qualifier.empty() || qualifier == "std"));
        }
        break;
    }
    if (hit)
      report(t, rule->second.category,
             (before == "::" && k >= 2 && tokens[k - 2].kind == Kind::identifier
                  ? tokens[k - 2].text + "::"
                  : "") +
                 word);
  }
  return findings;
}

std::string describe(const IntegrityFinding& f) {
  return f.file + ":" + std::to_string(f.line) + ": `" + f.construct +
         "` is not allowed in this exercise: " + f.why;
}

}  // namespace asynclings::grader
