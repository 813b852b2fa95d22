import { linear, type Schedule } from '@md4/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { readAllChunks } from './byte-chunks';
import { type CheckpointConfig, CheckpointError, CONFIG_FILE } from './checkpoint-format';
import { parseCheckpoint } from './checkpoint-parse';
import { modelFromCheckpoint, scheduleFromCheckpoint } from './checkpoint-restore';
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
  /** Bytes of the weights file read so far. */
  loaded: number;
  /** The weights file's size in bytes. */
  total: number;
}

/** Options of `loadModel` and `loadModelFromFolder`: progress, abort, kernel path and caching. */
export interface LoadModelOptions {
  /** Called as the weights arrive: about every 1% of the file (and per tensor for hub folders), and at the end. */
  onProgress?: ((p: LoadProgress) => void) | undefined;
  /** Rejects the load with an AbortError: before anything is read, and while the weights arrive. */
  signal?: AbortSignal | undefined;
  /** Default 'auto'. */
  kernels?: KernelMode | undefined;
  /**
   * `loadModel` of a URL: the name of a Cache API cache to keep the folder's files in where the
   * environment has one (browsers), e.g. 'md4-models'; see `UrlFolderOptions.cache` for the rule.
   * Files the user picked are never cached.
   */
  cache?: string | undefined;
}

