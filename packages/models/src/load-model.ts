import { linear, type MaskingSchedule, type StateDependentSchedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import {
  type CheckpointConfig,
  CheckpointError,
  CONFIG_FILE,
  modelFromCheckpoint,
  parseCheckpoint,
  scheduleFromCheckpoint,
} from './checkpoint';
import { DDiT } from './ddit';
import type { ResolvedDDiTConfig } from './ddit-config';
import { dditLayout } from './ddit-layout';
import type { KernelMode } from './denoising-network';
import {
  dditConfigFromMdlm,
  isDerivedMdlmBuffer,
  isMdlmConfig,
  MDLM_WEIGHTS_FILE,
  MdlmFormatError,
  type MdlmHubConfig,
  mdlmTensorMappings,
  tokenizerOfMdlm,
} from './mdlm-format';
import type { Network, NetworkConfig } from './network-config';
import type { SafetensorsHeader } from './safetensors';
import { readSafetensorsStream } from './safetensors-stream';

/** Bytes of a model's weights read so far. */
export interface LoadProgress {
  loaded: number;
  total: number;
}

export interface LoadModelOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Default 'auto'. */
  kernels?: KernelMode;
}

/** A model opened for evaluation or sampling, whatever folder it came from. */
export interface LoadedModel {
  /** 'md4-checkpoint': a folder `md4 train` wrote; 'mdlm': a Hugging Face hub folder of an MDLM-family model. */
  format: 'md4-checkpoint' | 'mdlm';
  /** The network (its EMA weights when the checkpoint keeps them). */
  denoiser: Network;
  /** The masking schedule to evaluate and sample with (MDLM: linear). A GenMD4 schedule owns a variable. */
  schedule: MaskingSchedule | StateDependentSchedule;
  /** Tokenizer id ('text8', 'gpt2', 'pixels-...'), or null when the folder does not say. */
  tokenizer: string | null;
  /** The architecture. */
  config: NetworkConfig;
  /** Our checkpoint's config.json (training state, metadata), or null for hub folders. */
  checkpoint: CheckpointConfig | null;
  /** Tensors of the weights file that the architecture does not use (reported, not loaded). */
  ignoredTensors: string[];
  /** Frees the network's variables (and a GenMD4 schedule's). */
  dispose(): void;
}

/** Where a model folder's files come from: a directory, a URL, or files the user picked. */
export interface ModelFolder {
  /** Shown in error messages. */
  readonly location: string;
  text(name: string): Promise<string>;
  bytes(name: string): Promise<Uint8Array>;
  stream(
    name: string,
  ): Promise<{ chunks: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>; totalBytes: number }>;
}

/**
 * Opens a model folder: our checkpoints (config.json with format "md4-checkpoint") and MDLM hub
 * folders (config.json with model_type "mdlm" + model.safetensors in F32, F16 or BF16). Hub weights
 * stream one tensor at a time onto the backend, so no second copy of the file is held.
 */
export async function loadModelFromFolder(
  folder: ModelFolder,
  opts: LoadModelOptions = {},
): Promise<LoadedModel> {
  opts.signal?.throwIfAborted();
  let json: unknown;
  try {
    json = JSON.parse(await folder.text(CONFIG_FILE));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new CheckpointError(
        `${folder.location}: ${CONFIG_FILE} is not valid JSON (truncated or corrupted?)`,
      );
    }
    throw error;
  }
  if (isMdlmConfig(json) || (json != null && typeof json === 'object' && 'model_type' in json)) {
    return loadMdlm(folder, dditConfigFromMdlm(json), tokenizerOfMdlm(json as MdlmHubConfig), opts);
  }
  const file = (json as { weights?: { file?: unknown } } | null)?.weights?.file;
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
    // parseCheckpoint names the precise problem (not an md4 config, bad weights entry, ...)
    parseCheckpoint(json as object, new Uint8Array(0));
    throw new CheckpointError(
      `${CONFIG_FILE}: weights.file must be a plain file name, got ${JSON.stringify(file)}`,
    );
  }
  const bytes = await folder.bytes(file);
  opts.onProgress?.({ loaded: bytes.length, total: bytes.length });
  const checkpoint = parseCheckpoint(json as object, bytes);
  const schedule = scheduleFromCheckpoint(checkpoint);
  let denoiser: Network;
  try {
    denoiser = modelFromCheckpoint(checkpoint, opts.kernels ? { kernels: opts.kernels } : {});
  } catch (error) {
    if ('dispose' in schedule) schedule.dispose();
    throw error;
  }
  return {
    format: 'md4-checkpoint',
    denoiser,
    schedule,
    tokenizer: checkpoint.config.tokenizer,
    config: checkpoint.config.model,
    checkpoint: checkpoint.config,
    ignoredTensors: [],
    dispose() {
      denoiser.dispose();
      if ('dispose' in schedule) schedule.dispose();
    },
  };
}

