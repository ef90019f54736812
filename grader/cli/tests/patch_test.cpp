#include "core/patch.hpp"

#include <gtest/gtest.h>

using namespace asynclings::grader;

namespace {

const std::string kSolution =
    "#pragma once\n"
    "// gather\n"
    "auto ex = co_await asio::this_coro::executor;\n"
    "std::vector<Op> ops;\n"
    "for (auto& w : work)\n"
    "  ops.push_back(co_spawn(ex, std::move(w), deferred));\n"
    "auto group = make_parallel_group(std::move(ops));\n"
    "auto [order, errors, values] = co_await group.async_wait(wait_for_all(), use_awaitable);\n"
    "for (auto& e : errors)\n"
    "  if (e) std::rethrow_exception(e);\n"
    "co_return values;\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

std::string error_of(const std::string& patch, const std::string& original) {
  try {
    for (const auto& file : parse_patch(patch, "mistakes/ex1_m.patch")) apply_file_patch(original, file, "mistakes/ex1_m.patch");
  } catch (const PatchError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Patch, AMadePatchAppliedToTheSolutionGivesBackTheEditedFile) {
  const std::string edited = replaced(kSolution, "  if (e) std::rethrow_exception(e);\n", "  (void)e;\n");
  const std::string patch = make_patch("ex1_gather.hpp", kSolution, edited);
  const auto files = parse_patch(patch, "p");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].file, "ex1_gather.hpp");
  EXPECT_EQ(apply_file_patch(kSolution, files[0], "p"), edited);
}

TEST(Patch, EditsAtBothEndsAndInsertionsRoundTrip) {
  std::string edited = "// a header comment\n" + kSolution + "// trailing\n";
  edited = replaced(edited, "auto group", "// sequential instead\nauto group");
  const std::string patch = make_patch("f.hpp", kSolution, edited);
  EXPECT_EQ(apply_file_patch(kSolution, parse_patch(patch, "p")[0], "p"), edited) << patch;
}

TEST(Patch, AFileWithoutAFinalNewlineRoundTrips) {
  const std::string before = "a\nb\nc";
  const std::string after = "a\nB\nc\n";
  const std::string patch = make_patch("f", before, after);
  EXPECT_NE(patch.find("\\ No newline at end of file"), std::string::npos) << patch;
  EXPECT_EQ(apply_file_patch(before, parse_patch(patch, "p")[0], "p"), after);
  EXPECT_EQ(apply_file_patch(after, parse_patch(make_patch("f", after, before), "p")[0], "p"), before);
}

TEST(Patch, EqualTextsGiveAnEmptyPatch) { EXPECT_EQ(make_patch("f", kSolution, kSolution), ""); }

TEST(Patch, AHunkStillAppliesWhenLinesWereAddedAboveIt) {
  const std::string edited = replaced(kSolution, "co_return values;", "co_return {};");
  const auto patch = parse_patch(make_patch("f", kSolution, edited), "p");
  const std::string moved = "// one\n// two\n" + kSolution;
  EXPECT_EQ(apply_file_patch(moved, patch[0], "p"), "// one\n// two\n" + edited);
}

TEST(Patch, AHunkWhoseContextChangedFailsNamingTheFixtureTheHunkAndTheLine) {
  const std::string edited = replaced(kSolution, "  if (e) std::rethrow_exception(e);\n", "  (void)e;\n");
  const std::string patch = make_patch("ex1_gather.hpp", kSolution, edited);
  const std::string changed_solution = replaced(kSolution, "for (auto& e : errors)", "for (const auto& e : errors)");
  const std::string error = error_of(patch, changed_solution);
  EXPECT_NE(error.find("mistakes/ex1_m.patch"), std::string::npos) << error;
  EXPECT_NE(error.find("ex1_gather.hpp: hunk 1 (@@ -"), std::string::npos) << error;
  EXPECT_NE(error.find("for (const auto& e : errors)"), std::string::npos) << error;
}

TEST(Patch, TextThatIsNoUnifiedDiffIsRejected) {
  EXPECT_NE(error_of("just some words\n", kSolution).find("not a unified diff"), std::string::npos);
  EXPECT_NE(error_of("--- a\n+++ a\n@@ -1,3 +1,3 @@\n a\n", kSolution).find("cut short"), std::string::npos);
  EXPECT_NE(error_of("--- a\n+++ a\n@@ -x +1 @@\n", kSolution).find("not a hunk header"), std::string::npos);
}

TEST(Patch, APatchMadeByDiffWithHeadersAndTimestampsIsRead) {
  const std::string patch =
      "--- ex1_gather.hpp\t2026-12-05 10:00:00.000000000 +0000\n"
      "+++ /tmp/wrong.hpp\t2026-12-05 10:01:00.000000000 +0000\n"
      "@@ -10 +10 @@\n"
      "-  if (e) std::rethrow_exception(e);\n"
      "+  (void)e;\n";
  const auto files = parse_patch(patch, "p");
  EXPECT_EQ(files[0].file, "ex1_gather.hpp");
  EXPECT_EQ(apply_file_patch(kSolution, files[0], "p"),
            replaced(kSolution, "  if (e) std::rethrow_exception(e);\n", "  (void)e;\n"));
}
