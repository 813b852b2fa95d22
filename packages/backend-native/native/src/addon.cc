// md4_native: kernels for the 'native' tfjs backend, computed natively in place on the tensors'
// own memory. Every operand is a typed array (the tensor's values, which live outside the V8
// heap and outside any wasm heap); nothing is copied in or out, and every operand's length is
// checked before use.
//
//   init(blasPaths, threads, minBatchSplitFlops, tuneCoreType, poolSplit: -1 auto | 0 | 1)
//   info()                                                     what was loaded
//   precision(bf16, dnnlPaths)                                 bf16 products through oneDNN, or float32
//   float32Products(onednn, dnnlPaths, minFlops)               float32 products through oneDNN or the BLAS
//   gemm(transA, transB, batch, m, n, k, a, aStride, b, bStride, c, bias | null, act, alpha,
//        precision?: -1 as precision() set | 0 float32 | 1 bf16, keyA?, keyB?: bf16-copies.h's keys)
//   releaseBf16Copy(key), releaseBf16Copies(), bf16CopyBudget(bytes)   the kept bf16 operand copies
//   copy(src, srcStart, dst, layout: Float64Array [shape..., srcStrides...])     any 1/2/4/8-byte arrays
//   concat(dst, outer, parts: typed arrays, inners: Float64Array)
//   unary(op, x, out, n)
//   select(condition: Uint8Array, t, e, out, n)        condition ? t : e
//   cast(src, dst, n, from, to)        dtype conversion (codes: 0 float32, 1 int32, 2 bool)
//   binary(op, a, b, out, layout: Float64Array [shape..., aStrides..., bStrides...])
//   softmax(x, out, rows, n)
//   reduce(op, x, out, outer, r, inner)
//   adamw(p, g, m, v, outP, outM, outV, n, consts)   one fused AdamW update
//   ema(shadow, param, out, n, decay)                 one fused EMA update
//   rope(x, cos, sin, out, outer, length, half, inverse)   rotary embedding
//   gate(gate, up, out, n)                            sigmoid(gate) * up
//   gateGrad(dy, gate, up, dGate, dUp, n)             its gradient
//   attention(qkv, cos | null, sin | null, out, lse, sizes: Float64Array [B, L, H, hd, scale, causal],
//             precision?: as gemm's)
//   attentionGrad(dy, qkv, cos | null, sin | null, out, lse, dqkv, sizes, precision?)
//                                   fused attention and its gradient (null tables: no rotary embedding)
//   adaLayerNorm(x, shift, scale, y, mean, r, batch, rows, d, eps)
//   adaLayerNormGrad(dy, x, scale, mean, r, dx, dShift, dScale, batch, rows, d)
//   rmsNorm(x, scale, y, r, rows, d, eps)                      x r scale, r = 1 / sqrt(mean(x^2) + eps)
//   rmsNormGrad(dy, x, scale, r, dx, dScale, rows, d)          its gradient
//   gatedResidual(x, gate, branch, y, batch, rows, d)          x + gate_b * branch
//   gatedResidualGrad(dy, gate, branch, dGate, dBranch, batch, rows, d)   its gradient (dx = dy)
//
// Float operands are Float32Arrays; sizes are numbers.

#include <napi.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "ada-layer-norm.h"
#include "attention.h"
#include "avx512-bf16-gemm.h"
#include "bf16-copies.h"
#include "blas-loader.h"
#include "dnnl-gemm.h"
#include "elementwise.h"
#include "gemm.h"
#include "optimizer.h"
#include "rms-norm.h"
#include "rope.h"
#include "gated-activation.h"
#include "gelu.h"
#include "gated-residual.h"
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
  o.Set("float32Products", md4::gemmSettings().float32Dnnl ? "onednn" : "blas");
  const md4::DnnlInfo& dnnl = md4::dnnlInfo();
  Napi::Object d = Napi::Object::New(env);
  d.Set("loaded", dnnl.loaded);
  d.Set("library", dnnl.path);
  d.Set("version", dnnl.version);
  d.Set("kernel", dnnl.isa);
  d.Set("bf16", dnnl.bf16);
  d.Set("float32Kernel", dnnl.float32Kernel);
  d.Set("float32Products", dnnl.float32Products);
  d.Set("bf16Products", dnnl.bf16Products);
  o.Set("dnnl", d);
  const md4::Bf16CopyStats copies = md4::bf16CopyStats();
  Napi::Object kept = Napi::Object::New(env);
  kept.Set("copies", static_cast<double>(copies.copies));
  kept.Set("bytes", static_cast<double>(copies.bytes));
  kept.Set("hits", copies.hits);
  kept.Set("misses", copies.misses);
  o.Set("bf16Copies", kept);
  o.Set("attentionBf16", md4::hasAvx512Bf16());
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

