// A chapter's manifest (exercises/<chapter>/chapter.json): what the grader knows about its
// exercises. See docs/chapter-format.md for the fields.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asynclings::grader {

// The manifest format this grader reads; a manifest may state it as "format_version".
// 3: hints live in a Markdown file per exercise (hints/<first edited file's stem>.md), no
// longer in the manifest.
inline constexpr int kManifestFormatVersion = 3;

// A variant of the solution kept as a fixture: a wrong solution (a mistake, which the tests
// must reject with its diagnosis) or an alternative correct one (which must pass).
struct Mistake {
  std::string name;       // slug; target <chapter>-<id>-mistake-<name> (or -alternative-<name>)
  std::string replaces;   // the edited file it stands in for (a whole-file fixture)
  std::string fixture;    // relative to solutions/<chapter>/
  std::string diagnosis;  // the diagnosis the tests must give it (mistakes only)
  bool patch = true;      // fixture is a unified diff against the solution; false: a whole file
  std::string why;        // mistakes_checked_by_hand: why it is not checked automatically
};
using Alternative = Mistake;

// One clause of an exercise's contract and the tests that check it.
struct ContractClause {
  std::string clause;
  std::vector<std::string> tests;  // "Suite.Name"
};

// How a correct solution places a test's requests in time, for the HTML report to draw
// beside what the server saw: "concurrent" (all start together), "sequential" (each starts
// when the previous one ends), "limit:N" (at most N at once, each starting as one ends).
struct ExpectedShape {
  enum class Kind { concurrent, sequential, limit };
  Kind kind = Kind::concurrent;
  int lanes = 0;  // N of limit:N
};
// "concurrent", "sequential" or "limit:N" (N from 1); nullopt for anything else.
std::optional<ExpectedShape> parse_expected_shape(const std::string& text);
std::string to_string(const ExpectedShape& shape);

// An exercise's "expected_shape" and its per-test "expected_shapes" overrides.
struct ExpectedShapes {
  std::optional<ExpectedShape> every_test;
  std::map<std::string, ExpectedShape> per_test;  // "Suite.Name" -> shape

  // The override for <test_full_name>, else the exercise's shape, else none.
  std::optional<ExpectedShape> for_test(const std::string& test_full_name) const;
};

// One hint: a "## " section of the exercise's hints file.
struct Hint {
  std::string title;  // the section's heading
  std::string text;   // the section's Markdown, without leading and trailing blank lines
};

// The hints of a Markdown text: every level-2 heading ("## …", outside fenced code) starts
// one, in order; what comes before the first is the file's preamble (a "# " title, a note to
// authors) and no hint. <problems> gets what an author should fix (no hint, a hint with no
// text), each naming the hint.
std::vector<Hint> parse_hints(const std::string& markdown, std::vector<std::string>& problems);

struct Exercise {
  std::string id;     // ex1, ex2, …
  std::string name;   // slug
  std::string title;
  std::vector<std::string> edit;  // relative to the chapter folder
  std::string test;
  double time_limit_seconds = 60;
  double inherent_delay_ms = 0;
  double memory_limit_mb = 4096;  // address space the test run may map (threads' stacks count)
  // Progressive hints, gentlest first, read by load_chapter from <hints_file> (relative to
  // the chapter folder: "hints/" + the first edited file's stem + ".md" unless the manifest
  // names another file); <hints_problems> says why the file is missing, empty or has a hint
  // with no text (`grader verify` reports them; the other verbs show the hints they got).
  std::string hints_file;
  std::vector<Hint> hints;
  std::vector<std::string> hints_problems;
  std::vector<Mistake> mistakes;
  std::vector<Mistake> mistakes_checked_by_hand;
  std::vector<Alternative> alternatives;
  std::vector<ContractClause> contract;
  ExpectedShapes expected_shapes;
  bool exclusive_cpu = false;  // measures CPU scaling: its tests get the machine alone
  // What the static check (integrity.hpp) lets this exercise's files use beyond the default.
  std::vector<std::string> allow;
};

struct Chapter {
  std::string dir_name;  // ch01-generators
  int number = 0;        // 1
  std::string topic;     // generators
  std::string title;
  std::string summary;
  std::filesystem::path dir;  // the chapter folder (exercises/<dir_name>)
  std::vector<Exercise> exercises;
};

// A manifest that cannot be read; what() names the file and the problem.
struct ManifestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses manifest text; <origin> names it in errors.
Chapter parse_manifest(const std::string& text, const std::string& dir_name,
                       const std::string& origin = "chapter.json");
// Reads <chapter_dir>/chapter.json and each exercise's hints file.
Chapter load_chapter(const std::filesystem::path& chapter_dir);
// Every exercises/ch*/chapter.json under <root>, ordered by chapter number.
std::vector<Chapter> load_chapters(const std::filesystem::path& root);

// "ch01-generators" -> 1, "generators"; false when the name is not chNN[-topic].
bool split_chapter_name(const std::string& dir_name, int& number, std::string& topic);

// Build target names (cmake/Chapters.cmake).
std::string exercise_target(const Chapter& chapter, const Exercise& exercise);
std::string solution_target(const Chapter& chapter, const Exercise& exercise);
std::string mistake_target(const Chapter& chapter, const Exercise& exercise, const Mistake& mistake);
std::string alternative_target(const Chapter& chapter, const Exercise& exercise, const Alternative& alternative);

// The closest of <candidates> to <word> when it is a plausible misspelling, else "".
std::string nearest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace asynclings::grader
