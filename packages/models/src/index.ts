export type { AdamWConfig, ResolvedAdamWConfig } from './adamw';
export { AdamW, resolveAdamW } from './adamw';
export { loadCheckpoint } from './checkpoint-fetch';
export type { Checkpoint, CheckpointConfig, SerializedCheckpoint, TrainingState } from './checkpoint-format';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointError,
  CONFIG_FILE,
  TENSOR_PREFIX,
} from './checkpoint-format';
export { parseCheckpoint } from './checkpoint-parse';
export {
  assertArchitecture,
  modelFromCheckpoint,
  restoreTrainer,
  scheduleFromCheckpoint,
} from './checkpoint-restore';
export { checkpointFromModel, checkpointFromTrainer } from './checkpoint-serialize';
export type { DDiTOptions } from './ddit';
export { createDDiT, DDiT } from './ddit';
export type { DDiTConfig, ResolvedDDiTConfig } from './ddit-config';
export {
  dditParameterCount,
  logLinearSigma,
  MDLM_OWT,
  resolveDDiTConfig,
  SIGMA_EMBEDDING_DIM,
} from './ddit-config';
export { dditLayout } from './ddit-layout';
export type {
  ForwardContext,
  ForwardOptions,
  KernelMode,
  NetworkOptions,
  ParameterMap,
  TrainingView,
  WeightValues,
} from './denoising-network';
export { DenoisingNetwork } from './denoising-network';
export { ExponentialMovingAverage } from './ema';
export { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './float-formats';
export { initialWeights } from './initial-weights';
export { leanVariableGrads } from './lean-variable-grads';
export type { LearningRateConfig } from './learning-rate';
export { learningRateAt } from './learning-rate';
export type {
  LoadedModel,
  LoadModelOptions,
  LoadProgress,
  ModelFolder,
  UrlFolder,
  UrlFolderOptions,
} from './load-model';
export { clearModelCache, filesFolder, loadModel, loadModelFromFolder, urlFolder } from './load-model';
export type { MdlmHubConfig, MdlmTensorMapping } from './mdlm-format';
export {
  dditConfigFromMdlm,
  isMdlmConfig,
  MDLM_MODEL_TYPE,
  MDLM_PREFIX,
  MDLM_TOKENIZER_KEY,
  MDLM_WEIGHTS_FILE,
  MdlmFormatError,
  mdlmConfigFromDDiT,
  mdlmTensorMappings,
  tokenizerOfMdlm,
} from './mdlm-format';
export type { SerializedMdlm } from './mdlm-serialize';
export { serializeMdlm } from './mdlm-serialize';
export type { Architecture, Network, NetworkConfig } from './network-config';
export {
  ARCHITECTURES,
  architectureDifferences,
  countNetworkParameters,
  createNetwork,
  networkLayout,
  resolveNetworkConfig,
} from './network-config';
export { NonFiniteLossError } from './non-finite-error';
export { assertParameterBudget, MAX_PARAMETERS, MAX_SEQUENCE_LENGTH } from './parameter-budget';
export { countLayoutParameters, countParameters, forwardFlops, matmulParameters } from './parameter-count';
export type { ParameterInit, ParameterSpec } from './parameter-layout';
export { parameterLayout } from './parameter-layout';
export type {
  DecodedSafetensors,
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsHeader,
  SafetensorsInputTensor,
  SafetensorsTensor,
} from './safetensors';
export {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SafetensorsError,
  safetensorsHeaderLength,
} from './safetensors';
export type {
  ReadSafetensorsStreamOptions,
  SafetensorsStreamProgress,
  StreamedTensor,
} from './safetensors-stream';
export { readSafetensorsStream } from './safetensors-stream';
export type { LossKind, StepResult, TrainerOptions } from './train-step';
export { createTrainer, objectiveOf, SCHEDULE_PARAM, Trainer } from './train-step';
export type { KernelPath, MemoryLimit } from './training-memory';
export { assertTrainingMemory, MAX_TRAINING_BYTES, trainingFloats } from './training-memory';
export type { TransformerOptions } from './transformer';
export { createTransformer, Transformer } from './transformer';
export type { PresetName, ResolvedTransformerConfig, TransformerConfig } from './transformer-config';
export {
  gluHidden,
  PRESETS,
  preset,
  resolveConfig,
  sameArchitecture,
  transformerParameterCount,
} from './transformer-config';
