#include "cli/commands.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>

namespace asynclings::grader {
namespace {

struct NewOptions {
  CommonOptions common;
  std::string name;  // chNN-topic
};

bool write_new(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

int run_new(const NewOptions& options) {
  int number = 0;
  std::string topic;
  if (!split_chapter_name(options.name, number, topic) || topic.empty() ||
      options.name.substr(2, options.name.find('-') - 2).size() != 2) {
    std::fprintf(stderr, "grader new: name the chapter chNN-topic, e.g. ch07-backpressure\n");
    return 2;
  }
  for (char c : topic)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      std::fprintf(stderr, "grader new: the topic may hold lower-case letters, digits and '-'\n");
      return 2;
    }
  Session session = open_session(options.common);
  for (const auto& c : session.chapters)
    if (c.number == number) {
      std::fprintf(stderr, "grader new: chapter %d exists already (%s)\n", number, c.dir_name.c_str());
      return 2;
    }
  const auto root = session.workbook.root;
  const auto ex_dir = root / "exercises" / options.name;
  const auto sol_dir = root / "solutions" / options.name;
  if (std::filesystem::exists(ex_dir) || std::filesystem::exists(sol_dir)) {
    std::fprintf(stderr, "grader new: %s or %s exists already\n", ex_dir.c_str(), sol_dir.c_str());
    return 2;
  }
  std::string ns = "ch" + fmt::format("{:02}", number) + "_" + topic;
  for (char& c : ns) if (c == '-') c = '_';

  const std::string manifest = fmt::format(R"({{
  "format_version": {0},
  "title": "TODO: the chapter's title",
  "summary": "TODO: one sentence for `grader list`.",
  "exercises": [
    {{
      "id": "ex1",
      "name": "first",
      "title": "TODO: the first exercise",
      "edit": ["ex1_first.hpp"],
      "time_limit_seconds": 30,
      "inherent_delay_ms": 0,
      "contract": [
        {{"clause": "TODO: one short sentence the exercise promises", "tests": ["First.AnswerIsFortyTwo"]}}
      ],
      "mistakes": [],
      "alternatives": []
    }}
  ]
}}
)",
                                           kManifestFormatVersion);
  const std::string hints = R"(# ex1 first: hints

<!-- One "## " section per hint, gentlest first; `grader hint` shows the next one. -->

## A nudge

TODO: a gentle first hint, in prose.

## Closer

TODO: closer.

## Nearly the answer

TODO: nearly the answer; code goes in a fenced block:

```cpp
return 42;
```
)";
  const std::string stub = fmt::format(R"(// {0} ex1: TODO what the student writes here.
#pragma once

#include <asynclings/todo.hpp>

namespace {1} {{

// TODO: describe the task.
inline int answer() {{ ASYNCLINGS_TODO("answer() in ex1_first.hpp"); }}

}}  // namespace {1}
)", options.name, ns);
  const std::string solution = fmt::format(R"(// {0} ex1: the reference solution.
#pragma once

namespace {1} {{

inline int answer() {{ return 42; }}

}}  // namespace {1}
)", options.name, ns);
  const std::string test = fmt::format(R"(#include "ex1_first.hpp"

#include <gtest/gtest.h>

TEST(First, AnswerIsFortyTwo) {{ EXPECT_EQ({0}::answer(), 42); }}
)", ns);
  const std::string readme = fmt::format("# {}: TODO the chapter's title\n\nTODO: the lesson.\n\n## Exercises\n\n1. `ex1_first.hpp`: TODO.\n", options.name);

  const bool ok = write_new(ex_dir / "chapter.json", manifest) &&
                  write_new(ex_dir / "README.md", readme) &&
                  write_new(ex_dir / "hints" / "ex1_first.md", hints) &&
                  write_new(ex_dir / "ex1_first.hpp", stub) &&
                  write_new(ex_dir / "tests" / "ex1_first_test.cpp", test) &&
                  write_new(sol_dir / "ex1_first.hpp", solution);
  if (!ok) {
    std::fprintf(stderr, "grader new: could not write the chapter's files\n");
    return 2;
  }
  std::printf("created %s and %s\n", ex_dir.c_str(), sol_dir.c_str());
  // The build globs exercises/ch*: its next run (any `grader check`) picks the chapter up.
  std::printf("next: `grader check ch%d` (its stub fails), `grader check ch%d --solutions` (passes), then `grader verify ch%d`\n",
              number, number, number);
  return 0;
}

}  // namespace

Verb add_new(CLI::App& app) {
  auto scaffold = std::make_shared<NewOptions>();
  auto* command = app.add_subcommand("new", "Scaffold a chapter: exercises/chNN-topic and solutions/chNN-topic");
  add_common_options(command, scaffold->common);
  command->add_option("name", scaffold->name, "chNN-topic")->required();
  return {command, [scaffold] { return run_new(*scaffold); }};
}

}  // namespace asynclings::grader
