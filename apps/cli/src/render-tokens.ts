import type { Tokenizer } from '@md4/datasets';

/** Text for people: decoded tokens with MASK shown as the tokenizer's placeholder. */
export function decodeForPeople(tokenizer: Tokenizer, tokens: ArrayLike<number>): string {
  if (tokenizer.kind !== 'text') return `[${tokens.length} pixel tokens]`;
  return tokenizer.decode(tokens);
}
