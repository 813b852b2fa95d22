import { type Checkpoint, CheckpointError, loadCheckpoint } from '@md4/models';
import { unzipSync } from 'fflate';
import type { CheckpointSource } from './protocol';

const HOW =
  'a checkpoint is a folder holding config.json and the weights file it names (weights-….safetensors): ' +
  'select both files, or the .zip that "Download the current model" saves';

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A .zip by name or by its local-file-header signature "PK\x03\x04". */
function isZip(file: { name: string; bytes: Uint8Array }): boolean {
  const b = file.bytes;
  return /\.zip$/i.test(file.name) || (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04);
}

/** Turns local files (config.json + weights, or one .zip of them) into the two parts of a checkpoint. */
function pickFiles(files: Array<{ name: string; bytes: Uint8Array }>): {
  config: string;
  weights: Uint8Array;
} {
  let entries = files;
  if (files.length === 1 && isZip(files[0]!)) {
    const zip = files[0]!;
    let unpacked: Record<string, Uint8Array>;
    try {
      unpacked = unzipSync(zip.bytes);
    } catch (error) {
      throw new CheckpointError(`${zip.name} is not a readable .zip file (${(error as Error).message})`);
    }
    entries = Object.entries(unpacked)
      .filter(([name]) => !name.endsWith('/'))
      .map(([name, bytes]) => ({ name, bytes }));
  }
  const configs = entries.filter((f) => baseName(f.name) === 'config.json');
  const jsons = configs.length > 0 ? configs : entries.filter((f) => /\.json$/i.test(f.name));
  if (jsons.length !== 1) {
    const names = files.map((f) => f.name).join(', ');
    throw new CheckpointError(
      jsons.length === 0
        ? `no config.json among ${names}: ${HOW}`
        : `more than one .json file among ${names}: ${HOW}`,
    );
  }
  const config = new TextDecoder().decode(jsons[0]!.bytes);
  let wanted: string | undefined;
  try {
    wanted = (JSON.parse(config) as { weights?: { file?: string } })?.weights?.file;
  } catch {
    throw new CheckpointError(`${jsons[0]!.name} is not valid JSON (truncated or corrupted?)`);
  }
  const named = entries.find((f) => wanted != null && baseName(f.name) === wanted);
  const others = entries.filter((f) => /\.safetensors$/i.test(f.name));
  const weights = named ?? (others.length === 1 ? others[0] : undefined);
  if (!weights) {
    throw new CheckpointError(
      `the weights file ${wanted ? `"${wanted}" ` : ''}named in ${jsons[0]!.name} is missing: ${HOW}`,
    );
  }
  return { config, weights: weights.bytes };
}

/** Loads and validates a checkpoint (size, CRC-32, architecture) from a URL or local files. */
export async function readCheckpoint(
  source: CheckpointSource,
): Promise<{ checkpoint: Checkpoint; name: string }> {
  if ('url' in source) {
    try {
      return { checkpoint: await loadCheckpoint(source.url), name: source.name ?? source.url };
    } catch (error) {
      if (error instanceof TypeError) {
        // fetch rejects with a TypeError for network failures and blocked cross-origin requests.
        throw new CheckpointError(
          `could not fetch ${source.url}: the server is unreachable or does not allow cross-origin requests (CORS)`,
        );
      }
      throw error;
    }
  }
  if (!Array.isArray(source.files) || source.files.length === 0)
    throw new CheckpointError(`no files given: ${HOW}`);
  const files = source.files.map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) }));
  const { config, weights } = pickFiles(files);
  const name = files.length === 1 ? files[0]!.name : files.map((f) => f.name).join(' + ');
  return { checkpoint: await loadCheckpoint({ config, weights }), name };
}
