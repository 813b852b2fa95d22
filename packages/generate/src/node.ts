// Node-only entry point (`@md4/generate/node`): generators over model folders on disk.
import type { LoadModelOptions } from '@md4/models';
import { loadModel } from '@md4/models/node';
import { type TextGenerator, textGenerator } from './text-generator';

/**
 * Opens the model folder at `dir` (a checkpoint `md4 train` wrote, or an MDLM-family hub folder)
 * as a text generator: `(await loadTextGenerator(dir)).generate()`. Progress and abort as in
 * `loadModel` of `@md4/models/node`.
 */
export async function loadTextGenerator(dir: string, opts: LoadModelOptions = {}): Promise<TextGenerator> {
  return textGenerator(await loadModel(dir, opts));
}
