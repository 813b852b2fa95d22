import { randomIndex, type UniformSource } from './seeded-random';
import { assertChunkIndex, assertSequenceLength, type TextDataset } from './token-dataset';
import type { TextTokenizer } from './tokenizer';

/** Random access to a token stream: memory or a file. */
export interface TokenReader {
  /** The length of the stream in tokens. */
  readonly numTokens: number;
  /** Writes tokens [offset, offset + out.length) into `out`. */
  readInto(offset: number, out: Int32Array): void;
  /** Releases the file, if any (idempotent); a file's reader refuses reads after it. */
  close(): void;
}

/** Builds a TextDataset over a token reader. */
export function textDatasetFromReader(
  reader: TokenReader,
  tokenizer: TextTokenizer,
  length: number,
  source: string,
): TextDataset {
  assertSequenceLength(length, source);
  if (reader.numTokens < length) {
    throw new RangeError(
      `${source}: has ${reader.numTokens} tokens, fewer than one sequence of length ${length}; use a shorter length or more data`,
    );
  }
  const size = Math.floor(reader.numTokens / length);
  const read = (offset: number, count: number): Int32Array => {
    if (
      !Number.isInteger(offset) ||
      !Number.isInteger(count) ||
      offset < 0 ||
      count < 0 ||
      offset + count > reader.numTokens
    ) {
      throw new RangeError(`${source}: read(${offset}, ${count}) is outside the ${reader.numTokens} tokens`);
    }
    const out = new Int32Array(count);
    reader.readInto(offset, out);
    return out;
  };
  return {
    kind: 'stream',
    tokenizer,
    length,
    size,
    source,
    numTokens: reader.numTokens,
    read,
    chunk(i: number): Int32Array {
      assertChunkIndex(i, size, source);
      return read(i * length, length);
    },
    randomChunk(rng: UniformSource): Int32Array {
      return read(randomIndex(rng, reader.numTokens - length + 1), length);
    },
    close: () => reader.close(),
  };
}

/** A reader over tokens already in memory (any integer typed array). */
export function memoryTokenReader(tokens: Uint8Array | Uint16Array | Int32Array): TokenReader {
  return {
    numTokens: tokens.length,
    readInto(offset, out) {
      out.set(tokens.subarray(offset, offset + out.length));
    },
    close() {},
  };
}

/**
 * A TextDataset over an in-memory token stream. Every token must be in 0..V-1 (checked once here).
 * The array is used as is (not copied): do not change it afterwards.
 */
export function textDataset(opts: {
  tokens: Uint8Array | Uint16Array | Int32Array;
  tokenizer: TextTokenizer;
  length: number;
  source?: string | undefined;
}): TextDataset {
  const { tokens, tokenizer } = opts;
  const source = opts.source ?? 'in-memory tokens';
  const v = tokenizer.vocabSize;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= v) {
      throw new RangeError(
        `${source}: token ${t} at position ${i} is outside 0..${v - 1} (tokenizer '${tokenizer.id}')`,
      );
    }
  }
  return textDatasetFromReader(memoryTokenReader(tokens), tokenizer, opts.length, source);
}
