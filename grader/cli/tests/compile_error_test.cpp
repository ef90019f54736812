#include "core/compile_error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace asynclings::grader;

namespace {

// A captured g++ log (<folder>/<name>.log) with its file names pointed at the fixture sources.
std::string log_of(const std::string& name, const std::string& folder = GRADER_FIXTURES) {
  std::ifstream in(folder + "/" + name + ".log");
  std::ostringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  const std::string from = name + ".cpp:";
  const std::string to = folder + "/" + name + ".cpp:";
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
  EXPECT_NE(error->reading.find("no overload accepts these arguments"), std::string::npos)
      << error->reading;
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
  EXPECT_NE(error->reading.find("no operator accepts these operand types"), std::string::npos)
      << error->reading;
}

TEST(CompileError, AnUndefinedReferenceIsReadAsALinkError) {
  const auto error = first_compile_error(log_of("link"));
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("undefined reference to `helper(int)'"), std::string::npos)
      << error->message;
  EXPECT_NE(error->reading.find("linker"), std::string::npos);
}

TEST(CompileError, ALogWithoutErrorsYieldsNothing) {
  EXPECT_FALSE(first_compile_error("[1/2] Building CXX object x.o\nwarning: unused\n").has_value());
}

TEST(CompileError, AnUncommonMessageHasNoReadingRatherThanAWrongOne) {
  EXPECT_EQ(explain_error("static assertion failed: frobnication"), "");
}

// The coroutine slips: each fixture in fixtures/coroutine_slips is a real slip compiled with
// g++ 12 against Boost 1.81 (capture.sh there rewrites the logs). The first error is found,
// the slip named, and the fix said in one line.
namespace {

const std::string kSlips = std::string(GRADER_FIXTURES) + "/coroutine_slips";

CompileError slip_of(const std::string& name) {
  const auto error = first_compile_error(log_of(name, kSlips), kSlips);
  EXPECT_TRUE(error.has_value()) << name;
  if (!error) return {};
  EXPECT_EQ(error->reading.find('\n'), std::string::npos) << "one line: " << error->reading;
  EXPECT_FALSE(error->reading.empty()) << name;
  return *error;
}

bool says(const CompileError& error, const std::string& words) {
  return error.reading.find(words) != std::string::npos;
}

}  // namespace

TEST(CoroutineSlip, AnAwaitableAssignedToAValueNeedsCoAwait) {
  const auto error = slip_of("await_assigned");
  EXPECT_EQ(error.slip, "awaitable-as-value");
  EXPECT_EQ(error.line, 6);
  EXPECT_TRUE(says(error, "asio::awaitable<Response> is the operation, not its result"))
      << error.reading;
  EXPECT_TRUE(says(error, "Response result = co_await call(…);")) << error.reading;
}

TEST(CoroutineSlip, AnAwaitableMovedIntoAValueInATemplateIsReadThroughItsAlias) {
  // g++ spells the type std::remove_reference<…>::type {aka 'boost::asio::awaitable<int>'}.
  const auto error = slip_of("await_moved_into_value");
  EXPECT_EQ(error.slip, "awaitable-as-value");
  EXPECT_EQ(error.line, 8);
  EXPECT_TRUE(says(error, "asio::awaitable<int> is the operation, not its result"))
      << error.reading;
  EXPECT_TRUE(says(error, "int result = co_await call(…);")) << error.reading;
}

TEST(CoroutineSlip, AnAwaitablePassedWhereAValueIsExpectedNeedsCoAwaitInTheArgumentList) {
  const auto error = slip_of("await_argument");
  EXPECT_EQ(error.slip, "awaitable-as-argument");
  EXPECT_EQ(error.line, 6);
  EXPECT_TRUE(says(error, "asio::awaitable<int> is passed where a value of type int is expected"))
      << error.reading;
  EXPECT_TRUE(says(error, "f(co_await call(…))")) << error.reading;
}

TEST(CoroutineSlip, AnAwaitablePushedIntoAVectorOfValuesNeedsCoAwait) {
  // No conversion message of its own: the candidates' notes say which argument did not fit.
  const auto error = slip_of("await_push_back");
  EXPECT_EQ(error.slip, "awaitable-as-argument");
  EXPECT_EQ(error.line, 7);
  EXPECT_TRUE(says(error, "an asio::awaitable<int> is passed where its value is expected"))
      << error.reading;
}

TEST(CoroutineSlip, AMemberAskedOfAnAwaitableNeedsCoAwaitFirst) {
  const auto error = slip_of("await_member");
  EXPECT_EQ(error.slip, "awaitable-member");
  EXPECT_TRUE(says(error, ".status is asked of asio::awaitable<Response>")) << error.reading;
  EXPECT_TRUE(says(error, "auto result = co_await call(…);")) << error.reading;
}

