// md4_native: kernels for the tfjs wasm backend, computed natively and in place on the backend's
// WebAssembly heap. JavaScript passes the heap's ArrayBuffer and byte offsets of the operands;
// nothing is copied in or out. Every operand range is checked against the heap before use.
//
//   init(blasPaths, threads, minBatchSplitFlops, tuneCoreType)  load a BLAS, size the pool
//   info()                                                     what was loaded
//   gemm(heap, transA, transB, batch, m, n, k, aOff, aStride, bOff, bStride, cOff, biasOff, act, alpha)
//   copy(heap, srcOff, dstOff, elemBytes, layout: Float64Array [shape..., srcStrides...])

#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "blas-loader.h"
#include "gemm.h"
#include "strided-copy.h"
#include "thread-pool.h"

namespace {

using md4::blas;

Napi::Value Throw(Napi::Env env, const std::string& message, bool range = false) {
  if (range)
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  else
    Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Null();
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray()) return Throw(env, "init(paths, threads, minBatchSplitFlops, tune)");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < list.Length(); i++) paths.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  const std::string error = md4::loadBlas(paths, info[3].ToBoolean().Value());
  if (!error.empty()) return Throw(env, "no BLAS library could be loaded (" + error + ")");
  md4::GemmSettings& s = md4::gemmSettings();
  s.threads = std::max(1, info[1].As<Napi::Number>().Int32Value());
  s.minBatchSplitFlops = info[2].As<Napi::Number>().DoubleValue();
  md4::threadPool().resize(s.threads);
  md4::setBlasThreads(s.threads);
  return env.Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const md4::Blas& b = blas();
  Napi::Object o = Napi::Object::New(env);
  o.Set("loaded", b.handle != nullptr);
  o.Set("library", b.path);
  o.Set("threads", md4::threadPool().size());
  o.Set("blasThreads", b.getThreads != nullptr ? b.getThreads() : 1);
  o.Set("blasParallel", b.getParallel != nullptr ? b.getParallel() : -1);
  o.Set("core", b.getCorename != nullptr ? std::string(b.getCorename()) : std::string());
  o.Set("config", b.getConfig != nullptr ? std::string(b.getConfig()) : std::string());
  o.Set("minBatchSplitFlops", md4::gemmSettings().minBatchSplitFlops);
  return o;
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  if (info.Length() < 15 || !info[0].IsArrayBuffer()) return Throw(env, "gemm: expected (ArrayBuffer, 14 numbers)");
  Napi::ArrayBuffer heap = info[0].As<Napi::ArrayBuffer>();
  uint8_t* base = static_cast<uint8_t*>(heap.Data());
  const int64_t bytes = static_cast<int64_t>(heap.ByteLength());
  auto num = [&](int i) { return info[i].As<Napi::Number>().Int64Value(); };
  md4::Gemm g;
  g.transA = info[1].ToBoolean().Value();
  g.transB = info[2].ToBoolean().Value();
  g.batch = static_cast<int>(num(3));
  g.m = static_cast<int>(num(4));
  g.n = static_cast<int>(num(5));
  g.k = static_cast<int>(num(6));
  const int64_t aOff = num(7), bOff = num(9), cOff = num(11), biasOff = num(12);
  g.strideA = num(8);
  g.strideB = num(10);
  g.act = static_cast<int>(num(13));
  g.actAlpha = info[14].As<Napi::Number>().FloatValue();
  auto inside = [&](int64_t off, int64_t stride, int64_t count) {
    return off >= 0 && off % 4 == 0 && stride >= 0 && off + 4 * (stride * (g.batch - 1) + count) <= bytes;
  };
  const int64_t m = g.m, n = g.n, k = g.k;
  if (g.batch < 1 || m < 0 || n < 0 || k < 0 || !inside(aOff, g.strideA, m * k) || !inside(bOff, g.strideB, k * n) ||
      !inside(cOff, m * n, m * n) || (biasOff >= 0 && !inside(biasOff, 0, n)) || g.act < 0 || g.act > 5)
    return Throw(env, "gemm: an operand lies outside the heap, or a size is invalid", true);
  g.a = reinterpret_cast<const float*>(base + aOff);
  g.b = reinterpret_cast<const float*>(base + bOff);
  g.c = reinterpret_cast<float*>(base + cOff);
  g.bias = biasOff >= 0 ? reinterpret_cast<const float*>(base + biasOff) : nullptr;
  md4::runGemm(g);
  return env.Undefined();
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArrayBuffer() || !info[4].IsTypedArray())
    return Throw(env, "copy: expected (ArrayBuffer, srcOff, dstOff, elemBytes, Float64Array)");
  Napi::ArrayBuffer heap = info[0].As<Napi::ArrayBuffer>();
  uint8_t* base = static_cast<uint8_t*>(heap.Data());
  const int64_t bytes = static_cast<int64_t>(heap.ByteLength());
  const int64_t srcOff = info[1].As<Napi::Number>().Int64Value();
  const int64_t dstOff = info[2].As<Napi::Number>().Int64Value();
  const int elem = info[3].As<Napi::Number>().Int32Value();
  Napi::TypedArray ta = info[4].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array || ta.ElementLength() % 2 != 0)
    return Throw(env, "copy: layout must be a Float64Array [shape..., strides...]");
  const double* layout = ta.As<Napi::Float64Array>().Data();
  const size_t rank = ta.ElementLength() / 2;
  std::vector<int64_t> shape(rank), strides(rank);
  int64_t count = 1, lo = 0, hi = 0;
  for (size_t d = 0; d < rank; d++) {
    shape[d] = static_cast<int64_t>(layout[d]);
    strides[d] = static_cast<int64_t>(layout[rank + d]);
    if (shape[d] < 0) return Throw(env, "copy: negative dimension", true);
    count *= shape[d];
    if (shape[d] > 0) (strides[d] > 0 ? hi : lo) += (shape[d] - 1) * strides[d];
  }
  if (elem != 1 && elem != 2 && elem != 4 && elem != 8) return Throw(env, "copy: elemBytes must be 1, 2, 4 or 8", true);
  if (count == 0) return env.Undefined();
  if (srcOff + lo * elem < 0 || srcOff + (hi + 1) * elem > bytes || dstOff < 0 || dstOff + count * elem > bytes)
    return Throw(env, "copy: a range lies outside the heap", true);
  md4::stridedCopy(base + srcOff, base + dstOff, elem, shape, strides);
  return env.Undefined();
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("copy", Napi::Function::New(env, Copy));
  return exports;
}

}  // namespace

NODE_API_MODULE(md4_native, InitModule)
