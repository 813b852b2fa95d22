// The addon's worker threads and its one parallel loop.
//
// parallelFor hands out chunks of work dynamically (an atomic counter): the calling thread takes
// chunks too, and never waits for a worker that has not woken up yet; it waits only for chunks a
// worker has already claimed. So on a busy machine (more runnable threads than cores) a
// descheduled worker costs at most one chunk of delay, not a scheduler time slice per call.
// Idle workers sleep on a condition variable and cost no CPU.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace md4 {

using RangeBody = std::function<void(int64_t begin, int64_t end)>;

class ThreadPool {
 public:
  ~ThreadPool() { stopAll(); }

  // Restarts the pool with `threads` threads in all (threads - 1 workers plus the caller).
  void resize(int threads);

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs body over [0, count) in chunks of at least `grain` items, on all threads; returns when
  // every item is done. Runs inline when count < 2 * grain or the pool has one thread.
  void parallelFor(int64_t count, int64_t grain, const RangeBody& body);

 private:
  struct Job {
    const RangeBody* body;
    int64_t count, chunk, chunks;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
  };
  static void work(Job& job);
  void loop();
  void stopAll();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::shared_ptr<Job> current_;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

// The addon's one pool.
ThreadPool& threadPool();

inline void parallelFor(int64_t count, int64_t grain, const RangeBody& body) {
  threadPool().parallelFor(count, grain, body);
}

}  // namespace md4
