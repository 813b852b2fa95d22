// Small float32 matrix products on one thread with AVX-512 FMA (Zen 4/5, Skylake-X and later
// Intel): the fused attention's products in float32 mode, where a BLAS call per block of query
// rows spends much of the block repacking its operands. The left operand is read in place through
// strides (so A^T costs nothing), the right operand from contiguous 32-column panels. Sums run in
// float32 FMA, the order along k as in a plain loop.
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

// A right operand B [k, n] as panels of 32 columns: panel p holds columns 32p..32p+31 as k
// contiguous rows of 32 floats (zero beyond n), at 32 p k floats from the first. Packed once, an
// operand that several products share (a head's keys or values) is read from L1 by each.
inline int64_t panelFloats(int64_t k, int64_t n) { return (n + 31) / 32 * 32 * k; }

// B [k, n] (row q at b + q * ldb) into panels (panelFloats(k, n) floats). Requires hasAvx512().
void packPanels(const float* b, int64_t ldb, int64_t k, int64_t n, float* panels);

// B = X^T [k, n] of x [n, k] (row j at x + j * ld) into panels, 16 x 16 blocks transposed in
// registers. Requires hasAvx512().
void packPanelsTransposed(const float* x, int64_t ld, int64_t n, int64_t k, float* panels);

// c [m, n] (row i at c + i * ldc) = A B + beta c (c not read when beta is 0), B [k, n] the first
// k rows of panels packed for panelRows >= k rows. Requires hasAvx512().
void gemmFloat32Panels(const StridedLeft& a, const float* panels, int64_t panelRows, int64_t m, int64_t n,
                       int64_t k, float beta, float* c, int64_t ldc);

// The same with B [k, n] row-major, ldb floats between rows (exactly n of each row read), packed
// into panels for the call. Requires hasAvx512().
void gemmFloat32(const StridedLeft& a, const float* b, int64_t ldb, int64_t m, int64_t n, int64_t k, float beta,
                 float* c, int64_t ldc);

}  // namespace md4