// float32Products(onednn, dnnlPaths, minFlops): onednn true sends float32 products of at least
// minFlops to oneDNN's float32 matrix product (loading it from the first of dnnlPaths that works,
// once); false keeps them all on the BLAS.
Napi::Value Float32Products(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[1].IsArray() || !info[2].IsNumber())
    return Throw(env, "float32Products(onednn, dnnlPaths, minFlops)");
  const bool onednn = info[0].ToBoolean().Value();
  if (onednn) {
    const std::string error = md4::loadDnnl(stringList(info[1]));
    if (!error.empty()) return Throw(env, "oneDNN could not be loaded (" + error + ")");
    if (md4::dnnlInfo().float32Kernel.empty())
      return Throw(env, "oneDNN " + md4::dnnlInfo().version + " has no float32 matrix product for this CPU");
  }
  md4::gemmSettings().float32Dnnl = onednn;
  md4::gemmSettings().float32DnnlMinFlops = info[2].As<Napi::Number>().DoubleValue();
  return env.Undefined();
}

int64_t arg(const Napi::CallbackInfo& info, int i) { return info[i].As<Napi::Number>().Int64Value(); }

// A call's optional precision code at info[i] (Gemm::precision's: -1 or absent as precision() set,
// 0 float32, 1 bf16).
int precisionArg(const Napi::CallbackInfo& info, int i) {
  return info.Length() > static_cast<size_t>(i) && info[i].IsNumber() ? static_cast<int>(arg(info, i)) : -1;
}

// An optional bf16-copies.h key at info[i] (0 where absent).
int64_t keyArg(const Napi::CallbackInfo& info, int i) {
  return info.Length() > static_cast<size_t>(i) && info[i].IsNumber() ? arg(info, i) : 0;
}

// A bad argument, thrown by the helpers below and turned into one JavaScript error (a RangeError
// when `range`) by Guarded: the kernels then need no error paths of their own.
struct ArgumentError {
  std::string message;
  bool range = false;
};

// A typed array operand: its first byte, its length in bytes and its element size.
struct Operand {
  uint8_t* data = nullptr;
  int64_t bytes = 0;
  int elementBytes = 0;
};

int elementBytesOf(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;
  }
}

// The typed array at info[i].
Operand operand(const Napi::CallbackInfo& info, int i) {
  if (!info[i].IsTypedArray()) throw ArgumentError{"operand " + std::to_string(i) + " must be a typed array"};
  Napi::TypedArray a = info[i].As<Napi::TypedArray>();
  Operand out;
  out.elementBytes = elementBytesOf(a.TypedArrayType());
  out.bytes = static_cast<int64_t>(a.ByteLength());
  out.data = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  return out;
}

// The values of the Float32Array at info[i], which must hold at least `count` of them (an empty
// array may give null).
float* floats(const Napi::CallbackInfo& info, int i, int64_t count) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw ArgumentError{"operand " + std::to_string(i) + " must be a Float32Array"};
  Napi::Float32Array a = info[i].As<Napi::Float32Array>();
  if (count < 0 || static_cast<int64_t>(a.ElementLength()) < count)
    throw ArgumentError{"operand " + std::to_string(i) + " holds fewer than " + std::to_string(count) + " values",
                        true};
  return a.Data();
}

