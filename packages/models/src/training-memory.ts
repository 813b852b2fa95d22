import { countNetworkParameters, type NetworkConfig } from './network-config';

/**
 * The most bytes a training step may hold on tfjs' wasm backend: 4 GiB, the wasm32 heap it keeps
 * every tensor on (the default limit of `assertTrainingMemory`). The native backend and tfjs' cpu
 * backend keep each tensor in memory of its own: their limit is the machine's.
 */
export const MAX_TRAINING_BYTES = 2 ** 32;

/**
 * Whether the backend runs @md4/core's fused kernels (attention, adaLN, rotary embedding, gate,
 * optimizer updates: the native backend), which keep fewer intermediates for the backward pass
 * (attention keeps no L x L probabilities), or composes them from tfjs ops (wasm, cpu, the
 * browser's backends).
 */
export type KernelPath = 'fused' | 'composed';

/**
 * Float32 values kept per position: per layer, per unit of d, of h and of H P (the attention
 * scores); and outside the layers per unit of d (embedding, conditioning). See below.
 */
const PER_POSITION = {
  fused: { d: 18, h: 9, scores: 0, embed: 6 },
  composed: { d: 40, h: 20, scores: 4, embed: 0 },
} as const;

/**
 * Float32 values a training step of `config` keeps per sequence and in all, at its peak:
 *   fixed = 5 N                      (weights, gradients, AdamW's m and v, the EMA copy; N parameters)
 *   perSequence = P (layers (a d + b h + s H P) + e d + 8 V g)
 *   checkpointActivations: perSequence = P (layers d + (a d + b h + s H P) + e d + 8 V g)
 * with P positions (seqLen / g for g tokens per position), width d, MLP width h, H heads, V the
 * vocabulary; (a, b, s, e) = (18, 9, 0, 6) with fused kernels, (40, 20, 4, 0) composed. tfjs'
 * autodiff keeps the output of every op of the forward pass for the backward one, so the per-layer
 * terms are several times the textbook count. Fitted to the peak RSS of 2 steps of `md4 train` on
 * the native backend at two batches each (the slope, KB per token): fused, tiny 43.6 at seq 128
 * and small-cpu 166.8 at seq 256 (the estimate is 7% above each; no term in P: the fused attention
 * keeps none, and tiny at seq 512 measured the same per token as at 128; d and h are not separable
 * there, as h = 2.75 d in every preset, so their ratio is the composed fit's); composed: tiny 113,
 * 162 and 212 KB per token at seq 128, seq 512 and width 256 (batch 270 trained, 300 failed with a
 * wasm trap).
 */
export function trainingFloats(
  config: NetworkConfig,
  batch: number,
  kernels: KernelPath = 'composed',
  checkpointActivations = false,
): { fixed: number; perSequence: number; total: number } {
  const tokensPerPosition = config.arch === 'md4' ? config.tokensPerPosition : 1;
  const positions = Math.ceil(config.seqLen / tokensPerPosition);
  const { layers, dModel: d, mlpHidden: h, heads } = config;
  const c = PER_POSITION[kernels];
  const block = c.d * d + c.h * h + c.scores * heads * positions;
  // checkpointed: each block's input, and one block's intermediates at a time (the one recomputed)
  const blocks = checkpointActivations ? layers * d + block : layers * block;
  const perSequence = positions * (blocks + c.embed * d + 8 * config.vocabSize * tokensPerPosition);
  const fixed = 5 * countNetworkParameters(config);
  return { fixed, perSequence, total: fixed + batch * perSequence };
}

/** The memory a training step may use: its size, and what it is (for the message), e.g. "of the wasm heap". */
export interface MemoryLimit {
  bytes: number;
  name: string;
}

/**
 * Throws a RangeError when a training step of `config` on `batch` sequences is estimated (see
 * `trainingFloats`) to need more than `limit` (default MAX_TRAINING_BYTES, the wasm heap), naming
 * the estimate, the limit and the largest batch that fits.
 */
export function assertTrainingMemory(
  config: NetworkConfig,
  batch: number,
  opts: {
    kernels?: KernelPath | undefined;
    checkpointActivations?: boolean | undefined;
    limit?: MemoryLimit | undefined;
  } = {},
): void {
  const { bytes: maxBytes, name } = opts.limit ?? { bytes: MAX_TRAINING_BYTES, name: 'of the wasm heap' };
  const { fixed, perSequence, total } = trainingFloats(
    config,
    batch,
    opts.kernels,
    opts.checkpointActivations ?? false,
  );
  if (4 * total <= maxBytes) return;
  const largestBatch = Math.floor((maxBytes / 4 - fixed) / perSequence);
  const gib = (floats: number) => `${((4 * floats) / 2 ** 30).toFixed(1)} GiB`;
  throw new RangeError(
    `a training step on batch ${batch} x ${config.seqLen} tokens needs about ${gib(total)}, over the ` +
      `${gib(maxBytes / 4)} ${name}; ` +
      (largestBatch >= 1
        ? `the largest batch that fits is about ${largestBatch}`
        : 'not even one sequence fits: lower the sequence length or the model size'),
  );
}
