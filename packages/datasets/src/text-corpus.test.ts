import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from './gpt2-tokenizer';
import { textCorpus } from './text-corpus';
import { text8Tokenizer } from './text8-tokenizer';

function corpusDir() {
  const root = mkdtempSync(join(tmpdir(), 'md4-corpus-'));
  const data = join(root, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  return { root, data, cache: join(root, 'cache') };
}

const docText = (i: number) => `Document number ${i}. It says hello.`;

describe('textCorpus', () => {
  it('tokenises .jsonl and .txt from a folder once, EOS after each document, every k-th document to valid', async () => {
    const { data, cache } = corpusDir();
    // 10 documents: a.jsonl holds 0..6 (one blank line), sub/b.txt is 7, sub/c.txt is 8, z.jsonl is 9.
    writeFileSync(
      join(data, 'a.jsonl'),
      `${[0, 1, 2, 3].map((i) => JSON.stringify({ text: docText(i), id: i })).join('\n')}\n\n${[4, 5, 6].map((i) => JSON.stringify({ text: docText(i) })).join('\n')}\n`,
    );
    writeFileSync(join(data, 'sub', 'b.txt'), docText(7));
    writeFileSync(join(data, 'sub', 'c.txt'), docText(8));
    writeFileSync(join(data, 'z.jsonl'), `${JSON.stringify({ text: docText(9) })}\n`);
    writeFileSync(join(data, 'ignored.csv'), 'not text');
    const c = await textCorpus({ inputs: data, cacheDir: cache, length: 8, validEvery: 5 });
    expect(c.built).toBe(true);
    expect(c.files.map((f) => f.path.slice(data.length + 1))).toEqual([
      'a.jsonl',
      'sub/b.txt',
      'sub/c.txt',
      'z.jsonl',
    ]);
    const decodeDocs = (ds: NonNullable<typeof c.valid>) => {
      const t = Array.from(ds.read(0, ds.numTokens));
      expect(t.at(-1)).toBe(50256);
      return gpt2Tokenizer.decode(t).split('<|endoftext|>').slice(0, -1);
    };
    // Sorted path order: a.jsonl (docs 0-6), sub/b.txt (7), sub/c.txt (8), z.jsonl (9); i % 5 == 4 -> valid.
    expect(decodeDocs(c.valid!)).toEqual([docText(4), docText(9)]);
    expect(decodeDocs(c.train)).toEqual([0, 1, 2, 3, 5, 6, 7, 8].map(docText));
    expect(c.train.header).toMatchObject({ documentCount: 8, tokenizerId: 'gpt2', vocabSize: 50257 });
    expect(c.train.size).toBe(Math.floor(c.train.numTokens / 8));
    c.close();
    const again = await textCorpus({
      inputs: [join(data, '*.jsonl'), join(data, 'sub/*.txt')],
      cacheDir: cache,
      length: 16,
      validEvery: 5,
    });
    expect(again.built).toBe(false);
    expect(again.cachePaths).toEqual(c.cachePaths);
    again.close();
    writeFileSync(join(data, 'z.jsonl'), `${JSON.stringify({ text: 'changed' })}\n`);
    const changed = await textCorpus({ inputs: data, cacheDir: cache, length: 8, validEvery: 5 });
    expect(changed.built).toBe(true);
    expect(changed.cachePaths.train).not.toBe(c.cachePaths.train);
    changed.close();
  });

  it('text8 corpus: cleans on request, otherwise names the file, line and the clean option', async () => {
    const { data, cache } = corpusDir();
    writeFileSync(
      join(data, 'p.jsonl'),
      `${JSON.stringify({ body: 'hello world' })}\n${JSON.stringify({ body: 'In 1990!' })}\n`,
    );
    await expect(
      textCorpus({ inputs: data, cacheDir: cache, tokenizer: 'text8', field: 'body', validEvery: 0 }),
    ).rejects.toThrow(/p\.jsonl:2: text8 cannot represent "I" \(U\+0049\) at index 0.*clean: true/);
    const c = await textCorpus({
      inputs: data,
      cacheDir: cache,
      tokenizer: 'text8',
      field: 'body',
      validEvery: 0,
      clean: true,
      length: 4,
    });
    expect(c.valid).toBeUndefined();
    expect(text8Tokenizer.decode(c.train.read(0, c.train.numTokens))).toBe(
      'hello world in one nine nine zero ',
    );
    c.close();
  });

  it('rejects empty corpora, bad jsonl, missing fields, unmatched inputs and too few documents for the split', async () => {
    const { data, cache } = corpusDir();
    writeFileSync(join(data, 'empty.txt'), '');
    await expect(textCorpus({ inputs: join(data, 'empty.txt'), cacheDir: cache })).rejects.toThrow(
      /empty\.txt: is empty: no document has any text/,
    );
    writeFileSync(join(data, 'bad.jsonl'), '{"text": "ok"}\n{oops\n');
    await expect(textCorpus({ inputs: join(data, 'bad.jsonl'), cacheDir: cache })).rejects.toThrow(
      /bad\.jsonl:2: is not valid JSON/,
    );
    writeFileSync(join(data, 'field.jsonl'), '{"content": "ok", "id": 1}\n');
    await expect(textCorpus({ inputs: join(data, 'field.jsonl'), cacheDir: cache })).rejects.toThrow(
      /field\.jsonl:1: has no string field 'text' \(found: content, id\); pass the name of the text field/,
    );
    await expect(textCorpus({ inputs: join(data, 'nothing-*.jsonl'), cacheDir: cache })).rejects.toThrow(
      /matches no \.txt or \.jsonl files/,
    );
    writeFileSync(join(data, 'x.csv'), 'a,b');
    await expect(textCorpus({ inputs: join(data, 'x.csv'), cacheDir: cache })).rejects.toThrow(
      /x\.csv: is not a \.txt or \.jsonl file/,
    );
    writeFileSync(join(data, 'few.jsonl'), '{"text": "a"}\n{"text": "b"}\n');
    await expect(textCorpus({ inputs: join(data, 'few.jsonl'), cacheDir: cache })).rejects.toThrow(
      /has 2 documents, too few for a valid split of every 100th/,
    );
    await expect(
      textCorpus({ inputs: join(data, 'few.jsonl'), cacheDir: cache, validEvery: 1 }),
    ).rejects.toThrow(/validEvery/);
  });
});
