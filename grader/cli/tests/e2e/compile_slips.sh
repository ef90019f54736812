#!/usr/bin/env bash
# The coroutine slips a beginner makes, made in a real exercise (ch03 ex1, gather: a template,
# so g++ reports them inside an instantiation) and graded by `grader check`: each is a
# COMPILE ERROR whose reading names the fix in one line. The unit tests read captured logs
# of the same slips (grader/cli/tests/fixtures/coroutine_slips); this checks the real build's
# log (the PCH, the test file around the student's header) reads the same.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here=$WORK/slips
wb=$here/workbook
ch=exercises/ch03-gather
mkdir -p "$here"
copy_workbook "$wb"
with_chapter "$wb" ch03-gather
stub=$(cat "$wb/$ch/ex1_gather.hpp")
grep -q '  ASYNCLINGS_TODO("gather");' <<<"$stub" || fail "the ch03 ex1 stub has changed: no ASYNCLINGS_TODO(\"gather\") line"

# slip NAME FIX BODY: gather's body replaced by BODY; `grader check ch3 ex1` must say FIX.
slips=0
slip() {
  local name=$1 fix=$2 body=$3
  awk -v body="$body" '/^  \(void\)work;$/ { next } /^  ASYNCLINGS_TODO\("gather"\);$/ { print body; next } { print }' \
    <<<"$stub" >"$wb/$ch/ex1_gather.hpp"
  run "$here/$name.txt" "$GRADER" check ch3 ex1 --root "$wb"
  expect_in "$here/$name.txt" "COMPILE ERROR" "$name: the verdict"
  expect_in "$here/$name.txt" "$fix" "$name: the reading names the fix"
  slips=$((slips + 1))
}

slip awaitable-as-value "is the operation, not its result: put co_await before the call" '
  std::vector<T> values;
  for (auto& w : work) {
    T value = std::move(w);
    values.push_back(value);
  }
  co_return values;'
slip awaitable-as-argument "is passed where its value is expected: co_await it first" '
  std::vector<T> values;
  for (auto& w : work) values.push_back(std::move(w));
  co_return values;'
slip executor-without-co_await "auto ex = co_await asio::this_coro::executor;" '
  auto ex = asio::this_coro::executor;
  for (auto& w : work) asio::co_spawn(ex, std::move(w), asio::detached);
  co_return std::vector<T>();'
slip return-not-co_return "hands back its result with \`co_return value;\`, not \`return value;\`" '
  auto ex = co_await asio::this_coro::executor;
  (void)ex;
  return std::vector<T>(work.size());'
slip no-co-keyword "is a coroutine only when its body uses co_await or co_return" '
  return std::vector<T>(work.size());'
slip co_await-in-plain-lambda "this lambda is not a coroutine: give it a coroutine return type" '
  std::vector<T> values;
  auto take = [&values](asio::awaitable<T> w) { values.push_back(co_await std::move(w)); };
  for (auto& w : work) take(std::move(w));
  co_return values;'
slip brace-list-in-co_await "build the value in a named variable first, then co_await with it" '
  auto count = [](std::vector<int> sizes) -> asio::awaitable<int> { co_return static_cast<int>(sizes.size()); };
  const int n = co_await count({1, 2});
  co_return std::vector<T>(static_cast<std::size_t>(n) + work.size() - 2);'
slip deferred-awaited-twice "a deferred operation is used up by one co_await" '
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto wait = timer.async_wait(asio::deferred);
  co_await wait;
  co_return std::vector<T>(work.size());'
slip missing-completion-token "needs a completion token as its last argument" '
  auto ex = co_await asio::this_coro::executor;
  std::vector<T> values;
  for (auto& w : work) values.push_back(co_await asio::co_spawn(ex, std::move(w)));
  co_return values;'
slip co_spawn-deferred "Boost 1.81 cannot co_await co_spawn(…, asio::deferred)" '
  auto ex = co_await asio::this_coro::executor;
  std::vector<T> values;
  for (auto& w : work) values.push_back(co_await asio::co_spawn(ex, std::move(w), asio::deferred));
  co_return values;'

echo "$slips slips, each a COMPILE ERROR with its fix"
finish
