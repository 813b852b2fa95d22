// exp(x) to about 1 ulp in a form that vectorises, shared by the kernels that need it (so every
// kernel computing sigmoid gets the same bits as the Sigmoid kernel).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace md4 {

// exp(r) for r = xc - n ln2 (|r| <= ln2/2, n = round(xc / ln2)) by Cephes expf's degree-6
// polynomial, ln2 split in two so r is exact enough: the part both exps below share.
inline float expOfRemainder(float xc, float n) {
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.f;
}

// exp(x) to about 1 ulp in a form that vectorises (Cephes expf): x = n ln2 + r, |r| <= ln2/2,
// exp(r) by a degree-6 polynomial, 2^n in two halves so the result can underflow to
// subnormals and overflow to inf like std::exp.
inline float expApprox(float x) {
  const float xc = x < -104.f ? -104.f : (x > 89.f ? 89.f : x);
  const float n = std::nearbyint(xc * 1.44269504088896341f);
  const float p = expOfRemainder(xc, n);
  const int ni = static_cast<int>(n);
  const int n1 = ni / 2;
  const int n2 = ni - n1;
  int32_t b1 = (n1 + 127) << 23, b2 = (n2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  const float y = p * s1 * s2;
  return x != x ? x : y;
}

// exp(x) for x <= 0 up to rounding (a softmax's scores less their maximum or their log-sum-exp),
// as accurate as expApprox where exp(x) >= e^-87 and e^-87 (1.6e-38) below, NaN for NaN: with no
// overflow to guard and no subnormal to reach, 2^n is one exponent field and the clamps and the
// NaN select go (about a third of expApprox's instructions; the attention kernels' exp passes).
inline float softmaxExp(float x) {
  const float xc = x < -87.f ? -87.f : x;  // a NaN compares false and stays
  const float n = std::nearbyint(xc * 1.44269504088896341f);
  const float p = expOfRemainder(xc, n);
  const uint32_t bits = (static_cast<uint32_t>(static_cast<int32_t>(n)) + 127u) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

// sigmoid(x) = 1 / (1 + exp(-x)), as the Sigmoid kernel computes it.
inline float sigmoidApprox(float x) { return 1.f / (1.f + expApprox(-x)); }

}  // namespace md4
