#include "core/hints.hpp"
#include "core/progress.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace asynclings::grader;

namespace {

struct ProgressTest : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("grader-progress-" + std::to_string(getpid()));
  Chapter chapter;
  void SetUp() override {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir / "ch01-x");
    chapter.dir_name = "ch01-x";
    chapter.dir = dir / "ch01-x";
    Exercise e;
    e.id = "ex1";
    e.name = "first";
    e.edit = {"ex1.hpp"};
    e.hints = {{"A nudge", "gentle"},
               {"Closer", "closer"},
               {"Nearly the answer", "the answer\n\n```cpp\nreturn 42;\n```"}};
    chapter.exercises.push_back(e);
    std::ofstream(chapter.dir / "ex1.hpp") << "// stub\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  const Exercise& ex() const { return chapter.exercises[0]; }
};

}  // namespace

TEST_F(ProgressTest, HintsComeOneAtATimeAndTheCountSurvivesASaveAndReload) {
  {
    Progress p(dir / "state.json");
    EXPECT_NE(next_hints(chapter, ex(), p.at(chapter, ex()), false).find("hint 1 of 3"), std::string::npos);
    ASSERT_TRUE(p.save());
  }
  Progress p(dir / "state.json");
  EXPECT_EQ(p.at(chapter, ex()).hints_read, 1);
  const std::string second = next_hints(chapter, ex(), p.at(chapter, ex()), false);
  EXPECT_NE(second.find("hint 2 of 3"), std::string::npos) << second;
  EXPECT_NE(second.find("closer"), std::string::npos);
  const std::string third = next_hints(chapter, ex(), p.at(chapter, ex()), false);
  EXPECT_NE(third.find("the answer"), std::string::npos);
  const std::string again = next_hints(chapter, ex(), p.at(chapter, ex()), false);
  EXPECT_NE(again.find("That was the last hint"), std::string::npos) << again;
}

TEST_F(ProgressTest, AllShowsEveryHint) {
  Progress p(dir / "state.json");
  const std::string all = next_hints(chapter, ex(), p.at(chapter, ex()), true);
  EXPECT_NE(all.find("gentle"), std::string::npos);
  EXPECT_NE(all.find("closer"), std::string::npos);
  EXPECT_NE(all.find("the answer"), std::string::npos);
}

TEST_F(ProgressTest, AnExerciseEditedAfterItsLastCheckIsListedAsEdited) {
  Progress p(dir / "state.json");
  auto& e = p.at(chapter, ex());
  e.verdict = "passed";
  e.checked_files_stamp = edited_files_stamp(chapter, ex());
  EXPECT_EQ(list_state(&e, edited_files_stamp(chapter, ex())), ListState::passed);
  std::filesystem::last_write_time(chapter.dir / "ex1.hpp",
                                   std::filesystem::last_write_time(chapter.dir / "ex1.hpp") + std::chrono::seconds(5));
  EXPECT_EQ(list_state(&e, edited_files_stamp(chapter, ex())), ListState::passed) << "saved unchanged: still passed";
  std::ofstream(chapter.dir / "ex1.hpp", std::ios::app) << "// an edit\n";
  EXPECT_EQ(list_state(&e, edited_files_stamp(chapter, ex())), ListState::edited);
}

TEST_F(ProgressTest, AFileEditedAndRestoredToWhatPassedKeepsItsDoneState) {
  Progress p(dir / "state.json");
  auto& e = p.at(chapter, ex());
  e.verdict = "passed";
  const std::string original = [&] {
    std::ifstream in(chapter.dir / "ex1.hpp");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }();
  e.checked_files_stamp = edited_files_stamp(chapter, ex());
  std::ofstream(chapter.dir / "ex1.hpp") << original << "int oops;\n";
  EXPECT_EQ(list_state(&e, edited_files_stamp(chapter, ex())), ListState::edited);
  std::ofstream(chapter.dir / "ex1.hpp") << original;
  EXPECT_EQ(list_state(&e, edited_files_stamp(chapter, ex())), ListState::passed);
}

TEST_F(ProgressTest, ADamagedStateFileIsTreatedAsNoProgress) {
  std::ofstream(dir / "state.json") << "{ not json";
  Progress p(dir / "state.json");
  EXPECT_EQ(p.find(chapter, ex()), nullptr);
  EXPECT_EQ(list_state(nullptr, 0), ListState::unchecked);
}

TEST_F(ProgressTest, AHintShowsItsHeadingAndItsTextIndentedWithoutCodeFences) {
  Progress p(dir / "state.json");
  const std::string all = next_hints(chapter, ex(), p.at(chapter, ex()), true);
  EXPECT_NE(all.find("hint 1 of 3 (ch01-x ex1 first): A nudge\n  gentle\n"), std::string::npos)
      << all;
  EXPECT_NE(
      all.find(
          "hint 3 of 3 (ch01-x ex1 first): Nearly the answer\n  the answer\n\n    return 42;\n"),
      std::string::npos)
      << all;
  EXPECT_EQ(all.find("```"), std::string::npos) << all;
}
