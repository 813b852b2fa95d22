#include "gelu.h"

#include <algorithm>

#include "exp-approx.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {

namespace {

// The build contracts a * b + c into fused multiply-adds (GCC's default for C++), and the Sigmoid
// kernel's exp is compiled so. To equal the composed ops, the GELU's own arithmetic runs with
// contraction off and the sigmoid with the build's default, in separate passes over each piece of
// kPiece values (in L1 between passes).
constexpr int64_t kPiece = 2048;

// body(lo, count) over [0, n) in pieces of kPiece, the pieces spread over the pool.
template <typename Body>
void forEachPiece(int64_t n, const Body& body) {
  parallelFor(n, 16384, [&](int64_t lo, int64_t hi) {
    for (int64_t at = lo; at < hi; at += kPiece) body(at, std::min(kPiece, hi - at));
  });
}

// u = (x (x^2 c + 1)) 2k, each operation rounded on its own.
MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void geluArgument(GeluConstants g, const float* __restrict x,
                                                          float* __restrict u, int64_t n) {
  for (int64_t i = 0; i < n; i++) u[i] = (x[i] * (x[i] * x[i] * g.c + 1.f)) * g.twoK;
}

// y = x sigmoid(u), u given in y.
MD4_MULTIVERSION void geluValue(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * sigmoidApprox(y[i]);
}

// s = sigmoid(u) in place.
MD4_MULTIVERSION void sigmoidInPlace(float* __restrict u, int64_t n) {
  for (int64_t i = 0; i < n; i++) u[i] = sigmoidApprox(u[i]);
}

// dx = dy (s + ((x s) (1 - s)) (x^2 6ck + 2k)), s given in dx, each operation rounded on its own.
MD4_MULTIVERSION MD4_NO_FMA_CONTRACTION void geluSlope(GeluConstants g, const float* __restrict dy,
                                                       const float* __restrict x, float* __restrict dx,
                                                       int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float s = dx[i];
    dx[i] = dy[i] * (s + ((x[i] * s) * (1.f - s)) * (x[i] * x[i] * g.sixCK + g.twoK));
  }
}

}  // namespace

void geluTanh(const GeluConstants& g, const float* x, float* y, int64_t n) {
  forEachPiece(n, [&](int64_t at, int64_t count) {
    geluArgument(g, x + at, y + at, count);
    geluValue(x + at, y + at, count);
  });
}

void geluTanhGrad(const GeluConstants& g, const float* dy, const float* x, float* dx, int64_t n) {
  forEachPiece(n, [&](int64_t at, int64_t count) {
    geluArgument(g, x + at, dx + at, count);
    sigmoidInPlace(dx + at, count);
    geluSlope(g, dy + at, x + at, dx + at, count);
  });
}

}  // namespace md4
