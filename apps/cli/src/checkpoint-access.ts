import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedModel } from '@md4/models';
import { loadModel } from '@md4/models/node';
import { InputError } from './cli-errors';

/** Resolves a run folder (holding checkpoint/) or a checkpoint folder. */
export function checkpointFolder(path: string): string {
  if (!existsSync(path)) throw new InputError(`no checkpoint at ${path}: the path does not exist`);
  if (!statSync(path).isDirectory()) {
    throw new InputError(`${path} is a file; give the checkpoint folder (the one holding config.json)`);
  }
  if (existsSync(join(path, 'config.json'))) return path;
  if (existsSync(join(path, 'checkpoint', 'config.json'))) return join(path, 'checkpoint');
  throw new InputError(`no checkpoint at ${path}: it holds no config.json (nor checkpoint/config.json)`);
}

/**
 * Opens a model folder for evaluation or sampling: one of our checkpoints (its EMA model when kept)
 * or an MDLM hub folder. Every problem with the folder is an InputError.
 */
export async function openCheckpoint(path: string): Promise<LoadedModel> {
  try {
    return await loadModel(checkpointFolder(path));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError((error as Error).message);
  }
}

/** The tokenizer id of an opened model, or an InputError saying the folder names none. */
export function tokenizerIdOf(opened: LoadedModel, path: string): string {
  if (opened.tokenizer != null) return opened.tokenizer;
  throw new InputError(
    `${path}: the model's tokenizer is unknown (V = ${opened.config.vocabSize}); ` +
      'md4 reads GPT-2-token MDLM models (vocab_size 50258) and checkpoints that record their tokenizer',
  );
}
