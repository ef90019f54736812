// Exercise 3: a lazy Task<T> with symmetric transfer, and a lazy asio::awaitable.
//
// How the stack test works: a tiny non-inlined function notes the stack pointer each time
// the innermost task runs. If every co_await transfers control by a jump (symmetric
// transfer), the innermost task always runs at the same stack depth however many awaits
// came before; if the awaiter is resumed by a call, each await adds frames and the noted
// addresses creep down. The growth is measured on a short chain first, so a Task without
// symmetric transfer is named before the long chain would overflow the stack.
//
// Whether a returned handle really becomes a jump is up to the compiler: g++ 12 needs
// sibling-call optimisation for it (-O2, or -foptimize-sibling-calls; plain -O0 emits a
// call), and sanitizers defeat it. The tests therefore calibrate against a
// reference task written here: where even the reference grows, yours is compared with it.
#include "ex3_task.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <asynclings/testkit/server_test.hpp>
#include <asynclings/todo.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Compiled once, in the chapter's support library (support/support.cpp), not after every edit.
extern template int asynclings::testkit::ServerTest::run(boost::asio::awaitable<int>,
                                                         std::chrono::milliseconds);

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;
using asynclings::testkit::figure;
using Log = std::vector<std::string>;

// ---- the stack probe --------------------------------------------------------------------

struct StackProbe {
  std::uintptr_t lowest = UINTPTR_MAX;
  std::uintptr_t highest = 0;
  void reset() { *this = StackProbe{}; }
  std::uintptr_t span() const { return highest >= lowest ? highest - lowest : 0; }
};
StackProbe probe;

[[gnu::noinline]] void note_stack_depth() {
  auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  probe.lowest = std::min(probe.lowest, here);
  probe.highest = std::max(probe.highest, here);
  asm volatile("" ::: "memory");  // keep the call (and its frame) where it is
}

// ---- a reference task: known-good symmetric transfer, to calibrate the compiler ----------

