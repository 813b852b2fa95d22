// Fused optimizer updates (the kernels of @md4/core's optimizer-kernels.ts): each parameter's AdamW
// or EMA update in one multi-threaded pass, in float32 and in the same operation order as the
// composed tfjs ops, so the results are identical to theirs.
#pragma once

#include <cstdint>

namespace md4 {

struct AdamWConstants {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, lr, decayFactor, biasCorrection1, biasCorrection2, gradScale;
  bool decay;   // multiply param by decayFactor = 1 - lr wd first
  bool scaled;  // multiply grad by gradScale first
};

// outP, outM, outV (n floats each) from param, grad, m, v.
void adamwUpdate(const float* param, const float* grad, const float* m, const float* v, float* outP, float* outM,
                 float* outV, int64_t n, const AdamWConstants& c);

// out = shadow * decay + param * oneMinusDecay.
void emaUpdate(const float* shadow, const float* param, float* out, int64_t n, float decay, float oneMinusDecay);

}  // namespace md4
