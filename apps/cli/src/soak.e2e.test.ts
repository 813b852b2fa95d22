import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@md4/core';
import { loadCheckpointDir } from '@md4/models/node';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, checkpointConfig, md4, runMetrics, tinyTrainFlags } from './cli-process.test-helper';

// Issue 13's soak test: a seeded, time-bounded loop of `kill -9`s at random moments of
// `md4 train --checkpoint-every 1`, resumes, and corrupted copies of the checkpoint. After every
// kill the checkpoint is readable; every corrupted copy gets an input error (exit 3), never a
// crash; and the run, once it finishes, equals the uninterrupted run bit for bit.
const SEED = 20261201;
const STEPS = 60;
const DEADLINE_MS = 60_000;
const work = mkdtempSync(join(tmpdir(), 'md4-soak-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const RUN = [
  ...tinyTrainFlags({ batch: 4 }),
  '--steps',
  String(STEPS),
  '--checkpoint-every',
  '1',
  '--seed',
  '3',
];

/** The last training step recorded in a run's metrics.jsonl (0 when none). */
function lastStep(out: string): number {
  const path = join(out, 'metrics.jsonl');
  if (!existsSync(path)) return 0;
  const steps = [...readFileSync(path, 'utf8').matchAll(/"step":(\d+),"split":"train"/g)].map((m) =>
    Number(m[1]),
  );
  return steps.length > 0 ? Math.max(...steps) : 0;
}

/** When to SIGKILL a run: a moment of its start-up, or a little after it records a step; null: never. */
type Kill = { afterMs: number } | { afterStep: number; delayMs: number } | null;

/**
 * Runs `md4 train` and kills it as `kill` says (if it is still running): its exit code, null when
 * killed, or 'finished' when a resume found the run already done. A kill after the run's final
 * evaluation leaves a finished run (only the closing sample and summary lines were lost), and
 * `--resume` of a finished run is refused with exit 2 (resume.e2e.test.ts).
 */
async function trainUntil(out: string, resume: boolean, kill: Kill): Promise<number | null | 'finished'> {
  const child = spawn('node', [CLI, 'train', ...RUN, '--out', out, ...(resume ? ['--resume'] : [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (kill != null && 'afterMs' in kill) setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
  if (kill != null && 'afterStep' in kill) {
    while (child.exitCode == null && child.signalCode == null && lastStep(out) < kill.afterStep) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // A few ms later the run is inside the next step or writing its checkpoint.
    setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
  }
  const code = await exited;
  if (code === 2 && resume && /has done \d+ steps, and --steps is \d+/.test(stderr)) return 'finished';
  if (code != null && code !== 0) throw new Error(`md4 train exited ${code}: ${stderr}`);
  return code;
}

/** Ways a user's copy of a checkpoint gets damaged; each must be an input error. */
const CORRUPTIONS: Array<{ name: string; damage(dir: string): void }> = [
  {
    name: 'a flipped byte in the weights',
    damage(dir) {
      const file = join(dir, JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).weights.file);
      const bytes = readFileSync(file);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
      writeFileSync(file, bytes);
    },
  },
  {
    name: 'truncated weights',
    damage(dir) {
      const file = join(dir, JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).weights.file);
      writeFileSync(file, readFileSync(file).subarray(0, 1000));
    },
  },
  {
    name: 'config.json cut in half',
    damage(dir) {
      const text = readFileSync(join(dir, 'config.json'), 'utf8');
      writeFileSync(join(dir, 'config.json'), text.slice(0, text.length >> 1));
    },
  },
  {
    name: 'a billion layers in config.json',
    damage(dir) {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      config.model.layers = 1e9;
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    },
  },
  {
    name: 'heads changed in config.json',
    damage(dir) {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      config.model.heads = 1;
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    },
  },
  {
    name: 'the weights file deleted',
    damage(dir) {
      rmSync(join(dir, JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).weights.file));
    },
  },
];

describe('soak: random kills, resumes and corrupted checkpoints', () => {
  it(`kill -9 at random moments never loses the run; it ends equal to the uninterrupted one (seed ${SEED})`, async () => {
    const whole = join(work, 'whole');
    expect(await trainUntil(whole, false, null)).toBe(0);

    const rng = createRng(SEED);
    const out = join(work, 'killed');
    const started = Date.now();
    let kills = 0;
    let probes = 0;
    for (;;) {
      const resume = existsSync(join(out, 'checkpoint', 'config.json'));
      // One kill in six lands while Node and tfjs start (~0.8 s); the others 1-10 steps on, 0-40 ms
      // after a step is recorded: inside the next step, or while its checkpoint is written.
      const kill: Kill =
        Date.now() - started > DEADLINE_MS
          ? null
          : rng.uniform() < 1 / 6
            ? { afterMs: 100 + rng.uniform() * 800 }
            : { afterStep: lastStep(out) + 1 + Math.floor(rng.uniform() * 10), delayMs: rng.uniform() * 40 };
      const code = await trainUntil(out, resume, kill);
      if (code === 0 || code === 'finished') break;
      kills++;
      if (!existsSync(join(out, 'checkpoint', 'config.json'))) continue;
      // Whatever moment the kill hit, the checkpoint on disk is complete and consistent.
      const checkpoint = await loadCheckpointDir(join(out, 'checkpoint'));
      expect(checkpoint.config.training?.step).toBeGreaterThanOrEqual(1);
      // A damaged copy of it is an input error, never a crash or a wrong answer.
      const corruption = CORRUPTIONS[Math.floor(rng.uniform() * CORRUPTIONS.length)]!;
      const copy = join(work, `copy-${kills}`);
      cpSync(join(out, 'checkpoint'), copy, { recursive: true });
      corruption.damage(copy);
      const info = md4(['info', copy]);
      expect(info.code, `${corruption.name}: ${info.stderr}`).toBe(3);
      expect(info.stderr, corruption.name).toMatch(/^md4: .+/);
      probes++;
    }
    process.stderr.write(
      `soak: ${kills} kills, ${probes} corrupted copies, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(probes).toBeGreaterThanOrEqual(3);
    expect(checkpointConfig(out).weights.crc32).toBe(checkpointConfig(whole).weights.crc32);
    expect(checkpointConfig(out).training?.step).toBe(STEPS);
    const trainSteps = runMetrics(out)
      .filter((r) => r.split === 'train')
      .map((r) => r.step);
    expect(trainSteps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // No temporary files or lock outlive the run.
    expect(readdirSync(out).filter((name) => /\.tmp-|run\.lock/.test(name))).toEqual([]);
    expect(readdirSync(join(out, 'checkpoint')).filter((name) => /\.tmp-/.test(name))).toEqual([]);
  }, 150_000);
});
