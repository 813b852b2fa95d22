import type { MatMulPrecision } from '@md4/backend-native';
import type { SamplingPrecision } from '@md4/core';
import type { TokenDataset } from '@md4/datasets';
import { tokenizerFromId } from '@md4/datasets/node';
import type { ElboEstimate } from '@md4/elbo';
import { type LoadedModel, objectiveOf } from '@md4/models';
import type { SampleMethod } from '@md4/samplers';
import type { MaskingSchedule } from '@md4/schedules';
import { setupBackend } from '../backend-setup';
import { openCheckpoint, tokenizerIdOf } from '../checkpoint-access';
import { InputError, UsageError } from '../cli-errors';
import { openData } from '../data-source';
import { evaluateSplit } from '../evaluation';
import { scheduleFlag } from '../flag-parsers';
import { type GenerativeReport, generativeReport, printGenerativeReport } from '../generative-report';

export interface EvalOptions {
  /** --schedule: the ELBO under this scalar schedule instead of the checkpoint's. */
  schedule?: string;
  /** --gen-ppl: samples to draw and score under --judge. */
  genPpl?: number;
  judge?: string;
  sampleSteps: number;
  method: SampleMethod;
  grid: 'uniform' | 'cosine';
  topP: number;
  temperature: number;
  samplingPrecision: SamplingPrecision;
  split: 'train' | 'valid' | 'test';
  data?: string;
  batch: number;
  maxBatches?: number;
  timesteps: string;
  samples: number;
  seed: number;
  backend: string;
  precision: MatMulPrecision;
  json: boolean;
}

/** What to call a token when reporting bits per token. */
function unitOf(tokenizerId: string): string {
  if (tokenizerId === 'text8') return 'bits/char';
  if (tokenizerId.startsWith('pixels')) return 'bits/dim';
  return 'bits/token';
}

/** Parses `--timesteps 100,1000,inf` into finite T values and `undefined` for continuous time. */
export function parseTimestepList(spec: string): Array<number | undefined> {
  return spec.split(',').map((part) => {
    const p = part.trim().toLowerCase();
    if (p === 'inf' || p === 'continuous') return undefined;
    const T = Number(p);
    if (!Number.isInteger(T) || T < 1) {
      throw new UsageError(
        `--timesteps: "${part}" is not a positive integer or "inf" (e.g. --timesteps 100,1000,inf)`,
      );
    }
    return T;
  });
}

/**
 * `md4 eval`: the ELBO of a checkpoint's EMA model on a data split (an autoregressive model: its
 * exact likelihood): bits per token (char, dim), perplexity, standard error and token count;
 * several `--timesteps` give the discretisation table of the paper's Table 7. `--gen-ppl n` adds
 * the generative perplexity of n samples under `--judge`, with their entropy, beside held-out text.
 */
