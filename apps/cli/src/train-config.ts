import { readFile } from 'node:fs/promises';
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
    schedule: z.string().default('linear'),
    genmd4: z.boolean().default(false),
    steps: z.number().int().positive().default(1000),
    batch: z.number().int().positive().default(32),
    lr: z.number().positive().default(3e-4),
    warmup: z.number().int().nonnegative().default(100),
    weightDecay: z.number().nonnegative().default(0),
    clip: z.number().positive().optional(),
    ema: z.number().min(0).lt(1).default(0.999),
    seed: z.number().int().default(0),
    backend: z.string().default('auto'),
    out: z.string().default('runs/md4'),
    evalEvery: z.number().int().nonnegative().default(0),
    evalBatches: z.number().int().positive().default(8),
    sampleEvery: z.number().int().nonnegative().default(0),
    checkpointEvery: z.number().int().nonnegative().default(0),
    timeLimit: z.number().positive().optional(),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** Turns zod issues into one line that names each bad key. */
export function describeIssues(error: z.ZodError, source: string): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      if (issue.code === 'unrecognized_keys') return `${source}: unknown key(s) ${issue.keys.join(', ')}`;
      return `${source}: "${key}": ${issue.message}`;
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

/** Merges file settings with flags (flags win) and validates the result. */
export function resolveTrainConfig(
  fromFile: Record<string, unknown>,
  fromFlags: Record<string, unknown>,
  source = 'config',
): TrainConfig {
  const merged = { ...fromFile };
  for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) merged[key] = value;
  const parsed = trainConfigSchema.safeParse(merged);
  if (!parsed.success) throw new UsageError(describeIssues(parsed.error, source));
  return parsed.data;
}
