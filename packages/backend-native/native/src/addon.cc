// md4_native: kernels for the tfjs wasm backend, computed natively and in place on the backend's
// WebAssembly heap. JavaScript passes the heap's ArrayBuffer and byte offsets of the operands;
// nothing is copied in or out. Every operand range is checked against the heap before use.
//
//   init(blasPaths, threads, minBatchSplitFlops, tuneCoreType, poolSplit: -1 auto | 0 | 1)
//   info()                                                     what was loaded
//   precision(bf16, dnnlPaths)                                 bf16 products through oneDNN, or float32
//   gemm(heap, transA, transB, batch, m, n, k, aOff, aStride, bOff, bStride, cOff, biasOff, act, alpha,
//        precision?: -1 as precision() set | 0 float32 | 1 bf16)
//   copy(heap, srcOff, dstOff, elemBytes, layout: Float64Array [shape..., srcStrides...])
//   concat(heap, dstOff, elemBytes, outer, parts: Float64Array [srcOff0, inner0, srcOff1, inner1, ...])
//   unary(heap, op, xOff, outOff, n)
//   binary(heap, op, aOff, bOff, outOff, layout: Float64Array [shape..., aStrides..., bStrides...])
//   softmax(heap, xOff, outOff, rows, n)
//   reduce(heap, op, xOff, outOff, outer, r, inner)
//   adamw(heap, pOff, gOff, mOff, vOff, outP, outM, outV, n, consts)   one fused AdamW update
//   ema(heap, shadowOff, paramOff, outOff, n, decay)                    one fused EMA update
//   rope(heap, xOff, cosOff, sinOff, outOff, outer, length, half, inverse)   rotary embedding
//   gate(heap, gateOff, upOff, outOff, n)                               sigmoid(gate) * up
//   gateGrad(heap, dyOff, gateOff, upOff, dGateOff, dUpOff, n)          its gradient
//   attention(heap, qkvOff, cosOff, sinOff, outOff, lseOff, sizes: Float64Array [B, L, H, hd, scale])
//   attentionGrad(heap, dyOff, qkvOff, cosOff, sinOff, outOff, lseOff, dqkvOff, sizes)
//                                   fused attention and its gradient (cosOff < 0: no rotary tables)
//   adaLayerNorm(heap, xOff, shiftOff, scaleOff, yOff, meanOff, rOff, batch, rows, d, eps)
//   adaLayerNormGrad(heap, dyOff, xOff, scaleOff, meanOff, rOff, dxOff, dShiftOff, dScaleOff, batch, rows, d)

#include <napi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ada-layer-norm.h"
#include "attention.h"
#include "blas-loader.h"
#include "dnnl-gemm.h"
#include "elementwise.h"
#include "gemm.h"
#include "optimizer.h"
#include "rope.h"
#include "gated-activation.h"
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

// A JavaScript array of strings (library paths).
std::vector<std::string> stringList(const Napi::Value& value) {
  Napi::Array list = value.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < list.Length(); i++) out.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray()) return Throw(env, "init(paths, threads, minBatchSplitFlops, tune)");
  const std::string error = md4::loadBlas(stringList(info[0]), info[3].ToBoolean().Value());
  if (!error.empty()) return Throw(env, "no BLAS library could be loaded (" + error + ")");
  md4::GemmSettings& s = md4::gemmSettings();
  s.threads = std::max(1, info[1].As<Napi::Number>().Int32Value());
  s.minBatchSplitFlops = info[2].As<Napi::Number>().DoubleValue();
  // Auto: split products over the pool unless the BLAS is OpenBLAS's OpenMP build, which is not
  // safe to call from several non-OpenMP threads at once with any speed (measured: 3x slower).
  const int split = info.Length() < 5 ? -1 : info[4].As<Napi::Number>().Int32Value();
  s.poolSplit = split < 0 ? !(blas().getParallel != nullptr && blas().getParallel() == 2) : split != 0;
  md4::threadPool().resize(s.threads);
  md4::setBlasThreads(s.poolSplit ? 1 : s.threads);
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
  o.Set("poolSplit", md4::gemmSettings().poolSplit);
  o.Set("precision", md4::gemmSettings().bf16 ? "bf16" : "fp32");
  const md4::DnnlInfo& dnnl = md4::dnnlInfo();
  Napi::Object d = Napi::Object::New(env);
  d.Set("loaded", dnnl.loaded);
  d.Set("library", dnnl.path);
  d.Set("version", dnnl.version);
  d.Set("kernel", dnnl.isa);
  d.Set("bf16", dnnl.bf16);
  o.Set("dnnl", d);
  return o;
}

