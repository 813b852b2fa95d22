import type { Denoiser } from '@md4/core';
import { maskId } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';

/** One sequence's need for predictions: at `positions` (masked, ascending), with the network at time `t`. */
export interface PredictionRequest {
  row: number;
  t: number;
  positions: readonly number[];
}

/**
 * Logits of one sequence at some positions: position n's V logits start at
 * `slots[base + n] * V` in `data` (the whole call's buffer; -1 where not read). Plain objects over
 * shared buffers: no typed-array view per sequence (V8 makes those costly in large batches).
 */
export interface RowLogits {
  data: Float32Array;
  slots: Int32Array;
  base: number;
}

/** The logits of a sequence whose plan needs no prediction (a remask-only ReMDM step): none readable. */
export const NO_LOGITS: RowLogits = { data: new Float32Array(0), slots: new Int32Array(0), base: 0 };

/** Where position n's V logits start in `logits.data`. */
export function logitsOffset(logits: RowLogits, n: number, vocabSize: number): number {
  const slot = logits.slots[logits.base + n] ?? -1;
  if (slot < 0) throw new Error(`internal: no logits were read for position ${n}`);
  return slot * vocabSize;
}

/** What the predictor changes in the network's logits before a sampler sees them. */
export interface LogitShaping {
  /** Per sequence, 1 at the prompt's fixed positions (what guidance masks for its unconditional call). */
  fixed: Uint8Array[];
  /** Classifier-free guidance scale w >= 0 (0: none). */
  guidance: number;
  /** End-of-sequence token that may not be drawn before `minLength`, or null. */
  eos: { token: number; minLength: number } | null;
}

/**
 * Classifier-free guidance without an unconditional model (LLaDA's `cfg_scale`): with the
 * unconditional logits u from the same network on the sequence with its prompt masked, and the
 * conditional c, l = u + (1 + w) (c - u). Writes into `conditional[offset .. offset + count)`.
 */
export function guideLogits(
  conditional: Float32Array,
  unconditional: Float32Array,
  offset: number,
  unconditionalOffset: number,
  count: number,
  scale: number,
): void {
  for (let i = 0; i < count; i++) {
    const u = unconditional[unconditionalOffset + i]!;
    conditional[offset + i] = u + (1 + scale) * (conditional[offset + i]! - u);
  }
}

/**
 * Calls the denoiser for the sequences that need predictions (one batched call per step, with a
 * per-sequence time), reads back only the requested positions (a gather on the device when that is
 * fewer than all), counts the calls, and, when `caching` is on (only valid for networks that ignore
 * t), reuses a sequence's last prediction while its tokens have not changed. With guidance, each
 * prompted sequence also goes through the network with its prompt masked (in the same call) and
 * the two are combined by `guideLogits`; with an EOS rule, EOS gets logit -inf before `minLength`.
 * Holds no tensors between calls.
 */
export class Predictor {
  /** Denoiser invocations so far (a batched call counts once). */
  networkCalls = 0;
  /** Sequences passed through the network so far (the sum of the calls' batch sizes). */
  sequencesEvaluated = 0;
  /** Requests served from the cache. */
  cacheHits = 0;
  private readonly cache: Array<RowLogits | null>;

  constructor(
    private readonly denoiser: Denoiser,
    private readonly length: number,
    batch: number,
    readonly caching: boolean,
    private readonly shaping: LogitShaping = { fixed: [], guidance: 0, eos: null },
  ) {
    this.cache = new Array<RowLogits | null>(batch).fill(null);
  }

  /** Forgets a sequence's cached prediction: call whenever its tokens change. */
  invalidate(row: number): void {
    this.cache[row] = null;
  }

