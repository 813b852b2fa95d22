import { gpt2Tokenizer } from './gpt2-tokenizer';
import { pixelTokenizer } from './pixel-tokenizer';
import { text8Tokenizer } from './text8-tokenizer';
import type { Tokenizer } from './tokenizer';

/**
 * Rebuilds a tokenizer from its stable id (as stored in checkpoints and token-cache headers):
 * 'text8', 'gpt2', or 'pixels-{height}x{width}x{channels}'.
 */
export function tokenizerFromId(id: string): Tokenizer {
  if (id === text8Tokenizer.id) return text8Tokenizer;
  if (id === gpt2Tokenizer.id) return gpt2Tokenizer;
  const m = /^pixels-(\d{1,5})x(\d{1,5})x(\d{1,2})$/.exec(id);
  if (m) return pixelTokenizer({ height: Number(m[1]), width: Number(m[2]), channels: Number(m[3]) });
  throw new RangeError(
    `unknown tokenizer id ${JSON.stringify(id)}: known ids are 'text8', 'gpt2' and 'pixels-{height}x{width}x{channels}'`,
  );
}
