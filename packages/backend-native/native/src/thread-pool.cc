#include "thread-pool.h"

#include <algorithm>

namespace md4 {

void ThreadPool::resize(int threads) {
  stopAll();
  stop_ = false;
  for (int i = 1; i < threads; i++) threads_.emplace_back([this, i] { loop(i); });
}

void ThreadPool::run(const std::function<void(int)>& task) {
  if (threads_.empty()) {
    task(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = &task;
    pending_ = static_cast<int>(threads_.size());
    generation_++;
  }
  wake_.notify_all();
  task(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return pending_ == 0; });
  task_ = nullptr;
}

void ThreadPool::loop(int id) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      task = task_;
    }
    (*task)(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::stopAll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

ThreadPool& threadPool() {
  static ThreadPool pool;
  return pool;
}

void parallelFor(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  ThreadPool& pool = threadPool();
  const int threads = pool.size();
  if (threads == 1 || count < 2 * std::max<int64_t>(grain, 1)) {
    if (count > 0) body(0, count);
    return;
  }
  pool.run([&](int t) {
    const int64_t lo = count * t / threads;
    const int64_t hi = count * (t + 1) / threads;
    if (hi > lo) body(lo, hi);
  });
}

}  // namespace md4
