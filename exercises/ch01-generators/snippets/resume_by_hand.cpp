// A coroutine driven by hand: the frame, the handle, and who decides when the body runs.
#include <coroutine>
#include <cstdio>
#include <string>
#include <vector>

struct Resumable {
  struct promise_type {
    Resumable get_return_object() {
      return Resumable{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }  // lazy
    std::suspend_always final_suspend() noexcept { return {}; }    // keep the frame
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
  std::coroutine_handle<promise_type> handle;
};

Resumable steps(std::vector<std::string>& log) {  // the log outlives the coroutine
  log.push_back("step 1");
  co_await std::suspend_always{};  // pause here; the caller gets control back
  log.push_back("step 2");
}

int main() {
  std::vector<std::string> log;
  Resumable r = steps(log);       // allocates the frame; runs nothing
  bool lazy = log.empty();
  r.handle.resume();              // runs up to the co_await
  bool paused = log.size() == 1 && !r.handle.done();
  r.handle.resume();              // runs to the end (suspended at final_suspend)
  bool finished = log.size() == 2 && r.handle.done();
  r.handle.destroy();             // nobody else will free the frame
  std::printf("lazy=%d paused=%d finished=%d\n", lazy, paused, finished);
  return lazy && paused && finished ? 0 : 1;
}
