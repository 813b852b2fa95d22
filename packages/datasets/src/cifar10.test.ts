import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCifar10 } from './cifar10';
import { parseCifar10 } from './cifar10-format';
import { DataFormatError } from './data-format-error';

const dir = mkdtempSync(join(tmpdir(), 'md4-cifar-'));

/** A CIFAR-10 binary record whose pixel (y, x) has R = (y + x) % 256, G = 100, B = label * 10. */
function record(label: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = label;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      r[1 + y * 32 + x] = (y + x) % 256;
      r[1 + 1024 + y * 32 + x] = 100;
      r[1 + 2048 + y * 32 + x] = label * 10;
    }
  }
  return r;
}

describe('CIFAR-10 binary', () => {
  it('reads records into HWC pixel tokens with labels, from a folder split', () => {
    for (let i = 1; i <= 5; i++)
      writeFileSync(join(dir, `data_batch_${i}.bin`), Buffer.concat([record(i), record(9)]));
    writeFileSync(join(dir, 'test_batch.bin'), record(3));
    const train = loadCifar10({ dir, split: 'train' });
    expect([train.size, train.length, train.tokenizer.id]).toEqual([10, 3072, 'pixels-32x32x3']);
    expect(Array.from(train.labels!)).toEqual([1, 9, 2, 9, 3, 9, 4, 9, 5, 9]);
    const img = train.chunk(2); // label 2
    const at = (y: number, x: number) => Array.from(img.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
    expect(at(0, 0)).toEqual([0, 100, 20]);
    expect(at(5, 7)).toEqual([12, 100, 20]);
    expect(loadCifar10({ dir, split: 'test' }).size).toBe(1);
  });

  it('errors on wrong sizes, bad labels and missing files; fuzzed bytes give only clear errors', () => {
    writeFileSync(join(dir, 'short.bin'), record(1).subarray(0, 3000));
    expect(() => loadCifar10({ files: [join(dir, 'short.bin')] })).toThrow(
      /short\.bin: has the wrong size for CIFAR-10 binary: 3000 bytes/,
    );
    const bad = record(1);
    bad[0] = 42;
    expect(() => parseCifar10(bad, 'c100.bin')).toThrow(/c100\.bin: record 0 has label 42/);
    expect(() => loadCifar10({ dir: join(dir, 'none') })).toThrow(/is missing data_batch_1\.bin/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 7000 }), (b) => {
        try {
          expect(parseCifar10(b, 'f.bin').labels.length).toBe(b.length / 3073);
        } catch (e) {
          expect(e).toBeInstanceOf(DataFormatError);
        }
      }),
      { numRuns: 200, seed: 31 },
    );
  });
});
