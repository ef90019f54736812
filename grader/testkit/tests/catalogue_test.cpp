// The catalogue of diagnoses (asynclings/diagnoses.hpp), how tests give one, the table of
// docs/diagnoses.md that lists it, and the request helpers of asynclings/testkit/requests.hpp.
#include <asynclings/diagnoses.hpp>
#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/requests.hpp>
#include <asynclings/todo.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/channel_error.hpp>
#include <boost/system/system_error.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace {

namespace diagnoses = asynclings::diagnoses;
using namespace asynclings::testkit;

std::optional<std::string> property(const std::string& key) {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  for (int i = 0; i < result->test_property_count(); ++i)
    if (result->GetTestProperty(i).key() == key) return result->GetTestProperty(i).value();
  return std::nullopt;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::filesystem::path kSource = ASYNCLINGS_SOURCE_DIR;

}  // namespace

TEST(Catalogue, NamesAreKebabCaseUniqueAndInOrderAndEachHasAOneLineExplanation) {
  std::set<std::string_view> seen;
  std::string_view previous;
  for (const auto& d : diagnoses::kCatalogue) {
    EXPECT_TRUE(std::regex_match(std::string(d.name), std::regex("[a-z0-9]+(-[a-z0-9]+)*")))
        << d.name;
    EXPECT_TRUE(seen.insert(d.name).second) << d.name << " is in the catalogue twice";
    EXPECT_LT(previous, d.name) << "the catalogue is in alphabetical order";
    previous = d.name;
    EXPECT_FALSE(d.explanation.empty()) << d.name;
    EXPECT_EQ(d.explanation.find('\n'), std::string_view::npos) << d.name;
    EXPECT_LE(d.explanation.size(), 200u) << d.name << ": one line";
  }
  EXPECT_EQ(diagnoses::find("sequential-awaits"),
            &diagnoses::kCatalogue[std::distance(
                std::begin(diagnoses::kCatalogue),
                std::find_if(std::begin(diagnoses::kCatalogue), std::end(diagnoses::kCatalogue),
                             [](const auto& d) { return d.name == "sequential-awaits"; }))]);
  EXPECT_EQ(diagnoses::find("no-such-diagnosis"), nullptr);
}

TEST(Catalogue, ADiagnosisOfTheCatalogueRecordsItsNameAndDefaultExplanationAtTheCallersLine) {
  ::testing::TestPartResultArray failures;
  int line = 0;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    line = __LINE__ + 1;
    diagnose(diagnoses::sequential_awaits);
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_EQ(failures.GetTestPartResult(0).line_number(), line);
  EXPECT_EQ(property(kDiagnosisProperty), "sequential-awaits");
  EXPECT_EQ(property(kDiagnosisDetailProperty),
            std::string(diagnoses::sequential_awaits.explanation));
}

TEST(Catalogue, AnExplanationGivenWithACatalogueDiagnosisReplacesTheDefault) {
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    diagnose(diagnoses::eager_start, "the body ran at creation");
  }
  EXPECT_EQ(property(kDiagnosisProperty), "eager-start");
  EXPECT_EQ(property(kDiagnosisDetailProperty), "the body ran at creation");
  EXPECT_STREQ(failures.GetTestPartResult(0).message(),
               "[diagnosis eager-start] the body ran at creation");
}

TEST(Catalogue, TheDocsTableListsEveryDiagnosisWithItsExplanation) {
  // docs/diagnoses.md: "| `name` | explanation |" rows, in the catalogue's order.
  const std::string docs = read(kSource / "docs" / "diagnoses.md");
  std::string expected;
  for (const auto& d : diagnoses::kCatalogue)
    expected += "| `" + std::string(d.name) + "` | " + std::string(d.explanation) + " |\n";
  std::string rows;
  std::istringstream in(docs);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("| `", 0) == 0) rows += line + "\n";
  EXPECT_EQ(rows, expected)
      << "docs/diagnoses.md's table is out of step with asynclings/diagnoses.hpp; its rows are:\n"
      << expected;
}

namespace {

// Test files that still spell diagnoses of the catalogue out; each leaves this list once its
// chapter's suite has been run with the catalogue's names (docs/diagnoses.md).
const std::set<std::string> kNotYetOnTheCatalogue = {};

}  // namespace

