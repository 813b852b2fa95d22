#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "exp-approx.h"
#include "row-reductions.h"
#include "simd.h"
#include "thread-pool.h"

namespace md4 {

using namespace ew;

namespace {

constexpr int64_t kGrain = 16384;  // elements per task below which threads do not pay

MD4_MULTIVERSION void unaryRange(int op, const float* __restrict x, float* __restrict out, int64_t n) {
  switch (op) {
    case kNeg: for (int64_t i = 0; i < n; i++) out[i] = -x[i]; break;
    case kAbs: for (int64_t i = 0; i < n; i++) out[i] = std::fabs(x[i]); break;
    case kExp: for (int64_t i = 0; i < n; i++) out[i] = expApprox(x[i]); break;
    case kLog: for (int64_t i = 0; i < n; i++) out[i] = std::log(x[i]); break;
    case kSqrt: for (int64_t i = 0; i < n; i++) out[i] = std::sqrt(x[i]); break;
    case kRsqrt: for (int64_t i = 0; i < n; i++) out[i] = 1.f / std::sqrt(x[i]); break;
    case kSquare: for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case kSigmoid: for (int64_t i = 0; i < n; i++) out[i] = sigmoidApprox(x[i]); break;
    case kRelu: for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.f ? x[i] : (x[i] != x[i] ? x[i] : 0.f); break;
    case kReciprocal: for (int64_t i = 0; i < n; i++) out[i] = 1.f / x[i]; break;
    default: break;
  }
}

template <int Op>
inline float apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  if constexpr (Op == kMaximum) return (a != a || b != b) ? a + b : (a > b ? a : b);
  if constexpr (Op == kMinimum) return (a != a || b != b) ? a + b : (a < b ? a : b);
  if constexpr (Op == kSquaredDifference) return (a - b) * (a - b);
  return 0.f;
}

// One contiguous output run of length n; a and b advance by sa, sb in {0, 1}.
template <int Op>
MD4_MULTIVERSION void binaryRun(const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb,
                                float* __restrict out, int64_t n) {
  if (sa == 1 && sb == 1)
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], b[i]);
  else if (sa == 1 && sb == 0) {
    const float v = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], v);
  } else if (sa == 0 && sb == 1) {
    const float v = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(v, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i * sa], b[i * sb]);
  }
}

using RunFn = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t);

RunFn runFor(int op) {
  switch (op) {
    case kAdd: return binaryRun<kAdd>;
    case kSub: return binaryRun<kSub>;
    case kMul: return binaryRun<kMul>;
    case kDiv: return binaryRun<kDiv>;
    case kMaximum: return binaryRun<kMaximum>;
    case kMinimum: return binaryRun<kMinimum>;
    default: return binaryRun<kSquaredDifference>;
  }
}

MD4_MULTIVERSION void softmaxRow(const float* __restrict x, float* __restrict out, int64_t n) {
  // A NaN in the row makes every output NaN through the sum, as in tfjs; max may skip it.
  float m = rowExtreme<true>(x, n);
  if (m == -std::numeric_limits<float>::infinity()) m = 0.f;  // all -inf: 0/0 = NaN, as tfjs
  for (int64_t i = 0; i < n; i++) out[i] = expApprox(x[i] - m);
  const float inv = 1.f / rowSum(out, n);
  for (int64_t i = 0; i < n; i++) out[i] *= inv;
}

MD4_MULTIVERSION void reduceRows(int op, const float* __restrict x, float* __restrict out, int64_t rows, int64_t r) {
  // out[o] = reduce over a contiguous row of r elements.
  for (int64_t o = 0; o < rows; o++) {
    const float* row = x + o * r;
    if (op == kSum || op == kMean) {
      const float s = rowSum(row, r);
      out[o] = op == kMean ? s / static_cast<float>(r) : s;
    } else {
      const float m = op == kMax ? rowExtreme<true>(row, r) : rowExtreme<false>(row, r);
      out[o] = rowHasNaN(row, r) ? std::numeric_limits<float>::quiet_NaN() : m;
    }
  }
}

MD4_MULTIVERSION void reduceColumns(int op, const float* __restrict x, float* __restrict out, int64_t r, int64_t inner,
                                    int64_t i0, int64_t i1) {
  // out[i] = reduce_k x[k, i] for i in [i0, i1): rows accumulated into the output slice.
  float* o = out + i0;
  const int64_t w = i1 - i0;
  std::memcpy(o, x + i0, w * sizeof(float));
  for (int64_t k = 1; k < r; k++) {
    const float* row = x + k * inner + i0;
    if (op == kSum || op == kMean)
      for (int64_t i = 0; i < w; i++) o[i] += row[i];
    else if (op == kMax)
      for (int64_t i = 0; i < w; i++) o[i] = (row[i] > o[i] || row[i] != row[i]) ? row[i] : o[i];
    else
      for (int64_t i = 0; i < w; i++) o[i] = (row[i] < o[i] || row[i] != row[i]) ? row[i] : o[i];
  }
  if (op == kMean) {
    const float inv = 1.f / static_cast<float>(r);
    for (int64_t i = 0; i < w; i++) o[i] *= inv;
  }
}

