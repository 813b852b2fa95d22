import { type Checkpoint, CheckpointError, CONFIG_FILE } from './checkpoint-format';
import { parseCheckpoint, parseConfig } from './checkpoint-parse';

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
