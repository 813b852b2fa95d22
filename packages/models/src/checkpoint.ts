import { type MatMulPrecision, restoreRng } from '@md4/core';
import { type Schedule, scheduleFromJSON } from '@md4/schedules';
import type * as tf from '@tensorflow/tfjs-core';
import type { ResolvedAdamWConfig } from './adamw';
import { crc32 } from './crc32';
import type { DDiTConfig } from './ddit-config';
import type { KernelMode } from './denoising-network';
import {
  architectureDifferences,
  configDifferences,
  createNetwork,
  type Network,
  type NetworkConfig,
  networkLayout,
  resolveNetworkConfig,
} from './network-config';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors';
import { type LossKind, Trainer } from './train-step';
import type { TransformerConfig } from './transformer-config';

export const CHECKPOINT_FORMAT = 'md4-checkpoint';
export const CHECKPOINT_VERSION = 1;
/** Name of the JSON file of a checkpoint directory. */
export const CONFIG_FILE = 'config.json';

/** safetensors metadata key holding the model config the weights were saved with (JSON). */
const MODEL_METADATA_KEY = 'md4.model';

/** Prefixes of the non-weight tensors in the safetensors file. */
export const TENSOR_PREFIX = { ema: 'ema.', adamM: 'optim.m.', adamV: 'optim.v.' } as const;

/** What training needs to continue exactly where it stopped. */
export interface TrainingState {
  /** Updates applied. */
  step: number;
  loss: LossKind;
  /** MD4 discrete-time T, or null for continuous time. */
  steps: number | null;
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
  format: typeof CHECKPOINT_FORMAT;
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
  config: CheckpointConfig;
  /** config.json text. */
  configJson: string;
  /** The safetensors bytes. */
  weights: Uint8Array;
}

/** A parsed and validated checkpoint. */
export interface Checkpoint {
  config: CheckpointConfig;
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** Any checkpoint problem: truncated, corrupted, mismatched architecture, unsupported version. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

async function readFloat32(v: tf.Tensor): Promise<Float32Array> {
  const data = await v.data();
  return data instanceof Float32Array ? data : Float32Array.from(data as unknown as ArrayLike<number>);
}

function assertFinite(name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new CheckpointError(
        `refusing to write a checkpoint: tensor "${name}" holds ${data[i]} at index ${i}; ` +
          'training diverged before this point, so resume from an earlier checkpoint instead',
      );
    }
  }
}

function weightsFileName(crc: string): string {
  return `weights-${crc}.safetensors`;
}

async function serialize(
  tensors: Array<[string, tf.Tensor]>,
  base: Omit<CheckpointConfig, 'weights' | 'format' | 'version'>,
): Promise<SerializedCheckpoint> {
  const entries: Array<[string, { shape: number[]; data: Float32Array }]> = [];
  for (const [name, t] of tensors) {
    const data = await readFloat32(t);
    assertFinite(name, data);
    entries.push([name, { shape: t.shape.slice(), data }]);
  }
  const weights = encodeSafetensors(entries, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    // the architecture again, inside the CRC-checked file: an edited config.json cannot change it
    [MODEL_METADATA_KEY]: JSON.stringify(base.model),
  });
  const crc = crc32(weights);
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    ...base,
    weights: { file: weightsFileName(crc), bytes: weights.length, crc32: crc },
  };
  return { config, configJson: `${JSON.stringify(config, null, 2)}\n`, weights };
}

/**
 * A full training checkpoint of `trainer`: weights, EMA, AdamW moments (safetensors) and the
 * architecture, schedule, tokenizer id, step, generator state and data cursor (JSON). Refuses to
 * write non-finite values. The trainer is not modified.
 */
export async function checkpointFromTrainer(
  trainer: Trainer,
  opts: {
    tokenizer?: string | null | undefined;
    dataCursor?: unknown | undefined;
    metadata?: Record<string, unknown> | undefined;
  } = {},
): Promise<SerializedCheckpoint> {
  const model = trainer.model;
  const tensors: Array<[string, tf.Tensor]> = model.layout.map((s) => [s.name, model.params[s.name]!]);
  if (trainer.ema != null) {
    for (const s of model.layout) tensors.push([TENSOR_PREFIX.ema + s.name, trainer.ema.shadow[s.name]!]);
  }
  for (const [name, { m, v }] of trainer.optimizer.state()) {
    tensors.push([TENSOR_PREFIX.adamM + name, m], [TENSOR_PREFIX.adamV + name, v]);
  }
  return serialize(tensors, {
    model: model.config,
    schedule: trainer.schedule.toJSON(),
    tokenizer: opts.tokenizer ?? null,
    training: {
      step: trainer.completedSteps,
      loss: trainer.objective,
      steps: trainer.steps,
      optimizer: { ...trainer.optimizer.config },
      emaDecay: trainer.ema?.decay ?? null,
      rng: trainer.rng.getState(),
      dataCursor: opts.dataCursor ?? null,
    },
    metadata: opts.metadata ?? {},
  });
}

