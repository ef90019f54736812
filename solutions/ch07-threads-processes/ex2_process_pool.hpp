// Exercise 2: a process pool over pipes (Python: ProcessPoolExecutor).
//
//   auto results = co_await ch07::map_in_process_pool(
//       ch07::WorkerCommand{ASYNCLINGS_WORKER_PATH, {}}, chunks, 2);
//
// The bundled worker program (support/worker.cpp) reads "<seed> <samples>\n" jobs on stdin
// and answers "<pid> <pgid> <hits>\n" on stdout, one line per job. The pool starts at most
// `pool_size` workers with Boost.Process v2, each with a pipe to its stdin and one from its
// stdout, and hands them the chunks one at a time: a worker that finishes a job gets the next
// one, so every worker runs many jobs (starting a process costs milliseconds; a job here is
// cheap). Results come back in input order. A pool_size of 0 is refused with
// std::invalid_argument (no worker could ever take a chunk), even for no chunks.
//
// A process is isolated: when a worker crashes on an input, only that input fails (its
// ItemResult carries an error and no hits); the pool starts a fresh worker for the rest.
//
// No worker may outlive the pool — not when it returns, not when it throws, not when the
// caller cancels it. Each worker is started in a process group of its own (NewProcessGroup
// below), and the pool kills the whole group (::kill(-pid, SIGKILL)) when it is done with a
// worker: a worker may have started processes of its own (the bundled one does), and killing
// only the worker would leave them behind as orphans. Destroying a bp2::process kills the
// worker itself (SIGKILL) unless you detach() it — never detach a pool worker.
#pragma once

#include <asynclings/todo.hpp>
#include <ch07/monte_carlo.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2.hpp>

#include <sys/types.h>
#include <unistd.h>
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ch07 {

namespace asio = boost::asio;
namespace bp2 = boost::process::v2;

// ---- given ------------------------------------------------------------------------------

struct WorkerCommand {
  std::string path;               // the worker program
  std::vector<std::string> args;  // its arguments (pass them through unchanged)
};

struct ItemResult {
  std::optional<std::uint64_t> hits;  // the chunk's hits; empty when the item failed
  int worker_pid = 0;                 // the worker that answered (as it reported itself)
  int worker_pgid = 0;                // that worker's process group (as it reported it)
  std::string error;                  // why the item failed ("worker … crashed …"), or empty
};

// A Boost.Process v2 initializer: pass it to the bp2::process constructor after the stdio
// binding. on_exec_setup runs in the child between fork and exec, so the worker becomes the
// leader of a new process group whose id is its pid; ::kill(-pid, SIGKILL) then kills the
// worker and every process it started.
struct NewProcessGroup {
  template <typename Launcher>
  bp2::error_code on_exec_setup(Launcher&, const bp2::filesystem::path&, const char* const*&) {
    if (::setpgid(0, 0) != 0) return bp2::error_code(errno, boost::system::system_category());
    return {};
  }
};

// One job line for the worker, and its answer parsed back.
inline std::string job_line(const Chunk& chunk) {
  return std::to_string(chunk.seed) + ' ' + std::to_string(chunk.samples) + '\n';
}
inline bool parse_answer(const std::string& line, ItemResult& into) {
  std::istringstream in(line);
  std::uint64_t hits = 0;
  if (!(in >> into.worker_pid >> into.worker_pgid >> hits)) return false;
  into.hits = hits;
  return true;
}

// ---- yours ------------------------------------------------------------------------------

// One running worker: the process and the two pipes. Destroying it ends the worker and
// everything it started.
class Worker {
 public:
  Worker(asio::any_io_executor ex, const WorkerCommand& command)
      : to_worker_(ex),
        from_worker_(ex),
        process_(ex, command.path, command.args, bp2::process_stdio{to_worker_, from_worker_, {}},
                 NewProcessGroup{}) {}

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  ~Worker() {
    // The group first (the worker and its helpers), then process_'s destructor reaps it.
    ::kill(-process_.id(), SIGKILL);
  }

  // Sends one job and reads its answer; nullopt when the worker died before answering.
  asio::awaitable<std::optional<std::string>> ask(std::string line) {
    auto [write_error, written] = co_await asio::async_write(to_worker_, asio::buffer(line),
                                                             asio::as_tuple(asio::use_awaitable));
    if (write_error) co_return std::nullopt;
    auto [read_error, n] = co_await asio::async_read_until(
        from_worker_, asio::dynamic_buffer(buffer_), '\n', asio::as_tuple(asio::use_awaitable));
    if (read_error == asio::error::operation_aborted) throw boost::system::system_error(read_error);
    if (read_error) co_return std::nullopt;
    std::string answer = buffer_.substr(0, n);
    buffer_.erase(0, n);
    co_return answer;
  }

  int pid() const { return process_.id(); }

  // How the worker ended ("killed by signal 6", "exited with 3"); waits for it.
  std::string how_it_ended() {
    boost::system::error_code ec;
    process_.wait(ec);
    const int status = process_.native_exit_code();
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }

 private:
  asio::writable_pipe to_worker_;
  asio::readable_pipe from_worker_;
  bp2::process process_;
  std::string buffer_;
};

// One pool slot: keeps a worker and feeds it the next unclaimed chunk until none is left.
// The slots share `next` and `results`: they all run on the caller's single-threaded loop.
inline asio::awaitable<void> pool_slot(WorkerCommand command, const std::vector<Chunk>& chunks,
                                       std::size_t& next, std::vector<ItemResult>& results) {
  auto ex = co_await asio::this_coro::executor;
  std::unique_ptr<Worker> worker;
  while (next < chunks.size()) {
    const std::size_t i = next++;
    if (!worker) worker = std::make_unique<Worker>(ex, command);
    auto answer = co_await worker->ask(job_line(chunks[i]));
    if (!answer || !parse_answer(*answer, results[i])) {
      results[i].hits.reset();
      results[i].worker_pid = worker->pid();
      results[i].error = "worker " + std::to_string(worker->pid()) + " crashed on this input (" +
                         worker->how_it_ended() + ")";
      worker.reset();  // its group is killed; the next chunk gets a fresh worker
    }
  }
}

inline asio::awaitable<std::vector<ItemResult>> map_in_process_pool(WorkerCommand command,
                                                                    std::vector<Chunk> chunks,
                                                                    std::size_t pool_size) {
  if (pool_size == 0) throw std::invalid_argument("a process pool needs at least one worker");
  std::vector<ItemResult> results(chunks.size());
  const std::size_t slots = std::min(pool_size, chunks.size());
  if (slots == 0) co_return results;  // an empty parallel group would never complete
  auto ex = co_await asio::this_coro::executor;
  std::size_t next = 0;
  using Op =
      decltype(asio::co_spawn(ex, pool_slot(command, chunks, next, results), asio::deferred));
  std::vector<Op> ops;
  for (std::size_t s = 0; s < slots; ++s) {
    ops.push_back(asio::co_spawn(ex, pool_slot(command, chunks, next, results), asio::deferred));
  }
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto [order, errors] =
      co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  co_return results;
}

}  // namespace ch07
