export { adaLNParams } from './adaln-zero';
export type { AdamWConfig, ResolvedAdamWConfig } from './adamw';
export { AdamW, resolveAdamW } from './adamw';
export type { AttentionShape } from './attention';
export { attention } from './attention';
export type { Checkpoint, CheckpointConfig, SerializedCheckpoint, TrainingState } from './checkpoint';
export {
  assertArchitecture,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  CONFIG_FILE,
  checkpointFromModel,
  checkpointFromTrainer,
  loadCheckpoint,
  modelFromCheckpoint,
  parseCheckpoint,
  restoreTrainer,
  scheduleFromCheckpoint,
  TENSOR_PREFIX,
} from './checkpoint';
export { crc32 } from './crc32';
export { ExponentialMovingAverage } from './ema';
export { embed } from './embedding';
export { gatedMlp, sigmoidGate } from './gated-mlp';
export { gatedResidual } from './gated-residual';
export { initialWeights } from './initial-weights';
export { ensureWasmKernels, WASM_KERNELS, wasmKernelsActive } from './kernels/wasm-kernels';
export { adaLayerNorm, layerNorm } from './layer-norm';
export type { LearningRateConfig } from './learning-rate';
export { learningRateAt } from './learning-rate';
export { linear, linearWithBias } from './linear-layer';
export { NonFiniteLossError } from './non-finite-error';
export { countLayoutParameters, countParameters, forwardFlops, matmulParameters } from './parameter-count';
export type { ParameterInit, ParameterSpec } from './parameter-layout';
export { parameterLayout } from './parameter-layout';
export { rmsNorm } from './rms-norm';
export type { RopeTables } from './rotary-embedding';
export { applyRope, ropeTables } from './rotary-embedding';
export type { DecodedSafetensors, SafetensorsDtype, SafetensorsTensor } from './safetensors';
export { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors';
export { sequenceSum } from './sequence-sum';
export { timeConditioning, timestepEmbedding } from './time-embedding';
export type { LossKind, StepResult, TrainerOptions } from './train-step';
export { createTrainer, SCHEDULE_PARAM, Trainer } from './train-step';
export type { ForwardOptions, KernelMode, ParameterMap, TransformerOptions } from './transformer';
export { createTransformer, Transformer } from './transformer';
export type { PresetName, ResolvedTransformerConfig, TransformerConfig } from './transformer-config';
export { gluHidden, PRESETS, preset, resolveConfig, sameArchitecture } from './transformer-config';
export { matMulT } from './transposed-matmul';
