// Small float32 matrix products on one thread with AVX-512 FMA (Zen 4/5, Skylake-X and later
// Intel): the fused attention's products in float32 mode, where a BLAS call per block of query
// rows spends much of the block repacking its operands. The left operand is read in place through
// strides (so A^T costs nothing), the right operand copied into contiguous 32-column panels. Sums
// run in float32 FMA, the order along k as in a plain loop. The operand that is needed transposed
// (k^T for q k^T) is transposed once per head, 16 x 16 blocks in registers.
#pragma once

#include <cstdint>

namespace md4 {

// Whether this CPU has AVX-512 F (checked once).
bool hasAvx512();

// A left operand [m, k]: entry (i, q) at values[i * rowStride + q * colStride] (A^T of a
// row-major X [k, m]: rowStride 1, colStride its row length).
struct StridedLeft {
  const float* values;
  int64_t rowStride, colStride;
};

// c [m, n] (row i at c + i * ldc) = A B + beta c (c not read when beta is 0), B [k, n] row-major
// with ldb floats between rows (exactly n of each row read). Requires hasAvx512().
void gemmFloat32(const StridedLeft& a, const float* b, int64_t ldb, int64_t m, int64_t n, int64_t k, float beta,
                 float* c, int64_t ldc);

// dst [cols, rows] (row c at dst + c * ldDst) = src^T of src [rows, cols] (row r at src + r * ld),
// 16 x 16 blocks transposed in registers. Requires hasAvx512().
void transposeFloat32(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst, int64_t ldDst);

}  // namespace md4