/** An inference-only checkpoint of a model (e.g. `trainer.evalModel()`) and its schedule. */
export async function checkpointFromModel(
  model: Network,
  opts: {
    schedule: Schedule;
    tokenizer?: string | null | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
): Promise<SerializedCheckpoint> {
  return serialize(
    model.layout.map((s) => [s.name, model.params[s.name]!]),
    {
      model: model.config,
      schedule: opts.schedule.toJSON(),
      tokenizer: opts.tokenizer ?? null,
      training: null,
      metadata: opts.metadata ?? {},
    },
  );
}

function parseConfig(config: string | object): CheckpointConfig {
  let c: CheckpointConfig;
  if (typeof config === 'string') {
    try {
      c = JSON.parse(config);
    } catch {
      throw new CheckpointError(`${CONFIG_FILE} is not valid JSON (truncated or corrupted?)`);
    }
  } else {
    c = config as CheckpointConfig;
  }
  if (c == null || typeof c !== 'object' || c.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${CONFIG_FILE} is not an md4 checkpoint config (format must be "${CHECKPOINT_FORMAT}")`,
    );
  }
  if (c.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `checkpoint format version ${c.version} is not supported by this @md4/models (reads version ${CHECKPOINT_VERSION})`,
    );
  }
  if (c.weights == null || typeof c.weights.file !== 'string' || typeof c.weights.crc32 !== 'string') {
    throw new CheckpointError(
      `${CONFIG_FILE}: the "weights" entry (file, bytes, crc32) is missing or malformed`,
    );
  }
  try {
    c.model = resolveNetworkConfig(c.model);
  } catch (error) {
    throw new CheckpointError(`${CONFIG_FILE}: bad model architecture: ${(error as Error).message}`);
  }
  return c;
}

/**
 * Parses and validates a checkpoint: config.json (text or object) and the safetensors bytes.
 * Checks the size and CRC-32 recorded in the config (a truncated, corrupted or mismatched weights
 * file is named as such), decodes the tensors, and checks that every tensor the architecture needs
 * is present with the right shape (and, for training checkpoints, the EMA and optimizer tensors).
 */
export function parseCheckpoint(config: string | object, weights: Uint8Array | ArrayBuffer): Checkpoint {
  const c = parseConfig(config);
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  if (bytes.length !== c.weights.bytes) {
    throw new CheckpointError(
      `${c.weights.file} has ${bytes.length} bytes but ${CONFIG_FILE} records ${c.weights.bytes}: ` +
        (bytes.length < c.weights.bytes ? 'the file is truncated' : 'it belongs to a different checkpoint'),
    );
  }
  const crc = crc32(bytes);
  if (crc !== c.weights.crc32) {
    throw new CheckpointError(
      `${c.weights.file} is corrupted or belongs to another checkpoint: CRC-32 ${crc}, expected ${c.weights.crc32}`,
    );
  }
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    throw new CheckpointError(`${c.weights.file}: ${(error as Error).message}`);
  }
  const { tensors } = decoded;
  const expectShape = (name: string, shape: number[]) => {
    const t = tensors.get(name);
    if (t == null)
      throw new CheckpointError(`checkpoint is missing tensor "${name}" that the architecture needs`);
    if (t.dtype !== 'F32')
      throw new CheckpointError(`checkpoint tensor "${name}" is ${t.dtype}, expected F32`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new CheckpointError(
        `architecture mismatch: tensor "${name}" has shape [${t.shape}] but the architecture in ${CONFIG_FILE} ` +
          `(layers ${c.model.layers}, dModel ${c.model.dModel}, heads ${c.model.heads}, vocabSize ${c.model.vocabSize}) ` +
          `needs [${shape}]`,
      );
    }
  };
  const layout = networkLayout(c.model);
  for (const s of layout) expectShape(s.name, s.shape);
  if (c.training != null) {
    if (c.training.emaDecay != null) for (const s of layout) expectShape(TENSOR_PREFIX.ema + s.name, s.shape);
    if (c.training.step > 0) {
      for (const s of layout) {
        expectShape(TENSOR_PREFIX.adamM + s.name, s.shape);
        expectShape(TENSOR_PREFIX.adamV + s.name, s.shape);
      }
    }
  }
  // shape-preserving edits (heads, seqLen, ropeTheta, ...) are caught here
  const recorded = decoded.metadata[MODEL_METADATA_KEY];
  if (recorded != null) {
    let differences: string[];
    try {
      const model = resolveNetworkConfig(JSON.parse(recorded));
      differences = configDifferences(c.model, model, [CONFIG_FILE, 'weights']);
    } catch {
      differences = ['the architecture recorded with the weights is unreadable'];
    }
    if (differences.length > 0) {
      throw new CheckpointError(
        `${CONFIG_FILE} does not describe the model its weights were saved with (${differences.join('; ')}); ` +
          `it was edited or belongs to another checkpoint: restore the original ${CONFIG_FILE}`,
      );
    }
  }
  return { config: c, tensors, metadata: decoded.metadata };
}

type BinarySource = Uint8Array | ArrayBuffer | Blob;

async function toBytes(source: BinarySource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  return new Uint8Array(await source.arrayBuffer());
}

/**
 * Loads a checkpoint in any environment with `fetch` (browsers, Node 18+):
 *  - a URL (string or URL) of the checkpoint directory, or of its config.json: fetches config.json,
 *    then the weights file it names, relative to it;
 *  - `{ config, weights }`: config.json as text, object, File/Blob or bytes, and the weights as
 *    File/Blob/ArrayBuffer/Uint8Array (e.g. from an <input type=file>).
 * In Node, `loadCheckpointDir` from `@md4/models/node` reads a directory.
 */
export async function loadCheckpoint(
  source: string | URL | { config: string | object | BinarySource; weights: BinarySource },
  opts: { fetch?: typeof fetch | undefined } = {},
): Promise<Checkpoint> {
  if (typeof source === 'string' || source instanceof URL) {
    const doFetch = opts.fetch ?? globalThis.fetch;
    if (doFetch == null) throw new CheckpointError('loadCheckpoint: no fetch available to load a URL');
    const base = checkpointUrl(source);
    const configUrl = base.pathname.endsWith('.json') ? base : new URL(CONFIG_FILE, ensureSlash(base));
    const configText = await fetchOk(doFetch, configUrl).then((r) => r.text());
    const config = parseConfig(configText);
    const weightsUrl = new URL(config.weights.file, configUrl);
    const response = await fetchOk(doFetch, weightsUrl);
    const weights = new Uint8Array((await response.arrayBuffer()) as ArrayBuffer);
    return parseCheckpoint(config, weights);
  }
  const { config, weights } = source;
  let configValue: string | object;
  if (typeof config === 'string') configValue = config;
  else if (config instanceof Uint8Array || config instanceof ArrayBuffer || isBlob(config)) {
    configValue = new TextDecoder().decode(await toBytes(config as BinarySource));
  } else configValue = config;
  return parseCheckpoint(configValue, await toBytes(weights));
}

/**
 * The URL of a checkpoint: absolute, or relative to the page. A path, or a file: URL (which fetch
 * does not read), is a CheckpointError naming the loaders that read folders on disk.
 */
function checkpointUrl(source: string | URL): URL {
  const onDisk = () =>
    new CheckpointError(
      `loadCheckpoint(${JSON.stringify(String(source))}): loadCheckpoint fetches URLs; open a folder on disk ` +
        "with loadCheckpointDir(path) or loadModel(path) from '@md4/models/node'",
    );
  let url: URL;
  try {
    url = new URL(String(source), typeof location !== 'undefined' ? location.href : undefined);
  } catch {
    throw onDisk();
  }
  if (url.protocol === 'file:') throw onDisk();
  return url;
}

function isBlob(x: unknown): x is Blob {
  return typeof Blob !== 'undefined' && x instanceof Blob;
}

function ensureSlash(u: URL): URL {
  return u.pathname.endsWith('/') ? u : new URL(`${u.pathname}/${u.search}`, u);
}

async function fetchOk(doFetch: typeof fetch, url: URL): Promise<Response> {
  const r = await doFetch(url);
  if (!r.ok) throw new CheckpointError(`loadCheckpoint: GET ${url} failed with HTTP ${r.status}`);
  return r;
}

function floatMap(ckpt: Checkpoint, prefix: string): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const s of networkLayout(ckpt.config.model)) {
    m.set(s.name, ckpt.tensors.get(prefix + s.name)!.data as Float32Array);
  }
  return m;
}

/**
 * The network of a checkpoint. `weights`: 'ema' (default when the checkpoint keeps an EMA; what
 * evaluation and sampling should use) or 'params' (the live training weights). With `expect`,
 * throws a CheckpointError listing every field where the checkpoint's architecture differs.
 */
export function modelFromCheckpoint(
  ckpt: Checkpoint,
  opts: {
    weights?: 'ema' | 'params' | undefined;
    kernels?: KernelMode | undefined;
    expect?: TransformerConfig | DDiTConfig | undefined;
  } = {},
): Network {
  if (opts.expect != null) assertArchitecture(ckpt.config.model, resolveNetworkConfig(opts.expect));
  const hasEma = ckpt.config.training?.emaDecay != null;
  const which = opts.weights ?? (hasEma ? 'ema' : 'params');
  if (which === 'ema' && !hasEma)
    throw new CheckpointError('this checkpoint keeps no EMA weights; use weights: "params"');
  return createNetwork(ckpt.config.model, {
    weights: floatMap(ckpt, which === 'ema' ? TENSOR_PREFIX.ema : ''),
    ...(opts.kernels ? { kernels: opts.kernels } : {}),
  });
}

/** Throws a CheckpointError naming each architecture field that differs. */
export function assertArchitecture(found: NetworkConfig, expected: NetworkConfig): void {
  const diffs = architectureDifferences(found, expected);
  if (diffs.length > 0) throw new CheckpointError(`architecture mismatch: ${diffs.join('; ')}`);
}

/** The checkpoint's schedule (a GenMD4 schedule owns a variable: dispose it when done). */
export function scheduleFromCheckpoint(ckpt: Checkpoint): Schedule {
  try {
    return scheduleFromJSON(ckpt.config.schedule as unknown);
  } catch (error) {
    throw new CheckpointError(`${CONFIG_FILE}: bad schedule: ${(error as Error).message}`);
  }
}

/**
 * Rebuilds a trainer from a training checkpoint so that training continues exactly: weights, EMA,
 * AdamW moments and step, generator state, schedule (GenMD4 exponents included). Returns the new
 * trainer; `trainer.model` and `trainer.schedule` are new objects the caller must dispose (the
 * returned `disposeAll` disposes the trainer, model and schedule), and `dataCursor` is handed back
 * for the data loader. `precision` and `checkpointActivations`: how the trainer's steps compute
 * (see `TrainerOptions`; neither changes what they compute).
 */
export function restoreTrainer(
  ckpt: Checkpoint,
  opts: {
    kernels?: KernelMode | undefined;
    precision?: MatMulPrecision | undefined;
    checkpointActivations?: boolean | undefined;
  } = {},
): { trainer: Trainer; dataCursor: unknown; disposeAll: () => void } {
  const training = ckpt.config.training;
  if (training == null) throw new CheckpointError('this checkpoint has no training state (inference only)');
  const model = createNetwork(ckpt.config.model, {
    weights: floatMap(ckpt, ''),
    ...(opts.kernels ? { kernels: opts.kernels } : {}),
  });
  const schedule = scheduleFromCheckpoint(ckpt);
  const trainer = new Trainer({
    model,
    schedule,
    optimizer: training.optimizer,
    emaDecay: training.emaDecay ?? 0,
    rng: restoreRng(training.rng),
    ...(training.steps != null ? { steps: training.steps } : {}),
    ...(opts.precision ? { precision: opts.precision } : {}),
    checkpointActivations: opts.checkpointActivations,
  });
  if (trainer.ema != null) trainer.ema.load(floatMap(ckpt, TENSOR_PREFIX.ema));
  const moments = new Map<string, { m: Float32Array; v: Float32Array; shape: number[] }>();
  for (const name of trainer.variables().keys()) {
    const m = ckpt.tensors.get(TENSOR_PREFIX.adamM + name);
    const v = ckpt.tensors.get(TENSOR_PREFIX.adamV + name);
    if (m == null || v == null) {
      if (training.step === 0) continue;
      throw new CheckpointError(`checkpoint is missing the optimizer moments of "${name}"`);
    }
    moments.set(name, { m: m.data as Float32Array, v: v.data as Float32Array, shape: m.shape });
  }
  trainer.optimizer.loadState(training.step, moments);
  return {
    trainer,
    dataCursor: training.dataCursor,
    disposeAll: () => {
      trainer.dispose();
      model.dispose();
      schedule.dispose();
    },
  };
}
