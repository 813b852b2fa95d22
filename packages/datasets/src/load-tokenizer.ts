import { pixelTokenizer } from './pixel-tokenizer';
import { text8Tokenizer } from './text8-tokenizer';
import type { Tokenizer } from './tokenizer';

/**
 * Rebuilds a tokenizer from its stable id (as stored in checkpoints and token-cache headers):
 * 'text8', 'gpt2', or 'pixels-{height}x{width}x{channels}'. GPT-2's is imported on first use (a
 * chunk of its own in a bundle); the others are at hand.
 */
export async function loadTokenizer(id: string): Promise<Tokenizer> {
  if (id === 'gpt2') return (await import('./gpt2-tokenizer')).gpt2Tokenizer;
  return builtInTokenizer(id);
}

/** The tokenizers that need no import: text8's and the pixel ones; a RangeError for an unknown id. */
export function builtInTokenizer(id: string): Tokenizer {
  if (id === text8Tokenizer.id) return text8Tokenizer;
  const m = /^pixels-(\d{1,5})x(\d{1,5})x(\d{1,2})$/.exec(id);
  if (m) return pixelTokenizer({ height: Number(m[1]), width: Number(m[2]), channels: Number(m[3]) });
  throw new RangeError(
    `unknown tokenizer id ${JSON.stringify(id)}: known ids are 'text8', 'gpt2' and 'pixels-{height}x{width}x{channels}'`,
  );
}