// A layout argument: the Float64Array at info[i], whose length is a multiple of `parts`; `rank`
// is its length / parts (an empty layout is valid).
const double* layoutOf(const Napi::CallbackInfo& info, int i, size_t parts, const char* what, size_t& rank) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[i].As<Napi::TypedArray>().ElementLength() % parts != 0)
    throw ArgumentError{what};
  Napi::Float64Array ta = info[i].As<Napi::Float64Array>();
  rank = ta.ElementLength() / parts;
  return ta.Data();
}

// `fn`, with an ArgumentError it throws turned into a JavaScript exception.
template <Napi::Value (*fn)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return fn(info);
  } catch (const ArgumentError& e) {
    return Throw(info.Env(), e.message, e.range);
  }
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  if (info.Length() < 14) return Throw(env, "gemm(transA, transB, batch, m, n, k, a, aStride, b, bStride, c, bias, act, alpha)");
  md4::Gemm g;
  g.transA = info[0].ToBoolean().Value();
  g.transB = info[1].ToBoolean().Value();
  g.batch = static_cast<int>(arg(info, 2));
  g.m = static_cast<int>(arg(info, 3));
  g.n = static_cast<int>(arg(info, 4));
  g.k = static_cast<int>(arg(info, 5));
  g.strideA = arg(info, 7);
  g.strideB = arg(info, 9);
  g.act = static_cast<int>(arg(info, 12));
  g.actAlpha = info[13].As<Napi::Number>().FloatValue();
  g.precision = precisionArg(info, 14);
  g.keyA = keyArg(info, 15);
  g.keyB = keyArg(info, 16);
  const int64_t m = g.m, n = g.n, k = g.k;
  const int64_t most = std::numeric_limits<int>::max();
  if (arg(info, 3) > most || arg(info, 4) > most || arg(info, 5) > most) return Throw(env, "gemm: a dimension exceeds 2^31 - 1", true);
  if (g.batch < 1 || m < 0 || n < 0 || k < 0 || g.strideA < 0 || g.strideB < 0 || g.act < 0 || g.act > 5)
    return Throw(env, "gemm: a size is invalid", true);
  const int64_t last = g.batch - 1;
  g.a = floats(info, 6, g.strideA * last + m * k);
  g.b = floats(info, 8, g.strideB * last + k * n);
  g.c = floats(info, 10, g.batch * m * n);
  if (!info[11].IsNull() && !info[11].IsUndefined()) g.bias = floats(info, 11, n);
  md4::runGemm(g);
  return env.Undefined();
}

Napi::Value ReleaseBf16Copy(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw ArgumentError{"releaseBf16Copy(key): key must be a number"};
  md4::releaseBf16Copy(arg(info, 0));
  return info.Env().Undefined();
}

Napi::Value ReleaseBf16Copies(const Napi::CallbackInfo& info) {
  md4::releaseBf16Copies();
  return info.Env().Undefined();
}

Napi::Value Bf16CopyBudget(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber() || arg(info, 0) < 0) throw ArgumentError{"bf16CopyBudget: bytes must be >= 0", true};
  md4::setBf16CopyBudget(arg(info, 0));
  return info.Env().Undefined();
}

// copy(src, srcStart, dst, layout): dst[i] = src[srcStart + sum_d i_d * strides[d]], element size
// that of src (dst's must match).
Napi::Value Copy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) return Throw(env, "copy(src, srcStart, dst, layout)");
  const Operand src = operand(info, 0), dst = operand(info, 2);
  size_t rank = 0;
  const double* layout = layoutOf(info, 3, 2, "copy: layout must be a Float64Array [shape..., strides...]", rank);
  const int elem = src.elementBytes;
  if (dst.elementBytes != elem) return Throw(env, "copy: source and destination element sizes differ", true);
  const int64_t start = arg(info, 1);
  std::vector<int64_t> shape(rank), strides(rank);
  int64_t count = 1, lo = 0, hi = 0;
  for (size_t d = 0; d < rank; d++) {
    shape[d] = static_cast<int64_t>(layout[d]);
    strides[d] = static_cast<int64_t>(layout[rank + d]);
    if (shape[d] < 0) return Throw(env, "copy: negative dimension", true);
    count *= shape[d];
    if (shape[d] > 0) (strides[d] > 0 ? hi : lo) += (shape[d] - 1) * strides[d];
  }
  if (count == 0) return env.Undefined();
  if ((start + lo) * elem < 0 || (start + hi + 1) * elem > src.bytes || count * elem > dst.bytes)
    return Throw(env, "copy: a range lies outside its array", true);
  md4::stridedCopy(src.data + start * elem, dst.data, elem, shape, strides);
  return env.Undefined();
}

