// A CBLAS shared library (OpenBLAS, or any library exporting cblas_sgemm), opened at run time
// with dlopen, so the addon builds without BLAS headers and runs with whichever BLAS is present.
#pragma once

#include <string>
#include <vector>

namespace md4 {

constexpr int kRowMajor = 101;
constexpr int kNoTrans = 111;
constexpr int kTrans = 112;

using SgemmFn = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha, const float* a,
                         int lda, const float* b, int ldb, float beta, float* c, int ldc);

struct Blas {
  void* handle = nullptr;
  std::string path;
  SgemmFn sgemm = nullptr;
  void (*setThreads)(int) = nullptr;
  int (*getThreads)() = nullptr;
  int (*getParallel)() = nullptr;  // 0 sequential, 1 pthreads, 2 OpenMP
  char* (*getCorename)() = nullptr;
  char* (*getConfig)() = nullptr;
};

// The loaded BLAS (handle null until loadBlas succeeds).
Blas& blas();

// Opens the first of `paths` that loads and exports cblas_sgemm. With `tuneCoreType`, first sets
// OPENBLAS_CORETYPE (unless the user set it) where OpenBLAS 0.3.21 picks slow kernels. Returns an
// empty string on success, else the reasons joined by "; ".
std::string loadBlas(const std::vector<std::string>& paths, bool tuneCoreType);

// openblas_set_num_threads when the library has it.
void setBlasThreads(int n);

}  // namespace md4
