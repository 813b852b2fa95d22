#include "optimizer.h"

#include <cmath>

#include "simd.h"
#include "thread-pool.h"

namespace md4 {
namespace {

MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void adamwRange(const float* __restrict param, const float* __restrict grad,
                                 const float* __restrict m, const float* __restrict v, float* __restrict outP,
                                 float* __restrict outM, float* __restrict outV, int64_t lo, int64_t hi,
                                 const AdamWConstants& c) {
  for (int64_t i = lo; i < hi; i++) {
    const float g = c.scaled ? grad[i] * c.gradScale : grad[i];
    const float mi = m[i] * c.beta1 + g * c.oneMinusBeta1;
    const float vi = v[i] * c.beta2 + (g * g) * c.oneMinusBeta2;
    const float denom = std::sqrt(vi / c.biasCorrection2) + c.eps;
    const float update = (mi / c.biasCorrection1) / denom;
    const float decayed = c.decay ? param[i] * c.decayFactor : param[i];
    outP[i] = decayed - update * c.lr;
    outM[i] = mi;
    outV[i] = vi;
  }
}

MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void emaRange(const float* __restrict shadow, const float* __restrict param, float* __restrict out,
                               int64_t lo, int64_t hi, float decay, float oneMinusDecay) {
  for (int64_t i = lo; i < hi; i++) out[i] = shadow[i] * decay + param[i] * oneMinusDecay;
}

}  // namespace

void adamwUpdate(const float* param, const float* grad, const float* m, const float* v, float* outP, float* outM,
                 float* outV, int64_t n, const AdamWConstants& c) {
  parallelFor(n, 1 << 14,
              [&](int64_t lo, int64_t hi) { adamwRange(param, grad, m, v, outP, outM, outV, lo, hi, c); });
}

void emaUpdate(const float* shadow, const float* param, float* out, int64_t n, float decay, float oneMinusDecay) {
  parallelFor(n, 1 << 15, [&](int64_t lo, int64_t hi) { emaRange(shadow, param, out, lo, hi, decay, oneMinusDecay); });
}

}  // namespace md4
