// Float32 elementwise kernels (unary, binary with broadcasting), softmax over rows and
// reductions, multi-threaded and vectorised.
#pragma once

#include <cstdint>
#include <vector>

namespace md4 {

// Op codes, as the JavaScript side passes them (src/elementwise-kernels.ts keeps the same lists).
namespace ew {
enum UnaryOp { kNeg = 0, kAbs, kExp, kLog, kSqrt, kRsqrt, kSquare, kSigmoid, kRelu, kReciprocal };
enum BinaryOp { kAdd = 0, kSub, kMul, kDiv, kMaximum, kMinimum, kSquaredDifference };
enum ReduceOp { kSum = 0, kMax, kMin, kMean };
}  // namespace ew

// out[i] = op(x[i]), i < n.
void unary(int op, const float* x, float* out, int64_t n);

// out (contiguous over shape) = op(a, b) with a, b read through strides (0 broadcasts).
void binary(int op, const float* a, const float* b, float* out, std::vector<int64_t> shape,
            std::vector<int64_t> aStrides, std::vector<int64_t> bStrides);

// out[i] = condition[i] ? t[i] : e[i], i < n (condition bytes: 0 false, anything else true), with
// no branch per element (a random condition costs the JavaScript loop a mispredicted branch each).
void select(const uint8_t* condition, const float* t, const float* e, float* out, int64_t n);

// Element types of castValues, as the JavaScript side passes them.
namespace cast {
enum Type { kFloat32 = 0, kInt32, kBool };
}

// dst[i] = src[i] converted, i < n, for bool or int32 to float32 (int32 rounded to nearest),
// bool to int32, and int32 or float32 to bool (1 where the value is not 0: NaN gives 1). Returns
// false, doing nothing, for any other pair.
bool castValues(int from, int to, const void* src, void* dst, int64_t n);

// Row-wise softmax of a [rows, n] matrix.
void softmaxRows(const float* x, float* out, int64_t rows, int64_t n);

// out[o, i] = reduce_r x[o, r, i] over a [outer, r, inner] array.
void reduce(int op, const float* x, float* out, int64_t outer, int64_t r, int64_t inner);

}  // namespace md4
