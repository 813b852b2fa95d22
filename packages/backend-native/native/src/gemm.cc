#include "gemm.h"

#include <algorithm>
#include <cmath>

#include "blas-loader.h"
#include "dnnl-gemm.h"
#include "thread-pool.h"

namespace md4 {

GemmSettings& gemmSettings() {
  static GemmSettings s;
  return s;
}

void applyActivation(float* row, int n, int act, float alpha) {
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

// Rows [m0, m1) and columns [n0, n1) of product i of the batch.
static void gemmBlock(const Gemm& g, int i, int m0, int m1, int n0, int n1) {
  const float* a = g.a + i * g.strideA;
  const float* b = g.b + i * g.strideB;
  float* c = g.c + static_cast<int64_t>(i) * g.m * g.n;
  const int lda = g.transA ? g.m : g.k;
  const int ldb = g.transB ? g.k : g.n;
  const float* aSub = g.transA ? a + m0 : a + static_cast<int64_t>(m0) * lda;
  const float* bSub = g.transB ? b + static_cast<int64_t>(n0) * ldb : b + n0;
  float* cSub = c + static_cast<int64_t>(m0) * g.n + n0;
  const int rows = m1 - m0, cols = n1 - n0;
  if (rows <= 0 || cols <= 0) return;
  float beta = 0.f;
  if (g.bias != nullptr) {
    for (int r = 0; r < rows; r++) std::copy(g.bias + n0, g.bias + n1, cSub + static_cast<int64_t>(r) * g.n);
    beta = 1.f;
  }
  if (g.k == 0) {
    if (g.bias == nullptr)
      for (int r = 0; r < rows; r++) std::fill(cSub + static_cast<int64_t>(r) * g.n, cSub + static_cast<int64_t>(r) * g.n + cols, 0.f);
  } else {
    blas().sgemm(kRowMajor, g.transA ? kTrans : kNoTrans, g.transB ? kTrans : kNoTrans, rows, cols, g.k, 1.f, aSub, lda,
                 bSub, ldb, beta, cSub, g.n);
  }
  if (g.act != kLinear)
    for (int r = 0; r < rows; r++) applyActivation(cSub + static_cast<int64_t>(r) * g.n, cols, g.act, g.actAlpha);
}

bool bf16Precision(int precision) { return precision < 0 ? gemmSettings().bf16 : precision == 1; }

void runGemm(const Gemm& g) {
  if (bf16Precision(g.precision))
    runGemmBf16(g);
  else
    runGemmFloat32(g);
}

void runGemmFloat32(const Gemm& g) {
  const GemmSettings& s = gemmSettings();
  const double flops = 2.0 * g.m * g.n * g.k;
  if (s.float32Dnnl && flops * g.batch >= s.float32DnnlMinFlops && runGemmFloat32Dnnl(g)) return;
  const int threads = threadPool().size();
  if (threads > 1 && g.batch >= 2 && flops < s.minBatchSplitFlops) {
    // Many small products (attention heads): one product per thread at a time, the BLAS
    // single-threaded meanwhile.
    if (!s.poolSplit) setBlasThreads(1);
    parallelFor(g.batch, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; i++) gemmBlock(g, static_cast<int>(i), 0, g.m, 0, g.n);
    });
    if (!s.poolSplit) setBlasThreads(s.threads);
    return;
  }
  if (threads > 1 && s.poolSplit && flops >= 4e6) {
    // One product in panels: rows when m is the larger side, else columns; panels of at least
    // 64 (a multiple of the BLAS's register blocking), about 4 per thread for balance.
    const bool byRows = g.m >= g.n;
    const int extent = byRows ? g.m : g.n;
    const int panel = std::max(64, ((extent + 4 * threads - 1) / (4 * threads) + 15) / 16 * 16);
    const int panels = (extent + panel - 1) / panel;
    for (int i = 0; i < g.batch; i++) {
      parallelFor(panels, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t p = lo; p < hi; p++) {
          const int e0 = static_cast<int>(p) * panel;
          const int e1 = std::min(extent, e0 + panel);
          if (byRows)
            gemmBlock(g, i, e0, e1, 0, g.n);
          else
            gemmBlock(g, i, 0, g.m, e0, e1);
        }
      });
    }
    return;
  }
  for (int i = 0; i < g.batch; i++) gemmBlock(g, i, 0, g.m, 0, g.n);
}

}  // namespace md4
