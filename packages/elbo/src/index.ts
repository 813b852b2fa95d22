export type { BatchSource, ElboEstimate, EstimateElboOptions } from './estimate-elbo';
export { estimateElbo } from './estimate-elbo';
export type { Genmd4LossOptions, Genmd4LossResult } from './genmd4-loss';
export { genmd4Loss } from './genmd4-loss';
export type { Md4LossOptions, Md4LossResult } from './md4-loss';
export { md4Loss } from './md4-loss';
export type { Md4TimeWeights } from './md4-time-weights';
export { md4ReconstructionNats, md4TimeWeights } from './md4-time-weights';