TEST(Catalogue, TheChaptersTestsSpellNoDiagnosisOfTheCatalogueAndShareNoOtherName) {
  // A name of the catalogue spelled out in a test could drift from it; a name two test files
  // both spell belongs in the catalogue.
  const std::regex spelled(R"re(diagnose\(\s*"([a-z0-9-]+)")re");
  std::map<std::string, std::set<std::string>> files_of;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSource / "exercises")) {
    const auto path = entry.path();
    if (!entry.is_regular_file() || path.parent_path().filename() != "tests") continue;
    const std::string text = read(path);
    for (std::sregex_iterator it(text.begin(), text.end(), spelled), end; it != end; ++it)
      files_of[(*it)[1]].insert(path.lexically_relative(kSource / "exercises").string());
  }
  ASSERT_FALSE(files_of.empty()) << "no test of " << (kSource / "exercises")
                                 << " gives a diagnosis";
  std::set<std::string> still_spelling;
  for (const auto& [name, files] : files_of) {
    if (diagnoses::find(name) != nullptr) {
      for (const auto& file : files) {
        if (kNotYetOnTheCatalogue.count(file) != 0) {
          still_spelling.insert(file);
          continue;
        }
        ADD_FAILURE() << file << " spells \"" << name
                      << "\": write diagnoses::" << std::regex_replace(name, std::regex("-"), "_");
      }
      continue;
    }
    EXPECT_EQ(files.size(), 1u) << "\"" << name << "\" is spelled in " << files.size()
                                << " test files (" << *files.begin() << ", "
                                << *std::next(files.begin())
                                << "…): add it to asynclings/diagnoses.hpp";
  }
  for (const auto& file : kNotYetOnTheCatalogue)
    EXPECT_EQ(still_spelling.count(file), 1u)
        << file << " uses the catalogue now: take it off kNotYetOnTheCatalogue";
}

TEST(Requests, TheDelayTargetAsksForMilliseconds) { EXPECT_EQ(delay_target(250), "/delay/250ms"); }

TEST(Requests, LeaseCallsAreFoundByTheirTargetsInArrivalOrder) {
  std::vector<TraceRecord> records(5);
  records[0].target = "/lease/acquire?name=db";
  records[1].target = "/delay/100ms";
  records[2].target = "/get";
  records[3].target = "/lease/release?name=db";
  records[4].target = "/lease/acquire?name=db";
  const auto calls = find_lease_calls(TraceView(records, Clock::now()));
  EXPECT_EQ(calls.acquires, (std::vector<std::size_t>{0, 4}));
  EXPECT_EQ(calls.releases, (std::vector<std::size_t>{3}));
  EXPECT_EQ(calls.work, (std::vector<std::size_t>{1}));
}

TEST(Requests, OperationAbortedIsToldFromOtherErrors) {
  EXPECT_TRUE(is_operation_aborted(
      std::make_exception_ptr(boost::system::system_error(boost::asio::error::operation_aborted))));
  EXPECT_FALSE(is_operation_aborted(
      std::make_exception_ptr(boost::system::system_error(boost::asio::error::connection_reset))));
  EXPECT_FALSE(is_operation_aborted(std::make_exception_ptr(std::runtime_error("x"))));
}

TEST(Requests, ACancellationIsOperationAbortedOrAChannelsCancelledReceive) {
  EXPECT_TRUE(is_cancellation(
      std::make_exception_ptr(boost::system::system_error(boost::asio::error::operation_aborted))));
  EXPECT_TRUE(is_cancellation(std::make_exception_ptr(
      boost::system::system_error(boost::asio::experimental::error::channel_cancelled))));
  EXPECT_FALSE(is_cancellation(std::make_exception_ptr(
      boost::system::system_error(boost::asio::experimental::error::channel_closed))));
  EXPECT_FALSE(is_cancellation(std::make_exception_ptr(std::runtime_error("x"))));
  EXPECT_FALSE(is_cancellation(nullptr));
}

TEST(Requests, OnlyAStubsNotImplementedIsRethrown) {
  EXPECT_THROW(
      rethrow_if_not_implemented(std::make_exception_ptr(asynclings::NotImplemented("f()"))),
      asynclings::NotImplemented);
  EXPECT_NO_THROW(rethrow_if_not_implemented(std::make_exception_ptr(std::runtime_error("x"))));
}
