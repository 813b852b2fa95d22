import { registerNativeBackend } from '../dist/index.js'; const __st = await registerNativeBackend(); console.error(JSON.stringify(__st));
// src/bench/bench.ts
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

// ../core/src/mask.ts
function assertTokenRange(tokens, vocabSize, opts = {}) {
  const max = opts.allowMask ? vocabSize : vocabSize - 1;
  for (let i = 0; i < tokens.length; i++) {
    const v = tokens[i];
    if (!Number.isInteger(v) || v < 0 || v > max) {
      const range = opts.allowMask ? `[0, ${vocabSize}] (${vocabSize} = MASK)` : `[0, ${vocabSize})`;
      throw new RangeError(
        `${opts.what ?? "tokens"}: token ${v} at index ${i} is outside ${range}; check that the data and the model use the same vocabulary`
      );
    }
  }
}

// ../core/src/rng.ts
function splitmix32(seed) {
  let s = seed >>> 0;
  return () => {
    s = s + 2654435769 >>> 0;
    let z = s;
    z = Math.imul(z ^ z >>> 16, 2246822507) >>> 0;
    z = Math.imul(z ^ z >>> 13, 3266489909) >>> 0;
    return (z ^ z >>> 16) >>> 0;
  };
}
var Xoshiro128 = class _Xoshiro128 {
  s;
  constructor(state) {
    this.s = Uint32Array.from(state);
    if (this.s.length !== 4 || this.s.every((w) => w === 0)) {
      throw new RangeError("rng state must be four uint32 words, not all zero");
    }
  }
  nextUint32() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  uniform() {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  normal() {
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  fork() {
    const mix = splitmix32(this.nextUint32() ^ Math.imul(this.nextUint32(), 668265263));
    return new _Xoshiro128([mix(), mix(), mix(), mix()]);
  }
  getState() {
    return Array.from(this.s);
  }
};
function rotl(x, k) {
  return (x << k | x >>> 32 - k) >>> 0;
}
function createRng(seed) {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  const mix = splitmix32(Math.trunc(seed) >>> 0);
  const high = Math.floor(Math.trunc(Math.abs(seed)) / 4294967296) >>> 0;
  return new Xoshiro128([mix(), mix() ^ high, mix(), mix()]);
}

// ../schedules/src/masking-schedule.ts
var DEFAULT_EPS = 1e-4;
function assertTime(t) {
  if (!(t >= 0 && t <= 1)) throw new RangeError(`time t must lie in [0, 1], got ${t}`);
}
function assertEps(eps) {
  if (!(eps >= 0 && eps < 0.5)) throw new RangeError(`eps must lie in [0, 0.5), got ${eps}`);
}
function squeezedSchedule(name, config, rawAlpha, rawDalpha) {
  const { eps } = config;
  assertEps(eps);
  const scale = 1 - 2 * eps;
  const alpha = (t) => {
    assertTime(t);
    return scale * rawAlpha(t) + eps;
  };
  const dalpha = (t) => {
    assertTime(t);
    return scale * rawDalpha(t);
  };
  return {
    name,
    alpha,
    dalpha,
    weight: (t) => dalpha(t) / (1 - alpha(t)),
    toJSON: () => ({ ...config })
  };
}

// ../schedules/src/genmd4-mask-likelihood.ts
import * as tf from "@tensorflow/tfjs-core";
var MIN_TIME = 1e-30;
function checkShapes(schedule, x0, t, what) {
  if (x0.rank !== 2 || x0.dtype !== "int32") {
    throw new TypeError(`${what}: x0 must be an int32 tensor of shape [B, L], got ${x0.dtype} [${x0.shape}]`);
  }
  if (t.rank !== 1 || t.shape[0] !== x0.shape[0]) {
    throw new TypeError(
      `${what}: t must have shape [${x0.shape[0]}] (one time per sequence), got [${t.shape}]`
    );
  }
  if (schedule.rawExponents.isDisposed) {
    throw new Error(`${what}: the GenMD4 schedule was disposed`);
  }
}
function genmd4TokenExponents(schedule, x0) {
  if (x0.rank !== 2 || x0.dtype !== "int32") {
    throw new TypeError(
      `genmd4TokenExponents: x0 must be an int32 tensor [B, L], got ${x0.dtype} [${x0.shape}]`
    );
  }
  return tf.tidy(() => {
    const w = schedule.exponents();
    const oneHot4 = tf.oneHot(x0, schedule.vocabSize);
    return tf.sum(tf.mul(tf.cast(oneHot4, "float32"), w), -1);
  });
}
function genmd4LogMaskLikelihood(schedule, x0, masked, t) {
  checkShapes(schedule, x0, t, "genmd4LogMaskLikelihood");
  if (masked.rank !== 2 || masked.shape[0] !== x0.shape[0] || masked.shape[1] !== x0.shape[1]) {
    throw new TypeError(
      `genmd4LogMaskLikelihood: masked must have the shape of x0 [${x0.shape}], got [${masked.shape}]`
    );
  }
  const { eps } = schedule;
  return tf.tidy(() => {
    const wx = genmd4TokenExponents(schedule, x0);
    const exponent = tf.mul(wx, tf.reshape(tf.log(tf.maximum(t, MIN_TIME)), [-1, 1]));
    const maskedTerm = tf.add(Math.log1p(-eps), exponent);
    const keptTerm = tf.log(tf.sub(eps, tf.mul(1 - eps, tf.expm1(exponent))));
    const isMasked = tf.cast(masked, "bool");
    return tf.sum(tf.where(isMasked, maskedTerm, keptTerm), -1);
  });
}

// ../schedules/src/linear-schedule.ts
function linear(opts = {}) {
  const eps = opts.eps ?? DEFAULT_EPS;
  return squeezedSchedule(
    "linear",
    { kind: "linear", eps },
    (t) => 1 - t,
    () => -1
  );
}

// src/bench/bench.ts
import * as tf24 from "@tensorflow/tfjs-core";

// src/parameter-layout.ts
function parameterLayout(c) {
  const d = c.dModel;
  const hd = d / c.heads;
  const g = c.tokensPerPosition;
  const E = c.tokenEmbedDim;
  const specs = [];
  const add12 = (name, shape, init) => specs.push({ name, shape, init, matrix: shape.length === 2 });
  add12("embed.embedding", [c.vocabSize + 1, E], "normal");
  if (g > 1) add12("embed.proj.kernel", [g * E, d], "lecun");
  if (c.timeConditioned) {
    add12("time.mlp1.kernel", [hd, 4 * hd], "lecun");
    add12("time.mlp1.bias", [4 * hd], "zeros");
    add12("time.mlp2.kernel", [4 * hd, hd], "lecun");
    add12("time.mlp2.bias", [hd], "zeros");
  }
  for (let i = 0; i < c.layers; i++) {
    const p = `blocks.${i}`;
    if (c.timeConditioned) {
      add12(`${p}.ada.kernel`, [hd, 6 * d], "zeros");
      add12(`${p}.ada.bias`, [6 * d], "zeros");
    } else {
      add12(`${p}.norm1.scale`, [d], "ones");
      add12(`${p}.norm2.scale`, [d], "ones");
    }
    add12(`${p}.attn.qkv.kernel`, [d, 3 * d], "lecun");
    add12(`${p}.attn.out.kernel`, [d, d], "lecun");
    add12(`${p}.mlp.gate.kernel`, [d, c.mlpHidden], "lecun");
    add12(`${p}.mlp.up.kernel`, [d, c.mlpHidden], "lecun");
    add12(`${p}.mlp.down.kernel`, [c.mlpHidden, d], "lecun");
  }
  if (c.timeConditioned) {
    add12("final.ada.kernel", [hd, 2 * d], "zeros");
    add12("final.ada.bias", [2 * d], "zeros");
  } else {
    add12("final.norm.scale", [d], "ones");
  }
  add12("out.kernel", [d, g * c.vocabSize], "zeros");
  return specs;
}

// src/transformer-config.ts
function gluHidden(dModel) {
  return 32 * Math.ceil(Math.floor(2 * 4 * dModel / 3) / 32);
}
var PRESETS = {
  /** CI-sized. */
  tiny: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 },
  /** The largest that trains at a useful pace on a 2-core CPU (benchmark config). */
  "small-cpu": { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 },
  /** Paper MD4-S (text8 uses V = 27, L = 256; OpenWebText V = 50257, L = 1024). */
  small: { vocabSize: 50257, seqLen: 1024, layers: 12, dModel: 768, heads: 12 },
  /** Paper MD4-M. */
  medium: { vocabSize: 50257, seqLen: 1024, layers: 24, dModel: 1024, heads: 16 },
  /** 28 x 28 grayscale images as 256-valued pixel tokens, 7 pixels per position (112 positions). */
  "image-28": {
    vocabSize: 256,
    seqLen: 784,
    layers: 4,
    dModel: 128,
    heads: 4,
    tokensPerPosition: 7,
    tokenEmbedDim: 32,
    image: { height: 28, width: 28, channels: 1 }
  }
};
function preset(name, overrides = {}) {
  const base = PRESETS[name];
  if (base == null) {
    throw new RangeError(`unknown preset "${name}"; expected one of ${Object.keys(PRESETS).join(", ")}`);
  }
  return { ...base, ...overrides };
}
function positiveInt(name, v) {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`transformer config: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}
function resolveConfig(config) {
  if (config == null || typeof config !== "object")
    throw new TypeError("transformer config must be an object");
  const vocabSize = positiveInt("vocabSize", config.vocabSize);
  const seqLen = positiveInt("seqLen", config.seqLen);
  const layers = positiveInt("layers", config.layers);
  const dModel = positiveInt("dModel", config.dModel);
  const heads = positiveInt("heads", config.heads);
  if (dModel % heads !== 0) {
    throw new RangeError(`transformer config: dModel ${dModel} is not divisible by heads ${heads}`);
  }
  const headDim = dModel / heads;
  const ropeTheta = config.ropeTheta ?? 1e4;
  if (!(ropeTheta >= 0)) throw new RangeError(`transformer config: ropeTheta must be >= 0, got ${ropeTheta}`);
  if (ropeTheta > 0 && headDim % 2 !== 0) {
    throw new RangeError(`transformer config: head dim ${headDim} must be even for rotary embeddings`);
  }
  const dropout2 = config.dropout ?? 0;
  if (!(dropout2 >= 0 && dropout2 < 1))
    throw new RangeError(`transformer config: dropout must lie in [0, 1), got ${dropout2}`);
  const normEps = config.normEps ?? 1e-5;
  if (!(normEps > 0)) throw new RangeError(`transformer config: normEps must be > 0, got ${normEps}`);
  const tokensPerPosition = positiveInt("tokensPerPosition", config.tokensPerPosition ?? 1);
  if (seqLen % tokensPerPosition !== 0) {
    throw new RangeError(
      `transformer config: seqLen ${seqLen} is not divisible by tokensPerPosition ${tokensPerPosition}`
    );
  }
  const tokenEmbedDim = positiveInt(
    "tokenEmbedDim",
    config.tokenEmbedDim ?? (tokensPerPosition === 1 ? dModel : Math.ceil(dModel / tokensPerPosition))
  );
  if (tokensPerPosition === 1 && tokenEmbedDim !== dModel) {
    throw new RangeError("transformer config: tokenEmbedDim must equal dModel when tokensPerPosition is 1");
  }
  const resolved = {
    vocabSize,
    seqLen,
    layers,
    dModel,
    heads,
    mlpHidden: positiveInt("mlpHidden", config.mlpHidden ?? gluHidden(dModel)),
    timeConditioned: config.timeConditioned ?? true,
    dropout: dropout2,
    ropeTheta,
    normEps,
    tokensPerPosition,
    tokenEmbedDim
  };
  if (config.image != null) {
    const { height, width, channels } = config.image;
    positiveInt("image.height", height);
    positiveInt("image.width", width);
    positiveInt("image.channels", channels);
    if (height * width * channels !== seqLen) {
      throw new RangeError(
        `transformer config: image ${height}x${width}x${channels} does not have seqLen ${seqLen} tokens`
      );
    }
    resolved.image = { height, width, channels };
  }
  return resolved;
}

// src/parameter-count.ts
function countParameters(config) {
  const c = resolveConfig(config);
  const { vocabSize: V, dModel: d, layers: n, mlpHidden: h, tokensPerPosition: g, tokenEmbedDim: E } = c;
  const hd = d / c.heads;
  let total = (V + 1) * E + (g > 1 ? g * E * d : 0);
  total += n * (4 * d * d + 3 * d * h);
  if (c.timeConditioned) {
    total += hd * 4 * hd + 4 * hd + 4 * hd * hd + hd + n * (hd * 6 * d + 6 * d) + hd * 2 * d + 2 * d;
  } else {
    total += n * 2 * d + d;
  }
  return total + d * g * V;
}
function matmulParameters(config) {
  const c = resolveConfig(config);
  const { dModel: d, layers: n, mlpHidden: h, tokensPerPosition: g, tokenEmbedDim: E } = c;
  const hd = d / c.heads;
  const perPosition = n * (4 * d * d + 3 * d * h) + d * g * c.vocabSize + (g > 1 ? g * E * d : 0);
  const perSequence2 = c.timeConditioned ? 8 * hd * hd + n * hd * 6 * d + hd * 2 * d : 0;
  return { perPosition, perSequence: perSequence2 };
}
function forwardFlops(config, batch, length) {
  const c = resolveConfig(config);
  const P = length / c.tokensPerPosition;
  const { perPosition, perSequence: perSequence2 } = matmulParameters(c);
  return 2 * perPosition * batch * P + 2 * perSequence2 * batch + 4 * batch * P * P * c.dModel * c.layers;
}

// ../elbo/src/genmd4-loss.ts
import * as tf4 from "@tensorflow/tfjs-core";

// ../elbo/src/antithetic-times.ts
function drawUnitTimes(batch, rng, antithetic) {
  const u = new Float64Array(batch);
  if (antithetic) {
    const start = rng.uniform();
    for (let b = 0; b < batch; b++) {
      const x = start + b / batch;
      u[b] = x >= 1 ? x - 1 : x;
    }
  } else {
    for (let b = 0; b < batch; b++) u[b] = rng.uniform();
  }
  return u;
}

// ../elbo/src/masked-predictions.ts
import * as tf2 from "@tensorflow/tfjs-core";
function maskedPredictions(denoiser, x0, draw, times, what) {
  const [B, L] = x0.shape;
  const V = denoiser.vocabSize;
  const xt = tf2.tensor2d(draw.xt, [B, L], "int32");
  const t = tf2.tensor1d(Float32Array.from(times));
  const logits = denoiser.logits(xt, t);
  if (logits?.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L || logits.shape[2] !== V) {
    throw new RangeError(
      `${what}: denoiser returned logits of shape [${logits?.shape}], expected [${B}, ${L}, ${V}] (batch, length, vocabSize)`
    );
  }
  const maskWeight = tf2.tensor2d(Float32Array.from(draw.mask), [B, L]);
  const isMasked = tf2.reshape(tf2.cast(maskWeight, "bool"), [B, L, 1]);
  const safeLogits = tf2.where(isMasked, tf2.cast(logits, "float32"), tf2.zeros([1, 1, 1]));
  const logMu = tf2.logSoftmax(safeLogits);
  const oneHot4 = tf2.cast(tf2.oneHot(x0, V), "bool");
  const logMuAtX0 = tf2.sum(tf2.where(oneHot4, logMu, tf2.zeros([1, 1, 1])), -1);
  return { logMu, oneHot: oneHot4, logMuAtX0, maskWeight };
}

// ../elbo/src/masking.ts
function drawMask(x0, batch, length, vocabSize, rng, maskProbability) {
  const mask = new Uint8Array(batch * length);
  const xt = new Int32Array(batch * length);
  const maskedTokens = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < length; n++) {
      const i = b * length + n;
      if (rng.uniform() < maskProbability(b, n)) {
        mask[i] = 1;
        xt[i] = vocabSize;
        maskedTokens[b]++;
      } else {
        xt[i] = x0[i];
      }
    }
  }
  return { mask, xt, maskedTokens };
}

// ../elbo/src/stop-gradient.ts
import * as tf3 from "@tensorflow/tfjs-core";
var stopGradient = tf3.customGrad((...inputs) => ({
  value: tf3.clone(inputs[0]),
  gradFunc: (dy) => tf3.zerosLike(dy)
}));

// ../elbo/src/validate-input.ts
function checkDenoiser(denoiser, what) {
  const V = denoiser?.vocabSize;
  if (!Number.isInteger(V) || V < 1 || typeof denoiser.logits !== "function") {
    throw new TypeError(`${what}: denoiser must be a Denoiser with an integer vocabSize >= 1 and logits()`);
  }
  return V;
}
function checkRng(rng, what) {
  if (rng == null || typeof rng.uniform !== "function") {
    throw new TypeError(`${what}: opts.rng must be an Rng (use createRng(seed) from @md4/core)`);
  }
}
function checkSteps(steps, what) {
  if (steps !== void 0 && !(Number.isInteger(steps) && steps >= 1)) {
    throw new RangeError(
      `${what}: steps must be an integer >= 1 (or omitted for continuous time), got ${steps}`
    );
  }
}
function readCleanTokens(x0, vocabSize, what) {
  if (x0 == null || x0.rank !== 2) {
    throw new TypeError(`${what}: x0 must be a rank-2 [batch, length] tensor, got shape [${x0?.shape}]`);
  }
  if (x0.dtype !== "int32") throw new TypeError(`${what}: x0 must have dtype int32, got ${x0.dtype}`);
  const [B, L] = x0.shape;
  if (B < 1 || L < 1)
    throw new RangeError(`${what}: x0 must have at least one sequence and one token, got [${B}, ${L}]`);
  const data = x0.dataSync();
  assertTokenRange(data, vocabSize, { what: `${what}: x0 (denoiser vocabSize ${vocabSize})` });
  return data;
}

// ../elbo/src/genmd4-loss.ts
function genmd4Loss(denoiser, x0, opts) {
  const what = "genmd4Loss";
  const V = checkDenoiser(denoiser, what);
  checkRng(opts?.rng, what);
  const { schedule } = opts;
  if (schedule?.name !== "genmd4" || typeof schedule.exponents !== "function") {
    throw new TypeError(
      `${what}: opts.schedule must be a GenMD4 schedule (genmd4Schedule(V) from @md4/schedules)`
    );
  }
  if (schedule.vocabSize !== V) {
    throw new RangeError(
      `${what}: the schedule has ${schedule.vocabSize} exponents but the denoiser's vocabSize is ${V}; build the schedule with genmd4Schedule(denoiser.vocabSize)`
    );
  }
  const t1 = opts.t1 ?? 1e-3;
  if (!(t1 >= 0 && t1 < 1)) throw new RangeError(`${what}: t1 must lie in [0, 1), got ${t1}`);
  const x0Data = readCleanTokens(x0, V, what);
  const [B, L] = x0.shape;
  const eps = schedule.eps;
  const units = drawUnitTimes(B, opts.rng, opts.antithetic ?? true);
  const times = units.map((u) => t1 + (1 - t1) * u);
  for (let b = 0; b < B; b++) if (times[b] === 0) times[b] = Number.EPSILON;
  const w = schedule.exponentValues();
  const maskProbability = (b, n) => (1 - eps) * times[b] ** w[x0Data[b * L + n]];
  const draws = [
    drawMask(x0Data, B, L, V, opts.rng, maskProbability),
    drawMask(x0Data, B, L, V, opts.rng, maskProbability)
  ];
  const [loss, nelbo, perSequence2, reconstruction] = tf4.tidy(() => {
    const exponents = schedule.exponents();
    const tokenExponents = genmd4TokenExponents(schedule, x0);
    const inverseTime = tf4.tensor2d(
      Float32Array.from(times, (t2) => 1 / t2),
      [B, 1]
    );
    const t = tf4.tensor1d(Float32Array.from(times));
    const pathwise = draws.map((draw) => {
      const { logMu, logMuAtX0, maskWeight } = maskedPredictions(denoiser, x0, draw, times, what);
      const meanExponent = tf4.sum(tf4.mul(tf4.exp(logMu), exponents), -1);
      const integrand = tf4.sub(meanExponent, tf4.mul(tokenExponents, tf4.add(1, logMuAtX0)));
      const perToken = tf4.mul(tf4.mul(integrand, inverseTime), maskWeight);
      return tf4.mul(tf4.sum(perToken, -1), 1 - t1);
    });
    const recon = t1 > 0 ? tf4.mul(tf4.sum(tf4.exp(tf4.mul(tokenExponents, Math.log(t1))), -1), (1 - eps) * Math.log(V)) : tf4.zeros([B]);
    const perSeq = tf4.add(tf4.mul(tf4.add(pathwise[0], pathwise[1]), 0.5), recon);
    const logQ = draws.map(
      (draw) => genmd4LogMaskLikelihood(schedule, x0, tf4.tensor2d(draw.mask, [B, L], "int32"), t)
    );
    const advantage = stopGradient(tf4.sub(pathwise[0], pathwise[1]));
    const scoreDifference = tf4.sub(logQ[0], logQ[1]);
    const centred = tf4.sub(scoreDifference, stopGradient(scoreDifference));
    const reinforce = tf4.mul(tf4.mul(advantage, centred), 0.5);
    const perTokenBits = L * Math.LN2;
    return [
      tf4.div(tf4.mean(tf4.add(perSeq, reinforce)), perTokenBits),
      tf4.div(tf4.mean(perSeq), perTokenBits),
      perSeq,
      tf4.div(tf4.mean(recon), perTokenBits)
    ];
  });
  return {
    loss,
    nelbo,
    perSequence: perSequence2,
    reconstruction,
    times,
    maskedTokens: [draws[0].maskedTokens, draws[1].maskedTokens]
  };
}

