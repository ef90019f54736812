#include "core/manifest.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace asynclings::grader;

namespace {

const char* kGood = R"({
  "title": "From yield to await",
  "summary": "Generators first.",
  "exercises": [
    {"id": "ex1", "name": "generator", "title": "A Generator<T>", "edit": ["ex1_generator.hpp"],
     "test": "tests/ex1_generator_test.cpp", "time_limit_seconds": 30, "inherent_delay_ms": 250,
     "memory_limit_mb": 16384,
     "mistakes": [{"name": "eager-start", "replaces": "ex1_generator.hpp",
                   "fixture": "mistakes/ex1_eager_start.hpp", "diagnosis": "eager-start"}]},
    {"id": "ex2", "name": "round-robin", "edit": ["ex2_rr.hpp", "ex2_rr.cpp"], "test": "tests/ex2_test.cpp"}
  ]
})";

std::string error_of(const std::string& text, const std::string& dir = "ch01-generators") {
  try {
    parse_manifest(text, dir, "exercises/ch01-generators/chapter.json");
  } catch (const ManifestError& e) {
    return e.what();
  }
  return "";
}

std::string with_mistakes(const std::string& list) {
  return R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"], "mistakes": )" + list + "}]}";
}

}  // namespace

TEST(Manifest, AWellFormedManifestYieldsEveryFieldOfEveryExercise) {
  const Chapter c = parse_manifest(kGood, "ch01-generators");
  EXPECT_EQ(c.number, 1);
  EXPECT_EQ(c.topic, "generators");
  EXPECT_EQ(c.title, "From yield to await");
  ASSERT_EQ(c.exercises.size(), 2u);
  const Exercise& e = c.exercises[0];
  EXPECT_EQ(e.id, "ex1");
  EXPECT_EQ(e.name, "generator");
  EXPECT_EQ(e.edit, std::vector<std::string>{"ex1_generator.hpp"});
  EXPECT_DOUBLE_EQ(e.time_limit_seconds, 30);
  EXPECT_DOUBLE_EQ(e.inherent_delay_ms, 250);
  EXPECT_DOUBLE_EQ(e.memory_limit_mb, 16384);
  EXPECT_EQ(e.hints_file, "hints/ex1_generator.md");
  ASSERT_EQ(e.mistakes.size(), 1u);
  EXPECT_EQ(e.mistakes[0].diagnosis, "eager-start");
  EXPECT_EQ(mistake_target(c, e, e.mistakes[0]), "ch01-generators-ex1-mistake-eager-start");
  EXPECT_EQ(exercise_target(c, c.exercises[1]), "ch01-generators-ex2-exercise");
  EXPECT_EQ(solution_target(c, c.exercises[1]), "ch01-generators-ex2-solution");
}

TEST(Manifest, OptionalFieldsTakeTheirDefaultsWhenAbsent) {
  const Chapter c = parse_manifest(kGood, "ch01-generators");
  const Exercise& e = c.exercises[1];
  EXPECT_DOUBLE_EQ(e.time_limit_seconds, 60);
  EXPECT_DOUBLE_EQ(e.memory_limit_mb, 4096);
  EXPECT_TRUE(e.hints.empty());
  EXPECT_TRUE(e.mistakes.empty());
}

TEST(Manifest, InvalidJsonIsReportedWithTheFileAndTheLine) {
  const std::string error = error_of("{\n  \"title\": \"x\",\n  \"exercises\": [\n}\n");
  EXPECT_NE(error.find("exercises/ch01-generators/chapter.json"), std::string::npos) << error;
  EXPECT_NE(error.find("line 4"), std::string::npos) << error;
}

TEST(Manifest, AMissingRequiredFieldNamesTheExerciseAndTheField) {
  const std::string error = error_of(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a"}]})");
  EXPECT_NE(error.find("exercise ex1"), std::string::npos) << error;
  EXPECT_NE(error.find("\"edit\""), std::string::npos) << error;
}

TEST(Manifest, TheTestFileIsDerivedFromTheEditedFileUnlessGiven) {
  const Chapter c = parse_manifest(R"({"title": "t", "exercises": [
    {"id": "ex1", "name": "a", "edit": ["ex1_gather.hpp"]},
    {"id": "ex2", "name": "b", "edit": ["ex2_spawn.hpp"], "test": "tests/other.cpp"}]})", "ch03-gather");
  EXPECT_EQ(c.exercises[0].test, "tests/ex1_gather_test.cpp");
  EXPECT_EQ(c.exercises[1].test, "tests/other.cpp");
}

