export type { BatchCursor, BatchOptions, BatchOrder, BatchStream } from './batches';
export { batches, evalBatches } from './batches';
export type { BundledSplit, SotuAddress } from './bundled-corpus';
export {
  BUNDLED_DOCUMENTS,
  BUNDLED_VALID_DOCUMENTS,
  bundledCorpus,
  bundledDocuments,
  sotuAddresses,
} from './bundled-corpus';
export { CIFAR10_CLASSES, loadCifar10, parseCifar10 } from './cifar10';
export type { CorpusDocument } from './corpus-documents';
export type { CorpusFile } from './corpus-files';
export { DataFormatError } from './data-format-error';
export { GPT2_MASK_PLACEHOLDER, gpt2Tokenizer } from './gpt2-tokenizer';
export type { IdxArray } from './idx-format';
export { parseIdx } from './idx-format';
export { FASHION_MNIST_DIR, fashionMnist, loadIdxImages, loadMnist, readIdxFile } from './idx-images';
export { imageDataset } from './image-dataset';
export { pixelTokenizer, pixelTokenizerId } from './pixel-tokenizer';
export type { ImageGridOptions } from './png-grid';
export { renderImageGrid } from './png-grid';
export type { UniformSource } from './seeded-random';
export type { TextCorpus, TextCorpusOptions } from './text-corpus';
export { defaultCacheDir, textCorpus } from './text-corpus';
export type { TokenReader } from './text-dataset';
export { textDataset } from './text-dataset';
export { cleanText8 } from './text8-clean';
export type { Text8Splits } from './text8-loader';
export { loadText8, TEXT8_STANDARD_SPLITS } from './text8-loader';
export { TEXT8_ALPHABET, text8Tokenizer } from './text8-tokenizer';
export type { TokenCacheDataset } from './token-cache-file';
export { openTokenCache, readTokenCacheHeader, TokenCacheWriter } from './token-cache-file';
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
export { tokenizerFromId } from './tokenizer-registry';
