import type { TextTokenizer } from '@md4/datasets';

/**
 * The tokens of an infill template such as "the ____ of the union": each `maskChar` is one MASK
 * token to generate, the rest is fixed text, encoded by `tokenizer`. A template shorter than
 * `length` leaves the positions after it masked too (a prefix prompt); a longer one is a
 * RangeError, as are a `maskChar` that is not one character and text the tokenizer cannot encode.
 */
export function infillTokens(
  template: string,
  tokenizer: TextTokenizer,
  length: number,
  maskChar: string,
): Int32Array {
  if ([...maskChar].length !== 1) throw new RangeError(`maskChar must be one character, got "${maskChar}"`);
  const pieces: number[] = [];
  let fixed = '';
  const flush = () => {
    if (fixed !== '') {
      try {
        pieces.push(...tokenizer.encode(fixed));
      } catch (error) {
        throw new RangeError(`template: ${(error as Error).message}`);
      }
    }
    fixed = '';
  };
  for (const ch of template) {
    if (ch === maskChar) {
      flush();
      pieces.push(tokenizer.maskId);
    } else {
      fixed += ch;
    }
  }
  flush();
  if (pieces.length > length) {
    throw new RangeError(`template is ${pieces.length} tokens, longer than length ${length}`);
  }
  const tokens = new Int32Array(length).fill(tokenizer.maskId);
  tokens.set(pieces);
  return tokens;
}
