#include "attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "avx512-bf16-gemm.h"
#include "avx512-float32-gemm.h"
#include "blas-loader.h"
#include "exp-approx.h"
#include "gemm.h"
#include "row-reductions.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {
namespace {

// Query rows per block: a block of scores (rows x L floats) stays within about 64 KB, so the
// backward pass's two blocks and its products' operands stay in L2 (measured on 2 Zen 1 cores at
// B 16, L 256, H 4, hd 64: backward 88 ms with 64-row blocks, 134 ms with 256-row blocks).
int64_t blockRows(int64_t L) { return std::max<int64_t>(16, std::min<int64_t>(L, 16384 / std::max<int64_t>(L, 1))); }

// y = x * scale for n floats.
MD4_MULTIVERSION void scaleRow(const float* __restrict x, float* __restrict y, int64_t n, float scale) {
  for (int64_t j = 0; j < n; j++) y[j] = x[j] * scale;
}

// One row's interleaved pairs rotated by the angles whose cosines and sines are c, sn (times
// `sign`: -1 rotates back), then scaled: (y0, y1) = ((x0 c - x1 s) scale, (x0 s + x1 c) scale).
MD4_MULTIVERSION void rotateRow(const float* __restrict x, const float* __restrict c, const float* __restrict sn,
                                float* __restrict y, int64_t half, float scale, float sign) {
  for (int64_t j = 0; j < half; j++) {
    const float x0 = x[2 * j], x1 = x[2 * j + 1], sj = sn[j] * sign;
    y[2 * j] = (x0 * c[j] - x1 * sj) * scale;
    y[2 * j + 1] = (x0 * sj + x1 * c[j]) * scale;
  }
}

// dst [L, hd] = rope(src rows) * scale, src row l at src + l * stride (inverse: the rotation by
// minus the angle, for gradients). Without tables, a scaled copy.
void rotateRows(const AttentionShape& s, const float* src, int64_t stride, float* dst, float scale, bool inverse,
                int64_t dstStride) {
  const int64_t L = s.seqLen, hd = s.headDim, half = hd / 2;
  for (int64_t l = 0; l < L; l++) {
    if (s.cos == nullptr)
      scaleRow(src + l * stride, dst + l * dstStride, hd, scale);
    else
      rotateRow(src + l * stride, s.cos + l * half, s.sin + l * half, dst + l * dstStride, half, scale,
                inverse ? -1.f : 1.f);
  }
}

// Scores rows (n entries, rows ld apart) -> exp(row - max_j row_j) in place, the softmax's
// numerators: one pass for the maximum, one for exp and its sum. Writes log sum_j exp(row_j) to
// lse and the normaliser 1 / sum_j exp(row_j - max) to inv, which the caller applies to P V's
// rows (hd wide) instead of P's (L wide).
MD4_MULTIVERSION void softmaxNumerators(float* __restrict rows, int64_t count, int64_t n, int64_t ld,
                                        float* __restrict lse, float* __restrict inv) {
  for (int64_t i = 0; i < count; i++) {
    float* row = rows + i * ld;
    const float m = rowExtreme<true>(row, n);
    float acc[16] = {0};
    int64_t j = 0;
    for (; j + 16 <= n; j += 16)
      for (int k = 0; k < 16; k++) acc[k] += row[j + k] = softmaxExp(row[j + k] - m);
    for (int w = 8; w >= 1; w /= 2)
      for (int k = 0; k < w; k++) acc[k] += acc[k + w];
    float sum = acc[0];
    for (; j < n; j++) sum += row[j] = softmaxExp(row[j] - m);
    lse[i] = m + std::log(sum);
    inv[i] = 1.f / sum;
  }
}

// rows[i] *= inv[i] for `count` rows of n floats, ld apart.
MD4_MULTIVERSION void scaleRows(float* __restrict rows, int64_t count, int64_t n, int64_t ld,
                                const float* __restrict inv) {
  for (int64_t i = 0; i < count; i++)
    for (int64_t j = 0; j < n; j++) rows[i * ld + j] *= inv[i];
}

// Causal: in the scores (or probabilities) of query rows i0..i0+n-1 over keys 0..i0+n-1, sets the
// entries of row i beyond key i0 + i to `value` (-inf before the softmax, then exactly 0).
// Bidirectional: nothing to hide.
void hideFuture(const AttentionShape& s, float* p, int64_t n, int64_t i0, int64_t ld, float value) {
  if (!s.causal) return;
  for (int64_t i = 0; i < n; i++) {
    float* row = p + i * ld;
    for (int64_t j = i0 + i + 1; j < i0 + n; j++) row[j] = value;
  }
}

// The keys query rows i0..i0+n-1 may see: all L, or 0..i0+n-1 when causal.
int64_t visibleKeys(const AttentionShape& s, int64_t i0, int64_t n) { return s.causal ? i0 + n : s.seqLen; }

// Scores rows (n entries, rows ld apart) -> probabilities exp(row - lse) in place.
MD4_MULTIVERSION void expShifted(float* __restrict rows, int64_t count, int64_t n, int64_t ld,
                                 const float* __restrict lse) {
  for (int64_t i = 0; i < count; i++) {
    float* row = rows + i * ld;
    const float shift = lse[i];
    for (int64_t j = 0; j < n; j++) row[j] = softmaxExp(row[j] - shift);
  }
}

// dS = P (dP - D_i) in place in dP (n entries a row, rows ld apart), D_i = sum_c dO_ic O_ic; dO and
// O rows at a stride.
MD4_MULTIVERSION void softmaxGrad(const float* __restrict p, float* __restrict dp, int64_t count, int64_t n,
                                  int64_t ld, const float* dy, const float* out, int64_t stride, int64_t hd) {
  for (int64_t i = 0; i < count; i++) {
    const float d = rowDot(dy + i * stride, out + i * stride, hd);
    const float* pr = p + i * ld;
    float* dr = dp + i * ld;
    for (int64_t j = 0; j < n; j++) dr[j] = pr[j] * (dr[j] - d);
  }
}

// The right operand B [k, n] of a head's float32 product: 32-column panels for the AVX-512 kernel
// (avx512-float32-gemm.h; packed for panelRows rows) or, for that kernel to pack per call or for
// the BLAS, row-major with ld floats between rows.
struct RightOperand {
  const float* values;
  int64_t ld = 0, panelRows = 0;
  bool panels = false;
};

// B read where it is: a block that one product uses.
RightOperand inPlace(const float* b, int64_t ld) { return {b, ld}; }

// B [k, n] (row q at b + q * ld) that several products share: packed once into buffer
// (panelFloats(k, n) floats) where the CPU has AVX-512, else read in place.
RightOperand shared(const float* b, int64_t ld, int64_t k, int64_t n, float* buffer) {
  if (!hasAvx512()) return {b, ld};
  packPanels(b, ld, k, n, buffer);
  return {buffer, 0, k, true};
}

// B = src^T [cols, rows] of src [rows, cols] (row r at src + r * ld) into buffer
// (panelFloats(cols, rows) floats): panels where the CPU has AVX-512, else row-major for the BLAS.
RightOperand transposed(const float* src, int64_t ld, int64_t rows, int64_t cols, float* buffer) {
  if (hasAvx512()) {
    packPanelsTransposed(src, ld, rows, cols, buffer);
    return {buffer, 0, cols, true};
  }
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    const int64_t r1 = std::min(rows, r0 + 16);
    for (int64_t c = 0; c < cols; c++)
      for (int64_t r = r0; r < r1; r++) buffer[c * rows + r] = src[r * ld + c];
  }
  return {buffer, rows};
}

