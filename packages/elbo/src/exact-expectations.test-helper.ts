// Float64 oracles for the elbo tests: exact expectations of the NELBO estimators over times and
// masks, for a network that ignores t, by enumerating every masking pattern of tiny sequences and
// integrating over t with composite Gauss-Legendre quadrature. Test-only (not exported).
import type { Denoiser, Rng } from '@md4/core';
import type { MaskingSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';

/** A t-ignoring network's predictions for every masking pattern of one x0 (bit n of p: token n masked). */
export interface PatternTable {
  x0: Int32Array;
  length: number;
  vocabSize: number;
  /** -log mu_p[n, x0^n], [P, L]. */
  negLogMu: Float64Array;
  /** mu_p[n, v], [P, L, V]. */
  mu: Float64Array;
}

/** Calls the network on all 2^L patterns of each sequence (t = 0.5) and keeps float64 log-softmaxes. */
export async function patternTables(denoiser: Denoiser, sequences: Int32Array[]): Promise<PatternTable[]> {
  const V = denoiser.vocabSize;
  const L = sequences[0]!.length;
  const P = 1 << L;
  const xt = new Int32Array(sequences.length * P * L);
  sequences.forEach((x0, i) => {
    for (let p = 0; p < P; p++) {
      for (let n = 0; n < L; n++) xt[(i * P + p) * L + n] = (p >> n) & 1 ? V : x0[n]!;
    }
  });
  const rows = sequences.length * P;
  const logits = tf.tidy(() => denoiser.logits(tf.tensor2d(xt, [rows, L], 'int32'), tf.fill([rows], 0.5)));
  const values = await logits.data();
  logits.dispose();
  return sequences.map((x0, i) => {
    const negLogMu = new Float64Array(P * L);
    const mu = new Float64Array(P * L * V);
    for (let p = 0; p < P; p++) {
      for (let n = 0; n < L; n++) {
        const offset = ((i * P + p) * L + n) * V;
        let max = Number.NEGATIVE_INFINITY;
        for (let v = 0; v < V; v++) max = Math.max(max, values[offset + v]!);
        let z = 0;
        for (let v = 0; v < V; v++) z += Math.exp(values[offset + v]! - max);
        const logZ = max + Math.log(z);
        for (let v = 0; v < V; v++) mu[(p * L + n) * V + v] = Math.exp(values[offset + v]! - logZ);
        negLogMu[p * L + n] = logZ - values[offset + x0[n]!]!;
      }
    }
    return { x0, length: L, vocabSize: V, negLogMu, mu };
  });
}

const GL_NODES = [0, -0.5384693101056831, 0.5384693101056831, -0.906179845938664, 0.906179845938664];
const GL_WEIGHTS = [
  0.5688888888888889, 0.4786286704993665, 0.4786286704993665, 0.2369268850561891, 0.2369268850561891,
];

/** Composite 5-point Gauss-Legendre quadrature of f over [a, b]. */
export function integrate(f: (x: number) => number, a: number, b: number, panels = 400): number {
  const h = (b - a) / panels;
  let total = 0;
  for (let i = 0; i < panels; i++) {
    const mid = a + (i + 0.5) * h;
    for (let j = 0; j < 5; j++) total += GL_WEIGHTS[j]! * f(mid + (GL_NODES[j]! * h) / 2);
  }
  return (total * h) / 2;
}

function maskedCount(p: number): number {
  let k = 0;
  for (let x = p; x; x >>= 1) k += x & 1;
  return k;
}

/** C_p = sum over masked n of -log mu_p[n, x0^n]. */
function patternLosses(table: PatternTable): Float64Array {
  const { length: L, negLogMu } = table;
  const P = 1 << L;
  const c = new Float64Array(P);
  for (let p = 0; p < P; p++) for (let n = 0; n < L; n++) if ((p >> n) & 1) c[p]! += negLogMu[p * L + n]!;
  return c;
}

/**
 * E over t and masks of the MD4 one-sample NELBO (nats, reconstruction included) for one x0:
 * continuous: int_0^1 -alpha'(t) sum_p a^{k-1} (1 - a)^{L-k} C_p dt + L (1 - alpha(0)) log V, a = 1 - alpha(t);
 * discrete T: sum_{i=1}^T (alpha_s - alpha_t) / (1 - alpha_t) sum_p a_t^k (1 - a_t)^{L-k} C_p + recon.
 */
export function expectedMd4Nelbo(table: PatternTable, schedule: MaskingSchedule, timesteps?: number): number {
  const { length: L, vocabSize: V } = table;
  const c = patternLosses(table);
  const recon = L * (1 - schedule.alpha(0)) * Math.log(V);
  const expectedLoss = (a: number, power: number) => {
    let total = 0;
    for (let p = 1; p < c.length; p++) {
      const k = maskedCount(p);
      total += a ** (k - power) * (1 - a) ** (L - k) * c[p]!;
    }
    return total;
  };
  if (timesteps === undefined) {
    return integrate((t) => -schedule.dalpha(t) * expectedLoss(1 - schedule.alpha(t), 1), 0, 1) + recon;
  }
  let total = 0;
  for (let i = 1; i <= timesteps; i++) {
    const alphaT = schedule.alpha(i / timesteps);
    total += ((schedule.alpha((i - 1) / timesteps) - alphaT) / (1 - alphaT)) * expectedLoss(1 - alphaT, 0);
  }
  return total + recon;
}

/**
 * E over t ~ U[t1, 1] and a mask of the GenMD4 NELBO estimate (nats) for one x0 with exponents w:
 * int_{t1}^1 sum_p q_p(t) (1/t) G_p dt + sum_n (1 - eps) t1^{w_{x0^n}} log V, with
 * G_p = sum_{n in p} [sum_v w_v mu_v - w_{x0^n} (1 + log mu_{x0^n})], integrated in s = log t.
 */
export function expectedGenmd4Nelbo(
  table: PatternTable,
  w: ArrayLike<number>,
  eps: number,
  t1: number,
): number {
  const { length: L, vocabSize: V, x0, mu, negLogMu } = table;
  const P = 1 << L;
  const g = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    for (let n = 0; n < L; n++) {
      if (!((p >> n) & 1)) continue;
      let meanW = 0;
      for (let v = 0; v < V; v++) meanW += w[v]! * mu[(p * L + n) * V + v]!;
      g[p]! += meanW - w[x0[n]!]! * (1 - negLogMu[p * L + n]!);
    }
  }
  const integrand = (s: number) => {
    const t = Math.exp(s);
    const m = Array.from(x0, (v) => (1 - eps) * t ** w[v]!);
    let total = 0;
    for (let p = 1; p < P; p++) {
      let q = 1;
      for (let n = 0; n < L; n++) q *= (p >> n) & 1 ? m[n]! : 1 - m[n]!;
      total += q * g[p]!;
    }
    return total;
  };
  const lower = Math.log(Math.max(t1, 1e-12));
  let recon = 0;
  if (t1 > 0) for (let n = 0; n < L; n++) recon += (1 - eps) * t1 ** w[x0[n]!]! * Math.log(V);
  return integrate(integrand, lower, 0, 400) + recon;
}

