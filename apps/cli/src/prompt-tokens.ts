import type { TextTokenizer } from '@md4/datasets';
import { UsageError } from './cli-errors';

/**
 * Turns a prompt such as "the ____ of the union" into tokens: each `placeholder` character is one
 * MASK token to generate, the rest is fixed text. A prompt shorter than `length` leaves the
 * remaining positions masked (a prefix prompt); a longer one is an error.
 */
export function promptTokens(
  text: string,
  tokenizer: TextTokenizer,
  length: number,
  placeholder: string,
): Int32Array {
  if ([...placeholder].length !== 1)
    throw new UsageError(`--mask-char must be one character, got "${placeholder}"`);
  const pieces: number[] = [];
  let fixed = '';
  const flush = () => {
    if (fixed !== '') {
      try {
        pieces.push(...tokenizer.encode(fixed));
      } catch (error) {
        throw new UsageError(`--prompt: ${(error as Error).message}`);
      }
    }
    fixed = '';
  };
  for (const ch of text) {
    if (ch === placeholder) {
      flush();
      pieces.push(tokenizer.maskId);
    } else {
      fixed += ch;
    }
  }
  flush();
  if (pieces.length > length) {
    throw new UsageError(`--prompt is ${pieces.length} tokens, longer than --length ${length}`);
  }
  const tokens = new Int32Array(length).fill(tokenizer.maskId);
  tokens.set(pieces);
  return tokens;
}
