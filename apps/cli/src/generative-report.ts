import { createRng, type SamplingPrecision } from '@md4/core';
import type { TokenDataset } from '@md4/datasets';
import { sampleChunks } from '@md4/generate';
import { type Network, objectiveOf } from '@md4/models';
import type { SampleMethod } from '@md4/samplers';
import type { Schedule } from '@md4/schedules';
import {
  type GenerativeRow,
  generativeRow,
  heldOutSequences,
  type JudgeReading,
  retokenizes,
} from './generative-perplexity';
import { drawSamples } from './model-samples';

/** The sampler settings of `md4 eval --gen-ppl` (an autoregressive model uses temperature and topP only). */
export interface GenerativeSampler {
  steps: number;
  method: SampleMethod;
  grid: 'uniform' | 'cosine';
  topP: number;
  temperature: number;
  /** float32: the model is sampled both ways, float64 first (what float64 draws protect against). */
  samplingPrecision: SamplingPrecision;
  seed: number;
}

/** What `md4 eval --gen-ppl` reports (plain JSON). */
export interface GenerativeReport {
  judge: string;
  /** The judge's tokenizer, and whether the samples were decoded and encoded again for it. */
  judgeTokenizer: string;
  retokenized: boolean;
  /** How the samples were drawn: the sampler ('autoregressive' for an AR model) and its settings. */
  sampler: GenerativeSampler & { kind: 'autoregressive' | SampleMethod };
  /** The samples' rows (float64 draws, then float32 when asked), then held-out text of the same length. */
  rows: GenerativeRow[];
}

/**
 * Draws `count` samples of the model's length with the sampler settings (float64 draws, and with
 * `samplingPrecision` float32 again with float32 draws from the same seed), times them, and scores
 * them and as many held-out chunks under the judge (generative perplexity and unigram entropy).
 */
export async function generativeReport(opts: {
  model: Network;
  schedule: Schedule;
  reading: JudgeReading;
  judgePath: string;
  heldOut: TokenDataset;
  count: number;
  sampler: GenerativeSampler;
}): Promise<GenerativeReport> {
  const { model, schedule, reading, sampler, count } = opts;
  const length = model.config.seqLen;
  const batches = sampleChunks(count, length, model.vocabSize).length;
  const precisions: SamplingPrecision[] =
    sampler.samplingPrecision === 'float32' ? ['float64', 'float32'] : ['float64'];
  const rows: GenerativeRow[] = [];
  for (const samplingPrecision of precisions) {
    const started = performance.now();
    const { tokens, networkCalls } = await drawSamples(model, {
      count,
      length,
      steps: sampler.steps,
      schedule,
      grid: sampler.grid,
      method: sampler.method,
      topP: sampler.topP,
      temperature: sampler.temperature,
      samplingPrecision,
      rng: createRng(sampler.seed),
    });
    const seconds = (performance.now() - started) / 1000;
    rows.push(
      await generativeRow(reading, tokens, {
        source: 'model',
        samplingPrecision,
        networkCallsPerSample: networkCalls / batches,
        tokensPerSecond: (count * length) / seconds,
      }),
    );
  }
  rows.push(
    await generativeRow(reading, heldOutSequences(opts.heldOut, count), {
      source: 'held-out',
      samplingPrecision: null,
      networkCallsPerSample: null,
      tokensPerSecond: null,
    }),
  );
  const autoregressive = objectiveOf(model, schedule) === 'ar';
  return {
    judge: opts.judgePath,
    judgeTokenizer: reading.judgeTokenizer.id,
    retokenized: retokenizes(reading),
    sampler: { ...sampler, kind: autoregressive ? 'autoregressive' : sampler.method },
    rows,
  };
}

/** The report as a table, one line at a time. */
export function printGenerativeReport(report: GenerativeReport, print: (line: string) => void): void {
  const s = report.sampler;
  const how =
    s.kind === 'autoregressive'
      ? `autoregressive, temperature ${s.temperature}, top-p ${s.topP}`
      : `${s.kind}, ${s.steps} steps, ${s.grid} grid, temperature ${s.temperature}, top-p ${s.topP}`;
  print('');
  print(
    `generative perplexity under ${report.judge} (${report.judgeTokenizer}${report.retokenized ? ', the samples retokenized for it' : ''}); ` +
      `samples: ${how}, seed ${s.seed}`,
  );
  print(
    `${'source'.padEnd(16)}  ${'samples'.padStart(7)}  ${'length'.padStart(6)}  ${'gen-ppl'.padStart(9)}  ` +
      `${'bits/token'.padStart(10)}  ${'entropy'.padStart(7)}  ${'NFE'.padStart(6)}  ${'tokens/s'.padStart(9)}`,
  );
  for (const row of report.rows) {
    const source = row.samplingPrecision != null ? `model, ${row.samplingPrecision}` : row.source;
    print(
      `${source.padEnd(16)}  ${String(row.sequences).padStart(7)}  ${String(row.length).padStart(6)}  ` +
        `${row.perplexity.toFixed(3).padStart(9)}  ${row.bitsPerToken.toFixed(4).padStart(10)}  ` +
        `${row.entropy.toFixed(3).padStart(7)}  ${(row.networkCallsPerSample?.toFixed(1) ?? '-').padStart(6)}  ` +
        `${(row.tokensPerSecond?.toFixed(0) ?? '-').padStart(9)}`,
    );
  }
  print('(entropy: mean unigram entropy of a sequence in nats; NFE: network calls per sample)');
}
