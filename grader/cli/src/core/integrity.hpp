// The static check of a submission's edited files, run before anything of them is compiled.
// A student's code is compiled into the test binary, so it runs in the same process as the
// assertions and the report writer: whatever that process says could be forged. This check
// refuses the constructs a forgery needs (ending the process itself, touching files, the
// environment, other processes or signals, the test framework, the linker, the
// preprocessor's tricks, headers outside the exercise's set). It is the first of the
// defences in docs/grading-integrity.md; what it cannot stop is said there.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace asynclings::grader {

// What an exercise may need that the check refuses by default, named in the manifest's
// "allow" (e.g. ch07's process pool: "processes", "signals").
const std::vector<std::string>& integrity_categories();

struct IntegrityFinding {
  std::string file;      // as given
  int line = 0;          // 1-based
  std::string category;  // "exit", "files", "environment", …
  std::string construct; // what was found: "std::getenv", "#undef", "<fstream>"
  std::string why;       // one friendly sentence: what is not allowed here and why
};

struct IntegrityRules {
  std::set<std::string> allowed_categories;  // from the manifest's "allow"
  // Names the trusted tests use: a submission may not #define them.
  std::set<std::string> test_identifiers;
  // Quoted includes a submission may use: the chapter's own edited files.
  std::set<std::string> local_files;
};

// The identifiers of <source> (comments and literals removed): what a #define may not name.
std::set<std::string> identifiers_of(const std::string& source);

// The tests a GoogleTest file declares with TEST(Suite, Name) / TEST_F(Suite, Name), as
// "Suite.Name" (DISABLED_ ones left out): the list a report must match.
std::set<std::string> declared_tests(const std::string& source);

// Scans one file's text; <name> labels the findings.
std::vector<IntegrityFinding> scan_source(const std::string& name, const std::string& source,
                                          const IntegrityRules& rules);

// "ex1_gather.hpp:12: `std::getenv` is not allowed in this exercise: …"
std::string describe(const IntegrityFinding& finding);

}  // namespace asynclings::grader
