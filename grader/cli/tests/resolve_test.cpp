#include "core/resolve.hpp"

#include <gtest/gtest.h>

using namespace asynclings::grader;

namespace {

std::vector<Chapter> workbook() {
  auto chapter = [](const char* dir, int number, const char* topic) {
    Chapter c;
    c.dir_name = dir;
    c.number = number;
    c.topic = topic;
    for (const char* name : {"generator", "round-robin", "pipeline"}) {
      Exercise e;
      e.id = "ex" + std::to_string(c.exercises.size() + 1);
      e.name = name;
      c.exercises.push_back(e);
    }
    return c;
  };
  return {chapter("ch01-generators", 1, "generators"), chapter("ch03-gather", 3, "gather"),
          chapter("ch12-backpressure", 12, "backpressure")};
}

}  // namespace

TEST(Resolve, Ch1And1AndCh01AndTheFullNameAllNameTheSameChapter) {
  const auto chapters = workbook();
  for (const char* spec : {"ch1", "1", "ch01", "ch01-generators", "CH01", "generators", "01"}) {
    EXPECT_EQ(resolve_chapter(chapters, spec).dir_name, "ch01-generators") << spec;
  }
  EXPECT_EQ(resolve_chapter(chapters, "12").dir_name, "ch12-backpressure");
  EXPECT_EQ(resolve_chapter(chapters, "ch3").dir_name, "ch03-gather");
}

TEST(Resolve, AChapterNumberWithTheWrongTopicIsNotResolved) {
  EXPECT_THROW(resolve_chapter(workbook(), "ch01-gather"), ResolveError);
}

TEST(Resolve, AnUnknownChapterErrorListsTheChaptersThatExist) {
  try {
    resolve_chapter(workbook(), "ch7");
    FAIL() << "ch7 resolved";
  } catch (const ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("ch01-generators, ch03-gather, ch12-backpressure"), std::string::npos) << e.what();
  }
}

TEST(Resolve, AnExerciseIsFoundByIdByNumberAndByName) {
  const auto chapters = workbook();
  const Chapter& c = chapters[0];
  for (const char* spec : {"ex2", "2", "round-robin", "EX2", "exercise2"}) {
    EXPECT_EQ(resolve_exercise(c, spec).id, "ex2") << spec;
  }
}

TEST(Resolve, AnUnknownExerciseErrorListsTheChaptersExercises) {
  try {
    resolve_exercise(workbook()[0], "ex9");
    FAIL() << "ex9 resolved";
  } catch (const ResolveError& e) {
    EXPECT_NE(std::string(e.what()).find("ex3 (pipeline)"), std::string::npos) << e.what();
  }
}
