/**
 * The messages between the page and the model worker. Everything here is plain, structured-clone-able
 * data: the worker owns every tensor, the page sees numbers and strings only. Types only come from
 * @md4/samplers: the client carries no tfjs code.
 */
import type { RemaskStrategy, SampleMethod, TransferCount, TransferRank } from '@md4/samplers';

/** Every backend a page can pick: 'auto' tries WebGPU, WebGL, wasm, cpu in that order. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** One of BACKEND_CHOICES. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A reverse-process sampler of `@md4/samplers` (its `SAMPLE_METHODS` lists them). */
export type SamplerMethod = SampleMethod;

/** The backend in use after `setBackend`, and why others were passed over. */
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

/** What the loaded model is, for a page to show and to size its fields. */
export interface ModelInfo {
  /** Where the weights came from (file name, URL, "trained in this browser"). */
  name: string;
  /** 'md4-checkpoint': a folder the md4 CLI (or this page) wrote; 'mdlm': a Hugging Face MDLM hub folder. */
  format: 'md4-checkpoint' | 'mdlm';
  /** The network: 'md4' (MD4 transformer) or 'ddit' (MDLM's DDiT). */
  arch: 'md4' | 'ddit';
  /** The tokenizer id ('text8', 'gpt2'). */
  tokenizer: string;
  /** V: the number of token values (the mask is V). */
  vocabSize: number;
  /** The longest sequence the model was built for (its positional range). */
  maxLength: number;
  /** The number of trained parameters. */
  parameters: number;
  /** True when the network reads the time t (MD4 can ignore it). */
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

/** How to sample: the reverse process of `@md4/samplers`, as plain data. */
export interface SampleSettings {
  /** Tokens to generate (at most the model's `maxLength`). */
  length: number;
  /** Reverse steps T (not used by first-hitting). */
  steps: number;
  /** The sampler. */
  method: SamplerMethod;
  /** How the times t(i) of the T steps are spaced in [0, 1]. */
  grid: 'uniform' | 'cosine';
  /** Nucleus sampling: keep the smallest set of tokens of probability >= topP (1: all). */
  topP: number;
  /** Divides the logits before the softmax (1: the model's distribution). */
  temperature: number;
  /** The random seed: the same seed gives the same text on every backend. */
  seed: number;
  /** confidence: how many tokens a step commits, which first, and the threshold transfer's probability. */
  transfer?: TransferCount;
  /** confidence: which masked positions a step commits first. */
  rank?: TransferRank;
  /** confidence with the threshold transfer: the probability a token needs. */
  threshold?: number;
  /** remdm: the remasking strategy and its eta (not used by conf). */
  remask?: RemaskStrategy;
  /** remdm: the remasking strength eta. */
  eta?: number;
  /** Infilling only: classifier-free guidance scale (0: none). */
  guidance?: number;
  /**
   * Infilling: the text to keep, with the tokenizer's mask placeholder ('_' for text8) at each position
   * to generate. When given, `length` is ignored.
   */
  template?: string;
}

/** One step of a running sample, streamed to `onStep`. */
export interface SampleStep {
  /** The step just taken, from 1. */
  step: number;
  /** Steps the sampler will take in all (for first-hitting: the number of network calls so far). */
  totalSteps: number;
  /** The time the step started from. */
  t: number;
  /** The time the step went to (s < t). */
  s: number;
  /** The sequence after this step (MASK = V where still masked). */
  tokens: Int32Array;
  /** Positions revealed by this step. */
  changed: Int32Array;
  /** Positions masked again by this step (remdm; empty otherwise). */
  remasked: Int32Array;
  /** Network calls made so far. */
  networkCalls: number;
  /** Milliseconds since the sample started. */
  elapsedMs: number;
}

/** A finished sample. */
export interface SampleResult {
  /** The generated token ids. */
  tokens: Int32Array;
  /** The tokens decoded by the model's tokenizer. */
  text: string;
  /** For each position, the step that revealed it (0 for fixed prompt tokens, -1 never). */
  revealedAt: Int32Array;
  /** Steps taken. */
  steps: number;
  /** Network calls made (NFE). */
  networkCalls: number;
  /** Milliseconds the sample took in the worker. */
  elapsedMs: number;
}

/** The size of a model to train. */
export interface ModelSize {
  /** Transformer blocks. */
  layers: number;
  /** The model width (d_model). */
  width: number;
  /** Attention heads (a divisor of the width). */
  heads: number;
}

/** What to train on: pasted text (any characters: it is cleaned to text8 first) or a text8 file's URL. */
export type TrainingText = { text: string } | { url: string };

/** How to train a model in the worker (it replaces the loaded one when done). */
export interface TrainSettings {
  /** The training text. */
  data: TrainingText;
  /** Optimizer steps. */
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  /** Tokens per sequence (the trained model's `maxLength`). */
  seqLength: number;
  /** AdamW's peak learning rate. */
  learningRate: number;
  /** The seed of the initial weights and of the batches. */
  seed: number;
  /** The network's size. */
  size: ModelSize;
  /** The masking schedule, as `parseSchedule` of `@md4/schedules` reads it (e.g. "cosine"). */
  schedule: string;
}

/** One training step, streamed to `onStep`. */
export interface TrainStep {
  /** The step just taken, from 1. */
  step: number;
  /** Steps asked for. */
  totalSteps: number;
  /** The training loss, bits per token (an upper bound on the model's bits per character). */
  loss: number;
  /** Milliseconds since training started. */
  elapsedMs: number;
}

/** A finished (or stopped) training run. */
export interface TrainResult {
  /** Steps taken. */
  steps: number;
  /** True when the visitor stopped training early (the model trained so far is kept). */
  stopped: boolean;
  /** The last step's loss, bits per token. */
  finalLoss: number;
  /** The trained model, now the loaded one. */
  model: ModelInfo;
  /** Milliseconds training took. */
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
  /** Bytes read so far. */
  loaded: number;
  /** Bytes in all (0 while not known). */
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
  /** What `setBackend` resolves to. */
  setBackend: BackendInfo;
  /** What `loadCheckpoint` resolves to. */
  load: ModelInfo;
  /** What `sample` resolves to. */
  sample: SampleResult;
  /** What `train` resolves to. */
  train: TrainResult;
  /** What `saveCheckpoint` resolves to: the .zip's bytes and a file name for it. */
  save: { bytes: ArrayBuffer; fileName: string };
  /** What `forward` resolves to: logits, their shape and the backend that computed them. */
  forward: { logits: Float32Array; shape: number[]; backend: string };
  /** An abort has no result. */
  abort: null;
}

export type WorkerReply =
  | { id: number; type: 'done'; result: unknown }
  | { id: number; type: 'error'; name: string; message: string }
  | { id: number; type: 'loadProgress'; event: LoadProgress }
  | { id: number; type: 'sampleStep'; event: SampleStep }
  | { id: number; type: 'trainStep'; event: TrainStep };