// c [m, n] = op(A) B + beta c for one head's float32 work on this thread: A [m, k] (op(A) = A^T
// when transA: A stored [k, m]) with lda between stored rows. The AVX-512 kernel where the CPU has
// it (no BLAS call per block), else the single-threaded BLAS.
void headProduct(bool transA, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const RightOperand& b,
                 float beta, float* c, int64_t ldc) {
  if (hasAvx512()) {
    const StridedLeft left = transA ? StridedLeft{a, 1, lda} : StridedLeft{a, lda, 1};
    if (b.panels)
      gemmFloat32Panels(left, b.values, b.panelRows, m, n, k, beta, c, ldc);
    else
      gemmFloat32(left, b.values, b.ld, m, n, k, beta, c, ldc);
    return;
  }
  blas().sgemm(kRowMajor, transA ? kTrans : kNoTrans, kNoTrans, static_cast<int>(m), static_cast<int>(n),
               static_cast<int>(k), 1.f, a, static_cast<int>(lda), b.values, static_cast<int>(b.ld), beta, c,
               static_cast<int>(ldc));
}

// q [L, hd] (rotated, scaled) and k [L, hd] (rotated) of head h of sequence b from qkv; returns
// the first row of its v, read in place (rows 3d apart).
const float* loadHead(const AttentionShape& s, const float* qkv, int64_t b, int64_t h, float* q, float* k) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd;
  const float* rows = qkv + b * L * 3 * d;
  rotateRows(s, rows + h * hd, 3 * d, q, s.scale, false, hd);
  rotateRows(s, rows + d + h * hd, 3 * d, k, 1.f, false, hd);
  return rows + 2 * d + h * hd;
}

