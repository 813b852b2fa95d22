import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learningRateAt } from '@md4/models';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointConfig, md4, runMetrics, tinyTrainFlags } from './cli-process.test-helper';

// Issue 13, item 5: --resume continues the run with its own saved settings; extending it is
// explicit (--steps) and re-plans the learning-rate decay.
const work = mkdtempSync(join(tmpdir(), 'md4-resume-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const RUN = [...tinyTrainFlags({ batch: 4 }), '--seed', '7'];

const weightsCrc = (out: string): string => checkpointConfig(out).weights.crc32;
const trainLr = (out: string): Map<number, number> =>
  new Map(
    runMetrics(out)
      .filter((r) => r.split === 'train')
      .map((r) => [r.step, r.lr as number]),
  );

describe('md4 train --resume', () => {
  it("takes the run's settings: `--resume --steps 6` with no other flag equals the uninterrupted run", () => {
    const whole = join(work, 'whole');
    expect(md4(['train', ...RUN, '--steps', '6', '--out', whole]).code).toBe(0);
    const split = join(work, 'split');
    expect(md4(['train', ...RUN, '--steps', '3', '--out', split]).code).toBe(0);
    // Before: "batches: seed 0 differs from the resumed cursor's 7" (the flags' defaults were used).
    const resumed = md4(['train', '--out', split, '--resume', '--steps', '6']);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Within the 100 warmup steps the plan's length does not change lr, so the runs agree bit for bit.
    expect(weightsCrc(split)).toBe(weightsCrc(whole));
    expect(JSON.parse(readFileSync(join(split, 'train-config.json'), 'utf8')).steps).toBe(6);
  });

  it('extending a finished run re-plans the cosine decay instead of training at learning rate 0', () => {
    const out = join(work, 'extend');
    const flags = [...RUN, '--warmup', '0', '--lr', '0.001'];
    expect(md4(['train', ...flags, '--steps', '4', '--out', out]).code).toBe(0);
    expect(trainLr(out).get(4)).toBeCloseTo(0.001 * ((1 + Math.cos((Math.PI * 3) / 4)) / 2), 12);
    const extended = md4(['train', '--out', out, '--resume', '--steps', '6', '--quiet']);
    expect(extended.code, extended.stderr).toBe(0);
    const lr = trainLr(out);
    // lr(step) = peak (1 + cos(pi step / total)) / 2 with the step about to be taken, total now 6
    expect(lr.get(5)).toBeCloseTo(0.001 * ((1 + Math.cos((Math.PI * 4) / 6)) / 2), 12);
    expect(lr.get(6)).toBeCloseTo(0.001 * ((1 + Math.cos((Math.PI * 5) / 6)) / 2), 12);
    expect([...lr.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a run stopped after its last checkpoint but before its final evaluation resumes to do it', () => {
    const out = join(work, 'final');
    expect(md4(['train', ...RUN, '--steps', '2', '--out', out]).code).toBe(0);
    const before = weightsCrc(out);
    // what a kill during the final evaluation leaves: the last checkpoint, no final validation record
    const metrics = join(out, 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8').trim().split('\n');
    writeFileSync(metrics, `${lines.filter((line) => !/"split":"valid"/.test(line)).join('\n')}\n`);
    const resumed = md4(['train', '--out', out, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(
      runMetrics(out)
        .filter((r) => r.split === 'valid')
        .map((r) => r.step),
    ).toEqual([2]);
    expect(weightsCrc(out)).toBe(before);
    // now finished: resuming again says so
    expect(md4(['train', '--out', out, '--resume']).code).toBe(2);
  });

  it('says what to do when the run is finished or a setting of the run is changed', () => {
    const out = join(work, 'refuse');
    expect(md4(['train', ...RUN, '--steps', '2', '--out', out]).code).toBe(0);
    const before = weightsCrc(out);
    const finished = md4(['train', '--out', out, '--resume']);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toMatch(
      /has done 2 steps, and --steps is 2; to train further pass a larger --steps/,
    );
    const changed = md4(['train', '--out', out, '--resume', '--steps', '4', '--seed', '3', '--batch', '8']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(
      /this call changes --batch 8 \(the run's: 4\), --seed 3 \(the run's: 7\); drop those, or start a new run/,
    );
    expect(weightsCrc(out)).toBe(before); // the run is untouched: still its 2-step checkpoint
    expect(checkpointConfig(out).training?.step).toBe(2);
  });

  it('--fit-time-limit cuts --steps and the decay to what fits in the limit, and saves the fitted plan for --resume', () => {
    const out = join(work, 'fit');
    const flags = [...RUN, '--warmup', '10', '--lr', '0.001', '--steps', '2000', '--time-limit', '2'];
    const run = md4(['--json', 'train', ...flags, '--fit-time-limit', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
    // a step of this model takes well over 1 ms, so 2000 of them do not fit in 2 s
    expect(summary.plannedSteps).toBeLessThan(2000);
    expect(JSON.parse(readFileSync(join(out, 'train-config.json'), 'utf8')).steps).toBe(summary.plannedSteps);
    expect(checkpointConfig(out).training?.optimizer.totalSteps).toBe(summary.plannedSteps);
    // the pace is measured once, after a tenth of the limit: up to that step the 2000-step
    // plan sets every learning rate, after it the fitted plan
    const lr = [...trainLr(out)];
    const plan = { lr: 0.001, warmupSteps: 10 };
    const planned = (totalSteps: number, step: number) => learningRateAt({ ...plan, totalSteps }, step - 1);
    const switched = lr.findIndex(([step, value]) => Math.abs(value - planned(2000, step)) > 1e-15);
    expect(switched).toBeGreaterThan(0);
    lr.forEach(([step, value], i) => {
      expect(value).toBeCloseTo(planned(i < switched ? 2000 : summary.plannedSteps, step), 15);
    });
    expect(lr.at(-1)?.[0]).toBe(summary.step);
    const refused = md4(['train', ...RUN, '--fit-time-limit', '--out', join(work, 'no-limit')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--fit-time-limit fits the run to --time-limit; give --time-limit <seconds> too/,
    );
  });
});
