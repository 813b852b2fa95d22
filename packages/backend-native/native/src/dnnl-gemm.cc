#include "dnnl-gemm.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <tuple>

#include "bf16-copies.h"
#include "shared-library.h"
#include "simd.h"
#include "thread-pool.h"

#ifdef MD4_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

namespace md4 {

DnnlInfo& dnnlInfo() {
  static DnnlInfo info;
  return info;
}

namespace {

// Vectorised per CPU (AVX-512, AVX2, x86-64): the rounding is integer arithmetic on the bits.
MD4_MULTIVERSION void toBfloat16Range(const float* __restrict in, uint16_t* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t u;
    std::memcpy(&u, in + i, 4);
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    out[i] = nan ? static_cast<uint16_t>((u >> 16) | 0x40) : static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
}

}  // namespace

void toBfloat16(const float* in, uint16_t* out, int64_t n) {
  parallelFor(n, 1 << 16, [&](int64_t lo, int64_t hi) { toBfloat16Range(in + lo, out + lo, hi - lo); });
}

#ifndef MD4_HAVE_DNNL

std::string loadDnnl(const std::vector<std::string>&) {
  return "the addon was built without oneDNN's headers (install libdnnl-dev, then rebuild the addon)";
}
void runGemmBf16(const Gemm& g) { runGemmFloat32(g); }
bool runGemmFloat32Dnnl(const Gemm&) { return false; }

#else

namespace {

// The oneDNN C API functions used, resolved with dlsym.
struct Dnnl {
  void* handle = nullptr;
  decltype(&dnnl_engine_create) engineCreate = nullptr;
  decltype(&dnnl_stream_create) streamCreate = nullptr;
  decltype(&dnnl_memory_desc_init_by_strides) mdByStrides = nullptr;
  decltype(&dnnl_matmul_desc_init) matmulDesc = nullptr;
  decltype(&dnnl_primitive_desc_create) pdCreate = nullptr;
  decltype(&dnnl_primitive_desc_query) pdQuery = nullptr;
  decltype(&dnnl_primitive_desc_destroy) pdDestroy = nullptr;
  decltype(&dnnl_primitive_create) primitiveCreate = nullptr;
  decltype(&dnnl_primitive_execute) execute = nullptr;
  decltype(&dnnl_stream_wait) streamWait = nullptr;
  decltype(&dnnl_memory_create) memoryCreate = nullptr;
  decltype(&dnnl_memory_set_data_handle) setHandle = nullptr;
  decltype(&dnnl_memory_destroy) memoryDestroy = nullptr;
  decltype(&dnnl_version) version = nullptr;
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
};

Dnnl& dnnl() {
  static Dnnl d;
  return d;
}

// One product shape: its primitive and memory objects (data handles set per call).
struct Plan {
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_t src = nullptr, weights = nullptr, bias = nullptr, dst = nullptr;
};

using PlanKey = std::tuple<bool, bool, int, int, int, int, int, int, bool, dnnl_data_type_t>;

std::map<PlanKey, Plan>& plans() {
  static std::map<PlanKey, Plan> p;
  return p;
}

// 3-D memory descriptor {batch, rows, cols} of a row-major matrix stack, or of its transpose.
bool matrixDesc(dnnl_memory_desc_t* md, int batch, int rows, int cols, bool transposed, dnnl_data_type_t type) {
  dnnl_dims_t dims = {batch, rows, cols};
  dnnl_dims_t strides = {static_cast<dnnl_dim_t>(rows) * cols, transposed ? 1 : cols, transposed ? rows : 1};
  return dnnl().mdByStrides(md, 3, dims, type, strides) == dnnl_success;
}

// The plan of g with inputs of `type` (dnnl_bf16 or dnnl_f32; the output is float32).
const Plan* planFor(const Gemm& g, int batchA, int batchB, dnnl_data_type_t type) {
  const PlanKey key{g.transA, g.transB, g.batch, batchA, batchB, g.m, g.n, g.k, g.bias != nullptr, type};
  auto found = plans().find(key);
  if (found != plans().end()) return &found->second;
  Dnnl& d = dnnl();
  dnnl_memory_desc_t a, b, c, bias;
  if (!matrixDesc(&a, batchA, g.m, g.k, g.transA, type) || !matrixDesc(&b, batchB, g.k, g.n, g.transB, type) ||
      !matrixDesc(&c, g.batch, g.m, g.n, false, dnnl_f32) || !matrixDesc(&bias, 1, 1, g.n, false, dnnl_f32))
    return nullptr;
  dnnl_matmul_desc_t desc;
  if (d.matmulDesc(&desc, &a, &b, g.bias != nullptr ? &bias : nullptr, &c) != dnnl_success) return nullptr;
  dnnl_primitive_desc_t pd;
  if (d.pdCreate(&pd, &desc, nullptr, d.engine, nullptr) != dnnl_success) return nullptr;
  const char* impl = nullptr;
  d.pdQuery(pd, dnnl_query_impl_info_str, 0, &impl);
  if (impl != nullptr) (type == dnnl_f32 ? dnnlInfo().float32Kernel : dnnlInfo().isa) = impl;
  Plan plan;
  const bool ok = d.primitiveCreate(&plan.primitive, pd) == dnnl_success &&
                  d.memoryCreate(&plan.src, &a, d.engine, DNNL_MEMORY_NONE) == dnnl_success &&
                  d.memoryCreate(&plan.weights, &b, d.engine, DNNL_MEMORY_NONE) == dnnl_success &&
                  d.memoryCreate(&plan.dst, &c, d.engine, DNNL_MEMORY_NONE) == dnnl_success &&
                  (g.bias == nullptr || d.memoryCreate(&plan.bias, &bias, d.engine, DNNL_MEMORY_NONE) == dnnl_success);
  d.pdDestroy(pd);
  if (!ok) return nullptr;
  return &plans().emplace(key, plan).first->second;
}

// A stack of `batch` matrices of `count` floats, `stride` apart (0: one shared), as contiguous bf16:
// the copy kept under `key` (bf16-copies.h) when the stack is one block of memory, else scratch.
const uint16_t* bf16Stack(const float* x, int64_t stride, int batch, int64_t count, int64_t key, int which) {
  const int n = stride == 0 ? 1 : batch;
  if (stride == count || n == 1) return bf16CopyOf(key, x, n * count, which);
  uint16_t* out = bf16Scratch(n * count, which);
  for (int i = 0; i < n; i++) toBfloat16(x + i * stride, out + i * count, count);
  return out;
}

// The kernel oneDNN offers for a 256 x 256 x 256 product with inputs of `type` ("" where it has
// none: 2.6.3 refuses bf16 on an AVX2 Zen 1, for one).
std::string probeKernel(dnnl_data_type_t type) {
  Dnnl& d = dnnl();
  dnnl_memory_desc_t a, b, c;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd;
  if (!matrixDesc(&a, 1, 256, 256, false, type) || !matrixDesc(&b, 1, 256, 256, false, type) ||
      !matrixDesc(&c, 1, 256, 256, false, dnnl_f32) || d.matmulDesc(&desc, &a, &b, nullptr, &c) != dnnl_success ||
      d.pdCreate(&pd, &desc, nullptr, d.engine, nullptr) != dnnl_success)
    return "";
  const char* impl = nullptr;
  d.pdQuery(pd, dnnl_query_impl_info_str, 0, &impl);
  std::string kernel = impl != nullptr ? impl : "?";
  d.pdDestroy(pd);
  return kernel;
}

}  // namespace

std::string loadDnnl(const std::vector<std::string>& paths) {
  Dnnl& d = dnnl();
  if (d.handle != nullptr) return "";
  // oneDNN runs on OpenMP threads, which by default spin after each product and take the cores
  // from the addon's pool running the elementwise kernels in between (measured: small-cpu training
  // 5217 tokens/s spinning, 5530 passive). libgomp reads these when it loads, with libdnnl; its
  // threads are as many as the pool's (the backend's `threads`), unless OMP_NUM_THREADS says.
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  setenv("OMP_NUM_THREADS", std::to_string(threadPool().size()).c_str(), 0);
  return openFirstLibrary(
      paths,
      [&](void* h, const std::string& path) -> std::string {
        Dnnl c;
        bool all = true;
        auto get = [&](auto& fn, const char* name) {
          fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
          all = all && fn != nullptr;
        };
        get(c.engineCreate, "dnnl_engine_create");
        get(c.streamCreate, "dnnl_stream_create");
        get(c.mdByStrides, "dnnl_memory_desc_init_by_strides");
        get(c.matmulDesc, "dnnl_matmul_desc_init");
        get(c.pdCreate, "dnnl_primitive_desc_create");
        get(c.pdQuery, "dnnl_primitive_desc_query");
        get(c.pdDestroy, "dnnl_primitive_desc_destroy");
        get(c.primitiveCreate, "dnnl_primitive_create");
        get(c.execute, "dnnl_primitive_execute");
        get(c.streamWait, "dnnl_stream_wait");
        get(c.memoryCreate, "dnnl_memory_create");
        get(c.setHandle, "dnnl_memory_set_data_handle");
        get(c.memoryDestroy, "dnnl_memory_destroy");
        get(c.version, "dnnl_version");
        if (!all) return path + ": not a oneDNN 2.x library (a function is missing)";
        if (c.engineCreate(&c.engine, dnnl_cpu, 0) != dnnl_success ||
            c.streamCreate(&c.stream, c.engine, dnnl_stream_default_flags) != dnnl_success)
          return path + ": no CPU engine";
        c.handle = h;
        d = c;
        const dnnl_version_t* v = d.version();
        DnnlInfo& info = dnnlInfo();
        info.loaded = true;
        info.path = path;
        info.version = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
        info.float32Kernel = probeKernel(dnnl_f32);
        info.isa = probeKernel(dnnl_bf16);
        info.bf16 = !info.isa.empty();
        return "";
      },
      "no oneDNN library paths given");
}

// Below this many flops for the whole call (a batch counts together), float32 through the BLAS is
// as fast or faster than rounding the operands and starting oneDNN's threads (measured on 2 AMX
// cores: 16 x 256 x 256 takes 42 GFLOP/s in float32, 32 in bf16; the tiny sampler's 50 Mflop
// products were slower in bf16 at a 2^24 threshold, 182 against 216 tokens/s). On 2 Zen 4 cores
// 2^26 rather than 2^27 (the tiny model's 67 Mflop output projection and its two gradients in
// bf16) took tiny training from 37.1-37.8k to 40.0-46.6k tokens/s.
constexpr double kBf16MinFlops = 1 << 26;

namespace {

// g through oneDNN with inputs of `type`: bf16 copies of the operands (dnnl_bf16), or the float32
// operands in place (dnnl_f32, when each stack is contiguous or one shared matrix). False, having
// done nothing, where oneDNN is not loaded, the inner dimension is empty or it refuses the shape.
bool runGemmDnnl(const Gemm& g, dnnl_data_type_t type) {
  Dnnl& d = dnnl();
  if (d.handle == nullptr || g.k == 0) return false;
  const int64_t countA = static_cast<int64_t>(g.m) * g.k, countB = static_cast<int64_t>(g.k) * g.n;
  const bool inPlace = type == dnnl_f32;
  if (inPlace && g.batch > 1 && ((g.strideA != 0 && g.strideA != countA) || (g.strideB != 0 && g.strideB != countB)))
    return false;
  const int batchA = g.strideA == 0 ? 1 : g.batch;
  const int batchB = g.strideB == 0 ? 1 : g.batch;
  const Plan* plan = planFor(g, batchA, batchB, type);
  if (plan == nullptr) return false;
  const void* a = inPlace ? static_cast<const void*>(g.a) : bf16Stack(g.a, g.strideA, g.batch, countA, g.keyA, 0);
  const void* b = inPlace ? static_cast<const void*>(g.b) : bf16Stack(g.b, g.strideB, g.batch, countB, g.keyB, 1);
  d.setHandle(plan->src, const_cast<void*>(a));
  d.setHandle(plan->weights, const_cast<void*>(b));
  d.setHandle(plan->dst, g.c);
  dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, plan->src}, {DNNL_ARG_WEIGHTS, plan->weights}, {DNNL_ARG_DST, plan->dst}};
  int count = 3;
  if (g.bias != nullptr) {
    d.setHandle(plan->bias, const_cast<float*>(g.bias));
    args[count++] = {DNNL_ARG_BIAS, plan->bias};
  }
  d.execute(plan->primitive, d.stream, count, args);
  d.streamWait(d.stream);
  (inPlace ? dnnlInfo().float32Products : dnnlInfo().bf16Products) += 1;
  if (g.act != kLinear) {
    const int64_t rows = static_cast<int64_t>(g.batch) * g.m;
    parallelFor(rows, 64, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; r++) applyActivation(g.c + r * g.n, g.n, g.act, g.actAlpha);
    });
  }
  return true;
}

}  // namespace

void runGemmBf16(const Gemm& g) {
  if (2.0 * g.batch * g.m * g.n * g.k < kBf16MinFlops || !runGemmDnnl(g, dnnl_bf16)) runGemmFloat32(g);
}

bool runGemmFloat32Dnnl(const Gemm& g) { return runGemmDnnl(g, dnnl_f32); }

#endif

}  // namespace md4
