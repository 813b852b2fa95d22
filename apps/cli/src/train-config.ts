import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MATMUL_PRECISIONS } from '@md4/backend-native';
import { ARCHITECTURES } from '@md4/models';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BACKEND_HELP } from './backend-names';
import { InputError, UsageError } from './cli-errors';

/**
 * What `md4 train --objective` trains: the masked diffusion ELBO (MD4, or GenMD4 with
 * `--schedule genmd4`), or an autoregressive baseline ('ar': the same transformer with causal
 * attention, trained on the exact next-token likelihood).
 */
export const TRAINING_OBJECTIVES = ['diffusion', 'ar'] as const;

/** How a config key reads as a flag of `md4 train`: its help line and the name of its value. */
export interface TrainFlagHelp {
  /** The help line (the default is appended from the schema). */
  help: string;
  /** The value's name in the help, e.g. `<n>`; booleans take none. */
  value?: string;
  /** Booleans: the help line of the `--no-` form. */
  negatedHelp?: string;
}

/** The help of each key of `trainConfigSchema`, registered on its schema. */
export const trainFlagHelp = z.registry<TrainFlagHelp>();

/**
 * Everything `md4 train` can be told. A config file (JSON or YAML) holds these keys; each key has a
 * flag of the same name in kebab-case (`weightDecay` <-> `--weight-decay`), derived from this schema
 * with its registered help (train-flags.ts), and flags win.
 */