export async function evalCommand(checkpointPath: string, opts: EvalOptions): Promise<void> {
  const timestepList = parseTimestepList(opts.timesteps);
  if (opts.genPpl != null && opts.judge == null) {
    throw new UsageError(
      '--gen-ppl needs --judge <checkpoint>: an autoregressive checkpoint (md4 train --objective ar) that scores the samples',
    );
  }
  if (opts.judge != null && opts.genPpl == null)
    throw new UsageError('--judge applies to --gen-ppl <n>; add it');
  const { notice } = await setupBackend(opts.backend, opts.precision);
  if (notice && !opts.json) process.stderr.write(`${notice}\n`);
  const opened = await openCheckpoint(checkpointPath);
  const { denoiser: model, schedule, config } = opened;
  const dataSpec = opts.data ?? String(opened.checkpoint?.metadata.data ?? 'bundled');
  let data: Awaited<ReturnType<typeof openData>>;
  let tokenizerId: string;
  try {
    tokenizerId = tokenizerIdOf(opened, checkpointPath);
    const tokenizer = tokenizerFromId(tokenizerId);
    data = await openData(dataSpec, {
      length: config.seqLen,
      tokenizer: tokenizer.id === 'gpt2' ? 'gpt2' : 'text8',
    });
  } catch (error) {
    opened.dispose();
    throw error;
  }
  try {
    if (data.tokenizer.id !== tokenizerId || data.tokenizer.vocabSize !== model.vocabSize) {
      throw new InputError(
        `vocabulary mismatch: the checkpoint uses "${tokenizerId}" (V=${model.vocabSize}) but ${dataSpec} gives ` +
          `"${data.tokenizer.id}" (V=${data.tokenizer.vocabSize}); evaluate on data with the checkpoint's tokenizer`,
      );
    }
    const split = opts.split === 'test' ? data.test : opts.split === 'train' ? data.train : data.valid;
    if (split == null) throw new UsageError(`--split test: ${data.description} has no test split`);
    const autoregressive = objectiveOf(model, schedule) === 'ar';
    if (autoregressive && timestepList.some((T) => T != null)) {
      throw new UsageError(
        `--timesteps: ${checkpointPath} is autoregressive; its likelihood is exact, with no discretisation to choose (drop --timesteps)`,
      );
    }
    const elboSchedule = opts.schedule != null ? scheduleOverride(opts.schedule, autoregressive) : schedule;
    const rows: Array<{ timesteps: number | 'inf' } & ElboEstimate> = [];
    for (const timesteps of timestepList) {
      const estimate = await evaluateSplit(model, split, {
        schedule: elboSchedule,
        batchSize: opts.batch,
        ...(opts.maxBatches != null ? { maxBatches: opts.maxBatches } : {}),
        ...(timesteps != null ? { timesteps } : {}),
        samples: opts.samples,
        seed: opts.seed,
      });
      if (!Number.isFinite(estimate.bitsPerToken)) {
        throw new InputError(
          `${checkpointPath}: the model's ELBO is ${estimate.bitsPerToken} (not finite): its weights hold NaN or ` +
            'infinite values, or it predicts probability 0 for data tokens; evaluate an earlier checkpoint',
        );
      }
      rows.push({ timesteps: timesteps ?? 'inf', ...estimate });
    }
    const unit = unitOf(tokenizerId);
    const generative =
      opts.genPpl != null
        ? await withJudge(opts.judge!, (judge) => generativeFor(opened, judge, split, opts))
        : null;
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({
          checkpoint: checkpointPath,
          split: opts.split,
          unit,
          objective: autoregressive ? 'ar' : 'diffusion',
          results: rows,
          ...(generative ? { generative } : {}),
        })}\n`,
      );
      return;
    }
    process.stdout.write(
      `${data.description}, ${opts.split} split, ${rows[0]!.tokens.toLocaleString()} tokens\n`,
    );
    process.stdout.write(
      `${'T'.padStart(8)}  ${unit.padStart(10)}  ${'stderr'.padStart(8)}  ${'perplexity'.padStart(10)}\n`,
    );
    for (const r of rows) {
      process.stdout.write(
        `${(autoregressive ? 'exact' : String(r.timesteps)).padStart(8)}  ${r.bitsPerToken.toFixed(4).padStart(10)}  ` +
          `${r.stderr.toFixed(4).padStart(8)}  ${r.perplexity.toFixed(3).padStart(10)}\n`,
      );
    }
    if (generative) printGenerativeReport(generative, (line) => process.stdout.write(`${line}\n`));
  } finally {
    data.close();
    opened.dispose();
  }
}

/**
 * The scalar schedule of `--schedule` (the ELBO is a bound on the likelihood under any schedule;
 * for a network that ignores t it is the same bound whatever the schedule).
 */
function scheduleOverride(spec: string, autoregressive: boolean): MaskingSchedule {
  if (autoregressive) throw new UsageError('--schedule: an autoregressive model has no masking schedule');
  return scheduleFlag('--schedule', spec);
}

/** Runs `use` with the judge checkpoint open (an autoregressive text model, or an InputError). */
async function withJudge<T>(path: string, use: (judge: LoadedModel) => Promise<T>): Promise<T> {
  const judge = await openCheckpoint(path);
  try {
    if (objectiveOf(judge.denoiser, judge.schedule) !== 'ar') {
      throw new InputError(
        `--judge ${path} is a masked diffusion model; the judge must be autoregressive (train one with md4 train --objective ar)`,
      );
    }
    return await use(judge);
  } finally {
    judge.dispose();
  }
}

/** The --gen-ppl report of the evaluated model under the judge, with the sampler settings given. */
async function generativeFor(
  opened: LoadedModel,
  judge: LoadedModel,
  split: TokenDataset,
  opts: EvalOptions,
): Promise<GenerativeReport> {
  const modelTokenizer = tokenizerFromId(tokenizerIdOf(opened, 'the evaluated model'));
  const judgeTokenizer = tokenizerFromId(tokenizerIdOf(judge, opts.judge!));
  if (modelTokenizer.kind !== 'text' || judgeTokenizer.kind !== 'text') {
    throw new UsageError('--gen-ppl scores text: both the model and the judge must be text models');
  }
  return generativeReport({
    model: opened.denoiser,
    schedule: opened.schedule,
    reading: { judge: judge.denoiser, modelTokenizer, judgeTokenizer, batchSize: opts.batch },
    judgePath: opts.judge!,
    heldOut: split,
    count: opts.genPpl!,
    sampler: {
      steps: opts.sampleSteps,
      method: opts.method,
      grid: opts.grid,
      topP: opts.topP,
      temperature: opts.temperature,
      samplingPrecision: opts.samplingPrecision,
      seed: opts.seed,
    },
  });
}
