import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, decodeSafetensors, encodeSafetensors } from '@md4/models';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, md4, tinyTrainFlags } from './cli-process.test-helper';
import { RUN_LOCK_FILE } from './run-lock';

const work = mkdtempSync(join(tmpdir(), 'md4-exit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TINY = tinyTrainFlags();

describe('exit codes and error output', () => {
  it('SIGTERM finishes the step, writes a checkpoint and exits 143 (SIGINT: 130)', async () => {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const out = join(work, signal);
      const child = spawn('node', [CLI, 'train', ...TINY, '--steps', '100000', '--out', out], {
        stdio: 'ignore',
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      const deadline = Date.now() + 30_000;
      const stepped = () =>
        existsSync(join(out, 'metrics.jsonl')) && readFileSync(join(out, 'metrics.jsonl'), 'utf8').length > 0;
      while (!stepped() && child.exitCode == null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill(signal);
      expect(await exited, signal).toBe(code);
      expect(existsSync(join(out, 'checkpoint', 'config.json')), signal).toBe(true);
      expect(existsSync(join(out, RUN_LOCK_FILE)), signal).toBe(false);
    }
  });

  it('with --json an error is one JSON line on stderr with its exit code', () => {
    const r = md4(['--json', 'sample', join(work, 'nothing-here')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr.trim())).toEqual({
      error: expect.stringMatching(/no checkpoint at .*nothing-here: the path does not exist/),
      exitCode: 3,
    });
  });

  it('md4 eval of weights holding NaN says so and exits 3 instead of printing NaN', () => {
    const out = join(work, 'nan');
    expect(md4(['train', ...TINY, '--steps', '2', '--out', out]).code).toBe(0);
    const dir = join(out, 'checkpoint');
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(dir, config.weights.file)));
    for (const [name, t] of tensors) if (name.startsWith('ema.')) (t.data as Float32Array).fill(Number.NaN);
    const weights = encodeSafetensors(
      [...tensors].map(([name, t]) => [name, { shape: t.shape, data: t.data as Float32Array }]),
      metadata,
    );
    writeFileSync(join(dir, config.weights.file), weights);
    config.weights.bytes = weights.length;
    config.weights.crc32 = crc32(weights);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const r = md4(['eval', out, '--max-batches', '1', '--batch', '2', '--backend', 'wasm']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the model's ELBO is NaN \(not finite\): its weights hold NaN/);
  });
});