function checkHeader(header: SafetensorsHeader, config: ResolvedDDiTConfig, location: string): string[] {
  const mappings = mdlmTensorMappings(config);
  const entries = new Map(header.entries.map((e) => [e.name, e]));
  const describe = `config.json (n_blocks ${config.layers}, hidden_dim ${config.dModel}, cond_dim ${config.condDim}, vocab_size ${config.vocabSize + 1})`;
  const missing = mappings.filter((m) => !entries.has(m.hubName)).map((m) => m.hubName);
  if (missing.length > 0) {
    throw new MdlmFormatError(
      `${location}/${MDLM_WEIGHTS_FILE} lacks ${missing.length} tensor(s) that ${describe} needs: ` +
        `${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', ...' : ''}`,
    );
  }
  for (const m of mappings) {
    const e = entries.get(m.hubName)!;
    if (e.shape.length !== m.hubShape.length || e.shape.some((s, i) => s !== m.hubShape[i])) {
      throw new MdlmFormatError(
        `${location}/${MDLM_WEIGHTS_FILE}: tensor "${m.hubName}" has shape [${e.shape}] but ${describe} needs [${m.hubShape}]`,
      );
    }
    if (e.dtype !== 'F32' && e.dtype !== 'F16' && e.dtype !== 'BF16') {
      throw new MdlmFormatError(
        `${location}/${MDLM_WEIGHTS_FILE}: tensor "${m.hubName}" is ${e.dtype}; weights must be F32, F16 or BF16`,
      );
    }
  }
  const known = new Set(mappings.map((m) => m.hubName));
  return header.entries.map((e) => e.name).filter((n) => !known.has(n) && !isDerivedMdlmBuffer(n));
}

async function loadMdlm(
  folder: ModelFolder,
  config: ResolvedDDiTConfig,
  tokenizer: string | null,
  opts: LoadModelOptions,
): Promise<LoadedModel> {
  const mappings = new Map(mdlmTensorMappings(config).map((m) => [m.hubName, m]));
  const shapes = new Map(dditLayout(config).map((s) => [s.name, s.shape]));
  const { chunks, totalBytes } = await folder.stream(MDLM_WEIGHTS_FILE);
  const params: Record<string, tf.Variable> = {};
  let ignoredTensors: string[] = [];
  let checked = false;
  try {
    await readSafetensorsStream(chunks, {
      totalBytes,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onTensor: (tensor, header) => {
        if (!checked) {
          ignoredTensors = checkHeader(header, config, folder.location);
          checked = true;
        }
        const m = mappings.get(tensor.name);
        if (m == null) return;
        const values = m.read(tensor.data);
        params[m.name] = tf.tidy(() => tf.variable(tf.tensor(values, shapes.get(m.name)!, 'float32'), true));
      },
    });
    if (!checked) throw new MdlmFormatError(`${folder.location}/${MDLM_WEIGHTS_FILE} holds no tensors`);
    const denoiser = new DDiT(config, params, opts.kernels ?? 'auto', true);
    return {
      format: 'mdlm',
      denoiser,
      schedule: linear(),
      tokenizer,
      config,
      checkpoint: null,
      ignoredTensors,
      dispose: () => denoiser.dispose(),
    };
  } catch (error) {
    for (const v of Object.values(params)) v.dispose();
    throw error;
  }
}

/** A folder at a URL (the directory, or its config.json), read with `fetch`. */
export function urlFolder(source: string | URL, doFetch: typeof fetch = globalThis.fetch): ModelFolder {
  if (doFetch == null) throw new CheckpointError('loadModel: no fetch available to load a URL');
  const base = new URL(String(source), typeof location !== 'undefined' ? location.href : undefined);
  const dir = base.pathname.endsWith('.json')
    ? new URL('.', base)
    : base.pathname.endsWith('/')
      ? base
      : new URL(`${base.pathname}/${base.search}`, base);
  const get = async (name: string) => {
    const url = new URL(name, dir);
    const response = await doFetch(url);
    if (!response.ok) throw new CheckpointError(`loadModel: GET ${url} failed with HTTP ${response.status}`);
    return response;
  };
  return {
    location: dir.href.replace(/\/$/, ''),
    text: async (name) => (await get(name)).text(),
    bytes: async (name) => new Uint8Array(await (await get(name)).arrayBuffer()),
    stream: async (name) => {
      const response = await get(name);
      const length = Number(response.headers.get('content-length'));
      if (
        response.body == null ||
        !Number.isSafeInteger(length) ||
        length <= 0 ||
        response.headers.get('content-encoding')
      ) {
        const bytes = new Uint8Array(await response.arrayBuffer());
        return { chunks: [bytes] as unknown as AsyncIterable<Uint8Array>, totalBytes: bytes.length };
      }
      return { chunks: response.body, totalBytes: length };
    },
  };
}

/** Files the user picked (e.g. `<input type=file multiple>`): config.json and the weights file. */
export function filesFolder(files: readonly File[]): ModelFolder {
  const byName = new Map(files.map((f) => [f.name, f]));
  const get = (name: string) => {
    const file = byName.get(name);
    if (file == null) {
      throw new CheckpointError(
        `loadModel: ${name} is not among the chosen files (${[...byName.keys()].join(', ') || 'none'}); pick config.json and the weights file together`,
      );
    }
    return file;
  };
  return {
    location: 'the chosen files',
    text: async (name) => get(name).text(),
    bytes: async (name) => new Uint8Array(await get(name).arrayBuffer()),
    stream: async (name) => {
      const file = get(name);
      return { chunks: file.stream() as ReadableStream<Uint8Array>, totalBytes: file.size };
    },
  };
}

/**
 * Opens a model in any environment with `fetch` (browsers, Node 18+): a URL of the folder (or of its
 * config.json), or the files a user picked. In Node, `loadModel` from `@md4/models/node` takes a path.
 */
export function loadModel(
  source: string | URL | readonly File[],
  opts: LoadModelOptions = {},
): Promise<LoadedModel> {
  return loadModelFromFolder(
    Array.isArray(source) ? filesFolder(source) : urlFolder(source as string | URL),
    opts,
  );
}
