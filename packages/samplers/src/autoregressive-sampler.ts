import { maskId, type NextTokenModel, type Rng, type SamplingPrecision } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted } from './abort';
import { createStepPacer } from './event-loop-yield';
import { initialTokens } from './prompt';
import { checkSamplingPrecision } from './sample-options';
import { TokenDistribution } from './token-distribution';

/** Options of `sampleAutoregressive`. */
export interface AutoregressiveSampleOptions {
  /** L, the tokens per sequence (at most the model's maxLength). */
  length: number;
  /** Sequences to draw (default 1; with `prompt`, its length). */
  batch?: number | undefined;
  /**
   * Per sequence, a prefix of fixed tokens followed by MASK (= V) at the positions to generate; an
   * autoregressive model conditions on what comes before only, so a fixed token after a free one is
   * an error.
   */
  prompt?: Int32Array[] | undefined;
  /** The source of every draw (float64 categorical draws). */
  rng: Rng;
  /** Divides the logits (default 1; 0 is greedy). */
  temperature?: number | undefined;
  /** Nucleus truncation of each conditional (default 1: none). */
  topP?: number | undefined;
  /** 'float64' draws (default), or 'float32' Gumbel-max only to measure what float64 protects against. */
  samplingPrecision?: SamplingPrecision | undefined;
  /** Rejects with an AbortError between positions once aborted; no tensors remain. */
  signal?: AbortSignal | undefined;
}

/** What `sampleAutoregressive` returns: the sequences and the network calls made. */
export interface AutoregressiveSample {
  /** The sequences, each of `length` real tokens (prompt prefixes kept). */
  tokens: Int32Array[];
  /** Network calls: one per generated position (L minus the shortest prompt prefix). */
  networkCalls: number;
}

/**
 * Ancestral sampling of an autoregressive model, left to right: for n = 0..L-1,
 *   x_n ~ softmax(nextTokenLogits(x_0..x_n)[n] / temperature), top-p truncated,
 * a float64 categorical draw per free position (fixed prompt tokens are kept). One network call per
 * position on the prefix so far (no key-value cache: L calls of growing length).
 */
export async function sampleAutoregressive(
  model: NextTokenModel,
  opts: AutoregressiveSampleOptions,
): Promise<AutoregressiveSample> {
  const V = model.vocabSize;
  const L = opts.length;
  if (!Number.isInteger(L) || L < 1 || L > model.maxLength) {
    throw new RangeError(`length must be an integer in [1, ${model.maxLength}] (the model's), got ${L}`);
  }
  if (opts.rng == null || typeof opts.rng.uniform !== 'function') {
    throw new TypeError('rng must be an Rng (use createRng(seed) from @md4/core)');
  }
  const temperature = opts.temperature ?? 1;
  const topP = opts.topP ?? 1;
  if (!(temperature >= 0) || !(topP > 0 && topP <= 1)) {
    throw new RangeError(`temperature must be >= 0 and topP in (0, 1], got ${temperature} and ${topP}`);
  }
  const tokens = initialTokens({ vocabSize: V, length: L, batch: opts.batch, prompt: opts.prompt });
  const prefix = tokens.map((row, b) => prefixLength(row, V, b));
  const start = Math.min(...prefix);
  const B = tokens.length;
  const distribution = new TokenDistribution(
    V,
    temperature,
    topP,
    checkSamplingPrecision(opts.samplingPrecision),
  );
  const pace = createStepPacer(opts.signal);
  throwIfAborted(opts.signal);
  for (let n = start; n < L; n++) {
    // positions >= n do not reach row n: fill them with a real token for the call
    const input = new Int32Array(B * (n + 1));
    for (let b = 0; b < B; b++) {
      for (let m = 0; m <= n; m++) input[b * (n + 1) + m] = m < n ? tokens[b]![m]! : 0;
    }
    const last = tf.tidy(() => {
      const x = tf.tensor2d(input, [B, n + 1], 'int32');
      return tf.slice(model.nextTokenLogits(x), [0, n, 0], [B, 1, V]);
    });
    let logits: Float32Array;
    try {
      logits = (await last.data()) as Float32Array;
    } finally {
      last.dispose();
    }
    for (let b = 0; b < B; b++) {
      if (n < prefix[b]!) continue;
      tokens[b]![n] = distribution.draw(distribution.at(logits, b * V), opts.rng);
    }
    await pace(undefined);
  }
  return { tokens, networkCalls: L - start };
}

/** The number of fixed tokens before the first MASK; throws if a fixed token follows a MASK. */
function prefixLength(row: Int32Array, V: number, b: number): number {
  const mask = maskId(V);
  const first = row.indexOf(mask);
  if (first < 0) return row.length;
  for (let n = first + 1; n < row.length; n++) {
    if (row[n] !== mask) {
      throw new RangeError(
        `prompt[${b}]: position ${n} is fixed after the free position ${first}; an autoregressive model ` +
          'conditions on a prefix only (for infilling, use a masked diffusion model)',
      );
    }
  }
  return first;
}
