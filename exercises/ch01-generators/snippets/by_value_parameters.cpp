// A coroutine keeps copies of its by-value parameters in its frame; references point
// back into the caller, which may be gone by the time the body runs.
#include <coroutine>
#include <cstdio>
#include <string>
#include <utility>

struct Lazy {
  struct promise_type {
    std::string result;
    Lazy get_return_object() { return Lazy{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_value(std::string s) { result = std::move(s); }
    void unhandled_exception() noexcept {}
  };
  explicit Lazy(std::coroutine_handle<promise_type> h) : handle(h) {}
  Lazy(Lazy&& other) noexcept : handle(std::exchange(other.handle, {})) {}
  ~Lazy() { if (handle) handle.destroy(); }
  std::string run() { handle.resume(); return handle.promise().result; }
  std::coroutine_handle<promise_type> handle;
};

// By value: `name` lives in the frame. With `const std::string& name` this would read a
// destroyed temporary when run() finally starts the body.
Lazy greet(std::string name) { co_return "hello, " + name; }

int main() {
  Lazy later = greet(std::string("a name long enough to be heap-allocated"));
  // The temporary string is gone here; the frame's copy is not.
  std::string text = later.run();
  std::printf("%s\n", text.c_str());
  return text == "hello, a name long enough to be heap-allocated" ? 0 : 1;
}
