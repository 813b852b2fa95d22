import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Checkpoint,
  CheckpointError,
  CONFIG_FILE,
  parseCheckpoint,
  type SerializedCheckpoint,
} from './checkpoint';

/** True while process `pid` exists on this machine (EPERM: it exists but is someone else's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes bytes to `path` atomically: a temp file in the same directory, fsync, rename. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Saves a checkpoint into directory `dir` (created if needed) so that a reader only ever sees a
 * complete, matching pair: the weights go to `weights-<crc32>.safetensors` (temp file + fsync +
 * rename), then config.json is replaced the same way, then weights files no longer named by
 * config.json are removed, and so are temporary files that killed writers left behind. A crash at
 * any point leaves the previous checkpoint readable.
 * Returns the paths written.
 */
export async function saveCheckpoint(
  dir: string,
  checkpoint: SerializedCheckpoint,
): Promise<{ config: string; weights: string }> {
  await mkdir(dir, { recursive: true });
  const weightsPath = join(dir, checkpoint.config.weights.file);
  const configPath = join(dir, CONFIG_FILE);
  await writeAtomic(weightsPath, checkpoint.weights);
  await writeAtomic(configPath, checkpoint.configJson);
  for (const name of await readdir(dir)) {
    if (/^weights-[0-9a-f]{8}\.safetensors$/.test(name) && name !== checkpoint.config.weights.file) {
      await rm(join(dir, name), { force: true });
    }
    const temp = /\.tmp-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (temp && Number(temp[1]) !== process.pid && !processAlive(Number(temp[1]))) {
      await rm(join(dir, name), { force: true }); // left by a writer that was killed mid-write
    }
  }
  return { config: configPath, weights: weightsPath };
}

/** Reads and validates the checkpoint in directory `dir` (see `parseCheckpoint`). */
export async function loadCheckpointDir(dir: string): Promise<Checkpoint> {
  let configText: string;
  try {
    configText = await readFile(join(dir, CONFIG_FILE), 'utf8');
  } catch (error) {
    throw new CheckpointError(
      `no checkpoint at ${dir}: cannot read ${CONFIG_FILE} (${(error as Error).message})`,
    );
  }
  let file: string;
  try {
    file = JSON.parse(configText).weights.file;
  } catch {
    // parseCheckpoint reports the precise problem
    return parseCheckpoint(configText, new Uint8Array(0));
  }
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
    throw new CheckpointError(
      `${CONFIG_FILE}: weights.file must be a plain file name, got ${JSON.stringify(file)}`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, file));
  } catch (error) {
    throw new CheckpointError(`checkpoint ${dir}: cannot read ${file} (${(error as Error).message})`);
  }
  return parseCheckpoint(configText, bytes);
}
