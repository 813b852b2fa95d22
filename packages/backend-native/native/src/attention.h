// Fused softmax attention (bidirectional, or causal: query i sees keys 0..i) (@md4/core's attention kernels) on a fused projection
// qkv [B*L, 3d], one (sequence, head) pair per task on the addon's pool, the products on that
// thread (float32: avx512-float32-gemm.h where the CPU has AVX-512, else the BLAS single-threaded;
// bf16 precision on an AVX512-BF16 CPU: avx512-bf16-gemm.h), the L x L scores one block of query
// rows at a time (never all in memory).
#pragma once

#include <cstdint>

namespace md4 {

struct AttentionShape {
  int64_t batch = 0, seqLen = 0, heads = 0, headDim = 0;
  float scale = 1.f;
  // Query i attends to keys 0..i only (an autoregressive network); the scores above the diagonal
  // are never computed.
  bool causal = false;
  // cos, sin [seqLen, headDim / 2] rotate q and k (RoPE, interleaved pairs) when not null.
  const float* cos = nullptr;
  const float* sin = nullptr;
  // The products in bf16 (on an AVX512-BF16 CPU; float32 elsewhere), as the call's precision asks.
  bool bf16 = false;
};

// out [B*L, d] = softmax(q k^T) v per head (q rotated and scaled, k rotated); lse [B, H, L] the
// log-sum-exp of each score row, kept for the gradient.
void attentionForward(const AttentionShape& shape, const float* qkv, float* out, float* lse);

// dqkv [B*L, 3d] (every column written) from dy [B*L, d], recomputing the probabilities from
// qkv and lse; out is the forward's output.
void attentionBackward(const AttentionShape& shape, const float* dy, const float* qkv, const float* out,
                       const float* lse, float* dqkv);

}  // namespace md4
