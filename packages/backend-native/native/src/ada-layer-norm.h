// adaLN-modulated layer normalisation (@md4/core's adaLN kernels) and its gradient, float32, rows
// on the addon's pool.
#pragma once

#include <cstdint>

namespace md4 {

// x [rows, d], rows = batch * P grouped by sequence; shift, scale [batch, d]. Writes y [rows, d],
// mean and r (1 / sqrt(var + eps)) [rows].
void adaLayerNorm(const float* x, const float* shift, const float* scale, float* y, float* mean, float* r,
                  int64_t batch, int64_t rows, int64_t d, float eps);

// dx [rows, d], dShift and dScale [batch, d] from dy, recomputing n = (x - mean) r.
void adaLayerNormGrad(const float* dy, const float* x, const float* scale, const float* mean, const float* r,
                      float* dx, float* dShift, float* dScale, int64_t batch, int64_t rows, int64_t d);

}  // namespace md4