TEST(Manifest, AnUnknownKeyIsRejectedWithTheNearestValidName) {
  const std::string error = error_of(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"],
    "expected_shap": "concurrent"}]})");
  EXPECT_NE(error.find("exercises/ch01-generators/chapter.json"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown key \"expected_shap\""), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean \"expected_shape\""), std::string::npos) << error;
  EXPECT_NE(error_of(R"({"title": "t", "colour": 1, "exercises": []})").find("unknown key \"colour\""), std::string::npos);
  EXPECT_NE(error_of(with_mistakes(R"([{"name": "m", "diagnoses": "x"}])")).find("did you mean \"diagnosis\""),
            std::string::npos);
}

TEST(Manifest, AManifestForANewerFormatIsRejected) {
  EXPECT_NE(error_of(R"({"format_version": 99, "title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"]}]})")
                .find("update the workbook's grader"),
            std::string::npos);
  EXPECT_EQ(
      error_of(
          R"({"format_version": 3, "title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"]}]})"),
      "");
}

TEST(Manifest, AFieldOfTheWrongTypeIsRejectedWithItsPath) {
  const std::string error = error_of(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": "a.hpp", "test": "t.cpp"}]})");
  EXPECT_NE(error.find("exercise ex1.edit must be an array"), std::string::npos) << error;
}

TEST(Manifest, TwoExercisesWithOneIdAreRejected) {
  const std::string error = error_of(R"({"title": "t", "exercises": [
    {"id": "ex1", "name": "a", "edit": ["a.hpp"], "test": "t.cpp"},
    {"id": "ex1", "name": "b", "edit": ["b.hpp"], "test": "u.cpp"}]})");
  EXPECT_NE(error.find("two exercises have the id \"ex1\""), std::string::npos) << error;
}

TEST(Manifest, AChapterFolderNotNamedChNNTopicIsRejected) {
  EXPECT_NE(error_of(kGood, "generators").find("not named chNN-topic"), std::string::npos);
}

TEST(Manifest, AMistakeNamedOnlyByItsNameTakesItsPatchFileAndDiagnosisFromTheName) {
  const Chapter c = parse_manifest(with_mistakes(R"([{"name": "sequential-awaits"},
    {"name": "lazy-spawn", "diagnosis": "started-late"}, {"name": "thread-per-item", "rewrite": true}])"), "ch03-gather");
  const auto& m = c.exercises[0].mistakes;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].fixture, "mistakes/ex1_sequential_awaits.patch");
  EXPECT_TRUE(m[0].patch);
  EXPECT_EQ(m[0].replaces, "a.hpp");
  EXPECT_EQ(m[0].diagnosis, "sequential-awaits");
  EXPECT_EQ(m[1].diagnosis, "started-late");
  EXPECT_EQ(m[2].fixture, "mistakes/ex1_thread_per_item.hpp");
  EXPECT_FALSE(m[2].patch);
}

TEST(Manifest, AlternativesAndContractClausesAreRead) {
  const Chapter c = parse_manifest(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"],
    "alternatives": [{"name": "promises"}],
    "contract": [{"clause": "Results come back in input order", "tests": ["Gather.KeepsInputOrder"]},
                 {"clause": "An empty input gives an empty result"}]}]})", "ch03-gather");
  const Exercise& e = c.exercises[0];
  ASSERT_EQ(e.alternatives.size(), 1u);
  EXPECT_EQ(e.alternatives[0].fixture, "alternatives/ex1_promises.patch");
  ASSERT_EQ(e.contract.size(), 2u);
  EXPECT_EQ(e.contract[0].tests, std::vector<std::string>{"Gather.KeepsInputOrder"});
  EXPECT_TRUE(e.contract[1].tests.empty());
  EXPECT_NE(error_of(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"],
    "alternatives": [{"name": "x", "diagnosis": "y"}]}]})").find("unknown key \"diagnosis\""), std::string::npos)
      << "an alternative passes: it has no diagnosis";
}

TEST(Manifest, AFixtureThatReplacesAFileTheExerciseDoesNotEditIsRejected) {
  EXPECT_NE(error_of(with_mistakes(R"([{"name": "m", "replaces": "b.hpp"}])")).find("not one of the exercise's edited files"),
            std::string::npos);
}