TEST(CoroutineSlip, ThisCoroExecutorUsedWithoutCoAwaitIsNamedInATimer) {
  const auto error = slip_of("executor_without_await");
  EXPECT_EQ(error.slip, "executor-without-co_await");
  EXPECT_EQ(error.line, 5);
  EXPECT_TRUE(says(error, "auto ex = co_await asio::this_coro::executor;")) << error.reading;
}

TEST(CoroutineSlip, ThisCoroExecutorStoredWithoutCoAwaitIsNamedWhereItIsUsed) {
  const auto error = slip_of("executor_stored");
  EXPECT_EQ(error.slip, "executor-without-co_await");
  EXPECT_EQ(error.line, 6);
  EXPECT_TRUE(says(error, "auto ex = co_await asio::this_coro::executor;")) << error.reading;
}

TEST(CoroutineSlip, ReturnInsteadOfCoReturnIsNamedAlthoughGccFirstComplainsAboutTheValue) {
  const auto error = slip_of("return_not_co_return");
  EXPECT_NE(error.message.find("could not convert"), std::string::npos) << error.message;
  EXPECT_EQ(error.slip, "return-not-co_return");
  EXPECT_EQ(error.line, 7);
  EXPECT_TRUE(says(error, "`co_return value;`, not `return value;`")) << error.reading;
}

TEST(CoroutineSlip, AnAwaitableFunctionWithoutAnyCoKeywordIsNotACoroutine) {
  const auto error = slip_of("no_co_keyword");
  EXPECT_EQ(error.slip, "no-co-keyword");
  EXPECT_EQ(error.line, 5);
  EXPECT_TRUE(says(
      error, "asio::awaitable<int> is a coroutine only when its body uses co_await or co_return"))
      << error.reading;
}

TEST(CoroutineSlip, CoAwaitInALambdaWithADeducedReturnTypeNeedsACoroutineReturnType) {
  const auto error = slip_of("await_in_plain_lambda");
  EXPECT_EQ(error.slip, "co_await-in-plain-lambda");
  EXPECT_EQ(error.line, 9);
  EXPECT_TRUE(says(error, "-> asio::awaitable<void>")) << error.reading;
}

TEST(CoroutineSlip, CoAwaitInALambdaReturningVoidNeedsACoroutineReturnType) {
  const auto error = slip_of("await_in_void_lambda");
  EXPECT_EQ(error.slip, "co_await-in-plain-lambda");
  EXPECT_EQ(error.line, 8);
  EXPECT_TRUE(says(error, "-> asio::awaitable<void>")) << error.reading;
}

TEST(CoroutineSlip, CoAwaitInALambdaInsideATemplateIsFoundFromTheSource) {
  // Inside a template g++ names the template's instantiation, not the lambda.
  const auto error = slip_of("await_in_template_lambda");
  EXPECT_EQ(error.slip, "co_await-in-plain-lambda");
  EXPECT_EQ(error.line, 10);
  EXPECT_TRUE(says(error, "-> asio::awaitable<void>")) << error.reading;
}

TEST(CoroutineSlip, CoAwaitInALambdaWrittenOnOneLineIsFoundFromTheSource) {
  const auto error = slip_of("await_in_one_line_lambda");
  EXPECT_EQ(error.slip, "co_await-in-plain-lambda");
  EXPECT_EQ(error.line, 7);
}

TEST(CoroutineSlip, CoAwaitInAFunctionDeclaredAutoNeedsItsReturnTypeSpelled) {
  const auto error = slip_of("await_in_auto_function");
  EXPECT_EQ(error.slip, "co_await-in-auto-function");
  EXPECT_TRUE(says(error, "spell its return type, asio::awaitable<T>")) << error.reading;
}

TEST(CoroutineSlip, CoAwaitInAFunctionThatIsNotACoroutineKeepsItsReading) {
  const auto error = first_compile_error(log_of("bad3"));
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->slip, "co_await-in-plain-function");
  EXPECT_NE(error->reading.find("return asio::awaitable<T>"), std::string::npos) << error->reading;
}

TEST(CoroutineSlip, ABraceListInsideCoAwaitIsTheGcc12BugAndPointsAtItsLine) {
  // g++ 12 reports "array used as initializer" at the coroutine's closing brace.
  const auto error = slip_of("brace_list_in_await");
  EXPECT_EQ(error.slip, "brace-list-in-co_await");
  EXPECT_EQ(error.line, 9);
  EXPECT_EQ(error.source_line, "}");
  EXPECT_EQ(error.user_line, 7) << "the co_await holding the brace list";
  EXPECT_TRUE(says(error, "build the value in a named variable first")) << error.reading;
}

