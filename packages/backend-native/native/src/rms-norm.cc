#include "rms-norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "row-reductions.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {
namespace {

// Rows per block of the gradient's dScale partial sums (fixed, so the sum does not depend on threads).
constexpr int64_t kBlockRows = 256;

MD4_MULTIVERSION void normRows(const float* __restrict x, const float* __restrict scale, float* __restrict y,
                               float* __restrict r, int64_t lo, int64_t hi, int64_t d, float eps) {
  const float invD = 1.f / static_cast<float>(d);
  for (int64_t i = lo; i < hi; i++) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    const float ri = 1.f / std::sqrt(rowDot(xi, xi, d) * invD + eps);
    for (int64_t j = 0; j < d; j++) yi[j] = xi[j] * ri * scale[j];
    r[i] = ri;
  }
}

// dx rows lo..hi-1, and their sum of dy x r added to partial [d] (zeroed by the caller). g = dy s
// is formed in dx first.
MD4_MULTIVERSION void gradRows(const float* __restrict dy, const float* __restrict x, const float* __restrict scale,
                               const float* __restrict r, float* __restrict dx, float* __restrict partial,
                               int64_t lo, int64_t hi, int64_t d) {
  const float invD = 1.f / static_cast<float>(d);
  for (int64_t i = lo; i < hi; i++) {
    const float* dyi = dy + i * d;
    const float* xi = x + i * d;
    float* g = dx + i * d;
    const float ri = r[i];
    for (int64_t j = 0; j < d; j++) {
      g[j] = dyi[j] * scale[j];
      partial[j] += dyi[j] * xi[j] * ri;
    }
    const float c = ri * ri * rowDot(g, xi, d) * invD;
    for (int64_t j = 0; j < d; j++) g[j] = ri * (g[j] - xi[j] * c);
  }
}

}  // namespace

void rmsNorm(const float* x, const float* scale, float* y, float* r, int64_t rows, int64_t d, float eps) {
  parallelFor(rows, std::max<int64_t>(1, 16384 / d),
              [&](int64_t lo, int64_t hi) { normRows(x, scale, y, r, lo, hi, d, eps); });
}

void rmsNormGrad(const float* dy, const float* x, const float* scale, const float* r, float* dx, float* dScale,
                 int64_t rows, int64_t d) {
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  std::vector<float> partials(static_cast<size_t>(std::max<int64_t>(blocks, 1) * d), 0.f);
  parallelFor(blocks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; b++)
      gradRows(dy, x, scale, r, dx, partials.data() + b * d, b * kBlockRows, std::min(rows, (b + 1) * kBlockRows), d);
  });
  std::fill(dScale, dScale + d, 0.f);
  for (int64_t b = 0; b < blocks; b++)
    for (int64_t j = 0; j < d; j++) dScale[j] += partials[b * d + j];
}

}  // namespace md4