export const trainConfigSchema = z
  .object({
    arch: z
      .enum(ARCHITECTURES)
      .default('md4')
      .register(trainFlagHelp, { value: '<name>', help: "network: md4 (transformer) or ddit (MDLM's DDiT)" }),
    objective: z.enum(TRAINING_OBJECTIVES).default('diffusion').register(trainFlagHelp, {
      value: '<name>',
      help: 'diffusion (the masked diffusion ELBO: MD4, or GenMD4 with --schedule genmd4) | ar (an autoregressive baseline: the same transformer with causal attention and the exact next-token likelihood)',
    }),
    preset: z.string().default('tiny').register(trainFlagHelp, {
      value: '<name>',
      help: 'model preset (size): tiny, small-cpu, small, medium',
    }),
    layers: z
      .number()
      .int()
      .positive()
      .optional()
      .register(trainFlagHelp, { value: '<n>', help: 'transformer layers' }),
    dim: z
      .number()
      .int()
      .positive()
      .optional()
      .register(trainFlagHelp, { value: '<n>', help: 'model width' }),
    heads: z
      .number()
      .int()
      .positive()
      .optional()
      .register(trainFlagHelp, { value: '<n>', help: 'attention heads' }),
    condDim: z.number().int().positive().optional().register(trainFlagHelp, {
      value: '<n>',
      help: 'ddit: width of the noise-level conditioning (default 128)',
    }),
    seqLength: z
      .number()
      .int()
      .positive()
      .optional()
      .register(trainFlagHelp, { value: '<n>', help: 'sequence length L' }),
    dropout: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .register(trainFlagHelp, { value: '<p>', help: 'dropout rate' }),
    timeConditioned: z.boolean().optional().register(trainFlagHelp, {
      help: 'condition the network on t (adaLN-Zero)',
      negatedHelp: 'a network that ignores t (enables sampler caching)',
    }),
    data: z.string().default('bundled').register(trainFlagHelp, {
      value: '<spec>',
      help: 'bundled | moby-dick | text8:<file> | corpus:<paths> | fashion-mnist | mnist:<dir>',
    }),
    tokenizer: z
      .enum(['text8', 'gpt2'])
      .default('text8')
      .register(trainFlagHelp, { value: '<id>', help: 'the tokenizer of text data' }),
    schedule: z.string().default('linear').register(trainFlagHelp, {
      value: '<spec>',
      help: 'linear | cosine | polyK | geometric, or genmd4 (learn a state-dependent schedule)',
    }),
    steps: z
      .number()
      .int()
      .positive()
      .default(1000)
      .register(trainFlagHelp, { value: '<n>', help: 'training steps' }),
    batch: z
      .number()
      .int()
      .positive()
      .default(32)
      .register(trainFlagHelp, { value: '<n>', help: 'sequences per step' }),
    lr: z
      .number()
      .positive()
      .default(3e-4)
      .register(trainFlagHelp, { value: '<x>', help: 'peak learning rate' }),
    warmup: z
      .number()
      .int()
      .nonnegative()
      .default(100)
      .register(trainFlagHelp, { value: '<n>', help: 'linear warmup steps' }),
    weightDecay: z
      .number()
      .nonnegative()
      .default(0)
      .register(trainFlagHelp, { value: '<x>', help: 'AdamW decoupled weight decay' }),
    clip: z
      .number()
      .positive()
      .optional()
      .register(trainFlagHelp, { value: '<x>', help: 'clip gradients to this global norm' }),
    ema: z
      .number()
      .min(0)
      .lt(1)
      .default(0.999)
      .register(trainFlagHelp, { value: '<x>', help: 'EMA decay of the weights used for eval and sampling' }),
    seed: z
      .number()
      .int()
      .default(0)
      .register(trainFlagHelp, { value: '<n>', help: 'seed for weights, data order, times and masks' }),
    backend: z.string().default('auto').register(trainFlagHelp, { value: '<name>', help: BACKEND_HELP }),
    precision: z.enum(MATMUL_PRECISIONS).default('auto').register(trainFlagHelp, {
      value: '<p>',
      help: 'matrix products: fp32; bf16 (bfloat16 inputs through oneDNN on the native backend); auto (bf16 where the CPU has bf16 instructions, else fp32)',
    }),
    checkpointActivations: z.boolean().default(false).register(trainFlagHelp, {
      help: "keep only each block's input for the backward pass and recompute the rest (a fraction of the memory per token, about 1/3 more time)",
      negatedHelp: 'keep every intermediate for the backward pass',
    }),
    out: z
      .string()
      .default('runs/md4')
      .register(trainFlagHelp, { value: '<dir>', help: 'run folder: checkpoint/, metrics.jsonl' }),
    evalEvery: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .register(trainFlagHelp, { value: '<n>', help: 'validation ELBO every n steps (0: only at the end)' }),
    evalBatches: z
      .number()
      .int()
      .positive()
      .default(8)
      .register(trainFlagHelp, { value: '<n>', help: 'validation batches per evaluation' }),
    sampleEvery: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .register(trainFlagHelp, { value: '<n>', help: 'print a sample every n steps (0: only at the end)' }),
    checkpointEvery: z.number().int().nonnegative().default(0).register(trainFlagHelp, {
      value: '<n>',
      help: 'checkpoint every n steps (0: only at the end and on Ctrl-C)',
    }),
    timeLimit: z.number().positive().optional().register(trainFlagHelp, {
      value: '<seconds>',
      help: 'stop (and checkpoint) after this many seconds of training',
    }),
    fitTimeLimit: z.boolean().default(false).register(trainFlagHelp, {
      help: 'with --time-limit: once a tenth of it has passed, cut --steps (and the learning-rate decay with them) to the steps that fit in the limit at the pace so far, so that the decay ends in time',
      negatedHelp: 'keep --steps, stopping at --time-limit wherever the learning-rate schedule is',
    }),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigKey = keyof TrainConfig;

/** The config keys, in the schema's order: the one list the flags are derived from. */
export const TRAIN_CONFIG_KEYS = Object.keys(trainConfigSchema.shape) as TrainConfigKey[];

/** Where a run keeps its files inside `--out`. */
export const RUN_FILES = {
  checkpoint: 'checkpoint',
  metrics: 'metrics.jsonl',
  config: 'train-config.json',
} as const;

/**
 * Settings a resumed run may change (how long it runs, where it reports, which backend); every
 * other key is part of what the run is, and `--resume` takes it from the run's train-config.json.
 */
export const RESUME_ADJUSTABLE_KEYS: readonly TrainConfigKey[] = [
  'steps',
  'backend',
  'precision',
  'checkpointActivations',
  'out',
  'evalEvery',
  'evalBatches',
  'sampleEvery',
  'checkpointEvery',
  'timeLimit',
  'fitTimeLimit',
];

/** The flag of a config key: its kebab-case (`weightDecay` -> `--weight-decay`). */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Turns zod issues into one line that names each bad key (as the flag, and as the file's key). */
export function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') return `${source}: unknown key(s) ${issue.keys.join(', ')}`;
      if (key === '') return `${source}: ${issue.message}`;
      const name = source === 'flags' ? flagOf(key) : `"${key}" (${flagOf(key)})`;
      return `${source === 'flags' ? '' : `${source}: `}${name}: ${issue.message}`;
    })
    .join('; ');
}

