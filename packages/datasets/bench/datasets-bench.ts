/**
 * `pnpm bench`: tokenisation speed (text8 and GPT-2) on the bundled corpus, then a ~100 MB corpus made
 * by repeating it, tokenised into a token cache and read back in batches. Prints one JSON line.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpt2Tokenizer } from '../src/gpt2';
import { batches, cleanText8, evalBatches, text8Tokenizer } from '../src/index';
import { bundledDocuments, textCorpus } from '../src/node';

const MB = 1e6;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const peakRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function main() {
  const docs = [...bundledDocuments('train'), ...bundledDocuments('valid')].map((d) => d.text);
  const rawBytes = docs.reduce((a, d) => a + Buffer.byteLength(d), 0);

  let t0 = performance.now();
  const cleaned = docs.map(cleanText8);
  const cleanS = seconds(t0);
  const cleanBytes = cleaned.reduce((a, d) => a + d.length, 0);
  t0 = performance.now();
  let text8Tokens = 0;
  for (const d of cleaned) text8Tokens += text8Tokenizer.encode(d).length;
  const text8S = seconds(t0);

  t0 = performance.now();
  let gptTokens = 0;
  for (const d of docs) gptTokens += gpt2Tokenizer.encode(d).length;
  const gptColdS = seconds(t0);

  // ~100 MB corpus: the bundled addresses repeated, as jsonl.
  const dir = mkdtempSync(join(tmpdir(), 'md4-bench-'));
  try {
    const path = join(dir, 'corpus.jsonl');
    const fd = openSync(path, 'w');
    let written = 0;
    let copies = 0;
    while (written < 100 * MB) {
      const block = `${docs.map((text, i) => JSON.stringify({ text, copy: copies, i })).join('\n')}\n`;
      written += writeSync(fd, block);
      copies++;
    }
    closeSync(fd);
    const rssBefore = peakRssMiB();
    t0 = performance.now();
    const corpus = await textCorpus({
      inputs: path,
      cacheDir: join(dir, 'cache'),
      tokenizer: 'gpt2',
      length: 1024,
    });
    const buildS = seconds(t0);
    const cacheBytes = statSync(corpus.cachePaths.train).size + statSync(corpus.cachePaths.valid!).size;
    const rssAfterBuild = peakRssMiB();

    const B = 32;
    const steps = 300;
    const rate = (order: 'random' | 'shuffle') => {
      const t = performance.now();
      let rows = 0;
      for (const b of batches(corpus.train, { batchSize: B, seed: 1, steps, order })) rows += b.length;
      return {
        batchesPerS: round(steps / seconds(t), 1),
        tokensPerS: Math.round((rows * 1024) / seconds(t)),
      };
    };
    const random = rate('random');
    const shuffle = rate('shuffle');
    t0 = performance.now();
    let evalRows = 0;
    for (const b of evalBatches(corpus.valid!, { batchSize: B })) evalRows += b.length;
    const evalS = seconds(t0);
    corpus.close();

    console.log(
      JSON.stringify({
        bench: '@md4/datasets',
        bundledCorpusMB: round(rawBytes / MB),
        text8: {
          cleanMBps: round(rawBytes / MB / cleanS),
          encodeMBps: round(cleanBytes / MB / text8S),
          tokens: text8Tokens,
        },
        gpt2: {
          encodeMBps: round(rawBytes / MB / gptColdS),
          tokens: gptTokens,
          note: 'first pass over the bundled corpus (cold BPE merge cache)',
        },
        cache100MB: {
          corpusMB: round(written / MB),
          copies,
          buildS: round(buildS),
          endToEndMBps: round(written / MB / buildS),
          note: 'jsonl read + GPT-2 encode + cache write; repeated text warms the BPE merge cache',
          trainTokens: corpus.train.numTokens,
          validTokens: corpus.valid!.numTokens,
          cacheMB: round(cacheBytes / MB),
          batchSize: B,
          length: 1024,
          random,
          shuffle,
          evalChunksPerS: Math.round(evalRows / evalS),
        },
        peakRssMiB: {
          beforeCorpus: Math.round(rssBefore),
          afterBuild: Math.round(rssAfterBuild),
          end: Math.round(peakRssMiB()),
          rssNow: Math.round(process.memoryUsage().rss / 1024 / 1024),
        },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