TEST(Manifest, ChapterNamesSplitIntoNumberAndTopic) {
  int n = 0;
  std::string topic;
  EXPECT_TRUE(split_chapter_name("ch03-gather-and-wait", n, topic));
  EXPECT_EQ(n, 3);
  EXPECT_EQ(topic, "gather-and-wait");
  EXPECT_FALSE(split_chapter_name("chapter", n, topic));
  EXPECT_FALSE(split_chapter_name("ch-x", n, topic));
  EXPECT_FALSE(split_chapter_name("ch03-", n, topic));
}

TEST(Manifest, LoadChaptersFindsEveryChapterFolderInNumericOrder) {
  const auto root = std::filesystem::temp_directory_path() / ("grader-manifest-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  for (const char* dir : {"ch10-late", "ch02-early", "notes"}) {
    std::filesystem::create_directories(root / "exercises" / dir);
    if (std::string(dir) != "notes") std::ofstream(root / "exercises" / dir / "chapter.json") << kGood;
  }
  const auto chapters = load_chapters(root);
  std::filesystem::remove_all(root);
  ASSERT_EQ(chapters.size(), 2u);
  EXPECT_EQ(chapters[0].dir_name, "ch02-early");
  EXPECT_EQ(chapters[1].dir_name, "ch10-late");
}

namespace {

std::string with_shapes(const std::string& fields) {
  return R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"], "test": "t.cpp", )" + fields + "}]}";
}

}  // namespace

TEST(Manifest, ExpectedShapeAndItsPerTestOverridesAreRead) {
  const Chapter c = parse_manifest(
      with_shapes(R"("expected_shape": "limit:3", "expected_shapes": {"Pool.InTurn": "sequential", "Pool.AllAtOnce": "concurrent"})"),
      "ch06-patterns");
  const ExpectedShapes& shapes = c.exercises[0].expected_shapes;
  ASSERT_TRUE(shapes.every_test.has_value());
  EXPECT_EQ(to_string(*shapes.every_test), "limit:3");
  EXPECT_EQ(shapes.every_test->lanes, 3);
  ASSERT_TRUE(shapes.for_test("Pool.InTurn").has_value());
  EXPECT_EQ(shapes.for_test("Pool.InTurn")->kind, ExpectedShape::Kind::sequential);
  EXPECT_EQ(to_string(*shapes.for_test("Pool.AllAtOnce")), "concurrent");
  EXPECT_EQ(to_string(*shapes.for_test("Pool.Other")), "limit:3") << "tests without an override take the exercise's";
}

TEST(Manifest, AnExerciseWithoutExpectedShapeHasNoneForAnyTest) {
  const Chapter c = parse_manifest(kGood, "ch01-generators");
  EXPECT_FALSE(c.exercises[0].expected_shapes.for_test("Generator.Any").has_value());
  const Chapter only_overrides = parse_manifest(with_shapes(R"("expected_shapes": {"A.B": "sequential"})"), "ch01-x");
  EXPECT_TRUE(only_overrides.exercises[0].expected_shapes.for_test("A.B").has_value());
  EXPECT_FALSE(only_overrides.exercises[0].expected_shapes.for_test("A.C").has_value());
}

TEST(Manifest, AnExpectedShapeThatIsNoShapeIsRejectedWithTheFormsItTakes) {
  const std::string error = error_of(with_shapes(R"("expected_shape": "parallel")"));
  EXPECT_NE(error.find("exercise ex1.expected_shape is \"parallel\""), std::string::npos) << error;
  EXPECT_NE(error.find("\"concurrent\", \"sequential\" or \"limit:N\""), std::string::npos) << error;
  EXPECT_NE(error_of(with_shapes(R"("expected_shape": 3)")).find("expected_shape must be a string"), std::string::npos);
}

TEST(Manifest, ALimitNeedsAWholeNumberFromOne) {
  for (const char* bad : {"limit:0", "limit:", "limit:x", "limit:-1", "limit:2.5", "limit: 2", "limit:9999999", "Limit:2"})
    EXPECT_FALSE(parse_expected_shape(bad).has_value()) << bad;
  EXPECT_EQ(parse_expected_shape("limit:12")->lanes, 12);
  EXPECT_NE(error_of(with_shapes(R"("expected_shapes": {"A.B": "limit:0"})")).find("expected_shapes[\"A.B\"] is \"limit:0\""),
            std::string::npos);
}

TEST(Manifest, ExpectedShapesMustMapSuiteDotTestNamesToShapes) {
  EXPECT_NE(error_of(with_shapes(R"("expected_shapes": {"JustAName": "sequential"})")).find("\"JustAName\" does not name a test as Suite.TestName"),
            std::string::npos);
  EXPECT_NE(error_of(with_shapes(R"("expected_shapes": ["A.B"])")).find("expected_shapes must be an object"), std::string::npos);
}

