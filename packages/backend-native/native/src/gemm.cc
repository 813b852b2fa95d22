#include "gemm.h"

#include <algorithm>
#include <cmath>

#include "blas-loader.h"
#include "thread-pool.h"

namespace md4 {

GemmSettings& gemmSettings() {
  static GemmSettings s;
  return s;
}

static void activate(float* row, int n, int act, float alpha) {
  switch (act) {
    case kRelu:
      for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : 0.f;
      break;
    case kRelu6:
      for (int j = 0; j < n; j++) row[j] = std::min(std::max(row[j], 0.f), 6.f);
      break;
    case kSigmoid:
      for (int j = 0; j < n; j++) row[j] = 1.f / (1.f + std::exp(-row[j]));
      break;
    case kLeakyRelu:
      for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : alpha * row[j];
      break;
    case kElu:
      for (int j = 0; j < n; j++) row[j] = row[j] > 0.f ? row[j] : std::expm1(row[j]);
      break;
    default:
      break;
  }
}

// Product i of the batch.
static void gemmOne(const Gemm& g, int i) {
  const float* a = g.a + i * g.strideA;
  const float* b = g.b + i * g.strideB;
  float* c = g.c + static_cast<int64_t>(i) * g.m * g.n;
  float beta = 0.f;
  if (g.bias != nullptr) {
    for (int r = 0; r < g.m; r++) std::copy(g.bias, g.bias + g.n, c + static_cast<int64_t>(r) * g.n);
    beta = 1.f;
  }
  if (g.k == 0) {
    if (g.bias == nullptr) std::fill(c, c + static_cast<int64_t>(g.m) * g.n, 0.f);
  } else if (g.m > 0 && g.n > 0) {
    blas().sgemm(kRowMajor, g.transA ? kTrans : kNoTrans, g.transB ? kTrans : kNoTrans, g.m, g.n, g.k, 1.f, a,
                 g.transA ? g.m : g.k, b, g.transB ? g.k : g.n, beta, c, g.n);
  }
  if (g.act != kLinear)
    for (int r = 0; r < g.m; r++) activate(c + static_cast<int64_t>(r) * g.n, g.n, g.act, g.actAlpha);
}

void runGemm(const Gemm& g) {
  const GemmSettings& s = gemmSettings();
  const double flops = 2.0 * g.m * g.n * g.k;
  if (threadPool().size() > 1 && g.batch >= 2 && flops < s.minBatchSplitFlops) {
    setBlasThreads(1);
    parallelFor(g.batch, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; i++) gemmOne(g, static_cast<int>(i));
    });
    setBlasThreads(s.threads);
    return;
  }
  for (int i = 0; i < g.batch; i++) gemmOne(g, i);
}

}  // namespace md4
