// bfloat16 copies of float32 operands, kept for the products that round the same operand again.
// A training step rounds each layer's input x for its forward product x W and again for the
// weight gradient x^T dy, and the output gradient dy for both dy W^T and x^T dy: kept, each is
// rounded once (half the conversions, whose memory traffic was ~9% of a bf16 quick-start step).
//
// The caller names an operand's values by a key that stands for exactly those values for as long
// as they exist (the 'native' backend: a number given to a tensor's array when it becomes that
// tensor's values, never reused), and releases the key when they go. Key 0 names nothing: the
// copy is then scratch, valid until the next copy on this thread. Main thread only (the products
// are started from JavaScript).
#pragma once

#include <cstdint>

namespace md4 {

// A scratch buffer of count bfloat16 (`which`: 0 or 1, one per operand of a product), valid until
// the next call with the same `which`.
uint16_t* bf16Scratch(int64_t count, int which);

// x[0..count) as bfloat16 (rounded as toBfloat16): the copy kept under `key` where it was made
// from this x and count, else a new one, kept under key (unless 0). Valid until the next call
// that makes a copy other than of the previous call's operand (the two operands of one product
// are always valid together) or until releaseBf16Copy(key). `which` (0 or 1) picks the scratch
// buffer of key 0.
const uint16_t* bf16CopyOf(int64_t key, const float* x, int64_t count, int which);

// Drops the copy kept under key (nothing if there is none).
void releaseBf16Copy(int64_t key);

// Drops every kept copy and the buffers kept for reuse.
void releaseBf16Copies();

struct Bf16CopyStats {
  int64_t copies = 0;  // kept now
  int64_t bytes = 0;   // their bytes
  double hits = 0, misses = 0;  // calls with a key that found its copy, or made one
};

Bf16CopyStats bf16CopyStats();

// Most bytes of copies kept (default 512 MiB): a new copy first drops the least recently used
// ones, all but the most recent (the other operand of its product), so the two operands of one
// product may exceed it. Buffers of dropped copies are kept for the next copies up to a quarter of
// it. A copy of more than half of it is never kept (scratch).
void setBf16CopyBudget(int64_t bytes);

}  // namespace md4
