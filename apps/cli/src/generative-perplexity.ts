import type { NextTokenModel } from '@md4/core';
import type { TextTokenizer, TokenDataset } from '@md4/datasets';
import { estimateAutoregressiveNll, meanUnigramEntropy } from '@md4/elbo';

/** One row of the generative perplexity table: samples of a model, or held-out text. */
export interface GenerativeRow {
  /** 'model': the evaluated model's samples; 'held-out': real text of the same length (the reference). */
  source: 'model' | 'held-out';
  /** Model rows: how the token values were drawn; null for held-out text. */
  samplingPrecision: 'float64' | 'float32' | null;
  /** Model rows: network calls per sample (each call covers one batch's sequences) and sampling speed. */
  networkCallsPerSample: number | null;
  tokensPerSecond: number | null;
  /** Sequences scored. */
  sequences: number;
  /** Tokens per sequence (the evaluated model's tokenizer). */
  length: number;
  /** exp of the judge's mean negative log-likelihood per judge token. */
  perplexity: number;
  /** The same in bits per judge token, with its standard error over sequences. */
  bitsPerToken: number;
  stderr: number;
  /** Mean over sequences of the unigram entropy of each (nats; see `unigramEntropy`). */
  entropy: number;
}

/** How the judge reads the evaluated model's tokens. */
export interface JudgeReading {
  /** The judge (an autoregressive model). */
  judge: NextTokenModel;
  /** The evaluated model's tokenizer and the judge's. */
  modelTokenizer: TextTokenizer;
  judgeTokenizer: TextTokenizer;
  /** Sequences per judge call where they share a length. */
  batchSize: number;
}

/** Whether the judge reads other tokens than the model writes (the text is decoded and encoded again). */
export function retokenizes(reading: JudgeReading): boolean {
  return reading.modelTokenizer.id !== reading.judgeTokenizer.id;
}

/**
 * The judge's sequences for the model's: the same tokens when both use one tokenizer, else the
 * decoded text encoded with the judge's tokenizer; either way cut into windows of at most the
 * judge's maxLength (each window is scored from its own start).
 */
export function judgeSequences(reading: JudgeReading, sequences: Int32Array[]): Int32Array[] {
  const windows: Int32Array[] = [];
  const width = reading.judge.maxLength;
  for (const tokens of sequences) {
    const read = retokenizes(reading)
      ? reading.judgeTokenizer.encode(reading.modelTokenizer.decode(tokens))
      : tokens;
    for (let start = 0; start < read.length; start += width)
      windows.push(read.subarray(start, start + width));
  }
  return windows;
}

/**
 * Generative perplexity of `sequences` under the judge with the mean unigram entropy beside it:
 * the judge's exact negative log-likelihood summed over every token it reads, divided by their
 * number (so perplexity = exp(total nats / tokens), token-weighted as MDLM reports it).
 */
export async function generativeRow(
  reading: JudgeReading,
  sequences: Int32Array[],
  drawn: Pick<GenerativeRow, 'source' | 'samplingPrecision' | 'networkCallsPerSample' | 'tokensPerSecond'>,
): Promise<GenerativeRow> {
  const windows = judgeSequences(reading, sequences).filter((w) => w.length > 0);
  const estimate = await estimateAutoregressiveNll(
    reading.judge,
    batchesByLength(windows, reading.batchSize),
  );
  return {
    ...drawn,
    sequences: sequences.length,
    length: sequences[0]!.length,
    perplexity: 2 ** estimate.bitsPerToken,
    bitsPerToken: estimate.bitsPerToken,
    stderr: estimate.stderr,
    entropy: meanUnigramEntropy(sequences),
  };
}

/** Batches of at most `size` sequences, each batch of one length. */
function batchesByLength(sequences: Int32Array[], size: number): Int32Array[][] {
  const byLength = new Map<number, Int32Array[]>();
  for (const s of sequences) byLength.set(s.length, [...(byLength.get(s.length) ?? []), s]);
  const out: Int32Array[][] = [];
  for (const group of byLength.values()) {
    for (let i = 0; i < group.length; i += size) out.push(group.slice(i, i + size));
  }
  return out;
}

/** `count` chunks of a split spread evenly over it (the held-out reference of the same length). */
export function heldOutSequences(split: TokenDataset, count: number): Int32Array[] {
  const n = Math.min(count, split.size);
  return Array.from({ length: n }, (_, i) => split.chunk(Math.floor((i * split.size) / n)));
}
