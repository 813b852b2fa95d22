import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md4, tinyTrainFlags } from './cli-process.test-helper';
import {
  isGenmd4,
  RUN_FILES,
  resolveTrainConfig,
  resumedTrainConfig,
  upgradeSavedConfig,
} from './train-config';

const work = mkdtempSync(join(tmpdir(), 'md4-train-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('GenMD4 as a value of --schedule', () => {
  it('schedule: genmd4 selects it (any case); a config file with the old genmd4 key is told the new spelling', () => {
    expect(isGenmd4(resolveTrainConfig({}, { schedule: 'genmd4' }))).toBe(true);
    expect(isGenmd4(resolveTrainConfig({}, { schedule: 'GenMD4' }))).toBe(true);
    expect(isGenmd4(resolveTrainConfig({}, {}))).toBe(false);
    expect(() => resolveTrainConfig({ genmd4: true }, {}, 'run.yaml')).toThrow(
      /run\.yaml: "genmd4" is a schedule now: write schedule: genmd4 \(--schedule genmd4\)/,
    );
  });

  it("an older run's train-config.json with genmd4: true resumes as schedule genmd4; genmd4: false is dropped", async () => {
    expect(upgradeSavedConfig({ schedule: 'linear', genmd4: true })).toEqual({ schedule: 'genmd4' });
    expect(upgradeSavedConfig({ schedule: 'cosine', genmd4: false })).toEqual({ schedule: 'cosine' });
    const out = join(work, 'legacy');
    md4(['train', ...tinyTrainFlags(), '--steps', '1', '--out', out]);
    const saved = { ...resolveTrainConfig({}, { out, steps: 1 }), schedule: 'linear', genmd4: true };
    writeFileSync(join(out, RUN_FILES.config), JSON.stringify(saved));
    const resumed = await resumedTrainConfig({ out, steps: 3 });
    expect(resumed.schedule).toBe('genmd4');
    expect(resumed.steps).toBe(3);
  });

  it('md4 train --schedule genmd4 trains and checkpoints the learned exponents; --genmd4 is gone', () => {
    const out = join(work, 'genmd4');
    const train = md4(['train', ...tinyTrainFlags(), '--schedule', 'genmd4', '--steps', '2', '--out', out]);
    expect(train.code, train.stderr).toBe(0);
    const info = md4(['info', out, '--json']);
    expect(JSON.parse(info.stdout).schedule.kind).toBe('genmd4');
    expect(md4(['train', ...tinyTrainFlags(), '--genmd4', '--out', join(work, 'old')]).code).toBe(2);
  });
});