// ../elbo/src/md4-loss.ts
import * as tf5 from "@tensorflow/tfjs-core";

// ../elbo/src/md4-time-weights.ts
function md4TimeWeights(schedule, units, steps) {
  const times = new Float64Array(units.length);
  const weights = new Float64Array(units.length);
  for (let b = 0; b < units.length; b++) {
    const u = units[b];
    if (steps === void 0) {
      const t = u > 0 ? u : Number.EPSILON;
      times[b] = t;
      weights[b] = -schedule.weight(t);
    } else {
      const i = Math.min(steps, Math.floor(u * steps) + 1);
      const t = i / steps;
      const s = (i - 1) / steps;
      const alphaT = schedule.alpha(t);
      times[b] = t;
      weights[b] = steps * (schedule.alpha(s) - alphaT) / (1 - alphaT);
    }
  }
  return { times, weights };
}
function md4ReconstructionNats(schedule, length, vocabSize) {
  return length * (1 - schedule.alpha(0)) * Math.log(vocabSize);
}

// ../elbo/src/md4-loss.ts
function md4SequenceNelbo(denoiser, x0, x0Data, opts, what) {
  const [B, L] = x0.shape;
  const V = denoiser.vocabSize;
  const units = drawUnitTimes(B, opts.rng, opts.antithetic);
  const { times, weights } = md4TimeWeights(opts.schedule, units, opts.steps);
  const maskProbability = times.map((t) => 1 - opts.schedule.alpha(t));
  const draw = drawMask(x0Data, B, L, V, opts.rng, (b) => maskProbability[b]);
  const reconstructionNats = md4ReconstructionNats(opts.schedule, L, V);
  const nelbo = tf5.tidy(() => {
    const { logMuAtX0, maskWeight } = maskedPredictions(denoiser, x0, draw, times, what);
    const crossEntropy = tf5.neg(tf5.sum(tf5.mul(logMuAtX0, maskWeight), -1));
    const weighted = tf5.mul(crossEntropy, tf5.tensor1d(Float32Array.from(weights)));
    return tf5.add(weighted, reconstructionNats);
  });
  return { nelbo, times, maskedTokens: draw.maskedTokens, reconstructionNats };
}
function md4Loss(denoiser, x0, opts) {
  const what = "md4Loss";
  const V = checkDenoiser(denoiser, what);
  checkRng(opts?.rng, what);
  checkSteps(opts.steps, what);
  if (typeof opts.schedule?.alpha !== "function") {
    throw new TypeError(
      `${what}: opts.schedule must be a MaskingSchedule (e.g. linear() from @md4/schedules)`
    );
  }
  const x0Data = readCleanTokens(x0, V, what);
  const L = x0.shape[1];
  const { nelbo, times, maskedTokens, reconstructionNats } = md4SequenceNelbo(
    denoiser,
    x0,
    x0Data,
    { schedule: opts.schedule, rng: opts.rng, steps: opts.steps, antithetic: opts.antithetic ?? true },
    what
  );
  const loss = tf5.tidy(() => tf5.div(tf5.mean(nelbo), L * Math.LN2));
  return { loss, nelbo, reconstruction: reconstructionNats / (L * Math.LN2), times, maskedTokens };
}

