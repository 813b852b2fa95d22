import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './checkpoint-files';
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
  opts: { tokenizer?: string | null } = {},
): Promise<{ config: string; weights: string }> {
  const { configJson, weights } = await serializeMdlm(model, opts);
  await mkdir(dir, { recursive: true });
  const paths = { config: join(dir, 'config.json'), weights: join(dir, MDLM_WEIGHTS_FILE) };
  await writeAtomic(paths.weights, weights);
  await writeAtomic(paths.config, configJson);
  return paths;
}