/** Reads a JSON or YAML config file into a plain object (not yet validated). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `config file ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`config file ${path} must hold an object of settings`);
  }
  return value as Record<string, unknown>;
}

/** True when the config names GenMD4's learned schedule (`schedule: genmd4`). */
export function isGenmd4(config: Pick<TrainConfig, 'schedule'>): boolean {
  return config.schedule.trim().toLowerCase() === 'genmd4';
}

/**
 * A train-config.json of an md4 that had a separate `genmd4: boolean` key, in today's form
 * (`schedule: 'genmd4'` when it was true), so that such runs still resume.
 */
export function upgradeSavedConfig(saved: unknown): unknown {
  if (saved == null || typeof saved !== 'object' || !('genmd4' in saved)) return saved;
  const { genmd4, ...rest } = saved as Record<string, unknown>;
  return genmd4 === true ? { ...rest, schedule: 'genmd4' } : rest;
}

/** Merges file settings with flags (flags win) and validates the result. */
export function resolveTrainConfig(
  fromFile: Record<string, unknown>,
  fromFlags: Record<string, unknown>,
  source = 'config',
): TrainConfig {
  if ('genmd4' in fromFile) {
    throw new UsageError(`${source}: "genmd4" is a schedule now: write schedule: genmd4 (--schedule genmd4)`);
  }
  const merged = { ...fromFile };
  for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) merged[key] = value;
  const parsed = trainConfigSchema.safeParse(merged);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, source));
  if (parsed.data.fitTimeLimit && parsed.data.timeLimit == null) {
    throw new UsageError(
      `${source}: --fit-time-limit fits the run to --time-limit; give --time-limit <seconds> too`,
    );
  }
  return parsed.data;
}

/**
 * The settings of `md4 train --resume`: the run's own, saved in its train-config.json, with the
 * adjustable ones (RESUME_ADJUSTABLE_KEYS) taken from `given` (the config file and flags of this
 * call). Giving a different value for any other key is a UsageError naming each difference, since
 * it would not continue the same run. A run folder without train-config.json (made by an older md4)
 * resumes with `given` alone.
 */
export async function resumedTrainConfig(
  given: Record<string, unknown>,
  source = 'flags',
): Promise<TrainConfig> {
  const requested = resolveTrainConfig({}, given, source);
  const savedPath = join(requested.out, RUN_FILES.config);
  if (!existsSync(savedPath)) return requested;
  let saved: TrainConfig;
  try {
    saved = trainConfigSchema.parse(upgradeSavedConfig(JSON.parse(await readFile(savedPath, 'utf8'))));
  } catch (error) {
    const why = error instanceof z.ZodError ? describeIssues(error, savedPath) : (error as Error).message;
    throw new InputError(
      `${savedPath} does not hold this run's settings (${why}); restore it, or start a new run`,
    );
  }
  const differences: string[] = [];
  const resumed: Record<string, unknown> = { ...saved };
  for (const key of TRAIN_CONFIG_KEYS) {
    if (given[key] === undefined) continue;
    if (RESUME_ADJUSTABLE_KEYS.includes(key)) resumed[key] = requested[key];
    else if (JSON.stringify(requested[key]) !== JSON.stringify(saved[key])) {
      differences.push(
        `${flagOf(key)} ${JSON.stringify(requested[key])} (the run's: ${JSON.stringify(saved[key])})`,
      );
    }
  }
  if (differences.length > 0) {
    throw new UsageError(
      `--resume continues the run in ${requested.out} with the settings in ${savedPath}, but this call changes ` +
        `${differences.join(', ')}; drop those, or start a new run with another --out. ` +
        `A resumed run may change only ${RESUME_ADJUSTABLE_KEYS.map(flagOf).join(', ')}`,
    );
  }
  return trainConfigSchema.parse(resumed);
}
