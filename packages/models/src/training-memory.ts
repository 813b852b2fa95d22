import { countNetworkParameters, type NetworkConfig } from './network-config';

/**
 * The most bytes a training step may hold on tfjs' wasm backend: 4 GiB, the wasm32 heap it keeps
 * every tensor on (the default limit of `assertTrainingMemory`). The native backend and tfjs' cpu
 * backend keep each tensor in memory of its own: their limit is the machine's.
 */
export const MAX_TRAINING_BYTES = 2 ** 32;

/**
 * Whether the backend runs `@md4/core`'s fused kernels (attention, adaLN, rotary embedding, gate,
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
  fused: { d: 7, h: 4, scores: 0, embed: 18 },
  composed: { d: 9, h: 5, scores: 3, embed: 32 },
} as const;

/**
 * Float32 values a training step of `config` keeps per sequence and in all, at its peak:
 *   fixed = 5 N                      (weights, gradients, AdamW's m and v, the EMA copy; N parameters)
 *   perSequence = P (layers (a d + b h + s H P) + e d + 8 V g)
 *   checkpointActivations: perSequence = P (layers d + (a d + b h + s H P) + e d + 8 V g)
 * with P positions (seqLen / g for g tokens per position), width d, MLP width h, H heads, V the
 * vocabulary; (a, b, s, e) = (7, 4, 0, 18) with fused kernels, (9, 5, 3, 32) composed: what the
 * tape keeps for the backward pass (`leanVariableGrads` frees each op's share as the pass goes by),
 * about 10% above the slope of the peak RSS of 2 steps of `md4 train` between two batches (KB per
 * token). Fused, native backend: tiny 25.5 at seq 128, small-cpu 81.8 at seq 256 (no term in P:
 * the fused attention keeps no scores). Composed, wasm: tiny 47.1 at seq 128 and 80.0 at seq 512,
 * small-cpu 134.2 at seq 128. d and h are not separable there, as h = 2.75 d in every preset: a is
 * about 2 b in both.
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
  /** The limit in bytes. */
  bytes: number;
  /** Words that follow the amount in the message, e.g. "of the wasm heap". */
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
