#include "blas-loader.h"

#include <dlfcn.h>

#include <cstdlib>

#include "shared-library.h"

namespace md4 {

Blas& blas() {
  static Blas b;
  return b;
}

// OpenBLAS 0.3.21 (Debian 12) does not know every core it meets: AMD's AVX-512 cores (Zen 4/5) get
// its AVX2 "Haswell" kernels, and an Intel Sapphire Rapids that a VM reports as a generic "Intel(R)
// Xeon(R) Processor" gets "Prescott" (SSE3: 4x slower, 45 against 187 GFLOP/s measured). Where
// OPENBLAS_CORETYPE is unset we name the kernels the CPU's instructions allow: "SkylakeX" for the
// AVX-512 set those kernels use, "Haswell" for AVX2 + FMA.
static const char* preferredCoreType() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return nullptr;
}

template <typename T>
static T symbol(void* handle, const char* name) {
  return reinterpret_cast<T>(dlsym(handle, name));
}

std::string loadBlas(const std::vector<std::string>& paths, bool tuneCoreType) {
  Blas& b = blas();
  if (b.handle != nullptr) return "";
  const char* coreType = preferredCoreType();
  if (tuneCoreType && coreType != nullptr && getenv("OPENBLAS_CORETYPE") == nullptr)
    setenv("OPENBLAS_CORETYPE", coreType, 0);
  return openFirstLibrary(
      paths,
      [&](void* h, const std::string& path) -> std::string {
        auto sgemm = symbol<SgemmFn>(h, "cblas_sgemm");
        if (sgemm == nullptr) return path + ": no cblas_sgemm";
        b.handle = h;
        b.path = path;
        b.sgemm = sgemm;
        b.setThreads = symbol<void (*)(int)>(h, "openblas_set_num_threads");
        b.getThreads = symbol<int (*)()>(h, "openblas_get_num_threads");
        b.getParallel = symbol<int (*)()>(h, "openblas_get_parallel");
        b.getCorename = symbol<char* (*)()>(h, "openblas_get_corename");
        b.getConfig = symbol<char* (*)()>(h, "openblas_get_config");
        return "";
      },
      "no BLAS library paths given");
}

void setBlasThreads(int n) {
  if (blas().setThreads != nullptr) blas().setThreads(n);
}

}  // namespace md4
