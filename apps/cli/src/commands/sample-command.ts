import type { MatMulPrecision } from '@md4/backend-native';
import { createRng, type SamplingPrecision } from '@md4/core';
import { writeFileAtomic } from '@md4/core/node';
import type { TextTokenizer } from '@md4/datasets';
import { renderImageGrid, tokenizerFromId } from '@md4/datasets/node';
import { infillTokens } from '@md4/generate';
import { objectiveOf } from '@md4/models';
import type { RemaskStrategy, SampleMethod, SampleOptions, TransferCount, TransferRank } from '@md4/samplers';
import { SAMPLE_METHODS, trimAtEos } from '@md4/samplers';
import { setupBackend } from '../backend-setup';
import { openCheckpoint, tokenizerIdOf } from '../checkpoint-access';
import { InputError, UsageError } from '../cli-errors';
import { drawSamples } from '../model-samples';
import { UnmaskingView } from '../unmasking-view';

export interface SampleCommandOptions {
  count: number;
  length?: number;
  steps: number;
  method: SampleMethod;
  transfer?: TransferCount;
  rank?: TransferRank;
  threshold?: number;
  confidenceNoise?: number;
  remask?: RemaskStrategy;
  eta?: number;
  tOn?: number;
  tOff?: number;
  alphaOn?: number;
  guidance?: number;
  eos: boolean;
  minLength?: number;
  grid: 'uniform' | 'cosine';
  topP: number;
  temperature: number;
  samplingPrecision: SamplingPrecision;
  seed: number;
  prompt?: string;
  maskChar: string;
  watch: boolean;
  out?: string;
  backend: string;
  precision: MatMulPrecision;
  json: boolean;
}

/** The method-specific flags, each with the method it applies to (and its name on the command line). */
const METHOD_FLAGS = {
  transfer: ['confidence', '--transfer'],
  rank: ['confidence', '--rank'],
  threshold: ['confidence', '--threshold'],
  confidenceNoise: ['confidence', '--confidence-noise'],
  remask: ['remdm', '--remask'],
  eta: ['remdm', '--eta'],
  tOn: ['remdm', '--t-on'],
  tOff: ['remdm', '--t-off'],
  alphaOn: ['remdm', '--alpha-on'],
} as const satisfies Partial<Record<keyof SampleCommandOptions, readonly [SampleMethod, string]>>;

/**
 * The sampler options that the method flags come to: a flag given for another method is a usage
 * error naming the method it needs; the library checks the values.
 */
export function methodOptions(opts: SampleCommandOptions): Partial<SampleOptions> {
  for (const [key, [method, flag]] of Object.entries(METHOD_FLAGS)) {
    if (opts[key as keyof typeof METHOD_FLAGS] !== undefined && opts.method !== method) {
      throw new UsageError(`${flag} applies to --method ${method}; drop it or add --method ${method}`);
    }
  }
  if (opts.threshold !== undefined && opts.transfer !== 'threshold') {
    throw new UsageError('--threshold needs --transfer threshold');
  }
  const strategy = opts.remask ?? 'cap';
  if (opts.eta !== undefined && strategy === 'conf') {
    throw new UsageError('--eta does not apply to --remask conf (its sigma comes from the confidences)');
  }
  for (const [value, flag] of [
    [opts.tOn, '--t-on'],
    [opts.tOff, '--t-off'],
    [opts.alphaOn, '--alpha-on'],
  ] as const) {
    if (value !== undefined && strategy !== 'loop') throw new UsageError(`${flag} applies to --remask loop`);
  }
  if (opts.method === 'confidence') {
    return {
      ...(opts.transfer !== undefined ? { transfer: opts.transfer } : {}),
      ...(opts.rank !== undefined ? { rank: opts.rank } : {}),
      ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
      ...(opts.confidenceNoise !== undefined ? { confidenceNoise: opts.confidenceNoise } : {}),
    };
  }
  if (opts.method !== 'remdm') return {};
  switch (strategy) {
    case 'conf':
      return { remask: { strategy } };
    case 'cap':
    case 'rescale':
      return { remask: { strategy, eta: opts.eta } };
    case 'loop':
      return { remask: { strategy, eta: opts.eta, tOn: opts.tOn, tOff: opts.tOff, alphaOn: opts.alphaOn } };
    default: {
      const unknown: never = strategy;
      throw new UsageError(`--remask must be one of cap, rescale, conf, loop, got "${unknown}"`);
    }
  }
}