/**
 * A small t-ignoring network: logits = onehot(x_t) W, W in R^{L(V+1) x LV}, W a variable (trainable).
 * Dispose `weights` after use.
 */
export function createLinearDenoiser(
  vocabSize: number,
  length: number,
  rng: Rng,
  scale = 1,
): { denoiser: Denoiser; weights: tf.Variable } {
  const V = vocabSize;
  const L = length;
  const init = Float32Array.from({ length: L * (V + 1) * L * V }, () => scale * (2 * rng.uniform() - 1));
  const weights = tf.tidy(() => tf.variable(tf.tensor2d(init, [L * (V + 1), L * V])));
  const denoiser: Denoiser = {
    vocabSize: V,
    timeConditioned: false,
    logits: (xt) =>
      tf.tidy(() => {
        const B = xt.shape[0];
        // int32 one-hot, then cast: the wasm OneHot kernel writes int32 bits into a float32 output.
        const inputs = tf.reshape(tf.cast(tf.oneHot(xt, V + 1), 'float32'), [B, L * (V + 1)]);
        return tf.reshape(tf.matMul(inputs, weights), [B, L, V]) as tf.Tensor3D;
      }),
  };
  return { denoiser, weights };
}

/** Mean and standard error of a sample. */
export function meanAndStderr(values: ArrayLike<number>): { mean: number; stderr: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return { mean, stderr: Math.sqrt(squares / (n - 1) / n) };
}

/** Prints a measured figure as one JSON line when MD4_TEST_REPORT is set (for the report). */
export function report(check: string, figures: Record<string, number | string>): void {
  if (process.env.MD4_TEST_REPORT) console.log(JSON.stringify({ check, ...figures }));
}