// precision(bf16, dnnlPaths): bf16 true sends products to oneDNN with bfloat16 inputs (loading it
// from the first of dnnlPaths that works, once); false returns to float32 BLAS products.
Napi::Value Precision(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[1].IsArray()) return Throw(env, "precision(bf16, dnnlPaths)");
  const bool bf16 = info[0].ToBoolean().Value();
  if (bf16) {
    const std::string error = md4::loadDnnl(stringList(info[1]));
    if (!error.empty()) return Throw(env, "oneDNN could not be loaded (" + error + ")");
    if (!md4::dnnlInfo().bf16)
      return Throw(env, "oneDNN " + md4::dnnlInfo().version +
                            " has no bfloat16 matrix product for this CPU");
  }
  md4::gemmSettings().bf16 = bf16;
  return env.Undefined();
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
  if (info.Length() > 15 && info[15].IsNumber()) g.precision = static_cast<int>(num(15));
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

Napi::Value Concat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArrayBuffer() || !info[4].IsTypedArray())
    return Throw(env, "concat(heap, dstOff, elemBytes, outer, parts)");
  Napi::ArrayBuffer heap = info[0].As<Napi::ArrayBuffer>();
  uint8_t* base = static_cast<uint8_t*>(heap.Data());
  const int64_t bytes = static_cast<int64_t>(heap.ByteLength());
  const int64_t dstOff = info[1].As<Napi::Number>().Int64Value();
  const int elem = info[2].As<Napi::Number>().Int32Value();
  const int64_t outer = info[3].As<Napi::Number>().Int64Value();
  Napi::TypedArray ta = info[4].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array || ta.ElementLength() % 2 != 0)
    return Throw(env, "concat: parts must be a Float64Array [srcOff, inner, ...]");
  if (elem != 1 && elem != 2 && elem != 4 && elem != 8) return Throw(env, "concat: elemBytes must be 1, 2, 4 or 8", true);
  const double* parts = ta.As<Napi::Float64Array>().Data();
  std::vector<const uint8_t*> srcs;
  std::vector<int64_t> inners;
  int64_t width = 0;
  for (size_t i = 0; i + 1 < ta.ElementLength(); i += 2) {
    const int64_t off = static_cast<int64_t>(parts[i]);
    const int64_t inner = static_cast<int64_t>(parts[i + 1]);
    if (off < 0 || inner < 0 || outer < 0 || off + outer * inner * elem > bytes)
      return Throw(env, "concat: a source lies outside the heap", true);
    srcs.push_back(base + off);
    inners.push_back(inner);
    width += inner;
  }
  if (dstOff < 0 || dstOff + outer * width * elem > bytes) return Throw(env, "concat: the output lies outside the heap", true);
  md4::concatRows(srcs, inners, base + dstOff, outer, elem);
  return env.Undefined();
}

// The heap and the float32 range [off, off + 4 * count) on it, or null after throwing.
float* floats(const Napi::CallbackInfo& info, int heapArg, int64_t off, int64_t count) {
  Napi::ArrayBuffer heap = info[heapArg].As<Napi::ArrayBuffer>();
  const int64_t bytes = static_cast<int64_t>(heap.ByteLength());
  if (off < 0 || off % 4 != 0 || count < 0 || off + 4 * count > bytes) {
    Throw(info.Env(), "a float32 range lies outside the heap", true);
    return nullptr;
  }
  return reinterpret_cast<float*>(static_cast<uint8_t*>(heap.Data()) + off);
}

