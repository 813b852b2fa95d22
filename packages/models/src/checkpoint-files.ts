import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, processAlive, writeFileAtomic } from '@md4/core/node';
import {
  type Checkpoint,
  CheckpointError,
  CONFIG_FILE,
  type SerializedCheckpoint,
} from './checkpoint-format';
import { parseCheckpoint } from './checkpoint-parse';

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
  makeDirectory(dir);
  const weightsPath = join(dir, checkpoint.config.weights.file);
  const configPath = join(dir, CONFIG_FILE);
  await writeFileAtomic(weightsPath, checkpoint.weights);
  await writeFileAtomic(configPath, checkpoint.configJson);
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
