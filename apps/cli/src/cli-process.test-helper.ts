import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointConfig } from '@md4/models';
import { type MetricsRecord, parseMetrics } from './training-curves';

/** The built CLI (dist/md4.js, built by turbo before the end-to-end tests). */
export const CLI = new URL('../dist/md4.js', import.meta.url).pathname;

/** Runs `md4 ...args` as a process; returns its exit code and output. */
export function md4(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `md4 train` flags for a one-layer model that trains in well under a second a step on wasm:
 * width `dim` (default 16) and sequences of `seqLength` (default 16) tokens in batches of `batch`
 * (default 2), one validation batch, no progress output.
 */
export function tinyTrainFlags(opts: { dim?: number; seqLength?: number; batch?: number } = {}): string[] {
  const { dim = 16, seqLength = 16, batch = 2 } = opts;
  return [
    '--preset',
    'tiny',
    '--layers',
    '1',
    '--dim',
    String(dim),
    '--heads',
    '2',
    '--seq-length',
    String(seqLength),
    '--batch',
    String(batch),
    '--eval-batches',
    '1',
    '--backend',
    'wasm',
    '--quiet',
  ];
}

/** The records of run folder `run`'s metrics.jsonl, read as `md4 plot metrics` reads them. */
export function runMetrics(run: string): MetricsRecord[] {
  const path = join(run, 'metrics.jsonl');
  return parseMetrics(readFileSync(path, 'utf8'), path);
}

/** The config.json of run folder `run`'s checkpoint. */
export function checkpointConfig(run: string): CheckpointConfig {
  return JSON.parse(readFileSync(join(run, 'checkpoint', 'config.json'), 'utf8')) as CheckpointConfig;
}
