import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md4 } from './cli-process.test-helper';

const work = mkdtempSync(join(tmpdir(), 'md4-reproduce-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('md4 reproduce --scale smoke', () => {
  const page = join(work, 'page');
  const runs = join(work, 'work');
  const args = ['reproduce', '--scale', 'smoke', '--out', page, '--work', runs, '--backend', 'wasm'];

  it('runs every claim and writes the page: tables, plots, the image grid and every command', () => {
    const r = md4(args);
    expect(r.code, r.stderr).toBe(0);
    const readme = readFileSync(join(page, 'README.md'), 'utf8');
    for (const heading of [
      '## 1. The ELBO of a network that ignores t does not depend on the schedule',
      '## 2. L_T decreases to L_∞ as T grows (Table 7)',
      '## 3. GenMD4 against MD4 at equal network passes',
      '## 4. Linear, cosine and poly2 schedules at equal compute',
      '## 5. MD4 against an autoregressive model at equal compute',
      '## 6. Sample quality against steps',
      '## 7. Images: Fashion-MNIST',
      '## Commands',
    ]) {
      expect(readme).toContain(heading);
    }
    expect(readme).toMatch(/\*\*(holds|does not hold)\*\* at this noise level/);
    for (const file of ['discretisation.svg', 'sample-quality.svg', 'fashion-mnist-samples.png']) {
      expect(existsSync(join(page, file)), file).toBe(true);
    }
    expect(readFileSync(join(page, 'sample-quality.svg'), 'utf8')).toMatch(/^<svg/);
    const results = JSON.parse(readFileSync(join(page, 'results.json'), 'utf8')) as {
      steps: Array<{ id: string; command: string; seconds: number }>;
    };
    expect(results.steps).toHaveLength(30);
    // the page lists the exact commands it ran
    for (const step of results.steps) expect(readme).toContain(step.command);
  }, 300_000);

  it('resumes: a second call reruns only the steps whose results are missing', () => {
    rmSync(join(runs, 'steps', 'gen-ppl-first-hitting.json'));
    const r = md4(args);
    expect(r.code, r.stderr).toBe(0);
    const ran = r.stderr.match(/: done in /g) ?? [];
    expect(ran).toHaveLength(1);
    expect(r.stderr).toContain('gen-ppl-first-hitting: done in');
  }, 120_000);
});
