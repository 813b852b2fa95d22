#include "avx512-float32-gemm.h"

#include <algorithm>
#include <vector>

#include "lane-mask.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MD4_HAVE_AVX512 1
#include <immintrin.h>
#define MD4_AVX512_TARGET __attribute__((target("avx512f")))
#endif

namespace md4 {

#ifdef MD4_HAVE_AVX512

bool hasAvx512() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return has;
}

namespace {

constexpr int64_t kPanelWidth = 32;

// Rows i0..i0+MR of A against one panel of B (k rows of 32 floats, zero beyond the panel's
// `width` columns; NV = 1 reads the first 16), all k; the first `width` columns of c's rows written.
template <int MR, int NV>
MD4_AVX512_TARGET void block(const StridedLeft& a, const float* panel, int64_t i0, int64_t width, int64_t k,
                             float beta, float* c, int64_t ldc) {
  __m512 acc[MR][NV];
  _Pragma("GCC unroll 8")
  for (int r = 0; r < MR; r++)
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
  const float* aq = a.values + i0 * a.rowStride;
  for (int64_t q = 0; q < k; q++, aq += a.colStride, panel += kPanelWidth) {
    __m512 bv[NV];
    _Pragma("GCC unroll 8")
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(panel + 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < MR; r++) {
      const __m512 av = _mm512_set1_ps(aq[r * a.rowStride]);
      _Pragma("GCC unroll 8")
      for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  _Pragma("GCC unroll 8")
  for (int v = 0; v < NV; v++) {
    const __mmask16 mask = firstLanes(width - 16 * v);
    _Pragma("GCC unroll 8")
    for (int r = 0; r < MR; r++) {
      float* out = c + (i0 + r) * ldc + 16 * v;
      __m512 value = acc[r][v];
      if (beta != 0.f) value = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, out), value);
      _mm512_mask_storeu_ps(out, mask, value);
    }
  }
}

// dst [cols, rows] = src^T for src [rows, cols], rows and cols at most 16: four rounds of
// shuffles (pairs of rows, then fours, then 128-bit lanes twice) on 16 rows in registers.
MD4_AVX512_TARGET void transposeBlock(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst,
                                      int64_t ldDst) {
  __m512 r[16], t[16];
  const __mmask16 colMask = firstLanes(cols);
  for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(colMask, src + i * ld) : _mm512_setzero_ps();
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + c], 128-bit lane l: column 4l + c of rows 4i..4i+3
  for (int i = 0; i < 4; i++) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // t[c]: columns c and 8 + c of rows 0..7; t[4 + c]: columns 4 + c and 12 + c; t[8 + ...]: rows 8..15
  for (int c = 0; c < 4; c++) {
    t[c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
    t[4 + c] = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
    t[8 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
  }
  // r[c]: column c of all 16 rows
  for (int c = 0; c < 4; c++) {
    r[c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(t[c], t[8 + c], 0xdd);
    r[4 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(t[4 + c], t[12 + c], 0xdd);
  }
  const __mmask16 rowMask = firstLanes(rows);
  for (int c = 0; c < cols; c++) _mm512_mask_storeu_ps(dst + c * ldDst, rowMask, r[c]);
}

constexpr int kRows = 6;  // 6 rows x 2 vectors: 12 accumulators, enough to hide the FMA latency

// Every row of A against one packed panel: kRows rows at a time, then the rest.
template <int NV>
MD4_AVX512_TARGET void rowsAgainstPanel(const StridedLeft& a, const float* panel, int64_t m, int64_t width,
                                        int64_t k, float beta, float* c, int64_t ldc) {
  int64_t i0 = 0;
  for (; i0 + kRows <= m; i0 += kRows) block<kRows, NV>(a, panel, i0, width, k, beta, c, ldc);
  switch (m - i0) {
    case 5: block<5, NV>(a, panel, i0, width, k, beta, c, ldc); break;
    case 4: block<4, NV>(a, panel, i0, width, k, beta, c, ldc); break;
    case 3: block<3, NV>(a, panel, i0, width, k, beta, c, ldc); break;
    case 2: block<2, NV>(a, panel, i0, width, k, beta, c, ldc); break;
    case 1: block<1, NV>(a, panel, i0, width, k, beta, c, ldc); break;
    default: break;
  }
}

}  // namespace

MD4_AVX512_TARGET void packPanels(const float* b, int64_t ldb, int64_t k, int64_t n, float* panels) {
  for (int64_t j0 = 0; j0 < n; j0 += kPanelWidth, panels += kPanelWidth * k) {
    const __mmask16 low = firstLanes(n - j0), high = firstLanes(n - j0 - 16);
    for (int64_t q = 0; q < k; q++) {
      _mm512_storeu_ps(panels + q * kPanelWidth, _mm512_maskz_loadu_ps(low, b + q * ldb + j0));
      _mm512_storeu_ps(panels + q * kPanelWidth + 16, _mm512_maskz_loadu_ps(high, b + q * ldb + j0 + 16));
    }
  }
}

MD4_AVX512_TARGET void packPanelsTransposed(const float* x, int64_t ld, int64_t n, int64_t k, float* panels) {
  for (int64_t j0 = 0; j0 < n; j0 += kPanelWidth, panels += kPanelWidth * k) {
    if (n - j0 < kPanelWidth) std::fill(panels, panels + kPanelWidth * k, 0.f);
    for (int64_t r0 = j0; r0 < std::min(n, j0 + kPanelWidth); r0 += 16)
      for (int64_t c0 = 0; c0 < k; c0 += 16)
        transposeBlock(x + r0 * ld + c0, ld, std::min<int64_t>(16, n - r0), std::min<int64_t>(16, k - c0),
                       panels + c0 * kPanelWidth + (r0 - j0), kPanelWidth);
  }
}

MD4_AVX512_TARGET void gemmFloat32Panels(const StridedLeft& a, const float* panels, int64_t panelRows, int64_t m,
                                         int64_t n, int64_t k, float beta, float* c, int64_t ldc) {
  for (int64_t j0 = 0; j0 < n; j0 += kPanelWidth, panels += kPanelWidth * panelRows) {
    const int64_t width = std::min(kPanelWidth, n - j0);
    if (width > 16)
      rowsAgainstPanel<2>(a, panels, m, width, k, beta, c + j0, ldc);
    else
      rowsAgainstPanel<1>(a, panels, m, width, k, beta, c + j0, ldc);
  }
}

// B is copied into panels that every row block then reads from L1: read in place, B's rows (a
// head's keys or values, 1-3 KB apart) fall into few cache sets and came from L2 on each row block
// (the kernel's loads were its hot spot in perf). The copy costs k x n floats against the
// product's 2 m n k flops.
MD4_AVX512_TARGET void gemmFloat32(const StridedLeft& a, const float* b, int64_t ldb, int64_t m, int64_t n,
                                   int64_t k, float beta, float* c, int64_t ldc) {
  thread_local std::vector<float> panels;
  panels.resize(static_cast<size_t>(panelFloats(k, n)));
  packPanels(b, ldb, k, n, panels.data());
  gemmFloat32Panels(a, panels.data(), k, m, n, k, beta, c, ldc);
}

#else

bool hasAvx512() { return false; }
void packPanels(const float*, int64_t, int64_t, int64_t, float*) {}
void packPanelsTransposed(const float*, int64_t, int64_t, int64_t, float*) {}
void gemmFloat32Panels(const StridedLeft&, const float*, int64_t, int64_t, int64_t, int64_t, float, float*, int64_t) {}
void gemmFloat32(const StridedLeft&, const float*, int64_t, int64_t, int64_t, int64_t, float, float*, int64_t) {}

#endif

}  // namespace md4