// Runs body(b, h) for every (sequence, head) pair on the pool, the BLAS single-threaded meanwhile.
template <typename Body>
void forEachHead(const AttentionShape& s, const Body& body) {
  const GemmSettings& settings = gemmSettings();
  if (!settings.poolSplit) setBlasThreads(1);
  parallelFor(s.batch * s.heads, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; task++) body(task / s.heads, task % s.heads);
  });
  if (!settings.poolSplit) setBlasThreads(settings.threads);
}

// Head h's columns of dRows (one sequence's rows of dqkv) from its dq, dk (rotated back, q's scale
// applied) and dv [L, hd].
void writeHeadGrad(const AttentionShape& s, const float* dq, const float* dk, const float* dv, float* dRows,
                   int64_t h) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd;
  rotateRows(s, dq, hd, dRows + h * hd, s.scale, true, 3 * d);
  rotateRows(s, dk, hd, dRows + d + h * hd, 1.f, true, 3 * d);
  for (int64_t l = 0; l < L; l++) std::memcpy(dRows + 2 * d + h * hd + l * 3 * d, dv + l * hd, hd * sizeof(float));
}

// The float32 work of one head on this thread: q and k [L, hd]; the shared right operands k^T
// (q k^T), v (P v) or, for the gradient, v^T (dO v^T) and k (dS k), each panelFloats(L, hd) floats;
// a block of scores p [rows, L] and its rows' softmax normalisers inv [rows]; for the gradient also
// dq, dk, dv [L, hd] (dk and dv adjacent) and a block dp [rows, L].
struct HeadWork {
  float *q = nullptr, *k = nullptr, *kT = nullptr, *v = nullptr, *vT = nullptr, *kRight = nullptr, *dq = nullptr,
        *dk = nullptr, *dv = nullptr, *p = nullptr, *dp = nullptr, *inv = nullptr;
};

HeadWork headWork(int64_t L, int64_t hd, int64_t rows, bool gradient) {
  thread_local std::vector<float> work;
  const int64_t operand = std::max(panelFloats(L, hd), panelFloats(hd, L));
  work.resize(static_cast<size_t>(2 * L * hd + (gradient ? 3 : 2) * operand + (gradient ? 3 * L * hd : 0) +
                                  (gradient ? 2 : 1) * rows * L + rows));
  float* next = work.data();
  const auto take = [&](int64_t count) { return std::exchange(next, next + count); };
  HeadWork w;
  w.q = take(L * hd);
  w.k = take(L * hd);
  w.kT = take(operand);
  if (gradient) {
    w.vT = take(operand);
    w.kRight = take(operand);
    w.dq = take(L * hd);
    w.dk = take(L * hd);
    w.dv = take(L * hd);
  } else {
    w.v = take(operand);
  }
  w.p = take(rows * L);
  if (gradient) w.dp = take(rows * L);
  w.inv = take(rows);
  return w;
}