TEST(CoroutineSlip, ALambdaCaptureInitialisedWithABraceListInsideCoAwaitIsTheSameBug) {
  const auto error = slip_of("lambda_in_await");
  EXPECT_EQ(error.slip, "brace-list-in-co_await");
  EXPECT_EQ(error.user_line, 7)
      << "the co_await statement spans lines 7-9, its lambda is on line 8";
  EXPECT_TRUE(says(error, "a lambda capture initialised with one")) << error.reading;
}

TEST(CoroutineSlip, ArrayUsedAsInitializerOutsideACoroutineIsNotTakenForTheBug) {
  const std::string log =
      "x.cpp: In function 'int f()':\n"
      "x.cpp:3:14: error: array used as initializer\n"
      "    3 |   int b[2] = a;\n";
  const auto error = first_compile_error(log);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->slip, "");
}

TEST(CoroutineSlip, ADeferredOperationAwaitedByNameIsUsedUpByOneCoAwait) {
  const auto error = slip_of("deferred_awaited_twice");
  EXPECT_EQ(error.slip, "deferred-awaited-twice");
  EXPECT_NE(error.file.find("awaitable.hpp"), std::string::npos) << error.file;
  EXPECT_NE(error.user_file.find("deferred_awaited_twice.cpp"), std::string::npos)
      << error.user_file;
  EXPECT_EQ(error.user_line, 7);
  EXPECT_TRUE(says(error, "co_await std::move(op);")) << error.reading;
}

TEST(CoroutineSlip, AnAsyncOperationWithoutUseAwaitableNeedsACompletionToken) {
  const auto error = slip_of("missing_use_awaitable");
  EXPECT_EQ(error.slip, "missing-completion-token");
  EXPECT_EQ(error.line, 6);
  EXPECT_TRUE(says(error, "co_await timer.async_wait(asio::use_awaitable);")) << error.reading;
}

TEST(CoroutineSlip, AParallelGroupWaitWithoutATokenIsAnArgumentShort) {
  // async_wait(condition, token) has no default token: the call is one argument short.
  const auto error = slip_of("parallel_group_without_token");
  EXPECT_EQ(error.slip, "missing-completion-token");
  EXPECT_EQ(error.line, 12);
  EXPECT_TRUE(says(error, "add asio::use_awaitable")) << error.reading;
}

TEST(CoroutineSlip, CoSpawnWithoutATokenNeedsOne) {
  const auto error = slip_of("co_spawn_without_token");
  EXPECT_EQ(error.slip, "missing-completion-token");
  EXPECT_EQ(error.line, 6);
  EXPECT_TRUE(says(error, "asio::co_spawn(ex, f(), asio::use_awaitable)")) << error.reading;
}

TEST(CoroutineSlip, CoAwaitingCoSpawnWithDeferredIsNamedAsTheBoost181Limit) {
  const auto error = slip_of("co_spawn_deferred");
  EXPECT_EQ(error.slip, "co_spawn-deferred");
  EXPECT_EQ(error.user_line, 6);
  EXPECT_TRUE(says(error, "use_awaitable")) << error.reading;
}

TEST(CoroutineSlip, AnOrdinaryErrorIsNotTakenForASlip) {
  for (const char* name : {"bad1", "bad2", "bad4", "bad5"}) {
    const auto error = first_compile_error(log_of(name), GRADER_FIXTURES);
    ASSERT_TRUE(error.has_value()) << name;
    EXPECT_EQ(error->slip, "") << name << ": " << error->reading;
  }
}

TEST(CoroutineSlip, AFileNamedRelativeToTheBuildFolderIsReadFromThere) {
  // With CCACHE_BASEDIR the compiler prints "../exercises/…" relative to the build folder:
  // the source line and the lambda around the error are read from there, not from the
  // grader's working directory.
  const std::string name = "await_in_template_lambda.cpp:";
  const std::string relative = "../coroutine_slips/" + name;
  std::ifstream in(kSlips + "/await_in_template_lambda.log");
  std::ostringstream text;
  text << in.rdbuf();
  std::string log = text.str();
  for (auto at = log.find(name); at != std::string::npos; at = log.find(name, at + relative.size()))
    log.replace(at, name.size(), relative);
  const std::string build_dir = std::string(GRADER_FIXTURES) + "/build";
  const auto without = first_compile_error(log, {});
  const auto with = first_compile_error(log, {}, build_dir);
  ASSERT_TRUE(without.has_value());
  ASSERT_TRUE(with.has_value());
  EXPECT_EQ(with->file, "../coroutine_slips/await_in_template_lambda.cpp") << "the name as printed";
  EXPECT_EQ(with->source_line, "      co_await timer.async_wait(asio::use_awaitable);");
  EXPECT_EQ(with->slip, "co_await-in-plain-lambda");
  EXPECT_EQ(without->source_line, "") << "not found from the test's working directory";
  EXPECT_EQ(without->slip, "co_await-in-auto-function");
}
