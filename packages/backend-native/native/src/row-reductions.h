// Reductions of one contiguous float32 row, shared by the kernels (inlined into each caller, so
// they vectorise at the caller's multi-versioned width).
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace md4 {

// Sixteen floats as one value of GCC's (and clang's) vector extension: its operators work lane by
// lane at whatever width the caller is compiled for (one zmm register, two ymm, four xmm).
typedef float Float16Lanes __attribute__((vector_size(64)));

// Max/min and sum of a row with 16 independent lanes, so the loops vectorise without
// reassociation flags (the summation order is fixed, hence deterministic). rowExtreme skips NaN
// (x > acc is false for a NaN x); its lanes are a vector value, because GCC 12 leaves the same
// 16 selects written on an array as scalar code; rowHasNaN finds NaN.
template <bool Max>
inline float rowExtreme(const float* __restrict x, int64_t n) {
  const float init = Max ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  Float16Lanes acc;
  for (int j = 0; j < 16; j++) acc[j] = init;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Float16Lanes v;
    std::memcpy(&v, x + i, sizeof v);
    acc = (Max ? v > acc : v < acc) ? v : acc;
  }
  float m = init;
  for (int j = 0; j < 16; j++) m = (Max ? acc[j] > m : acc[j] < m) ? acc[j] : m;
  for (; i < n; i++) m = (Max ? x[i] > m : x[i] < m) ? x[i] : m;
  return m;
}

inline bool rowHasNaN(const float* __restrict x, int64_t n) {
  int count = 0;
  for (int64_t i = 0; i < n; i++) count += x[i] != x[i];
  return count != 0;
}

inline float rowSum(const float* __restrict x, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += x[i + j];
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  float s = acc[0];
  for (; i < n; i++) s += x[i];
  return s;
}

// sum_i a[i] b[i] with 16 independent lanes, like rowSum.
inline float rowDot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += a[i + j] * b[i + j];
  for (int w = 8; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  float s = acc[0];
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

}  // namespace md4
