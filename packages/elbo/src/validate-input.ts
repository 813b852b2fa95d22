import { assertTokenRange, type Denoiser, type Rng } from '@md4/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Checks a denoiser, returning V. */
export function checkDenoiser(denoiser: Denoiser, what: string): number {
  const V = denoiser?.vocabSize;
  if (!Number.isInteger(V) || V < 1 || typeof denoiser.logits !== 'function') {
    throw new TypeError(`${what}: denoiser must be a Denoiser with an integer vocabSize >= 1 and logits()`);
  }
  return V;
}

export function checkRng(rng: Rng, what: string): void {
  if (rng == null || typeof rng.uniform !== 'function') {
    throw new TypeError(`${what}: opts.rng must be an Rng (use createRng(seed) from @md4/core)`);
  }
}

/**
 * Checks `opts.timesteps` (a finite number of timesteps T, or undefined for continuous time), and
 * that the option is not given under its old name `steps`, which would silently mean continuous time.
 */
export function checkTimesteps(opts: { timesteps?: number | undefined }, what: string): void {
  if (opts != null && 'steps' in opts) {
    throw new TypeError(
      `${what}: the discrete-time T is named timesteps now; write timesteps instead of steps`,
    );
  }
  const timesteps = opts?.timesteps;
  if (timesteps !== undefined && !(Number.isInteger(timesteps) && timesteps >= 1)) {
    throw new RangeError(
      `${what}: timesteps must be an integer >= 1 (or omitted for continuous time), got ${timesteps}`,
    );
  }
}

/**
 * Checks that x0 is an int32 [B, L] tensor of clean tokens in [0, V) and reads it. The data is
 * read synchronously: keep x0 small integer data made on the CPU side.
 */
export function readCleanTokens(x0: tf.Tensor, vocabSize: number, what: string): Int32Array {
  if (x0 == null || x0.rank !== 2) {
    throw new TypeError(`${what}: x0 must be a rank-2 [batch, length] tensor, got shape [${x0?.shape}]`);
  }
  if (x0.dtype !== 'int32') throw new TypeError(`${what}: x0 must have dtype int32, got ${x0.dtype}`);
  const [B, L] = x0.shape as [number, number];
  if (B < 1 || L < 1)
    throw new RangeError(`${what}: x0 must have at least one sequence and one token, got [${B}, ${L}]`);
  const data = x0.dataSync() as Int32Array;
  assertTokenRange(data, vocabSize, { what: `${what}: x0 (denoiser vocabSize ${vocabSize})` });
  return data;
}
