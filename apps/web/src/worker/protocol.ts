/**
 * The messages between the page and the model worker. Everything here is plain, structured-clone-able
 * data: the worker owns every tensor, the page sees numbers and strings only.
 */

/** A backend the visitor can pick; 'auto' tries WebGPU, WebGL, wasm, cpu in that order. */
import {
  type RemaskStrategy,
  SAMPLE_METHODS,
  type SampleMethod,
  type TransferCount,
  type TransferRank,
} from '@md4/samplers';

export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The reverse-process samplers the app offers (all from @md4/samplers). */
export type SamplerMethod = SampleMethod;

export const SAMPLER_METHODS: readonly SamplerMethod[] = SAMPLE_METHODS;

export interface BackendInfo {
  /** The choice now in effect: the one asked for, or, when that failed, the one the worker went back to. */
  choice: BackendChoice;
  /** The tfjs backend now active. */
  backend: string;
  /** Set when the backend asked for could not start: which it was and why (the app stays usable on `choice`). */
  refused?: { choice: BackendChoice; reason: string } | undefined;
  /** Backends tried before it, and why each was passed over. */
  skipped: Array<{ name: string; reason: string }>;
  /** True when the page is cross-origin isolated (threads for the wasm backend). */
  crossOriginIsolated: boolean;
}

export interface ModelInfo {
  /** Where the weights came from (file name, URL, "trained in this browser"). */
  name: string;
  /** 'md4-checkpoint': a folder the md4 CLI (or this page) wrote; 'mdlm': a Hugging Face MDLM hub folder. */
  format: 'md4-checkpoint' | 'mdlm';
  /** The network: 'md4' (MD4 transformer) or 'ddit' (MDLM's DDiT). */
  arch: 'md4' | 'ddit';
  tokenizer: string;
  vocabSize: number;
  /** The longest sequence the model was built for (its positional range). */
  maxLength: number;
  parameters: number;
  timeConditioned: boolean;
  /** The masking schedule the model was trained with, e.g. "cosine". */
  schedule: string;
  /** A one-line description of the network (layers x width, heads). */
  architecture: string;
  /** `tokenStrings[v]` is how token v reads; index V is the MASK placeholder. */
  tokenStrings: string[];
  /** Set by `loadCheckpoint` of a URL: true when the weights came from the browser cache, not the network. */
  fromCache?: boolean;
}

export interface SampleSettings {
  length: number;
  steps: number;
  method: SamplerMethod;
  grid: 'uniform' | 'cosine';
  topP: number;
  temperature: number;
  seed: number;
  /** confidence: how many tokens a step commits, which first, and the threshold transfer's probability. */
  transfer?: TransferCount;
  rank?: TransferRank;
  threshold?: number;
  /** remdm: the remasking strategy and its eta (not used by conf). */
  remask?: RemaskStrategy;
  eta?: number;
  /** Infilling only: classifier-free guidance scale (0: none). */
  guidance?: number;
  /**
   * Infilling: the text to keep, with the tokenizer's mask placeholder ('_' for text8) at each position
   * to generate. When given, `length` is ignored.
   */
  template?: string;
}

export interface SampleStep {
  step: number;
  /** Steps the sampler will take in all (for first-hitting: the number of network calls so far). */
  totalSteps: number;
  t: number;
  s: number;
  tokens: Int32Array;
  /** Positions revealed by this step. */
  changed: Int32Array;
  /** Positions masked again by this step (remdm; empty otherwise). */
  remasked: Int32Array;
  networkCalls: number;
  elapsedMs: number;
}

export interface SampleResult {
  tokens: Int32Array;
  text: string;
  /** For each position, the step that revealed it (0 for fixed prompt tokens, -1 never). */
  revealedAt: Int32Array;
  steps: number;
  networkCalls: number;
  elapsedMs: number;
}

export interface ModelSize {
  layers: number;
  width: number;
  heads: number;
}

/** What to train on: pasted text (any characters: it is cleaned to text8 first) or a text8 file's URL. */
export type TrainingText = { text: string } | { url: string };

export interface TrainSettings {
  data: TrainingText;
  steps: number;
  batchSize: number;
  seqLength: number;
  learningRate: number;
  seed: number;
  size: ModelSize;
  schedule: string;
}

export interface TrainStep {
  step: number;
  totalSteps: number;
  /** The training loss, bits per token (an upper bound on the model's bits per character). */
  loss: number;
  elapsedMs: number;
}

export interface TrainResult {
  steps: number;
  /** True when the visitor stopped training early (the model trained so far is kept). */
  stopped: boolean;
  finalLoss: number;
  model: ModelInfo;
  elapsedMs: number;
}

/** A local file to load: a `File` (from `<input type=file>`, sent to the worker without a copy) or bytes. */
export type LocalFile = File | { name: string; bytes: ArrayBuffer };

/**
 * A model to load: the URL of a folder (or of its config.json), or local files. A folder is an md4
 * checkpoint (config.json with the weights file it names) or a Hugging Face MDLM folder (config.json
 * with model_type "mdlm", and model.safetensors); local files are those two files, or one .zip holding
 * them (what this app downloads).
 */
export type CheckpointSource =
  | { url: string /** How to call it in the page (default: the URL). */; name?: string }
  | { files: LocalFile[] };

/** Bytes of the weights read so far while a model loads (`total` 0 while it is not known yet). */
export interface LoadProgress {
  loaded: number;
  total: number;
}

export type WorkerRequest =
  | { id: number; type: 'setBackend'; choice: BackendChoice }
  | { id: number; type: 'load'; source: CheckpointSource }
  | { id: number; type: 'sample'; settings: SampleSettings }
  | { id: number; type: 'train'; settings: TrainSettings }
  | { id: number; type: 'save' }
  | { id: number; type: 'forward'; tokens: Int32Array; t: number }
  | { id: number; type: 'abort'; target: number };

/** Results, keyed by request type. */
export interface WorkerResults {
  setBackend: BackendInfo;
  load: ModelInfo;
  sample: SampleResult;
  train: TrainResult;
  save: { bytes: ArrayBuffer; fileName: string };
  forward: { logits: Float32Array; shape: number[]; backend: string };
  abort: null;
}

export type WorkerReply =
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; name: string; message: string }
  | { id: number; type: 'loadProgress'; event: LoadProgress }
  | { id: number; type: 'sampleStep'; event: SampleStep }
  | { id: number; type: 'trainStep'; event: TrainStep };