int64_t arg(const Napi::CallbackInfo& info, int i) { return info[i].As<Napi::Number>().Int64Value(); }

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArrayBuffer()) return Throw(env, "unary(heap, op, xOff, outOff, n)");
  const int op = static_cast<int>(arg(info, 1));
  const int64_t n = arg(info, 4);
  const float* x = floats(info, 0, arg(info, 2), n);
  float* out = x == nullptr ? nullptr : floats(info, 0, arg(info, 3), n);
  if (out == nullptr) return env.Null();
  if (op < md4::ew::kNeg || op > md4::ew::kReciprocal) return Throw(env, "unary: unknown op", true);
  md4::unary(op, x, out, n);
  return env.Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsArrayBuffer() || !info[5].IsTypedArray())
    return Throw(env, "binary(heap, op, aOff, bOff, outOff, layout)");
  const int op = static_cast<int>(arg(info, 1));
  if (op < md4::ew::kAdd || op > md4::ew::kSquaredDifference) return Throw(env, "binary: unknown op", true);
  Napi::TypedArray ta = info[5].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array || ta.ElementLength() % 3 != 0)
    return Throw(env, "binary: layout must be a Float64Array [shape..., aStrides..., bStrides...]");
  const double* layout = ta.As<Napi::Float64Array>().Data();
  const size_t rank = ta.ElementLength() / 3;
  std::vector<int64_t> shape(rank), sa(rank), sb(rank);
  int64_t count = 1, spanA = 1, spanB = 1;
  for (size_t d = 0; d < rank; d++) {
    shape[d] = static_cast<int64_t>(layout[d]);
    sa[d] = static_cast<int64_t>(layout[rank + d]);
    sb[d] = static_cast<int64_t>(layout[2 * rank + d]);
    if (shape[d] < 0 || sa[d] < 0 || sb[d] < 0) return Throw(env, "binary: negative size or stride", true);
    count *= shape[d];
    if (shape[d] > 0) {
      spanA += (shape[d] - 1) * sa[d];
      spanB += (shape[d] - 1) * sb[d];
    }
  }
  if (count == 0) return env.Undefined();
  const float* a = floats(info, 0, arg(info, 2), spanA);
  const float* b = a == nullptr ? nullptr : floats(info, 0, arg(info, 3), spanB);
  float* out = b == nullptr ? nullptr : floats(info, 0, arg(info, 4), count);
  if (out == nullptr) return env.Null();
  md4::binary(op, a, b, out, shape, sa, sb);
  return env.Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArrayBuffer()) return Throw(env, "softmax(heap, xOff, outOff, rows, n)");
  const int64_t rows = arg(info, 3), n = arg(info, 4);
  if (rows < 0 || n < 0) return Throw(env, "softmax: negative size", true);
  const float* x = floats(info, 0, arg(info, 1), rows * n);
  float* out = x == nullptr ? nullptr : floats(info, 0, arg(info, 2), rows * n);
  if (out == nullptr) return env.Null();
  md4::softmaxRows(x, out, rows, n);
  return env.Undefined();
}

// adamw(heap, pOff, gOff, mOff, vOff, outP, outM, outV, n, consts: Float64Array [beta1, beta2, eps,
// lr, weightDecay, biasCorrection1, biasCorrection2, gradScale]).
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10 || !info[0].IsArrayBuffer() || !info[9].IsTypedArray())
    return Throw(env, "adamw(heap, pOff, gOff, mOff, vOff, outP, outM, outV, n, Float64Array consts)");
  Napi::TypedArray ta = info[9].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float64_array || ta.ElementLength() != 8)
    return Throw(env, "adamw: consts must be a Float64Array of 8 numbers");
  const double* k = ta.As<Napi::Float64Array>().Data();
  const int64_t n = arg(info, 8);
  const float* ptrs[4];
  for (int i = 0; i < 4; i++) {
    ptrs[i] = floats(info, 0, arg(info, 1 + i), n);
    if (ptrs[i] == nullptr) return env.Null();
  }
  float* outs[3];
  for (int i = 0; i < 3; i++) {
    outs[i] = floats(info, 0, arg(info, 5 + i), n);
    if (outs[i] == nullptr) return env.Null();
  }
  // Each constant rounded to float32 as a tfjs scalar would be; 1 - beta and 1 - lr wd in double first.
  md4::AdamWConstants c;
  c.beta1 = static_cast<float>(k[0]);
  c.oneMinusBeta1 = static_cast<float>(1 - k[0]);
  c.beta2 = static_cast<float>(k[1]);
  c.oneMinusBeta2 = static_cast<float>(1 - k[1]);
  c.eps = static_cast<float>(k[2]);
  c.lr = static_cast<float>(k[3]);
  c.decay = k[4] > 0;
  c.decayFactor = static_cast<float>(1 - k[3] * k[4]);
  c.biasCorrection1 = static_cast<float>(k[5]);
  c.biasCorrection2 = static_cast<float>(k[6]);
  c.scaled = k[7] != 1;
  c.gradScale = static_cast<float>(k[7]);
  md4::adamwUpdate(ptrs[0], ptrs[1], ptrs[2], ptrs[3], outs[0], outs[1], outs[2], n, c);
  return env.Undefined();
}