// concat(dst, outer, parts, inners): per row o < outer, the [outer, inners[i]] blocks of parts[i]
// side by side.
Napi::Value Concat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[2].IsArray()) return Throw(env, "concat(dst, outer, parts, inners)");
  const Operand dst = operand(info, 0);
  const int64_t outer = arg(info, 1);
  Napi::Array parts = info[2].As<Napi::Array>();
  size_t count = 0;
  const double* inners = layoutOf(info, 3, 1, "concat: inners must be a Float64Array", count);
  if (count != parts.Length()) return Throw(env, "concat: one inner size per part", true);
  const int elem = dst.elementBytes;
  std::vector<const uint8_t*> srcs;
  std::vector<int64_t> widths;
  int64_t width = 0;
  for (uint32_t i = 0; i < parts.Length(); i++) {
    Napi::Value part = parts.Get(i);
    if (!part.IsTypedArray()) return Throw(env, "concat: every part must be a typed array");
    Napi::TypedArray a = part.As<Napi::TypedArray>();
    const int64_t inner = static_cast<int64_t>(inners[i]);
    if (elementBytesOf(a.TypedArrayType()) != elem || inner < 0 || outer < 0 ||
        outer * inner * elem > static_cast<int64_t>(a.ByteLength()))
      return Throw(env, "concat: a part is too short or of another element size", true);
    srcs.push_back(static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
    widths.push_back(inner);
    width += inner;
  }
  if (outer * width * elem > dst.bytes) return Throw(env, "concat: the output is too short", true);
  md4::concatRows(srcs, widths, dst.data, outer, elem);
  return env.Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) return Throw(env, "unary(op, x, out, n)");
  const int op = static_cast<int>(arg(info, 0));
  if (op < md4::ew::kNeg || op > md4::ew::kReciprocal) return Throw(env, "unary: unknown op", true);
  const int64_t n = arg(info, 3);
  const float* x = floats(info, 1, n);
  float* out = floats(info, 2, n);
  md4::unary(op, x, out, n);
  return env.Undefined();
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Throw(env, "select(condition, t, e, out, n)");
  const int64_t n = arg(info, 4);
  const Operand condition = operand(info, 0);
  if (condition.elementBytes != 1 || condition.bytes < n)
    throw ArgumentError{"select: condition must be a Uint8Array of at least n values", true};
  md4::select(condition.data, floats(info, 1, n), floats(info, 2, n), floats(info, 3, n), n);
  return env.Undefined();
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Throw(env, "cast(src, dst, n, from, to)");
  const Operand src = operand(info, 0), dst = operand(info, 1);
  const int64_t n = arg(info, 2);
  const int from = static_cast<int>(arg(info, 3)), to = static_cast<int>(arg(info, 4));
  const auto bytesOf = [](int type) { return type == md4::cast::kBool ? 1 : 4; };
  if (from < 0 || from > 2 || to < 0 || to > 2) throw ArgumentError{"cast: unknown element type", true};
  if (n < 0 || src.elementBytes != bytesOf(from) || dst.elementBytes != bytesOf(to) || src.bytes < n * bytesOf(from) ||
      dst.bytes < n * bytesOf(to))
    throw ArgumentError{"cast: the arrays do not hold n values of their element types", true};
  if (!md4::castValues(from, to, src.data, dst.data, n)) throw ArgumentError{"cast: unsupported conversion", true};
  return env.Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Throw(env, "binary(op, a, b, out, layout)");
  const int op = static_cast<int>(arg(info, 0));
  if (op < md4::ew::kAdd || op > md4::ew::kSquaredDifference) return Throw(env, "binary: unknown op", true);
  size_t rank = 0;
  const double* layout = layoutOf(info, 4, 3, "binary: layout must be a Float64Array [shape..., aStrides..., bStrides...]", rank);
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
  const float* a = floats(info, 1, spanA);
  const float* b = floats(info, 2, spanB);
  float* out = floats(info, 3, count);
  md4::binary(op, a, b, out, shape, sa, sb);
  return env.Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) return Throw(env, "softmax(x, out, rows, n)");
  const int64_t rows = arg(info, 2), n = arg(info, 3);
  if (rows < 0 || n < 0) return Throw(env, "softmax: negative size", true);
  const float* x = floats(info, 0, rows * n);
  float* out = floats(info, 1, rows * n);
  md4::softmaxRows(x, out, rows, n);
  return env.Undefined();
}

