// Small bf16 matrix products on one thread with AVX512-BF16's vdpbf16ps (Zen 4/5, Cooper Lake,
// Sapphire Rapids): the fused attention's products in bf16 mode, where a oneDNN call per block
// would cost more than the block. Operands are packed once into bf16 pairs along the inner
// dimension ("words": two bfloat16 in one uint32, the lower one first), so an operand reused
// across blocks (a head's keys and values) is rounded once. Rounding is to nearest even; sums are
// float32, so each entry's error is at most (2^-7 + 2^-16 + k 2^-24) (|A| |B|)_ij to first order,
// the bound of the oneDNN products (dnnl-gemm.h).
#pragma once

#include <cstdint>

namespace md4 {

// Whether this CPU has vdpbf16ps (checked once).
bool hasAvx512Bf16();

// Words of a k-long row: (k + 1) / 2.
inline int64_t wordsOf(int64_t k) { return (k + 1) / 2; }

// Columns a packed right operand holds for n columns: n rounded up to 16 (its loads are whole).
inline int64_t paddedColumns(int64_t n) { return (n + 15) / 16 * 16; }

// Rows of x [rows, k] (row r at x + r * ld) as bf16 rows of wordsOf(k) words, outLd words apart
// (a zero fills the last half-word when k is odd). A left operand A [m, k] as it is; for the
// right operand B = X^T use packRowsTransposed.
void packRows(const float* x, int64_t ld, int64_t rows, int64_t k, uint32_t* out, int64_t outLd);

// out[q * outLd + j] = (x[j][2q], x[j][2q + 1]) for j < n, q < wordsOf(k): the right operand
// B [k, n] = X^T of x [n, k] (row j at x + j * ld). Columns n..outLd are zero.
void packRowsTransposed(const float* x, int64_t ld, int64_t n, int64_t k, uint32_t* out, int64_t outLd);

// out[q * outLd + j] = (x[2q][j], x[2q + 1][j]) for j < n, q < wordsOf(k), row k zero when k is
// odd: x [k, n] (row r at x + r * ld) as a right operand B [k, n], or as the left operand A = X^T
// [n, k] (word (i, q) at i + q * outLd). Columns n..paddedColumns(n) are zero.
void packRowPairs(const float* x, int64_t ld, int64_t k, int64_t n, uint32_t* out, int64_t outLd);

// A packed left operand [m, k]: word q of row i at words[i * rowStride + q * wordStride].
struct PackedLeft {
  const uint32_t* words;
  int64_t rowStride, wordStride;
};

// c [m, n] (row i at c + i * ldc) = A B + beta c (c not read when beta is 0), B packed by
// packRowsTransposed or packRowPairs with ldb words between its rows, over wordsOf(k) words.
// Requires hasAvx512Bf16().
void gemmBf16(const PackedLeft& a, const uint32_t* b, int64_t ldb, int64_t m, int64_t n, int64_t k, float beta,
              float* c, int64_t ldc);

}  // namespace md4
