export { adaLayerNormGradReference, adaLayerNormReference } from './ada-layer-norm-reference';
export type { AttentionReferenceInputs } from './attention-reference';
export { attentionGradReference, attentionReference } from './attention-reference';
export { createBigramNextTokenModel } from './bigram-next-token-model';
export type { DenoiserContractOptions } from './denoiser-contract';
export { checkDenoiserContract } from './denoiser-contract';
export type { JointDistribution } from './exact-denoiser';
export {
  createExactDenoiser,
  createUniformDenoiser,
  exactConditionals,
  jointEntropy,
  randomJoint,
  sequenceAt,
  sequenceIndex,
} from './exact-denoiser';
export { createExactNextTokenModel } from './exact-next-token-model';
export { rmsNormGradReference, rmsNormReference } from './rms-norm-reference';