// ema(heap, shadowOff, paramOff, outOff, n, decay).
Napi::Value Ema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsArrayBuffer()) return Throw(env, "ema(heap, shadowOff, paramOff, outOff, n, decay)");
  const int64_t n = arg(info, 4);
  const double decay = info[5].As<Napi::Number>().DoubleValue();
  const float* s = floats(info, 0, arg(info, 1), n);
  const float* p = s == nullptr ? nullptr : floats(info, 0, arg(info, 2), n);
  float* out = p == nullptr ? nullptr : floats(info, 0, arg(info, 3), n);
  if (out == nullptr) return env.Null();
  md4::emaUpdate(s, p, out, n, static_cast<float>(decay), static_cast<float>(1 - decay));
  return env.Undefined();
}

// rope(heap, xOff, cosOff, sinOff, outOff, outer, length, half, inverse).
Napi::Value Rope(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9 || !info[0].IsArrayBuffer())
    return Throw(env, "rope(heap, xOff, cosOff, sinOff, outOff, outer, length, half, inverse)");
  const int64_t outer = arg(info, 5), length = arg(info, 6), half = arg(info, 7);
  if (outer < 0 || length < 0 || half < 1) return Throw(env, "rope: bad sizes", true);
  const float* x = floats(info, 0, arg(info, 1), outer * length * 2 * half);
  const float* c = x == nullptr ? nullptr : floats(info, 0, arg(info, 2), length * half);
  const float* s = c == nullptr ? nullptr : floats(info, 0, arg(info, 3), length * half);
  float* out = s == nullptr ? nullptr : floats(info, 0, arg(info, 4), outer * length * 2 * half);
  if (out == nullptr) return env.Null();
  md4::rope(x, c, s, out, outer, length, half, info[8].ToBoolean().Value());
  return env.Undefined();
}

// gate(heap, gateOff, upOff, outOff, n) and gateGrad(heap, dyOff, gateOff, upOff, dGateOff, dUpOff, n).
Napi::Value Gate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArrayBuffer()) return Throw(env, "gate(heap, gateOff, upOff, outOff, n)");
  const int64_t n = arg(info, 4);
  const float* g = floats(info, 0, arg(info, 1), n);
  const float* u = g == nullptr ? nullptr : floats(info, 0, arg(info, 2), n);
  float* out = u == nullptr ? nullptr : floats(info, 0, arg(info, 3), n);
  if (out == nullptr) return env.Null();
  md4::sigmoidGate(g, u, out, n);
  return env.Undefined();
}

Napi::Value GateGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsArrayBuffer())
    return Throw(env, "gateGrad(heap, dyOff, gateOff, upOff, dGateOff, dUpOff, n)");
  const int64_t n = arg(info, 6);
  const float* ptrs[5];
  for (int i = 0; i < 5; i++) {
    ptrs[i] = floats(info, 0, arg(info, 1 + i), n);
    if (ptrs[i] == nullptr) return env.Null();
  }
  md4::sigmoidGateGrad(ptrs[0], ptrs[1], ptrs[2], const_cast<float*>(ptrs[3]), const_cast<float*>(ptrs[4]), n);
  return env.Undefined();
}

