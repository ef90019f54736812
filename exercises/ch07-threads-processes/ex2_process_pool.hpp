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
//
// Replace every ASYNCLINGS_TODO. `grader hint ch07 ex2` helps.
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
      : to_worker_(ex), from_worker_(ex) {
    // TODO: start the worker (bp2::process) with its stdin and stdout bound to the pipes, in a
    //       process group of its own. Keep the process as a member, declared AFTER the pipes.
    (void)command;
    ASYNCLINGS_TODO("Worker");
  }

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // TODO: a destructor that kills the worker's whole process group.

  // Sends one job line and reads the worker's one-line answer; nullopt when the worker died
  // before answering (writing or reading fails).
  asio::awaitable<std::optional<std::string>> ask(std::string line) {
    (void)line;
    ASYNCLINGS_TODO("Worker::ask");
  }

 private:
  asio::writable_pipe to_worker_;
  asio::readable_pipe from_worker_;
  std::string buffer_;  // what was read past the answer's newline
};

// The chunks' hits, computed by at most `pool_size` workers at once, in input order; an input
// whose worker crashed gets an error instead. No worker survives the call.
inline asio::awaitable<std::vector<ItemResult>> map_in_process_pool(WorkerCommand command,
                                                                    std::vector<Chunk> chunks,
                                                                    std::size_t pool_size) {
  // TODO: min(pool_size, chunks.size()) coroutines run at once (a parallel group), each with
  //       a Worker it starts when it needs one; each takes the next chunk not yet taken, asks
  //       its worker, and stores the answer (parse_answer) in that chunk's result. A worker
  //       that died gets the item an error saying so and is replaced for the next item.
  //       Throw std::invalid_argument when pool_size == 0.
  (void)command;
  (void)chunks;
  (void)pool_size;
  ASYNCLINGS_TODO("map_in_process_pool");
}

}  // namespace ch07