// adamw(p, g, m, v, outP, outM, outV, n, consts: Float64Array [beta1, beta2, eps, lr, weightDecay,
// biasCorrection1, biasCorrection2, gradScale]).
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 9) return Throw(env, "adamw(p, g, m, v, outP, outM, outV, n, Float64Array consts)");
  size_t count = 0;
  const double* k = layoutOf(info, 8, 1, "adamw: consts must be a Float64Array of 8 numbers", count);
  if (count != 8) return Throw(env, "adamw: consts must be a Float64Array of 8 numbers");
  const int64_t n = arg(info, 7);
  float* ptrs[7];
  for (int i = 0; i < 7; i++) {
    ptrs[i] = floats(info, i, n);
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
  md4::adamwUpdate(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], n, c);
  return env.Undefined();
}

// ema(shadow, param, out, n, decay).
Napi::Value Ema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Throw(env, "ema(shadow, param, out, n, decay)");
  const int64_t n = arg(info, 3);
  const double decay = info[4].As<Napi::Number>().DoubleValue();
  const float* s = floats(info, 0, n);
  const float* p = floats(info, 1, n);
  float* out = floats(info, 2, n);
  md4::emaUpdate(s, p, out, n, static_cast<float>(decay), static_cast<float>(1 - decay));
  return env.Undefined();
}

// rope(x, cos, sin, out, outer, length, half, inverse).
Napi::Value Rope(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) return Throw(env, "rope(x, cos, sin, out, outer, length, half, inverse)");
  const int64_t outer = arg(info, 4), length = arg(info, 5), half = arg(info, 6);
  if (outer < 0 || length < 0 || half < 1) return Throw(env, "rope: bad sizes", true);
  const float* x = floats(info, 0, outer * length * 2 * half);
  const float* c = floats(info, 1, length * half);
  const float* s = floats(info, 2, length * half);
  float* out = floats(info, 3, outer * length * 2 * half);
  md4::rope(x, c, s, out, outer, length, half, info[7].ToBoolean().Value());
  return env.Undefined();
}

// gate(gate, up, out, n) and gateGrad(dy, gate, up, dGate, dUp, n).
Napi::Value Gate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) return Throw(env, "gate(gate, up, out, n)");
  const int64_t n = arg(info, 3);
  const float* g = floats(info, 0, n);
  const float* u = floats(info, 1, n);
  float* out = floats(info, 2, n);
  md4::sigmoidGate(g, u, out, n);
  return env.Undefined();
}

Napi::Value GateGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) return Throw(env, "gateGrad(dy, gate, up, dGate, dUp, n)");
  const int64_t n = arg(info, 5);
  float* ptrs[5];
  for (int i = 0; i < 5; i++) {
    ptrs[i] = floats(info, i, n);
  }
  md4::sigmoidGateGrad(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], n);
  return env.Undefined();
}

// geluTanh(x, y, n, constants) and geluTanhGrad(dy, x, dx, n, constants); constants: Float32Array
// [c, 2k, 6ck].
md4::GeluConstants geluConstants(const Napi::CallbackInfo& info, int at) {
  const float* k = floats(info, at, 3);
  return {k[0], k[1], k[2]};
}

