import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { CLI, md4 } from './cli-process.test-helper';
import { parseMetrics } from './training-curves';

// End-to-end: the built CLI (dist/md4.js, built by turbo before this test) run as a process.
const work = mkdtempSync(join(tmpdir(), 'md4-cli-'));
const TINY = [
  '--preset',
  'tiny',
  '--layers',
  '1',
  '--dim',
  '32',
  '--heads',
  '2',
  '--seq-length',
  '32',
  '--batch',
  '4',
  '--eval-batches',
  '1',
  '--backend',
  'wasm',
  '--lr',
  '1e-3',
  '--warmup',
  '2',
  '--quiet',
];

/** Training losses by step (a line being written while this reads is skipped as torn). */
function trainLosses(run: string): Map<number, number> {
  const losses = new Map<number, number>();
  const path = join(run, 'metrics.jsonl');
  for (const r of parseMetrics(readFileSync(path, 'utf8'), path)) {
    if (r.split === 'train') losses.set(r.step, r.loss as number);
  }
  return losses;
}

afterAll(() => {
  if (!process.env.MD4_KEEP) rmSync(work, { recursive: true, force: true });
});

describe('md4 command line', () => {
  it('has the built CLI', () => {
    expect(existsSync(CLI), `missing ${CLI}: run pnpm build first`).toBe(true);
  });

  it('prints help and version, and rejects unknown flags with exit code 2', () => {
    const help = md4(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/train/);
    expect(help.stdout).toMatch(/sample/);
    for (const command of ['train', 'eval', 'sample', 'plot', 'info'])
      expect(md4([command, '--help']).code).toBe(0);
    expect(md4(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = md4(['train', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--no-such-flag'/);
    const badValue = md4(['train', '--steps', 'many']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/--steps must be an integer/);
  });

  const run = join(work, 'run');
  it('trains, checkpoints, evaluates, samples, plots and reports', () => {
    const train = md4(['train', ...TINY, '--steps', '6', '--checkpoint-every', '3', '--out', run, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout.trim().split('\n').pop()!) as Record<string, number>;
    expect(summary.step).toBe(6);
    // A near-initial model (zero-init output: 4.75 bits/char in expectation); one small batch is noisy.
    expect(summary.validBitsPerToken).toBeGreaterThan(2);
    expect(summary.validBitsPerToken).toBeLessThan(10);
    expect(trainLosses(run).size).toBe(6);
    expect(existsSync(join(run, 'checkpoint', 'config.json'))).toBe(true);

    const info = md4(['info', run, '--json']);
    expect(info.code, info.stderr).toBe(0);
    const details = JSON.parse(info.stdout) as {
      step: number;
      tokenizer: string;
      parameters: number;
      tokensSeen: number;
    };
    expect(details.step).toBe(6);
    expect(details.tokenizer).toBe('text8');
    expect(details.tokensSeen).toBe(6 * 4 * 32);
    expect(details.parameters).toBeGreaterThan(0);

    const evaluation = md4([
      'eval',
      run,
      '--timesteps',
      '10,inf',
      '--max-batches',
      '2',
      '--batch',
      '8',
      '--json',
      '--backend',
      'wasm',
    ]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const table = JSON.parse(evaluation.stdout) as {
      unit: string;
      results: Array<{ timesteps: number | string; bitsPerToken: number; tokens: number }>;
    };
    expect(table.unit).toBe('bits/char');
    expect(table.results.map((r) => r.timesteps)).toEqual([10, 'inf']);
    expect(table.results[1]!.tokens).toBe(2 * 8 * 32);

    const sampleArgs = [
      'sample',
      run,
      '--count',
      '2',
      '--steps',
      '16',
      '--seed',
      '3',
      '--json',
      '--backend',
      'wasm',
    ];
    const sampled = md4(sampleArgs);
    expect(sampled.code, sampled.stderr).toBe(0);
    const { samples } = JSON.parse(sampled.stdout) as { samples: string[] };
    expect(samples).toHaveLength(2);
    for (const s of samples) expect(s).toMatch(/^[a-z ]{32}$/);
    const again = md4(sampleArgs);
    expect(JSON.parse(again.stdout).samples).toEqual(samples);

    const infill = md4([
      'sample',
      run,
      '--prompt',
      'the ______ of the union',
      '--steps',
      '8',
      '--json',
      '--backend',
      'wasm',
    ]);
    expect(infill.code, infill.stderr).toBe(0);
    const [text] = (JSON.parse(infill.stdout) as { samples: string[] }).samples;
    expect(text!.slice(0, 4)).toBe('the ');
    expect(text!.slice(10, 23)).toBe(' of the union');

    // every method with its own flags; guidance with a prompt; the library's checks name the flag
    for (const flags of [
      ['--method', 'remdm', '--remask', 'loop', '--eta', '0.05'],
      ['--method', 'remdm', '--remask', 'conf'],
      ['--method', 'confidence', '--transfer', 'threshold', '--threshold', '0.5', '--rank', 'margin'],
      ['--method', 'confidence', '--transfer', 'even', '--rank', 'random'],
      ['--prompt', 'the ______ of the union', '--guidance', '1.5'],
    ]) {
      const r = md4(['sample', run, '--steps', '8', '--json', '--backend', 'wasm', ...flags]);
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      const [sampledText] = (JSON.parse(r.stdout) as { samples: string[] }).samples;
      expect(sampledText).toMatch(/^[a-z ]+$/);
    }
    for (const [flags, message] of [
      [['--method', 'remdm', '--eta', '2'], /^md4: --eta must lie in \[0, 1\], got 2/],
      [
        ['--method', 'confidence', '--transfer', 'threshold', '--threshold', '1'],
        /^md4: --threshold must lie in \(0, 1\)/,
      ],
      [['--guidance', '1'], /--guidance needs --prompt/],
      [['--eos'], /this model's tokenizer \(text8\) has no end-of-text token/],
      [['--remask', 'cap'], /--remask applies to --method remdm/],
    ] as const) {
      const r = md4(['sample', run, '--steps', '4', '--backend', 'wasm', ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }

    const svg = join(work, 'schedules.svg');
    expect(md4(['plot', 'schedules', '--out', svg]).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    const png = join(work, 'curves.png');
    const plotted = md4(['plot', 'metrics', join(run, 'metrics.jsonl'), '--out', png]);
    expect(plotted.code, plotted.stderr).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('resumes after the process is killed mid-run, continuing the loss curve exactly', async () => {
    const reference = join(work, 'reference');
    expect(md4(['train', ...TINY, '--steps', '8', '--out', reference, '--seed', '5']).code).toBe(0);

    const killed = join(work, 'killed');
    const child = spawn('node', [
      CLI,
      'train',
      ...TINY,
      '--steps',
      '8',
      '--checkpoint-every',
      '2',
      '--out',
      killed,
      '--seed',
      '5',
    ]);
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const metrics = join(killed, 'metrics.jsonl');
        if (existsSync(metrics) && trainLosses(killed).size >= 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error('training finished before it could be killed'));
      });
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const info = JSON.parse(md4(['info', killed, '--json']).stdout) as { step: number };
    expect(info.step % 2).toBe(0);
    expect(info.step).toBeGreaterThanOrEqual(2);

    const resumed = md4(['train', ...TINY, '--steps', '8', '--out', killed, '--seed', '5', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const a = trainLosses(reference);
    const b = trainLosses(killed);
    // the resumed run cut metrics.jsonl back to its checkpoint's step: each step is listed once
    const listed = parseMetrics(readFileSync(join(killed, 'metrics.jsonl'), 'utf8'), 'metrics')
      .filter((r) => r.split === 'train')
      .map((r) => r.step);
    expect(listed).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...b.keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (let step = 1; step <= 8; step++) expect(b.get(step)).toBe(a.get(step));
  });

  it('refuses bad input with one clear line and a non-zero exit, never destroying a checkpoint', () => {
    const missing = md4(['info', join(work, 'nope')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/does not exist/);

    // Training into a folder that holds a checkpoint, without --resume, is refused and changes nothing.
    const config = join(run, 'checkpoint', 'config.json');
    const before = readFileSync(config, 'utf8');
    const overwrite = md4(['train', ...TINY, '--steps', '2', '--out', run]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toMatch(/already holds a checkpoint; pass --resume/);
    expect(readFileSync(config, 'utf8')).toBe(before);

    // A checkpoint of another vocabulary than the data.
    const mismatch = md4(['eval', run, '--data', 'fashion-mnist', '--max-batches', '1']);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toMatch(/vocabulary mismatch/);

    // An output folder that cannot be created.
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'x');
    const unwritable = md4(['train', ...TINY, '--steps', '1', '--out', join(blocker, 'run')]);
    expect(unwritable.code).toBe(3);
    expect(unwritable.stderr).toMatch(
      /--out .*a-file\/run: .*a-file is a file, not a folder; choose another --out/,
    );

    // A bad config key is named.
    const yaml = join(work, 'bad.yaml');
    writeFileSync(yaml, 'steps: 3\nlearningRate: 0.1\n');
    const badConfig = md4(['train', '--config', yaml, '--out', join(work, 'x')]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/unknown key\(s\) learningRate/);

    // A corrupted (truncated) weights file.
    const weights = readdirSync(join(run, 'checkpoint')).find((f) => f.endsWith('.safetensors'))!;
    const path = join(run, 'checkpoint', weights);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const corrupted = md4(['sample', run, '--steps', '4', '--backend', 'wasm']);
    expect(corrupted.code).toBe(3);
    expect(corrupted.stderr.trim().split('\n')).toHaveLength(1);
  });
});