// The shape and operand pointers of an attention call whose first operands are at info[1..] and
// whose sizes (Float64Array [B, L, H, hd, scale]) are info[sizesArg]; false after a thrown error.
bool attentionShape(const Napi::CallbackInfo& info, int cosArg, int sizesArg, md4::AttentionShape& s) {
  if (!info[sizesArg].IsTypedArray()) {
    Throw(info.Env(), "attention: sizes must be a Float64Array [B, L, H, hd, scale]");
    return false;
  }
  Napi::Float64Array sizes = info[sizesArg].As<Napi::Float64Array>();
  if (sizes.ElementLength() != 5) {
    Throw(info.Env(), "attention: sizes must be [B, L, H, hd, scale]", true);
    return false;
  }
  s.batch = static_cast<int64_t>(sizes[0]);
  s.seqLen = static_cast<int64_t>(sizes[1]);
  s.heads = static_cast<int64_t>(sizes[2]);
  s.headDim = static_cast<int64_t>(sizes[3]);
  s.scale = static_cast<float>(sizes[4]);
  if (s.batch < 0 || s.seqLen < 1 || s.heads < 1 || s.headDim < 2 || s.headDim % 2 != 0 ||
      s.seqLen * s.headDim > (int64_t{1} << 30)) {
    Throw(info.Env(), "attention: bad sizes", true);
    return false;
  }
  if (arg(info, cosArg) >= 0) {
    const int64_t table = s.seqLen * s.headDim / 2;
    s.cos = floats(info, 0, arg(info, cosArg), table);
    s.sin = s.cos == nullptr ? nullptr : floats(info, 0, arg(info, cosArg + 1), table);
    if (s.sin == nullptr) return false;
  }
  return true;
}

// attention(heap, qkvOff, cosOff, sinOff, outOff, lseOff, sizes).
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsArrayBuffer())
    return Throw(env, "attention(heap, qkvOff, cosOff, sinOff, outOff, lseOff, sizes)");
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  md4::AttentionShape s;
  if (!attentionShape(info, 2, 6, s)) return env.Null();
  const int64_t rows = s.batch * s.seqLen, d = s.heads * s.headDim;
  const float* qkv = floats(info, 0, arg(info, 1), rows * 3 * d);
  float* out = qkv == nullptr ? nullptr : floats(info, 0, arg(info, 4), rows * d);
  float* lse = out == nullptr ? nullptr : floats(info, 0, arg(info, 5), rows * s.heads);
  if (lse == nullptr) return env.Null();
  md4::attentionForward(s, qkv, out, lse);
  return env.Undefined();
}

// attentionGrad(heap, dyOff, qkvOff, cosOff, sinOff, outOff, lseOff, dqkvOff, sizes).
Napi::Value AttentionGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9 || !info[0].IsArrayBuffer())
    return Throw(env, "attentionGrad(heap, dyOff, qkvOff, cosOff, sinOff, outOff, lseOff, dqkvOff, sizes)");
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  md4::AttentionShape s;
  if (!attentionShape(info, 3, 8, s)) return env.Null();
  const int64_t rows = s.batch * s.seqLen, d = s.heads * s.headDim;
  const float* dy = floats(info, 0, arg(info, 1), rows * d);
  const float* qkv = dy == nullptr ? nullptr : floats(info, 0, arg(info, 2), rows * 3 * d);
  const float* out = qkv == nullptr ? nullptr : floats(info, 0, arg(info, 5), rows * d);
  const float* lse = out == nullptr ? nullptr : floats(info, 0, arg(info, 6), rows * s.heads);
  float* dqkv = lse == nullptr ? nullptr : floats(info, 0, arg(info, 7), rows * 3 * d);
  if (dqkv == nullptr) return env.Null();
  md4::attentionBackward(s, dy, qkv, out, lse, dqkv);
  return env.Undefined();
}

// The (batch, rows, d) of an adaLN call at info[first..first+2]; false after a thrown error.
bool normSizes(const Napi::CallbackInfo& info, int first, int64_t& batch, int64_t& rows, int64_t& d) {
  batch = arg(info, first);
  rows = arg(info, first + 1);
  d = arg(info, first + 2);
  if (batch < 1 || rows < 0 || d < 1 || rows % batch != 0) {
    Throw(info.Env(), "adaLayerNorm: bad sizes (rows must be a multiple of batch)", true);
    return false;
  }
  return true;
}

