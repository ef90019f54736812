// Exercise 1: Generator<T>. The tests play the consumer (Python's for loop / next()).
// Generators here take a FrameToken by value: the coroutine frame keeps its own copy of
// every parameter, so the token lives exactly as long as the frame and the LiveFrames
// counter tells how many frames exist.
#include "ex1_generator.hpp"

#include <asynclings/testkit/diagnosis.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using asynclings::testkit::diagnose;
namespace diagnoses = asynclings::diagnoses;

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

struct SensorFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Log = std::vector<std::string>;

ch01::Generator<int> count_to(int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
}

ch01::Generator<int> counted([[maybe_unused]] FrameToken token, int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
}

// The log outlives every generator made from it in these tests.
ch01::Generator<int> logged(Log& log, int n) {
  log.push_back("started");
  for (int i = 1; i <= n; ++i) {
    log.push_back("computing " + std::to_string(i));
    co_yield i;
  }
  log.push_back("finished");
}

ch01::Generator<long> naturals([[maybe_unused]] FrameToken token) {
  for (long i = 0;; ++i) co_yield i;
}

ch01::Generator<int> failing([[maybe_unused]] FrameToken token) {
  co_yield 1;
  co_yield 2;
  throw SensorFailure("sensor 7 unplugged");
}

ch01::Generator<int> failing_at_once([[maybe_unused]] FrameToken token) {
  throw SensorFailure("sensor 8 missing");
  co_yield 0;  // never reached: it only makes this function a coroutine
}

void expect_no_frames_left(const LiveFrames& frames, const char* when) {
  if (frames.live > 0) {
    diagnose(diagnoses::frame_leak,
             std::string("the coroutine frame is still alive ") + when +
                 ": the Generator's destructor must call handle.destroy()");
  } else if (frames.live < 0) {
    diagnose(diagnoses::double_destroy,
             std::string("a coroutine frame was destroyed more than once ") + when);
  }
}

TEST(Generator, YieldsValuesInOrder) {
  std::vector<int> seen;
  for (int v : count_to(5)) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5}));

  std::vector<std::string> words;
  auto spell = []() -> ch01::Generator<std::string> {
    co_yield "from";
    co_yield "yield";
    co_yield "to";
    co_yield "await";
  };
  for (const std::string& w : spell()) words.push_back(w);
  EXPECT_EQ(words, (std::vector<std::string>{"from", "yield", "to", "await"}));
}

TEST(Generator, DoesNotRunTheBodyUntilTheFirstPull) {
  Log log;
  auto gen = logged(log, 2);
  if (!log.empty()) {
    diagnose(diagnoses::eager_start,
             "the body ran as soon as the generator was created: initial_suspend() must "
             "return std::suspend_always so nothing runs before the first pull");
    return;
  }
  auto it = gen.begin();
  ASSERT_NE(it, gen.end());
  EXPECT_EQ(*it, 1);
  EXPECT_EQ(log, (Log{"started", "computing 1"}));
}

TEST(Generator, RunsTheBodyOneStepPerPull) {
  Log log;
  auto gen = logged(log, 3);
  auto it = gen.begin();
  ASSERT_NE(it, gen.end());
  EXPECT_EQ(*it, 1);
  EXPECT_EQ(log.back(), "computing 1") << "the body ran past the first co_yield";
  ++it;
  ASSERT_NE(it, gen.end());
  EXPECT_EQ(*it, 2);
  EXPECT_EQ(log.back(), "computing 2");
  ++it;
  ++it;
  EXPECT_EQ(it, gen.end()) << "after the last value the iterator must equal end()";
  EXPECT_EQ(log, (Log{"started", "computing 1", "computing 2", "computing 3", "finished"}));
}

