// Batched float32 matrix products through the BLAS, with an optional bias row and activation.
#pragma once

#include <cstdint>

namespace md4 {

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kSigmoid = 3, kLeakyRelu = 4, kElu = 5 };

// Row-major C[i] = act(op(A[i]) op(B[i]) + bias) for i < batch; op = transpose when flagged.
struct Gemm {
  bool transA = false, transB = false;
  int batch = 1, m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t strideA = 0;  // elements between consecutive A matrices (0 broadcasts one)
  const float* b = nullptr;
  int64_t strideB = 0;
  float* c = nullptr;  // contiguous, stride m * n
  const float* bias = nullptr;  // length n, or null
  int act = kLinear;
  float actAlpha = 0.f;
  // Keys naming a's and b's values for bf16-copies.h (0: none), so that a bf16 product reuses the
  // bf16 copy an earlier product made of the same operand.
  int64_t keyA = 0, keyB = 0;
  int precision = -1;  // -1: as gemmSettings().bf16 says; 0: float32; 1: bf16 (see dnnl-gemm.h)
};

struct GemmSettings {
  int threads = 1;
  // A batch whose products are each under this many flops runs one product per pool thread,
  // with the BLAS single-threaded meanwhile; bigger products are split (poolSplit) or use the
  // BLAS's own threads.
  double minBatchSplitFlops = 0;
  // true: the BLAS always runs single-threaded and one product is cut into panels of rows (or
  // of columns) that the pool's threads take dynamically; false: the BLAS's own threads.
  bool poolSplit = true;
  // true: products go to oneDNN with bfloat16 inputs (see dnnl-gemm.h) once it is loaded.
  bool bf16 = false;
  // true: float32 products of at least float32DnnlMinFlops (a batch counts together) go to
  // oneDNN's float32 matrix product once it is loaded (its brgemm kernels run closer to the CPU's
  // peak than OpenBLAS 0.3.21's on AVX-512 cores); the rest, and everything when false, the BLAS.
  bool float32Dnnl = false;
  double float32DnnlMinFlops = 1 << 26;
};

GemmSettings& gemmSettings();

// Whether a precision code (Gemm::precision's: -1 as gemmSettings().bf16 says, 0 float32, 1 bf16)
// means bf16 products.
bool bf16Precision(int precision);

// g in its precision (by default gemmSettings()'s): runGemmBf16 for bf16, else runGemmFloat32.
void runGemm(const Gemm& g);

// g in float32 through the BLAS.
void runGemmFloat32(const Gemm& g);

// row[j] = act(row[j]) for j < n.
void applyActivation(float* row, int n, int act, float alpha);

}  // namespace md4
