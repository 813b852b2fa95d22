#include "gated-activation.h"

#include "exp-approx.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {

namespace {

MD4_MULTIVERSION void gateRange(const float* __restrict gate, const float* __restrict up, float* __restrict out,
                                int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = sigmoidApprox(gate[i]) * up[i];
}

MD4_MULTIVERSION void gateGradRange(const float* __restrict dy, const float* __restrict gate,
                                    const float* __restrict up, float* __restrict dGate, float* __restrict dUp,
                                    int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float s = sigmoidApprox(gate[i]);
    const float dyS = dy[i] * s;
    dGate[i] = (dyS * up[i]) * (1.f - s);
    dUp[i] = dyS;
  }
}

}  // namespace

void sigmoidGate(const float* gate, const float* up, float* out, int64_t n) {
  parallelFor(n, 16384, [&](int64_t lo, int64_t hi) { gateRange(gate + lo, up + lo, out + lo, hi - lo); });
}

void sigmoidGateGrad(const float* dy, const float* gate, const float* up, float* dGate, float* dUp, int64_t n) {
  parallelFor(n, 16384, [&](int64_t lo, int64_t hi) {
    gateGradRange(dy + lo, gate + lo, up + lo, dGate + lo, dUp + lo, hi - lo);
  });
}

}  // namespace md4
