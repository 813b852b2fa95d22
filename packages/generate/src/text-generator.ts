import { createRng } from '@md4/core';
import { loadTokenizer, type TextTokenizer } from '@md4/datasets';
import type { LoadedModel } from '@md4/models';
import { type SampleMethod, type SampleOptions, type StepEvent, trimAtEos } from '@md4/samplers';
import { infillTokens } from './infill-template';
import { sampleInBatches } from './sample-chunks';

/** Reverse steps T when a call does not say (`md4 sample`'s default too). */
export const DEFAULT_STEPS = 256;

/** The character that marks a position to fill in an infill template when a call does not say. */
export const DEFAULT_MASK_CHAR = '_';

/** Sampler settings a call may pass through as they are (the method-specific ones among them). */
export type SamplerSettings = Omit<
  SampleOptions,
  'length' | 'batch' | 'prompt' | 'schedule' | 'rng' | 'onStep' | 'signal' | 'steps' | 'method' | 'eos'
>;

/** What `onStep` sees after each reverse step: the texts so far, masks shown as the tokenizer's placeholder. */
export interface GenerateProgress {
  /** 0-based index of the step just taken. */
  step: number;
  /** The steps of this call (per batch of texts: see `first`). */
  steps: number;
  /** Index of `texts[0]` among the call's texts (a large `count` is sampled a batch at a time). */
  first: number;
  /** The texts of this batch after the step. */
  texts: string[];
  /** True on the last step of the batch: every position is filled. */
  done: boolean;
}

/** Options of `TextGenerator#generate`: how many texts, how long, the sampler and its seed. */
export interface GenerateOptions {
  /** Texts to generate (default 1). */
  count?: number | undefined;
  /** Tokens per text: 1 .. the model's sequence length (the default). */
  length?: number | undefined;
  /** Reverse steps T (default DEFAULT_STEPS). */
  steps?: number | undefined;
  /** The sampler (default 'ancestral'; see `@md4/samplers`' SAMPLE_METHODS). */
  method?: SampleMethod | undefined;
  /** Seed of the draws: the same seed gives the same texts. Default: a new seed each call. */
  seed?: number | undefined;
  /** Cut each text at the model's end-of-text token (GPT-2 models only; default false). */
  stopAtEos?: boolean | undefined;
  /** Rejects the call with an AbortError when aborted (between steps). */
  signal?: AbortSignal | undefined;
  /** Called after every reverse step with the texts so far. */
  onStep?: ((progress: GenerateProgress) => void) | undefined;
  /** Any other sampler setting: temperature, topP, grid, transfer, remask, guidance, minLength, ... */
  sampler?: SamplerSettings | undefined;
}

/** Options of `TextGenerator#infill`: those of `generate`, and the character that marks a gap. */
export interface InfillOptions extends GenerateOptions {
  /** The character marking each token to fill in the template (default DEFAULT_MASK_CHAR). */
  maskChar?: string | undefined;
}

/** Text in, text out, on one model. Owns the model: `dispose()` frees it. */
export interface TextGenerator {
  /** The model's tokenizer (text8's characters, GPT-2's BPE). */
  readonly tokenizer: TextTokenizer;
  /** The longest text it generates, in tokens (the model's sequence length). */
  readonly maxLength: number;
  /** `count` new texts. */
  generate(opts?: GenerateOptions): Promise<string[]>;
  /**
   * `count` completions of `template`: each `maskChar` is a token to fill, the rest stays as it is;
   * a template shorter than `length` (default: the model's) is continued to that length.
   */
  infill(template: string, opts?: InfillOptions): Promise<string[]>;
  /** Frees the model (and a GenMD4 schedule's variable). */
  dispose(): void;
}

/**
 * A generator over an opened model (`loadModel` of `@md4/models` or `@md4/models/node`: our
 * checkpoints and MDLM-family folders), taking ownership of it. Rejects with a TypeError, having
 * freed the model, when it does not generate text (an image model, or a folder that names no
 * tokenizer). GPT-2's tokenizer is imported on first use.
 */
export async function textGenerator(model: LoadedModel): Promise<TextGenerator> {
  let tokenizer: TextTokenizer;
  try {
    tokenizer = await textTokenizerOf(model);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const maxLength = model.config.seqLen;
  const lengthOf = (opts: GenerateOptions) => {
    const length = opts.length ?? maxLength;
    if (!Number.isInteger(length) || length < 1 || length > maxLength) {
      throw new RangeError(`length must be an integer in 1..${maxLength} (the model's), got ${length}`);
    }
    return length;
  };
  const run = async (opts: GenerateOptions, length: number, prompt: Int32Array | null): Promise<string[]> => {
    const count = opts.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`count must be a positive integer, got ${count}`);
    if (opts.stopAtEos && !tokenizer.eosEndsText) {
      throw new RangeError(`stopAtEos: this model's tokenizer (${tokenizer.id}) has no end-of-text token`);
    }
    const eos = opts.stopAtEos ? tokenizer.eosId : undefined;
    const steps = opts.steps ?? DEFAULT_STEPS;
    // one seeded stream over every batch: the same seed gives the same texts whatever the batching
    const rng = createRng(opts.seed ?? randomSeed());
    const { onStep } = opts;
    const result = await sampleInBatches(model.denoiser, {
      ...opts.sampler,
      count,
      length,
      prompt: prompt ?? undefined,
      steps,
      schedule: model.schedule,
      method: opts.method ?? 'ancestral',
      ...(eos !== undefined ? { eos } : {}),
      rng,
      signal: opts.signal,
      ...(onStep
        ? {
            onStep: (e: StepEvent, first: number) =>
              onStep({
                step: e.step,
                steps,
                first,
                texts: e.tokens.map((tokens) => tokenizer.decode(tokens)),
                done: e.done,
              }),
          }
        : {}),
    });
    const tokens = eos !== undefined ? trimAtEos(result.tokens, eos) : result.tokens;
    return tokens.map((t) => tokenizer.decode(t));
  };
  return {
    tokenizer,
    maxLength,
    generate: async (opts = {}) => run(opts, lengthOf(opts), null),
    infill: async (template, opts = {}) => {
      const length = lengthOf(opts);
      return run(opts, length, infillTokens(template, tokenizer, length, opts.maskChar ?? DEFAULT_MASK_CHAR));
    },
    dispose: () => model.dispose(),
  };
}

async function textTokenizerOf(model: LoadedModel): Promise<TextTokenizer> {
  if (model.tokenizer == null) {
    throw new TypeError(
      `textGenerator: the model names no tokenizer (V = ${model.config.vocabSize}), so its tokens cannot be turned into text`,
    );
  }
  const tokenizer = await loadTokenizer(model.tokenizer);
  if (tokenizer.kind !== 'text') {
    throw new TypeError(
      `textGenerator: the model's tokenizer is ${tokenizer.id}, an image tokenizer; sample it with sample() of @md4/samplers`,
    );
  }
  return tokenizer;
}

/** A seed for a call that names none (crypto's, in Node and browsers). */
function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
