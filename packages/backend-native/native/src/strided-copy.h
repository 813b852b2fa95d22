// Copies a box of elements with arbitrary source strides into a contiguous destination: the one
// primitive behind the native Transpose, Slice, Unpack and SplitV kernels.
#pragma once

#include <cstdint>
#include <vector>

namespace md4 {

// dst[i0, ..., ir] (row-major over `shape`) = src[sum_d i_d * srcStrides[d]], elements of
// `elemBytes` bytes (1, 2, 4 or 8). Strides count elements and may be zero or negative.
// Multi-threaded above ~256 KiB.
void stridedCopy(const uint8_t* src, uint8_t* dst, int elemBytes, std::vector<int64_t> shape,
                 std::vector<int64_t> srcStrides);

// Concatenation along an axis, seen as [outer, inner_i] blocks: for every row o < outer, the
// inner_i elements of source i land side by side in the destination row (width sum inner_i).
void concatRows(const std::vector<const uint8_t*>& srcs, const std::vector<int64_t>& inners, uint8_t* dst,
                int64_t outer, int elemBytes);

}  // namespace md4
