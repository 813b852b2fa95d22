import { assertSeed, SeededStream, seededPermutation } from './seeded-random';
import type { TokenDataset } from './token-dataset';

/**
 * How training batches are drawn:
 * - 'shuffle': every chunk once per epoch, in a seeded random order (a fresh permutation per epoch;
 *   batches run on across epoch boundaries).
 * - 'random': every row is `dataset.randomChunk` with a generator seeded by (seed, step): for a token
 *   stream, L tokens at a uniformly random offset (MD4's text8 pipeline).
 */
export type BatchOrder = 'shuffle' | 'random';

/**
 * Where a batch stream stands: plain JSON, stored in checkpoints. Passing it back as `start`
 * continues with exactly the batches the original run would have seen next.
 */
export interface BatchCursor {
  /** The cursor format (1); another value is rejected when resuming. */
  readonly version: 1;
  /** The order the stream draws in. */
  readonly order: BatchOrder;
  /** The seed of the stream's permutations or random offsets. */
  readonly seed: number;
  /** Sequences per batch. */
  readonly batchSize: number;
  /** The dataset's `size` when the cursor was made (resuming on different data is an error). */
  readonly datasetSize: number;
  /** Batches already produced. */
  readonly step: number;
}

/** Options of `batches`: size, seed, when to stop, the order, and a cursor to resume from. */
export interface BatchOptions {
  /** Required unless `start` gives it. */
  batchSize?: number | undefined;
  /** Required unless `start` gives it. */
  seed?: number | undefined;
  /** Stop after floor(epochs * size / batchSize) batches in all. Not with `steps`. */
  epochs?: number | undefined;
  /** Stop after this many batches in all (counting those before `start`). Neither: endless. */
  steps?: number | undefined;
  /** Default: 'random' for token streams, 'shuffle' for items (images). */
  order?: BatchOrder | undefined;
  /** Resume from a saved cursor. */
  start?: BatchCursor | undefined;
}

/** Iterable batches (arrays of `batchSize` sequences) that know where they stand. */
export interface BatchStream extends Iterable<Int32Array[]> {
  /** The position after the last batch produced (save this in a checkpoint). */
  readonly cursor: BatchCursor;
  /** Total batches this stream produces from step 0 (Infinity when endless). */
  readonly totalSteps: number;
}

function checkCursor(start: BatchCursor, dataset: TokenDataset): void {
  if (start === null || typeof start !== 'object' || start.version !== 1) {
    throw new RangeError(
      `batches: start cursor has an unknown format (version ${(start as { version?: unknown | undefined })?.version}); expected version 1`,
    );
  }
  if (!Number.isSafeInteger(start.step) || start.step < 0)
    throw new RangeError(`batches: start.step must be a non-negative integer, got ${start.step}`);
  if (start.datasetSize !== dataset.size) {
    throw new RangeError(
      `batches: the cursor was saved for a dataset of ${start.datasetSize} chunks, but ${dataset.source} has ${dataset.size}; resume with the same data and sequence length`,
    );
  }
}

/**
 * Deterministic, resumable training batches. The same (dataset, seed, order, batchSize) always gives
 * the same batches, and resuming from a cursor continues the same sequence.
 */
export function batches(dataset: TokenDataset, opts: BatchOptions): BatchStream {
  const { start } = opts;
  if (start) checkCursor(start, dataset);
  const pick = <K extends 'seed' | 'batchSize' | 'order'>(
    key: K,
    fallback?: BatchCursor[K],
  ): BatchCursor[K] => {
    const given = opts[key] as BatchCursor[K] | undefined;
    if (start && given !== undefined && given !== start[key]) {
      throw new RangeError(
        `batches: ${key} ${JSON.stringify(given)} differs from the resumed cursor's ${JSON.stringify(start[key])}`,
      );
    }
    const v = given ?? start?.[key] ?? fallback;
    if (v === undefined) throw new RangeError(`batches: ${key} is required (or resume from a cursor)`);
    return v;
  };
  const seed = pick('seed');
  assertSeed(seed, 'batches');
  const batchSize = pick('batchSize');
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const order = pick('order', dataset.kind === 'stream' ? 'random' : 'shuffle');
  if (order !== 'shuffle' && order !== 'random')
    throw new RangeError(`batches: order must be 'shuffle' or 'random', got ${JSON.stringify(order)}`);

  let totalSteps = Number.POSITIVE_INFINITY;
  if (opts.epochs !== undefined && opts.steps !== undefined)
    throw new RangeError('batches: give epochs or steps, not both');
  if (opts.epochs !== undefined) {
    if (!(opts.epochs > 0)) throw new RangeError(`batches: epochs must be positive, got ${opts.epochs}`);
    totalSteps = Math.floor((opts.epochs * dataset.size) / batchSize);
    if (totalSteps < 1) {
      throw new RangeError(
        `batches: ${opts.epochs} epoch(s) of ${dataset.size} chunks is less than one batch of ${batchSize}; use more epochs or a smaller batch`,
      );
    }
  } else if (opts.steps !== undefined) {
    if (!Number.isInteger(opts.steps) || opts.steps < 0)
      throw new RangeError(`batches: steps must be a non-negative integer, got ${opts.steps}`);
    totalSteps = opts.steps;
  }

  const size = dataset.size;
  let step = start?.step ?? 0;
  let permEpoch = -1;
  let perm: Uint32Array = new Uint32Array(0);
  const makeBatch = (s: number): Int32Array[] => {
    const rows: Int32Array[] = new Array(batchSize);
    if (order === 'random') {
      const rng = new SeededStream(seed, 0x72616e64, s);
      for (let r = 0; r < batchSize; r++) rows[r] = dataset.randomChunk(rng);
      return rows;
    }
    for (let r = 0; r < batchSize; r++) {
      const p = s * batchSize + r;
      const epoch = Math.floor(p / size);
      if (epoch !== permEpoch) {
        perm = seededPermutation(size, seed, 0x73687566, epoch);
        permEpoch = epoch;
      }
      rows[r] = dataset.chunk(perm[p - epoch * size]!);
    }
    return rows;
  };
  return {
    get cursor(): BatchCursor {
      return { version: 1, order, seed, batchSize, datasetSize: size, step };
    },
    totalSteps,
    *[Symbol.iterator]() {
      while (step < totalSteps) {
        const batch = makeBatch(step);
        step++;
        yield batch;
      }
    },
  };
}

/**
 * Evaluation batches: every chunk once, in order (0, 1, ...), the last batch possibly smaller.
 * `maxChunks` evaluates only the first chunks.
 */
export function* evalBatches(
  dataset: TokenDataset,
  opts: { batchSize: number; maxChunks?: number | undefined },
): Generator<Int32Array[]> {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`evalBatches: batchSize must be a positive integer, got ${batchSize}`);
  const n = Math.min(dataset.size, opts.maxChunks ?? dataset.size);
  for (let i = 0; i < n; i += batchSize) {
    const rows: Int32Array[] = [];
    for (let j = i; j < Math.min(n, i + batchSize); j++) rows.push(dataset.chunk(j));
    yield rows;
  }
}
