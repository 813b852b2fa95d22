import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bf16Instructions } from '@md4/backend-native';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointConfig, md4, runMetrics, tinyTrainFlags } from './cli-process.test-helper';

// CI installs oneDNN (scripts/ensure-system.sh), so there the first test runs bf16.
const work = mkdtempSync(join(tmpdir(), 'md4-precision-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The tiny run's flags with its progress lines (and notices) on. */
const loud = tinyTrainFlags().filter((flag) => flag !== '--quiet');
const metadata = (out: string) => checkpointConfig(out).metadata;

describe('md4 train --precision', () => {
  let bf16Ran = false;
  it('records the precision the products ran in: bf16 on the native backend when oneDNN loads', () => {
    const out = join(work, 'native');
    const r = md4([
      'train',
      ...loud,
      '--backend',
      'native',
      '--precision',
      'bf16',
      '--steps',
      '2',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Without oneDNN (or the native backend) one line says so and the run is float32.
    const ran = /--precision bf16(:| needs)/.test(r.stderr) ? 'fp32' : 'bf16';
    expect(metadata(out).precision).toBe(ran);
    expect(
      runMetrics(out)
        .filter((x) => x.split === 'train')
        .map((x) => x.precision),
    ).toEqual([ran, ran]);
    bf16Ran = ran === 'bf16';
  });

  it('auto, the default, is bf16 only where the CPU has bf16 multiply instructions, and says nothing', () => {
    const out = join(work, 'auto');
    const r = md4(['train', ...loud, '--backend', 'native', '--steps', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/--precision/);
    // a CPU without amx_bf16 or avx512_bf16 (an AVX2 Zen 1, say) trains in float32
    const expected = bf16Ran && bf16Instructions().length > 0 ? 'bf16' : 'fp32';
    expect(metadata(out).precision).toBe(expected);
    expect(r.stderr).toContain(`(${expected} products)`);
  });

  it('on wasm says bf16 needs the native backend, and trains in fp32', () => {
    const out = join(work, 'wasm');
    const r = md4(['train', ...loud, '--precision', 'bf16', '--steps', '1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/--precision bf16 needs the native backend; matrix products stay float32/);
    expect(metadata(out).precision).toBe('fp32');
  });

  it('an unknown precision is a usage error naming the choices', () => {
    const r = md4(['train', ...tinyTrainFlags(), '--precision', 'fp16', '--out', join(work, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--precision.*Allowed choices are auto, fp32, bf16/);
  });
});