Napi::Value AdaLayerNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !info[0].IsArrayBuffer())
    return Throw(env, "adaLayerNorm(heap, xOff, shiftOff, scaleOff, yOff, meanOff, rOff, batch, rows, d, eps)");
  int64_t batch, rows, d;
  if (!normSizes(info, 7, batch, rows, d)) return env.Null();
  const float* x = floats(info, 0, arg(info, 1), rows * d);
  const float* shift = x == nullptr ? nullptr : floats(info, 0, arg(info, 2), batch * d);
  const float* scale = shift == nullptr ? nullptr : floats(info, 0, arg(info, 3), batch * d);
  float* y = scale == nullptr ? nullptr : floats(info, 0, arg(info, 4), rows * d);
  float* mean = y == nullptr ? nullptr : floats(info, 0, arg(info, 5), rows);
  float* r = mean == nullptr ? nullptr : floats(info, 0, arg(info, 6), rows);
  if (r == nullptr) return env.Null();
  md4::adaLayerNorm(x, shift, scale, y, mean, r, batch, rows, d, static_cast<float>(info[10].As<Napi::Number>().DoubleValue()));
  return env.Undefined();
}

Napi::Value AdaLayerNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12 || !info[0].IsArrayBuffer())
    return Throw(env, "adaLayerNormGrad(heap, dyOff, xOff, scaleOff, meanOff, rOff, dxOff, dShiftOff, dScaleOff, batch, rows, d)");
  int64_t batch, rows, d;
  if (!normSizes(info, 9, batch, rows, d)) return env.Null();
  const float* dy = floats(info, 0, arg(info, 1), rows * d);
  const float* x = dy == nullptr ? nullptr : floats(info, 0, arg(info, 2), rows * d);
  const float* scale = x == nullptr ? nullptr : floats(info, 0, arg(info, 3), batch * d);
  const float* mean = scale == nullptr ? nullptr : floats(info, 0, arg(info, 4), rows);
  const float* r = mean == nullptr ? nullptr : floats(info, 0, arg(info, 5), rows);
  float* dx = r == nullptr ? nullptr : floats(info, 0, arg(info, 6), rows * d);
  float* dShift = dx == nullptr ? nullptr : floats(info, 0, arg(info, 7), batch * d);
  float* dScale = dShift == nullptr ? nullptr : floats(info, 0, arg(info, 8), batch * d);
  if (dScale == nullptr) return env.Null();
  md4::adaLayerNormGrad(dy, x, scale, mean, r, dx, dShift, dScale, batch, rows, d);
  return env.Undefined();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7 || !info[0].IsArrayBuffer()) return Throw(env, "reduce(heap, op, xOff, outOff, outer, r, inner)");
  const int op = static_cast<int>(arg(info, 1));
  const int64_t outer = arg(info, 4), r = arg(info, 5), inner = arg(info, 6);
  if (op < md4::ew::kSum || op > md4::ew::kMean || outer < 0 || r < 1 || inner < 0)
    return Throw(env, "reduce: unknown op or bad sizes", true);
  const float* x = floats(info, 0, arg(info, 2), outer * r * inner);
  float* out = x == nullptr ? nullptr : floats(info, 0, arg(info, 3), outer * inner);
  if (out == nullptr) return env.Null();
  md4::reduce(op, x, out, outer, r, inner);
  return env.Undefined();
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("precision", Napi::Function::New(env, Precision));
  exports.Set("copy", Napi::Function::New(env, Copy));
  exports.Set("concat", Napi::Function::New(env, Concat));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("adamw", Napi::Function::New(env, AdamW));
  exports.Set("ema", Napi::Function::New(env, Ema));
  exports.Set("rope", Napi::Function::New(env, Rope));
  exports.Set("gate", Napi::Function::New(env, Gate));
  exports.Set("gateGrad", Napi::Function::New(env, GateGrad));
  exports.Set("attention", Napi::Function::New(env, Attention));
  exports.Set("attentionGrad", Napi::Function::New(env, AttentionGrad));
  exports.Set("adaLayerNorm", Napi::Function::New(env, AdaLayerNorm));
  exports.Set("adaLayerNormGrad", Napi::Function::New(env, AdaLayerNormGrad));
  return exports;
}

}  // namespace

NODE_API_MODULE(md4_native, InitModule)