TEST(Generator, DestroysTheFrameWhenTheGeneratorIsDestroyed) {
  LiveFrames frames;
  {
    auto gen = counted(FrameToken{frames}, 5);
    EXPECT_EQ(frames.live, 1) << "one generator, one frame";
  }
  expect_no_frames_left(frames, "after destroying a generator that never ran");
  if (asynclings::testkit::has_diagnosis()) return;

  {
    auto gen = counted(FrameToken{frames}, 5);
    auto it = gen.begin();
    ++it;
    EXPECT_EQ(*it, 2);
    EXPECT_EQ(frames.live, 1) << "the frame must stay alive while suspended mid-way";
  }
  expect_no_frames_left(frames, "after destroying a partially consumed generator");
  if (asynclings::testkit::has_diagnosis()) return;

  {
    int sum = 0;
    for (int v : counted(FrameToken{frames}, 5)) sum += v;
    EXPECT_EQ(sum, 15);
  }
  expect_no_frames_left(frames, "after a range-for consumed the generator to its end");
}

TEST(Generator, ExceptionInTheBodyReachesTheConsumer) {
  {
    // A body that runs at creation throws before anyone pulls: name that first.
    Log log;
    auto probe = logged(log, 1);
    if (!log.empty()) {
      diagnose(diagnoses::eager_start,
               "the body ran when the generator was created, so its exception was thrown "
               "before anyone pulled: initial_suspend() must return std::suspend_always");
      return;
    }
  }
  LiveFrames frames;
  std::vector<int> seen;
  {
    auto gen = failing(FrameToken{frames});
    try {
      for (int v : gen) seen.push_back(v);
      diagnose(diagnoses::exception_swallowed,
               "the body threw SensorFailure after yielding 1 and 2, but the loop ended "
               "normally: store std::current_exception() in unhandled_exception() and rethrow "
               "it right after the resume() that ran the body (in advance())");
      return;
    } catch (const SensorFailure& e) {
      EXPECT_STREQ(e.what(), "sensor 7 unplugged");
    }
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  expect_no_frames_left(frames, "after the body threw");
  if (asynclings::testkit::has_diagnosis()) return;

  // Thrown before the first co_yield: the first pull (begin()) is where it comes out.
  {
    auto gen = failing_at_once(FrameToken{frames});
    try {
      for (int v : gen) seen.push_back(v);
      diagnose(diagnoses::exception_swallowed,
               "the body threw before its first co_yield, but begin() returned normally: the "
               "first pull must rethrow what the body threw, as every later one does");
      return;
    } catch (const SensorFailure& e) {
      EXPECT_STREQ(e.what(), "sensor 8 missing");
    }
  }
  expect_no_frames_left(frames, "after the body threw before its first co_yield");
}

TEST(Generator, DereferencingTheIteratorTwiceGivesTheSameValueAndRunsNothing) {
  // Python's next() both advances and returns; in C++ those are two operations: ++ runs the
  // body, * only reads what it yielded last.
  Log log;
  auto gen = logged(log, 3);
  auto it = gen.begin();
  ASSERT_NE(it, gen.end());
  const int first = *it;
  const Log after_first = log;
  const int again = *it;
  if (again != first || log != after_first) {
    diagnose("deref-resumes",
             "reading *it a second time gave " + std::to_string(again) + " after " +
                 std::to_string(first) + " and ran the body again: operator* must only "
                 "return the value yielded last; begin() and ++ are what resume the body");
    return;
  }
  EXPECT_EQ(first, 1);
  EXPECT_EQ(log, (Log{"started", "computing 1"}));
  ++it;
  ASSERT_NE(it, gen.end());
  EXPECT_EQ(*it, 2);
  EXPECT_EQ(*it, 2);
  EXPECT_EQ(log, (Log{"started", "computing 1", "computing 2"}));
}

TEST(Generator, AnEmptyBodyGivesAnEmptyRange) {
  LiveFrames frames;
  int values = 0;
  {
    auto gen = counted(FrameToken{frames}, 0);
    for ([[maybe_unused]] int v : gen) ++values;
    EXPECT_EQ(gen.begin(), gen.end()) << "a finished generator stays at its end";
  }
  EXPECT_EQ(values, 0) << "a body that never reaches co_yield yields nothing";
  expect_no_frames_left(frames, "after an empty generator");
}

TEST(Generator, InfiniteGeneratorCanBeConsumedPartially) {
  LiveFrames frames;
  std::vector<long> firsts;
  {
    auto numbers = naturals(FrameToken{frames});
    for (long n : numbers) {
      if (n == 10) break;
      firsts.push_back(n);
    }
    EXPECT_EQ(frames.live, 1);
  }
  EXPECT_EQ(firsts, (std::vector<long>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  expect_no_frames_left(frames, "after abandoning an infinite generator");
}

// A generator that destroyed its frame from a moved-from copy would make the second
// destruction undefined behaviour. The test keeps the moved-to generator on the heap and
// leaks it on purpose when it sees the frame die early, so the mistake is reported
// instead of crashing the test binary.
TEST(Generator, MoveConstructionTransfersOwnershipOfTheFrame) {
  LiveFrames frames;
  auto* first = new ch01::Generator<int>(counted(FrameToken{frames}, 3));
  auto* second = new ch01::Generator<int>(std::move(*first));
  delete first;  // moved-from: must leave the frame alone
  if (frames.live == 0) {
    diagnose(diagnoses::double_destroy,
             "destroying a moved-from generator destroyed the frame the new owner still "
             "uses (the move constructor must leave the source's handle null)");
    return;  // `second` is leaked on purpose: destroying it would destroy the frame twice
  }
  auto it = second->begin();
  ASSERT_NE(it, second->end());
  EXPECT_EQ(*it, 1);
  delete second;
  expect_no_frames_left(frames, "after destroying the generator a frame was moved into");
}

TEST(Generator, MoveAssignmentReleasesTheOldFrameAndTakesTheNewOne) {
  LiveFrames kept;
  LiveFrames replaced;
  auto* source = new ch01::Generator<int>(counted(FrameToken{kept}, 3));
  auto* target = new ch01::Generator<int>(counted(FrameToken{replaced}, 3));
  *target = std::move(*source);
  // The old frame may die in the assignment, or later with the moved-from source (the swap
  // idiom): both are fine. After both are gone, it must be gone too.
  delete source;
  if (replaced.live != 0) {
    diagnose(diagnoses::frame_leak,
             "move assignment dropped the generator's previous frame without destroying it "
             "(destroy it, or swap it into the source, which destroys it in turn)");
    return;
  }
  if (kept.live == 0) {
    diagnose(diagnoses::double_destroy,
             "destroying a moved-from generator destroyed the frame the new owner still "
             "uses (move assignment must leave the source's handle null)");
    return;  // `target` is leaked on purpose, as above
  }
  auto it = target->begin();
  ASSERT_NE(it, target->end());
  EXPECT_EQ(*it, 1);
  delete target;
  expect_no_frames_left(kept, "after destroying the generator a frame was moved into");
}

// Moving a generator into itself (through a reference, as a swap or a container shuffle
// does) must leave it as it was. The generator lives on the heap and is leaked when the
// frame died, so a handle left dangling is reported instead of destroyed a second time.
TEST(Generator, MoveAssigningAGeneratorToItselfKeepsItsFrame) {
  LiveFrames frames;
  auto* gen = new ch01::Generator<int>(counted(FrameToken{frames}, 3));
  ch01::Generator<int>& same = *gen;
  *gen = std::move(same);
  if (frames.live == 0) {
    diagnose(diagnoses::double_destroy,
             "assigning a generator to itself destroyed the frame it still holds, so its "
             "destructor would destroy it a second time: check `this != &other` before "
             "releasing the old frame (or swap the handles)");
    return;  // `gen` is leaked on purpose: its handle dangles
  }
  auto it = gen->begin();
  ASSERT_NE(it, gen->end());
  EXPECT_EQ(*it, 1);
  delete gen;
  expect_no_frames_left(frames, "after destroying a generator that was assigned to itself");
}

}  // namespace
