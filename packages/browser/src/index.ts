export type { LoadOptions, RunOptions } from './md4-client';
export { Md4Client } from './md4-client';
export type {
  BackendChoice,
  BackendInfo,
  CheckpointSource,
  LoadProgress,
  LocalFile,
  ModelInfo,
  ModelSize,
  SampleResult,
  SamplerMethod,
  SampleSettings,
  SampleStep,
  TrainingText,
  TrainResult,
  TrainSettings,
  TrainStep,
  WorkerResults,
} from './protocol';
export { BACKEND_CHOICES } from './protocol';
