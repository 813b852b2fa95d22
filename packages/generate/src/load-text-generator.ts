import { type LoadModelOptions, loadModel } from '@md4/models';
import { type TextGenerator, textGenerator } from './text-generator';

/**
 * Opens the model folder at a URL, or the files a user picked (browsers; see `loadModel` of
 * `@md4/models` for the folders it reads, progress, abort and caching), as a text generator.
 * In Node, `loadTextGenerator` of `@md4/generate/node` takes a path.
 */
export async function loadTextGenerator(
  source: string | URL | readonly File[],
  opts: LoadModelOptions = {},
): Promise<TextGenerator> {
  return textGenerator(await loadModel(source, opts));
}
