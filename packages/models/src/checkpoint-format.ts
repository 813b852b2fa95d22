import type { ResolvedAdamWConfig } from './adamw';
import type { NetworkConfig } from './network-config';
import type { SafetensorsTensor } from './safetensors';
import type { LossKind } from './train-step';

/** The `format` field of every checkpoint's config.json. */
export const CHECKPOINT_FORMAT = 'md4-checkpoint';
/** The checkpoint format version this package writes and the only one it reads. */
export const CHECKPOINT_VERSION = 1;
/** Name of the JSON file of a checkpoint directory. */
export const CONFIG_FILE = 'config.json';

/** safetensors metadata key holding the model config the weights were saved with (JSON). */
export const MODEL_METADATA_KEY = 'md4.model';

/** Prefixes of the non-weight tensors in the safetensors file. */
export const TENSOR_PREFIX = { ema: 'ema.', adamM: 'optim.m.', adamV: 'optim.v.' } as const;

/** What training needs to continue exactly where it stopped. */
export interface TrainingState {
  /** Updates applied. */
  step: number;
  /** The objective trained ('md4', 'genmd4' or 'ar'), as `Trainer#objective`. */
  loss: LossKind;
  /** MD4 discrete-time T, or null for continuous time (written as `steps` before md4 1.0; read either way). */
  timesteps: number | null;
  /** The optimizer's settings, defaults filled in (its moments are tensors `optim.m.*`, `optim.v.*`). */
  optimizer: ResolvedAdamWConfig;
  /** EMA decay, or null when no EMA is kept. */
  emaDecay: number | null;
  /** The trainer generator's state (four uint32 words, xoshiro128**). */
  rng: number[];
  /** Where the data stream stands (opaque to this package; e.g. { epoch, offset }). */
  dataCursor: unknown;
}

/** The JSON half of a checkpoint (config.json). */
export interface CheckpointConfig {
  /** Always CHECKPOINT_FORMAT, which tells a checkpoint from other config.json files. */
  format: typeof CHECKPOINT_FORMAT;
  /** The format version (CHECKPOINT_VERSION; the parser rejects others). */
  version: number;
  /** The architecture (tagged by `arch`), all defaults filled in. */
  model: NetworkConfig;
  /** The masking schedule's `toJSON()` (GenMD4: includes the learned raw exponents). */
  schedule: unknown;
  /** Identifier of the tokenizer the token ids come from (e.g. "text8"), or null. */
  tokenizer: string | null;
  /** Null for inference-only checkpoints. */
  training: TrainingState | null;
  /** The safetensors file: name (relative to config.json), size and CRC-32 (zlib.crc32, hex). */
  weights: { file: string; bytes: number; crc32: string };
  /** Free-form extras (plain JSON). */
  metadata: Record<string, unknown>;
}

/** A checkpoint in memory, ready to write or to restore from. */
export interface SerializedCheckpoint {
  /** The config as an object (what `configJson` holds). */
  config: CheckpointConfig;
  /** config.json text. */
  configJson: string;
  /** The safetensors bytes. */
  weights: Uint8Array;
}

/** A parsed and validated checkpoint. */
export interface Checkpoint {
  /** The validated config.json. */
  config: CheckpointConfig;
  /**
   * Every tensor of the weights file by name: the parameters (names of `networkLayout`), and for
   * training checkpoints the EMA and AdamW moments under TENSOR_PREFIX's prefixes (those checked F32).
   */
  tensors: Map<string, SafetensorsTensor>;
  /** The weights file's safetensors `__metadata__`, e.g. 'md4.model': the model config the weights were saved with. */
  metadata: Record<string, string>;
}

/** Any checkpoint problem: truncated, corrupted, mismatched architecture, unsupported version. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}
