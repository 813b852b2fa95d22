import { DataFormatError } from './data-format-error';
import type { TextTokenizer } from './tokenizer';

/** text8's alphabet: ids 0..25 are 'a'..'z', 26 is space. */
export const TEXT8_ALPHABET = 'abcdefghijklmnopqrstuvwxyz ';
const SPACE_ID = 26;

const CODE_TO_ID = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 26; i++) t[97 + i] = i;
  t[32] = SPACE_ID;
  return t;
})();

/** Why a text cannot be text8-encoded, with the fix (clean it first). */
export function text8Unrepresentable(codePoint: number, where: string): string {
  const c = codePoint;
  const shown = c >= 32 && c !== 127 && !(c >= 0xd800 && c < 0xe000) ? String.fromCodePoint(c) : '';
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  return `text8 cannot represent ${JSON.stringify(shown)} (U+${hex}) ${where}: text8 has only the letters a-z and space`;
}

export const TEXT8_CLEAN_HINT =
  'clean the text first with cleanText8(text) (loaders: the `clean: true` option)';

function encodeText8(text: string): Int32Array {
  const out = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const id = c < 128 ? CODE_TO_ID[c]! : -1;
    if (id < 0)
      throw new DataFormatError(
        'text8 input',
        text8Unrepresentable(text.codePointAt(i) ?? c, `at index ${i}`),
        TEXT8_CLEAN_HINT,
      );
    out[i] = id;
  }
  return out;
}

function decodeText8(tokens: ArrayLike<number>, opts?: { mask?: string | undefined }): string {
  const mask = opts?.mask ?? '_';
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === SPACE_ID + 1) s += mask;
    else if (Number.isInteger(t) && t >= 0 && t <= SPACE_ID) s += TEXT8_ALPHABET[t];
    else throw new RangeError(`text8 decode: token ${t} at position ${i} is outside 0..27 (27 is MASK)`);
  }
  return s;
}

/**
 * The text8 character tokenizer: 27 symbols (a-z -> 0..25, space -> 26), MASK = 27 decodes as '_'.
 * Input must already be clean text8 text (see `cleanText8`); anything else is an error naming the
 * character. Documents are separated by a space (`eosId` = 26): text8 has no end-of-text symbol.
 */
export const text8Tokenizer: TextTokenizer = Object.freeze({
  kind: 'text' as const,
  id: 'text8',
  vocabSize: 27,
  maskId: 27,
  maskPlaceholder: '_',
  eosId: SPACE_ID,
  eosEndsText: false,
  encode: encodeText8,
  decode: decodeText8,
});
