import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, writeFileAtomic } from '@md4/core/node';
import { InputError } from '../cli-errors';
import type { ReproductionStep } from './reproduction-plan';

/** What one step left: its command line, wall time and --json output. */
export interface StepRecord {
  id: string;
  /** The command as run (`md4 ...`). */
  command: string;
  /** Wall-clock seconds of the command (of its last, completing run when it was resumed). */
  seconds: number;
  /** The command's --json output. */
  output: unknown;
}

/** Where and how the steps run. */
export interface StepRunnerOptions {
  /** The md4 entry script to run (this process's). */
  cli: string;
  /** --backend of every command. */
  backend: string;
  /** Where each finished step's record is kept (`<id>.json`): a rerun skips those. */
  recordsDir: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/**
 * Runs `step` as an md4 process with --json, unless its record is kept from an earlier run; a
 * training step whose run folder already holds a checkpoint continues it with --resume (an
 * interrupted reproduction loses at most the steps since the run's last checkpoint). Throws an
 * InputError naming the command and its error output when the command fails.
 */
export async function runStep(step: ReproductionStep, opts: StepRunnerOptions): Promise<StepRecord> {
  const recordPath = join(opts.recordsDir, `${step.id}.json`);
  if (existsSync(recordPath)) return JSON.parse(await readFile(recordPath, 'utf8')) as StepRecord;
  const out = step.kind === 'train' ? step.args[step.args.indexOf('--out') + 1]! : null;
  const resume = out != null && existsSync(join(out, 'checkpoint', 'config.json')) ? ['--resume'] : [];
  const args = ['--json', ...step.args, ...resume, '--backend', opts.backend];
  const command = `md4 ${args.join(' ')}`;
  opts.log(`${step.id}: ${command}`);
  const started = performance.now();
  const { code, stdout, stderr } = await runProcess(process.execPath, [opts.cli, ...args]);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    throw new InputError(
      `md4 reproduce: step ${step.id} failed (exit ${code}): ${command}\n${stderr.trim().split('\n').slice(-8).join('\n')}\n` +
        'fix the cause and run md4 reproduce again: the finished steps are kept',
    );
  }
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let output: unknown;
  try {
    output = JSON.parse(last);
  } catch {
    throw new InputError(`md4 reproduce: step ${step.id} printed no JSON result (${command})`);
  }
  const record: StepRecord = { id: step.id, command, seconds, output };
  makeDirectory(opts.recordsDir);
  await writeFileAtomic(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  opts.log(`${step.id}: done in ${seconds.toFixed(1)} s`);
  return record;
}

function runProcess(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
