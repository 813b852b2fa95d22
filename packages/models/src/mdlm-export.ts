import { join } from 'node:path';
import { makeDirectory, writeFileAtomic } from '@md4/core/node';
import type { DDiT } from './ddit';
import { MDLM_WEIGHTS_FILE } from './mdlm-format';
import { serializeMdlm } from './mdlm-serialize';

/**
 * Writes `model` to directory `dir` (created if needed) in MDLM's hub layout: model.safetensors,
 * then config.json, each atomically. Returns the paths written.
 */
export async function exportMdlm(
  dir: string,
  model: DDiT,
  opts: { tokenizer?: string | null | undefined } = {},
): Promise<{ config: string; weights: string }> {
  const { configJson, weights } = await serializeMdlm(model, opts);
  makeDirectory(dir);
  const paths = { config: join(dir, 'config.json'), weights: join(dir, MDLM_WEIGHTS_FILE) };
  await writeFileAtomic(paths.weights, weights);
  await writeFileAtomic(paths.config, configJson);
  return paths;
}
