#include "rope.h"

#include <algorithm>

#include "thread-pool.h"

namespace md4 {

void rope(const float* x, const float* cos, const float* sin, float* out, int64_t outer, int64_t length,
          int64_t half, bool inverse) {
  const int64_t rows = outer * length;
  parallelFor(rows, std::max<int64_t>(1, 8192 / (2 * half)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      const float* c = cos + (r % length) * half;
      const float* s = sin + (r % length) * half;
      const float* xr = x + r * 2 * half;
      float* yr = out + r * 2 * half;
      if (inverse) {
        for (int64_t j = 0; j < half; j++) {
          const float x0 = xr[2 * j], x1 = xr[2 * j + 1];
          yr[2 * j] = x0 * c[j] + x1 * s[j];
          yr[2 * j + 1] = x1 * c[j] - x0 * s[j];
        }
      } else {
        for (int64_t j = 0; j < half; j++) {
          const float x0 = xr[2 * j], x1 = xr[2 * j + 1];
          yr[2 * j] = x0 * c[j] - x1 * s[j];
          yr[2 * j + 1] = x0 * s[j] + x1 * c[j];
        }
      }
    }
  });
}

}  // namespace md4
