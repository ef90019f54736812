// The catalogue of diagnoses the chapters share: each name with its default one-line
// explanation (what the student's code did, what to do instead). A test gives one with
// testkit::diagnose(diagnoses::sequential_awaits) — or with its own, more specific
// explanation as the second argument; the name is then spelled once, here, and a typo in it
// is a compile error. `grader verify` shows the explanation of the diagnoses it expects, and
// docs/diagnoses.md lists the catalogue (a testkit test keeps that table in step with this
// file).
//
// What belongs here: a diagnosis more than one exercise gives. One that a single exercise
// gives stays spelled in its test (testkit/Catalogue tests say when a name outgrows that).
// Header-only and dependency-free: the grader includes it too.
#pragma once

#include <cstddef>
#include <string_view>

// X(identifier, "name", "default explanation"), in alphabetical order of the name.
#define ASYNCLINGS_DIAGNOSES(X)                                                       \
  X(blocked_the_loop, "blocked-the-loop",                                             \
    "the event loop's thread was blocked (a sleep or a blocking call inside a "       \
    "coroutine), so nothing else ran meanwhile: wait with an asynchronous timer, or " \
    "offload the blocking call")                                                      \
  X(busy_wait, "busy-wait",                                                           \
    "the loop spun, using CPU while nothing was ready: with nothing to run, sleep "   \
    "(or poll) until the next timer is due")                                          \
  X(cancellation_swallowed, "cancellation-swallowed",                                 \
    "the code was cancelled but returned normally, so its caller cannot tell: after " \
    "the cleanup, rethrow the cancellation (operation_aborted)")                      \
  X(completion_order, "completion-order",                                             \
    "the results came back in the order they finished, not in the order they were "   \
    "given: put each result at its input position")                                   \
  X(cpu_on_the_loop, "cpu-on-the-loop",                                               \
    "CPU-bound work ran on the event loop's own thread: run it on a thread pool and " \
    "await it")                                                                       \
  X(double_destroy, "double-destroy",                                                 \
    "a coroutine frame was destroyed more than once: an owner that was moved from "   \
    "must let go of its handle")                                                      \
  X(eager_start, "eager-start",                                                       \
    "the coroutine's body ran when it was created, before anyone asked for it: "      \
    "initial_suspend() must return std::suspend_always")                              \
  X(empty_group_hangs, "empty-group-hangs",                                           \
    "with no input it never finished: in Boost 1.81 a parallel group of no "          \
    "operations never completes, so handle the empty input first")                    \
  X(error_delayed, "error-delayed",                                                   \
    "the failure reached the caller late, after other work had finished: rethrow it " \
    "as soon as it arrives")                                                          \
  X(error_lost, "error-lost",                                                         \
    "an awaited operation threw, but the caller got a normal result: rethrow its "    \
    "exception instead of returning a value")                                         \
  X(error_swallowed, "error-swallowed",                                               \
    "an operation failed, but the function returned normally: the exception must "    \
    "reach the caller")                                                               \
  X(exception_lost_caller_waits, "exception-lost-caller-waits",                       \
    "an exception was dropped on the way (a detached co_spawn, a channel that "       \
    "carries only values), so the caller waits for a result that never comes")        \
  X(exception_swallowed, "exception-swallowed",                                       \
    "the coroutine's body threw, but its caller saw no exception: keep it in "        \
    "unhandled_exception() and rethrow it where the caller resumes")                  \
  X(frame_leak, "frame-leak",                                                         \
    "a coroutine frame outlived the object that owns it: the owner's destructor "     \
    "must destroy the handle")                                                        \
  X(late_failure_lost, "late-failure-lost",                                           \
    "a failure that arrived while the caller was already waiting was lost (Boost "    \
    "1.81's use_promise does that): carry failures yourself, through a channel or a " \
    "shared exception_ptr")                                                           \
  X(no_timeout, "no-timeout",                                                         \
    "the operation ran to its end instead of being given up at the timeout: race it " \
    "against a steady_timer")                                                         \
  X(off_the_pool, "off-the-pool",                                                     \
    "the work ran on a thread that is not the given pool's (std::async, a thread or " \
    "a pool of your own): the pool bounds the work; co_spawn it onto the pool")       \
  X(pool_size_ignored, "pool-size-ignored",                                           \
    "more work ran at once than the pool's size allows: the pool's size is the "      \
    "bound")                                                                          \
  X(request_not_aborted, "request-not-aborted",                                       \
    "the server saw the request run on to its end after the caller had given up: "    \
    "the losing operation must be cancelled")                                         \
  X(requests_left_running, "requests-left-running",                                   \
    "after the cancel, requests ran on to their end: the cancellation must reach "    \
    "every request")                                                                  \
  X(sequential_awaits, "sequential-awaits",                                           \
    "the server saw the requests one after another: start them all first, then wait " \
    "for them together")                                                              \
  X(sequential_offload, "sequential-offload",                                         \
    "the offloaded calls ran one after another: queue them all on the pool first, "   \
    "then wait for all of them")                                                      \
  X(timer_left_armed, "timer-left-armed",                                             \
    "the function returned, but its timer stayed armed and kept the event loop "      \
    "busy: cancel the timer once the operation has won")                              \
  X(waited_for_all, "waited-for-all",                                                 \
    "the first result was handed out only after the slowest operation had finished: " \
    "hand each result out as it arrives")                                             \
  X(waited_for_timer, "waited-for-timer",                                             \
    "the result came back only when the timer expired, although the operation had "   \
    "finished: return as soon as the operation wins")                                 \
  X(wrong_error, "wrong-error",                                                       \
    "the caller got another exception than the failure that decided the outcome (a "  \
    "cancelled sibling's?): rethrow the deciding failure")                            \
  X(wrong_thread, "wrong-thread",                                                     \
    "the code after co_await ran on a pool thread, not on the loop's: come back to "  \
    "the caller's executor after offloading")                                         \
  X(zero_threads_accepted, "zero-threads-accepted",                                   \
    "a count of 0 threads was accepted instead of refused: no thread can do the "     \
    "work, so throw std::invalid_argument")

namespace asynclings::diagnoses {

struct Diagnosis {
  std::string_view name;         // kebab-case, as the manifest's mistakes name it
  std::string_view explanation;  // one line: what happened, what to do instead
};

#define ASYNCLINGS_DIAGNOSIS_ENTRY(id, name, text) inline constexpr Diagnosis id{name, text};
ASYNCLINGS_DIAGNOSES(ASYNCLINGS_DIAGNOSIS_ENTRY)
#undef ASYNCLINGS_DIAGNOSIS_ENTRY

// Every diagnosis above, in order.
inline constexpr Diagnosis kCatalogue[] = {
#define ASYNCLINGS_DIAGNOSIS_ENTRY(id, name, text) {name, text},
    ASYNCLINGS_DIAGNOSES(ASYNCLINGS_DIAGNOSIS_ENTRY)
#undef ASYNCLINGS_DIAGNOSIS_ENTRY
};

// The catalogue's entry named <name>, or nullptr.
constexpr const Diagnosis* find(std::string_view name) {
  for (const auto& d : kCatalogue)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace asynclings::diagnoses
