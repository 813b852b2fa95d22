// The adaLN-Zero residual update of a block (@md4/core's gated-residual-kernel.ts), forward and
// backward, one pass each.
#pragma once

#include <cstdint>

namespace md4 {

// y = x + gate_b * f on x, f, y [rows, d] (rows / batch rows per sequence b) and gate [batch, d].
void gatedResidual(const float* x, const float* gate, const float* f, float* y, int64_t batch, int64_t rows,
                   int64_t d);

// dBranch = dy * gate_b, dGate_b = sum over the rows of sequence b of dy * f.
void gatedResidualGrad(const float* dy, const float* gate, const float* f, float* dGate, float* dBranch,
                       int64_t batch, int64_t rows, int64_t d);

}  // namespace md4
