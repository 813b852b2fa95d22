// GPT-2's tokenizer (`@md4/datasets/gpt2`), an entry of its own: its BPE ranks are most of a bundle's
// bytes, so an app that only needs text8 or pixels does not carry them. `loadTokenizer('gpt2')` of
// `@md4/datasets` imports this lazily.
export { GPT2_MASK_PLACEHOLDER, gpt2Tokenizer } from './gpt2-tokenizer';
