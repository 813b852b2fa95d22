import type { Denoiser } from '@md4/core';
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

/** Where position n's V logits start in `logits.data`. */
export function logitsOffset(logits: RowLogits, n: number, vocabSize: number): number {
  const slot = logits.slots[logits.base + n]!;
  if (slot < 0) throw new Error(`internal: no logits were read for position ${n}`);
  return slot * vocabSize;
}

/**
 * Calls the denoiser for the sequences that need predictions (one batched call per step, with a
 * per-sequence time), reads back only the requested positions (a gather on the device when that is
 * fewer than all), counts the calls, and, when `caching` is on (only valid for networks that ignore
 * t), reuses a sequence's last prediction while its tokens have not changed. Holds no tensors
 * between calls.
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
    const B = requests.length;
    const xt = new Int32Array(B * L);
    const times = new Float32Array(B);
    let total = 0;
    for (let b = 0; b < B; b++) {
      xt.set(tokens[requests[b]!.row]!, b * L);
      times[b] = requests[b]!.t;
      total += requests[b]!.positions.length;
    }
    const everything = total === B * L;
    const indices = new Int32Array(total);
    if (!everything) {
      let k = 0;
      for (let b = 0; b < B; b++) for (const n of requests[b]!.positions) indices[k++] = b * L + n;
    }
    let xtTensor: tf.Tensor2D | null = null;
    let tTensor: tf.Tensor1D | null = null;
    let logits: tf.Tensor | null = null;
    let picked: tf.Tensor | null = null;
    let data: Float32Array;
    try {
      xtTensor = tf.tensor2d(xt, [B, L], 'int32');
      tTensor = tf.tensor1d(times, 'float32');
      logits = this.denoiser.logits(xtTensor, tTensor);
      this.networkCalls++;
      this.sequencesEvaluated += B;
      const shape = logits.shape;
      if (shape.length !== 3 || shape[0] !== B || shape[1] !== L || shape[2] !== V) {
        throw new RangeError(
          `denoiser returned logits of shape [${shape.join(', ')}], expected [${B}, ${L}, ${V}] ` +
            '(batch, length, vocabSize)',
        );
      }
      if (logits.dtype !== 'float32')
        throw new TypeError(`denoiser returned ${logits.dtype} logits, expected float32`);
      const source = logits;
      picked = everything
        ? null
        : tf.tidy(() => tf.gather(tf.reshape(source, [B * L, V]), tf.tensor1d(indices, 'int32')));
      data = (await (picked ?? logits).data()) as Float32Array;
    } finally {
      if (xtTensor) xtTensor.dispose();
      if (tTensor) tTensor.dispose();
      if (logits) logits.dispose();
      if (picked) picked.dispose();
    }
    const rows: RowLogits[] = [];
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
      rows.push({ data, slots, base });
    }
    return rows;
  }
}

function covers(row: RowLogits, positions: readonly number[]): boolean {
  for (const n of positions) if (row.slots[row.base + n]! < 0) return false;
  return true;
}

/** Ascending positions of `tokens` that hold MASK (= V). */
export function maskedPositions(tokens: Int32Array, vocabSize: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < tokens.length; n++) if (tokens[n] === vocabSize) out.push(n);
  return out;
}