Napi::Value GeluTanh(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4) return Throw(env, "geluTanh(x, y, n, constants)");
  const int64_t n = arg(info, 2);
  md4::geluTanh(geluConstants(info, 3), floats(info, 0, n), floats(info, 1, n), n);
  return env.Undefined();
}

Napi::Value GeluTanhGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5) return Throw(env, "geluTanhGrad(dy, x, dx, n, constants)");
  const int64_t n = arg(info, 3);
  md4::geluTanhGrad(geluConstants(info, 4), floats(info, 0, n), floats(info, 1, n), floats(info, 2, n), n);
  return env.Undefined();
}

// The shape of an attention call from its sizes (Float64Array [B, L, H, hd, scale, causal 0/1]) at
// info[sizesArg], and its rotary tables at info[cosArg], info[cosArg + 1] (null: none).
md4::AttentionShape attentionShape(const Napi::CallbackInfo& info, int cosArg, int sizesArg) {
  size_t count = 0;
  const double* sizes =
      layoutOf(info, sizesArg, 1, "attention: sizes must be a Float64Array [B, L, H, hd, scale, causal]", count);
  if (count != 6) throw ArgumentError{"attention: sizes must be [B, L, H, hd, scale, causal]", true};
  md4::AttentionShape s;
  s.batch = static_cast<int64_t>(sizes[0]);
  s.seqLen = static_cast<int64_t>(sizes[1]);
  s.heads = static_cast<int64_t>(sizes[2]);
  s.headDim = static_cast<int64_t>(sizes[3]);
  s.scale = static_cast<float>(sizes[4]);
  s.causal = sizes[5] != 0;
  if (s.batch < 0 || s.seqLen < 1 || s.heads < 1 || s.headDim < 2 || s.headDim % 2 != 0 ||
      s.seqLen * s.headDim > (int64_t{1} << 30))
    throw ArgumentError{"attention: bad sizes", true};
  if (!info[cosArg].IsNull()) {
    const int64_t table = s.seqLen * s.headDim / 2;
    s.cos = floats(info, cosArg, table);
    s.sin = floats(info, cosArg + 1, table);
  }
  return s;
}

// attention(qkv, cos, sin, out, lse, sizes, precision?).
Napi::Value Attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) return Throw(env, "attention(qkv, cos, sin, out, lse, sizes)");
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  md4::AttentionShape s = attentionShape(info, 1, 5);
  s.bf16 = md4::bf16Precision(precisionArg(info, 6));
  const int64_t rows = s.batch * s.seqLen, d = s.heads * s.headDim;
  const float* qkv = floats(info, 0, rows * 3 * d);
  float* out = floats(info, 3, rows * d);
  float* lse = floats(info, 4, rows * s.heads);
  md4::attentionForward(s, qkv, out, lse);
  return env.Undefined();
}

// attentionGrad(dy, qkv, cos, sin, out, lse, dqkv, sizes, precision?).
Napi::Value AttentionGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) return Throw(env, "attentionGrad(dy, qkv, cos, sin, out, lse, dqkv, sizes)");
  if (blas().handle == nullptr) return Throw(env, "md4_native: init() has not loaded a BLAS");
  md4::AttentionShape s = attentionShape(info, 2, 7);
  s.bf16 = md4::bf16Precision(precisionArg(info, 8));
  const int64_t rows = s.batch * s.seqLen, d = s.heads * s.headDim;
  const float* dy = floats(info, 0, rows * d);
  const float* qkv = floats(info, 1, rows * 3 * d);
  const float* out = floats(info, 4, rows * d);
  const float* lse = floats(info, 5, rows * s.heads);
  float* dqkv = floats(info, 6, rows * 3 * d);
  md4::attentionBackward(s, dy, qkv, out, lse, dqkv);
  return env.Undefined();
}

// The (batch, rows, d) of a per-sequence kernel call (adaLN, gated residual) at info[first..first+2].
void perSequenceSizes(const Napi::CallbackInfo& info, int first, const char* kernel, int64_t& batch, int64_t& rows,
                      int64_t& d) {
  batch = arg(info, first);
  rows = arg(info, first + 1);
  d = arg(info, first + 2);
  if (batch < 1 || rows < 0 || d < 1 || rows % batch != 0)
    throw ArgumentError{std::string(kernel) + ": bad sizes (rows must be a multiple of batch)", true};
}

