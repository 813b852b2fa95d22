// The rotary-embedding kernel of @md4/core's rope-kernel.ts: each (x[2j], x[2j+1]) pair of each of
// rows x positions rotated by its angle (or by minus it), in float32 in the composed ops' order.
#pragma once

#include <cstdint>

namespace md4 {

// x, out: [outer, length, 2 half]; cos, sin: [length, half].
void rope(const float* x, const float* cos, const float* sin, float* out, int64_t outer, int64_t length,
          int64_t half, bool inverse);

}  // namespace md4
