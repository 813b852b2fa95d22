import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from './data-format-error';
import { parseIdx } from './idx-format';
import { FASHION_MNIST_DIR, fashionMnist, loadIdxImages, readIdxFile } from './idx-images';

const dir = mkdtempSync(join(tmpdir(), 'md4-idx-'));

function idx(dims: number[], data: number[] | Uint8Array, type = 8): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  const dv = new DataView(head.buffer);
  dims.forEach((d, i) => {
    dv.setUint32(4 + 4 * i, d, false);
  });
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  beforeAll(() => {
    if (!existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'))) {
      throw new Error(
        `Fashion-MNIST is missing from ${FASHION_MNIST_DIR}: install it with \`apt-get install dataset-fashion-mnist\` (scripts/ensure-system.sh and CI install it)`,
      );
    }
  });

  it('train: 60,000 28x28 images, 6,000 per class, mean pixel 72.94, known first labels', () => {
    const ds = fashionMnist({ split: 'train' });
    expect([ds.size, ds.length, ds.tokenizer.id]).toEqual([60000, 784, 'pixels-28x28x1']);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels!) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    // The published label order starts 9 (ankle boot), 0, 0, 3, 0, 2, 7, 2, 5, 5.
    expect(Array.from(ds.labels!.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    let sum = 0;
    for (let i = 0; i < ds.size; i++) {
      const img = ds.chunk(i);
      for (let j = 0; j < img.length; j++) sum += img[j]!;
    }
    // Fashion-MNIST's published normalisation mean is 0.2860 (x 255 = 72.93).
    expect(sum / (ds.size * ds.length)).toBeCloseTo(72.9404, 3);
  });

  it('test: 10,000 images, 1,000 per class, pixel tokens round-trip through the tokenizer', () => {
    const ds = fashionMnist({ split: 'test' });
    expect(ds.size).toBe(10000);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels!) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const img = ds.chunk(0);
    expect(Array.from(ds.tokenizer.encode(ds.tokenizer.decode(img)))).toEqual(Array.from(img));
    expect(Math.max(...img)).toBeLessThanOrEqual(255);
  });
});