Napi::Value AdaLayerNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 10) return Throw(env, "adaLayerNorm(x, shift, scale, y, mean, r, batch, rows, d, eps)");
  int64_t batch, rows, d;
  perSequenceSizes(info, 6, "adaLayerNorm", batch, rows, d);
  const float* x = floats(info, 0, rows * d);
  const float* shift = floats(info, 1, batch * d);
  const float* scale = floats(info, 2, batch * d);
  float* y = floats(info, 3, rows * d);
  float* mean = floats(info, 4, rows);
  float* r = floats(info, 5, rows);
  md4::adaLayerNorm(x, shift, scale, y, mean, r, batch, rows, d, static_cast<float>(info[9].As<Napi::Number>().DoubleValue()));
  return env.Undefined();
}

Napi::Value AdaLayerNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11)
    return Throw(env, "adaLayerNormGrad(dy, x, scale, mean, r, dx, dShift, dScale, batch, rows, d)");
  int64_t batch, rows, d;
  perSequenceSizes(info, 8, "adaLayerNormGrad", batch, rows, d);
  const float* dy = floats(info, 0, rows * d);
  const float* x = floats(info, 1, rows * d);
  const float* scale = floats(info, 2, batch * d);
  const float* mean = floats(info, 3, rows);
  const float* r = floats(info, 4, rows);
  float* dx = floats(info, 5, rows * d);
  float* dShift = floats(info, 6, batch * d);
  float* dScale = floats(info, 7, batch * d);
  md4::adaLayerNormGrad(dy, x, scale, mean, r, dx, dShift, dScale, batch, rows, d);
  return env.Undefined();
}

// The (rows, d) of an RMS-norm call at info[first..first+1].
void rowSizes(const Napi::CallbackInfo& info, int first, const char* kernel, int64_t& rows, int64_t& d) {
  rows = arg(info, first);
  d = arg(info, first + 1);
  if (rows < 0 || d < 1) throw ArgumentError{std::string(kernel) + ": bad sizes (rows >= 0, d >= 1)", true};
}

Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7) return Throw(env, "rmsNorm(x, scale, y, r, rows, d, eps)");
  int64_t rows, d;
  rowSizes(info, 4, "rmsNorm", rows, d);
  const float* x = floats(info, 0, rows * d);
  const float* scale = floats(info, 1, d);
  float* y = floats(info, 2, rows * d);
  float* r = floats(info, 3, rows);
  md4::rmsNorm(x, scale, y, r, rows, d, static_cast<float>(info[6].As<Napi::Number>().DoubleValue()));
  return env.Undefined();
}

Napi::Value RmsNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) return Throw(env, "rmsNormGrad(dy, x, scale, r, dx, dScale, rows, d)");
  int64_t rows, d;
  rowSizes(info, 6, "rmsNormGrad", rows, d);
  const float* dy = floats(info, 0, rows * d);
  const float* x = floats(info, 1, rows * d);
  const float* scale = floats(info, 2, d);
  const float* r = floats(info, 3, rows);
  float* dx = floats(info, 4, rows * d);
  float* dScale = floats(info, 5, d);
  md4::rmsNormGrad(dy, x, scale, r, dx, dScale, rows, d);
  return env.Undefined();
}

Napi::Value GatedResidual(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 7) return Throw(env, "gatedResidual(x, gate, branch, y, batch, rows, d)");
  int64_t batch, rows, d;
  perSequenceSizes(info, 4, "gatedResidual", batch, rows, d);
  const float* x = floats(info, 0, rows * d);
  const float* gate = floats(info, 1, batch * d);
  const float* branch = floats(info, 2, rows * d);
  float* y = floats(info, 3, rows * d);
  md4::gatedResidual(x, gate, branch, y, batch, rows, d);
  return env.Undefined();
}

