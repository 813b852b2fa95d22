import type { MatMulPrecision } from '@md4/backend-native';
import { tokenizerFromId } from '@md4/datasets/node';
import type { ElboEstimate } from '@md4/elbo';
import { setupBackend } from '../backend-setup';
import { openCheckpoint, tokenizerIdOf } from '../checkpoint-access';
import { InputError, UsageError } from '../cli-errors';
import { openData } from '../data-source';
import { evaluateSplit } from '../evaluation';

export interface EvalOptions {
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
 * `md4 eval`: the ELBO of a checkpoint's EMA model on a data split: bits per token (char, dim),
 * perplexity, standard error and token count; several `--timesteps` give the discretisation table of
 * the paper's Table 7.
 */
export async function evalCommand(checkpointPath: string, opts: EvalOptions): Promise<void> {
  const timestepList = parseTimestepList(opts.timesteps);
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
    const rows: Array<{ timesteps: number | 'inf' } & ElboEstimate> = [];
    for (const timesteps of timestepList) {
      const estimate = await evaluateSplit(model, split, {
        schedule,
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
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ checkpoint: checkpointPath, split: opts.split, unit, results: rows })}\n`,
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
        `${String(r.timesteps).padStart(8)}  ${r.bitsPerToken.toFixed(4).padStart(10)}  ${r.stderr.toFixed(4).padStart(8)}  ` +
          `${r.perplexity.toFixed(3).padStart(10)}\n`,
      );
    }
  } finally {
    data.close();
    opened.dispose();
  }
}
