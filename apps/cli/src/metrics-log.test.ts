import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsLog } from './metrics-log';
import { parseMetrics, readMetrics } from './training-curves';

const work = mkdtempSync(join(tmpdir(), 'md4-metrics-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const line = (step: number, split = 'train') =>
  `${JSON.stringify({ step, split, bitsPerToken: 5 - step / 10 })}\n`;

describe('metrics log', () => {
  it('a fresh run starts the file empty (no appending to an old run)', async () => {
    const path = join(work, 'fresh.jsonl');
    writeFileSync(path, line(1) + line(2));
    const log = await MetricsLog.open(path, null);
    await log.append({ step: 1, split: 'train', bitsPerToken: 4 });
    expect(parseMetrics(readFileSync(path, 'utf8'), path).map((r) => r.step)).toEqual([1]);
  });

  it('a resumed run keeps the records up to the checkpoint step and drops a torn last line', async () => {
    const path = join(work, 'resumed.jsonl');
    writeFileSync(path, `${line(1)}${line(2)}${line(2, 'valid')}${line(3)}${line(4)}{"step": 5, "spl`);
    await MetricsLog.open(path, 2);
    expect(parseMetrics(readFileSync(path, 'utf8'), path).map((r) => `${r.step}${r.split}`)).toEqual([
      '1train',
      '2train',
      '2valid',
    ]);
  });

  it('readers skip a torn last line with a warning but reject a malformed line before the end', async () => {
    const path = join(work, 'torn.jsonl');
    writeFileSync(path, `${line(1)}${line(2)}{"step": 3, "bitsPer`);
    const warnings: string[] = [];
    expect((await readMetrics(path, (w) => warnings.push(w))).map((r) => r.step)).toEqual([1, 2]);
    expect(warnings).toEqual([`${path}:3: skipped a torn last line (a run was killed while writing it)`]);
    writeFileSync(path, `${line(1)}{"step": 2\n${line(3)}`);
    await expect(readMetrics(path)).rejects.toThrow(/torn\.jsonl:2: not a JSON object/);
  });
});