/** The sampler's option names as flags, longest first, for its errors (the library checks the values). */
const OPTION_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['remask.alphaOn', '--alpha-on'],
  ['remask.tOff', '--t-off'],
  ['remask.tOn', '--t-on'],
  ['remask.eta', '--eta'],
  ['confidenceNoise', '--confidence-noise'],
  ['temperature', '--temperature'],
  ['threshold', '--threshold'],
  ['minLength', '--min-length'],
  ['guidance', '--guidance'],
  ['topP', '--top-p'],
  ['steps', '--steps'],
];

/** A sampler RangeError about an option becomes a UsageError naming the flag; others pass through. */
function asFlagError(error: unknown): unknown {
  if (!(error instanceof RangeError)) return error;
  // an autoregressive model's prompt must be a prefix (every sequence gets the same --prompt)
  const prompt = /^prompt\[\d+\]: /.exec(error.message);
  if (prompt) return new UsageError(`--prompt: ${error.message.slice(prompt[0].length)}`);
  for (const [option, flag] of OPTION_FLAGS) {
    if (error.message.startsWith(`${option} `))
      return new UsageError(`${flag}${error.message.slice(option.length)}`);
  }
  return error;
}

/** The tokens of --prompt (`infillTokens`), its RangeErrors as UsageErrors naming the flags. */
function promptTokens(
  prompt: string,
  tokenizer: TextTokenizer,
  length: number,
  maskChar: string,
): Int32Array {
  try {
    return infillTokens(prompt, tokenizer, length, maskChar);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(
      error.message
        .replace(/^maskChar/, '--mask-char')
        .replace(/^template/, '--prompt')
        .replace(/length (\d+)$/, '--length $1'),
    );
  }
}

/**
 * `md4 sample`: draws sequences from a checkpoint's EMA model with any sampler (an autoregressive
 * checkpoint: left to right); text goes to stdout (or JSON), images to a PNG grid; `--prompt`
 * infills around fixed text (an autoregressive model continues a prefix); `--watch` shows unmasking.
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
  const methodSettings = methodOptions(opts);
  if (opts.guidance !== undefined && opts.prompt == null) {
    throw new UsageError(
      '--guidance needs --prompt: it contrasts the prompted prediction with the prompt masked',
    );
  }
  if (opts.minLength !== undefined && !opts.eos) throw new UsageError('--min-length needs --eos');
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
    if (opts.eos && !(tokenizer.kind === 'text' && tokenizer.eosEndsText)) {
      throw new UsageError(
        `--eos: this model's tokenizer (${tokenizer.id}) has no end-of-text token; drop --eos and --min-length`,
      );
    }
    const eos = opts.eos && tokenizer.kind === 'text' ? tokenizer.eosId : undefined;
    let prompt: Int32Array | undefined;
    if (opts.prompt != null) {
      if (tokenizer.kind !== 'text') throw new UsageError('--prompt needs a text model');
      prompt = promptTokens(opts.prompt, tokenizer, length, opts.maskChar);
    }
    if (objectiveOf(model, schedule) === 'ar') {
      const masked = [
        [opts.method !== 'ancestral', `--method ${opts.method}`],
        [opts.watch, '--watch'],
        [opts.guidance !== undefined, '--guidance'],
      ] as const;
      for (const [given, flag] of masked) {
        if (given) {
          throw new UsageError(
            `${flag} applies to masked diffusion models; ${checkpointPath} is autoregressive (it draws left to right)`,
          );
        }
      }
    }
    const view = opts.watch && tokenizer.kind === 'text' ? new UnmaskingView(tokenizer) : null;
    // one seeded stream over all batches: the same --seed gives the same samples whatever the batching
    const { tokens: samples, networkCalls } = await drawSamples(model, {
      ...methodSettings,
      count: opts.count,
      length,
      prompt,
      steps: opts.steps,
      schedule,
      grid: opts.grid,
      method: opts.method,
      topP: opts.topP,
      temperature: opts.temperature,
      samplingPrecision: opts.samplingPrecision,
      ...(opts.guidance !== undefined ? { guidance: opts.guidance } : {}),
      ...(eos !== undefined
        ? { eos, ...(opts.minLength !== undefined ? { minLength: opts.minLength } : {}) }
        : {}),
      rng: createRng(opts.seed),
      ...(view ? { onStep: (e) => view.render(e) } : {}),
    }).catch((error: unknown) => {
      throw asFlagError(error);
    });
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
    const kept = eos !== undefined ? trimAtEos(samples, eos) : samples;
    const texts = kept.map((tokens) => tokenizer.decode(tokens));
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ samples: texts, tokens: kept.map((s) => Array.from(s)), networkCalls })}\n`,
      );
    } else {
      for (const text of texts) process.stdout.write(`${text}\n\n`);
    }
  } finally {
    opened.dispose();
  }
}
