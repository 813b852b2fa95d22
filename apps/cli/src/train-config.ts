import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MATMUL_PRECISIONS } from '@md4/backend-native';
import { ARCHITECTURES } from '@md4/models';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError, UsageError } from './cli-errors';

/**
 * Everything `md4 train` can be told. A config file (JSON or YAML) holds these keys; each key has a
 * flag of the same name in kebab-case (`weightDecay` <-> `--weight-decay`), and flags win.
 */
export const trainConfigSchema = z
  .object({
    arch: z.enum(ARCHITECTURES).default('md4'),
    preset: z.string().default('tiny'),
    layers: z.number().int().positive().optional(),
    dim: z.number().int().positive().optional(),
    heads: z.number().int().positive().optional(),
    condDim: z.number().int().positive().optional(),
    seqLength: z.number().int().positive().optional(),
    dropout: z.number().min(0).max(1).optional(),
    timeConditioned: z.boolean().optional(),
    data: z.string().default('bundled'),
    tokenizer: z.enum(['text8', 'gpt2']).default('text8'),
    /** linear | cosine | polyK | geometric, or genmd4 (GenMD4's learned state-dependent schedule). */
    schedule: z.string().default('linear'),
    steps: z.number().int().positive().default(1000),
    batch: z.number().int().positive().default(32),
    lr: z.number().positive().default(3e-4),
    warmup: z.number().int().nonnegative().default(100),
    weightDecay: z.number().nonnegative().default(0),
    clip: z.number().positive().optional(),
    ema: z.number().min(0).lt(1).default(0.999),
    seed: z.number().int().default(0),
    backend: z.string().default('auto'),
    precision: z.enum(MATMUL_PRECISIONS).default('auto'),
    /** Recompute each block's forward pass in the backward pass instead of keeping it (less memory, ~1/3 more time). */
    checkpointActivations: z.boolean().default(false),
    out: z.string().default('runs/md4'),
    evalEvery: z.number().int().nonnegative().default(0),
    evalBatches: z.number().int().positive().default(8),
    sampleEvery: z.number().int().nonnegative().default(0),
    checkpointEvery: z.number().int().nonnegative().default(0),
    timeLimit: z.number().positive().optional(),
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
