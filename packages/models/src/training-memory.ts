import { countNetworkParameters, type NetworkConfig } from './network-config';

/**
 * The most bytes a training step may hold: 4 GiB, the heap that tfjs' wasm backend and our native
 * backend keep every tensor on. A step estimated above it is refused before anything is allocated.
 */
export const MAX_TRAINING_BYTES = 2 ** 32;

/**
 * Float32 values a training step of `config` keeps per sequence and in all, at its peak:
 *   fixed = 5 N                      (weights, gradients, AdamW's m and v, the EMA copy; N parameters)
 *   perSequence = P (layers (40 d + 20 h + 4 H P) + 8 V g)
 * with P positions (seqLen / g for g tokens per position), width d, MLP width h, H heads and V the
 * vocabulary. tfjs' autodiff keeps the output of every op of the forward pass for the backward one,
 * so the per-layer terms are several times the textbook count; the coefficients were fitted to the
 * peak memory of `md4 train` on the native backend (tiny, tiny at seqLen 512, tiny at width 256:
 * 113, 162 and 212 KB per token), and put the 4 GiB limit between the largest batch that trains
 * and the smallest that fails (tiny at seqLen 128: 270 trains, 300 fails).
 */
export function trainingFloats(
  config: NetworkConfig,
  batch: number,
): { fixed: number; perSequence: number; total: number } {
  const tokensPerPosition = config.arch === 'md4' ? config.tokensPerPosition : 1;
  const positions = Math.ceil(config.seqLen / tokensPerPosition);
  const { layers, dModel: d, mlpHidden: h, heads } = config;
  const perSequence =
    positions *
    (layers * (40 * d + 20 * h + 4 * heads * positions) + 8 * config.vocabSize * tokensPerPosition);
  const fixed = 5 * countNetworkParameters(config);
  return { fixed, perSequence, total: fixed + batch * perSequence };
}

/**
 * Throws a RangeError when a training step of `config` on `batch` sequences is estimated (see
 * `trainingFloats`) to need more than `maxBytes` (default MAX_TRAINING_BYTES), naming the estimate
 * and the largest batch that fits.
 */
export function assertTrainingMemory(
  config: NetworkConfig,
  batch: number,
  maxBytes = MAX_TRAINING_BYTES,
): void {
  const { fixed, perSequence, total } = trainingFloats(config, batch);
  if (4 * total <= maxBytes) return;
  const largestBatch = Math.floor((maxBytes / 4 - fixed) / perSequence);
  const gib = (floats: number) => `${((4 * floats) / 2 ** 30).toFixed(1)} GiB`;
  throw new RangeError(
    `a training step on batch ${batch} x ${config.seqLen} tokens needs about ${gib(total)}, over the ` +
      `${gib(maxBytes / 4)} a tfjs backend here can hold; ` +
      (largestBatch >= 1
        ? `the largest batch that fits is about ${largestBatch}`
        : 'not even one sequence fits: lower the sequence length or the model size'),
  );
}
