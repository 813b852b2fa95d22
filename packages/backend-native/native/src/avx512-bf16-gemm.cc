#include "avx512-bf16-gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "lane-mask.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define MD4_HAVE_AVX512_BF16 1
#include <immintrin.h>
#define MD4_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#endif

namespace md4 {

#ifdef MD4_HAVE_AVX512_BF16

bool hasAvx512Bf16() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") != 0;
  }();
  return has;
}

namespace {

// float32 -> bfloat16 bits, nearest even; NaN stays NaN (as vcvtneps2bf16 rounds).
inline uint32_t roundToBf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u;
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

// 16 floats (the first `count`, the rest zero) as 16 bf16 in the low halves of 16 words.
MD4_BF16_TARGET inline __m512i sixteenToWords(const float* x, int64_t count) {
  const __mmask16 mask = firstLanes(count);
  const __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, x));
  __m256i bits;
  std::memcpy(&bits, &h, sizeof bits);
  return _mm512_cvtepu16_epi32(bits);
}

// Rows i0..i0+MR of A against columns j0..j0+16*NV of B, all k words.
template <int MR, int NV>
MD4_BF16_TARGET void block(const PackedLeft& a, const uint32_t* b, int64_t ldb, int64_t i0, int64_t j0, int64_t n,
                           int64_t words, float beta, float* c, int64_t ldc) {
  __m512 acc[MR][NV];
  _Pragma("GCC unroll 8")
  for (int r = 0; r < MR; r++)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
  const uint32_t* rows = a.words + i0 * a.rowStride;
  for (int64_t q = 0; q < words; q++) {
    __m512bh bv[NV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; v++) {
      const __m512i w = _mm512_loadu_si512(b + q * ldb + j0 + 16 * v);
      std::memcpy(&bv[v], &w, sizeof w);
    }
    const uint32_t* aq = rows + q * a.wordStride;
    _Pragma("GCC unroll 8")
    for (int r = 0; r < MR; r++) {
      const __m512i w = _mm512_set1_epi32(static_cast<int>(aq[r * a.rowStride]));
      __m512bh av;
      std::memcpy(&av, &w, sizeof w);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], av, bv[v]);
    }
  }
  _Pragma("GCC unroll 8")
  for (int v = 0; v < NV; v++) {
    const int64_t left = n - j0 - 16 * v;
    if (left <= 0) continue;
    const __mmask16 mask = firstLanes(left);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < MR; r++) {
      float* out = c + (i0 + r) * ldc + j0 + 16 * v;
      __m512 value = acc[r][v];
      if (beta != 0.f) value = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, out), value);
      _mm512_mask_storeu_ps(out, mask, value);
    }
  }
}

constexpr int kRows = 6;  // 6 rows x 2 vectors: 12 accumulators, enough to hide vdpbf16ps's latency

template <int MR>
MD4_BF16_TARGET void rowBlock(const PackedLeft& a, const uint32_t* b, int64_t ldb, int64_t i0, int64_t n,
                              int64_t words, float beta, float* c, int64_t ldc) {
  int64_t j0 = 0;
  for (; j0 + 16 < n; j0 += 32) block<MR, 2>(a, b, ldb, i0, j0, n, words, beta, c, ldc);
  if (j0 < n) block<MR, 1>(a, b, ldb, i0, j0, n, words, beta, c, ldc);
}

}  // namespace

MD4_BF16_TARGET void packRows(const float* x, int64_t ld, int64_t rows, int64_t k, uint32_t* out, int64_t outLd) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * ld;
    uint16_t* dst = reinterpret_cast<uint16_t*>(out + r * outLd);
    int64_t j = 0;
    for (; j + 16 <= k; j += 16) {
      const __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(row + j));
      std::memcpy(dst + j, &h, sizeof h);
    }
    for (; j < k; j++) dst[j] = static_cast<uint16_t>(roundToBf16(row[j]));
    if (k % 2 == 1) dst[k] = 0;
  }
}

MD4_BF16_TARGET void packRowsTransposed(const float* x, int64_t ld, int64_t n, int64_t k, uint32_t* out,
                                        int64_t outLd) {
  // 16 rows at a time: packed as rows (packRows) into a block in L1, then written out transposed,
  // so that each output row receives 16 adjacent words.
  const int64_t words = wordsOf(k);
  thread_local std::vector<uint32_t> block;
  block.resize(static_cast<size_t>(16 * words));
  for (int64_t q = 0; q < words; q++) std::memset(out + q * outLd + n, 0, (outLd - n) * sizeof(uint32_t));
  for (int64_t j0 = 0; j0 < n; j0 += 16) {
    const int64_t count = std::min<int64_t>(16, n - j0);
    packRows(x + j0 * ld, ld, count, k, block.data(), words);
    for (int64_t q = 0; q < words; q++) {
      uint32_t* dst = out + q * outLd + j0;
      for (int64_t r = 0; r < count; r++) dst[r] = block[r * words + q];
    }
  }
}

MD4_BF16_TARGET void packRowPairs(const float* x, int64_t ld, int64_t k, int64_t n, uint32_t* out, int64_t outLd) {
  const int64_t padded = paddedColumns(n);
  for (int64_t q = 0; q < wordsOf(k); q++) {
    const float* r0 = x + 2 * q * ld;
    const bool second = 2 * q + 1 < k;
    for (int64_t j = 0; j < padded; j += 16) {
      const int64_t count = n - j < 0 ? 0 : n - j;
      const __m512i lo = sixteenToWords(r0 + j, count);
      const __m512i hi = second ? sixteenToWords(r0 + ld + j, count) : _mm512_setzero_si512();
      _mm512_storeu_si512(out + q * outLd + j, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
    }
  }
}

MD4_BF16_TARGET void gemmBf16(const PackedLeft& a, const uint32_t* b, int64_t ldb, int64_t m, int64_t n, int64_t k,
                              float beta, float* c, int64_t ldc) {
  const int64_t words = wordsOf(k);
  int64_t i0 = 0;
  for (; i0 + kRows <= m; i0 += kRows) rowBlock<kRows>(a, b, ldb, i0, n, words, beta, c, ldc);
  switch (m - i0) {
    case 5: rowBlock<5>(a, b, ldb, i0, n, words, beta, c, ldc); break;
    case 4: rowBlock<4>(a, b, ldb, i0, n, words, beta, c, ldc); break;
    case 3: rowBlock<3>(a, b, ldb, i0, n, words, beta, c, ldc); break;
    case 2: rowBlock<2>(a, b, ldb, i0, n, words, beta, c, ldc); break;
    case 1: rowBlock<1>(a, b, ldb, i0, n, words, beta, c, ldc); break;
    default: break;
  }
}

#else

bool hasAvx512Bf16() { return false; }
void packRows(const float*, int64_t, int64_t, int64_t, uint32_t*, int64_t) {}
void packRowsTransposed(const float*, int64_t, int64_t, int64_t, uint32_t*, int64_t) {}
void packRowPairs(const float*, int64_t, int64_t, int64_t, uint32_t*, int64_t) {}
void gemmBf16(const PackedLeft&, const uint32_t*, int64_t, int64_t, int64_t, int64_t, float, float*, int64_t) {}

#endif

}  // namespace md4
