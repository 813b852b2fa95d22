#include "thread-pool.h"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MD4_PAUSE() _mm_pause()
#else
#define MD4_PAUSE() ((void)0)
#endif

namespace md4 {

void ThreadPool::resize(int threads) {
  stopAll();
  stop_ = false;
  for (int i = 1; i < threads; i++) workers_.emplace_back([this] { loop(); });
}

void ThreadPool::work(Job& job) {
  for (;;) {
    const int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.chunks) return;
    // A claimed chunk means the caller is still waiting for it, so job.body is alive.
    const int64_t lo = c * job.chunk;
    const int64_t hi = std::min(job.count, lo + job.chunk);
    (*job.body)(lo, hi);
    job.done.fetch_add(hi - lo, std::memory_order_release);
  }
}

void ThreadPool::parallelFor(int64_t count, int64_t grain, const RangeBody& body) {
  grain = std::max<int64_t>(grain, 1);
  const int threads = size();
  if (threads == 1 || count < 2 * grain) {
    if (count > 0) body(0, count);
    return;
  }
  auto job = std::make_shared<Job>();
  job->body = &body;
  job->count = count;
  // About 8 chunks per thread, for balance when threads run at different speeds.
  job->chunk = std::max<int64_t>(grain, (count + 8 * threads - 1) / (8 * threads));
  job->chunks = (count + job->chunk - 1) / job->chunk;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = job;
    generation_++;
  }
  wake_.notify_all();
  work(*job);
  for (int spin = 0; job->done.load(std::memory_order_acquire) < count; spin++) {
    if (spin < 4096)
      MD4_PAUSE();
    else
      std::this_thread::yield();
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ == job) current_.reset();
}

void ThreadPool::loop() {
  uint64_t seen = 0;
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      job = current_;  // null when the caller already finished it alone
    }
    if (job) work(*job);
  }
}

void ThreadPool::stopAll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

ThreadPool& threadPool() {
  static ThreadPool pool;
  return pool;
}

}  // namespace md4
