import type { MatMulPrecision } from '@md4/backend-native';
import { createRng } from '@md4/core';
import { writeFileAtomic } from '@md4/core/node';
import { tokenizerFromId } from '@md4/datasets';
import { renderImageGrid } from '@md4/datasets/node';
import { SAMPLE_METHODS, type SampleMethod, sampleWithStats } from '@md4/samplers';
import { setupBackend } from '../backend-setup';
import { openCheckpoint, tokenizerIdOf } from '../checkpoint-access';
import { InputError, UsageError } from '../cli-errors';
import { promptTokens } from '../prompt-tokens';
import { UnmaskingView } from '../unmasking-view';

export interface SampleCommandOptions {
  count: number;
  length?: number;
  steps: number;
  method: SampleMethod;
  grid: 'uniform' | 'cosine';
  topP: number;
  temperature: number;
  seed: number;
  prompt?: string;
  maskChar: string;
  watch: boolean;
  out?: string;
  backend: string;
  precision: MatMulPrecision;
  json: boolean;
}

/** Logits one network call may produce (count x L x V float32): 256 MiB. */
export const SAMPLE_LOGITS_BYTES = 2 ** 28;

/**
 * Splits `count` sequences into batches whose logits stay under SAMPLE_LOGITS_BYTES, so that
 * `--count 4096` (or one 1,024-token GPT-2 sequence at a time) never meets the 4 GiB heap.
 */
export function sampleChunks(count: number, length: number, vocabSize: number): number[] {
  const perCall = Math.max(1, Math.floor(SAMPLE_LOGITS_BYTES / (4 * length * vocabSize)));
  const chunks: number[] = [];
  for (let left = count; left > 0; left -= perCall) chunks.push(Math.min(perCall, left));
  return chunks;
}

/**
 * `md4 sample`: draws sequences from a checkpoint's EMA model with any sampler; text goes to stdout
 * (or JSON), images to a PNG grid; `--prompt` infills around fixed text; `--watch` shows unmasking.
 */
export async function sampleCommand(checkpointPath: string, opts: SampleCommandOptions): Promise<void> {
  if (!SAMPLE_METHODS.includes(opts.method)) {
    throw new UsageError(`--method must be one of ${SAMPLE_METHODS.join(', ')}, got "${opts.method}"`);
  }
  if (!Number.isInteger(opts.count) || opts.count < 1) {
    throw new UsageError(`--count must be a positive integer, got ${opts.count}`);
  }
  if (opts.grid !== 'uniform' && opts.grid !== 'cosine') {
    throw new UsageError(`--grid must be uniform or cosine, got "${opts.grid}"`);
  }
  const { notice } = await setupBackend(opts.backend, opts.precision);
  if (notice && !opts.json) process.stderr.write(`${notice}\n`);
  const opened = await openCheckpoint(checkpointPath);
  try {
    const { denoiser: model, schedule, config } = opened;
    const tokenizer = tokenizerFromId(tokenizerIdOf(opened, checkpointPath));
    const length = opts.length ?? config.seqLen;
    if (tokenizer.kind === 'image' ? length !== config.seqLen : !(length >= 1 && length <= config.seqLen)) {
      throw new UsageError(
        `--length ${length}: this model generates sequences of ${tokenizer.kind === 'image' ? '' : '1..'}${config.seqLen} tokens`,
      );
    }
    let prompt: Int32Array[] | undefined;
    if (opts.prompt != null) {
      if (tokenizer.kind !== 'text') throw new UsageError('--prompt needs a text model');
      const tokens = promptTokens(opts.prompt, tokenizer, length, opts.maskChar);
      prompt = Array.from({ length: opts.count }, () => tokens.slice());
    }
    const view = opts.watch && tokenizer.kind === 'text' ? new UnmaskingView(tokenizer) : null;
    // one seeded stream over all chunks: the same --seed gives the same samples whatever the chunking
    const rng = createRng(opts.seed);
    const samples: Int32Array[] = [];
    let networkCalls = 0;
    let start = 0;
    for (const n of sampleChunks(opts.count, length, model.vocabSize)) {
      const result = await sampleWithStats(model, {
        length,
        ...(prompt ? { prompt: prompt.slice(start, start + n) } : { batch: n }),
        steps: opts.steps,
        schedule,
        grid: opts.grid,
        method: opts.method,
        topP: opts.topP,
        temperature: opts.temperature,
        rng,
        ...(view ? { onStep: (e) => view.render(e) } : {}),
      });
      samples.push(...result.tokens);
      networkCalls += result.networkCalls;
      start += n;
    }
    if (tokenizer.kind === 'image') {
      const out = opts.out ?? 'samples.png';
      if (!out.endsWith('.png'))
        throw new UsageError(`--out ${out}: image samples are written as a .png file`);
      await writeFileAtomic(out, renderImageGrid(samples, tokenizer, { scale: 2 })).catch((error: Error) => {
        throw new InputError(`cannot write ${out}: ${error.message}`);
      });
      process.stdout.write(
        opts.json ? `${JSON.stringify({ png: out, count: samples.length })}\n` : `wrote ${out}\n`,
      );
      return;
    }
    const texts = samples.map((tokens) => tokenizer.decode(tokens));
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ samples: texts, tokens: samples.map((s) => Array.from(s)), networkCalls })}\n`,
      );
    } else {
      for (const text of texts) process.stdout.write(`${text}\n\n`);
    }
  } finally {
    opened.dispose();
  }
}
