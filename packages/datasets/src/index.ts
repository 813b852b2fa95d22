// Browser-safe entry point (`@md4/datasets`): tokenizers, in-memory datasets, batches and pure parsers.
// Nothing reachable from here may import Node built-ins or Node-only packages (browser-entry.test.ts
// checks); file loaders live in `@md4/datasets/node` (node.ts), GPT-2's tokenizer in `@md4/datasets/gpt2`.
export type { BatchCursor, BatchOptions, BatchOrder, BatchStream } from './batches';
export { batches, evalBatches } from './batches';
export { CIFAR10_CLASSES, parseCifar10 } from './cifar10-format';
export { DataFormatError } from './data-format-error';
export type { IdxArray } from './idx-format';
export { parseIdx } from './idx-format';
export { imageDataset } from './image-dataset';
export { loadTokenizer } from './load-tokenizer';
export { pixelTokenizer, pixelTokenizerId } from './pixel-tokenizer';
export type { UniformSource } from './seeded-random';
export type { TokenReader } from './text-dataset';
export { textDataset } from './text-dataset';
export { cleanText8 } from './text8-clean';
export { TEXT8_ALPHABET, text8Tokenizer } from './text8-tokenizer';
export type { TokenCacheHeader } from './token-cache-format';
export {
  encodeTokenCacheHeader,
  parseTokenCacheHeader,
  TOKEN_CACHE_HEADER_BYTES,
  TOKEN_CACHE_MAGIC,
  TOKEN_CACHE_VERSION,
} from './token-cache-format';
export type { ImageDataset, TextDataset, TokenDataset } from './token-dataset';
export type { BaseTokenizer, PixelTokenizer, TextTokenizer, Tokenizer } from './tokenizer';
