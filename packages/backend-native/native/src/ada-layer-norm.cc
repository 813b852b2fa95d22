#include "ada-layer-norm.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "row-reductions.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {
namespace {

MD4_MULTIVERSION void normRows(const float* __restrict x, const float* __restrict shift,
                               const float* __restrict scale, float* __restrict y, float* __restrict mean,
                               float* __restrict r, int64_t lo, int64_t hi, int64_t P, int64_t d, float eps) {
  const float invD = 1.f / static_cast<float>(d);
  for (int64_t i = lo; i < hi; i++) {
    const float* xi = x + i * d;
    float* yi = y + i * d;
    const float m = rowSum(xi, d) * invD;
    for (int64_t j = 0; j < d; j++) yi[j] = (xi[j] - m) * (xi[j] - m);
    const float ri = 1.f / std::sqrt(rowSum(yi, d) * invD + eps);
    const float* sh = shift + (i / P) * d;
    const float* sc = scale + (i / P) * d;
    for (int64_t j = 0; j < d; j++) yi[j] = (xi[j] - m) * ri * (1.f + sc[j]) + sh[j];
    mean[i] = m;
    r[i] = ri;
  }
}

// dx rows; g = dy (1 + scale) is formed in dx first.
MD4_MULTIVERSION void gradRows(const float* __restrict dy, const float* __restrict x, const float* __restrict scale,
                               const float* __restrict mean, const float* __restrict r, float* __restrict dx,
                               int64_t lo, int64_t hi, int64_t P, int64_t d) {
  const float invD = 1.f / static_cast<float>(d);
  for (int64_t i = lo; i < hi; i++) {
    const float* dyi = dy + i * d;
    const float* xi = x + i * d;
    const float* sc = scale + (i / P) * d;
    float* g = dx + i * d;
    const float m = mean[i], ri = r[i];
    for (int64_t j = 0; j < d; j++) g[j] = dyi[j] * (1.f + sc[j]);
    const float gSum = rowSum(g, d);
    // sum_j g_j n_j with n recomputed, in 16 independent lanes as rowDot sums
    float gnSum = 0.f;
    float acc[16] = {0};
    int64_t j = 0;
    for (; j + 16 <= d; j += 16)
      for (int k = 0; k < 16; k++) acc[k] += g[j + k] * ((xi[j + k] - m) * ri);
    for (int k = 0; k < 16; k++) gnSum += acc[k];
    for (; j < d; j++) gnSum += g[j] * ((xi[j] - m) * ri);
    const float gMean = gSum * invD, gnMean = gnSum * invD;
    for (int64_t c = 0; c < d; c++) g[c] = ri * (g[c] - gMean - (xi[c] - m) * ri * gnMean);
  }
}

// dShift, dScale columns [c0, c1) of sequence b: sums over its P rows.
MD4_MULTIVERSION void sumColumns(const float* __restrict dy, const float* __restrict x, const float* __restrict mean,
                                 const float* __restrict r, float* __restrict dShift, float* __restrict dScale,
                                 int64_t b, int64_t c0, int64_t c1, int64_t P, int64_t d) {
  float* ds = dShift + b * d;
  float* dc = dScale + b * d;
  for (int64_t c = c0; c < c1; c++) ds[c] = dc[c] = 0.f;
  for (int64_t p = 0; p < P; p++) {
    const int64_t i = b * P + p;
    const float* dyi = dy + i * d;
    const float* xi = x + i * d;
    const float m = mean[i], ri = r[i];
    for (int64_t c = c0; c < c1; c++) {
      ds[c] += dyi[c];
      dc[c] += dyi[c] * ((xi[c] - m) * ri);
    }
  }
}

}  // namespace

void adaLayerNorm(const float* x, const float* shift, const float* scale, float* y, float* mean, float* r,
                  int64_t batch, int64_t rows, int64_t d, float eps) {
  const int64_t P = rows / batch;
  parallelFor(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t lo, int64_t hi) {
    normRows(x, shift, scale, y, mean, r, lo, hi, P, d, eps);
  });
}

void adaLayerNormGrad(const float* dy, const float* x, const float* scale, const float* mean, const float* r,
                      float* dx, float* dShift, float* dScale, int64_t batch, int64_t rows, int64_t d) {
  const int64_t P = rows / batch;
  parallelFor(rows, std::max<int64_t>(1, 16384 / d), [&](int64_t lo, int64_t hi) {
    gradRows(dy, x, scale, mean, r, dx, lo, hi, P, d);
  });
  const int64_t block = 64, blocks = (d + block - 1) / block;
  parallelFor(batch * blocks, std::max<int64_t>(1, 16384 / (P * block)), [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; task++) {
      const int64_t b = task / blocks, c0 = (task % blocks) * block;
      sumColumns(dy, x, mean, r, dShift, dScale, b, c0, std::min(d, c0 + block), P, d);
    }
  });
}

}  // namespace md4
