export { infillTokens } from './infill-template';
export { loadTextGenerator } from './load-text-generator';
export type { BatchedAutoregressiveOptions, BatchedSampleOptions } from './sample-chunks';
export {
  SAMPLE_LOGITS_BYTES,
  sampleAutoregressiveInBatches,
  sampleChunks,
  sampleInBatches,
} from './sample-chunks';
export type {
  GenerateOptions,
  GenerateProgress,
  InfillOptions,
  SamplerSettings,
  TextGenerator,
} from './text-generator';
export { DEFAULT_MASK_CHAR, DEFAULT_STEPS, textGenerator } from './text-generator';
