#include "strided-copy.h"

#include <algorithm>
#include <cstring>

#include "thread-pool.h"

namespace md4 {

namespace {

constexpr int64_t kTile = 32;
constexpr int64_t kParallelBytes = 256 * 1024;

// Removes size-1 dimensions and merges neighbours that are contiguous in the source.
void simplify(std::vector<int64_t>& shape, std::vector<int64_t>& strides) {
  std::vector<int64_t> s, t;
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 1) continue;
    if (!s.empty() && t.back() == strides[d] * shape[d]) {
      s.back() *= shape[d];
      t.back() = strides[d];
    } else {
      s.push_back(shape[d]);
      t.push_back(strides[d]);
    }
  }
  shape.swap(s);
  strides.swap(t);
}

template <typename T>
void copyRows(const uint8_t* src, uint8_t* dst, const std::vector<int64_t>& shape,
              const std::vector<int64_t>& strides) {
  // Inner dimension contiguous in the source: one memcpy per row, rows split over threads.
  const int rank = static_cast<int>(shape.size());
  const int64_t row = shape[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  const int64_t rowBytes = row * static_cast<int64_t>(sizeof(T));
  // Long rows are cut in chunks so that even one row keeps every thread busy.
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(row, (1 << 16) / sizeof(T)));
  const int64_t chunksPerRow = (row + chunk - 1) / chunk;
  const int64_t items = rows * chunksPerRow;
  const int64_t grain = rows * rowBytes >= kParallelBytes ? 1 : items;
  parallelFor(items, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t it = lo; it < hi; it++) {
      const int64_t r = it / chunksPerRow;
      const int64_t c0 = (it % chunksPerRow) * chunk;
      const int64_t c1 = std::min(row, c0 + chunk);
      int64_t off = 0;
      int64_t rest = r;
      for (int d = rank - 2; d >= 0; d--) {
        off += (rest % shape[d]) * strides[d];
        rest /= shape[d];
      }
      std::memcpy(dst + (r * row + c0) * sizeof(T), src + (off + c0) * static_cast<int64_t>(sizeof(T)),
                  (c1 - c0) * sizeof(T));
    }
  });
}

template <typename T>
void copyTiled(const uint8_t* srcBytes, uint8_t* dstBytes, const std::vector<int64_t>& shape,
               const std::vector<int64_t>& strides, int p) {
  // Dimension p has source stride 1 and the last dimension does not: a transpose of (p, last),
  // done in kTile x kTile tiles so both reads and writes stay in cache; tiles split over threads.
  const T* src = reinterpret_cast<const T*>(srcBytes);
  T* dst = reinterpret_cast<T*>(dstBytes);
  const int rank = static_cast<int>(shape.size());
  const int last = rank - 1;
  std::vector<int64_t> dstStrides(rank);
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; d--) {
    dstStrides[d] = total;
    total *= shape[d];
  }
  std::vector<int> outer;
  for (int d = 0; d < rank; d++)
    if (d != p && d != last) outer.push_back(d);
  int64_t outerCount = 1;
  for (int d : outer) outerCount *= shape[d];
  const int64_t tilesP = (shape[p] + kTile - 1) / kTile;
  const int64_t tilesL = (shape[last] + kTile - 1) / kTile;
  const int64_t items = outerCount * tilesP * tilesL;
  const int64_t grain = total * static_cast<int64_t>(sizeof(T)) >= kParallelBytes ? 1 : items;
  const int64_t sL = strides[last];
  const int64_t dP = dstStrides[p];
  parallelFor(items, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t it = lo; it < hi; it++) {
      const int64_t tl = it % tilesL;
      const int64_t tp = (it / tilesL) % tilesP;
      int64_t rest = it / (tilesL * tilesP);
      int64_t so = 0, dO = 0;
      for (int i = static_cast<int>(outer.size()) - 1; i >= 0; i--) {
        const int d = outer[i];
        const int64_t c = rest % shape[d];
        rest /= shape[d];
        so += c * strides[d];
        dO += c * dstStrides[d];
      }
      const int64_t p0 = tp * kTile, p1 = std::min(shape[p], p0 + kTile);
      const int64_t l0 = tl * kTile, l1 = std::min(shape[last], l0 + kTile);
      for (int64_t i = p0; i < p1; i++) {
        const T* s = src + so + i;
        T* o = dst + dO + i * dP;
        for (int64_t j = l0; j < l1; j++) o[j] = s[j * sL];
      }
    }
  });
}

template <typename T>
void copyGeneric(const uint8_t* srcBytes, uint8_t* dstBytes, const std::vector<int64_t>& shape,
                 const std::vector<int64_t>& strides) {
  // No unit source stride (e.g. a slice with a step): element by element along the last axis.
  const T* src = reinterpret_cast<const T*>(srcBytes);
  T* dst = reinterpret_cast<T*>(dstBytes);
  const int rank = static_cast<int>(shape.size());
  const int64_t row = shape[rank - 1];
  const int64_t step = strides[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  const int64_t grain = rows * row * static_cast<int64_t>(sizeof(T)) >= kParallelBytes ? 1 : rows;
  parallelFor(rows, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; r++) {
      int64_t off = 0;
      int64_t rest = r;
      for (int d = rank - 2; d >= 0; d--) {
        off += (rest % shape[d]) * strides[d];
        rest /= shape[d];
      }
      T* o = dst + r * row;
      const T* s = src + off;
      for (int64_t j = 0; j < row; j++) o[j] = s[j * step];
    }
  });
}

template <typename T>
void copyAs(const uint8_t* src, uint8_t* dst, std::vector<int64_t>& shape, std::vector<int64_t>& strides) {
  if (shape.empty()) {
    std::memcpy(dst, src, sizeof(T));
    return;
  }
  const int rank = static_cast<int>(shape.size());
  if (strides[rank - 1] == 1) return copyRows<T>(src, dst, shape, strides);
  int p = -1;
  for (int d = 0; d < rank - 1; d++)
    if (strides[d] == 1) p = d;
  if (p >= 0) return copyTiled<T>(src, dst, shape, strides, p);
  copyGeneric<T>(src, dst, shape, strides);
}

}  // namespace

void stridedCopy(const uint8_t* src, uint8_t* dst, int elemBytes, std::vector<int64_t> shape,
                 std::vector<int64_t> srcStrides) {
  for (int64_t s : shape)
    if (s == 0) return;
  simplify(shape, srcStrides);
  switch (elemBytes) {
    case 1: return copyAs<uint8_t>(src, dst, shape, srcStrides);
    case 2: return copyAs<uint16_t>(src, dst, shape, srcStrides);
    case 4: return copyAs<uint32_t>(src, dst, shape, srcStrides);
    default: return copyAs<uint64_t>(src, dst, shape, srcStrides);
  }
}

void concatRows(const std::vector<const uint8_t*>& srcs, const std::vector<int64_t>& inners, uint8_t* dst,
                int64_t outer, int elemBytes) {
  int64_t width = 0;
  for (int64_t w : inners) width += w;
  const int64_t rowBytes = width * elemBytes;
  const int64_t grain = outer * rowBytes >= kParallelBytes ? std::max<int64_t>(1, 16384 / std::max<int64_t>(rowBytes, 1)) : outer;
  parallelFor(outer, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; o++) {
      uint8_t* row = dst + o * rowBytes;
      for (size_t i = 0; i < srcs.size(); i++) {
        const int64_t bytes = inners[i] * elemBytes;
        std::memcpy(row, srcs[i] + o * bytes, bytes);
        row += bytes;
      }
    }
  });
}

}  // namespace md4
