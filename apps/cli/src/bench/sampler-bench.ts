// Sampler quality at equal network calls (issue 16), on a trained text8 checkpoint: every method
// draws the same number of sequences with the same seed, budget T calls per sequence, and is scored
// on its words: the share of complete words that occur in the bundled training corpus (a misspelt
// or invented word does not) and the share of distinct words (repetition lowers it). One JSON line
// per method, with its network calls per sequence (NFE) and the start of its first sample.
//   node dist/sampler-bench.js <checkpoint> [--count N] [--steps T] [--seed S] [--backend NAME]
import { createRng } from '@md4/core';
import { cleanText8, type TextTokenizer } from '@md4/datasets';
import { bundledDocuments, tokenizerFromId } from '@md4/datasets/node';
import type { SampleOptions } from '@md4/samplers';
import { sampleWithStats } from '@md4/samplers';
import { setupBackend } from '../backend-setup';
import { openCheckpoint, tokenizerIdOf } from '../checkpoint-access';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The methods compared, each with its settings (T comes from --steps). */
const RUNS: ReadonlyArray<{ name: string; options: Partial<SampleOptions> }> = [
  { name: 'ancestral', options: { method: 'ancestral' } },
  { name: 'mean', options: { method: 'mean' } },
  { name: 'first-hitting (L calls)', options: { method: 'first-hitting' } },
  { name: 'confidence schedule/probability', options: { method: 'confidence' } },
  {
    name: 'confidence schedule/probability + noise 1',
    options: { method: 'confidence', confidenceNoise: 1 },
  },
  { name: 'confidence even/margin', options: { method: 'confidence', transfer: 'even', rank: 'margin' } },
  { name: 'confidence even/entropy', options: { method: 'confidence', transfer: 'even', rank: 'entropy' } },
  {
    name: 'confidence threshold 0.9',
    options: { method: 'confidence', transfer: 'threshold', threshold: 0.9 },
  },
  { name: 'remdm cap 0.02', options: { method: 'remdm', remask: { strategy: 'cap', eta: 0.02 } } },
  { name: 'remdm rescale 0.5', options: { method: 'remdm', remask: { strategy: 'rescale', eta: 0.5 } } },
  { name: 'remdm conf', options: { method: 'remdm', remask: { strategy: 'conf' } } },
  { name: 'remdm loop', options: { method: 'remdm', remask: { strategy: 'loop' } } },
];

/** The complete words of each text (its first and last word may be cut) and their scores. */
export function wordScores(texts: readonly string[], vocabulary: ReadonlySet<string>) {
  let words = 0;
  let known = 0;
  const distinct = new Set<string>();
  for (const text of texts) {
    const inner = text
      .split(' ')
      .slice(1, -1)
      .filter((w) => w.length > 0);
    for (const word of inner) {
      words++;
      if (vocabulary.has(word)) known++;
      distinct.add(word);
    }
  }
  return {
    words,
    knownWordShare: known / Math.max(words, 1),
    distinctWordShare: distinct.size / Math.max(words, 1),
  };
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path || path.startsWith('--'))
    throw new Error('usage: sampler-bench <checkpoint> [--count N] [--steps T]');
  const count = flag('--count', 64);
  const steps = flag('--steps', 64);
  const seed = flag('--seed', 0);
  const backendFlag = process.argv.indexOf('--backend');
  const { backend } = await setupBackend(backendFlag >= 0 ? process.argv[backendFlag + 1]! : 'auto');
  const opened = await openCheckpoint(path);
  try {
    const tokenizer = tokenizerFromId(tokenizerIdOf(opened, path)) as TextTokenizer;
    if (tokenizer.id !== 'text8')
      throw new Error(`sampler-bench scores text8 words; this model uses ${tokenizer.id}`);
    const vocabulary = new Set<string>();
    for (const address of bundledDocuments('train'))
      for (const w of cleanText8(address.text).split(' ')) vocabulary.add(w);
    const length = opened.config.seqLen;
    for (const run of RUNS) {
      const start = performance.now();
      const result = await sampleWithStats(opened.denoiser, {
        length,
        batch: count,
        steps,
        schedule: opened.schedule,
        rng: createRng(seed),
        ...run.options,
      } as SampleOptions);
      const texts = result.tokens.map((x) => tokenizer.decode(x));
      process.stdout.write(
        `${JSON.stringify({
          method: run.name,
          backend,
          steps,
          count,
          length,
          nfePerSequence: result.sequencesEvaluated / count,
          networkCalls: result.networkCalls,
          ...wordScores(texts, vocabulary),
          seconds: (performance.now() - start) / 1000,
          sample: texts[0]!.slice(0, 96),
        })}\n`,
      );
    }
  } finally {
    opened.dispose();
  }
}

await main();