// src/train-step.ts
import * as tf8 from "@tensorflow/tfjs-core";

// src/adamw.ts
import * as tf6 from "@tensorflow/tfjs-core";

// src/learning-rate.ts
function learningRateAt(config, step) {
  const peak = config.lr ?? 3e-4;
  const warmup = config.warmupSteps ?? 0;
  const warm = warmup > 0 ? Math.min(1, (step + 1) / warmup) : 1;
  const total = config.totalSteps ?? null;
  const m = config.minLrRatio ?? 0;
  if (total == null) return peak * warm;
  const progress = Math.min(1, Math.max(0, (step - warmup) / Math.max(1, total - warmup)));
  return peak * warm * (m + (1 - m) * (1 + Math.cos(Math.PI * progress)) / 2);
}

// src/adamw.ts
function resolveAdamW(config = {}) {
  const c = {
    lr: config.lr ?? 3e-4,
    warmupSteps: config.warmupSteps ?? 0,
    totalSteps: config.totalSteps ?? null,
    minLrRatio: config.minLrRatio ?? 0,
    beta1: config.beta1 ?? 0.9,
    beta2: config.beta2 ?? 0.999,
    eps: config.eps ?? 1e-8,
    weightDecay: config.weightDecay ?? 0.03,
    decayOn: config.decayOn ?? "all",
    clipNorm: config.clipNorm ?? null
  };
  const check = (ok, what) => {
    if (!ok) throw new RangeError(`AdamW: ${what}`);
  };
  check(c.lr >= 0 && Number.isFinite(c.lr), `lr must be a finite number >= 0, got ${c.lr}`);
  check(
    Number.isInteger(c.warmupSteps) && c.warmupSteps >= 0,
    `warmupSteps must be an integer >= 0, got ${c.warmupSteps}`
  );
  check(
    c.totalSteps == null || Number.isInteger(c.totalSteps) && c.totalSteps > 0,
    `totalSteps must be a positive integer or null`
  );
  check(c.minLrRatio >= 0 && c.minLrRatio <= 1, `minLrRatio must lie in [0, 1], got ${c.minLrRatio}`);
  check(c.beta1 >= 0 && c.beta1 < 1, `beta1 must lie in [0, 1), got ${c.beta1}`);
  check(c.beta2 >= 0 && c.beta2 < 1, `beta2 must lie in [0, 1), got ${c.beta2}`);
  check(c.eps > 0, `eps must be > 0, got ${c.eps}`);
  check(c.weightDecay >= 0, `weightDecay must be >= 0, got ${c.weightDecay}`);
  check(
    c.decayOn === "all" || c.decayOn === "matrices",
    `decayOn must be "all" or "matrices", got ${c.decayOn}`
  );
  check(c.clipNorm == null || c.clipNorm > 0, `clipNorm must be > 0 or null, got ${c.clipNorm}`);
  return c;
}
var AdamW = class {
  config;
  /** Updates applied so far. */
  step = 0;
  moments = /* @__PURE__ */ new Map();
  constructor(config = {}) {
    this.config = resolveAdamW(config);
  }
  /** The learning rate of the next update. */
  learningRate(step = this.step) {
    return learningRateAt(this.config, step);
  }
  /**
   * Applies one update to `params` (name -> variable) from `grads` (name -> gradient; borrowed).
   * `gradScale` multiplies every gradient (the clip factor); `decay(name)` selects weight decay.
   * Returns the learning rate used.
   */
  apply(params, grads, opts = {}) {
    const { beta1: b1, beta2: b2, eps, weightDecay } = this.config;
    const lr = this.learningRate();
    const k = this.step + 1;
    const bc1 = 1 - b1 ** k;
    const bc2 = 1 - b2 ** k;
    const scale = opts.gradScale ?? 1;
    for (const [name, p] of params) {
      const g0 = grads.get(name);
      if (g0 == null) throw new Error(`AdamW: no gradient for parameter "${name}"`);
      const state = this.slot(name, p);
      const wd = opts.decay == null || opts.decay(name) ? weightDecay : 0;
      tf6.tidy(() => {
        const g = scale === 1 ? g0 : tf6.mul(g0, scale);
        const m = tf6.add(tf6.mul(state.m, b1), tf6.mul(g, 1 - b1));
        const v = tf6.add(tf6.mul(state.v, b2), tf6.mul(tf6.square(g), 1 - b2));
        const denom = tf6.add(tf6.sqrt(tf6.div(v, bc2)), eps);
        const update = tf6.div(tf6.div(m, bc1), denom);
        const decayed = wd > 0 ? tf6.mul(p, 1 - lr * wd) : p;
        state.m.assign(m);
        state.v.assign(v);
        p.assign(tf6.sub(decayed, tf6.mul(update, lr)));
      });
    }
    this.step++;
    return lr;
  }
  slot(name, p) {
    let s = this.moments.get(name);
    if (s == null) {
      s = {
        m: tf6.tidy(() => tf6.variable(tf6.zerosLike(p), false)),
        v: tf6.tidy(() => tf6.variable(tf6.zerosLike(p), false))
      };
      this.moments.set(name, s);
    }
    return s;
  }
  /** The moment variables by parameter name (for checkpoints); owned by the optimizer. */
  state() {
    return this.moments;
  }
  /** Restores the step count and moments (e.g. from a checkpoint); values are copied. */
  loadState(step, moments) {
    if (!Number.isInteger(step) || step < 0)
      throw new RangeError(`AdamW: step must be an integer >= 0, got ${step}`);
    this.disposeMoments();
    for (const [name, { m, v, shape }] of moments) {
      this.moments.set(name, {
        m: tf6.tidy(() => tf6.variable(tf6.tensor(m, shape, "float32"), false)),
        v: tf6.tidy(() => tf6.variable(tf6.tensor(v, shape, "float32"), false))
      });
    }
    this.step = step;
  }
  disposeMoments() {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
  dispose() {
    this.disposeMoments();
  }
};

// src/ema.ts
import * as tf7 from "@tensorflow/tfjs-core";
var ExponentialMovingAverage = class {
  decay;
  shadow;
  constructor(params, decay) {
    if (!(decay >= 0 && decay < 1)) throw new RangeError(`EMA decay must lie in [0, 1), got ${decay}`);
    this.decay = decay;
    const shadow = {};
    for (const [name, p] of params) shadow[name] = tf7.tidy(() => tf7.variable(tf7.clone(p), false));
    this.shadow = shadow;
  }
  /** One EMA update from the current weights (borrowed). */
  update(params) {
    const a = this.decay;
    for (const [name, p] of params) {
      const s = this.shadow[name];
      if (s == null) throw new Error(`EMA: no shadow for parameter "${name}"`);
      tf7.tidy(() => s.assign(tf7.add(tf7.mul(s, a), tf7.mul(p, 1 - a))));
    }
  }
  /** Overwrites the shadow values (e.g. from a checkpoint). */
  load(values) {
    for (const [name, s] of Object.entries(this.shadow)) {
      const v = values.get(name);
      if (v == null) throw new Error(`EMA: value for "${name}" is missing`);
      tf7.tidy(() => s.assign(tf7.tensor(v, s.shape, "float32")));
    }
  }
  dispose() {
    for (const v of Object.values(this.shadow)) v.dispose();
  }
};

// src/non-finite-error.ts
var NonFiniteLossError = class extends Error {
  step;
  loss;
  gradNorm;
  constructor(step, loss, gradNorm) {
    super(
      `training step ${step}: ${Number.isFinite(loss) ? `the gradient norm is ${gradNorm}` : `the loss is ${loss}`} (not finite); the update was skipped, so weights, optimizer state and EMA are unchanged and no checkpoint should be written from this point. Lower the learning rate, set clipNorm, or check the data and the weights for NaN/Inf.`
    );
    this.name = "NonFiniteLossError";
    this.step = step;
    this.loss = loss;
    this.gradNorm = gradNorm;
  }
};

// src/train-step.ts
var SCHEDULE_PARAM = "schedule.raw_exponents";
var Trainer = class {
  model;
  schedule;
  loss;
  optimizer;
  ema;
  steps;
  rng;
  named;
  constructor(options) {
    const { model, schedule } = options;
    this.model = model;
    this.schedule = schedule;
    this.loss = isStateDependent(schedule) ? "genmd4" : "md4";
    if (this.loss === "genmd4") {
      const s = schedule;
      if (s.vocabSize !== model.vocabSize) {
        throw new RangeError(
          `trainer: the GenMD4 schedule has ${s.vocabSize} exponents but the model's vocabSize is ${model.vocabSize}`
        );
      }
      if (options.steps != null)
        throw new Error("trainer: `steps` (discrete time) applies to the MD4 loss only");
    }
    this.steps = options.steps ?? null;
    this.optimizer = new AdamW(options.optimizer);
    this.rng = options.rng ?? createRng(options.seed ?? 0);
    this.named = new Map(model.layout.map((s) => [s.name, model.params[s.name]]));
    const decay = options.emaDecay ?? 0.9999;
    this.ema = decay > 0 ? new ExponentialMovingAverage(this.named, decay) : null;
    if (this.loss === "genmd4")
      this.named.set(SCHEDULE_PARAM, schedule.rawExponents);
  }
  /** Updates applied so far. */
  get completedSteps() {
    return this.optimizer.step;
  }
  /** The trained variables by name (network parameters, plus the GenMD4 schedule's raw exponents). */
  variables() {
    return this.named;
  }
  /** The network to evaluate and sample with: the EMA weights when kept, else the live weights. */
  evalModel() {
    return this.ema == null ? this.model : this.model.withParams(this.ema.shadow);
  }
  /**
   * One step: loss on the clean batch x0 (int32 [B, L] tensor, borrowed, or an array of sequences),
   * gradients, NaN/Inf check, clipping, AdamW, EMA. Throws `NonFiniteLossError` before touching any
   * state if the loss or a gradient is not finite.
   */
  async step(x0) {
    const batch = Array.isArray(x0) ? batchTensor(x0) : x0;
    const stepRng = this.rng.fork();
    const lossRng = stepRng.fork();
    const denoiser = this.model.config.dropout > 0 ? this.model.training(stepRng.fork()) : this.model;
    const varList = [...this.named.values()];
    const byId = new Map(varList.map((v) => [v.name, v]));
    let nelbo = null;
    let value = null;
    let grads = {};
    let stats = null;
    try {
      const result = tf8.variableGrads(() => {
        if (this.loss === "genmd4") {
          const r2 = genmd4Loss(denoiser, batch, {
            schedule: this.schedule,
            rng: lossRng
          });
          nelbo = tf8.keep(r2.nelbo);
          tf8.dispose([r2.perSequence, r2.reconstruction]);
          return r2.loss;
        }
        const r = md4Loss(denoiser, batch, {
          schedule: this.schedule,
          rng: lossRng,
          ...this.steps != null ? { steps: this.steps } : {}
        });
        tf8.dispose(r.nelbo);
        return r.loss;
      }, varList);
      value = result.value;
      grads = result.grads;
      const gradNormT = tf8.tidy(
        () => tf8.sqrt(tf8.addN(Object.values(grads).map((g) => tf8.sum(tf8.square(g)))))
      );
      stats = tf8.tidy(() => tf8.stack([value, gradNormT, nelbo ?? value]));
      gradNormT.dispose();
      const [loss, gradNorm, nelboValue] = Array.from(await stats.data());
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        throw new NonFiniteLossError(this.completedSteps + 1, loss, gradNorm);
      }
      const clipNorm = this.optimizer.config.clipNorm;
      const gradScale = clipNorm != null ? Math.min(1, clipNorm / (gradNorm + 1e-6)) : 1;
      const named = /* @__PURE__ */ new Map();
      for (const [name, v] of this.named) {
        const g = grads[v.name];
        if (g == null || byId.get(v.name) == null) throw new Error(`trainer: no gradient for "${name}"`);
        named.set(name, g);
      }
      const matricesOnly = this.optimizer.config.decayOn === "matrices";
      const lr = this.optimizer.apply(this.named, named, {
        gradScale,
        decay: (name) => name !== SCHEDULE_PARAM && (!matricesOnly || this.named.get(name).rank >= 2)
      });
      if (this.ema != null) this.ema.update(this.modelParams());
      return { step: this.completedSteps, loss, nelbo: nelboValue, gradNorm, lr };
    } finally {
      tf8.dispose([value, nelbo, stats, grads]);
      if (batch !== x0) batch.dispose();
    }
  }
  modelParams() {
    const m = new Map(this.named);
    m.delete(SCHEDULE_PARAM);
    return m;
  }
  /** Frees the optimizer moments and the EMA (the model and schedule are the caller's). */
  dispose() {
    this.optimizer.dispose();
    this.ema?.dispose();
  }
};
function createTrainer(options) {
  return new Trainer(options);
}
function isStateDependent(s) {
  return s.rawExponents != null;
}
function batchTensor(rows) {
  if (rows.length === 0) throw new RangeError("trainer: the batch is empty");
  const L = rows[0].length;
  const flat = new Int32Array(rows.length * L);
  rows.forEach((r, i) => {
    if (r.length !== L) throw new RangeError(`trainer: sequence ${i} has length ${r.length}, expected ${L}`);
    flat.set(r, i * L);
  });
  return tf8.tensor2d(flat, [rows.length, L], "int32");
}

