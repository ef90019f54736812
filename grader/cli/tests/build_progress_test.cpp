#include "core/build_progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace asynclings::grader;

TEST(NinjaStatus, AStatusLineGivesDoneTotalAndWhatIsBeingBuilt) {
  const auto step = parse_ninja_status(
      "[12/51] Building CXX object CMakeFiles/ch01-generators-ex1-exercise.dir/exercises/ch01-generators/tests/ex1_generator_test.cpp.o");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->done, 12);
  EXPECT_EQ(step->total, 51);
  EXPECT_EQ(step->what, "compiling ex1_generator_test.cpp");
}

TEST(NinjaStatus, LinkingAndPrecompiledHeadersAndOtherEdgesReadNaturally) {
  EXPECT_EQ(parse_ninja_status("[51/51] Linking CXX executable chapters/ch01-generators-ex1-exercise")->what,
            "linking ch01-generators-ex1-exercise");
  EXPECT_EQ(parse_ninja_status("[5/51] Building CXX object CMakeFiles/asynclings_chapter_pch.dir/cmake_pch.hxx.gch")->what,
            "precompiling headers");
  EXPECT_EQ(parse_ninja_status("[1/2] Re-running CMake...")->what, "Re-running CMake...");
  EXPECT_EQ(parse_ninja_status("[0/2] Re-checking globbed directories...")->done, 0);
}

TEST(NinjaStatus, EverythingElseIsNotAStep) {
  for (const char* line : {"", "ninja: no work to do.", "ninja: build stopped: subcommand failed.",
                           "/work/x.hpp:12:5: error: 'fetch' was not declared in this scope",
                           "[", "[a/b] x", "[3/] x", "[/3] x", "[4/3] more done than total", "[0/0] nothing",
                           "  [==========] Running 3 tests", "[ RUN      ] Suite.Test", "FAILED: x.o"}) {
    EXPECT_FALSE(parse_ninja_status(line)) << line;
  }
}

TEST(NinjaProgress, LinesSplitAcrossChunksAndCarriageReturnsAreReassembled) {
  NinjaProgress progress;
  std::vector<BuildStep> seen;
  const std::vector<std::string> chunks{
      "[0/2] Re-checking globbed directories...\n[1/3] Build",
      "ing CXX object CMakeFiles/t.dir/a.cpp.o\nIn file included from x.hpp:1:\n",
      "x.hpp:3:1: warning: something\r[2/3] Building CXX object CMakeFiles/t.dir/b.cpp.o\r\n",
      "[3/3] Linking CXX executable chapters/t\n"};
  for (const auto& c : chunks)
    if (progress.feed(c)) seen.push_back(progress.step());
  ASSERT_TRUE(progress.started());
  EXPECT_EQ(progress.step(), (BuildStep{3, 3, "linking t"}));
  ASSERT_EQ(seen.size(), 4u);  // a chunk reports its newest step
  EXPECT_EQ(seen[0], (BuildStep{0, 2, "Re-checking globbed directories..."}));
  EXPECT_EQ(seen[1], (BuildStep{1, 3, "compiling a.cpp"}));
  EXPECT_EQ(seen[2], (BuildStep{2, 3, "compiling b.cpp"}));
}

TEST(NinjaProgress, AnUpToDateBuildHasNoSteps) {
  NinjaProgress progress;
  EXPECT_FALSE(progress.feed("ninja: no work to do.\n"));
  EXPECT_FALSE(progress.started());
}

TEST(BuildBar, TheBarFillsInProportionAndFitsTheTerminal) {
  EXPECT_EQ(render_build_bar("t", {0, 4, "compiling a.cpp"}, 100, 8), "building t [........] 0/4 compiling a.cpp");
  EXPECT_EQ(render_build_bar("t", {2, 4, "compiling b.cpp"}, 100, 8), "building t [####....] 2/4 compiling b.cpp");
  EXPECT_EQ(render_build_bar("t", {4, 4, "linking t"}, 100, 8), "building t [########] 4/4 linking t");
  EXPECT_EQ(render_build_bar("t", {2, 4, "compiling b.cpp", 37}, 100, 8), "building t [####....] 2/4 37 s compiling b.cpp")
      << "the build's clock, so a long step still moves";
  EXPECT_EQ(render_build_bar("t", {0, 0, "checking what to build", 1}, 100, 8),
            "building t [........] … 1 s checking what to build")
      << "before ninja's first status line there is no count yet";
  const std::string narrow = render_build_bar("ch01-generators-ex1-exercise", {3, 51, "compiling a_very_long_test_file_name.cpp"}, 40);
  EXPECT_EQ(narrow.size(), 40u);
  EXPECT_EQ(narrow.back(), '~');
}

TEST(BuildProgressDisplay, OnATerminalTheBarIsRedrawnInPlaceAndClearedAfterwards) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  BuildProgressDisplay display(out, /*tty=*/true, /*plain_lines=*/true);
  const auto observer = display.observer();
  observer.started("t");
  observer.step("t", {1, 2, "compiling a.cpp"});
  observer.step("t", {2, 2, "linking t"});
  display.clear();
  std::rewind(out);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "a terminal bar never scrolls";
  EXPECT_NE(text.find("\r\033[K  building t [##########..........] 1/2 compiling a.cpp"), std::string::npos) << text;
  EXPECT_NE(text.find("\r\033[K  building t [####################] 2/2 linking t"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 4), "\r\033[K");
}

TEST(BuildProgressDisplay, WithoutATerminalOnePlainLinePerBuildAndNoEscapes) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  BuildProgressDisplay display(out, /*tty=*/false, /*plain_lines=*/true);
  const auto observer = display.observer();
  observer.started("t");
  observer.step("t", {1, 2, "compiling a.cpp"});
  observer.step("t", {2, 2, "linking t"});
  display.clear();
  std::rewind(out);
  std::string text(4096, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), out));
  std::fclose(out);
  EXPECT_EQ(text, "building t\n");
}
