import type { Denoiser, NextTokenModel } from '@md4/core';
import {
  type AutoregressiveSampleOptions,
  type SampleOptions,
  type StepEvent,
  sampleAutoregressive,
  sampleWithStats,
} from '@md4/samplers';

/** Logits one network call may produce (count x L x V float32): 256 MiB. */
export const SAMPLE_LOGITS_BYTES = 2 ** 28;

/**
 * Splits `count` sequences into batches whose logits stay under SAMPLE_LOGITS_BYTES, so that 4096
 * short sequences, or 1,024-token GPT-2 sequences one at a time, never meet a 4 GiB heap.
 */
export function sampleChunks(count: number, length: number, vocabSize: number): number[] {
  const perCall = Math.max(1, Math.floor(SAMPLE_LOGITS_BYTES / (4 * length * vocabSize)));
  const chunks: number[] = [];
  for (let left = count; left > 0; left -= perCall) chunks.push(Math.min(perCall, left));
  return chunks;
}

/** What `sampleInBatches` takes: the sampler's options, with `count` sequences in place of a batch. */
export type BatchedSampleOptions = Omit<SampleOptions, 'batch' | 'prompt' | 'onStep'> & {
  /** Sequences to draw. */
  count: number;
  /** The tokens every sequence starts from (fixed tokens, MASK at free positions); none: all masked. */
  prompt?: ArrayLike<number> | undefined;
  /** Called after each step of each batch; `first` is the index of the batch's first sequence. */
  onStep?: ((event: StepEvent, first: number) => unknown) | undefined;
};

/**
 * `count` sequences from `denoiser`, sampled a batch at a time (`sampleChunks`, so each call's
 * logits stay under SAMPLE_LOGITS_BYTES) from one stream of `rng`: the same seed gives the same
 * sequences whatever the batching. Returns them with the network calls of every batch.
 */
export async function sampleInBatches(
  denoiser: Denoiser,
  opts: BatchedSampleOptions,
): Promise<{ tokens: Int32Array[]; networkCalls: number }> {
  const { count, prompt, onStep, ...rest } = opts;
  const tokens: Int32Array[] = [];
  let networkCalls = 0;
  for (const n of sampleChunks(count, opts.length, denoiser.vocabSize)) {
    const first = tokens.length;
    const result = await sampleWithStats(denoiser, {
      ...rest,
      ...(prompt ? { prompt: Array.from({ length: n }, () => Int32Array.from(prompt)) } : { batch: n }),
      ...(onStep ? { onStep: (event: StepEvent) => onStep(event, first) } : {}),
    });
    tokens.push(...result.tokens);
    networkCalls += result.networkCalls;
  }
  return { tokens, networkCalls };
}

/** What `sampleAutoregressiveInBatches` takes: `count` sequences in place of a batch. */
export type BatchedAutoregressiveOptions = Omit<AutoregressiveSampleOptions, 'batch' | 'prompt'> & {
  /** Sequences to draw. */
  count: number;
  /** The tokens every sequence starts from (a fixed prefix, MASK after it); none: all generated. */
  prompt?: ArrayLike<number> | undefined;
};

/**
 * `count` sequences from an autoregressive model, a batch at a time (`sampleChunks`) from one
 * stream of `rng`, as `sampleInBatches` does for masked diffusion. Returns them with the network
 * calls of every batch.
 */
export async function sampleAutoregressiveInBatches(
  model: NextTokenModel,
  opts: BatchedAutoregressiveOptions,
): Promise<{ tokens: Int32Array[]; networkCalls: number }> {
  const { count, prompt, ...rest } = opts;
  const tokens: Int32Array[] = [];
  let networkCalls = 0;
  for (const n of sampleChunks(count, opts.length, model.vocabSize)) {
    const result = await sampleAutoregressive(model, {
      ...rest,
      ...(prompt ? { prompt: Array.from({ length: n }, () => Int32Array.from(prompt)) } : { batch: n }),
    });
    tokens.push(...result.tokens);
    networkCalls += result.networkCalls;
  }
  return { tokens, networkCalls };
}
