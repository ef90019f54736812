#include "core/sanitizer_report.hpp"
#include "core/source_location.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using asynclings::grader::read_sanitizer_report;

const std::filesystem::path kFolder = std::filesystem::path(GRADER_FIXTURES) / "sanitizer";

std::string fixture(const std::string& name) {
  std::ifstream in(kFolder / name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The program's path: the report's relative source paths are opened from the folders above it,
// as the grader does for a build behind ccache.
const std::filesystem::path kProgram = kFolder / "program";

TEST(SanitizerReport, NamesTheFirstFrameInTheStudentsFileWithItsSourceLine) {
  const auto r = read_sanitizer_report(fixture("heap_use_after_free.log"), kProgram, {"ex1_gather.hpp"});
  EXPECT_EQ(r.kind, "heap-use-after-free");
  EXPECT_EQ(r.location, "ex1_gather.hpp:6: std::size_t run() const { return static_cast<std::size_t>(size); }");
  EXPECT_EQ(r.freed_at, "ex1_gather.hpp:12: delete job;");
}

TEST(SanitizerReport, ExplainsAUseAfterFreeAsTheCoroutineLifetimeBugs) {
  const auto r = read_sanitizer_report(fixture("heap_use_after_free.log"), kProgram, {"ex1_gather.hpp"});
  EXPECT_NE(r.reading.find("freed"), std::string::npos) << r.reading;
  for (const char* cause : {"lambda", "reference parameter", "`this`"})
    EXPECT_NE(r.reading.find(cause), std::string::npos) << "the reading should name " << cause << ": " << r.reading;
}

TEST(SanitizerReport, ExcerptKeepsTheErrorTheStacksAndTheSummaryButNotTheShadowMap) {
  const auto r = read_sanitizer_report(fixture("heap_use_after_free.log"), kProgram, {"ex1_gather.hpp"});
  EXPECT_EQ(r.excerpt.rfind("ERROR: AddressSanitizer: heap-use-after-free", 0), 0u) << r.excerpt;
  EXPECT_NE(r.excerpt.find("READ of size 4"), std::string::npos) << r.excerpt;
  EXPECT_NE(r.excerpt.find("freed by thread T0 here:"), std::string::npos) << r.excerpt;
  EXPECT_NE(r.excerpt.find("SUMMARY: AddressSanitizer"), std::string::npos) << r.excerpt;
  EXPECT_NE(r.excerpt.find("<- your code"), std::string::npos) << r.excerpt;
  EXPECT_EQ(r.excerpt.find("0x5608"), std::string::npos) << "addresses say nothing to a student: " << r.excerpt;
  EXPECT_EQ(r.excerpt.find("Shadow"), std::string::npos) << r.excerpt;
}

TEST(SanitizerReport, WithoutAFrameInTheStudentsFilesHasNoLocationButStillAReading) {
  const auto r = read_sanitizer_report(fixture("heap_use_after_free.log"), kProgram, {"ex2_other.hpp"});
  EXPECT_EQ(r.kind, "heap-use-after-free");
  EXPECT_TRUE(r.location.empty()) << r.location;
  EXPECT_FALSE(r.reading.empty());
}

TEST(SanitizerReport, OutputWithoutASanitizerReportReadsAsNone) {
  const auto r = read_sanitizer_report("[ RUN      ] Gather.X\nSegmentation fault\n", kProgram, {"ex1_gather.hpp"});
  EXPECT_TRUE(r.kind.empty());
  EXPECT_TRUE(r.excerpt.empty());
}

TEST(SourceLocation, IsThisBuildsOwnFileWhenTheDebugInformationNamesAnotherBuildsFolder) {
  // An object from ccache compiled for another copy: its folder is gone (or another student's).
  const auto text = asynclings::grader::source_location_text(
      "/elsewhere/build-submission/sanitizer/ex1_gather.hpp", 6, kProgram);
  EXPECT_EQ(text, "ex1_gather.hpp:6: std::size_t run() const { return static_cast<std::size_t>(size); }");
}

TEST(SanitizerReport, AddressesAreLeftOutOfALine) {
  EXPECT_EQ(asynclings::grader::without_addresses(
                "AddressSanitizer: stack-buffer-underflow on address 0x7ffc865584e0 at pc 0x55b9474470bb bp "
                "0x7ffc86557610 sp 0x7ffc86557608"),
            "AddressSanitizer: stack-buffer-underflow");
}

TEST(SanitizerReport, ReadsAStackErrorInCoroutineCodeAsALifetimeBug) {
  const std::string output =
      "==1==ERROR: AddressSanitizer: stack-buffer-underflow on address 0x7ffc865584e0 at pc 0x55 bp 0x1 sp 0x2\n"
      "READ of size 8 at 0x7ffc865584e0 thread T0\n"
      "    #0 0x55b9474470ba in operator() ../sanitizer/ex1_gather.hpp:11\n"
      "    #1 0x55b94744 in std::__n4861::coroutine_handle<void>::resume() const /usr/include/c++/12/coroutine:135\n"
      "\n"
      "SUMMARY: AddressSanitizer: stack-buffer-underflow ../sanitizer/ex1_gather.hpp:11 in operator()\n";
  const auto r = read_sanitizer_report(output, kProgram, {"ex1_gather.hpp"});
  EXPECT_EQ(r.kind, "stack-buffer-underflow");
  EXPECT_EQ(r.location.rfind("ex1_gather.hpp:11: ", 0), 0u) << r.location;
  EXPECT_NE(r.reading.find("a lambda that was a temporary"), std::string::npos) << r.reading;
}

TEST(SanitizerReport, AStackUseAfterReturnNamesTheStudentsLocalThatWasGone) {
  // The access happens in Asio (the coroutine is not on the stack when its operation starts);
  // the frame that held the memory is the student's.
  const std::string output =
      "==1==ERROR: AddressSanitizer: stack-use-after-return on address 0x7f50965005f0 at pc 0x56 bp 0x7f sp 0x7f\n"
      "READ of size 8 at 0x7f50965005f0 thread T0\n"
      "    #0 0x5651ff424470 in basic_channel::initiate_async_receive /usr/include/boost/asio/experimental/basic_channel.hpp:468\n"
      "    #1 0x5651ff428728 in boost::asio::detail::awaitable_frame_base<>::resume() /usr/include/boost/asio/impl/awaitable.hpp:485\n"
      "\n"
      "Address 0x7f50965005f0 is located in stack of thread T0 at offset 496 in frame\n"
      "    #0 0x5651ff3be405 in gather_like() ../sanitizer/ex1_gather.hpp:9\n"
      "\n"
      "  This frame has 2 object(s):\n"
      "    [32, 40) 'f' (line 11)\n"
      "    [496, 736) 'job' (line 10) <== Memory access at offset 496 is inside this variable\n"
      "HINT: this may be a false positive if your program uses some custom stack unwind mechanism\n"
      "SUMMARY: AddressSanitizer: stack-use-after-return /usr/include/boost/asio/experimental/basic_channel.hpp:468\n";
  const auto r = read_sanitizer_report(output, kProgram, {"ex1_gather.hpp"});
  EXPECT_EQ(r.kind, "stack-use-after-return");
  EXPECT_EQ(r.dead_variable, "'job', declared at ex1_gather.hpp:10: Job* job = new Job;");
  EXPECT_EQ(r.location, "ex1_gather.hpp:10: Job* job = new Job;") << "no frame of the student's in the access: the variable's line";
  EXPECT_NE(r.reading.find("`this`"), std::string::npos) << r.reading;
}

}  // namespace