Napi::Value GatedResidualGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) return Throw(env, "gatedResidualGrad(dy, gate, branch, dGate, dBranch, batch, rows, d)");
  int64_t batch, rows, d;
  perSequenceSizes(info, 5, "gatedResidualGrad", batch, rows, d);
  const float* dy = floats(info, 0, rows * d);
  const float* gate = floats(info, 1, batch * d);
  const float* branch = floats(info, 2, rows * d);
  float* dGate = floats(info, 3, batch * d);
  float* dBranch = floats(info, 4, rows * d);
  md4::gatedResidualGrad(dy, gate, branch, dGate, dBranch, batch, rows, d);
  return env.Undefined();
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) return Throw(env, "reduce(op, x, out, outer, r, inner)");
  const int op = static_cast<int>(arg(info, 0));
  const int64_t outer = arg(info, 3), r = arg(info, 4), inner = arg(info, 5);
  if (op < md4::ew::kSum || op > md4::ew::kMean || outer < 0 || r < 1 || inner < 0)
    return Throw(env, "reduce: unknown op or bad sizes", true);
  const float* x = floats(info, 1, outer * r * inner);
  float* out = floats(info, 2, outer * inner);
  md4::reduce(op, x, out, outer, r, inner);
  return env.Undefined();
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Guarded<Init>));
  exports.Set("info", Napi::Function::New(env, Guarded<Info>));
  exports.Set("gemm", Napi::Function::New(env, Guarded<Gemm>));
  exports.Set("releaseBf16Copy", Napi::Function::New(env, Guarded<ReleaseBf16Copy>));
  exports.Set("releaseBf16Copies", Napi::Function::New(env, Guarded<ReleaseBf16Copies>));
  exports.Set("bf16CopyBudget", Napi::Function::New(env, Guarded<Bf16CopyBudget>));
  exports.Set("precision", Napi::Function::New(env, Guarded<Precision>));
  exports.Set("float32Products", Napi::Function::New(env, Guarded<Float32Products>));
  exports.Set("copy", Napi::Function::New(env, Guarded<Copy>));
  exports.Set("concat", Napi::Function::New(env, Guarded<Concat>));
  exports.Set("unary", Napi::Function::New(env, Guarded<Unary>));
  exports.Set("select", Napi::Function::New(env, Guarded<Select>));
  exports.Set("cast", Napi::Function::New(env, Guarded<Cast>));
  exports.Set("binary", Napi::Function::New(env, Guarded<Binary>));
  exports.Set("softmax", Napi::Function::New(env, Guarded<Softmax>));
  exports.Set("reduce", Napi::Function::New(env, Guarded<Reduce>));
  exports.Set("adamw", Napi::Function::New(env, Guarded<AdamW>));
  exports.Set("ema", Napi::Function::New(env, Guarded<Ema>));
  exports.Set("rope", Napi::Function::New(env, Guarded<Rope>));
  exports.Set("gate", Napi::Function::New(env, Guarded<Gate>));
  exports.Set("gateGrad", Napi::Function::New(env, Guarded<GateGrad>));
  exports.Set("geluTanh", Napi::Function::New(env, Guarded<GeluTanh>));
  exports.Set("geluTanhGrad", Napi::Function::New(env, Guarded<GeluTanhGrad>));
  exports.Set("attention", Napi::Function::New(env, Guarded<Attention>));
  exports.Set("attentionGrad", Napi::Function::New(env, Guarded<AttentionGrad>));
  exports.Set("adaLayerNorm", Napi::Function::New(env, Guarded<AdaLayerNorm>));
  exports.Set("adaLayerNormGrad", Napi::Function::New(env, Guarded<AdaLayerNormGrad>));
  exports.Set("rmsNorm", Napi::Function::New(env, Guarded<RmsNorm>));
  exports.Set("rmsNormGrad", Napi::Function::New(env, Guarded<RmsNormGrad>));
  exports.Set("gatedResidual", Napi::Function::New(env, Guarded<GatedResidual>));
  exports.Set("gatedResidualGrad", Napi::Function::New(env, Guarded<GatedResidualGrad>));
  return exports;
}

}  // namespace

NODE_API_MODULE(md4_native, InitModule)