void attentionForwardFloat32(const AttentionShape& s, const float* qkv, float* out, float* lse) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd, rowsPerBlock = blockRows(L);
  forEachHead(s, [&](int64_t b, int64_t h) {
    const HeadWork w = headWork(L, hd, rowsPerBlock, false);
    float *q = w.q, *k = w.k, *p = w.p;
    const float* vRows = loadHead(s, qkv, b, h, q, k);
    const RightOperand kT = transposed(k, hd, L, hd, w.kT);
    const RightOperand v = shared(vRows, 3 * d, L, hd, w.v);
    float* lseRow = lse + (b * s.heads + h) * L;
    for (int64_t i0 = 0; i0 < L; i0 += rowsPerBlock) {
      const int64_t n = std::min(rowsPerBlock, L - i0), keys = visibleKeys(s, i0, n);
      float* outRows = out + (b * L + i0) * d + h * hd;
      headProduct(false, n, keys, hd, q + i0 * hd, hd, kT, 0.f, p, L);
      hideFuture(s, p, n, i0, L, -INFINITY);
      softmaxNumerators(p, n, keys, L, lseRow + i0, w.inv);
      hideFuture(s, p, n, i0, L, 0.f);
      headProduct(false, n, hd, keys, p, L, v, 0.f, outRows, d);
      scaleRows(outRows, n, hd, d, w.inv);
    }
  });
}

void attentionBackwardFloat32(const AttentionShape& s, const float* dy, const float* qkv, const float* out,
                              const float* lse, float* dqkv) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd, rowsPerBlock = blockRows(L);
  forEachHead(s, [&](int64_t b, int64_t h) {
    const HeadWork w = headWork(L, hd, rowsPerBlock, true);
    float *q = w.q, *k = w.k, *dq = w.dq, *dk = w.dk, *dv = w.dv, *p = w.p, *dp = w.dp;
    const float* v = loadHead(s, qkv, b, h, q, k);
    const RightOperand kT = transposed(k, hd, L, hd, w.kT);
    const RightOperand vT = transposed(v, 3 * d, L, hd, w.vT);
    const RightOperand kRight = shared(k, hd, L, hd, w.kRight);
    const float* lseRow = lse + (b * s.heads + h) * L;
    const float* dyRows = dy + b * L * d + h * hd;
    const float* outRows = out + b * L * d + h * hd;
    // causal blocks touch only the first i0 + n rows of dk and dv: start from zero, always add
    if (s.causal) std::fill(dk, dk + 2 * L * hd, 0.f);
    for (int64_t i0 = 0; i0 < L; i0 += rowsPerBlock) {
      const int64_t n = std::min(rowsPerBlock, L - i0), keys = visibleKeys(s, i0, n);
      const float beta = i0 == 0 && !s.causal ? 0.f : 1.f;
      const float* dyBlock = dyRows + i0 * d;
      headProduct(false, n, keys, hd, q + i0 * hd, hd, kT, 0.f, p, L);
      hideFuture(s, p, n, i0, L, -INFINITY);
      expShifted(p, n, keys, L, lseRow + i0);
      hideFuture(s, p, n, i0, L, 0.f);
      headProduct(true, keys, hd, n, p, L, inPlace(dyBlock, d), beta, dv, hd);
      headProduct(false, n, keys, hd, dyBlock, d, vT, 0.f, dp, L);
      softmaxGrad(p, dp, n, keys, L, dyBlock, outRows + i0 * d, d, hd);
      headProduct(false, n, hd, keys, dp, L, kRight, 0.f, dq + i0 * hd, hd);
      headProduct(true, keys, hd, n, dp, L, inPlace(q + i0 * hd, hd), beta, dk, hd);
    }
    writeHeadGrad(s, dq, dk, dv, dqkv + b * L * 3 * d, h);
  });
}

// The products of one head in bf16 (avx512-bf16-gemm.h): its operands packed once, q scaled and
// rotated, k rotated, v read in place; the block operands packed per block of query rows.
struct HeadOperands {
  int64_t L, hd, rowsPerBlock, hdWords, keyWords, keyColumns, headColumns;
  uint32_t* q = nullptr;   // [L, hdWords]: left operand rows
  uint32_t* kT = nullptr;  // [hdWords, keyColumns]: k^T, the right operand of q k^T
  HeadOperands(const AttentionShape& s, int64_t rows)
      : L(s.seqLen),
        hd(s.headDim),
        rowsPerBlock(rows),
        hdWords(wordsOf(s.headDim)),
        keyWords(wordsOf(s.seqLen)),
        keyColumns(paddedColumns(s.seqLen)),
        headColumns(paddedColumns(s.headDim)) {}
};