/** A model opened for evaluation or sampling, whatever folder it came from. */
export interface LoadedModel {
  /** 'md4-checkpoint': a folder `md4 train` wrote; 'mdlm': a Hugging Face hub folder of an MDLM-family model. */
  format: 'md4-checkpoint' | 'mdlm';
  /** The network (its EMA weights when the checkpoint keeps them). */
  denoiser: Network;
  /** The masking schedule to evaluate and sample with (MDLM: linear). A GenMD4 schedule owns a variable. */
  schedule: Schedule;
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
  /** The file `name` (relative to the folder, e.g. 'config.json') as UTF-8 text. */
  text(name: string): Promise<string>;
  /** The file `name` as byte chunks, with its exact size (for `readSafetensorsStream`). */
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
  const text = await folder.text(CONFIG_FILE);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A web server that answers every path with its index page (a single-page app's host) sends
    // HTML for a folder that is not there.
    if (/^\s*</.test(text)) {
      throw new CheckpointError(
        `${folder.location}: ${CONFIG_FILE} is a web page (HTML), not a model's config: there is no model folder at this address (check the URL; the server answered with a page instead)`,
      );
    }
    throw new CheckpointError(
      `${folder.location}: ${CONFIG_FILE} is not valid JSON (truncated or corrupted?)`,
    );
  }
  if (isMdlmConfig(json) || (json != null && typeof json === 'object' && 'model_type' in json)) {
    return loadMdlm(folder, dditConfigFromMdlm(json), tokenizerOfMdlm(json as MdlmHubConfig), opts);
  }
  const file = (json as { weights?: { file?: unknown | undefined } } | null)?.weights?.file;
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
    // parseCheckpoint names the precise problem (not an md4 config, bad weights entry, ...)
    parseCheckpoint(json as object, new Uint8Array(0));
    throw new CheckpointError(
      `${CONFIG_FILE}: weights.file must be a plain file name, got ${JSON.stringify(file)}`,
    );
  }
  const { chunks, totalBytes } = await folder.stream(file);
  const bytes = await readAllChunks(chunks, {
    totalBytes,
    onProgress: opts.onProgress,
    signal: opts.signal,
    what: `${folder.location}/${file}`,
  });
  const checkpoint = parseCheckpoint(json as object, bytes);
  const schedule = scheduleFromCheckpoint(checkpoint);
  let denoiser: Network;
  try {
    denoiser = modelFromCheckpoint(checkpoint, opts.kernels ? { kernels: opts.kernels } : {});
  } catch (error) {
    schedule.dispose();
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
      schedule.dispose();
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

/** How `urlFolder` fetches a folder's files, and where it keeps them. */
export interface UrlFolderOptions {
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch | undefined;
  /**
   * The name of a Cache API cache (e.g. 'md4-models') to keep the folder's files in, so that a second
   * visit reads them from disk, or works offline. Used where `globalThis.caches` exists (browsers, in
   * secure contexts: https or localhost; Node 20 has none, and then files are always fetched).
   * Entries are keyed on each file's URL, and only 200 responses are kept. The rule:
   *
   * - config.json is always asked of the network first, and kept. Only when the request fails (offline,
   *   server unreachable, CORS) or the server answers 5xx is the cached copy used.
   * - The other files (the weights) are read from the cache only when config.json is unchanged: the
   *   copy the server just sent equals the cached one byte for byte, or the server could not be reached
   *   and the cached copy was used. When config.json is new or changed, the cache's entries for the
   *   folder are dropped first and the weights are fetched again (and kept). Our checkpoints name
   *   their weights by CRC (weights-<crc>.safetensors), so new weights always mean a new config.json;
   *   an MDLM folder's model.safetensors keeps its name, and is refetched whenever config.json changes.
   *   Weights replaced under the same name with a byte-identical config.json are not noticed: clear
   *   the cache (`clearModelCache(name)`, i.e. `caches.delete(name)`) or load an immutable URL (a Hugging
   *   Face `/resolve/<commit>/` folder).
   * - A file fetched from the network is stored while it is read (a `response.clone()` handed to
   *   `cache.put`, not awaited), so streaming and progress work as without a cache. A put that fails
   *   (quota, a cross-origin opaque response, an aborted download) logs one warning per folder and
   *   does not fail the load.
   */
  cache?: string | undefined;
}

/** A folder at a URL; `fromCache` says which of its files were served from the cache. */
export interface UrlFolder extends ModelFolder {
  /** Names of the files read from the cache so far (empty without a cache, or on a first visit). */
  readonly fromCache: readonly string[];
}

function cacheStorage(): CacheStorage | undefined {
  const storage = (globalThis as { caches?: CacheStorage | undefined }).caches;
  return storage != null && typeof storage.open === 'function' ? storage : undefined;
}

const isAbort = (error: unknown) => (error as { name?: unknown | undefined } | null)?.name === 'AbortError';
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Deletes the Cache API cache `name` (what `urlFolder`/`loadModel` keep downloads in): the next load
 * fetches every file again. Resolves to false when there was no such cache (or no Cache API).
 */
export async function clearModelCache(name: string): Promise<boolean> {
  return (await cacheStorage()?.delete(name)) ?? false;
}

/**
 * A folder at a URL (the directory, or its config.json), read with `fetch`. The second argument is
 * the `fetch` to use, or options: `{ fetch, cache }` (see `UrlFolderOptions.cache` for what is kept).
 */
export function urlFolder(
  source: string | URL,
  fetchOrOptions: typeof fetch | UrlFolderOptions = {},
): UrlFolder {
  const opts: UrlFolderOptions =
    typeof fetchOrOptions === 'function' ? { fetch: fetchOrOptions } : (fetchOrOptions ?? {});
  const doFetch = opts.fetch ?? globalThis.fetch;
  if (doFetch == null) throw new CheckpointError('loadModel: no fetch available to load a URL');
  const base = new URL(String(source), typeof location !== 'undefined' ? location.href : undefined);
  const dir = base.pathname.endsWith('.json')
    ? new URL('.', base)
    : base.pathname.endsWith('/')
      ? base
      : new URL(`${base.pathname}/${base.search}`, base);
  const failed = (url: URL, status: number) =>
    new CheckpointError(`loadModel: GET ${url} failed with HTTP ${status}`);
  const network = async (url: URL) => {
    const response = await doFetch(url);
    if (!response.ok) throw failed(url, response.status);
    return response;
  };

  const hits: string[] = [];
  const storage = opts.cache != null ? cacheStorage() : undefined;
  const cacheName = opts.cache ?? '';
  let warned = false;
  const warn = (what: string, error: unknown) => {
    if (warned) return;
    warned = true;
    console.warn(`loadModel: ${what} in the cache "${cacheName}" (loading goes on): ${messageOf(error)}`);
  };
  let opened: Promise<Cache | undefined> | undefined;
  const open = () => {
    opened ??= (async () => storage!.open(cacheName))().catch((error: unknown) => {
      warn('cannot keep files', error);
      return undefined;
    });
    return opened;
  };
  const lookUp = async (cache: Cache, url: URL) => {
    try {
      const hit = await cache.match(url);
      return hit?.status === 200 ? hit : undefined;
    } catch {
      return undefined;
    }
  };
  /** Starts keeping a 200 response (a clone of it: the caller reads the original as it arrives). */
  const keep = (cache: Cache, url: URL, response: Response) => {
    if (response.status !== 200 || response.bodyUsed) return;
    const copy = response.clone();
    (async () => cache.put(url, copy))().catch((error: unknown) => {
      if (!isAbort(error)) warn(`could not keep ${url}`, error);
    });
  };
  /** Drops the cached files of this folder (not of folders below it). */
  const purge = async (cache: Cache) => {
    const prefix = new URL('./', dir).href;
    try {
      for (const request of await cache.keys()) {
        const rest = request.url.startsWith(prefix) ? request.url.slice(prefix.length) : '/';
        if (!rest.includes('/')) await cache.delete(request);
      }
    } catch (error) {
      warn('could not drop outdated files', error);
    }
  };

  type Config = { text: string; headers: Headers; reuse: boolean };
  /** config.json, network first; `reuse`: the cached weights belong to it. */
  const revalidate = async (cache: Cache): Promise<Config> => {
    const url = new URL(CONFIG_FILE, dir);
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await doFetch(url);
    } catch (error) {
      if (isAbort(error)) throw error;
      failure = error;
    }
    if (response != null && response.status < 500) {
      if (!response.ok) throw failed(url, response.status);
      const text = await response.text();
      const cached = await lookUp(cache, url);
      const reuse = cached != null && (await cached.text().catch(() => null)) === text;
      if (!reuse) {
        await purge(cache);
        const headers = new Headers(response.headers);
        // The body is kept decoded: its encoded length and encoding no longer apply.
        headers.delete('content-encoding');
        headers.set('content-length', String(new TextEncoder().encode(text).length));
        if (response.status === 200) keep(cache, url, new Response(text, { headers }));
      }
      return { text, headers: response.headers, reuse };
    }
    const cached = await lookUp(cache, url);
    if (cached == null) throw failure ?? failed(url, response!.status);
    const text = await cached.text();
    hits.push(CONFIG_FILE);
    return { text, headers: cached.headers, reuse: true };
  };
  let config: Promise<Config> | undefined;
  const configOf = (cache: Cache) => {
    config ??= revalidate(cache);
    return config;
  };

  const get = async (name: string): Promise<Response> => {
    const url = new URL(name, dir);
    const cache = storage ? await open() : undefined;
    if (cache == null) return network(url);
    if (url.href === new URL(CONFIG_FILE, dir).href) {
      const { text, headers } = await configOf(cache);
      return new Response(text, { headers });
    }
    // A weights file asked for before config.json: config.json is checked first all the same.
    const reuse = await configOf(cache).then(
      (c) => c.reuse,
      () => false,
    );
    const hit = reuse ? await lookUp(cache, url) : undefined;
    if (hit != null) {
      hits.push(name);
      return hit;
    }
    const response = await network(url);
    keep(cache, url, response);
    return response;
  };
  return {
    location: dir.href.replace(/\/$/, ''),
    fromCache: hits,
    text: async (name) => (await get(name)).text(),
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
        return { chunks: oneChunk(bytes), totalBytes: bytes.length };
      }
      return { chunks: response.body, totalBytes: length };
    },
  };
}

/** The whole of a file as a stream of one chunk. */
async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
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
    Array.isArray(source)
      ? filesFolder(source)
      : urlFolder(source as string | URL, opts.cache != null ? { cache: opts.cache } : {}),
    opts,
  );
}