  /** Predictions for each request, in order. `tokens` are all sequences' current tokens (borrowed). */
  async predict(tokens: Int32Array[], requests: PredictionRequest[]): Promise<RowLogits[]> {
    const results = new Array<RowLogits>(requests.length);
    const misses: Array<{ index: number; request: PredictionRequest }> = [];
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      const cached = this.caching ? this.cache[request.row] : null;
      if (cached != null && covers(cached, request.positions)) {
        results[i] = cached;
        this.cacheHits++;
      } else {
        // Only the requested positions are read: at V = 50,257 reading every masked position costs
        // a 206 MB readback per step for L = 1024, and a later request that this row covers can only
        // come from kernels that ask for every masked position anyway (GenMD4, confidence, eager).
        misses.push({ index: i, request });
      }
    }
    if (misses.length === 0) return results;
    const rows = await this.call(
      tokens,
      misses.map((m) => m.request),
    );
    for (let k = 0; k < misses.length; k++) {
      const { index, request } = misses[k]!;
      results[index] = rows[k]!;
      if (this.caching) this.cache[request.row] = rows[k]!;
    }
    return results;
  }

  private async call(tokens: Int32Array[], requests: PredictionRequest[]): Promise<RowLogits[]> {
    const L = this.length;
    const V = this.denoiser.vocabSize;
    const { guidance, fixed, eos } = this.shaping;
    // guided requests: those with a prompt, run again with it masked (rows B.. of the call)
    const guided: number[] = []; // indices into requests
    if (guidance > 0) {
      for (let b = 0; b < requests.length; b++) if (fixed[requests[b]!.row]?.includes(1)) guided.push(b);
    }
    const B = requests.length;
    const rows = B + guided.length;
    const xt = new Int32Array(rows * L);
    const times = new Float32Array(rows);
    let total = 0;
    for (let b = 0; b < B; b++) {
      xt.set(tokens[requests[b]!.row]!, b * L);
      times[b] = requests[b]!.t;
      total += requests[b]!.positions.length;
    }
    let guidedTotal = 0;
    for (let g = 0; g < guided.length; g++) {
      const { row, t, positions } = requests[guided[g]!]!;
      const start = (B + g) * L;
      xt.set(tokens[row]!, start);
      for (let n = 0; n < L; n++) if (fixed[row]![n] === 1) xt[start + n] = maskId(V);
      times[B + g] = t;
      guidedTotal += positions.length;
    }
    const everything = guided.length === 0 && total === B * L;
    const indices = new Int32Array(total + guidedTotal);
    if (!everything) {
      let k = 0;
      for (let b = 0; b < B; b++) for (const n of requests[b]!.positions) indices[k++] = b * L + n;
      for (let g = 0; g < guided.length; g++) {
        for (const n of requests[guided[g]!]!.positions) indices[k++] = (B + g) * L + n;
      }
    }
    let xtTensor: tf.Tensor2D | null = null;
    let tTensor: tf.Tensor1D | null = null;
    let logits: tf.Tensor | null = null;
    let picked: tf.Tensor | null = null;
    let data: Float32Array;
    try {
      xtTensor = tf.tensor2d(xt, [rows, L], 'int32');
      tTensor = tf.tensor1d(times, 'float32');
      logits = this.denoiser.logits(xtTensor, tTensor);
      this.networkCalls++;
      this.sequencesEvaluated += rows;
      const shape = logits.shape;
      if (shape.length !== 3 || shape[0] !== rows || shape[1] !== L || shape[2] !== V) {
        throw new RangeError(
          `denoiser returned logits of shape [${shape.join(', ')}], expected [${rows}, ${L}, ${V}] ` +
            '(batch, length, vocabSize)',
        );
      }
      if (logits.dtype !== 'float32')
        throw new TypeError(`denoiser returned ${logits.dtype} logits, expected float32`);
      const source = logits;
      picked = everything
        ? null
        : tf.tidy(() => tf.gather(tf.reshape(source, [rows * L, V]), tf.tensor1d(indices, 'int32')));
      data = (await (picked ?? logits).data()) as Float32Array;
    } finally {
      if (xtTensor) xtTensor.dispose();
      if (tTensor) tTensor.dispose();
      if (logits) logits.dispose();
      if (picked) picked.dispose();
    }
    const results: RowLogits[] = [];
    const slots = new Int32Array(B * L).fill(-1);
    let start = 0;
    for (let b = 0; b < B; b++) {
      const base = b * L;
      if (everything) {
        for (let n = 0; n < L; n++) slots[base + n] = base + n;
      } else {
        const positions = requests[b]!.positions;
        for (let k = 0; k < positions.length; k++) slots[base + positions[k]!] = start + k;
        start += positions.length;
      }
      results.push({ data, slots, base });
    }
    let unconditional = total; // slot of the next unconditional position
    for (const b of guided) {
      for (const n of requests[b]!.positions) {
        guideLogits(data, data, slots[b * L + n]! * V, unconditional * V, V, guidance);
        unconditional++;
      }
    }
    if (eos !== null) {
      for (let b = 0; b < B; b++) {
        const positions = requests[b]!.positions;
        for (const n of positions) if (n < eos.minLength) data[slots[b * L + n]! * V + eos.token] = -Infinity;
      }
    }
    return results;
  }
}

function covers(row: RowLogits, positions: readonly number[]): boolean {
  for (const n of positions) if (row.slots[row.base + n]! < 0) return false;
  return true;
}

/** Ascending positions of `tokens` that hold MASK (= V). */
export function maskedPositions(tokens: Int32Array, vocabSize: number): number[] {
  const mask = maskId(vocabSize);
  const out: number[] = [];
  for (let n = 0; n < tokens.length; n++) if (tokens[n] === mask) out.push(n);
  return out;
}
