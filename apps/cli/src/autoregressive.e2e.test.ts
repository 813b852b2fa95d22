import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointConfig, md4, tinyTrainFlags } from './cli-process.test-helper';

const work = mkdtempSync(join(tmpdir(), 'md4-ar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ar = join(work, 'ar');
const diffusion = join(work, 'diffusion');
// 100 documents: the corpus reader sends the 100th to the valid split (a handful of 16-token chunks)
const corpus = join(work, 'corpus');

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

describe('the autoregressive baseline: md4 train --objective ar, eval, sample, eval --gen-ppl', () => {
  beforeAll(() => {
    mkdirSync(corpus);
    for (let i = 0; i < 100; i++) {
      writeFileSync(
        join(corpus, `doc-${String(i).padStart(3, '0')}.txt`),
        `document ${i}: the state of the union is strong, and the people of the union are its strength. `.repeat(
          2,
        ),
      );
    }
    for (const [out, objective] of [
      [ar, 'ar'],
      [diffusion, 'diffusion'],
    ] as const) {
      const r = md4(['train', ...tinyTrainFlags(), '--objective', objective, '--steps', '20', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 120_000);

  it('trains a causal transformer on the exact likelihood, and records it in the checkpoint', () => {
    const config = checkpointConfig(ar);
    expect(config.training!.loss).toBe('ar');
    expect(config.model).toMatchObject({ arch: 'md4', causal: true, timeConditioned: false });
    expect(checkpointConfig(diffusion).training!.loss).toBe('md4');
    expect(checkpointConfig(diffusion).model).toMatchObject({ causal: false });
  });

  it('eval reports the exact likelihood: no Monte Carlo, the same figure for every seed', () => {
    const runs = [0, 7].map((seed) =>
      md4([
        '--json',
        'eval',
        ar,
        '--max-batches',
        '2',
        '--batch',
        '8',
        '--seed',
        String(seed),
        '--backend',
        'wasm',
      ]),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const [a, b] = runs.map((r) => json(r.stdout));
    expect(a!.objective).toBe('ar');
    const [rowA, rowB] = [a, b].map(
      (x) => (x!.results as Array<{ bitsPerToken: number; tokens: number }>)[0]!,
    );
    expect(rowA!.tokens).toBe(256);
    expect(rowA!.bitsPerToken).toBe(rowB!.bitsPerToken);
    // 20 steps from the uniform prediction: below log2 27 = 4.755 bits, far from 0
    expect(rowA!.bitsPerToken).toBeGreaterThan(2);
    expect(rowA!.bitsPerToken).toBeLessThan(Math.log2(27));
    const text = md4(['eval', ar, '--max-batches', '1', '--backend', 'wasm']);
    expect(text.stdout).toMatch(/^\s+exact\s+\d\.\d{4}/m);
    // zero-shot: held-out prose the model never saw
    const zeroShot = md4(['eval', ar, '--data', 'moby-dick', '--max-batches', '1', '--backend', 'wasm']);
    expect(zeroShot.code, zeroShot.stderr).toBe(0);
    expect(zeroShot.stdout).toMatch(/^Moby-Dick \(text8\), valid split, 512 tokens/m);
  });

  it('samples left to right, continuing a --prompt prefix', () => {
    const r = md4(['--json', 'sample', ar, '--count', '3', '--prompt', 'the union', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout) as { samples: string[]; tokens: number[][]; networkCalls: number };
    expect(out.samples).toHaveLength(3);
    for (const s of out.samples) expect(s.startsWith('the union')).toBe(true);
    for (const t of out.tokens) expect(t).toHaveLength(16);
    // one call per generated position of the one batch: 16 - 9 prompt characters
    expect(out.networkCalls).toBe(7);
  });

  it('eval --gen-ppl scores the samples under the judge beside held-out text; the held-out row is the exact likelihood', () => {
    // the judge evaluates itself on the corpus's valid split: with --gen-ppl above the split's size the
    // held-out row scores every chunk of it, the chunks the likelihood rows score
    const r = md4([
      '--json',
      'eval',
      ar,
      '--data',
      `corpus:${corpus}`,
      '--gen-ppl',
      '64',
      '--judge',
      ar,
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = json(r.stdout) as {
      results: Array<{ bitsPerToken: number; sequences: number }>;
      generative: {
        retokenized: boolean;
        sampler: { kind: string; samplingPrecision: string };
        rows: Array<{
          source: string;
          samplingPrecision: string | null;
          networkCallsPerSample: number | null;
          sequences: number;
          perplexity: number;
          bitsPerToken: number;
          entropy: number;
        }>;
      };
    };
    const { generative, results } = out;
    expect(generative.retokenized).toBe(false);
    expect(generative.sampler).toMatchObject({ kind: 'autoregressive', samplingPrecision: 'float64' });
    const [model, heldOut] = generative.rows;
    expect(model).toMatchObject({ source: 'model', samplingPrecision: 'float64', networkCallsPerSample: 16 });
    expect(model!.sequences).toBe(64);
    expect(heldOut).toMatchObject({
      source: 'held-out',
      samplingPrecision: null,
      networkCallsPerSample: null,
    });
    expect(heldOut!.sequences).toBe(results[0]!.sequences);
    expect(heldOut!.bitsPerToken).toBeCloseTo(results[0]!.bitsPerToken, 10);
    for (const row of generative.rows) {
      expect(row.perplexity).toBeCloseTo(2 ** row.bitsPerToken, 8);
      expect(row.entropy).toBeGreaterThan(0);
      expect(row.entropy).toBeLessThanOrEqual(Math.log(16));
    }
  });

  it('eval --gen-ppl of a masked diffusion model reports its sampler, and with float32 draws both precisions', () => {
    const r = md4([
      'eval',
      diffusion,
      '--max-batches',
      '1',
      '--gen-ppl',
      '4',
      '--judge',
      ar,
      '--sample-steps',
      '8',
      '--sampling-precision',
      'float32',
      '--backend',
      'wasm',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/samples: ancestral, 8 steps, cosine grid/);
    // at most 8 network calls per batch: the lazy sampler skips steps that reveal nothing
    expect(r.stdout).toMatch(/^model, float64\s+4\s+16\s+\d+\.\d{3}\s+\d\.\d{4}\s+\d\.\d{3}\s+[1-8]\.\d/m);
    expect(r.stdout).toMatch(/^model, float32\s+4\s+16\s+\d+\.\d{3}/m);
    expect(r.stdout).toMatch(/^held-out\s+4\s+16\s+\d+\.\d{3}\s+\d\.\d{4}\s+\d\.\d{3}\s+-\s+-$/m);
  });

  it('refuses what does not apply, naming the fix', () => {
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      { args: ['eval', diffusion, '--gen-ppl', '4'], code: 2, message: /--gen-ppl needs --judge/ },
      { args: ['eval', diffusion, '--judge', ar], code: 2, message: /--judge applies to --gen-ppl/ },
      {
        args: ['eval', diffusion, '--gen-ppl', '2', '--judge', diffusion, '--max-batches', '1'],
        code: 3,
        message: /is a masked diffusion model; the judge must be autoregressive/,
      },
      {
        args: ['eval', ar, '--timesteps', '8'],
        code: 2,
        message: /is autoregressive; its likelihood is exact/,
      },
      {
        args: ['eval', ar, '--schedule', 'cosine'],
        code: 2,
        message: /--schedule: an autoregressive model has no masking schedule/,
      },
      {
        args: ['eval', diffusion, '--schedule', 'bogus', '--max-batches', '1'],
        code: 2,
        message: /--schedule: unknown schedule "bogus"; expected/,
      },
      {
        args: ['sample', ar, '--method', 'confidence'],
        code: 2,
        message: /--method confidence applies to masked diffusion/,
      },
      {
        args: ['sample', ar, '--prompt', 'the ___ union'],
        code: 2,
        message: /--prompt: position \d+ is fixed after the free/,
      },
      {
        args: ['train', ...tinyTrainFlags(), '--objective', 'ar', '--arch', 'ddit', '--out', join(work, 'x')],
        code: 2,
        message: /--objective ar trains the md4 transformer/,
      },
      {
        args: [
          'train',
          ...tinyTrainFlags(),
          '--objective',
          'ar',
          '--schedule',
          'genmd4',
          '--out',
          join(work, 'y'),
        ],
        code: 2,
        message: /--objective ar has no masking schedule to learn/,
      },
    ];
    for (const { args, code, message } of cases) {
      const r = md4([...args, '--backend', 'wasm']);
      expect(r.code, `md4 ${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    // the same schedule parser behind plot's --schedules (a command with no --backend)
    const plot = md4(['plot', 'schedules', '--schedules', 'linear,poly0', '--out', join(work, 'bad.svg')]);
    expect(plot.code).toBe(2);
    expect(plot.stderr).toMatch(/--schedules: schedule "poly0": polynomial degree must be > 0/);
  });
});
