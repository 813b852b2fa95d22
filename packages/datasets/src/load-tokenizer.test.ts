import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { loadTokenizer } from './load-tokenizer';
import { text8Tokenizer } from './text8-tokenizer';
import { tokenizerFromId } from './tokenizer-registry';

describe('loadTokenizer', () => {
  it('rebuilds every kind from its id, the same tokenizer as tokenizerFromId (Node)', async () => {
    expect(await loadTokenizer('text8')).toBe(text8Tokenizer);
    expect(await loadTokenizer('gpt2')).toBe(gpt2Tokenizer);
    const pixels = await loadTokenizer('pixels-28x28x1');
    expect(pixels).toMatchObject({ kind: 'image', id: 'pixels-28x28x1', height: 28, width: 28, channels: 1 });
    for (const id of ['text8', 'gpt2']) expect(tokenizerFromId(id)).toBe(await loadTokenizer(id));
    expect(tokenizerFromId('pixels-28x28x1').id).toBe(pixels.id);
  });

  it('names the known ids for an unknown one', async () => {
    await expect(loadTokenizer('bert')).rejects.toThrow(
      `unknown tokenizer id "bert": known ids are 'text8', 'gpt2' and 'pixels-{height}x{width}x{channels}'`,
    );
    expect(() => tokenizerFromId('bert')).toThrow(/unknown tokenizer id "bert"/);
  });
});
