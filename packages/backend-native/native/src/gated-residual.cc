#include "gated-residual.h"

#include <algorithm>

#include "simd.h"
#include "thread-pool.h"

namespace md4 {

namespace {

// Rows lo..hi-1 of y = x + gate_b * f; the product rounded before the sum, as the composed ops.
MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void residualRows(const float* __restrict x, const float* __restrict gate,
                                                          const float* __restrict f, float* __restrict y,
                                                          int64_t lo, int64_t hi, int64_t P, int64_t d) {
  for (int64_t i = lo; i < hi; i++) {
    const float* g = gate + (i / P) * d;
    const float* xi = x + i * d;
    const float* fi = f + i * d;
    float* yi = y + i * d;
    for (int64_t j = 0; j < d; j++) yi[j] = xi[j] + g[j] * fi[j];
  }
}

// Columns [c0, c1) of sequence b: dBranch = dy * gate_b row by row, dGate_b the sum of dy * f over
// its P rows (in row order).
MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void residualGradColumns(const float* __restrict dy,
                                                                 const float* __restrict gate,
                                                                 const float* __restrict f, float* __restrict dGate,
                                                                 float* __restrict dBranch, int64_t b, int64_t c0,
                                                                 int64_t c1, int64_t P, int64_t d) {
  const float* g = gate + b * d;
  float* dg = dGate + b * d;
  for (int64_t c = c0; c < c1; c++) dg[c] = 0.f;
  for (int64_t p = 0; p < P; p++) {
    const int64_t i = (b * P + p) * d;
    for (int64_t c = c0; c < c1; c++) {
      dBranch[i + c] = dy[i + c] * g[c];
      dg[c] += dy[i + c] * f[i + c];
    }
  }
}

}  // namespace

void gatedResidual(const float* x, const float* gate, const float* f, float* y, int64_t batch, int64_t rows,
                   int64_t d) {
  const int64_t P = rows / batch;
  parallelFor(rows, std::max<int64_t>(1, 16384 / d),
              [&](int64_t lo, int64_t hi) { residualRows(x, gate, f, y, lo, hi, P, d); });
}

void gatedResidualGrad(const float* dy, const float* gate, const float* f, float* dGate, float* dBranch,
                       int64_t batch, int64_t rows, int64_t d) {
  const int64_t P = rows / batch;
  const int64_t block = 64, blocks = (d + block - 1) / block;
  parallelFor(batch * blocks, std::max<int64_t>(1, 16384 / (P * block)), [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; task++) {
      const int64_t b = task / blocks, c0 = (task % blocks) * block;
      residualGradColumns(dy, gate, f, dGate, dBranch, b, c0, std::min(d, c0 + block), P, d);
    }
  });
}

}  // namespace md4