TEST(Manifest, TheWorkbooksChaptersDeclareTheirExpectedShapes) {
  // The real manifests: a typo in a shape or a test name's form fails here, not in a student's report.
  const auto chapters = load_chapters(GRADER_FIXTURES "/../../../..");
  const Chapter* gather = nullptr;
  for (const auto& c : chapters)
    if (c.dir_name == "ch03-gather") gather = &c;
  ASSERT_NE(gather, nullptr);
  const auto shape = gather->exercises.at(0).expected_shapes.for_test("Gather.RunsEveryAwaitableAtOnce");
  ASSERT_TRUE(shape.has_value());
  EXPECT_EQ(to_string(*shape), "concurrent");
}

TEST(Manifest, HintsInTheManifestAreRejectedWithTheMarkdownFileToMoveThemTo) {
  const std::string error =
      error_of(R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["ex1_a.hpp"],
    "hints": ["one", "two"]}]})");
  EXPECT_NE(error.find("exercise ex1.hints: hints are Markdown now"), std::string::npos) << error;
  EXPECT_NE(error.find("hints/ex1_a.md"), std::string::npos) << error;
  EXPECT_NE(
      error_of(
          R"({"title": "t", "exercises": [{"id": "ex1", "name": "a", "edit": ["a.hpp"], "hints": "../x.md"}]})")
          .find("inside the chapter folder"),
      std::string::npos);
}

TEST(Manifest, EachLevelTwoSectionOfTheHintsFileIsOneHint) {
  std::vector<std::string> problems;
  const auto hints = parse_hints(R"(# ch01 ex1: hints
Written for authors: this line is no hint.

## Where to start ##

Start with the promise.
Then the handle.

### a sub-heading stays in the hint
```cpp
## not a heading inside code
```

## Closer
closer

)",
                                 problems);
  EXPECT_TRUE(problems.empty()) << problems.front();
  ASSERT_EQ(hints.size(), 2u);
  EXPECT_EQ(hints[0].title, "Where to start");
  EXPECT_EQ(hints[0].text,
            "Start with the promise.\nThen the handle.\n\n### a sub-heading stays in the "
            "hint\n```cpp\n## not a heading "
            "inside code\n```");
  EXPECT_EQ(hints[1].title, "Closer");
  EXPECT_EQ(hints[1].text, "closer");
}

TEST(Manifest, AHintsFileWithoutHintsOrWithAnEmptyHintIsAProblemNamingTheHint) {
  std::vector<std::string> problems;
  EXPECT_TRUE(parse_hints("# hints\n\nnothing yet\n", problems).empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("has no hint"), std::string::npos) << problems[0];
  problems.clear();
  EXPECT_EQ(parse_hints("## One\ntext\n## Two\n\n## Three\nmore\n", problems).size(), 3u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "hint 2 (\"Two\") has no text");
}

TEST(Manifest, LoadChapterReadsEachExercisesHintsFileAndNotesAMissingOne) {
  const auto root =
      std::filesystem::temp_directory_path() / ("grader-hints-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  const auto dir = root / "ch01-generators";
  std::filesystem::create_directories(dir / "hints");
  std::ofstream(dir / "chapter.json") << kGood;
  std::ofstream(dir / "hints" / "ex1_generator.md") << "## A nudge\ngentle\n## Closer\ncloser\n";
  const Chapter c = load_chapter(dir);
  std::filesystem::remove_all(root);
  ASSERT_EQ(c.exercises[0].hints.size(), 2u);
  EXPECT_EQ(c.exercises[0].hints[1].text, "closer");
  EXPECT_TRUE(c.exercises[0].hints_problems.empty());
  EXPECT_TRUE(c.exercises[1].hints.empty());
  EXPECT_EQ(c.exercises[1].hints_problems, std::vector<std::string>{"is missing"});
}

TEST(Manifest, EveryExerciseOfTheWorkbookHasAHintsFileWithHints) {
  for (const auto& c : load_chapters(GRADER_FIXTURES "/../../../.."))
    for (const auto& e : c.exercises) {
      EXPECT_TRUE(e.hints_problems.empty())
          << c.dir_name << "/" << e.hints_file << ": " << e.hints_problems.front();
      EXPECT_GE(e.hints.size(), 1u) << c.dir_name << " " << e.id;
    }
}