// Scores of query rows i0..i0+n-1 over `keys` keys into p (rows L apart).
void scoresBf16(const HeadOperands& h, int64_t i0, int64_t n, int64_t keys, float* p) {
  gemmBf16({h.q + i0 * h.hdWords, h.hdWords, 1}, h.kT, h.keyColumns, n, keys, h.hd, 0.f, p, h.L);
}

void attentionForwardBf16(const AttentionShape& s, const float* qkv, float* out, float* lse) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd;
  forEachHead(s, [&](int64_t b, int64_t head) {
    thread_local std::vector<uint32_t> words;
    HeadOperands h(s, blockRows(L));
    words.resize(static_cast<size_t>(L * h.hdWords + h.hdWords * h.keyColumns + h.keyWords * h.headColumns +
                                     h.rowsPerBlock * h.keyWords));
    const HeadWork w = headWork(L, hd, h.rowsPerBlock, false);
    float *q = w.q, *k = w.k, *p = w.p;
    const float* v = loadHead(s, qkv, b, head, q, k);
    h.q = words.data();
    h.kT = h.q + L * h.hdWords;
    uint32_t* vPairs = h.kT + h.hdWords * h.keyColumns;  // [keyWords, headColumns]
    uint32_t* pRows = vPairs + h.keyWords * h.headColumns;  // [rowsPerBlock, keyWords]
    packRows(q, hd, L, hd, h.q, h.hdWords);
    packRowsTransposed(k, hd, L, hd, h.kT, h.keyColumns);
    packRowPairs(v, 3 * d, L, hd, vPairs, h.headColumns);
    float* lseRow = lse + (b * s.heads + head) * L;
    for (int64_t i0 = 0; i0 < L; i0 += h.rowsPerBlock) {
      const int64_t n = std::min(h.rowsPerBlock, L - i0), keys = visibleKeys(s, i0, n);
      float* outRows = out + (b * L + i0) * d + head * hd;
      scoresBf16(h, i0, n, keys, p);
      hideFuture(s, p, n, i0, L, -INFINITY);
      softmaxNumerators(p, n, keys, L, lseRow + i0, w.inv);
      hideFuture(s, p, n, i0, L, 0.f);
      packRows(p, L, n, keys, pRows, h.keyWords);
      gemmBf16({pRows, h.keyWords, 1}, vPairs, h.headColumns, n, hd, keys, 0.f, outRows, d);
      scaleRows(outRows, n, hd, d, w.inv);
    }
  });
}

