import { gpt2Tokenizer } from './gpt2-tokenizer';
import { cleanText8, cleanText8Codes } from './text8-clean';

/**
 * The tokens of documents, in order, as one stream:
 * - text8: each document cleaned (`cleanText8`), followed by one space (the documents joined by
 *   single spaces, a space at the end);
 * - gpt2: each document's raw text (`text: 'raw'`) or cleaned text (`text: 'clean'`) encoded,
 *   followed by EOS 50256.
 */
export function documentTokens(
  texts: readonly string[],
  tokenizer: 'text8' | 'gpt2',
  text: 'clean' | 'raw',
): Uint8Array | Uint16Array {
  if (tokenizer === 'text8') {
    const parts = texts.map((t) => cleanText8Codes(t));
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length + 1, 0));
    let n = 0;
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) out[n++] = p[i] === 32 ? 26 : p[i]! - 97;
      out[n++] = 26;
    }
    return out;
  }
  const parts = texts.map((t) => gpt2Tokenizer.encode(text === 'clean' ? cleanText8(t) : t));
  const out = new Uint16Array(parts.reduce((a, p) => a + p.length + 1, 0));
  let n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
    out[n++] = gpt2Tokenizer.eosId;
  }
  return out;
}

/**
 * The tokenizer (default text8) and text form (default: clean for text8, raw for gpt2) of a bundled
 * corpus's options, checked; `what` names the function and `raw` the raw text in errors.
 */
export function corpusTextOptions(
  what: string,
  opts: { tokenizer?: 'text8' | 'gpt2' | undefined; text?: 'clean' | 'raw' | undefined },
  raw: string,
): { tokenizerName: 'text8' | 'gpt2'; text: 'clean' | 'raw' } {
  const tokenizerName = opts.tokenizer ?? 'text8';
  if (tokenizerName !== 'text8' && tokenizerName !== 'gpt2') {
    throw new RangeError(
      `${what}: tokenizer must be 'text8' or 'gpt2', got ${JSON.stringify(tokenizerName)}`,
    );
  }
  const text = opts.text ?? (tokenizerName === 'text8' ? 'clean' : 'raw');
  if (tokenizerName === 'text8' && text !== 'clean') {
    throw new RangeError(
      `${what}: text8 needs cleaned text (text: 'clean'); ${raw} have capitals, digits and punctuation`,
    );
  }
  if (text !== 'clean' && text !== 'raw')
    throw new RangeError(`${what}: text must be 'clean' or 'raw', got ${JSON.stringify(text)}`);
  return { tokenizerName, text };
}
