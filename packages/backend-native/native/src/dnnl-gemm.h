// bf16 matrix products through oneDNN (libdnnl.so.2, opened at run time with dlopen): float32
// operands in and out, rounded to bfloat16 on the way in, accumulated in float32. oneDNN picks the
// kernel for the CPU at run time: AMX on Sapphire Rapids, AVX512-BF16 on Zen 4/5 and Cooper Lake,
// emulation elsewhere. Built only where oneDNN's headers were found (MD4_HAVE_DNNL); elsewhere
// loadDnnl() reports that and the float32 path stays.
#pragma once

#include <string>
#include <vector>

#include "gemm.h"

namespace md4 {

struct DnnlInfo {
  bool loaded = false;
  std::string path;
  std::string version;  // "2.6.3"
  std::string isa;      // the kernel of the last product, e.g. "brg:avx512_core_amx_bf16"
  bool bf16 = false;    // oneDNN has a bf16 matrix product for this CPU (2.6.3: none for AVX2 CPUs)
  std::string float32Kernel;  // its float32 product's kernel, e.g. "brg:avx512_core" ("" if none)
  double bf16Products = 0, float32Products = 0;  // product calls it has computed, per input type
};

DnnlInfo& dnnlInfo();

// Opens the first of `paths` that loads and exports what is needed, and asks it for a bf16 product
// (DnnlInfo::bf16 says whether this CPU has one). Returns "" on success, else the reasons joined
// by "; ".
std::string loadDnnl(const std::vector<std::string>& paths);

// Float32 -> bfloat16, rounding to nearest even (NaN stays NaN).
void toBfloat16(const float* in, uint16_t* out, int64_t n);

// g computed with bf16 inputs (see above); requires loadDnnl() to have succeeded.
void runGemmBf16(const Gemm& g);

// g in float32 through oneDNN's matrix product, operands in place; false (nothing done) where
// oneDNN is not loaded or does not take this product (see gemm.h's GemmSettings::float32Dnnl).
bool runGemmFloat32Dnnl(const Gemm& g);

}  // namespace md4
