// The layer ops the networks are built from (`@md4/models/layers`), for building a network of
// your own: each a tfjs function with its custom gradient, composed or a backend's fused kernel.
export { adaLNParams } from './adaln-zero';
export type { AttentionShape } from './attention';
export { attention } from './attention';
export { embed } from './embedding';
export { gatedMlp, sigmoidGate } from './gated-mlp';
export { gatedResidual } from './gated-residual';
export { geluTanh } from './gelu';
export { ensureWasmKernels, WASM_KERNELS, wasmKernelsActive } from './kernels/wasm-kernels';
export { adaLayerNorm, layerNorm } from './layer-norm';
export { linear, linearWithBias } from './linear-layer';
export { rmsNorm } from './rms-norm';
export type { RopeTables } from './rotary-embedding';
export { applyRope, ropeTables } from './rotary-embedding';
export { sequenceSum } from './sequence-sum';
export { sigmaConditioning, sigmaEmbedding } from './sigma-embedding';
export { timeConditioning, timestepEmbedding } from './time-embedding';
export { matMulT } from './transposed-matmul';
