import type { UniformSource } from './seeded-random';
import type { PixelTokenizer, TextTokenizer, Tokenizer } from './tokenizer';

/**
 * The common dataset interface: sequences of `length` tokens (Int32Array, values 0..V-1).
 *
 * - `kind: 'stream'`: one long token stream (text). `chunk(i)` is tokens [i*L, (i+1)*L) (the last
 *   partial chunk is dropped), `randomChunk` starts at a uniformly random offset.
 * - `kind: 'items'`: separate examples (images). `chunk(i)` is example i, `randomChunk` a random one.
 *
 * Every call returns a fresh array the caller owns.
 */
export interface TokenDataset {
  /** 'stream' for one long token stream (text), 'items' for separate examples (images). */
  readonly kind: 'stream' | 'items';
  /** The tokenizer the tokens are in (its vocabSize is V). */
  readonly tokenizer: Tokenizer;
  /** L: tokens per sequence. */
  readonly length: number;
  /** Number of non-overlapping chunks (stream) or examples (items): the unit of evaluation and shuffling. */
  readonly size: number;
  /** Where the data came from (a path or a name), for messages. */
  readonly source: string;
  /** Sequence i of `length` tokens (a new array); a RangeError unless 0 <= i < size. */
  chunk(i: number): Int32Array;
  /** A sequence at a random offset (stream) or a random example (items), drawn from `rng` (a new array). */
  randomChunk(rng: UniformSource): Int32Array;
  /** Releases file handles, if any (datasets read from disk). Idempotent. */
  close(): void;
}

/** A text token stream. `numTokens` counts every token (size = floor(numTokens / length)). */
export interface TextDataset extends TokenDataset {
  /** Always 'stream'. */
  readonly kind: 'stream';
  /** A text tokenizer (decode turns chunks back into text). */
  readonly tokenizer: TextTokenizer;
  /** The length of the whole stream in tokens. */
  readonly numTokens: number;
  /** Tokens [offset, offset + count) of the stream. */
  read(offset: number, count: number): Int32Array;
}

/** Images as pixel tokens (HWC), with optional integer labels. */
export interface ImageDataset extends TokenDataset {
  /** Always 'items'. */
  readonly kind: 'items';
  /** The pixel tokenizer, which gives the image shape (height x width x channels). */
  readonly tokenizer: PixelTokenizer;
  /** Per-example labels (0..255), when the source has them. */
  readonly labels: Uint8Array | undefined;
}

/** Checks a chunk index. */
export function assertChunkIndex(i: number, size: number, source: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new RangeError(`${source}: chunk index ${i} is outside 0..${size - 1}`);
  }
}

/** Checks a sequence length. */
export function assertSequenceLength(length: number, where: string): void {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`${where}: sequence length must be a positive integer, got ${length}`);
  }
}
