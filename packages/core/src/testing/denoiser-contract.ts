import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser } from '../denoiser';
import { createRng } from '../rng';

/** Options for `checkDenoiserContract`. */
export interface DenoiserContractOptions {
  /** Sequence length the network accepts. */
  length: number;
  /** Batch size of the probe inputs (default 3). */
  batch?: number;
  /** Seed for the probe inputs (default 0). */
  seed?: number;
}

/**
 * Checks that a network honours the `Denoiser` contract: logits of shape [B, L, V] and dtype
 * float32, finite at masked positions, inputs not disposed, no tensors leaked, a fully masked
 * batch and a batch without masks both accepted, and outputs independent of t when
 * `timeConditioned` is false. Returns the list of violations (empty when the contract holds);
 * use it in your own tests: `expect(await checkDenoiserContract(net, { length: 16 })).toEqual([])`.
 */
export async function checkDenoiserContract(
  denoiser: Denoiser,
  options: DenoiserContractOptions,
): Promise<string[]> {
  const problems: string[] = [];
  const V = denoiser.vocabSize;
  const L = options.length;
  const B = options.batch ?? 3;
  const rng = createRng(options.seed ?? 0);
  if (!Number.isInteger(V) || V < 1) problems.push(`vocabSize must be a positive integer, got ${V}`);

  const mixed = new Int32Array(B * L);
  for (let i = 0; i < mixed.length; i++) {
    mixed[i] = rng.uniform() < 0.5 ? V : Math.floor(rng.uniform() * V);
  }
  const probes: Array<[string, Int32Array]> = [
    ['mixed', mixed],
    ['all MASK', new Int32Array(B * L).fill(V)],
    ['no MASK', mixed.map((v) => (v === V ? 0 : v))],
  ];
  const times = [0.5, 0.9];

  for (const [label, tokens] of probes) {
    const before = tf.memory().numTensors;
    const xt = tf.tensor2d(tokens, [B, L], 'int32');
    const outputs: Float32Array[] = [];
    for (const time of times) {
      const t = tf.fill([B], time) as tf.Tensor1D;
      let logits: tf.Tensor3D | undefined;
      try {
        logits = denoiser.logits(xt, t);
        if (logits.rank !== 3 || logits.shape[0] !== B || logits.shape[1] !== L || logits.shape[2] !== V) {
          problems.push(`${label}: logits shape [${logits.shape}] != [${B}, ${L}, ${V}]`);
          continue;
        }
        if (logits.dtype !== 'float32') problems.push(`${label}: logits dtype ${logits.dtype} != float32`);
        const values = (await logits.data()) as Float32Array;
        outputs.push(values);
        for (let i = 0; i < B * L; i++) {
          if (tokens[i] !== V) continue;
          for (let v = 0; v < V; v++) {
            if (!Number.isFinite(values[i * V + v]!)) {
              problems.push(`${label}: non-finite logit at masked position ${i}`);
              break;
            }
          }
        }
        if (xt.isDisposed || t.isDisposed) problems.push(`${label}: the denoiser disposed its inputs`);
      } catch (error) {
        problems.push(`${label}: logits threw ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        tf.dispose([t, logits as tf.Tensor]);
      }
    }
    if (!denoiser.timeConditioned && outputs.length === 2) {
      const [a, b] = outputs as [Float32Array, Float32Array];
      for (let i = 0; i < B * L; i++) {
        if (tokens[i] !== V) continue;
        if (a.subarray(i * V, (i + 1) * V).some((x, v) => Math.abs(x - b[i * V + v]!) > 1e-5)) {
          problems.push(`${label}: timeConditioned is false but logits change with t`);
          break;
        }
      }
    }
    xt.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) problems.push(`${label}: ${leaked} tensors leaked per call`);
  }
  return problems;
}
