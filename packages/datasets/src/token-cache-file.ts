import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { DataFormatError } from './data-format-error';
import { type TokenReader, textDatasetFromReader } from './text-dataset';
import {
  encodeTokenCacheHeader,
  parseTokenCacheHeader,
  TOKEN_CACHE_HEADER_BYTES,
  type TokenCacheHeader,
} from './token-cache-format';
import type { TextDataset } from './token-dataset';
import type { TextTokenizer } from './tokenizer';
import { tokenizerFromId } from './tokenizer-registry';

const WRITE_BUFFER_BYTES = 1 << 20;

/**
 * Writes a token cache file (layout: `token-cache-format.ts`) in one pass with a 1 MiB buffer, to a
 * temporary name that `finish()` renames into place, so a crash never leaves a half-written cache
 * under the real name.
 */
export class TokenCacheWriter {
  /** The final path the file has after `finish()`. */
  readonly path: string;
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private used = 0;
  private written = TOKEN_CACHE_HEADER_BYTES;
  private tokens = 0;
  private documents = 0;
  private done = false;
  private readonly bytesPerToken: 2 | 4;

  constructor(
    path: string,
    private readonly tokenizer: { id: string; vocabSize: number },
    private readonly fingerprint: string,
  ) {
    this.path = path;
    this.tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    this.bytesPerToken = tokenizer.vocabSize <= 65536 ? 2 : 4;
    this.fd = openSync(this.tmp, 'w');
    this.buf = new Uint8Array(WRITE_BUFFER_BYTES);
    this.view = new DataView(this.buf.buffer);
  }

  /** Appends tokens (each in 0..V-1). */
  append(tokens: ArrayLike<number>): void {
    const v = this.tokenizer.vocabSize;
    const b = this.bytesPerToken;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (!(t >= 0 && t < v && Number.isInteger(t))) {
        throw new RangeError(
          `token cache ${this.path}: token ${t} is outside 0..${v - 1} (tokenizer '${this.tokenizer.id}')`,
        );
      }
      if (this.used + b > this.buf.length) this.flush();
      if (b === 2) this.view.setUint16(this.used, t, true);
      else this.view.setUint32(this.used, t, true);
      this.used += b;
    }
    this.tokens += tokens.length;
  }

  /** Counts one finished document (stored in the header). */
  endDocument(): void {
    this.documents++;
  }

  /** Tokens written so far. */
  get tokenCount(): number {
    return this.tokens;
  }

  /** Documents counted by `endDocument` so far. */
  get documentCount(): number {
    return this.documents;
  }

  private flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off, this.written + off);
    this.written += this.used;
    this.used = 0;
  }

  /** Writes the header, closes and renames the file into place; returns the header. */
  finish(): TokenCacheHeader {
    this.flush();
    const header: TokenCacheHeader = {
      version: 1,
      vocabSize: this.tokenizer.vocabSize,
      bytesPerToken: this.bytesPerToken,
      tokenCount: this.tokens,
      documentCount: this.documents,
      tokenizerId: this.tokenizer.id,
      fingerprint: this.fingerprint,
    };
    writeSync(this.fd, encodeTokenCacheHeader(header), 0, TOKEN_CACHE_HEADER_BYTES, 0);
    closeSync(this.fd);
    this.done = true;
    renameSync(this.tmp, this.path);
    return header;
  }

  /** Closes and deletes the temporary file (after an error). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }
}

/** A TextDataset read from a token cache file, with the header it was checked against. */
export interface TokenCacheDataset extends TextDataset {
  /** The file's header; `numTokens` equals its tokenCount. */
  readonly header: TokenCacheHeader;
}

/** Reads a token cache's header (and checks the file's size against it). */
export function readTokenCacheHeader(path: string): TokenCacheHeader {
  const fd = openCache(path);
  try {
    return readHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

function openCache(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new DataFormatError(
      path,
      `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function readHeader(fd: number, path: string): TokenCacheHeader {
  const size = fstatSync(fd).size;
  const head = new Uint8Array(TOKEN_CACHE_HEADER_BYTES);
  const got = readSync(fd, head, 0, TOKEN_CACHE_HEADER_BYTES, 0);
  return parseTokenCacheHeader(head.subarray(0, got), size, path);
}

/**
 * Opens a token cache for random access without loading it: each read is a positioned `readSync` on
 * the file descriptor, so a multi-GB cache needs only a few KB of memory. The header is checked
 * (magic, version, size, tokenizer); pass `tokenizer` to insist on one, and a header whose
 * tokenizer or vocabulary differs is an error. Tokens read are checked against the vocabulary.
 * Call `close()` when done.
 */
export function openTokenCache(
  path: string,
  opts: { length: number; tokenizer?: TextTokenizer | undefined },
): TokenCacheDataset {
  const fd = openCache(path);
  let header: TokenCacheHeader;
  let tokenizer: TextTokenizer;
  try {
    header = readHeader(fd, path);
    const want = opts.tokenizer;
    if (want && (want.id !== header.tokenizerId || want.vocabSize !== header.vocabSize)) {
      throw new DataFormatError(
        path,
        `was written for tokenizer '${header.tokenizerId}' with vocabulary ${header.vocabSize}, but tokenizer '${want.id}' has vocabulary ${want.vocabSize}`,
        'use the matching tokenizer, or delete the cache to rebuild it',
      );
    }
    let known: ReturnType<typeof tokenizerFromId>;
    try {
      known = tokenizerFromId(header.tokenizerId);
    } catch (e) {
      throw new DataFormatError(path, `names ${(e as Error).message}`);
    }
    if (known.kind !== 'text')
      throw new DataFormatError(path, `names the image tokenizer '${known.id}'; token caches hold text`);
    if (known.vocabSize !== header.vocabSize) {
      throw new DataFormatError(
        path,
        `says vocabulary ${header.vocabSize}, but tokenizer '${known.id}' has vocabulary ${known.vocabSize}`,
        'delete the cache to rebuild it',
      );
    }
    tokenizer = known;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const bpt = header.bytesPerToken;
  const vocab = header.vocabSize;
  let scratch = new Uint8Array(64 * 1024);
  let open = true;
  const reader: TokenReader = {
    numTokens: header.tokenCount,
    readInto(offset, out) {
      if (!open) throw new Error(`token cache ${path} is closed`);
      const nbytes = out.length * bpt;
      if (scratch.length < nbytes) scratch = new Uint8Array(nbytes);
      let got = 0;
      while (got < nbytes) {
        const n = readSync(fd, scratch, got, nbytes - got, TOKEN_CACHE_HEADER_BYTES + offset * bpt + got);
        if (n === 0)
          throw new DataFormatError(
            path,
            `is truncated: ended at byte ${TOKEN_CACHE_HEADER_BYTES + offset * bpt + got} (changed after opening?)`,
          );
        got += n;
      }
      const dv = new DataView(scratch.buffer, 0, nbytes);
      for (let i = 0; i < out.length; i++) {
        const t = bpt === 2 ? dv.getUint16(2 * i, true) : dv.getUint32(4 * i, true);
        if (t >= vocab) {
          throw new DataFormatError(
            path,
            `token ${t} at index ${offset + i} is outside the vocabulary 0..${vocab - 1}`,
            'the file is corrupt: delete it to rebuild the cache',
          );
        }
        out[i] = t;
      }
    },
    close() {
      if (open) closeSync(fd);
      open = false;
    },
  };
  let dataset: TextDataset;
  try {
    dataset = textDatasetFromReader(reader, tokenizer, opts.length, path);
  } catch (e) {
    reader.close();
    throw e;
  }
  return { ...dataset, header };
}
