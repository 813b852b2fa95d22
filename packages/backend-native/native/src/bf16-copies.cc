#include "bf16-copies.h"

#include <algorithm>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "dnnl-gemm.h"

namespace md4 {

namespace {

struct Buffer {
  std::unique_ptr<uint16_t[]> bits;
  int64_t capacity = 0;
};

struct Copy {
  int64_t key;
  const float* source;
  int64_t count;
  Buffer buffer;
};

struct Copies {
  std::list<Copy> recent;  // most recently used first
  std::unordered_map<int64_t, std::list<Copy>::iterator> byKey;
  std::vector<Buffer> spare;  // buffers of dropped copies, for the next ones (already faulted in)
  int64_t bytes = 0, spareBytes = 0, budget = int64_t{512} << 20;
  double hits = 0, misses = 0;
  Buffer scratch[2];
};

Copies& copies() {
  static Copies c;
  return c;
}

Buffer newBuffer(int64_t count) { return {std::unique_ptr<uint16_t[]>(new uint16_t[count]), count}; }

// Frees spare buffers, newest first, until they are within a quarter of the budget.
void trimSpare(Copies& c) {
  while (c.spareBytes > c.budget / 4 && !c.spare.empty()) {
    c.spareBytes -= c.spare.back().capacity * 2;
    c.spare.pop_back();
  }
}

// A buffer of at least count values: the smallest spare one that fits, else a new one.
Buffer takeBuffer(Copies& c, int64_t count) {
  auto best = c.spare.end();
  for (auto it = c.spare.begin(); it != c.spare.end(); ++it)
    if (it->capacity >= count && (best == c.spare.end() || it->capacity < best->capacity)) best = it;
  if (best != c.spare.end()) {
    Buffer b = std::move(*best);
    c.spare.erase(best);
    c.spareBytes -= b.capacity * 2;
    return b;
  }
  return newBuffer(count);
}

// Keeps b for reuse while the spare buffers stay within a quarter of the budget (else frees it).
void spareBuffer(Copies& c, Buffer b) {
  if (b.bits == nullptr || c.spareBytes + b.capacity * 2 > c.budget / 4) return;
  c.spareBytes += b.capacity * 2;
  c.spare.push_back(std::move(b));
}

void drop(Copies& c, std::list<Copy>::iterator it) {
  c.bytes -= it->buffer.capacity * 2;
  c.byKey.erase(it->key);
  spareBuffer(c, std::move(it->buffer));
  c.recent.erase(it);
}

}  // namespace

uint16_t* bf16Scratch(int64_t count, int which) {
  Buffer& s = copies().scratch[which];
  if (s.capacity < count) s = newBuffer(count);
  return s.bits.get();
}

const uint16_t* bf16CopyOf(int64_t key, const float* x, int64_t count, int which) {
  Copies& c = copies();
  if (key != 0) {
    auto found = c.byKey.find(key);
    if (found != c.byKey.end()) {
      auto it = found->second;
      if (it->source == x && it->count == count) {
        c.hits += 1;
        c.recent.splice(c.recent.begin(), c.recent, it);
        return it->buffer.bits.get();
      }
      drop(c, it);  // the key's values seen at another address or length: not the same operand
    }
  }
  if (key == 0 || count * 2 > c.budget / 2) {
    uint16_t* out = bf16Scratch(count, which);
    toBfloat16(x, out, count);
    return out;
  }
  c.misses += 1;
  // Room for the new copy: the least recently used go first, never the most recent one (the other
  // operand of the product being prepared).
  while (c.bytes + count * 2 > c.budget && c.recent.size() > 1) drop(c, std::prev(c.recent.end()));
  Copy copy{key, x, count, takeBuffer(c, count)};
  toBfloat16(x, copy.buffer.bits.get(), count);
  c.bytes += copy.buffer.capacity * 2;
  c.recent.push_front(std::move(copy));
  c.byKey[key] = c.recent.begin();
  return c.recent.front().buffer.bits.get();
}

void releaseBf16Copy(int64_t key) {
  Copies& c = copies();
  auto found = c.byKey.find(key);
  if (found != c.byKey.end()) drop(c, found->second);
}

void releaseBf16Copies() {
  Copies& c = copies();
  c.recent.clear();
  c.byKey.clear();
  c.spare.clear();
  c.bytes = c.spareBytes = 0;
}

Bf16CopyStats bf16CopyStats() {
  const Copies& c = copies();
  return {static_cast<int64_t>(c.recent.size()), c.bytes, c.hits, c.misses};
}

void setBf16CopyBudget(int64_t bytes) {
  Copies& c = copies();
  c.budget = bytes;
  while (c.bytes > c.budget && !c.recent.empty()) drop(c, std::prev(c.recent.end()));
  trimSpare(c);
}

}  // namespace md4