describe('IDX files', () => {
  it('reads plain and gzipped IDX with labels', () => {
    const px = Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
    writeFileSync(join(dir, 'img'), idx([3, 2, 2], px));
    writeFileSync(join(dir, 'img.gz'), gzipSync(idx([3, 2, 2], px)));
    writeFileSync(join(dir, 'lab'), idx([3], [2, 0, 1]));
    const a = loadIdxImages({ images: join(dir, 'img'), labels: join(dir, 'lab') });
    const b = loadIdxImages({ images: join(dir, 'img.gz') });
    expect(Array.from(a.chunk(2))).toEqual([160, 180, 200, 220]);
    expect(Array.from(b.chunk(2))).toEqual([160, 180, 200, 220]);
    expect(Array.from(a.labels!)).toEqual([2, 0, 1]);
    expect(b.labels).toBeUndefined();
  });

  it('errors name the file and the problem: magic, type, truncation, size, labels, gzip', () => {
    const w = (name: string, bytes: Uint8Array) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    };
    expect(() => readIdxFile(w('m', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 1, 5])))).toThrow(
      /m: has the wrong IDX magic \(01 02 08 01\)/,
    );
    expect(() => readIdxFile(w('f', idx([1], [0, 0, 0, 0], 13)))).toThrow(
      /f: holds IDX type float32; only uint8/,
    );
    expect(() => readIdxFile(w('t', idx([2, 3], [1, 2, 3, 4])))).toThrow(
      /t: is truncated: dimensions 2 x 3 need 6 bytes of data, the file has 4/,
    );
    expect(() => readIdxFile(w('e', idx([2], [1, 2, 3])))).toThrow(
      /e: has the wrong size: dimensions 2 need 2 bytes of data, the file has 3 \(1 extra\)/,
    );
    expect(() => readIdxFile(w('h', Uint8Array.from([0, 0, 8, 3, 0, 0])))).toThrow(
      /h: is truncated: 6 bytes, shorter than its 16-byte IDX header/,
    );
    const gz = gzipSync(idx([4], [1, 2, 3, 4]));
    expect(() => readIdxFile(w('cut.gz', gz.subarray(0, gz.length - 6)))).toThrow(
      /cut\.gz: is not a valid gzip file/,
    );
    const img = w('i3', idx([2, 1, 1], [1, 2]));
    expect(() => loadIdxImages({ images: w('i2', idx([2, 1], [1, 2])) })).toThrow(
      /i2: has 2 dimensions \(2 x 1\); images need N x H x W/,
    );
    expect(() => loadIdxImages({ images: img, labels: w('l3', idx([3], [0, 1, 2])) })).toThrow(
      /l3: has dimensions 3, but the labels for .* need exactly 2/,
    );
    expect(() => fashionMnist({ dir: join(dir, 'nope') })).toThrow(
      /nope: does not exist: Fashion-MNIST is not installed; install it with `apt-get install dataset-fashion-mnist`/,
    );
  });

  it('fuzz: random, mutated and truncated IDX bytes give a DataFormatError or a consistent array', () => {
    const good = idx(
      [5, 3, 3],
      Array.from({ length: 45 }, (_, i) => i),
    );
    const check = (b: Uint8Array) => {
      try {
        const r = parseIdx(b, 'fuzz.idx');
        expect(r.data.length).toBe(r.dims.reduce((a, d) => a * d, 1));
      } catch (e) {
        expect(e).toBeInstanceOf(DataFormatError);
        expect((e as Error).message).toMatch(/^fuzz\.idx: /);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), check), { numRuns: 1000, seed: 21 });
    fc.assert(
      fc.property(
        fc.nat(good.length),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 3 }),
        (cut, edits) => {
          const b = Uint8Array.from(good);
          for (const [i, v] of edits) b[i] = v;
          check(b.subarray(0, cut));
        },
      ),
      { numRuns: 1000, seed: 22 },
    );
    // Truncated gzip of the real train labels: a clear error, no hang.
    const real = join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz');
    if (existsSync(real)) {
      const bytes = readFileSync(real);
      for (const cut of [2, 10, 100, bytes.length - 1]) {
        writeFileSync(join(dir, 'z.gz'), bytes.subarray(0, cut));
        expect(() => readIdxFile(join(dir, 'z.gz'))).toThrow(DataFormatError);
      }
    }
  });
});

describe('gzipped IDX files are inflated only to the size their header declares', () => {
  it('a gzip bomb (a small header, 200 MB of zeros) is an error, not 200 MB of memory', () => {
    const bomb = gzipSync(idx([10, 28, 28], new Uint8Array(200_000_000)), { level: 9 });
    expect(bomb.length).toBeLessThan(1_000_000);
    const path = join(dir, 'train-images-idx3-ubyte.gz');
    writeFileSync(path, bomb);
    expect(() => readIdxFile(path)).toThrow(/inflates to more than the 7,856 bytes its IDX header declares/);
  });

  it('a header declaring more than 1 GiB is refused before inflating', () => {
    const path = join(dir, 'huge-idx3-ubyte.gz');
    writeFileSync(path, gzipSync(idx([70_000, 200, 200], new Uint8Array(10))));
    expect(() => readIdxFile(path)).toThrow(
      /declares 2,800,000,016 bytes in its IDX header, more than the 1,073,741,824/,
    );
  });

  it('an honest gzipped file still reads', () => {
    const path = join(dir, 'ok-idx3-ubyte.gz');
    const data = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
    writeFileSync(path, gzipSync(idx([2, 3, 3], data)));
    const read = readIdxFile(path);
    expect(read.dims).toEqual([2, 3, 3]);
    expect([...read.data]).toEqual([...data]);
  });
});
