import {
  CheckpointError,
  CONFIG_FILE,
  type LoadedModel,
  type LoadModelOptions,
  loadModel,
  loadModelFromFolder,
  MDLM_WEIGHTS_FILE,
  MdlmFormatError,
  urlFolder,
} from '@md4/models';
import { unzipSync } from 'fflate';
import type { CheckpointSource, LocalFile } from '../protocol';

const HOW =
  'a checkpoint is a folder holding config.json and the weights file it names (weights-….safetensors), ' +
  `an MDLM model folder holds config.json and ${MDLM_WEIGHTS_FILE}: ` +
  'select both files, or the .zip that "Download the current model" saves';

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function asFile(f: LocalFile): File {
  return f instanceof Blob ? f : new File([f.bytes], f.name);
}

/** A .zip by name or by its local-file-header signature "PK\x03\x04". */
async function isZip(file: File): Promise<boolean> {
  if (/\.zip$/i.test(file.name)) return true;
  const b = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** The files of one .zip (folders inside it flattened), as File objects. */
async function unzipFiles(zip: File): Promise<File[]> {
  let unpacked: Record<string, Uint8Array>;
  try {
    unpacked = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  } catch (error) {
    throw new CheckpointError(`${zip.name} is not a readable .zip file (${(error as Error).message})`);
  }
  return Object.entries(unpacked)
    .filter(([name]) => !name.endsWith('/'))
    .map(([name, bytes]) => new File([bytes as Uint8Array<ArrayBuffer>], name));
}

/**
 * Turns local files (config.json + weights, or one .zip of them) into the two files of a model folder
 * under the names `loadModel` reads: config.json, and the weights file under the name config.json gives
 * it (an md4 checkpoint's `weights.file`, an MDLM folder's model.safetensors). A weights file that was
 * renamed is still found when it is the only .safetensors file.
 */
export async function folderFiles(given: readonly LocalFile[]): Promise<File[]> {
  const files = given.map(asFile);
  const entries = files.length === 1 && (await isZip(files[0]!)) ? await unzipFiles(files[0]!) : files;
  const configs = entries.filter((f) => baseName(f.name) === CONFIG_FILE);
  const jsons = configs.length > 0 ? configs : entries.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length !== 1) {
    const names = files.map((f) => f.name).join(', ');
    throw new CheckpointError(
      jsons.length === 0
        ? `no config.json among ${names}: ${HOW}`
        : `more than one .json file among ${names}: ${HOW}`,
    );
  }
  const configFile = jsons[0]!;
  const config = await configFile.text();
  let json: unknown;
  try {
    json = JSON.parse(config);
  } catch {
    throw new CheckpointError(`${configFile.name} is not valid JSON (truncated or corrupted?)`);
  }
  // A hub config (Hugging Face) has a model_type; its weights are always model.safetensors.
  const hub = json != null && typeof json === 'object' && 'model_type' in json;
  const file = (json as { weights?: { file?: unknown } } | null)?.weights?.file;
  const wanted = hub ? MDLM_WEIGHTS_FILE : typeof file === 'string' ? file : undefined;
  const named = entries.find((f) => wanted != null && baseName(f.name) === wanted);
  const others = entries.filter((f) => /\.safetensors$/i.test(f.name));
  const weights = named ?? (others.length === 1 ? others[0] : undefined);
  if (!weights) {
    throw new CheckpointError(
      `the weights file ${wanted ? `"${wanted}" ` : ''}${hub ? 'of the MDLM folder' : 'named in'} ${configFile.name} is missing: ${HOW}`,
    );
  }
  return [new File([config], CONFIG_FILE), new File([weights], wanted ?? baseName(weights.name))];
}

/** `fetch` that aborts with `signal` and names the usual reason of a network failure. */
function fetchWith(signal: AbortSignal | undefined): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, { ...init, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof TypeError) {
        // fetch rejects with a TypeError for network failures and blocked cross-origin requests.
        throw new CheckpointError(
          `could not fetch ${String(input)}: the server is unreachable or does not allow cross-origin requests (CORS)`,
        );
      }
      throw error;
    }
  };
}

/**
 * The Cache API cache that models loaded by URL are kept in (config.json and the weights), so that a
 * second visit reads them from disk, and works offline. config.json is revalidated with the server on
 * every load and the weights are reused only while it is unchanged (see `UrlFolderOptions.cache` of
 * @md4/models). `caches.delete('md4-models')` (or clearing the site's data) empties it.
 */
export const MODEL_CACHE = 'md4-models';

/** Says in plain words that a Hugging Face folder holds another kind of model. */
function explain(error: unknown): unknown {
  if (error instanceof MdlmFormatError) {
    const type = /model_type (.+?) is not "mdlm"/.exec(error.message)?.[1];
    if (type != null) {
      const what = /^"./.test(type)
        ? `describes a model of type ${type}, which this page cannot run`
        : 'names no model type this page can run';
      return new CheckpointError(
        `its config.json ${what}: it runs MDLM models (model_type "mdlm", from Hugging Face) and ` +
          'checkpoints of the md4 CLI',
      );
    }
  }
  return error;
}

/**
 * Opens a model with `loadModel` of @md4/models (md4 checkpoints and MDLM hub folders; weights
 * streamed with progress, `signal` aborts) from a URL or local files. A URL's files are kept in the
 * browser's cache `MODEL_CACHE` (where the page has the Cache API); `fromCache` is true when the
 * weights were read from it rather than downloaded.
 */
export async function openModel(
  source: CheckpointSource,
  opts: Pick<LoadModelOptions, 'onProgress' | 'signal'> = {},
): Promise<{ loaded: LoadedModel; name: string; fromCache: boolean }> {
  try {
    if ('url' in source) {
      const folder = urlFolder(source.url, { fetch: fetchWith(opts.signal), cache: MODEL_CACHE });
      const loaded = await loadModelFromFolder(folder, opts);
      const fromCache = folder.fromCache.some((f) => f !== CONFIG_FILE);
      return { loaded, name: source.name ?? source.url, fromCache };
    }
    if (!Array.isArray(source.files) || source.files.length === 0)
      throw new CheckpointError(`no files given: ${HOW}`);
    const files = await folderFiles(source.files);
    const names = source.files.map((f) => f.name);
    return { loaded: await loadModel(files, opts), name: names.join(' + '), fromCache: false };
  } catch (error) {
    throw explain(error);
  }
}
