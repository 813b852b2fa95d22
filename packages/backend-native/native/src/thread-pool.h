// A fixed pool of worker threads; the calling thread takes part as thread 0. Workers sleep on a
// condition variable between tasks, so an idle pool costs no CPU (and never competes with the
// BLAS's own threads or with Node's).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace md4 {

class ThreadPool {
 public:
  ~ThreadPool() { stopAll(); }

  // Restarts the pool with `threads` threads in all (threads - 1 workers).
  void resize(int threads);

  // Runs task(t) for t = 0..size()-1 at once; returns when all have finished.
  void run(const std::function<void(int)>& task);

  int size() const { return static_cast<int>(threads_.size()) + 1; }

 private:
  void loop(int id);
  void stopAll();

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

// The addon's one pool.
ThreadPool& threadPool();

// Splits [0, count) into size() nearly equal ranges and runs body(begin, end) on each in
// parallel; runs inline when count < 2 * grain or the pool has one thread.
void parallelFor(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

}  // namespace md4