// Drops size-1 dimensions and merges neighbours contiguous in a, b and out alike.
void simplify(std::vector<int64_t>& shape, std::vector<int64_t>& sa, std::vector<int64_t>& sb) {
  std::vector<int64_t> s, ta, tb;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 1) continue;
    if (!s.empty() && ta.back() == sa[d] * shape[d] && tb.back() == sb[d] * shape[d]) {
      s.back() *= shape[d];
      ta.back() = sa[d];
      tb.back() = sb[d];
    } else {
      s.push_back(shape[d]);
      ta.push_back(sa[d]);
      tb.push_back(sb[d]);
    }
  }
  shape.swap(s);
  sa.swap(ta);
  sb.swap(tb);
}

}  // namespace

void unary(int op, const float* x, float* out, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t lo, int64_t hi) { unaryRange(op, x + lo, out + lo, hi - lo); });
}

MD4_MULTIVERSION void selectRange(const uint8_t* __restrict condition, const float* __restrict t,
                                  const float* __restrict e, float* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; i++) out[i] = condition[i] != 0 ? t[i] : e[i];
}

void select(const uint8_t* condition, const float* t, const float* e, float* out, int64_t n) {
  parallelFor(n, kGrain, [&](int64_t lo, int64_t hi) { selectRange(condition + lo, t + lo, e + lo, out + lo, hi - lo); });
}

template <typename From, typename To>
MD4_MULTIVERSION void convertRange(const From* __restrict src, To* __restrict dst, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] = static_cast<To>(src[i]);
}

template <typename From>
MD4_MULTIVERSION void nonZeroRange(const From* __restrict src, uint8_t* __restrict dst, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] = src[i] != From(0) ? 1 : 0;
}

bool castValues(int from, int to, const void* src, void* dst, int64_t n) {
  using namespace cast;
  const auto run = [&](auto range) { parallelFor(n, kGrain, [&](int64_t lo, int64_t hi) { range(lo, hi - lo); }); };
  const auto* f = static_cast<const float*>(src);
  const auto* i32 = static_cast<const int32_t*>(src);
  const auto* u8 = static_cast<const uint8_t*>(src);
  if (from == kBool && to == kFloat32)
    run([&](int64_t lo, int64_t len) { convertRange(u8 + lo, static_cast<float*>(dst) + lo, len); });
  else if (from == kInt32 && to == kFloat32)
    run([&](int64_t lo, int64_t len) { convertRange(i32 + lo, static_cast<float*>(dst) + lo, len); });
  else if (from == kBool && to == kInt32)
    run([&](int64_t lo, int64_t len) { convertRange(u8 + lo, static_cast<int32_t*>(dst) + lo, len); });
  else if (from == kInt32 && to == kBool)
    run([&](int64_t lo, int64_t len) { nonZeroRange(i32 + lo, static_cast<uint8_t*>(dst) + lo, len); });
  else if (from == kFloat32 && to == kBool)
    run([&](int64_t lo, int64_t len) { nonZeroRange(f + lo, static_cast<uint8_t*>(dst) + lo, len); });
  else
    return false;
  return true;
}

void binary(int op, const float* a, const float* b, float* out, std::vector<int64_t> shape,
            std::vector<int64_t> aStrides, std::vector<int64_t> bStrides) {
  for (int64_t s : shape)
    if (s == 0) return;
  simplify(shape, aStrides, bStrides);
  const RunFn run = runFor(op);
  if (shape.empty()) {
    run(a, 0, b, 0, out, 1);
    return;
  }
  const int rank = static_cast<int>(shape.size());
  const int64_t inner = shape[rank - 1];
  const int64_t ia = aStrides[rank - 1], ib = bStrides[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  // Work items: rows, each cut in pieces of kGrain so that one long row still splits.
  const int64_t piece = std::min<int64_t>(inner, kGrain);
  const int64_t pieces = (inner + piece - 1) / piece;
  const int64_t grain = std::max<int64_t>(1, kGrain / piece);
  parallelFor(rows * pieces, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t it = lo; it < hi; it++) {
      const int64_t row = it / pieces;
      const int64_t c0 = (it % pieces) * piece;
      const int64_t c1 = std::min(inner, c0 + piece);
      int64_t oa = 0, ob = 0, rest = row;
      for (int d = rank - 2; d >= 0; d--) {
        const int64_t c = rest % shape[d];
        rest /= shape[d];
        oa += c * aStrides[d];
        ob += c * bStrides[d];
      }
      run(a + oa + c0 * ia, ia, b + ob + c0 * ib, ib, out + row * inner + c0, c1 - c0);
    }
  });
}

void softmaxRows(const float* x, float* out, int64_t rows, int64_t n) {
  parallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) softmaxRow(x + r * n, out + r * n, n);
  });
}

void reduce(int op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner) {
  if (r == 0) return;
  if (inner == 1) {
    parallelFor(outer, std::max<int64_t>(1, kGrain / r), [&](int64_t lo, int64_t hi) {
      reduceRows(op, x + lo * r, out + lo, hi - lo, r);
    });
    return;
  }
  // Column reductions: split over (outer, column blocks of 256).
  const int64_t block = 256;
  const int64_t blocks = (inner + block - 1) / block;
  parallelFor(outer * blocks, std::max<int64_t>(1, kGrain / (r * std::min(block, inner))), [&](int64_t lo, int64_t hi) {
    for (int64_t it = lo; it < hi; it++) {
      const int64_t o = it / blocks;
      const int64_t i0 = (it % blocks) * block;
      reduceColumns(op, x + o * r * inner, out + o * inner, r, inner, i0, std::min(inner, i0 + block));
    }
  });
}

}  // namespace md4
