import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeSafetensors, encodeSafetensors } from '@md4/models';
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

  it('user mistakes exit 2 (usage) or 3 (input), name flags as typed, and suggest only flags that exist', () => {
    const run = join(work, 'named');
    expect(md4(['train', ...TINY, '--steps', '1', '--out', run]).code).toBe(0);
    const corpus = join(work, 'one-document.txt');
    writeFileSync(corpus, 'Only One Document, with Capitals and 42 digits.');
    const notText8 = join(work, 'not-text8');
    writeFileSync(notText8, 'Not the text8 file.');
    const badConfig = join(work, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ seqLength: 0 }));
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      {
        args: ['train', ...TINY, '--heads', '3', '--dim', '16'],
        code: 2,
        message: /--heads 3 does not divide the width --dim 16/,
      },
      { args: ['train', ...TINY, '--seq-length', '0'], code: 2, message: /^md4: --seq-length: / },
      {
        args: ['train', '--config', badConfig, '--out', join(work, 'x')],
        code: 2,
        message: /"seqLength" \(--seq-length\)/,
      },
      {
        args: ['eval', run, '--steps', '10'],
        code: 2,
        message: /--steps is named --timesteps now; write --timesteps instead/,
      },
      {
        args: ['eval', run, '--batch', '0'],
        code: 2,
        message: /--batch must be a positive integer, got "0"/,
      },
      { args: ['sample', run, '--count', '0'], code: 2, message: /--count must be a positive integer/ },
      { args: ['sample', run, '--steps', '0'], code: 2, message: /--steps must be a positive integer/ },
      {
        args: ['train', ...TINY, '--data', `corpus:${corpus}`, '--out', join(work, 'c')],
        code: 3,
        message: /give at least 100 documents/,
      },
      {
        args: ['train', ...TINY, '--data', `text8:${notText8}`, '--out', join(work, 't')],
        code: 3,
        message: /for other text use --data corpus:/,
      },
    ];
    for (const { args, code, message } of cases) {
      const r = md4(args);
      expect(r.code, `md4 ${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(
        /\b(validEvery|batchSize|evalBatches|estimateElbo|dModel)\b/,
      );
      const help = md4([args[0]!, '--help']).stdout;
      // A renamed flag is named (hidden from help) only to point at its new name.
      const renamed = r.stderr.match(/(--[a-z][a-z0-9-]*) is named --/)?.[1];
      for (const flag of r.stderr.match(/--[a-z][a-z0-9-]*/g) ?? []) {
        if (flag === renamed) continue;
        expect(help, `md4 ${args[0]} has no ${flag} (suggested by: ${r.stderr.trim()})`).toContain(flag);
      }
    }
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
    config.weights.crc32 = crc32(weights).toString(16).padStart(8, '0'); // the checkpoint's CRC-32 is zlib's
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const r = md4(['eval', out, '--max-batches', '1', '--batch', '2', '--backend', 'wasm']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the model's ELBO is NaN \(not finite\): its weights hold NaN/);
  });
});
