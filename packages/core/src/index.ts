export type { BackendName, BackendSelection } from './backend';
export { selectBackend } from './backend';
export { sampleCategorical, softmax64 } from './categorical';
export type { Denoiser } from './denoiser';
export { assertTokenRange, maskId } from './mask';
export { countLeakedTensors, disposeAll, liveTensors } from './memory';
export type { Rng, SeededRng } from './rng';
export { createRng, restoreRng } from './rng';
