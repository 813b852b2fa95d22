import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDDiT, serializeMdlm } from '@md4/models';
import * as tf from '@tensorflow/tfjs-core';
import { inject } from 'vitest';

/**
 * A tiny DDiT over GPT-2's vocabulary, for Hugging Face MDLM folders (config.json with model_type
 * "mdlm" + model.safetensors) made in Node and served by the test server (fixture-server.ts). Its
 * output layer starts at zero, so its samples are uniform random GPT-2 tokens: fine for these checks.
 */
export const TINY_GPT2_DDIT = {
  arch: 'ddit',
  vocabSize: 50257,
  seqLen: 64,
  layers: 1,
  dModel: 16,
  heads: 2,
  condDim: 16,
} as const;

/** Writes a model folder under the served fixtures; returns its URL. */
export function writeModelFolder(name: string, configJson: string, weights: Uint8Array): string {
  const dir = join(inject('fixturesDir'), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), configJson);
  writeFileSync(join(dir, 'model.safetensors'), weights);
  return `${inject('fixturesUrl')}${name}/`;
}

/** The hub folder of TINY_GPT2_DDIT (seed 1, GPT-2 tokenizer named), made on tfjs's cpu backend. */
export async function tinyGpt2Folder(): Promise<{ configJson: string; weights: Uint8Array }> {
  await tf.setBackend('cpu');
  const ddit = createDDiT(TINY_GPT2_DDIT, { seed: 1 });
  try {
    return await serializeMdlm(ddit, { tokenizer: 'gpt2' });
  } finally {
    ddit.dispose();
  }
}