// src/transformer.ts
import * as tf23 from "@tensorflow/tfjs-core";

// src/adaln-zero.ts
import * as tf14 from "@tensorflow/tfjs-core";

// src/linear-layer.ts
import * as tf13 from "@tensorflow/tfjs-core";

// src/custom-gradient.ts
import * as tf9 from "@tensorflow/tfjs-core";
function customOp(forward) {
  const f = (...args2) => forward(args2.slice(0, -1), args2[args2.length - 1]);
  return tf9.customGrad(f);
}

// src/transposed-matmul.ts
import * as tf12 from "@tensorflow/tfjs-core";

// src/kernels/wasm-kernels.ts
import * as tf11 from "@tensorflow/tfjs-core";

// src/rotary-embedding.ts
import * as tf10 from "@tensorflow/tfjs-core";
var cache = /* @__PURE__ */ new Map();
function ropeTables(length, headDim, theta = 1e4) {
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) {
    throw new RangeError(`rotary embeddings need an even head dimension, got ${headDim}`);
  }
  const key = `${length}:${headDim}:${theta}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const half = headDim / 2;
  const cos2 = new Float32Array(length * half);
  const sin2 = new Float32Array(length * half);
  for (let p = 0; p < half; p++) {
    const freq = theta ** (-(2 * p) / headDim);
    for (let n = 0; n < length; n++) {
      cos2[n * half + p] = Math.cos(n * freq);
      sin2[n * half + p] = Math.sin(n * freq);
    }
  }
  const tables = { length, headDim, cos: cos2, sin: sin2 };
  if (cache.size > 32) cache.clear();
  cache.set(key, tables);
  return tables;
}
function applyRope(x, tables) {
  return tf10.tidy(() => {
    const [B, H, L, hd] = x.shape;
    if (L > tables.length || hd !== tables.headDim) {
      throw new RangeError(
        `rope tables are for L <= ${tables.length}, hd = ${tables.headDim}; got [${x.shape}]`
      );
    }
    const half = hd / 2;
    const cos2 = tf10.tensor2d(tables.cos.subarray(0, L * half), [L, half]);
    const sin2 = tf10.tensor2d(tables.sin.subarray(0, L * half), [L, half]);
    const pairs = tf10.reshape(x, [B, H, L, half, 2]);
    const [x0, x1] = tf10.unstack(pairs, 4);
    const y0 = tf10.sub(tf10.mul(x0, cos2), tf10.mul(x1, sin2));
    const y1 = tf10.add(tf10.mul(x0, sin2), tf10.mul(x1, cos2));
    return tf10.reshape(tf10.stack([y0, y1], 4), [B, H, L, hd]);
  });
}

// src/kernels/strided-copy.ts
function copyBlock(src, srcOffset, srcRow, srcCol, dst, dstOffset, dstRow, dstCol, rows, cols) {
  if (srcCol === 1 && dstCol === 1) {
    for (let i = 0; i < rows; i++) {
      const s = srcOffset + i * srcRow;
      dst.set(src.subarray(s, s + cols), dstOffset + i * dstRow);
    }
    return;
  }
  if (dstRow < dstCol) {
    copyBlock(src, srcOffset, srcCol, srcRow, dst, dstOffset, dstCol, dstRow, cols, rows);
    return;
  }
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(j0 + T, cols);
      for (let i = i0; i < i1; i++) {
        let s = srcOffset + i * srcRow + j0 * srcCol;
        let d = dstOffset + i * dstRow + j0 * dstCol;
        for (let j = j0; j < j1; j++) {
          dst[d] = src[s];
          s += srcCol;
          d += dstCol;
        }
      }
    }
  }
}

// src/kernels/wasm-backend-like.ts
function heapF32(backend, info) {
  return backend.typedArrayFromHeap(info);
}

// src/kernels/wasm-kernels.ts
var WASM_KERNELS = {
  transpose: "Md4Transpose2D",
  scores: "Md4RopeScores",
  scoresGrad: "Md4RopeScoresGrad",
  mix: "Md4AttnMix",
  mixGrad: "Md4AttnMixGrad"
};
var batchMatMul = null;
var registered = false;
function ensureWasmKernels() {
  if (registered) return true;
  const bmm = tf11.getKernel("BatchMatMul", "wasm");
  if (bmm == null) return false;
  batchMatMul = bmm.kernelFunc;
  const defs = [
    [WASM_KERNELS.transpose, transposeKernel],
    [WASM_KERNELS.scores, scoresKernel],
    [WASM_KERNELS.scoresGrad, scoresGradKernel],
    [WASM_KERNELS.mix, mixKernel],
    [WASM_KERNELS.mixGrad, mixGradKernel]
  ];
  for (const [kernelName, kernelFunc] of defs) {
    if (tf11.getKernel(kernelName, "wasm") == null) {
      tf11.registerKernel({
        kernelName,
        backendName: "wasm",
        kernelFunc
      });
    }
  }
  registered = true;
  return true;
}
function wasmKernelsActive() {
  return tf11.getBackend() === "wasm" && ensureWasmKernels();
}
function xnnMatMul(backend, a, b) {
  return batchMatMul({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false }
  });
}
function transposeKernel(args2) {
  const backend = args2.backend;
  const x = args2.inputs.x;
  const [R, C] = x.shape;
  const out = backend.makeOutput([C, R], "float32");
  copyBlock(heapF32(backend, x), 0, C, 1, heapF32(backend, out), 0, 1, R, R, C);
  return out;
}
function readAttrs(attrs) {
  const a = attrs;
  return {
    batch: a.batch,
    seqLen: a.seqLen,
    heads: a.heads,
    headDim: a.headDim,
    scale: a.scale,
    ropeTheta: a.ropeTheta
  };
}
function geometry(a) {
  const L = a.seqLen;
  const hd = a.headDim;
  const rope = a.ropeTheta > 0;
  const tables = rope ? ropeTables(L, hd, a.ropeTheta) : null;
  return {
    L,
    hd,
    stride: 3 * a.heads * hd,
    cos: tables?.cos ?? new Float32Array(0),
    sin: tables?.sin ?? new Float32Array(0),
    rope
  };
}
function loadHead(g, src, row0, col, scale, rotate, dst, transposed) {
  const { L, hd, stride } = g;
  if (!(rotate && g.rope)) {
    if (transposed) copyBlock(src, row0 * stride + col, stride, 1, dst, 0, 1, L, L, hd);
    else copyBlock(src, row0 * stride + col, stride, 1, dst, 0, hd, 1, L, hd);
    if (scale !== 1) for (let i = 0; i < L * hd; i++) dst[i] *= scale;
    return;
  }
  const half = hd / 2;
  const { cos: cos2, sin: sin2 } = g;
  for (let i = 0; i < L; i++) {
    const s = (row0 + i) * stride + col;
    for (let p = 0; p < half; p++) {
      const x0 = src[s + 2 * p];
      const x1 = src[s + 2 * p + 1];
      const c = cos2[i * half + p];
      const sn = sin2[i * half + p];
      const y0 = (x0 * c - x1 * sn) * scale;
      const y1 = (x0 * sn + x1 * c) * scale;
      if (transposed) {
        dst[2 * p * L + i] = y0;
        dst[(2 * p + 1) * L + i] = y1;
      } else {
        dst[i * hd + 2 * p] = y0;
        dst[i * hd + 2 * p + 1] = y1;
      }
    }
  }
}
function storeHeadGrad(g, grad, dst, row0, col, scale, rotate) {
  const { L, hd, stride } = g;
  if (!(rotate && g.rope)) {
    for (let i = 0; i < L; i++) {
      const d = (row0 + i) * stride + col;
      for (let c = 0; c < hd; c++) dst[d + c] = grad[i * hd + c] * scale;
    }
    return;
  }
  const half = hd / 2;
  const { cos: cos2, sin: sin2 } = g;
  for (let i = 0; i < L; i++) {
    const d = (row0 + i) * stride + col;
    for (let p = 0; p < half; p++) {
      const g0 = grad[i * hd + 2 * p];
      const g1 = grad[i * hd + 2 * p + 1];
      const c = cos2[i * half + p];
      const sn = sin2[i * half + p];
      dst[d + 2 * p] = (g0 * c + g1 * sn) * scale;
      dst[d + 2 * p + 1] = (-g0 * sn + g1 * c) * scale;
    }
  }
}
function scoresKernel(args2) {
  const backend = args2.backend;
  const qkv = args2.inputs.qkv;
  const a = readAttrs(args2.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const out = backend.makeOutput([a.batch, a.heads, L, L], "float32");
  const qa = backend.makeOutput([1, L, hd], "float32");
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const kt = backend.makeOutput([1, hd, L], "float32");
      const src = heapF32(backend, qkv);
      loadHead(g, src, b * L, h * hd, a.scale, true, heapF32(backend, qa), false);
      loadHead(g, src, b * L, d + h * hd, 1, true, heapF32(backend, kt), true);
      const r = xnnMatMul(backend, qa, kt);
      heapF32(backend, out).set(heapF32(backend, r), (b * a.heads + h) * L * L);
      backend.disposeData(r.dataId);
      backend.disposeData(kt.dataId);
    }
  }
  backend.disposeData(qa.dataId);
  return out;
}
function scoresGradKernel(args2) {
  const backend = args2.backend;
  const dy = args2.inputs.dy;
  const qkv = args2.inputs.qkv;
  const a = readAttrs(args2.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const dqkv = backend.makeOutput([a.batch * L, 3 * d], "float32");
  heapF32(backend, dqkv).fill(0);
  const ds = backend.makeOutput([1, L, L], "float32");
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      const kr = backend.makeOutput([1, L, hd], "float32");
      loadHead(g, heapF32(backend, qkv), b * L, d + h * hd, 1, true, heapF32(backend, kr), false);
      heapF32(backend, ds).set(heapF32(backend, dy).subarray(block, block + L * L));
      let r = xnnMatMul(backend, ds, kr);
      storeHeadGrad(g, heapF32(backend, r), heapF32(backend, dqkv), b * L, h * hd, a.scale, true);
      backend.disposeData(r.dataId);
      backend.disposeData(kr.dataId);
      const qr = backend.makeOutput([1, L, hd], "float32");
      loadHead(g, heapF32(backend, qkv), b * L, h * hd, a.scale, true, heapF32(backend, qr), false);
      copyBlock(heapF32(backend, dy), block, L, 1, heapF32(backend, ds), 0, 1, L, L, L);
      r = xnnMatMul(backend, ds, qr);
      storeHeadGrad(g, heapF32(backend, r), heapF32(backend, dqkv), b * L, d + h * hd, 1, true);
      backend.disposeData(r.dataId);
      backend.disposeData(qr.dataId);
    }
  }
  backend.disposeData(ds.dataId);
  return dqkv;
}
function mixKernel(args2) {
  const backend = args2.backend;
  const p = args2.inputs.p;
  const qkv = args2.inputs.qkv;
  const a = readAttrs(args2.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const out = backend.makeOutput([a.batch * L, d], "float32");
  const pa = backend.makeOutput([1, L, L], "float32");
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      const v = backend.makeOutput([1, L, hd], "float32");
      loadHead(g, heapF32(backend, qkv), b * L, 2 * d + h * hd, 1, false, heapF32(backend, v), false);
      heapF32(backend, pa).set(heapF32(backend, p).subarray(block, block + L * L));
      const r = xnnMatMul(backend, pa, v);
      copyBlock(heapF32(backend, r), 0, hd, 1, heapF32(backend, out), b * L * d + h * hd, d, 1, L, hd);
      backend.disposeData(r.dataId);
      backend.disposeData(v.dataId);
    }
  }
  backend.disposeData(pa.dataId);
  return out;
}
function mixGradKernel(args2) {
  const backend = args2.backend;
  const dy = args2.inputs.dy;
  const p = args2.inputs.p;
  const qkv = args2.inputs.qkv;
  const a = readAttrs(args2.attrs);
  const g = geometry(a);
  const { L, hd } = g;
  const d = a.heads * hd;
  const dp = backend.makeOutput([a.batch, a.heads, L, L], "float32");
  const dqkv = backend.makeOutput([a.batch * L, 3 * d], "float32");
  heapF32(backend, dqkv).fill(0);
  const doA = backend.makeOutput([1, L, hd], "float32");
  const pt = backend.makeOutput([1, L, L], "float32");
  for (let b = 0; b < a.batch; b++) {
    for (let h = 0; h < a.heads; h++) {
      const block = (b * a.heads + h) * L * L;
      const vt = backend.makeOutput([1, hd, L], "float32");
      loadHead(g, heapF32(backend, qkv), b * L, 2 * d + h * hd, 1, false, heapF32(backend, vt), true);
      copyBlock(heapF32(backend, dy), b * L * d + h * hd, d, 1, heapF32(backend, doA), 0, hd, 1, L, hd);
      let r = xnnMatMul(backend, doA, vt);
      heapF32(backend, dp).set(heapF32(backend, r), block);
      backend.disposeData(r.dataId);
      backend.disposeData(vt.dataId);
      const doB = backend.makeOutput([1, L, hd], "float32");
      copyBlock(heapF32(backend, dy), b * L * d + h * hd, d, 1, heapF32(backend, doB), 0, hd, 1, L, hd);
      copyBlock(heapF32(backend, p), block, L, 1, heapF32(backend, pt), 0, 1, L, L, L);
      r = xnnMatMul(backend, pt, doB);
      copyBlock(
        heapF32(backend, r),
        0,
        hd,
        1,
        heapF32(backend, dqkv),
        b * L * 3 * d + 2 * d + h * hd,
        3 * d,
        1,
        L,
        hd
      );
      backend.disposeData(r.dataId);
      backend.disposeData(doB.dataId);
    }
  }
  backend.disposeData(doA.dataId);
  backend.disposeData(pt.dataId);
  return [dp, dqkv];
}

// src/transposed-matmul.ts
function wasmTranspose2d(x) {
  return tf12.engine().runKernel(WASM_KERNELS.transpose, { x });
}
function matMulT(a, b, transposeA, transposeB, fast) {
  if (!fast || !transposeA && !transposeB) return tf12.matMul(a, b, transposeA, transposeB);
  return tf12.tidy(() => {
    const a2 = transposeA ? wasmTranspose2d(a) : a;
    const b2 = transposeB ? wasmTranspose2d(b) : b;
    return tf12.matMul(a2, b2);
  });
}

// src/linear-layer.ts
function linear2(x, w, fast) {
  if (x.shape[1] !== w.shape[0]) {
    throw new RangeError(`linear: input has ${x.shape[1]} features but the kernel expects ${w.shape[0]}`);
  }
  const op = customOp(([xIn, wIn], save) => {
    save([xIn, wIn]);
    return {
      value: tf13.matMul(xIn, wIn),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved;
        return [
          matMulT(dy, ws, false, true, fast),
          matMulT(xs, dy, true, false, fast)
        ];
      }
    };
  });
  return op(x, w);
}
function linearWithBias(x, w, b, fast) {
  return tf13.tidy(() => tf13.add(linear2(x, w, fast), b));
}

// src/adaln-zero.ts
function adaLNParams(c, w, b, chunks, fast) {
  return tf14.tidy(() => tf14.split(linearWithBias(tf14.sigmoid(c), w, b, fast), chunks, 1));
}

// src/attention.ts
import * as tf15 from "@tensorflow/tfjs-core";
function attention(qkv, shape, fast) {
  const { batch, seqLen, heads, headDim } = shape;
  const d = heads * headDim;
  if (qkv.shape[0] !== batch * seqLen || qkv.shape[1] !== 3 * d) {
    throw new RangeError(`attention: qkv has shape [${qkv.shape}], expected [${batch * seqLen}, ${3 * d}]`);
  }
  return fast ? fastAttention(qkv, shape) : referenceAttention(qkv, shape);
}
function kernelAttrs(shape) {
  return { ...shape, scale: 1 / Math.sqrt(shape.headDim) };
}
function fastAttention(qkv, shape) {
  const attrs = kernelAttrs(shape);
  const scores = customOp(([x], save) => {
    save([x]);
    return {
      value: tf15.engine().runKernel(WASM_KERNELS.scores, { qkv: x }, attrs),
      gradFunc: (dy, saved) => tf15.engine().runKernel(WASM_KERNELS.scoresGrad, { dy, qkv: saved[0] }, attrs)
    };
  });
  const mix = customOp(([p, x], save) => {
    save([p, x]);
    return {
      value: tf15.engine().runKernel(WASM_KERNELS.mix, { p, qkv: x }, attrs),
      gradFunc: (dy, saved) => tf15.engine().runKernel(WASM_KERNELS.mixGrad, { dy, p: saved[0], qkv: saved[1] }, attrs)
    };
  });
  return tf15.tidy(() => {
    const s = scores(qkv);
    const p = tf15.softmax(s);
    return mix(p, qkv);
  });
}
function referenceAttention(qkv, shape) {
  const { batch: B, seqLen: L, heads: H, headDim: hd, ropeTheta } = shape;
  return tf15.tidy(() => {
    const split2 = tf15.transpose(tf15.reshape(qkv, [B, L, 3, H, hd]), [2, 0, 3, 1, 4]);
    let [q, k, v] = tf15.unstack(split2);
    if (ropeTheta > 0) {
      const tables = ropeTables(L, hd, ropeTheta);
      q = applyRope(q, tables);
      k = applyRope(k, tables);
    }
    q = tf15.mul(q, 1 / Math.sqrt(hd));
    const p = tf15.softmax(tf15.matMul(q, k, false, true));
    const o = tf15.matMul(p, v);
    return tf15.reshape(tf15.transpose(o, [0, 2, 1, 3]), [B * L, H * hd]);
  });
}

// src/embedding.ts
import * as tf16 from "@tensorflow/tfjs-core";
function embed(ids, table, fast) {
  if (ids.dtype !== "int32") throw new TypeError(`embedding ids must be int32, got ${ids.dtype}`);
  const rows = table.shape[0];
  const op = customOp(([tableIn], save) => {
    const oneHot4 = tf16.cast(tf16.oneHot(ids, rows), "float32");
    save([oneHot4]);
    return {
      value: tf16.matMul(oneHot4, tableIn),
      gradFunc: (dy, saved) => matMulT(saved[0], dy, true, false, fast)
    };
  });
  return op(table);
}

// src/gated-mlp.ts
import * as tf17 from "@tensorflow/tfjs-core";
function sigmoidGate(g, u) {
  const op = customOp(([gIn, uIn], save) => {
    save([gIn, uIn]);
    return {
      value: tf17.mul(tf17.sigmoid(gIn), uIn),
      gradFunc: (dy, saved) => {
        const [gs, us] = saved;
        const s = tf17.sigmoid(gs);
        const dyS = tf17.mul(dy, s);
        return [tf17.mul(tf17.mul(dyS, us), tf17.sub(1, s)), dyS];
      }
    };
  });
  return op(g, u);
}
function gatedMlp(x, p, fast) {
  return tf17.tidy(() => linear2(sigmoidGate(linear2(x, p.gate, fast), linear2(x, p.up, fast)), p.down, fast));
}

// src/gated-residual.ts
import * as tf19 from "@tensorflow/tfjs-core";

// src/sequence-sum.ts
import * as tf18 from "@tensorflow/tfjs-core";
function sequenceSum(v, batch, fast) {
  const [N, d] = v.shape;
  const P = N / batch;
  if (!Number.isInteger(P))
    throw new RangeError(`sequenceSum: ${N} rows do not split into ${batch} sequences`);
  return tf18.tidy(() => {
    if (!fast) return tf18.sum(tf18.reshape(v, [batch, P, d]), 1);
    const selector = new Float32Array(batch * N);
    for (let b = 0; b < batch; b++) selector.fill(1, b * N + b * P, b * N + (b + 1) * P);
    return tf18.matMul(tf18.tensor2d(selector, [batch, N]), v);
  });
}
function perSequence(c) {
  return tf18.reshape(c, [c.shape[0], 1, c.shape[1]]);
}

// src/gated-residual.ts
function gatedResidual(x, gate, branch, fast) {
  const [N, d] = x.shape;
  const B = gate.shape[0];
  const P = N / B;
  const op = customOp(([xIn, gateIn, fIn], save) => {
    save([gateIn, fIn]);
    const y = tf19.add(
      tf19.reshape(xIn, [B, P, d]),
      tf19.mul(perSequence(gateIn), tf19.reshape(fIn, [B, P, d]))
    );
    return {
      value: tf19.reshape(y, [N, d]),
      gradFunc: (dy, saved) => {
        const [gs, fs] = saved;
        const df = tf19.reshape(tf19.mul(tf19.reshape(dy, [B, P, d]), perSequence(gs)), [N, d]);
        return [dy, sequenceSum(tf19.mul(dy, fs), B, fast), df];
      }
    };
  });
  return op(x, gate, branch);
}

// src/initial-weights.ts
function initialWeights(layout, seed) {
  const rng = createRng(seed);
  const out = /* @__PURE__ */ new Map();
  for (const spec of layout) {
    const stream = rng.fork();
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (spec.init === "ones") values.fill(1);
    else if (spec.init === "normal" || spec.init === "lecun") {
      const std = spec.init === "normal" ? 1 : 1 / Math.sqrt(spec.shape[0]);
      for (let i = 0; i < size; i++) values[i] = stream.normal() * std;
    }
    out.set(spec.name, values);
  }
  return out;
}

// src/layer-norm.ts
import * as tf20 from "@tensorflow/tfjs-core";
function adaLayerNorm(x, shift, scale, eps, fast) {
  const [N, d] = x.shape;
  const B = shift.shape[0];
  const P = N / B;
  const op = customOp(([xIn, shiftIn, scaleIn], save) => {
    const x3 = tf20.reshape(xIn, [B, P, d]);
    const mean5 = tf20.mean(x3, -1, true);
    const centred = tf20.sub(x3, mean5);
    const r = tf20.rsqrt(tf20.add(tf20.mean(tf20.square(centred), -1, true), eps));
    const n = tf20.mul(centred, r);
    save([n, r, scaleIn]);
    const y = tf20.add(
      tf20.mul(n, tf20.add(perSequence(scaleIn), 1)),
      perSequence(shiftIn)
    );
    return {
      value: tf20.reshape(y, [N, d]),
      gradFunc: (dy, saved) => {
        const [ns, rs, sc] = saved;
        const dy3 = tf20.reshape(dy, [B, P, d]);
        const g = tf20.mul(dy3, tf20.add(perSequence(sc), 1));
        const gn = tf20.mean(tf20.mul(g, ns), -1, true);
        const dx = tf20.mul(tf20.sub(tf20.sub(g, tf20.mean(g, -1, true)), tf20.mul(ns, gn)), rs);
        const dy2 = dy;
        return [
          tf20.reshape(dx, [N, d]),
          sequenceSum(dy2, B, fast),
          sequenceSum(tf20.reshape(tf20.mul(dy3, ns), [N, d]), B, fast)
        ];
      }
    };
  });
  return op(x, shift, scale);
}

// src/rms-norm.ts
import * as tf21 from "@tensorflow/tfjs-core";
function rmsNorm(x, scale, eps) {
  const [N, d] = x.shape;
  const op = customOp(([xIn, sIn], save) => {
    const r = tf21.rsqrt(tf21.add(tf21.mean(tf21.square(xIn), -1, true), eps));
    save([xIn, r, sIn]);
    return {
      value: tf21.mul(tf21.mul(xIn, r), sIn),
      gradFunc: (dy, saved) => {
        const [xs, rs, ss] = saved;
        const dys = tf21.mul(dy, ss);
        const m = tf21.mean(tf21.mul(dys, xs), -1, true);
        const dx = tf21.mul(tf21.sub(dys, tf21.mul(xs, tf21.mul(tf21.square(rs), m))), rs);
        const ds = tf21.reshape(tf21.matMul(tf21.ones([1, N]), tf21.mul(tf21.mul(dy, xs), rs)), [d]);
        return [dx, ds];
      }
    };
  });
  return op(x, scale);
}

// src/time-embedding.ts
import * as tf22 from "@tensorflow/tfjs-core";
function timestepEmbedding(t, dim) {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) {
    throw new RangeError(`timestep embedding dim must be an even integer >= 4, got ${dim}`);
  }
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp(-Math.log(1e4) * i / (half - 1));
  return tf22.tidy(() => {
    const args2 = tf22.mul(tf22.reshape(tf22.mul(t, 1e3), [-1, 1]), tf22.tensor2d(freqs, [1, half]));
    return tf22.concat([tf22.sin(args2), tf22.cos(args2)], 1);
  });
}
function timeConditioning(t, p, fast) {
  return tf22.tidy(() => {
    const emb = timestepEmbedding(t, p.w1.shape[0]);
    const h = linearWithBias(emb, p.w1, p.b1, fast);
    return linearWithBias(tf22.mul(h, tf22.sigmoid(h)), p.w2, p.b2, fast);
  });
}

// src/transformer.ts
var Transformer = class _Transformer {
  config;
  vocabSize;
  timeConditioned;
  params;
  kernels;
  layout;
  owned;
  disposed = false;
  /** Use `createTransformer`; this wraps existing variables (not owned unless `owned`). */
  constructor(config, params, kernels, owned) {
    this.config = config;
    this.vocabSize = config.vocabSize;
    this.timeConditioned = config.timeConditioned;
    this.layout = parameterLayout(config);
    for (const spec of this.layout) {
      const p = params[spec.name];
      if (p == null) throw new Error(`transformer: parameter "${spec.name}" is missing`);
      if (!shapesEqual(p.shape, spec.shape)) {
        throw new Error(
          `transformer: parameter "${spec.name}" has shape [${p.shape}], expected [${spec.shape}]`
        );
      }
    }
    this.params = params;
    this.kernels = kernels;
    this.owned = owned;
  }
  /** Logits [B, L, V] for tokens xt [B, L] (int32, V = MASK) at times t [B]. Eval mode (no dropout). */
  logits(xt, t) {
    return this.forward(xt, t);
  }
  /** The forward pass; `training` turns dropout on. */
  forward(xt, t, options = {}) {
    if (this.disposed) throw new Error("transformer: this model has been disposed");
    const c = this.config;
    if (xt.rank !== 2 || xt.dtype !== "int32") {
      throw new TypeError(`logits: xt must be an int32 [B, L] tensor, got ${xt.dtype} [${xt.shape}]`);
    }
    const [B, L] = xt.shape;
    if (L > c.seqLen || L % c.tokensPerPosition !== 0) {
      throw new RangeError(
        `logits: sequence length ${L} must be <= ${c.seqLen}` + (c.tokensPerPosition > 1 ? ` and a multiple of ${c.tokensPerPosition}` : "")
      );
    }
    if (t.rank !== 1 || t.shape[0] !== B) {
      throw new RangeError(`logits: t must have shape [${B}] (one time per sequence), got [${t.shape}]`);
    }
    const dropout2 = options.training ? c.dropout : 0;
    if (dropout2 > 0 && options.rng == null) throw new Error("forward: training with dropout needs an rng");
    const fast = this.kernels === "auto" && wasmKernelsActive();
    const p = this.params;
    const mat = (name) => p[name];
    const vec = (name) => p[name];
    const drop = (x) => dropout2 > 0 ? tf23.dropout(x, dropout2, void 0, Math.floor(options.rng.uniform() * 2 ** 31)) : x;
    return tf23.tidy(() => {
      const g = c.tokensPerPosition;
      const P = L / g;
      const N = B * P;
      const d = c.dModel;
      const eps = c.normEps;
      const tokens = embed(tf23.reshape(xt, [B * L]), mat("embed.embedding"), fast);
      let x = g > 1 ? linear2(tf23.reshape(tokens, [N, g * c.tokenEmbedDim]), mat("embed.proj.kernel"), fast) : tokens;
      const cond = c.timeConditioned ? timeConditioning(
        tf23.cast(t, "float32"),
        {
          w1: mat("time.mlp1.kernel"),
          b1: vec("time.mlp1.bias"),
          w2: mat("time.mlp2.kernel"),
          b2: vec("time.mlp2.bias")
        },
        fast
      ) : null;
      const shape = { batch: B, seqLen: P, heads: c.heads, headDim: d / c.heads, ropeTheta: c.ropeTheta };
      for (let i = 0; i < c.layers; i++) {
        const pre = `blocks.${i}`;
        const attn = (h) => linear2(
          attention(linear2(h, mat(`${pre}.attn.qkv.kernel`), fast), shape, fast),
          mat(`${pre}.attn.out.kernel`),
          fast
        );
        const mlp = (h) => gatedMlp(
          h,
          {
            gate: mat(`${pre}.mlp.gate.kernel`),
            up: mat(`${pre}.mlp.up.kernel`),
            down: mat(`${pre}.mlp.down.kernel`)
          },
          fast
        );
        if (cond != null) {
          const [sa, ca, ga, sm, cm, gm] = adaLNParams(
            cond,
            mat(`${pre}.ada.kernel`),
            vec(`${pre}.ada.bias`),
            6,
            fast
          );
          x = gatedResidual(x, ga, drop(attn(adaLayerNorm(x, sa, ca, eps, fast))), fast);
          x = gatedResidual(x, gm, drop(mlp(adaLayerNorm(x, sm, cm, eps, fast))), fast);
        } else {
          x = tf23.add(x, drop(attn(rmsNorm(x, vec(`${pre}.norm1.scale`), eps))));
          x = tf23.add(x, drop(mlp(rmsNorm(x, vec(`${pre}.norm2.scale`), eps))));
        }
      }
      if (cond != null) {
        const [shift, scale] = adaLNParams(cond, mat("final.ada.kernel"), vec("final.ada.bias"), 2, fast);
        x = adaLayerNorm(x, shift, scale, eps, fast);
      } else {
        x = rmsNorm(x, vec("final.norm.scale"), eps);
      }
      return tf23.reshape(linear2(x, mat("out.kernel"), fast), [B, L, c.vocabSize]);
    });
  }
  /** A `Denoiser` view that applies dropout with seeds drawn from `rng` (for training losses). */
  training(rng) {
    return {
      vocabSize: this.vocabSize,
      timeConditioned: this.timeConditioned,
      logits: (xt, t) => this.forward(xt, t, { training: true, rng })
    };
  }
  /** The same architecture over other variables of the same shapes (e.g. the EMA weights). Not owned. */
  withParams(params) {
    return new _Transformer(this.config, params, this.kernels, false);
  }
  /** The trainable variables in layout order. */
  variables() {
    return this.layout.map((s) => this.params[s.name]);
  }
  /** Total number of parameters. */
  parameterCount() {
    return this.layout.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  }
  /** Frees the variables if this model owns them (views from `withParams` free nothing). */
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) for (const v of Object.values(this.params)) v.dispose();
  }
};
function createTransformer(config, options = {}) {
  const resolved = resolveConfig(typeof config === "string" ? presetOrThrow(config) : config);
  const layout = parameterLayout(resolved);
  const given = options.weights;
  const values = given == null ? initialWeights(layout, options.seed ?? 0) : given instanceof Map ? given : new Map(Object.entries(given));
  const params = {};
  try {
    for (const spec of layout) {
      const v = values.get(spec.name);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (v == null) throw new Error(`transformer weights: "${spec.name}" is missing`);
      if (v.length !== size) {
        throw new Error(
          `transformer weights: "${spec.name}" has ${v.length} values, expected ${size} for [${spec.shape}]`
        );
      }
      params[spec.name] = tf23.tidy(() => tf23.variable(tf23.tensor(v, spec.shape, "float32"), true));
    }
  } catch (error) {
    for (const v of Object.values(params)) v.dispose();
    throw error;
  }
  return new Transformer(resolved, params, options.kernels ?? "auto", true);
}
function presetOrThrow(name) {
  if (!(name in PRESETS)) {
    throw new RangeError(`unknown preset "${name}"; expected one of ${Object.keys(PRESETS).join(", ")}`);
  }
  return preset(name);
}
function shapesEqual(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// src/bench/load-meter.ts
import { readFileSync } from "fs";
function machineBusySeconds() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
  } catch {
    return 0;
  }
}
async function withLoadMeter(fn) {
  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  const own = (cpu.user + cpu.system) / 1e6;
  const other = machineBusySeconds() - busy0 - own;
  return { result, otherCpuLoad: Math.max(0, Math.round(other / seconds * 100) / 100) };
}

// src/bench/bench.ts
var CONFIGS = {
  tiny: { model: { vocabSize: 27, seqLen: 128, layers: 2, dModel: 128, heads: 4 }, batch: 16 },
  "small-cpu": { model: { vocabSize: 27, seqLen: 256, layers: 4, dModel: 256, heads: 4 }, batch: 16 }
};
var args = process.argv.slice(2);
var option = (name) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : void 0;
};
function cpuMs(c0) {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e3;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
async function calibrate() {
  const a = tf24.randomNormal([1024, 1024]);
  const b = tf24.randomNormal([1024, 1024]);
  const times = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const c = tf24.matMul(a, b);
    await c.data();
    times.push(performance.now() - t0);
    c.dispose();
  }
  tf24.dispose([a, b]);
  return Math.round(2 * 1024 ** 3 / median(times.slice(1)) / 1e6 * 10) / 10;
}
async function profileStep(run) {
  const info = await tf24.profile(async () => {
    await run();
  });
  const by = /* @__PURE__ */ new Map();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    by.set(k.name, e);
  }
  return [...by].map(([kernel, e]) => ({ kernel, ms: Math.round(e.ms), calls: e.calls })).sort((a, b) => b.ms - a.ms).slice(0, 25);
}
async function benchConfig(name, steps, profile2) {
  const { model: config, batch: B } = CONFIGS[name];
  const L = config.seqLen;
  const model = createTransformer(config, { seed: 42 });
  const trainer = createTrainer({
    model,
    schedule: linear(),
    optimizer: { lr: 3e-4, warmupSteps: 2e3, totalSteps: 1e6, weightDecay: 0.03 },
    emaDecay: 0.9999,
    seed: 42
  });
  const rng = createRng(7);
  const data = Array.from(
    { length: 4 },
    () => Array.from(
      { length: B },
      () => Int32Array.from({ length: L }, () => Math.floor(rng.uniform() * config.vocabSize))
    )
  );
  const flopsForward = forwardFlops(config, B, L);
  const xt = tf24.tensor2d(
    Int32Array.from(
      data[0].flatMap((r) => Array.from(r)).map((v, i) => i % 3 === 0 ? config.vocabSize : v)
    ),
    [B, L],
    "int32"
  );
  const t = tf24.fill([B], 0.5);
  const forward = async () => {
    const logits = model.logits(xt, t);
    await logits.data();
    logits.dispose();
  };
  for (let i = 0; i < 2; i++) await forward();
  const fwdTimes = [];
  const fwdCpu = [];
  const fwd = await withLoadMeter(async () => {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await forward();
      fwdTimes.push(performance.now() - t0);
      fwdCpu.push(cpuMs(c0));
    }
  });
  for (let i = 0; i < 2; i++) await trainer.step(data[i % 4]);
  const times = [];
  const cpu = [];
  let lastLoss = 0;
  const train = await withLoadMeter(async () => {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      lastLoss = (await trainer.step(data[i % 4])).loss;
      times.push(performance.now() - t0);
      cpu.push(cpuMs(c0));
    }
  });
  const ms = median(times);
  const fms = median(fwdTimes);
  const result = {
    config: name,
    backend: tf24.getBackend(),
    layers: config.layers,
    dim: config.dModel,
    heads: config.heads,
    seq: L,
    batch: B,
    vocab: config.vocabSize,
    params: countParameters(config),
    train: {
      ms_per_step_median: Math.round(ms),
      ms_per_step_min: Math.round(Math.min(...times)),
      tokens_per_sec: Math.round(B * L / (ms / 1e3)),
      gflop_per_step: Math.round(3 * flopsForward / 1e7) / 100,
      gflops: Math.round(3 * flopsForward / (ms / 1e3) / 1e9 * 100) / 100,
      cpu_ms_per_step_median: Math.round(median(cpu)),
      gflops_per_cpu_second: Math.round(3 * flopsForward / (median(cpu) / 1e3) / 1e9 * 100) / 100,
      final_loss: Math.round(lastLoss * 1e4) / 1e4,
      other_cpu_load: train.otherCpuLoad,
      step_ms: times.map((x) => Math.round(x))
    },
    forward: {
      ms_median: Math.round(fms),
      tokens_per_sec: Math.round(B * L / (fms / 1e3)),
      gflop: Math.round(flopsForward / 1e7) / 100,
      gflops: Math.round(flopsForward / (fms / 1e3) / 1e9 * 100) / 100,
      gflops_per_cpu_second: Math.round(flopsForward / (median(fwdCpu) / 1e3) / 1e9 * 100) / 100,
      other_cpu_load: fwd.otherCpuLoad
    },
    ...profile2 ? { profile_train_step: await profileStep(() => trainer.step(data[0])) } : {}
  };
  tf24.dispose([xt, t]);
  trainer.dispose();
  model.dispose();
  return result;
}
async function main() {
  if (!await tf24.setBackend(process.env.BENCH_BACKEND ?? "wasm")) throw new Error("the wasm backend failed to initialise");
  await tf24.ready();
  const only = option("only");
  const steps = Number(option("steps") ?? 5);
  const profile2 = args.includes("--profile");
  const names = only ? [only] : Object.keys(CONFIGS);
  for (const name of names) {
    if (CONFIGS[name] == null)
      throw new Error(`unknown config ${name}; expected ${Object.keys(CONFIGS).join(", ")}`);
    const calibBefore = await calibrate();
    const result = await benchConfig(name, steps, profile2);
    console.log(
      JSON.stringify({
        ...result,
        calib_matmul_gflops: [calibBefore, await calibrate()],
        node: process.version
      })
    );
  }
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