template <typename T>
class ReferenceTask {
 public:
  struct promise_type {
    T value{};
    std::coroutine_handle<> continuation = std::noop_coroutine();
    ReferenceTask get_return_object() {
      return ReferenceTask{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    void return_value(T v) { value = v; }
    void unhandled_exception() { std::terminate(); }
  };
  explicit ReferenceTask(std::coroutine_handle<promise_type> h) : handle_(h) {}
  ReferenceTask(ReferenceTask&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  ~ReferenceTask() {
    if (handle_) handle_.destroy();
  }
  bool await_ready() noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() { return handle_.promise().value; }
  T run() {
    handle_.resume();
    return handle_.promise().value;
  }

 private:
  std::coroutine_handle<promise_type> handle_;
};

template <typename T>
T finish(ReferenceTask<T> task) {
  return task.run();
}
template <typename T>
T finish(ch01::Task<T> task) {
  return ch01::sync_wait(std::move(task));
}

// ---- the chains, written once for both task types ---------------------------------------

template <template <typename> class TaskT>
TaskT<int> leaf(int i) {
  note_stack_depth();
  co_return i;
}

template <template <typename> class TaskT>
TaskT<long> await_in_a_loop(int n) {
  long sum = 0;
  for (int i = 0; i < n; ++i) sum += co_await leaf<TaskT>(i);
  co_return sum;
}

template <template <typename> class TaskT>
TaskT<int> nested(int depth) {
  note_stack_depth();
  if (depth == 0) co_return 0;
  int below = co_await nested<TaskT>(depth - 1);
  co_return below + 1;
}

// Stack bytes added per await: the span of a long chain minus the span of a short one.
template <template <typename> class TaskT, typename Chain>
double growth_per_step(Chain chain, int shorter, int longer) {
  probe.reset();
  finish(chain.template operator()<TaskT>(shorter));
  const auto short_span = probe.span();
  probe.reset();
  finish(chain.template operator()<TaskT>(longer));
  const auto long_span = probe.span();
  return long_span > short_span ? double(long_span - short_span) / (longer - shorter) : 0.0;
}

struct LoopChain {
  template <template <typename> class TaskT>
  TaskT<long> operator()(int n) const { return await_in_a_loop<TaskT>(n); }
};
struct NestedChain {
  template <template <typename> class TaskT>
  TaskT<int> operator()(int n) const { return nested<TaskT>(n); }
};

// Judges the student's growth against the reference's; returns true when the long run is safe.
bool stack_stays_flat(double yours, double reference, const std::string& what) {
  figure("stack_bytes_per_await", yours, "bytes",
         reference < 1.0 ? "0" : "<= " + std::to_string(int(reference * 1.5 + 16)));
  figure("reference_stack_bytes_per_await", reference, "bytes", "0 with sibling-call optimisation");
  const bool grows = reference < 1.0 ? yours >= 1.0 : yours > reference * 1.5 + 16;
  if (grows) {
    diagnose("no-symmetric-transfer",
             "the stack grew by about " + std::to_string(int(yours)) + " bytes with each " +
                 what + ": the awaiting coroutine is resumed by a nested call. Return the "
                 "handle to run next from await_suspend (the task's, then the continuation "
                 "from the final awaiter) instead of calling .resume() on it");
    return false;
  }
  if (reference >= 1.0) {
    ::testing::Test::RecordProperty(
        "note", "this build does not turn symmetric transfer into a jump (sanitizer or no "
                "sibling-call optimisation): compared with a reference task, long chain skipped");
  }
  return true;
}

struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- Task --------------------------------------------------------------------------------

ch01::Task<int> logged_answer(Log& log) {  // the log outlives the task in these tests
  log.push_back("answer started");
  co_return 42;
}

ch01::Task<int> twice(Log& log) {
  log.push_back("twice started");
  int a = co_await logged_answer(log);
  log.push_back("twice got " + std::to_string(a));
  co_return a * 2;
}

ch01::Task<int> failing_check(int code) {
  if (code != 0) throw CheckFailed("check failed with code " + std::to_string(code));
  co_return code;
}

ch01::Task<std::string> reports(int code) {
  try {
    co_await failing_check(code);
    co_return std::string("ok");
  } catch (const CheckFailed& e) {
    co_return std::string("caught: ") + e.what();
  }
}

// The stack tests assume a lazy task: an eager one recurses like a plain function call.
bool starts_lazily() {
  Log log;
  auto task = logged_answer(log);
  if (log.empty()) return true;
  diagnose(diagnoses::eager_start,
           "the task's body ran when it was created, so nested tasks recurse like ordinary "
           "calls: initial_suspend() must return std::suspend_always");
  return false;
}

// Counts live frames: the token is a by-value parameter, so the frame holds a copy.
struct LiveFrames {
  int live = 0;
};
class FrameToken {
 public:
  explicit FrameToken(LiveFrames& frames) : frames_(&frames) { ++frames_->live; }
  FrameToken(const FrameToken& other) : frames_(other.frames_) { ++frames_->live; }
  FrameToken& operator=(const FrameToken&) = delete;
  ~FrameToken() { --frames_->live; }

 private:
  LiveFrames* frames_;
};

ch01::Task<int> counted_leaf([[maybe_unused]] FrameToken token, int v) { co_return v; }

ch01::Task<int> counted_sum(FrameToken token, int n) {
  int sum = 0;
  for (int i = 1; i <= n; ++i) sum += co_await counted_leaf(token, i);
  co_return sum;
}

ch01::Task<int> waits_for_nothing_a_task_can_deliver() {
  co_await std::suspend_always{};  // nobody will ever resume this
  co_return 1;
}

TEST(Task, DoesNotStartUntilAwaited) {
  Log log;
  auto task = logged_answer(log);
  if (!log.empty()) {
    diagnose(diagnoses::eager_start,
             "the task's body ran when it was created: initial_suspend() must return "
             "std::suspend_always so it starts only when awaited");
    return;
  }
  EXPECT_EQ(ch01::sync_wait(std::move(task)), 42);
  EXPECT_EQ(log, (Log{"answer started"}));
}

TEST(Task, AwaitingRunsTheTaskAndResumesTheAwaiterWithItsValue) {
  Log log;
  auto outer = twice(log);
  if (!log.empty()) {
    diagnose(diagnoses::eager_start,
             "the task's body ran when it was created, before anyone awaited it");
    return;
  }
  int result = 0;
  try {
    result = ch01::sync_wait(std::move(outer));
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::logic_error&) {
    if (log == Log{"twice started", "answer started"}) {
      diagnose("continuation-lost",
               "the awaited task finished but the task awaiting it never continued: the final "
               "awaiter must return the continuation (the awaiting coroutine's handle) from "
               "await_suspend, not just suspend");
      return;
    }
    throw;
  }
  EXPECT_EQ(result, 84);
  EXPECT_EQ(log, (Log{"twice started", "answer started", "twice got 42"}));
}

TEST(Task, ExceptionReachesTheAwaiter) {
  EXPECT_EQ(ch01::sync_wait(reports(0)), "ok");
  std::string caught;
  try {
    caught = ch01::sync_wait(reports(7));
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const CheckFailed&) {
    diagnose("exception-skips-the-awaiter",
             "the awaited task threw CheckFailed, and it came straight out of sync_wait: the "
             "task awaiting it never saw it, so its catch block could not run. Keep the "
             "exception in unhandled_exception() (std::current_exception()) and rethrow it from "
             "await_resume(), in the awaiting coroutine");
    return;
  }
  if (caught == "ok") {
    diagnose(diagnoses::exception_swallowed,
             "the awaited task threw CheckFailed, but the co_await in the task awaiting it "
             "returned normally: keep std::current_exception() in unhandled_exception() and "
             "rethrow it from await_resume() (result())");
    return;
  }
  EXPECT_EQ(caught, "caught: check failed with code 7");
  try {
    ch01::sync_wait(failing_check(9));
    diagnose(diagnoses::exception_swallowed,
             "the task threw CheckFailed, but sync_wait returned normally: result() must "
             "rethrow the stored exception");
  } catch (const CheckFailed& e) {
    EXPECT_STREQ(e.what(), "check failed with code 9");
  }
}

TEST(Task, EveryFrameIsDestroyedExactlyOnceAwaitedOrNot) {
  LiveFrames frames;
  { auto never_awaited = counted_leaf(FrameToken{frames}, 1); }
  const int after_never_awaited = frames.live;
  EXPECT_EQ(ch01::sync_wait(counted_leaf(FrameToken{frames}, 2)), 2);
  const int after_sync_wait = frames.live;
  EXPECT_EQ(ch01::sync_wait(counted_sum(FrameToken{frames}, 10)), 55);
  const int after_awaits = frames.live;
  figure("frames_alive_at_the_end", double(after_awaits), "frames", "0");
  if (after_never_awaited > 0 || after_sync_wait > 0 || after_awaits > 0) {
    diagnose(diagnoses::frame_leak,
             "task frames were still alive after their tasks were gone (" +
                 std::to_string(after_never_awaited) + " after a task that was never awaited, " +
                 std::to_string(after_awaits) + " after awaiting ten): the Task owns its frame "
                 "and its destructor must call handle.destroy()");
    return;
  }
  if (after_never_awaited < 0 || after_sync_wait < 0 || after_awaits < 0) {
    diagnose(diagnoses::double_destroy, "a task frame was destroyed more than once");
  }
}

TEST(Task, SyncWaitRefusesATaskThatSuspendedOnSomethingElse) {
  try {
    ch01::sync_wait(waits_for_nothing_a_task_can_deliver());
    diagnose("sync-wait-resumed-a-waiting-task",
             "the task was still suspended (it awaited std::suspend_always, which nobody "
             "resumes), but sync_wait returned a value: resuming it again in a loop forces "
             "it past what it waits for. Resume once, check handle.done() and throw "
             "std::logic_error when it is not");
  } catch (const asynclings::NotImplemented&) {
    throw;
  } catch (const std::logic_error&) {
  }
}

TEST(Task, AMillionAwaitsInALoopDoNotGrowTheStack) {
  if (!starts_lazily()) return;
  const double reference = growth_per_step<ReferenceTask>(LoopChain{}, 100, 2100);
  const double yours = growth_per_step<ch01::Task>(LoopChain{}, 100, 2100);
  if (!stack_stays_flat(yours, reference, "co_await in a loop")) return;
  const int n = reference < 1.0 ? 1'000'000 : 2'000;
  probe.reset();
  const long sum = ch01::sync_wait(await_in_a_loop<ch01::Task>(n));
  EXPECT_EQ(sum, long(n) * (n - 1) / 2);
  figure("awaits_in_a_loop", n, "awaits", reference < 1.0 ? "1000000" : "2000");
}

TEST(Task, TenThousandNestedAwaitsDoNotOverflowTheStack) {
  if (!starts_lazily()) return;
  const double reference = growth_per_step<ReferenceTask>(NestedChain{}, 50, 550);
  const double yours = growth_per_step<ch01::Task>(NestedChain{}, 50, 550);
  if (!stack_stays_flat(yours, reference, "nested co_await")) return;
  EXPECT_EQ(ch01::sync_wait(nested<ch01::Task>(10'000)), 10'000);
}

// ---- the same laziness in Asio -----------------------------------------------------------

class LazyAwaitable : public asynclings::testkit::ServerTest {};

TEST_F(LazyAwaitable, SendsNothingUntilItIsAwaited) {
  // The path is the caller's string, gone before the await (its memory goes to the next
  // string of that size): the coroutine must have kept its own copy.
  const std::string padding(48, 'p');
  auto work = [&] {
    std::string path = "/status/201?padding=" + padding;
    return ch01::fetch_status(async_client(), path);
  }();
  const std::string reuse = "/status/404?padding=" + padding;
  std::this_thread::sleep_for(std::chrono::milliseconds{100});
  const auto before = trace_now().size();
  figure("requests_before_await", double(before), "requests", "0");
  if (before != 0) {
    diagnose("eager-request",
             "the server saw the request before anyone awaited the awaitable: make "
             "fetch_status a coroutine that does co_await client.get(path)");
    return;
  }
  const char* dangles =
      "the coroutine kept a reference to the caller's string, which was gone by the time it "
      "was awaited. Take coroutine parameters by value (std::string path): the frame keeps its "
      "own copy";
  int status = 0;
  try {
    status = run(std::move(work));
  } catch (const std::bad_alloc&) {  // a dead string's size read as a huge length
    diagnose("path-dangles", std::string("awaiting fetch_status threw bad_alloc: ") + dangles);
    return;
  } catch (const std::length_error&) {
    diagnose("path-dangles", std::string("awaiting fetch_status threw length_error: ") + dangles);
    return;
  }
  const auto requests = trace(1);
  const auto targets = requests.targets_by_arrival();
  if (status != 201 && targets.size() == 1 && targets.front() != "/status/201?padding=" + padding) {
    diagnose("path-dangles", "the request went to " + targets.front().substr(0, 12) +
                                 "… instead of the path fetch_status was given: " + dangles);
    return;
  }
  EXPECT_EQ(status, 201);
  EXPECT_EQ(requests.size(), 1u) << "awaiting it once sends exactly one request";
  EXPECT_EQ(reuse.size(), padding.size() + 20);
}

}  // namespace
