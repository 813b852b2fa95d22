import { gpt2Tokenizer } from './gpt2-tokenizer';
import { builtInTokenizer } from './load-tokenizer';
import type { Tokenizer } from './tokenizer';

/**
 * `loadTokenizer(id)` at once, GPT-2's included (`@md4/datasets/node`: in Node the BPE ranks cost
 * no download). Throws a RangeError for an unknown id.
 */
export function tokenizerFromId(id: string): Tokenizer {
  return id === gpt2Tokenizer.id ? gpt2Tokenizer : builtInTokenizer(id);
}
