import { DataFormatError } from './data-format-error';
import { readDataFile } from './read-data-file';
import { memoryTokenReader, textDatasetFromReader } from './text-dataset';
import { cleanText8Codes } from './text8-clean';
import { text8Tokenizer } from './text8-tokenizer';
import type { TextDataset } from './token-dataset';
import { readZipEntry } from './zip-entry';

/** text8's standard split in characters: first 90M train, next 5M valid, last 5M test. */
export const TEXT8_STANDARD_SPLITS: readonly [number, number, number] = [90_000_000, 5_000_000, 5_000_000];

/** The three splits `loadText8` returns, all over the one in-memory copy of the file. */
export interface Text8Splits {
  /** The first split (90M characters by default). */
  train: TextDataset;
  /** The second split (the next 5M by default). */
  valid: TextDataset;
  /** The last split (the last 5M by default). */
  test: TextDataset;
}

const ID_OF_CODE = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < 26; i++) t[97 + i] = i;
  t[32] = 26;
  return t;
})();

/**
 * Loads text8 from the user's `text8` file or the original `text8.zip` (detected by content), keeps it
 * in memory as one byte per character (100 MB), and splits it: by default the standard 90M/5M/5M.
 * Training draws chunks at random offsets (`batches`, order 'random'); evaluation uses
 * non-overlapping chunks (`chunk(i)`, remainder dropped).
 *
 * Options: `length` (L, default 256); `splits` (character counts [train, valid, test] summing to the
 * file's length, for files other than the standard 100M text8); `clean` (run `cleanText8` on the
 * content first, for prose that is not already text8 form).
 */
export function loadText8(
  path: string,
  opts: {
    length?: number | undefined;
    splits?: readonly [number, number, number] | undefined;
    clean?: boolean | undefined;
  } = {},
): Text8Splits {
  const length = opts.length ?? 256;
  let bytes = readDataFile(path, { fix: 'pass the path of text8 or text8.zip', what: 'a text8 file' });
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    bytes = readZipEntry(bytes, 'text8', path);
  }
  let ids: Uint8Array;
  if (opts.clean) {
    ids = cleanText8Codes(new TextDecoder('utf-8').decode(bytes));
    for (let i = 0; i < ids.length; i++) ids[i] = ID_OF_CODE[ids[i]!]!;
  } else {
    ids = bytes;
    for (let i = 0; i < ids.length; i++) {
      const id = ID_OF_CODE[ids[i]!]!;
      if (id < 0) {
        const b = ids[i]!;
        const shown = b >= 32 && b < 127 ? ` ${JSON.stringify(String.fromCharCode(b))}` : '';
        const problem = `byte 0x${b.toString(16).padStart(2, '0')}${shown} at offset ${i} is not a text8 character (text8 has only a-z and space)`;
        throw new DataFormatError(
          path,
          problem,
          'pass { clean: true } to clean it with cleanText8, or check this is the text8 file',
        );
      }
      ids[i] = id;
    }
  }
  if (ids.length === 0) throw new DataFormatError(path, 'is empty (no text8 characters)');
  const splits = opts.splits ?? TEXT8_STANDARD_SPLITS;
  if (
    splits.length !== 3 ||
    splits.some((n) => !Number.isInteger(n) || n < 1) ||
    splits[0] + splits[1] + splits[2] !== ids.length
  ) {
    throw new DataFormatError(
      path,
      `has ${ids.length} characters, but the splits [${splits.join(', ')}] add up to ${splits.reduce((a, b) => a + b, 0)}`,
      opts.splits
        ? 'give three positive character counts [train, valid, test] that add up to the file length'
        : 'the standard text8 has 100,000,000; for another file pass splits: [train, valid, test] character counts',
    );
  }
  const [a, b] = splits;
  const part = (from: number, to: number, name: string) =>
    textDatasetFromReader(
      memoryTokenReader(ids.subarray(from, to)),
      text8Tokenizer,
      length,
      `${path} (${name})`,
    );
  return {
    train: part(0, a, 'train'),
    valid: part(a, a + b, 'valid'),
    test: part(a + b, ids.length, 'test'),
  };
}
