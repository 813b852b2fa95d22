import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md4, runMetrics, tinyTrainFlags } from './cli-process.test-helper';
import { DIVERGENCE_PATIENCE, DivergenceGuard } from './divergence-guard';

const work = mkdtempSync(join(tmpdir(), 'md4-diverge-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TINY = tinyTrainFlags({ dim: 32, seqLength: 32, batch: 4 });

describe('divergence', () => {
  it('the guard trips after DIVERGENCE_PATIENCE steps above twice log2 V, and only then', () => {
    const guard = new DivergenceGuard(27);
    expect(guard.bound).toBeCloseTo(2 * Math.log2(27), 12);
    for (let i = 1; i < DIVERGENCE_PATIENCE; i++) guard.observe(i, 1e9, 'x');
    expect(guard.healthy).toBe(false);
    guard.observe(10, 4, 'x'); // one healthy step resets the count
    expect(guard.healthy).toBe(true);
    for (let i = 1; i < DIVERGENCE_PATIENCE; i++) guard.observe(i, 10, 'x');
    expect(() => guard.observe(99, 10, 'lower --lr')).toThrow(
      /training diverged: .* for 5 steps, 10\.00 at step 99; lower --lr/,
    );
  });

  it('settle judges a run that ended on a suspect step by its final weights, and only such a run', async () => {
    const guard = new DivergenceGuard(27);
    let estimated = 0;
    const estimate = (value: number) => async () => {
      estimated++;
      return value;
    };
    guard.observe(1, 4, 'x');
    await expect(guard.settle(estimate(4), 'x')).resolves.toBeNull();
    expect(estimated).toBe(0); // a healthy end needs no estimate
    guard.observe(2, 14, 'x');
    await expect(guard.settle(estimate(4.5), 'x')).resolves.toBe(4.5);
    await expect(guard.settle(estimate(guard.bound + 1e-9), 'lower --lr')).rejects.toThrow(
      /training ended while the loss was above the divergence bound: the final weights score 9\.510 bits\/token on the validation split, above 9\.51; lower --lr/,
    );
    await expect(guard.settle(estimate(Number.NaN), 'x')).rejects.toThrow(/score NaN bits\/token/);
    expect(estimated).toBe(3);
  });

  it('a healthy run whose last batch is a noisy one above the bound ends with its checkpoint (exit 0)', () => {
    const out = join(work, 'noisy-end');
    // seed 2, batch 4 of 16 tokens: step 21's batch scores 14.66 bits/token (within the 100 warmup
    // steps the plan's length does not change the learning rate, so the 100-step run shows it too)
    const flags = [...tinyTrainFlags({ batch: 4 }), '--seed', '2', '--steps', '21', '--out', out];
    const r = md4(['train', ...flags]);
    expect(runMetrics(out).find((m) => m.split === 'train' && m.step === 21)!.bitsPerToken).toBeGreaterThan(
      2 * Math.log2(27),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(md4(['info', out, '--json']).stdout).step).toBe(21);
  });

  it('a run too short for the patience that ends diverged writes no checkpoint (exit 2)', () => {
    const out = join(work, 'short-lr1e3');
    const r = md4(['train', ...TINY, '--lr', '1e3', '--warmup', '0', '--steps', '3', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /training ended while the loss was above the divergence bound: the final weights score [\d.e+]+ bits\/token .* no checkpoint with a healthy loss was written/,
    );
    expect(md4(['info', out]).code).toBe(3);
  });

  it('md4 train stops a diverging run (exit 2) and keeps its last checkpoint with a healthy loss', () => {
    const out = join(work, 'lr30');
    // lr 30 after a 100-step warmup: healthy at first, diverged by step ~7
    const r = md4([
      'train',
      ...TINY,
      '--lr',
      '30',
      '--warmup',
      '100',
      '--steps',
      '100',
      '--checkpoint-every',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /training diverged: .* keeps step (\d+), the last state with a healthy loss; .* lower --lr \(now 30\)/,
    );
    const kept = Number(/keeps step (\d+)/.exec(r.stderr)![1]);
    const info = JSON.parse(md4(['info', out, '--json']).stdout) as { step: number };
    expect(info.step).toBe(kept);
    const steps = runMetrics(out);
    // the kept weights are what step kept + 1 evaluated: a loss below the bound
    expect(steps.find((m) => m.step === kept + 1)!.bitsPerToken).toBeLessThan(2 * Math.log2(27));
    const evaluation = md4([
      'eval',
      out,
      '--max-batches',
      '1',
      '--batch',
      '4',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(JSON.parse(evaluation.stdout).results[0].bitsPerToken).toBeLessThan(2 * Math.log2(27));
  });

  it('a run that diverges at once writes no checkpoint and says so; lr 1e3 with --checkpoint-every 1 overwrites nothing', () => {
    const out = join(work, 'lr1e3');
    const r = md4([
      'train',
      ...TINY,
      '--lr',
      '1e3',
      '--warmup',
      '0',
      '--steps',
      '60',
      '--checkpoint-every',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/training diverged: .* no checkpoint with a healthy loss was written/);
    expect(md4(['info', out]).code).toBe(3);
  });
});
