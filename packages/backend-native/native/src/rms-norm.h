// RMS normalisation with a learned scale (@md4/core's RMS-norm kernels) and its gradient, float32,
// rows on the addon's pool.
#pragma once

#include <cstdint>

namespace md4 {

// x [rows, d], scale [d]. Writes y [rows, d] = x r scale and r [rows] = 1 / sqrt(mean(x^2) + eps).
void rmsNorm(const float* x, const float* scale, float* y, float* r, int64_t rows, int64_t d, float eps);

// dx [rows, d] and dScale [d] from dy, x, scale and the forward's r. dScale is summed over fixed
// blocks of rows, then the blocks in order: the same bits whatever the number of threads.
void rmsNormGrad(const float* dy, const float* x, const float* scale, const float* r, float* dx, float* dScale,
                 int64_t rows, int64_t d);

}  // namespace md4
