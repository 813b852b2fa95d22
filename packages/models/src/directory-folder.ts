import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from './checkpoint-format';
import { type LoadedModel, type LoadModelOptions, loadModelFromFolder, type ModelFolder } from './load-model';

/** Chunk size of streamed weights files (large reads, few callbacks). */
const READ_CHUNK_BYTES = 4 << 20;

/** A model folder on disk. */
export function directoryFolder(dir: string): ModelFolder {
  const cannot = (name: string, error: unknown) =>
    new CheckpointError(`no model at ${dir}: cannot read ${name} (${(error as Error).message})`);
  return {
    location: dir,
    text: (name) => readFile(join(dir, name), 'utf8').catch((error) => Promise.reject(cannot(name, error))),
    stream: async (name) => {
      const path = join(dir, name);
      const size = await stat(path).then(
        (s) => s.size,
        (error) => Promise.reject(cannot(name, error)),
      );
      return { chunks: createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }), totalBytes: size };
    },
  };
}

/**
 * Opens the model folder at `dir` (our checkpoint, or an MDLM hub folder; see `loadModelFromFolder`).
 */
export function loadModel(dir: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  return loadModelFromFolder(directoryFolder(dir), opts);
}
