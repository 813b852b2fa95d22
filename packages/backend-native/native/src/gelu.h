// GELU with the tanh approximation (@md4/core's gelu-kernel.ts), forward and backward, one pass
// each, with the Sigmoid kernel's own sigmoid and every product and sum rounded as the composed
// ops round them, so results equal theirs bit for bit.
#pragma once

#include <cstdint>

namespace md4 {

// The float32 constants of the formulas: c, 2k and 6ck (k = sqrt(2 / pi)).
struct GeluConstants {
  float c, twoK, sixCK;
};

// y = x s, s = sigmoid((x (x^2 c + 1)) 2k).
void geluTanh(const GeluConstants& g, const float* x, float* y, int64_t n);

// dx = dy (s + ((x s) (1 - s)) (x^2 6ck + 2k)).
void geluTanhGrad(const GeluConstants& g, const float* dy, const float* x, float* dx, int64_t n);

}  // namespace md4
