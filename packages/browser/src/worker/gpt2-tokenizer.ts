// Its own chunk: imported only with `import()` (tokenizers.ts), so GPT-2's BPE ranks (~1 MB) are
// downloaded only when a GPT-2 model is loaded, never with the page.
export { gpt2Tokenizer } from '@md4/datasets/gpt2';
