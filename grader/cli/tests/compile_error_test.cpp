#include "compile_error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace asynclings::grader;

namespace {

// A captured g++ log with its file names pointed at the fixture sources.
std::string log_of(const std::string& name) {
  std::ifstream in(std::string(GRADER_FIXTURES) + "/" + name + ".log");
  std::ostringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  const std::string from = name + ".cpp:";
  const std::string to = std::string(GRADER_FIXTURES) + "/" + name + ".cpp:";
  for (std::size_t pos = 0; (pos = log.find(from, pos)) != std::string::npos; pos += to.size()) {
    if (pos > 0 && log[pos - 1] == '/') continue;
    log.replace(pos, from.size(), to);
  }
  return log;
}

}  // namespace

TEST(CompileError, AnUndeclaredNameIsFoundWithItsLocationLineAndReading) {
  const auto error = first_compile_error(log_of("bad1"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line, 5);
  EXPECT_EQ(error->column, 10);
  EXPECT_NE(error->message.find("was not declared in this scope"), std::string::npos);
  EXPECT_EQ(error->source_line, "  return undeclared_thing + 1;");
  EXPECT_NE(error->reading.find("missing #include"), std::string::npos);
}

TEST(CompileError, NoMatchingFunctionIsReadAsAnArgumentMismatch) {
  const auto error = first_compile_error(log_of("bad2"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line, 7);
  EXPECT_NE(error->reading.find("no overload accepts these arguments"), std::string::npos) << error->reading;
}

TEST(CompileError, CoAwaitInAFunctionThatIsNotACoroutineIsExplained) {
  const auto error = first_compile_error(log_of("bad3"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->line, 3);
  EXPECT_NE(error->reading.find("not a coroutine type"), std::string::npos) << error->reading;
}

TEST(CompileError, OnlyTheFirstOfSeveralErrorsIsReported) {
  const auto error = first_compile_error(log_of("bad4"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->column, 30);
  EXPECT_NE(error->reading.find("incomplete"), std::string::npos);
}

TEST(CompileError, AnErrorInsideALibraryHeaderPointsBackToTheStudentsLine) {
  const auto error = first_compile_error(log_of("bad5"), GRADER_FIXTURES);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->file.find("stl_algo.h"), std::string::npos);
  EXPECT_NE(error->user_file.find("bad5.cpp"), std::string::npos) << error->user_file;
  EXPECT_EQ(error->user_line, 5);
  EXPECT_NE(error->reading.find("no operator accepts these operand types"), std::string::npos) << error->reading;
}

TEST(CompileError, AnUndefinedReferenceIsReadAsALinkError) {
  const auto error = first_compile_error(log_of("link"));
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("undefined reference to `helper(int)'"), std::string::npos) << error->message;
  EXPECT_NE(error->reading.find("linker"), std::string::npos);
}

TEST(CompileError, ALogWithoutErrorsYieldsNothing) {
  EXPECT_FALSE(first_compile_error("[1/2] Building CXX object x.o\nwarning: unused\n").has_value());
}

TEST(CompileError, AnUncommonMessageHasNoReadingRatherThanAWrongOne) {
  EXPECT_EQ(explain_error("static assertion failed: frobnication"), "");
}