void attentionBackwardBf16(const AttentionShape& s, const float* dy, const float* qkv, const float* out,
                           const float* lse, float* dqkv) {
  const int64_t L = s.seqLen, hd = s.headDim, d = s.heads * hd;
  forEachHead(s, [&](int64_t b, int64_t head) {
    thread_local std::vector<uint32_t> words;
    HeadOperands h(s, blockRows(L));
    const int64_t rows = h.rowsPerBlock, rowWords = wordsOf(rows);
    words.resize(static_cast<size_t>(L * h.hdWords + 2 * h.hdWords * h.keyColumns + h.keyWords * h.headColumns +
                                     2 * rowWords * h.keyColumns + 2 * rowWords * h.headColumns +
                                     rows * h.hdWords + rows * h.keyWords));
    const HeadWork w = headWork(L, hd, rows, true);
    float *q = w.q, *k = w.k, *dq = w.dq, *dk = w.dk, *dv = w.dv, *p = w.p, *dp = w.dp;
    const float* v = loadHead(s, qkv, b, head, q, k);
    h.q = words.data();
    h.kT = h.q + L * h.hdWords;
    uint32_t* vT = h.kT + h.hdWords * h.keyColumns;          // [hdWords, keyColumns]: v^T for dP = dy v^T
    uint32_t* kPairs = vT + h.hdWords * h.keyColumns;         // [keyWords, headColumns]: k for dQ = dS k
    uint32_t* pPairs = kPairs + h.keyWords * h.headColumns;   // [rowWords, keyColumns]: P^T, left
    uint32_t* dsPairs = pPairs + rowWords * h.keyColumns;     // [rowWords, keyColumns]: dS^T, left
    uint32_t* dyPairs = dsPairs + rowWords * h.keyColumns;    // [rowWords, headColumns]: dy block, right
    uint32_t* qPairs = dyPairs + rowWords * h.headColumns;    // [rowWords, headColumns]: q block, right
    uint32_t* dyRows = qPairs + rowWords * h.headColumns;     // [rows, hdWords]: dy block, left
    uint32_t* dsRows = dyRows + rows * h.hdWords;             // [rows, keyWords]: dS, left
    packRows(q, hd, L, hd, h.q, h.hdWords);
    packRowsTransposed(k, hd, L, hd, h.kT, h.keyColumns);
    packRowsTransposed(v, 3 * d, L, hd, vT, h.keyColumns);
    packRowPairs(k, hd, L, hd, kPairs, h.headColumns);
    const float* lseRow = lse + (b * s.heads + head) * L;
    const float* dyHead = dy + b * L * d + head * hd;
    const float* outRows = out + b * L * d + head * hd;
    if (s.causal) std::fill(dk, dk + 2 * L * hd, 0.f);
    for (int64_t i0 = 0; i0 < L; i0 += rows) {
      const int64_t n = std::min(rows, L - i0), keys = visibleKeys(s, i0, n);
      const float beta = i0 == 0 && !s.causal ? 0.f : 1.f;
      const float* dyBlock = dyHead + i0 * d;
      scoresBf16(h, i0, n, keys, p);
      hideFuture(s, p, n, i0, L, -INFINITY);
      expShifted(p, n, keys, L, lseRow + i0);
      hideFuture(s, p, n, i0, L, 0.f);
      packRowPairs(p, L, n, keys, pPairs, h.keyColumns);
      packRowPairs(dyBlock, d, n, hd, dyPairs, h.headColumns);
      gemmBf16({pPairs, 1, h.keyColumns}, dyPairs, h.headColumns, keys, hd, n, beta, dv, hd);
      packRows(dyBlock, d, n, hd, dyRows, h.hdWords);
      gemmBf16({dyRows, h.hdWords, 1}, vT, h.keyColumns, n, keys, hd, 0.f, dp, L);
      softmaxGrad(p, dp, n, keys, L, dyBlock, outRows + i0 * d, d, hd);
      packRows(dp, L, n, keys, dsRows, h.keyWords);
      gemmBf16({dsRows, h.keyWords, 1}, kPairs, h.headColumns, n, hd, keys, 0.f, dq + i0 * hd, hd);
      packRowPairs(dp, L, n, keys, dsPairs, h.keyColumns);
      packRowPairs(q + i0 * hd, hd, n, hd, qPairs, h.headColumns);
      gemmBf16({dsPairs, 1, h.keyColumns}, qPairs, h.headColumns, keys, hd, n, beta, dk, hd);
    }
    writeHeadGrad(s, dq, dk, dv, dqkv + b * L * 3 * d, head);
  });
}

// bf16 products where the call's precision asks for them and the CPU has vdpbf16ps (else float32).
bool attentionInBf16(const AttentionShape& s) { return s.bf16 && hasAvx512Bf16(); }

}  // namespace

void attentionForward(const AttentionShape& s, const float* qkv, float* out, float* lse) {
  if (attentionInBf16(s))
    attentionForwardBf16(s, qkv, out, lse);
  else
    attentionForwardFloat32(s, qkv, out, lse);
}

void attentionBackward(const AttentionShape& s, const float* dy, const float* qkv, const float* out,
                       const float* lse, float* dqkv) {
  if (attentionInBf16(s))
    attentionBackwardBf16(s, dy, qkv, out, lse, dqkv);
  else
    attentionBackwardFloat32(s, dy, qkv, out, lse, dqkv);
}

}  // namespace md4
